//! The retry layer over injected faults, on both layer implementations
//! (a `Store` over the sync memory backend wraps the sync trait, over the
//! async one the async trait) and through the async face.

use std::io::Read;
use std::time::Duration;

use remote_store_core::futures::executor::block_on;
use std::sync::Arc;

use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, DeleteOptions, ErrorKind, ReadOptions, Store, WriteOptions,
};
use remote_store_layers::{FaultLayer, Faults, Op, RetryLayer, RetryPolicy};
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

/// Four attempts, pauses of at most a few milliseconds.
fn quick() -> RetryLayer {
    RetryLayer::new(
        RetryPolicy::new()
            .max_attempts(4)
            .backoff(Duration::from_millis(1), Duration::from_millis(4)),
    )
}

/// Stores over both memory backends: faults next to the backend, retry
/// outside them. Each with the faults it injects and a store without
/// layers over the same backend.
fn stores() -> Vec<(&'static str, Store, Faults, Store)> {
    let mut all = Vec::new();
    let faults = Faults::new();
    let plain = Store::new(MemoryBackend::new());
    let layered = plain
        .clone()
        .layer(FaultLayer::new(faults.clone()))
        .layer(quick());
    all.push(("sync backend", layered, faults, plain));
    let faults = Faults::new();
    let plain = Store::new(AsyncMemoryBackend::new());
    let layered = plain
        .clone()
        .layer(FaultLayer::new(faults.clone()))
        .layer(quick());
    all.push(("async backend", layered, faults, plain));
    all
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn failures_on_the_first_calls_are_survived() {
    for (kind, store, faults, _) in stores() {
        store.write_bytes("a.txt", "hello", false).unwrap();
        faults.fail(Op::GetFileInfo, 3);
        assert_eq!(store.get_file_info("a.txt").unwrap().size, 5, "{kind}");
        assert_eq!(
            faults.calls(Op::GetFileInfo),
            4,
            "{kind}: three failed, one answered"
        );
        faults.fail(Op::ListFiles, 2);
        assert_eq!(store.list_files("", false).unwrap().count(), 1, "{kind}");
        faults.fail(Op::ReadBytes, 1);
        assert_eq!(store.read_bytes("a.txt").unwrap(), "hello", "{kind}");
        faults.fail(Op::Write, 2);
        store.write_bytes("b.txt", "again", true).unwrap();
        assert_eq!(store.read_bytes("b.txt").unwrap(), "again", "{kind}");
    }
}

#[test]
fn attempts_are_bounded_and_said() {
    for (kind, store, faults, _) in stores() {
        store.write_bytes("a.txt", "x", false).unwrap();
        faults.fail(Op::GetFileInfo, 100);
        let err = store.get_file_info("a.txt").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{kind}");
        assert!(
            err.to_string().contains("gave up after 4 attempts"),
            "{kind}: {err}"
        );
        assert_eq!(faults.calls(Op::GetFileInfo), 4, "{kind}");
    }
}

#[test]
fn a_wait_the_service_asks_for_is_kept() {
    for (kind, store, faults, _) in stores() {
        store.write_bytes("a.txt", "x", false).unwrap();
        faults.retry_after(Some(Duration::from_millis(300)));
        faults.fail(Op::Exists, 1);
        let started = std::time::Instant::now();
        assert!(store.exists("a.txt").unwrap(), "{kind}");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(300),
            "{kind}: retried after {waited:?}"
        );
    }
}

