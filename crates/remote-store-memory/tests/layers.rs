//! `Store::layer` and `AsyncStore::layer` wrap the backend's own trait,
//! inside the face's adapter, keep the store's root, and nest with the
//! last applied outermost.

use std::sync::{Arc, Mutex};

use remote_store_core::futures::executor::block_on;
use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, FileInfo, RemotePath, Result, Store, async_trait,
};
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

/// What the layers saw: `"<label> sync|async <path>"`, in call order,
/// and which wrapper each layer built.
type Log = Arc<Mutex<Vec<String>>>;

/// Logs every `get_file_info` it forwards.
struct Logging {
    label: &'static str,
    log: Log,
}

struct LogSync {
    label: &'static str,
    log: Log,
    inner: Arc<dyn Backend>,
}

impl LayeredBackend for LogSync {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let line = format!("{} sync {path}", self.label);
        self.log.lock().unwrap().push(line);
        self.inner.get_file_info(path)
    }
}

struct LogAsync {
    label: &'static str,
    log: Log,
    inner: Arc<dyn AsyncBackend>,
}

#[async_trait]
impl LayeredAsyncBackend for LogAsync {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let line = format!("{} async {path}", self.label);
        self.log.lock().unwrap().push(line);
        self.inner.get_file_info(path).await
    }
}

impl Layer for Logging {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(LogSync {
            label: self.label,
            log: self.log.clone(),
            inner,
        })
    }
    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(LogAsync {
            label: self.label,
            log: self.log.clone(),
            inner,
        })
    }
}

fn logging(label: &'static str, log: &Log) -> Logging {
    Logging {
        label,
        log: log.clone(),
    }
}

fn taken(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
fn store_layers_the_backends_own_trait_once_per_call() {
    let log = Log::default();
    // A sync backend: the sync wrapper. An async one: the async wrapper,
    // inside the blocking bridge.
    for (store, kind) in [
        (
            Store::with_root(MemoryBackend::new(), "top").unwrap(),
            "sync",
        ),
        (
            Store::with_root(AsyncMemoryBackend::new(), "top").unwrap(),
            "async",
        ),
    ] {
        let store = store.layer(logging("a", &log));
        store.write_bytes("f.txt", "x", false).unwrap();
        assert_eq!(store.get_file_info("f.txt").unwrap().size, 1);
        assert_eq!(taken(&log), [format!("a {kind} top/f.txt")]);
        assert_eq!(store.root().as_str(), "top", "the root stays");
    }
}

#[test]
fn async_store_layers_the_backends_own_trait_once_per_call() {
    let log = Log::default();
    // A sync backend: the sync wrapper, inside the SyncBackendAdapter.
    for (store, kind) in [
        (
            AsyncStore::with_root(MemoryBackend::new(), "top").unwrap(),
            "sync",
        ),
        (
            AsyncStore::with_root(AsyncMemoryBackend::new(), "top").unwrap(),
            "async",
        ),
    ] {
        let store = store.layer(logging("a", &log));
        block_on(store.write_bytes("f.txt", "x", false)).unwrap();
        assert_eq!(block_on(store.get_file_info("f.txt")).unwrap().size, 1);
        assert_eq!(taken(&log), [format!("a {kind} top/f.txt")]);
        assert_eq!(store.root().as_str(), "top", "the root stays");
    }
}

#[test]
fn the_last_layer_applied_is_the_outermost() {
    let log = Log::default();
    let store = Store::new(MemoryBackend::new())
        .layer(logging("inner", &log))
        .layer(logging("outer", &log));
    store.write_bytes("f.txt", "x", false).unwrap();
    store.get_file_info("f.txt").unwrap();
    assert_eq!(taken(&log), ["outer sync f.txt", "inner sync f.txt"]);
}
