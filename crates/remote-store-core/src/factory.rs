//! Building backends from configuration: what a backend crate provides so
//! that registries, URLs and the command-line tool can create it by name.
//!
//! A backend crate implements [`BackendFactory`] once. The `remote-store`
//! facade installs the factories of its enabled features; a third-party
//! crate registers its own with one call
//! (`remote_store::register_backend(MyFactory)`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};

/// A built backend, of either kind.
#[derive(Clone)]
pub enum AnyBackend {
    /// A blocking backend.
    Sync(Arc<dyn Backend>),
    /// A native-async backend.
    Async(Arc<dyn AsyncBackend>),
}

impl AnyBackend {
    /// The backend's name.
    pub fn name(&self) -> &str {
        match self {
            AnyBackend::Sync(b) => b.name(),
            AnyBackend::Async(b) => b.name(),
        }
    }

    /// A [`Store`](crate::Store) over this backend (the blocking bridge
    /// for an async one).
    pub fn store(&self) -> crate::Store {
        match self {
            AnyBackend::Sync(b) => crate::Store::new(b.clone()),
            AnyBackend::Async(b) => crate::Store::new(b.clone()),
        }
    }

    /// An [`AsyncStore`](crate::AsyncStore) over this backend (the
    /// `SyncBackendAdapter` for a sync one).
    pub fn async_store(&self) -> crate::AsyncStore {
        match self {
            AnyBackend::Sync(b) => crate::AsyncStore::new(b.clone()),
            AnyBackend::Async(b) => crate::AsyncStore::new(b.clone()),
        }
    }

    /// Closes the backend, from any context.
    pub fn close(&self) -> Result<()> {
        match self {
            AnyBackend::Sync(b) => b.close(),
            AnyBackend::Async(b) => crate::AsyncBackendBridge::from_arc(b.clone()).close(),
        }
    }
}

impl fmt::Debug for AnyBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyBackend::Sync(b) => write!(f, "AnyBackend::Sync({})", b.name()),
            AnyBackend::Async(b) => write!(f, "AnyBackend::Async({})", b.name()),
        }
    }
}

/// One option a backend accepts.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The key, as written in configuration (`root`, `region`).
    pub name: &'static str,
    /// Whether configuration must give it.
    pub required: bool,
    /// Whether its value is a secret (never shown in `Debug` or errors).
    pub secret: bool,
    /// What is expected, for messages and docs.
    pub help: &'static str,
}

impl OptionSpec {
    /// A required, non-secret option.
    pub const fn required(name: &'static str, help: &'static str) -> Self {
        OptionSpec {
            name,
            required: true,
            secret: false,
            help,
        }
    }

    /// An optional, non-secret option.
    pub const fn optional(name: &'static str, help: &'static str) -> Self {
        OptionSpec {
            name,
            required: false,
            secret: false,
            help,
        }
    }

    /// The same option, marked secret.
    pub const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

/// The options of one backend: string values by key, secrets redacted
/// when shown.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Options {
    values: BTreeMap<String, String>,
    secret: BTreeSet<String>,
}

impl Options {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// Marks `key` secret: its value is redacted in `Debug`.
    pub fn mark_secret(&mut self, key: impl Into<String>) {
        self.secret.insert(key.into());
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The value of a required `key`.
    ///
    /// # Errors
    /// `InvalidConfig` naming the key when it is missing.
    pub fn require(&self, key: &str) -> Result<&str> {
        self.get(key).ok_or_else(|| {
            Error::new(ErrorKind::InvalidConfig).with_message(format!("{key}: missing"))
        })
    }

    /// The value of `key` parsed as `T`, if set.
    ///
    /// # Errors
    /// `InvalidConfig` naming the key and `expected` when it does not parse.
    pub fn parse<T: FromStr>(&self, key: &str, expected: &str) -> Result<Option<T>> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        raw.parse().map(Some).map_err(|_| {
            let shown = if self.secret.contains(key) {
                "<redacted>".to_owned()
            } else {
                format!("'{raw}'")
            };
            Error::new(ErrorKind::InvalidConfig)
                .with_message(format!("{key}: expected {expected}, got {shown}"))
        })
    }