#[test]
fn errors_that_are_not_retryable_are_not_retried() {
    for (kind, store, faults, _) in stores() {
        let err = store.get_file_info("missing.txt").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{kind}");
        assert_eq!(faults.calls(Op::GetFileInfo), 1, "{kind}");
        store.write_bytes("taken.txt", "theirs", false).unwrap();
        let err = store.write_bytes("taken.txt", "mine", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{kind}");
        assert_eq!(faults.calls(Op::Write), 2, "{kind}: one write each");
        assert_eq!(store.read_bytes("taken.txt").unwrap(), "theirs", "{kind}");
    }
}

#[test]
fn a_write_whose_answer_was_lost_is_not_reported_as_existing() {
    for (kind, store, faults, plain) in stores() {
        faults.lose_answer(Op::Write, 1);
        let result = store.write_bytes("new.txt", "mine", false).unwrap();
        assert_eq!(result.size, 4, "{kind}");
        assert_eq!(plain.read_bytes("new.txt").unwrap(), "mine", "{kind}");
        assert_eq!(faults.calls(Op::Write), 2, "{kind}");
        // Another writer's bytes there: the refusal stands.
        plain.write_bytes("other.txt", "theirs", false).unwrap();
        faults.fail(Op::Write, 1);
        let err = store.write_bytes("other.txt", "mine", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{kind}: {err}");
        assert_eq!(plain.read_bytes("other.txt").unwrap(), "theirs", "{kind}");
    }
}

#[test]
fn a_delete_whose_answer_was_lost_succeeds() {
    for (kind, store, faults, plain) in stores() {
        store.write_bytes("a.txt", "x", false).unwrap();
        faults.lose_answer(Op::Delete, 1);
        store.delete("a.txt", false).unwrap();
        assert!(!plain.exists("a.txt").unwrap(), "{kind}");
        // A file that was never there is still NotFound.
        let err = store.delete("never.txt", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{kind}");
    }
}

/// A layer that leaves `delete_batch` to the trait's default, so a batch
/// reaches the layers below it path by path (the faults can then fail
/// single paths of a batch).
struct PathByPath;

struct Spread<B: ?Sized>(Arc<B>);

impl LayeredBackend for Spread<dyn Backend> {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.0
    }
}

impl LayeredAsyncBackend for Spread<dyn AsyncBackend> {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.0
    }
}

impl Layer for PathByPath {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(Spread(inner))
    }
    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(Spread(inner))
    }
}

#[test]
fn a_batch_sends_again_only_the_paths_that_failed_retryably() {
    for (kind, plain) in [
        ("sync backend", Store::new(MemoryBackend::new())),
        ("async backend", Store::new(AsyncMemoryBackend::new())),
    ] {
        let faults = Faults::new();
        let store = plain
            .clone()
            .layer(FaultLayer::new(faults.clone()))
            .layer(PathByPath)
            .layer(quick());
        for p in ["a", "b", "c", "d"] {
            plain.write_bytes(p, "x", false).unwrap();
        }
        faults.fail(Op::Delete, 2);
        let answers = store
            .delete_batch(&["a", "b", "never", "c", "d"], false)
            .unwrap();
        let kinds: Vec<_> = answers
            .iter()
            .map(|a| a.as_ref().err().map(|e| e.kind()))
            .collect();
        assert_eq!(
            kinds,
            [None, None, Some(ErrorKind::NotFound), None, None],
            "{kind}: only the missing file fails"
        );
        // Five deletes, then the two that failed again (not the batch).
        assert_eq!(faults.calls(Op::Delete), 7, "{kind}");
        for p in ["a", "b", "c", "d"] {
            assert!(!plain.exists(p).unwrap(), "{kind}: {p} is still there");
        }
    }
}

#[test]
fn a_batch_whose_answer_was_lost_succeeds() {
    for (kind, store, faults, plain) in stores() {
        for p in ["a", "b"] {
            store.write_bytes(p, "x", false).unwrap();
        }
        faults.lose_answer(Op::DeleteBatch, 1);
        let answers = store.delete_batch(&["a", "b"], false).unwrap();
        assert!(answers.iter().all(Result::is_ok), "{kind}: {answers:?}");
        assert_eq!(faults.calls(Op::DeleteBatch), 2, "{kind}");
        assert!(
            !plain.exists("a").unwrap() && !plain.exists("b").unwrap(),
            "{kind}"
        );
    }
}

