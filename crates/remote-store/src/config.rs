//! Configuration as code: named backends (type + options) and named stores
//! (backend + root), from TOML, JSON or code.
//!
//! ```toml
//! [backends.data]
//! type = "local"
//! root = "${DATA_DIR:-/var/data}"
//!
//! [stores.reports]
//! backend = "data"
//! root = "reports/2024"
//! ```
//!
//! A configuration describes; it instantiates nothing. String values may
//! use environment variables as a POSIX shell expands them: `${VAR}`,
//! `${VAR:-default}` (default when unset *or empty*), `${VAR-default}`
//! (when unset), `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`,
//! `${VAR?message}`; `$$` is a literal `$`. An unset `${VAR}` and a bare
//! `$VAR` are errors (`InvalidConfig`, naming the value), so a typo never
//! widens a root. Keys that look secret (`password`, `secret`, `token`,
//! `key`, …) and options a backend declares secret are redacted in `Debug`.
//! Types and options are checked against the backend factories when a
//! [`Registry`](crate::Registry) is built from the configuration.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use remote_store_core::{Error, ErrorKind, Options, Result};
use serde_json::Value;

use crate::layers_config::LayersConfig;

/// One named backend: its type, options and layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendConfig {
    /// The factory type (`local`, `memory`, `s3`, …).
    pub kind: String,
    /// The options, as strings.
    pub options: Options,
    /// The layers its stores get (`[backends.NAME.retry]`, …; see
    /// [`LayersConfig`]).
    pub layers: LayersConfig,
}

/// One named store: a backend and a root inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The name of a backend of the same configuration.
    pub backend: String,
    /// The store's root inside the backend (empty: the whole backend).
    pub root: String,
}

/// Named backends and named stores.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Backends by name.
    pub backends: BTreeMap<String, BackendConfig>,
    /// Stores by name.
    pub stores: BTreeMap<String, StoreConfig>,
    /// Where the configuration came from, for error messages.
    pub source: Option<String>,
}

const SECRET_HINTS: [&str; 7] = [
    "password",
    "passphrase",
    "secret",
    "token",
    "key",
    "sas",
    "connection_string",
];

/// Whether an option named `key` probably holds a secret (redacted when
/// shown).
pub(crate) fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_HINTS.iter().any(|h| key.contains(h))
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidConfig).with_message(message)
}

impl Config {
    /// An empty configuration, to build in code.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a backend.
    pub fn backend(mut self, name: &str, kind: &str, options: Options) -> Self {
        let mut options = options;
        mark_secrets(&mut options);
        self.backends.insert(
            name.to_owned(),
            BackendConfig {
                kind: kind.to_owned(),
                options,
                layers: LayersConfig::default(),
            },
        );
        self
    }

    /// Adds a store.
    pub fn store(mut self, name: &str, backend: &str, root: &str) -> Self {
        self.stores.insert(
            name.to_owned(),
            StoreConfig {
                backend: backend.to_owned(),
                root: root.to_owned(),
            },
        );
        self
    }

