//! The `SyncBackendAdapter` calls a backend that never blocks on the
//! caller's own thread (no hop to the blocking pool), streams included,
//! and goes back to the blocking pool as soon as a layer that may wait is
//! in between.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use remote_store_core::futures::StreamExt;
use remote_store_core::layer::{Layer, LayeredBackend};
use remote_store_core::stream::ReadStream;
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, ReadOptions, RemotePath, Result, WriteOptions, WriteResult,
};
use remote_store_memory::MemoryBackend;

/// The threads the backend's calls ran on.
type Seen = Arc<Mutex<HashSet<ThreadId>>>;

/// Records the thread of each read and write; says it never blocks when
/// its inner backend does, if `forwards_hint`.
struct Where {
    seen: Seen,
    forwards_hint: bool,
}

struct Recording {
    inner: Arc<dyn Backend>,
    seen: Seen,
    forwards_hint: bool,
}

impl Recording {
    fn note(&self) {
        self.seen
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
    }
}

impl LayeredBackend for Recording {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn never_blocks(&self) -> bool {
        self.forwards_hint && self.inner.never_blocks()
    }
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        self.note();
        self.inner.read(path, options)
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn std::io::Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.note();
        self.inner.write(path, src, options)
    }
}

impl Layer for Where {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(Recording {
            inner,
            seen: self.seen.clone(),
            forwards_hint: self.forwards_hint,
        })
    }
    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        inner // Not used: the backend here is sync.
    }
}

/// Writes and reads through an `AsyncStore` on a current-thread runtime;
/// the threads the backend ran on.
fn threads(forwards_hint: bool) -> HashSet<ThreadId> {
    let seen = Seen::default();
    let layer = Where {
        seen: seen.clone(),
        forwards_hint,
    };
    let store = AsyncStore::new(MemoryBackend::new()).layer(layer);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        store.write_bytes("a.txt", "hello", false).await.unwrap();
        let mut read = store.read("a.txt").await.unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = read.next().await {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(got, b"hello");
    });
    seen.lock().unwrap().clone()
}

#[test]
fn a_backend_that_never_blocks_runs_on_the_callers_thread() {
    let here = std::thread::current().id();
    assert_eq!(threads(true), HashSet::from([here]));
}

#[test]
fn a_layer_that_does_not_promise_sends_calls_to_the_blocking_pool() {
    let here = std::thread::current().id();
    let seen = threads(false);
    assert!(!seen.is_empty() && !seen.contains(&here), "{seen:?}");
}
