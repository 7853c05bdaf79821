//! [`LocalFactory`]: builds local backends from configuration and URLs.

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, Error, ErrorKind, OptionSpec, Options, Result, UrlParts, UrlTarget,
};

use crate::LocalBackend;

/// Factory of type `local` (scheme `file://`).
///
/// Options: `root` (required, the folder to serve) and `create` (create it
/// when missing; default false). `file:///var/data` roots the backend at
/// `/var/data`, so containment applies to that folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalFactory;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::required("root", "the folder to serve, an absolute path"),
    OptionSpec::optional(
        "create",
        "true to create the root when missing (default false)",
    ),
];

impl BackendFactory for LocalFactory {
    fn kind(&self) -> &'static str {
        crate::NAME
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["file"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn validate(&self, options: &Options) -> Result<()> {
        options.bool("create")?;
        if options.require("root")?.is_empty() {
            return Err(Error::new(ErrorKind::InvalidConfig)
                .with_message("root: expected a folder path, got an empty string"));
        }
        Ok(())
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        self.validate(options)?;
        let root = options.require("root")?;
        let backend = if options.bool("create")?.unwrap_or(false) {
            LocalBackend::create(root)?
        } else {
            LocalBackend::new(root)?
        };
        Ok(AnyBackend::Sync(Arc::new(backend)))
    }

    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        if url
            .host
            .as_deref()
            .is_some_and(|h| !h.is_empty() && h != "localhost")
        {
            return Err(Error::new(ErrorKind::InvalidConfig).with_message(format!(
                "file:// URLs name local paths; got host '{}'",
                url.host.as_deref().unwrap_or_default()
            )));
        }
        let root = if url.path.is_empty() {
            "/"
        } else {
            url.path.as_str()
        };
        url.refuse_parts(&["user", "port"], "file:///path")?;
        let mut options = Options::new().with("root", root);
        for (k, v) in &url.query {
            if k == "root" {
                return Err(Error::new(ErrorKind::InvalidConfig)
                    .with_message("root: give it as the URL's path (file:///path)"));
            }
            options.set(k.clone(), v.clone());
        }
        Ok(UrlTarget {
            options,
            root: String::new(),
        })
    }
}
