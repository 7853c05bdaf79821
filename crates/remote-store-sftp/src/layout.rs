//! Where store paths live on the server: the base path joined with the
//! store path, temp names for staged writes, and back.

use remote_store_core::{Error, RemotePath, Result};

/// Staged writes go to `.~tmp.<name>.<random>` beside the target; listings
/// hide such names.
const TEMP_PREFIX: &str = ".~tmp.";

/// The server-side layout of one backend.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The base path without a trailing `/` (`/` itself stays).
    base: String,
}

impl Layout {
    pub(crate) fn new(base: &str) -> Self {
        let trimmed = base.trim_end_matches('/');
        let base = if trimmed.is_empty() && base.starts_with('/') {
            "/".to_owned()
        } else {
            trimmed.to_owned()
        };
        Layout { base }
    }

    /// The server path of `path`.
    pub(crate) fn native(&self, path: &RemotePath) -> String {
        self.join(path.as_str())
    }

    fn join(&self, rel: &str) -> String {
        match (self.base.as_str(), rel) {
            ("", "") => ".".to_owned(),
            ("", rel) => rel.to_owned(),
            (base, "") => base.to_owned(),
            ("/", rel) => format!("/{rel}"),
            (base, rel) => format!("{base}/{rel}"),
        }
    }

    /// The server path of a fresh temp file beside `path`.
    pub(crate) fn temp_for(&self, path: &RemotePath) -> String {
        let name = format!("{TEMP_PREFIX}{}.{:016x}", path.name(), fastrand::u64(..));
        match path.parent() {
            Some(parent) if !parent.is_root() => self.join(&format!("{parent}/{name}")),
            _ => self.join(&name),
        }
    }

    /// The store path of a server path under the base.
    pub(crate) fn to_key(&self, native: &str) -> Result<RemotePath> {
        let rest = match self.base.as_str() {
            "" => Some(native.trim_start_matches("./")),
            "/" => native.strip_prefix('/'),
            base => native
                .strip_prefix(base)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .map(|rest| rest.trim_start_matches('/')),
        };
        match rest {
            Some(".") => Ok(RemotePath::root()),
            Some(rest) => RemotePath::new(rest),
            None => Err(
                Error::invalid_path(native, "outside the backend's base path")
                    .with_backend(crate::NAME),
            ),
        }
    }
}

/// Whether a listed name is one of our staged temp files (or `.`/`..`).
pub(crate) fn hidden(name: &str) -> bool {
    name == "." || name == ".." || name.starts_with(TEMP_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RemotePath {
        RemotePath::new(s).unwrap()
    }

    #[test]
    fn joins_and_strips_the_base() {
        let abs = Layout::new("/srv/data/");
        assert_eq!(abs.native(&p("a/b.txt")), "/srv/data/a/b.txt");
        assert_eq!(abs.native(&RemotePath::root()), "/srv/data");
        assert_eq!(abs.to_key("/srv/data/a/b.txt").unwrap(), p("a/b.txt"));
        assert!(abs.to_key("/srv/database/x").is_err());
        assert!(abs.to_key("/etc/passwd").is_err());
        let slash = Layout::new("/");
        assert_eq!(slash.native(&p("x")), "/x");
        assert_eq!(slash.to_key("/x/y").unwrap(), p("x/y"));
        let home = Layout::new("");
        assert_eq!(home.native(&RemotePath::root()), ".");
        assert_eq!(home.native(&p("x")), "x");
        assert_eq!(home.to_key("x/y").unwrap(), p("x/y"));
        let rel = Layout::new("data");
        assert_eq!(rel.native(&p("x")), "data/x");
    }

    #[test]
    fn temp_names_are_hidden_siblings() {
        let l = Layout::new("/b");
        let t = l.temp_for(&p("a/f.txt"));
        assert!(t.starts_with("/b/a/.~tmp.f.txt."), "{t}");
        assert!(hidden(t.rsplit('/').next().unwrap()));
        assert!(l.temp_for(&p("f")).starts_with("/b/.~tmp.f."));
        assert_ne!(l.temp_for(&p("f")), l.temp_for(&p("f")));
        assert!(!hidden("f.txt"));
    }
}
