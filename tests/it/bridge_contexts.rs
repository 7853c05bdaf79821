//! Both adapters stream large content and long listings from every context
//! a caller can be in, under a watchdog so that a hang fails the test.
//!
//! - The blocking bridge (`Store` over `AsyncMemoryBackend`): from a plain
//!   thread, inside a current-thread runtime, inside a task spawned on a
//!   multi-thread runtime, inside a `LocalSet` task, in `spawn_blocking`
//!   and in `block_in_place`.
//! - The sync adapter (`AsyncStore` over `MemoryBackend`): awaited on a
//!   current-thread runtime, in a task spawned on a multi-thread runtime,
//!   and under a non-tokio executor.
//!
//! The sizes matter: a tokio task's cooperative budget is 128 operations
//! per poll, and every chunk (64 KiB) or listing batch (256 entries) that
//! crosses a channel costs one. 10 MB is 160 chunks and 10k entries 40
//! batches, so both run far past the budget of the task that calls.

use std::io::Read;
use std::time::Duration;

use futures::StreamExt;
use remote_store::backends::{AsyncMemoryBackend, MemoryBackend};
use remote_store::{AsyncStore, Bytes, Store};

const BIG: usize = 10 * 1024 * 1024 + 17;
const ENTRIES: usize = 10_000;
const DEADLINE: Duration = Duration::from_secs(120);

fn content() -> Bytes {
    (0..BIG)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn within_deadline(what: &str, f: impl FnOnce() + Send + 'static) {
    crate::faults::watchdog(what, DEADLINE, f);
}

/// Streamed write, in-place write, streamed reads and a long listing, all
/// through the sync face.
fn sync_round_trip(store: &Store) {
    let data = content();
    store.write("big/streamed", &data[..], true).unwrap();
    store.write_bytes("big/whole", data.clone(), true).unwrap();
    for path in ["big/streamed", "big/whole"] {
        let mut back = Vec::new();
        store.read(path).unwrap().read_to_end(&mut back).unwrap();
        assert!(back == data[..], "{path}: {} bytes back", back.len());
    }
    for i in 0..ENTRIES {
        store
            .write_bytes(format!("many/{i:05}"), "x", true)
            .unwrap();
    }
    assert_eq!(store.list_files("many", false).unwrap().count(), ENTRIES);
    let all = store.list_files("", true).unwrap();
    assert_eq!(all.map(Result::unwrap).count(), ENTRIES + 2);
}

/// The same through the async face.
async fn async_round_trip(store: AsyncStore) {
    let data = content();
    let chunks = data
        .chunks(100_000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect::<Vec<_>>();
    store
        .write("big/streamed", futures::stream::iter(chunks).boxed(), true)
        .await
        .unwrap();
    store
        .write_bytes("big/whole", data.clone(), true)
        .await
        .unwrap();
    for path in ["big/streamed", "big/whole"] {
        let mut back = Vec::new();
        let mut stream = store.read(path).await.unwrap();
        while let Some(chunk) = stream.next().await {
            back.extend_from_slice(&chunk.unwrap());
        }
        assert!(back == data[..], "{path}: {} bytes back", back.len());
    }
    for i in 0..ENTRIES {
        store
            .write_bytes(format!("many/{i:05}"), "x", true)
            .await
            .unwrap();
    }
    let listed = store.list_files("many", false).await.unwrap();
    assert_eq!(listed.count().await, ENTRIES);
    let all = store.list_files("", true).await.unwrap();
    assert_eq!(all.map(Result::unwrap).count().await, ENTRIES + 2);
}

fn bridged() -> Store {
    Store::new(AsyncMemoryBackend::new())
}

fn adapted() -> AsyncStore {
    AsyncStore::new(MemoryBackend::new())
}

fn multi_thread() -> tokio::runtime::Runtime {
    crate::faults::runtime()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn bridge_from_a_plain_thread() {
    within_deadline("plain thread", || sync_round_trip(&bridged()));
}

#[test]
fn bridge_inside_a_current_thread_runtime() {
    within_deadline("current-thread block_on", || {
        current_thread().block_on(async { sync_round_trip(&bridged()) });
    });
}

#[test]
fn bridge_inside_a_task_on_a_multi_thread_runtime() {
    within_deadline("spawned task", || {
        let rt = multi_thread();
        rt.block_on(async {
            tokio::spawn(async { sync_round_trip(&bridged()) })
                .await
                .unwrap();
        });
    });
}

#[test]
fn bridge_inside_a_local_set_task() {
    within_deadline("LocalSet task", || {
        let rt = current_thread();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async {
            tokio::task::spawn_local(async { sync_round_trip(&bridged()) })
                .await
                .unwrap();
        });
    });
}

#[test]
fn bridge_in_spawn_blocking() {
    within_deadline("spawn_blocking", || {
        let rt = multi_thread();
        rt.block_on(async {
            tokio::task::spawn_blocking(|| sync_round_trip(&bridged()))
                .await
                .unwrap();
        });
    });
}

#[test]
fn bridge_in_block_in_place() {
    within_deadline("block_in_place", || {
        let rt = multi_thread();
        rt.block_on(async {
            tokio::spawn(async {
                tokio::task::block_in_place(|| sync_round_trip(&bridged()));
            })
            .await
            .unwrap();
        });
    });
}

#[test]
fn adapter_on_a_current_thread_runtime() {
    within_deadline("adapter, current-thread", || {
        current_thread().block_on(async_round_trip(adapted()));
    });
}

#[test]
fn adapter_in_a_task_on_a_multi_thread_runtime() {
    within_deadline("adapter, spawned task", || {
        let rt = multi_thread();
        rt.block_on(async { tokio::spawn(async_round_trip(adapted())).await.unwrap() });
    });
}

#[test]
fn adapter_under_another_executor() {
    within_deadline("adapter, futures executor", || {
        futures::executor::block_on(async_round_trip(adapted()));
    });
}

/// A network store first used through the async face on a current-thread
/// runtime, then through the sync face from that runtime's own thread
/// (`AsyncStore::to_sync`, or `Store::new` over the same backend): the
/// sync call must not wait on connections only the blocked thread could
/// drive. Hung on the russh engine while its connections lived on the
/// runtime that made them.
#[test]
fn a_network_store_used_async_then_blocked_on_from_its_thread() {
    use remote_store::backends::{AsyncSftpBackend, AzureBackend, S3Backend};
    within_deadline("network store, async then sync", || {
        let backends: Vec<(&str, std::sync::Arc<dyn remote_store::AsyncBackend>)> = vec![
            (
                "sftp-russh",
                std::sync::Arc::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap()),
            ),
            (
                "s3",
                std::sync::Arc::new(S3Backend::new(crate::s3::moto_config()).unwrap()),
            ),
            (
                "azure",
                std::sync::Arc::new(AzureBackend::new(crate::azure::azurite_config()).unwrap()),
            ),
        ];
        for (name, backend) in backends {
            let root = crate::faults::unique("blocked-runtime");
            current_thread().block_on(async {
                let store = AsyncStore::new(backend.clone()).child(&root).unwrap();
                store.write_bytes("a.txt", "async", true).await.unwrap();
                for sync in [
                    store.to_sync(),
                    Store::new(backend.clone()).child(&root).unwrap(),
                ] {
                    sync.write_bytes("b.txt", "sync", true)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(sync.read_bytes("a.txt").unwrap(), "async", "{name}");
                    assert_eq!(sync.list_files("", false).unwrap().count(), 2, "{name}");
                }
                store.delete_folder("", true, true).await.unwrap();
            });
        }
    });
}
