//! The limit layers: a concurrency limit shared by a sync and an async
//! store caps the calls at work across both; a limit of one call never
//! deadlocks a caller that lists while reading or copies between limited
//! stores; a bandwidth limit holds transfers to its rate, shared by the
//! stores it is applied to.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, RemotePath, Result, Store, async_trait,
};
use remote_store_layers::{BandwidthLimitLayer, ConcurrencyLimitLayer};
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

/// Runs `f` on a thread and fails if it takes longer than `limit`.
fn watchdog(what: &str, limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => worker.join().unwrap(),
        Err(_) => panic!("{what}: no result in {limit:?} (deadlock?)"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

/// Counts the `exists` calls at work, each taking 20 ms.
#[derive(Clone, Default)]
struct Busy {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
}

impl Busy {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }
    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Layer for Busy {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(Counted {
            inner,
            busy: self.clone(),
        })
    }
    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(Counted {
            inner,
            busy: self.clone(),
        })
    }
}

struct Counted<B: ?Sized> {
    inner: Arc<B>,
    busy: Busy,
}

impl LayeredBackend for Counted<dyn Backend> {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.busy.enter();
        std::thread::sleep(Duration::from_millis(20));
        self.busy.leave();
        self.inner.exists(path)
    }
}

#[async_trait]
impl LayeredAsyncBackend for Counted<dyn AsyncBackend> {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.busy.enter();
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.busy.leave();
        self.inner.exists(path).await
    }
}

#[test]
fn a_shared_limit_caps_calls_across_stores_and_faces() {
    watchdog("shared limit", Duration::from_secs(60), || {
        let busy = Busy::default();
        let limit = ConcurrencyLimitLayer::new(2);
        let sync = Store::new(MemoryBackend::new())
            .layer(busy.clone())
            .layer(limit.clone());
        let async_ = AsyncStore::new(AsyncMemoryBackend::new())
            .layer(busy.clone())
            .layer(limit.clone());
        let rt = runtime();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = async_.clone();
                rt.spawn(async move { s.exists(format!("a{i}")).await })
            })
            .collect();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let s = sync.clone();
                std::thread::spawn(move || s.exists(format!("s{i}")))
            })
            .collect();
        for t in threads {
            assert!(!t.join().unwrap().unwrap());
        }
        for t in tasks {
            assert!(!rt.block_on(t).unwrap().unwrap());
        }
        let most = busy.most.load(Ordering::SeqCst);
        assert_eq!(most, 2, "at most 2 at work, and the limit was reached");
        assert_eq!(limit.available(), 2, "every permit came back");

        // Without the limit, the same load runs wider: the check above can
        // fail.
        let free = Busy::default();
        let unlimited = Store::new(MemoryBackend::new()).layer(free.clone());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let s = unlimited.clone();
                std::thread::spawn(move || s.exists(format!("s{i}")))
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        assert!(free.most.load(Ordering::SeqCst) > 2);
    });
}

#[test]
fn one_permit_never_deadlocks_nested_work() {
    watchdog(
        "nested work under one permit",
        Duration::from_secs(60),
        || {
            let limit = ConcurrencyLimitLayer::new(1);
            let chunk = vec![7u8; 200 * 1024];
            for (face, a, b) in [
                (
                    "sync backends",
                    Store::new(MemoryBackend::new()).layer(limit.clone()),
                    Store::new(MemoryBackend::new()).layer(limit.clone()),
                ),
                (
                    "async backends",
                    Store::new(AsyncMemoryBackend::new()).layer(limit.clone()),
                    Store::new(AsyncMemoryBackend::new()).layer(limit.clone()),
                ),
            ] {
                for i in 0..3 {
                    a.write_bytes(format!("d/f{i}"), chunk.clone(), false)
                        .unwrap();
                }
                // A listing held open while each file is read and copied into
                // the other limited store, its source a read of the first.
                for file in a.list_files("d", false).unwrap() {
                    let file = file.unwrap();
                    let name = file.path.as_str().to_owned();
                    assert_eq!(a.read_bytes(&name).unwrap().len(), chunk.len(), "{face}");
                    let reader = a.read(&name).unwrap();
                    b.write(&name, reader, false).unwrap();
                }
                let mut copied = Vec::new();
                b.read("d/f2").unwrap().read_to_end(&mut copied).unwrap();
                assert_eq!(copied, chunk, "{face}");
                // The same through the async face.
                let (a, b) = (a.clone(), b.clone());
                let (aa, ab) = (
                    AsyncStore::new(AsyncMemoryBackend::new()).layer(limit.clone()),
                    AsyncStore::new(AsyncMemoryBackend::new()).layer(limit.clone()),
                );
                runtime().block_on(async move {
                    use futures::StreamExt;
                    aa.write_bytes("x/y", chunk_of(300 * 1024), false)
                        .await
                        .unwrap();
                    let mut files = aa.list_files("x", false).await.unwrap();
                    while let Some(file) = files.next().await {
                        let path = file.unwrap().path;
                        let stream = aa.read(path.as_str()).await.unwrap();
                        ab.write(path.as_str(), stream, false).await.unwrap();
                    }
                    assert_eq!(ab.read_bytes("x/y").await.unwrap().len(), 300 * 1024);
                });
                drop((a, b));
            }
            assert_eq!(limit.available(), 1);
        },
    );
}

