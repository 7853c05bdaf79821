//! What the remote-store layers cost per call on the memory backends:
//! the `Store`/`AsyncStore` faces against raw backend calls and against
//! `object_store::memory::InMemory`, the `SyncBackendAdapter` and the
//! blocking bridge, and 64 concurrent adapted calls; and `AsyncStore` over
//! `LocalBackend` against object_store's `LocalFileSystem` (the two pay a
//! blocking-pool hop per call) on one folder of the same disk.
//!
//! Group and function names are read back by `cargo xtask bench`, which
//! turns them into the ratio tables of `docs/benchmarks.md`.

#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use object_store::memory::InMemory;
use object_store::{ObjectStoreExt, PutPayload, path::Path as OsPath};
use remote_store::backends::{AsyncMemoryBackend, MemoryBackend};
use remote_store::layers::{MetricsLayer, RetryLayer, TimeoutLayer, TraceLayer};
use remote_store::{
    AsyncBackend, AsyncStore, Backend, ReadOptions, RemotePath, Store, WriteOptions,
};
use tokio::runtime::Runtime;

const SIZE: usize = 4096;
const KEY: &str = "bench/data/file.bin";

struct Subjects {
    rt: Runtime,
    raw_sync: MemoryBackend,
    raw_async: AsyncMemoryBackend,
    store: Store,
    async_store: AsyncStore,
    adapted: AsyncStore,
    bridged: Store,
    layered: Store,
    async_layered: AsyncStore,
    object_store: InMemory,
    path: RemotePath,
    os_path: OsPath,
    data: Bytes,
}

fn subjects() -> Subjects {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let data = Bytes::from(vec![42u8; SIZE]);
    let s = Subjects {
        raw_sync: MemoryBackend::new(),
        raw_async: AsyncMemoryBackend::new(),
        store: Store::new(MemoryBackend::new()),
        async_store: AsyncStore::new(AsyncMemoryBackend::new()),
        adapted: AsyncStore::new(MemoryBackend::new()),
        bridged: Store::new(AsyncMemoryBackend::new()),
        layered: stack(Store::new(MemoryBackend::new())),
        async_layered: async_stack(AsyncStore::new(AsyncMemoryBackend::new())),
        object_store: InMemory::new(),
        path: RemotePath::new(KEY).expect("path"),
        os_path: OsPath::from(KEY),
        data,
        rt,
    };
    s.raw_sync
        .write(&s.path, &mut &s.data[..], &replace())
        .expect("seed");
    s.store.write_bytes(KEY, &s.data, true).expect("seed");
    s.bridged.write_bytes(KEY, &s.data, true).expect("seed");
    s.layered.write_bytes(KEY, &s.data, true).expect("seed");
    s.rt.block_on(async {
        s.raw_async
            .write(
                &s.path,
                remote_store::stream::byte_stream_once(s.data.clone()),
                &replace(),
            )
            .await
            .expect("seed");
        s.async_store
            .write_bytes(KEY, s.data.clone(), true)
            .await
            .expect("seed");
        s.adapted
            .write_bytes(KEY, s.data.clone(), true)
            .await
            .expect("seed");
        s.async_layered
            .write_bytes(KEY, s.data.clone(), true)
            .await
            .expect("seed");
        s.object_store
            .put(&s.os_path, PutPayload::from(s.data.clone()))
            .await
            .expect("seed");
    });
    s
}

/// The production stack: timeouts inside retry, traced and metered
/// outside (no subscriber or recorder installed in the benchmark).
fn stack(store: Store) -> Store {
    store
        .layer(TimeoutLayer::default())
        .layer(RetryLayer::default())
        .layer(TraceLayer)
        .layer(MetricsLayer)
}

fn async_stack(store: AsyncStore) -> AsyncStore {
    store
        .layer(TimeoutLayer::default())
        .layer(RetryLayer::default())
        .layer(TraceLayer)
        .layer(MetricsLayer)
}

/// A write that replaces: the benchmarks write one key again and again.
fn replace() -> WriteOptions {
    WriteOptions::new().overwrite(true)
}

