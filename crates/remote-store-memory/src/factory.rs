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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use remote_store_core::ErrorKind;

    use super::*;

    fn url(host: Option<&str>, path: &str, query: &[(&str, &str)]) -> UrlParts {
        let mut parts = UrlParts::default();
        parts.scheme = "memory".into();
        parts.host = host.map(str::to_owned);
        parts.path = path.into();
        parts.query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>();
        parts
    }

    /// The names configuration and URLs select it by, and its one option.
    #[test]
    fn names_and_options() {
        let f = MemoryFactory;
        assert_eq!(f.kind(), "memory");
        assert_eq!(f.schemes(), ["memory"]);
        let names: Vec<_> = f.options().iter().map(|o| o.name).collect();
        assert_eq!(names, ["async"]);
    }

    /// `async` must be a boolean; it picks the native-async backend.
    #[test]
    fn async_option_is_checked_and_picks_the_backend() {
        let f = MemoryFactory;
        let mut bad = Options::new();
        bad.set("async", "maybe");
        assert_eq!(
            f.validate(&bad).unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
        let mut yes = Options::new();
        yes.set("async", "true");
        f.validate(&yes).unwrap();
        assert!(matches!(f.build(&yes).unwrap(), AnyBackend::Async(_)));
        assert!(matches!(
            f.build(&Options::new()).unwrap(),
            AnyBackend::Sync(_)
        ));
    }

    /// A URL gives the root and the options; a host is refused, never
    /// dropped.
    #[test]
    fn urls_give_root_and_options() {
        let f = MemoryFactory;
        let target = f
            .url_target(&url(None, "/some/folder", &[("async", "true")]))
            .unwrap();
        assert_eq!(target.root, "/some/folder");
        assert_eq!(target.options.bool("async").unwrap(), Some(true));
        let refused = f.url_target(&url(Some("host"), "/x", &[])).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::InvalidArgument);
    }
}