    /// `key` as a boolean (`true`/`false`), if set.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        self.parse(key, "true or false")
    }

    /// The keys and values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Checks the keys against `specs`: unknown keys and missing required
    /// ones are errors naming the key; secret ones are marked.
    pub fn check(&mut self, specs: &[OptionSpec]) -> Result<()> {
        if let Some(unknown) = self
            .values
            .keys()
            .find(|k| !specs.iter().any(|s| s.name == *k))
        {
            let known: Vec<_> = specs.iter().map(|s| s.name).collect();
            return Err(Error::new(ErrorKind::InvalidConfig).with_message(format!(
                "{unknown}: unknown option (expected one of: {})",
                known.join(", ")
            )));
        }
        for spec in specs {
            if spec.required && !self.values.contains_key(spec.name) {
                return Err(Error::new(ErrorKind::InvalidConfig)
                    .with_message(format!("{}: missing (expected {})", spec.name, spec.help)));
            }
            if spec.secret {
                self.secret.insert(spec.name.to_owned());
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            if self.secret.contains(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// A URL, parsed and percent-decoded, as handed to
/// [`BackendFactory::url_target`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UrlParts {
    /// `s3`, `file`, `memory`, …
    pub scheme: String,
    /// The user name, if any (`sftp://user@host`).
    pub user: Option<String>,
    /// The host (bucket, container, server), if any.
    pub host: Option<String>,
    /// The port, if any.
    pub port: Option<u16>,
    /// The path, decoded, with its leading `/`.
    pub path: String,
    /// Query parameters, decoded.
    pub query: BTreeMap<String, String>,
}

impl UrlParts {
    /// Refuses a URL that has any of `parts` (`"user"`, `"host"`,
    /// `"port"`), for a factory that has no use for them: a part a factory
    /// would drop must be an error, never silently ignored. `form` shows
    /// the URL form the factory takes.
    ///
    /// # Errors
    /// `InvalidArgument` naming the first such part.
    pub fn refuse_parts(&self, parts: &[&str], form: &str) -> Result<()> {
        for part in parts {
            let given = match *part {
                "user" => self.user.is_some(),
                "host" => self.host.is_some(),
                "port" => self.port.is_some(),
                _ => false,
            };
            if given {
                return Err(Error::new(ErrorKind::InvalidArgument).with_message(format!(
                    "{}:// URLs take no {part} (expected {form})",
                    self.scheme
                )));
            }
        }
        Ok(())
    }
}

/// What a URL opens: backend options, and the folder inside the backend
/// the store is rooted at.
#[derive(Debug, Clone, Default)]
pub struct UrlTarget {
    /// Options for [`BackendFactory::build`].
    pub options: Options,
    /// The store root inside the backend.
    pub root: String,
}

/// Creates one kind of backend from options.
///
/// Implement it in the backend crate, next to the backend. `build` must not
/// do I/O that can wait on a network: registries call it lazily, but URLs
/// and tools call it directly.
pub trait BackendFactory: Send + Sync + 'static {
    /// The type name used in configuration (`type = "local"`).
    fn kind(&self) -> &'static str;

    /// URL schemes this factory opens (`["file"]`); none by default.
    fn schemes(&self) -> &'static [&'static str] {
        &[]
    }

    /// The options the backend accepts.
    fn options(&self) -> &'static [OptionSpec];

    /// Checks option values without building anything (run at load time,
    /// after the keys were checked against [`options`](Self::options)).
    fn validate(&self, options: &Options) -> Result<()> {
        let _ = options;
        Ok(())
    }

    /// Builds the backend.
    fn build(&self, options: &Options) -> Result<AnyBackend>;

    /// Turns a URL of one of [`schemes`](Self::schemes) into options and a
    /// store root.
    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        Err(Error::new(ErrorKind::InvalidConfig).with_message(format!(
            "the {} backend cannot be opened from a URL ({}://)",
            self.kind(),
            url.scheme
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[OptionSpec] = &[
        OptionSpec::required("root", "a folder"),
        OptionSpec::optional("key", "an access key").secret(),
    ];

    #[test]
    fn unknown_and_missing_keys_are_named() {
        let mut o = Options::new().with("rot", "x");
        let e = o.check(SPECS).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(
            e.to_string()
                .contains("rot: unknown option (expected one of: root, key)")
        );
        let mut o = Options::new();
        assert!(
            o.check(SPECS)
                .unwrap_err()
                .to_string()
                .contains("root: missing (expected a folder)")
        );
    }

    #[test]
    fn secrets_never_show() {
        let mut o = Options::new().with("root", "/r").with("key", "hunter2");
        o.check(SPECS).unwrap();
        assert!(!format!("{o:?}").contains("hunter2"));
        let e = o.parse::<u32>("key", "a number").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("key: expected a number"));
    }
}