fn read_4k(c: &mut Criterion) {
    let s = subjects();
    let mut g = c.benchmark_group("read_4k");
    let whole = ReadOptions::new();
    g.bench_function("raw_memory", |b| {
        b.iter(|| s.raw_sync.read_bytes(&s.path, &whole).unwrap())
    });
    g.bench_function("store_memory", |b| {
        b.iter(|| s.store.read_bytes(KEY).unwrap())
    });
    g.bench_function("store_bridge", |b| {
        b.iter(|| s.bridged.read_bytes(KEY).unwrap())
    });
    g.bench_function("store_layered", |b| {
        b.iter(|| s.layered.read_bytes(KEY).unwrap())
    });
    g.bench_function("async_store_layered", |b| {
        b.iter(|| s.rt.block_on(s.async_layered.read_bytes(KEY)).unwrap())
    });
    g.bench_function("raw_async_memory", |b| {
        b.iter(|| {
            s.rt.block_on(s.raw_async.read_bytes(&s.path, &whole))
                .unwrap()
        })
    });
    g.bench_function("async_store_memory", |b| {
        b.iter(|| s.rt.block_on(s.async_store.read_bytes(KEY)).unwrap())
    });
    g.bench_function("async_store_adapter", |b| {
        b.iter(|| s.rt.block_on(s.adapted.read_bytes(KEY)).unwrap())
    });
    g.bench_function("object_store_inmemory", |b| {
        b.iter(|| {
            s.rt.block_on(async { s.object_store.get(&s.os_path).await?.bytes().await })
                .unwrap()
        })
    });
    g.finish();
}

fn write_4k(c: &mut Criterion) {
    let s = subjects();
    let mut g = c.benchmark_group("write_4k");
    let replace = replace();
    g.bench_function("raw_memory", |b| {
        b.iter(|| {
            s.raw_sync
                .write(&s.path, &mut &s.data[..], &replace)
                .unwrap()
        })
    });
    g.bench_function("store_memory", |b| {
        b.iter(|| s.store.write_bytes(KEY, &s.data, true).unwrap())
    });
    g.bench_function("store_bridge", |b| {
        b.iter(|| s.bridged.write_bytes(KEY, &s.data, true).unwrap())
    });
    g.bench_function("store_layered", |b| {
        b.iter(|| s.layered.write_bytes(KEY, &s.data, true).unwrap())
    });
    g.bench_function("async_store_layered", |b| {
        b.iter(|| {
            s.rt.block_on(s.async_layered.write_bytes(KEY, s.data.clone(), true))
                .unwrap()
        })
    });
    g.bench_function("raw_async_memory", |b| {
        b.iter(|| {
            let src = remote_store::stream::byte_stream_once(s.data.clone());
            s.rt.block_on(s.raw_async.write(&s.path, src, &replace))
                .unwrap()
        })
    });
    g.bench_function("async_store_memory", |b| {
        b.iter(|| {
            s.rt.block_on(s.async_store.write_bytes(KEY, s.data.clone(), true))
                .unwrap()
        })
    });
    g.bench_function("async_store_adapter", |b| {
        b.iter(|| {
            s.rt.block_on(s.adapted.write_bytes(KEY, s.data.clone(), true))
                .unwrap()
        })
    });
    g.bench_function("object_store_inmemory", |b| {
        b.iter(|| {
            let payload = PutPayload::from(s.data.clone());
            s.rt.block_on(s.object_store.put(&s.os_path, payload))
                .unwrap()
        })
    });
    g.finish();
}

fn stat(c: &mut Criterion) {
    let s = subjects();
    let mut g = c.benchmark_group("stat");
    g.bench_function("raw_memory", |b| {
        b.iter(|| s.raw_sync.get_file_info(&s.path).unwrap())
    });
    g.bench_function("store_memory", |b| {
        b.iter(|| s.store.get_file_info(KEY).unwrap())
    });
    g.bench_function("store_bridge", |b| {
        b.iter(|| s.bridged.get_file_info(KEY).unwrap())
    });
    g.bench_function("store_layered", |b| {
        b.iter(|| s.layered.get_file_info(KEY).unwrap())
    });
    g.bench_function("async_store_layered", |b| {
        b.iter(|| s.rt.block_on(s.async_layered.get_file_info(KEY)).unwrap())
    });
    g.bench_function("raw_async_memory", |b| {
        b.iter(|| s.rt.block_on(s.raw_async.get_file_info(&s.path)).unwrap())
    });
    g.bench_function("async_store_memory", |b| {
        b.iter(|| s.rt.block_on(s.async_store.get_file_info(KEY)).unwrap())
    });
    g.bench_function("async_store_adapter", |b| {
        b.iter(|| s.rt.block_on(s.adapted.get_file_info(KEY)).unwrap())
    });
    g.bench_function("object_store_inmemory", |b| {
        b.iter(|| s.rt.block_on(s.object_store.head(&s.os_path)).unwrap())
    });
    g.finish();
}

