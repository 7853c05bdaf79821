//! The [`Registry`]: named stores from a [`Config`], backends created lazily
//! and shared; and the process-wide table of backend factories.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, RwLock};

use remote_store_core::{
    AnyBackend, AsyncStore, BackendFactory, Error, ErrorKind, Options, Result, Store,
};

use crate::config::{Config, StoreConfig, in_source};

type Factories = BTreeMap<&'static str, Arc<dyn BackendFactory>>;

static FACTORIES: RwLock<Factories> = RwLock::new(BTreeMap::new());

/// Registers a backend factory for the whole process (replacing one of the
/// same type). This is how a third-party backend becomes usable from
/// configuration files, URLs and the command-line tool.
pub fn register_backend(factory: impl BackendFactory) {
    install_default_backends();
    FACTORIES
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(factory.kind(), Arc::new(factory));
}

/// Installs the factories of the backends enabled by cargo features. Runs
/// once; every entry point calls it, so calling it yourself is optional.
pub fn install_default_backends() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut table = FACTORIES.write().unwrap_or_else(|e| e.into_inner());
        let defaults: Vec<Arc<dyn BackendFactory>> = vec![
            #[cfg(feature = "memory")]
            Arc::new(remote_store_memory::MemoryFactory),
            #[cfg(feature = "local")]
            Arc::new(remote_store_local::LocalFactory),
            #[cfg(feature = "s3")]
            Arc::new(remote_store_s3::S3Factory),
            #[cfg(feature = "azure")]
            Arc::new(remote_store_azure::AzureFactory),
            #[cfg(feature = "opendal")]
            Arc::new(remote_store_opendal::OpendalFactory),
            #[cfg(any(feature = "sftp-russh", feature = "sftp-ssh2"))]
            Arc::new(remote_store_sftp::SftpFactory),
        ];
        for f in defaults {
            table.entry(f.kind()).or_insert(f);
        }
    });
}

/// The factory of backend type `kind`.
pub(crate) fn factory(kind: &str) -> Option<Arc<dyn BackendFactory>> {
    install_default_backends();
    FACTORIES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(kind)
        .cloned()
}

/// The factory that opens URLs of `scheme`.
pub(crate) fn factory_for_scheme(scheme: &str) -> Option<Arc<dyn BackendFactory>> {
    install_default_backends();
    FACTORIES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .find(|f| f.schemes().contains(&scheme))
        .cloned()
}

/// The types of every installed factory.
pub fn backend_types() -> Vec<&'static str> {
    install_default_backends();
    FACTORIES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .copied()
        .collect()
}

/// Backends this crate knows of, by type, and the feature that enables each.
pub(crate) const KNOWN: [(&str, &str); 6] = [
    ("memory", "memory"),
    ("local", "local"),
    ("s3", "s3"),
    ("azure", "azure"),
    ("sftp", "sftp"),
    // And the service's own: `opendal-webdav`, `opendal-gcs`, ….
    ("opendal", "opendal"),
];

/// Why there is no factory of type `kind`.
pub(crate) fn no_factory(kind: &str) -> String {
    match KNOWN.iter().find(|(k, _)| *k == kind) {
        Some((_, feature)) => format!(
            "the '{kind}' backend is not compiled in: enable the `{feature}` feature of remote-store"
        ),
        None => format!(
            "unknown backend type '{kind}' (known: {})",
            backend_types().join(", ")
        ),
    }
}

struct Slot {
    factory: Arc<dyn BackendFactory>,
    options: Options,
    /// The backend's layers, built once: its stores share the limits.
    layers: crate::layers_config::Stack,
    instance: Mutex<Option<AnyBackend>>,
}

/// Named stores from a [`Config`].
///
/// Every backend and store is checked when the registry is built, so a
/// registry never exists half-valid. Backends are created on first use,
/// once, and shared by every store that names them. [`close`](Self::close)
/// (or drop) closes every backend the registry created.
///
/// ```
/// use remote_store::{Config, Registry, Options};
///
/// let config = Config::new()
///     .backend("mem", "memory", Options::new())
///     .store("reports", "mem", "reports")
///     .store("logs", "mem", "logs");
/// let registry = Registry::new(config)?;
/// registry.store("reports")?.write_bytes("q1.csv", "a,b\n", false)?;
/// assert!(!registry.store("logs")?.exists("q1.csv")?);
/// # Ok::<(), remote_store::Error>(())
/// ```
pub struct Registry {
    backends: BTreeMap<String, Slot>,
    stores: BTreeMap<String, StoreConfig>,
    closed: AtomicBool,
}

