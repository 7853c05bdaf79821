//! Turning command-line locations into a store and a path in it.
//!
//! - `scheme://…` URLs: the backend the URL names, at its root (the bucket,
//!   the container, `/` for `file://`), and the URL's path inside it;
//! - `name:path` where `name` is a store of the configuration file;
//! - anything else: a local path, made absolute.
//!
//! Locations naming the same backend share one store, so a copy within one
//! backend can happen inside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use remote_store::layers_config::LayersConfig;
use remote_store::{Config, Error, ErrorKind, Registry, Result, Store, UrlParts};

use crate::layers::Flags;

/// A location: a store and a path inside it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) store: Store,
    pub(crate) path: String,
    /// As the user wrote it, for messages.
    pub(crate) label: String,
}

impl Target {
    /// The same store, one level down.
    pub(crate) fn join(&self, name: &str) -> Target {
        let path = if self.path.trim_matches('/').is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.path.trim_end_matches('/'))
        };
        Target {
            store: self.store.clone(),
            label: format!("{}/{name}", self.label.trim_end_matches('/')),
            path,
        }
    }

    /// Whether the user wrote it as a folder (a trailing `/`, `/.` or
    /// `/..`, or `.`/`..` alone).
    pub(crate) fn names_folder(&self) -> bool {
        let last = self.label.rsplit(['/', ':']).next().unwrap_or("");
        self.label.ends_with('/') || self.path.ends_with('/') || matches!(last, "." | "..")
    }

    /// The last segment of the path.
    pub(crate) fn name(&self) -> &str {
        self.path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
    }
}

pub(crate) struct Resolver {
    flags: Flags,
    registry: Option<Registry>,
    config_path: Option<PathBuf>,
    cache: HashMap<String, Store>,
}

/// Whether `name` (before a `:`) could name a store or a URL scheme: two
/// characters or more (so `C:` stays a drive), letters, digits, `-`, `_`,
/// `.`, `+`.
fn store_name_shape(name: &str) -> bool {
    name.len() >= 2
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// `path` with `.` and `..` resolved textually, as a shell user means them
/// (local paths are the user's own; only store paths refuse `..`).
pub(crate) fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The per-user configuration folder of this OS: `$XDG_CONFIG_HOME` or
/// `~/.config` on Unix, `~/Library/Application Support` on macOS,
/// `%APPDATA%` on Windows. (Written here rather than taken from the `dirs`
/// crate, whose dependency tree brings an MPL-2.0 license our policy does
/// not allow.)
fn config_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return env("APPDATA");
    }
    if cfg!(target_os = "macos") {
        return env("HOME").map(|h| h.join("Library/Application Support"));
    }
    env("XDG_CONFIG_HOME").or_else(|| env("HOME").map(|h| h.join(".config")))
}

/// `<config dir>/remote-store/config.toml`, when it exists.
fn default_config() -> Option<PathBuf> {
    let path = config_dir()?.join("remote-store").join("config.toml");
    path.is_file().then_some(path)
}

impl Resolver {
    /// Loads the configuration: `explicit` (which must exist), else the
    /// default file when there is one.
    /// Every store gets the layers of `flags` (see [`crate::layers`]).
    pub(crate) fn new(explicit: Option<&Path>, flags: Flags) -> Result<Self> {
        let path = explicit.map(Path::to_path_buf).or_else(default_config);
        let registry = match path.as_deref() {
            Some(path) => {
                let mut config = Config::from_file(path)?;
                for backend in config.backends.values_mut() {
                    backend.layers = flags.layers(&backend.layers, false);
                }
                Some(Registry::new(config)?)
            }
            None => None,
        };
        Ok(Resolver {
            flags,
            registry,
            config_path: path,
            cache: HashMap::new(),
        })
    }

    pub(crate) fn registry(&self) -> Result<&Registry> {
        self.registry.as_ref().ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument)
                .with_message("no configuration file (use --config FILE)")
        })
    }

    pub(crate) fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    pub(crate) fn resolve(&mut self, arg: &str) -> Result<Target> {
        if arg.contains("://") {
            return self.url(arg);
        }
        if let Some((name, path)) = arg.split_once(':') {
            if let Some(registry) = &self.registry
                && registry.store_names().any(|n| n == name)
            {
                return Ok(Target {
                    store: registry.store(name)?,
                    path: path.to_owned(),
                    label: shown(arg),
                });
            }
            if !store_name_shape(name) {
                return self.local(arg);
            }
            // Neither a store nor a URL: refused rather than taken for a
            // local file named `name:…` (a typo would write there).
            let known = self
                .registry
                .as_ref()
                .map(|r| r.store_names().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            return Err(Error::new(ErrorKind::InvalidArgument).with_message(format!(
                "'{arg}': no store named '{name}' (stores: {}); a URL needs '://' \
                 (file:///path); write ./{arg} for a local file of that name",
                if known.is_empty() { "none" } else { &known }
            )));
        }
        self.local(arg)
    }

    fn url(&mut self, arg: &str) -> Result<Target> {
        let parts = remote_store::url::parse(arg)?;
        let path = parts.path.clone();
        let mut container = parts.clone();
        container.path = "/".to_owned();
        let store = self.container(container)?;
        Ok(Target {
            store,
            path,
            label: shown(arg),
        })
    }

    fn local(&mut self, arg: &str) -> Result<Target> {
        let cwd = std::env::current_dir().map_err(Error::from)?;
        let absolute = lexical(&cwd.join(arg));
        let mut path = absolute
            .to_str()
            .ok_or_else(|| Error::invalid_path(absolute.display(), "not valid UTF-8"))?
            .to_owned();
        if arg.ends_with('/') && !path.ends_with('/') {
            path.push('/');
        }
        let mut container = UrlParts::default();
        container.scheme = "file".to_owned();
        container.path = "/".to_owned();
        let store = self.container(container)?;
        Ok(Target {
            store,
            path,
            label: shown(arg),
        })
    }

    /// The store at the root of a backend, shared per backend.
    fn container(&mut self, mut parts: UrlParts) -> Result<Store> {
        let key = format!("{parts:?}");
        if let Some(store) = self.cache.get(&key) {
            return Ok(store.clone());
        }
        // The layers go back into the URL's options, so the backend is
        // built knowing them (a retry layer turns its SDK's retries off).
        // A URL's own options win over the flags (local paths have none).
        let own = LayersConfig::take_url_options(&mut parts.query)?;
        let layers = self.flags.layers(&own, true);
        for pair in layers.to_url_options().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            parts.query.insert(k.to_owned(), v.to_owned());
        }
        let store = remote_store::url::resolve_parts(&parts)?.store()?;
        self.cache.insert(key, store.clone());
        Ok(store)
    }
}

/// An argument as messages show it: a URL with its secret options
/// redacted.
fn shown(arg: &str) -> String {
    if arg.contains("://") {
        remote_store::url::redact(arg)
    } else {
        arg.to_owned()
    }
}
