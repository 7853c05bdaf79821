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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use remote_store_core::{Backend, ErrorKind};

    use super::*;

    fn url(host: Option<&str>, path: &str, query: &[(&str, &str)]) -> UrlParts {
        let mut parts = UrlParts::default();
        parts.scheme = "file".into();
        parts.host = host.map(str::to_owned);
        parts.path = path.into();
        parts.query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>();
        parts
    }

    /// The names configuration and URLs select it by, and its options.
    #[test]
    fn names_and_options() {
        let f = LocalFactory;
        assert_eq!(f.kind(), "local");
        assert_eq!(f.schemes(), ["file"]);
        let names: Vec<_> = f.options().iter().map(|o| o.name).collect();
        assert_eq!(names, ["root", "create"]);
    }

    /// `root` is required and not empty; `create` is a boolean.
    #[test]
    fn options_are_validated() {
        let f = LocalFactory;
        let invalid = |options: Options| f.validate(&options).unwrap_err().kind();
        assert_eq!(invalid(Options::new()), ErrorKind::InvalidConfig);
        assert_eq!(
            invalid(Options::new().with("root", "")),
            ErrorKind::InvalidConfig
        );
        let bad_create = Options::new().with("root", "/x").with("create", "maybe");
        assert_eq!(invalid(bad_create), ErrorKind::InvalidConfig);
        assert!(f.validate(&Options::new().with("root", "/x")).is_ok());
    }

    /// `file:///path` (or `file://localhost/path`) serves that path; a
    /// host, a user, a port or a `root` query are refused; other query
    /// pairs are options.
    #[test]
    fn urls_name_local_paths() {
        let f = LocalFactory;
        for host in [None, Some(""), Some("localhost")] {
            let target = f.url_target(&url(host, "/srv/data", &[])).unwrap();
            assert_eq!(target.options.get("root"), Some("/srv/data"));
            assert_eq!(target.root, "");
        }
        let target = f.url_target(&url(None, "", &[])).unwrap();
        assert_eq!(target.options.get("root"), Some("/"));
        let target = f
            .url_target(&url(None, "/srv", &[("create", "true")]))
            .unwrap();
        assert_eq!(target.options.get("create"), Some("true"));
        for bad in [
            url(Some("example.com"), "/srv", &[]),
            url(None, "/srv", &[("root", "/elsewhere")]),
        ] {
            let err = f.url_target(&bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
        }
        let mut with_user = url(None, "/srv", &[]);
        with_user.user = Some("me".into());
        assert!(f.url_target(&with_user).is_err());
    }

    /// Every local backend is one storage, named `file://`: tools compare
    /// native paths within it.
    #[test]
    fn storage_id_is_the_file_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let backend = LocalBackend::new(dir.path()).unwrap();
        assert_eq!(backend.storage_id().as_deref(), Some("file://"));
    }
}