#[test]
fn conditional_writes_and_deletes_and_renames_are_not_retried() {
    for (kind, store, faults, plain) in stores() {
        let etag = store
            .write_bytes("a.txt", "v1", false)
            .unwrap()
            .etag
            .unwrap();
        faults.fail(Op::Write, 1);
        let cas = WriteOptions::new().overwrite(true).if_match(etag.clone());
        let err = store.write_with("a.txt", &b"v2"[..], &cas).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{kind}: {err}");
        assert_eq!(
            faults.calls(Op::Write),
            2,
            "{kind}: the first write, then the CAS once"
        );
        faults.fail(Op::Delete, 1);
        let err = store
            .delete_with("a.txt", &DeleteOptions::new().if_match(etag))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{kind}");
        faults.fail(Op::Rename, 1);
        let err = store.rename("a.txt", "b.txt", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{kind}");
        assert_eq!(faults.calls(Op::Rename), 1, "{kind}");
        assert_eq!(plain.read_bytes("a.txt").unwrap(), "v1", "{kind}");
    }
}

#[test]
fn streamed_reads_resume_where_they_broke() {
    let content = data(3 * 1024 * 1024 + 7);
    for (kind, store, faults, _) in stores() {
        store
            .write_bytes("big.bin", content.clone(), false)
            .unwrap();
        faults.break_reads(1_000_003, 2);
        let mut read = Vec::new();
        store
            .read("big.bin")
            .unwrap()
            .read_to_end(&mut read)
            .unwrap();
        assert!(
            read == content,
            "{kind}: {} bytes, content differs",
            read.len()
        );
        assert_eq!(faults.calls(Op::Read), 3, "{kind}: opened, resumed twice");
        // A range resumes within the range.
        faults.break_reads(1000, 1);
        let options = ReadOptions::new().range(10, Some(5000));
        let mut part = Vec::new();
        store
            .read_with("big.bin", &options)
            .unwrap()
            .read_to_end(&mut part)
            .unwrap();
        assert!(part == content[10..5010], "{kind}: range content differs");
    }
}

/// Each layer implementation through a face that reads only as the
/// caller does (the blocking bridge reads ahead, so a `Store` over an
/// async backend may resume before the caller replaces the file).
#[test]
fn a_read_does_not_resume_onto_another_version() {
    use remote_store_core::futures::StreamExt;
    let content = data(200_000);
    // The sync layers, under `Store`.
    let faults = Faults::new();
    let plain = Store::new(MemoryBackend::new());
    let store = plain
        .clone()
        .layer(FaultLayer::new(faults.clone()))
        .layer(quick());
    store.write_bytes("f.bin", content.clone(), false).unwrap();
    faults.break_reads(1000, 1);
    let mut reader = store.read("f.bin").unwrap();
    let mut first = vec![0; 1000];
    reader.read_exact(&mut first).unwrap();
    plain.write_bytes("f.bin", data(200_001), true).unwrap();
    let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
    let err = remote_store_core::Error::from_source_io(err);
    assert_eq!(err.kind(), ErrorKind::PreconditionFailed, "sync: {err}");
    // The async layers, under `AsyncStore`.
    let faults = Faults::new();
    let plain = AsyncStore::new(AsyncMemoryBackend::new());
    let store = plain
        .clone()
        .layer(FaultLayer::new(faults.clone()))
        .layer(quick());
    block_on(async {
        store
            .write_bytes("f.bin", content.clone(), false)
            .await
            .unwrap();
        faults.break_reads(1000, 1);
        let mut stream = store.read("f.bin").await.unwrap();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(first.len(), 1000);
        plain
            .write_bytes("f.bin", data(200_001), true)
            .await
            .unwrap();
        let err = stream.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PreconditionFailed, "async: {err}");
        assert!(stream.next().await.is_none(), "nothing after the failure");
    });
}

#[test]
fn the_async_face_retries_and_resumes_too() {
    use remote_store_core::futures::TryStreamExt;
    let content = data(2 * 1024 * 1024);
    let faults = Faults::new();
    for store in [
        AsyncStore::new(AsyncMemoryBackend::new()),
        AsyncStore::new(MemoryBackend::new()),
    ] {
        let store = store.layer(FaultLayer::new(faults.clone())).layer(quick());
        block_on(async {
            store
                .write_bytes("big.bin", content.clone(), false)
                .await
                .unwrap();
            // Small enough to replay (a larger source goes once).
            faults.fail(Op::Write, 2);
            store.write_bytes("small.bin", "abc", false).await.unwrap();
            faults.break_reads(300_001, 3);
            let chunks: Vec<_> = store
                .read("big.bin")
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            assert!(chunks.concat() == content, "content differs");
            faults.fail(Op::Exists, 3);
            assert!(store.exists("big.bin").await.unwrap());
        });
    }
}

/// A tokio runtime built without timers (`enable_time` not called) is a
/// runtime like any other for the layers: they keep their own clock, so
/// retry pauses and timeouts work there, and never panic.
#[test]
fn layers_work_in_a_runtime_without_timers() {
    use remote_store_layers::TimeoutLayer;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let faults = Faults::new();
    let store = AsyncStore::new(AsyncMemoryBackend::new())
        .layer(FaultLayer::new(faults.clone()))
        .layer(TimeoutLayer::new().stall(Duration::from_secs(5)))
        .layer(quick());
    runtime.block_on(async {
        faults.fail(Op::Write, 2);
        store.write_bytes("a.txt", "x", false).await.unwrap();
        faults.break_reads(0, 1);
        assert_eq!(store.read_bytes("a.txt").await.unwrap(), "x");
    });
}
