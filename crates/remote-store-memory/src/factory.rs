//! [`MemoryFactory`]: builds memory backends from configuration and URLs.

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, OptionSpec, Options, Result, UrlParts, UrlTarget,
};

use crate::{AsyncMemoryBackend, MemoryBackend};

/// Factory of type `memory` (scheme `memory://`).
///
/// Option `async = true` builds the native-async backend; by default the
/// sync one. A `memory:///some/folder` URL roots the store at that folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryFactory;

const OPTIONS: &[OptionSpec] = &[OptionSpec::optional(
    "async",
    "true for the native-async backend (default false)",
)];

impl BackendFactory for MemoryFactory {
    fn kind(&self) -> &'static str {
        crate::NAME
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["memory"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn validate(&self, options: &Options) -> Result<()> {
        options.bool("async").map(drop)
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        Ok(if options.bool("async")?.unwrap_or(false) {
            AnyBackend::Async(Arc::new(AsyncMemoryBackend::new()))
        } else {
            AnyBackend::Sync(Arc::new(MemoryBackend::new()))
        })
    }

    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        url.refuse_parts(&["user", "host", "port"], "memory:///path")?;
        let mut options = Options::new();
        for (k, v) in &url.query {
            options.set(k.clone(), v.clone());
        }
        Ok(UrlTarget {
            options,
            root: url.path.clone(),
        })
    }
}