impl Registry {
    /// Checks `config` against the installed factories and builds the
    /// registry (no backend is created yet).
    ///
    /// # Errors
    /// `InvalidConfig` naming the file (when known), the key path and what
    /// was expected: unknown backend type, store naming a missing backend,
    /// unknown or missing option, bad value.
    pub fn new(config: Config) -> Result<Self> {
        let source = config.source.clone();
        Self::build(config).map_err(|e| match &source {
            Some(source) => in_source(e, source),
            None => e,
        })
    }

    /// Loads a `.toml` or `.json` file and builds the registry.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        Self::new(Config::from_file(path)?)
    }

    fn build(config: Config) -> Result<Self> {
        let invalid = |m: String| Error::new(ErrorKind::InvalidConfig).with_message(m);
        let mut backends = BTreeMap::new();
        for (name, b) in config.backends {
            let at = format!("backends.{name}");
            let factory = factory(&b.kind)
                .ok_or_else(|| invalid(format!("{at}.type: {}", no_factory(&b.kind))))?;
            let mut options = b.options;
            if !b.layers.is_empty() && !cfg!(feature = "layers") {
                return Err(invalid(format!(
                    "{at}: layers (retry, timeout, limits, trace, metrics) need the `layers` feature of the remote-store crate"
                )));
            }
            let keyed = |e: Error| invalid(format!("{at}.{}", e.reason()));
            options.check(factory.options()).map_err(keyed)?;
            crate::layers_config::one_place(&b.layers, factory.options(), &mut options);
            factory.validate(&options).map_err(keyed)?;
            backends.insert(
                name,
                Slot {
                    factory,
                    options,
                    layers: crate::layers_config::Stack::new(b.layers),
                    instance: Mutex::new(None),
                },
            );
        }
        for (name, s) in &config.stores {
            if !backends.contains_key(&s.backend) {
                let known: Vec<_> = backends.keys().map(String::as_str).collect();
                return Err(invalid(format!(
                    "stores.{name}.backend: no backend named '{}' (defined: {})",
                    s.backend,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            remote_store_core::RemotePath::new(&s.root)
                .map_err(|e| invalid(format!("stores.{name}.root: {e}")))?;
        }
        Ok(Registry {
            backends,
            stores: config.stores,
            closed: AtomicBool::new(false),
        })
    }

    /// The backend named `name`, created on first use.
    pub fn backend(&self, name: &str) -> Result<AnyBackend> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed());
        }
        let slot = self.backends.get(name).ok_or_else(|| {
            Error::new(ErrorKind::InvalidArgument)
                .with_message(format!("no backend named '{name}'"))
        })?;
        let mut instance = slot.instance.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = instance.as_ref() {
            return Ok(b.clone());
        }
        let built = slot.factory.build(&slot.options)?;
        *instance = Some(built.clone());
        Ok(built)
    }

    fn store_config(&self, name: &str) -> Result<&StoreConfig> {
        self.stores.get(name).ok_or_else(|| {
            let known: Vec<_> = self.stores.keys().map(String::as_str).collect();
            Error::new(ErrorKind::InvalidArgument).with_message(format!(
                "no store named '{name}' (defined: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })
    }

    /// The sync store named `name`, with its backend's layers.
    pub fn store(&self, name: &str) -> Result<Store> {
        let s = self.store_config(name)?;
        let store = self.backend(&s.backend)?.store();
        self.layered(&s.backend, store).child(&s.root)
    }

    /// The async store named `name`, with its backend's layers.
    pub fn async_store(&self, name: &str) -> Result<AsyncStore> {
        let s = self.store_config(name)?;
        let store = self.backend(&s.backend)?.async_store();
        self.layered(&s.backend, store).child(&s.root)
    }

    /// `store` with the layers configured for `backend`.
    fn layered<S: crate::layers_config::Layered>(&self, backend: &str, store: S) -> S {
        match self.backends.get(backend) {
            Some(slot) => slot.layers.apply(store),
            None => store,
        }
    }

    /// The names of the stores.
    pub fn store_names(&self) -> impl Iterator<Item = &str> {
        self.stores.keys().map(String::as_str)
    }

    /// Closes every backend this registry created; later calls fail with
    /// `Closed`. Returns the first error, after trying them all.
    pub fn close(&self) -> Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let mut first = None;
        for slot in self.backends.values() {
            let taken = slot
                .instance
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(Err(e)) = taken.map(|b| b.close()) {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backends: BTreeMap<_, _> = self
            .backends
            .iter()
            .map(|(k, s)| (k, (s.factory.kind(), &s.options)))
            .collect();
        f.debug_struct("Registry")
            .field("backends", &backends)
            .field("stores", &self.stores)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_but_missing_backend_names_its_feature() {
        // Independent of the features this build has: the message comes
        // from the table.
        assert_eq!(
            no_factory("sftp"),
            "the 'sftp' backend is not compiled in: enable the `sftp` feature of remote-store"
        );
        assert!(no_factory("lokal").starts_with("unknown backend type 'lokal'"));
    }
}
