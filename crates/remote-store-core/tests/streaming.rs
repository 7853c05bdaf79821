//! The adapters stream: reads, writes and listings cross between sync and
//! async through bounded channels, so an endless source or sink works and
//! the gap between producer and consumer stays bounded. A cancelled write
//! never commits.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use remote_store_core::stream::{CHANNEL_DEPTH, CHUNK_SIZE};
use remote_store_core::{AsyncStore, Bytes, Store};
use support::{CountingSource, Endless, EndlessAsync};

/// Bytes that may sit between the two sides: the channel, one chunk being
/// filled, one being consumed, and the caller's buffer.
const SLACK: u64 = ((CHANNEL_DEPTH + 3) * CHUNK_SIZE) as u64;
const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_read_of_an_endless_file_streams() {
    let backend = Endless::default();
    let store = AsyncStore::new(backend.clone());
    let mut stream = store.read("f").await.unwrap();
    let mut seen = 0u64;
    while seen < 8 * MIB {
        seen += stream.next().await.unwrap().unwrap().len() as u64;
    }
    drop(stream);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let produced = backend.0.produced.load(Ordering::SeqCst);
    assert!(
        produced <= seen + SLACK,
        "produced {produced} for {seen} read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_listing_of_an_endless_folder_streams() {
    let backend = Endless::default();
    let store = AsyncStore::new(backend.clone());
    let first: Vec<_> = store
        .list_files("", false)
        .await
        .unwrap()
        .take(10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 10);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let listed = backend.0.listed.load(Ordering::SeqCst);
    assert!(
        listed <= 256 * (CHANNEL_DEPTH as u64 + 3),
        "listed {listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_write_keeps_producer_and_backend_close() {
    let backend = Endless::default();
    let counters = backend.0.clone();
    let store = AsyncStore::new(backend.clone());
    let total = 256 * MIB;
    let produced = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let max_gap = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (p, g) = (produced.clone(), max_gap.clone());
    let src = futures::stream::iter(0..total / CHUNK_SIZE as u64).map(move |_| {
        let now = p.fetch_add(CHUNK_SIZE as u64, Ordering::SeqCst) + CHUNK_SIZE as u64;
        let gap = now - counters.consumed.load(Ordering::SeqCst);
        g.fetch_max(gap, Ordering::SeqCst);
        Ok(Bytes::from(vec![0u8; CHUNK_SIZE]))
    });
    store.write("big", src, true).await.unwrap();
    assert_eq!(backend.0.consumed.load(Ordering::SeqCst), total);
    assert!(backend.0.committed.load(Ordering::SeqCst));
    let gap = max_gap.load(Ordering::SeqCst);
    assert!(gap <= SLACK, "source ran {gap} bytes ahead of the backend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_cancelled_write_never_commits() {
    let backend = Endless::default();
    let store = AsyncStore::new(backend.clone());
    // One chunk, then a source that never ends.
    let src = futures::stream::once(async { Ok(Bytes::from_static(b"partial")) })
        .chain(futures::stream::pending());
    let write = store.write("f", src, true);
    assert!(
        tokio::time::timeout(Duration::from_millis(100), write)
            .await
            .is_err()
    );
    for _ in 0..100 {
        if backend.0.aborted.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        backend.0.aborted.load(Ordering::SeqCst),
        "the backend never saw the cancel"
    );
    assert!(
        !backend.0.committed.load(Ordering::SeqCst),
        "a cancelled write committed"
    );
}

#[test]
fn bridge_read_of_an_endless_file_streams() {
    let backend = EndlessAsync::default();
    let store = Store::new(backend.clone());
    let mut reader = store.read("f").unwrap();
    let mut buf = vec![0; 64 * 1024];
    let mut seen = 0u64;
    while seen < 8 * MIB {
        seen += std::io::Read::read(&mut reader, &mut buf).unwrap() as u64;
    }
    drop(reader);
    std::thread::sleep(Duration::from_millis(50));
    let produced = backend.0.produced.load(Ordering::SeqCst);
    assert!(
        produced <= seen + SLACK,
        "produced {produced} for {seen} read"
    );
}

#[test]
fn bridge_listing_of_an_endless_folder_streams() {
    let backend = EndlessAsync::default();
    let store = Store::new(backend.clone());
    let first: Vec<_> = store
        .list_files("", false)
        .unwrap()
        .take(10)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(first.len(), 10);
    std::thread::sleep(Duration::from_millis(50));
    let listed = backend.0.listed.load(Ordering::SeqCst);
    assert!(
        listed <= 256 * (CHANNEL_DEPTH as u64 + 3),
        "listed {listed}"
    );
}

#[test]
fn bridge_write_keeps_source_and_backend_close() {
    let backend = EndlessAsync::default();
    let store = Store::new(backend.clone());
    let total = 256 * MIB;
    let counters = std::sync::Arc::new(support::Counters::default());
    let src = CountingSource {
        left: total,
        counters: counters.clone(),
    };
    // Sample the gap from another thread while the write runs.
    let (c, b) = (counters.clone(), backend.0.clone());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut max_gap = 0;
        while !d.load(Ordering::SeqCst) {
            let produced = c.produced.load(Ordering::SeqCst);
            let consumed = b.consumed.load(Ordering::SeqCst);
            max_gap = max_gap.max(produced.saturating_sub(consumed));
            std::thread::yield_now();
        }
        max_gap
    });
    store.write("big", src, true).unwrap();
    done.store(true, Ordering::SeqCst);
    let gap = sampler.join().unwrap();
    assert_eq!(backend.0.consumed.load(Ordering::SeqCst), total);
    assert!(gap <= SLACK, "source ran {gap} bytes ahead of the backend");
}

/// A source that yields `left` bytes, then panics.
struct PanicsAfter(usize);

impl std::io::Read for PanicsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            panic!("source exploded");
        }
        let n = self.0.min(buf.len());
        buf[..n].fill(1);
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn bridge_write_whose_source_panics_never_commits() {
    // Past the first chunk the write streams to a spawned backend call,
    // which must see the failed stream and abort.
    let backend = EndlessAsync::default();
    let store = Store::new(backend.clone());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.write("f", PanicsAfter(200_000), true)
    }));
    assert!(result.is_err(), "the panic reaches the caller");
    for _ in 0..100 {
        if backend.0.aborted.load(Ordering::SeqCst) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(backend.0.aborted.load(Ordering::SeqCst));
    assert!(!backend.0.committed.load(Ordering::SeqCst));
}

#[test]
fn bridge_write_whose_source_panics_in_the_first_chunk_never_reaches_the_backend() {
    let backend = EndlessAsync::default();
    let store = Store::new(backend.clone());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.write("f", PanicsAfter(1), true)
    }));
    assert!(result.is_err(), "the panic reaches the caller");
    assert_eq!(backend.0.consumed.load(Ordering::SeqCst), 0);
    assert!(!backend.0.committed.load(Ordering::SeqCst));
}

#[test]
fn bridge_small_writes_are_whole_and_commit() {
    for len in [0usize, 1, 4096, 65_535, 65_536, 65_537] {
        let backend = EndlessAsync::default();
        let store = Store::new(backend.clone());
        store.write("f", &vec![3u8; len][..], true).unwrap();
        assert_eq!(
            backend.0.consumed.load(Ordering::SeqCst),
            len as u64,
            "{len}"
        );
        assert!(backend.0.committed.load(Ordering::SeqCst), "{len}");
    }
}