const CALLS: usize = 64;

async fn concurrent(store: &AsyncStore) {
    let tasks: Vec<_> = (0..CALLS)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.read_bytes(KEY).await })
        })
        .collect();
    for t in tasks {
        black_box(t.await.unwrap().unwrap());
    }
}

fn on_threads(store: &Store, threads: usize) {
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..CALLS / threads {
                    black_box(store.read_bytes(KEY).unwrap());
                }
            });
        }
    });
}

fn concurrency(c: &mut Criterion) {
    let s = subjects();
    let mut g = c.benchmark_group("concurrent_64");
    g.bench_function("async_store_memory_64_tasks", |b| {
        b.iter(|| s.rt.block_on(concurrent(&s.async_store)))
    });
    g.bench_function("async_store_adapter_64_tasks", |b| {
        b.iter(|| s.rt.block_on(concurrent(&s.adapted)))
    });
    g.bench_function("async_store_adapter_64_sequential", |b| {
        b.iter(|| {
            s.rt.block_on(async {
                for _ in 0..CALLS {
                    black_box(s.adapted.read_bytes(KEY).await.unwrap());
                }
            })
        })
    });
    let store = Arc::new(s.store.clone());
    g.bench_function("store_memory_8_threads", |b| {
        b.iter(|| on_threads(&store, 8))
    });
    g.bench_function("store_bridge_8_threads", |b| {
        b.iter(|| on_threads(&s.bridged, 8))
    });
    g.bench_function("store_bridge_64_sequential", |b| {
        b.iter(|| {
            for _ in 0..CALLS {
                black_box(s.bridged.read_bytes(KEY).unwrap());
            }
        })
    });
    g.finish();
}

/// `AsyncStore` over `LocalBackend` and `LocalFileSystem`, each in a
/// folder of its own on the same disk, holding the same 4 KiB file.
fn local_4k(c: &mut Criterion) {
    use object_store::local::LocalFileSystem;
    let s = subjects();
    let dir = tempfile::tempdir().expect("temp dir");
    let (ours, theirs) = (dir.path().join("ours"), dir.path().join("theirs"));
    std::fs::create_dir_all(&ours).expect("folder");
    std::fs::create_dir_all(&theirs).expect("folder");
    let store = AsyncStore::new(remote_store::backends::LocalBackend::new(&ours).expect("local"));
    let fs = LocalFileSystem::new_with_prefix(&theirs).expect("LocalFileSystem");
    s.rt.block_on(store.write_bytes(KEY, s.data.clone(), true))
        .expect("seed");
    s.rt.block_on(fs.put(&s.os_path, PutPayload::from(s.data.clone())))
        .expect("seed");
    let mut g = c.benchmark_group("local_4k");
    g.bench_function("stat_async_store", |b| {
        b.iter(|| s.rt.block_on(store.get_file_info(KEY)).unwrap())
    });
    g.bench_function("stat_object_store", |b| {
        b.iter(|| s.rt.block_on(fs.head(&s.os_path)).unwrap())
    });
    g.bench_function("get_async_store", |b| {
        b.iter(|| s.rt.block_on(store.read_bytes(KEY)).unwrap())
    });
    g.bench_function("get_object_store", |b| {
        b.iter(|| {
            s.rt.block_on(async { fs.get(&s.os_path).await?.bytes().await })
                .unwrap()
        })
    });
    g.bench_function("put_async_store", |b| {
        b.iter(|| {
            s.rt.block_on(store.write_bytes(KEY, s.data.clone(), true))
                .unwrap()
        })
    });
    g.bench_function("put_object_store", |b| {
        b.iter(|| {
            s.rt.block_on(fs.put(&s.os_path, PutPayload::from(s.data.clone())))
                .unwrap()
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = read_4k, write_4k, stat, concurrency, local_4k
}
criterion_main!(benches);