fn chunk_of(n: usize) -> Vec<u8> {
    vec![3u8; n]
}

#[test]
fn bandwidth_is_held_to_the_rate_and_shared() {
    watchdog("bandwidth", Duration::from_secs(60), || {
        const RATE: u64 = 4 << 20; // 4 MiB/s
        let limit = BandwidthLimitLayer::new(RATE);
        let sync = Store::new(MemoryBackend::new()).layer(limit.clone());
        let async_ = AsyncStore::new(AsyncMemoryBackend::new()).layer(limit.clone());
        let data = vec![1u8; 1 << 20];
        let started = Instant::now();
        sync.write_bytes("a", data.clone(), false).unwrap();
        let rt = runtime();
        let store = async_.clone();
        let bytes = data.clone();
        rt.block_on(async move { store.write_bytes("a", bytes, false).await })
            .unwrap();
        // Both at once, on one budget: 2 MiB more.
        let reader = std::thread::spawn(move || sync.read_bytes("a").unwrap());
        let read = rt
            .block_on(async move { async_.read_bytes("a").await })
            .unwrap();
        assert_eq!(reader.join().unwrap(), read);
        let took = started.elapsed().as_secs_f64();
        // 4 MiB at 4 MiB/s: about a second (less the first tenth's
        // allowance and one chunk of burst).
        assert!(took >= 0.7, "4 MiB at 4 MiB/s took only {took:.2} s");
        assert!(took < 10.0, "4 MiB at 4 MiB/s took {took:.2} s");
    });
}

/// The deadlocks a fresh-user trial found with per-pull permits on async
/// streams: a sync `Store` over an async backend (whose bridge collects a
/// listing page by page and then waits for the caller) listing 3,000
/// files and reading each under one permit; and an async listing left
/// idle by a caller's own timeout, then another call.
#[test]
fn an_idle_async_stream_holds_no_permit() {
    watchdog("idle async streams", Duration::from_secs(60), || {
        let limit = ConcurrencyLimitLayer::new(1);
        let store = Store::new(AsyncMemoryBackend::new()).layer(limit.clone());
        for i in 0..3000 {
            store.write_bytes(format!("d/{i:04}"), "x", false).unwrap();
        }
        let mut read = 0;
        for file in store.list_files("d", false).unwrap() {
            let path = file.unwrap().path;
            assert_eq!(store.read_bytes(path.as_str()).unwrap(), "x");
            read += 1;
        }
        assert_eq!(read, 3000);

        let store = AsyncStore::new(AsyncMemoryBackend::new()).layer(limit.clone());
        runtime().block_on(async move {
            use futures::StreamExt;
            store.write_bytes("a/b", "x", false).await.unwrap();
            let mut files = store.list_files("a", false).await.unwrap();
            // Polled once, then left.
            let _ = tokio::time::timeout(Duration::from_micros(1), files.next()).await;
            assert!(store.exists("a/b").await.unwrap());
            let stream = store.read("a/b").await.unwrap();
            assert!(store.exists("a/b").await.unwrap(), "an unread stream");
            drop((files, stream));
        });
        assert_eq!(limit.available(), 1);
    });
}