    /// Parses TOML.
    ///
    /// # Errors
    /// `InvalidConfig` naming the key path and what was expected.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let value: Value = toml::from_str(text)
            .map_err(|e| invalid(format!("not valid TOML: {}", e.message())).with_source(e))?;
        Self::from_value(&value, None)
    }

    /// Parses JSON.
    ///
    /// # Errors
    /// `InvalidConfig` naming the key path and what was expected.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| invalid(format!("not valid JSON: {e}")).with_source(e))?;
        Self::from_value(&value, None)
    }

    /// Reads a `.toml` or `.json` file. Errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let in_file = |e: Error| in_source(e, &shown);
        let text = std::fs::read_to_string(path).map_err(|e| in_file(Error::from(e)))?;
        let config = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Self::from_json_str(&text),
            _ => Self::from_toml_str(&text),
        };
        let mut config = config.map_err(in_file)?;
        config.source = Some(shown);
        Ok(config)
    }

    /// Serializes to TOML (secrets included: this is the configuration
    /// itself, not a log line).
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        for (name, b) in &self.backends {
            out.push_str(&format!(
                "[backends.{}]\ntype = {}\n",
                quote_key(name),
                quote(&b.kind)
            ));
            for (k, v) in b.options.iter() {
                out.push_str(&format!("{} = {}\n", quote_key(k), quote(v)));
            }
            let (lines, tables) = b.layers.to_toml(&format!("backends.{}", quote_key(name)));
            out.push_str(&lines);
            out.push('\n');
            out.push_str(&tables);
        }
        for (name, s) in &self.stores {
            out.push_str(&format!(
                "[stores.{}]\nbackend = {}\nroot = {}\n\n",
                quote_key(name),
                quote(&s.backend),
                quote(&s.root)
            ));
        }
        out
    }

    fn from_value(value: &Value, source: Option<String>) -> Result<Self> {
        let top = value
            .as_object()
            .ok_or_else(|| invalid("expected a table with `backends` and `stores`".into()))?;
        if let Some(key) = top
            .keys()
            .find(|k| !matches!(k.as_str(), "backends" | "stores"))
        {
            return Err(invalid(format!(
                "{key}: unknown key (expected `backends` or `stores`)"
            )));
        }
        let mut config = Config {
            source,
            ..Config::default()
        };
        for (name, entry) in table(top.get("backends"), "backends")? {
            let at = format!("backends.{name}");
            let fields = entry
                .as_object()
                .ok_or_else(|| invalid(format!("{at}: expected a table")))?;
            let kind = match fields.get("type") {
                Some(v) => scalar(v, &format!("{at}.type"))?,
                None => {
                    return Err(invalid(format!(
                        "{at}.type: missing (expected a backend type, e.g. \"local\")"
                    )));
                }
            };
            let mut options = Options::new();
            let mut layers = LayersConfig::default();
            for (key, v) in fields.iter().filter(|(k, _)| k.as_str() != "type") {
                if !layers.take(key, v, &at)? {
                    if v.is_object() {
                        return Err(invalid(format!(
                            "{at}.{key}: unknown table (the layer tables are retry, timeout \
                             and limits)"
                        )));
                    }
                    options.set(key.clone(), scalar(v, &format!("{at}.{key}"))?);
                }
            }
            mark_secrets(&mut options);
            config.backends.insert(
                name.clone(),
                BackendConfig {
                    kind,
                    options,
                    layers,
                },
            );
        }
        for (name, entry) in table(top.get("stores"), "stores")? {
            let at = format!("stores.{name}");
            let fields = entry
                .as_object()
                .ok_or_else(|| invalid(format!("{at}: expected a table")))?;
            if let Some(key) = fields
                .keys()
                .find(|k| !matches!(k.as_str(), "backend" | "root"))
            {
                return Err(invalid(format!(
                    "{at}.{key}: unknown key (expected `backend` or `root`)"
                )));
            }
            let backend = match fields.get("backend") {
                Some(v) => scalar(v, &format!("{at}.backend"))?,
                None => {
                    return Err(invalid(format!(
                        "{at}.backend: missing (expected the name of a backend)"
                    )));
                }
            };
            let root = match fields.get("root") {
                Some(v) => scalar(v, &format!("{at}.root"))?,
                None => String::new(),
            };
            config
                .stores
                .insert(name.clone(), StoreConfig { backend, root });
        }
        Ok(config)
    }
}

/// Prefixes an error's message with where the configuration came from.
pub(crate) fn in_source(e: Error, source: &str) -> Error {
    // An error without a message (from an io::Error) says it through its
    // source: keep that on the line, or it would end in "file: ".
    let message = match e.message() {
        Some(m) => m.to_owned(),
        None => {
            std::error::Error::source(&e).map_or_else(|| e.kind().to_string(), |s| s.to_string())
        }
    };
    let base = Error::new(e.kind()).with_message(format!("{source}: {message}"));
    base.with_source(e)
}

fn mark_secrets(options: &mut Options) {
    let keys: Vec<String> = options
        .iter()
        .filter(|(k, _)| looks_secret(k))
        .map(|(k, _)| k.to_owned())
        .collect();
    for k in keys {
        options.mark_secret(k);
    }
}

fn table<'a>(
    value: Option<&'a Value>,
    at: &str,
) -> Result<impl Iterator<Item = (&'a String, &'a Value)>> {
    match value {
        None => Ok(None.into_iter().flatten()),
        Some(Value::Object(map)) => Ok(Some(map.iter()).into_iter().flatten()),
        Some(_) => Err(invalid(format!("{at}: expected a table of named entries"))),
    }
}

/// A scalar value as an (interpolated) string.
fn scalar(value: &Value, at: &str) -> Result<String> {
    match value {
        Value::String(s) => crate::interpolate::expand(s, at, &crate::interpolate::process_env),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(invalid(format!(
            "{at}: expected a string, number or boolean"
        ))),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn quote_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        quote(k)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("backends", &self.backends)
            .field("stores", &self.stores)
            .field("source", &self.source)
            .finish()
    }
}
