//! Writer sinks (`Store::writer`, `AsyncStore::writer`): the file appears
//! whole when the writer is finished, and never when it is dropped.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::data::{self, assert_same};
use crate::face::{SinkEnd, Subject};

/// `content` cut into pieces of uneven sizes (1 byte up to 200 KiB), as a
/// serializer writes.
fn pieces(content: &Bytes) -> Vec<Bytes> {
    let sizes = [1, 7, 4096, 200 * 1024, 13, 65536, 65537];
    let mut out = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        if at >= content.len() {
            break;
        }
        let end = (at + size).min(content.len());
        out.push(content.slice(at..end));
        at = end;
    }
    out
}

/// What goes through a writer, in pieces of any size, is stored exactly
/// once the writer is finished (small, and large enough for multipart or
/// staged uploads), and the result says how much.
pub async fn writer_sink_round_trip(s: Subject) {
    need!(s, Write, Read);
    for (path, len) in [
        ("sink/empty.bin", 0usize),
        ("sink/small.txt", 100),
        ("sink/large.bin", 9 * 1024 * 1024 + 5),
    ] {
        let content = data::bytes(len, 31);
        let result = ok(
            s.sink(path, pieces(&content), false, SinkEnd::Finish).await,
            "sink",
        );
        let result = result.expect("a finished writer returns its result");
        assert_eq!(result.size, len as u64, "{path}: the writer's result");
        assert_same(&ok(s.read_bytes(path).await, "read"), &content, path);
    }
}

/// A writer dropped or aborted unfinished stores nothing: a new path stays absent
/// and an existing file keeps its content, even after megabytes were
/// written (and handed to the backend); nothing is left behind in
/// listings.
pub async fn writer_sink_dropped_discards(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write("keep.txt", Bytes::from("old"), false).await,
        "write",
    );
    let big = data::bytes(3 * 1024 * 1024, 32);
    let dropped = s.sink("keep.txt", pieces(&big), true, SinkEnd::Drop).await;
    assert!(ok(dropped, "dropped sink").is_none());
    assert_eq!(ok(s.read_bytes("keep.txt").await, "read"), "old");
    for (path, end) in [("new.bin", SinkEnd::Drop), ("aborted.bin", SinkEnd::Abort)] {
        ok(
            s.sink(path, pieces(&big), false, end).await,
            "unfinished sink",
        );
        assert!(
            !ok(s.exists(path).await, "exists"),
            "a writer ended by {end:?} stored a file"
        );
    }
    if s.capabilities().contains(Capability::List) {
        let files = ok(s.list_files("", false).await, "list_files");
        assert_eq!(super::paths(&files), ["keep.txt"], "left behind");
    }
}

/// A writer keeps `write`'s refusals: without overwrite onto an existing
/// file it fails with `AlreadyExists` (when writing or finishing) and the
/// file is untouched.
pub async fn writer_sink_refuses_like_write(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write("taken.txt", Bytes::from("mine"), false).await,
        "write",
    );
    let attempt = s
        .sink(
            "taken.txt",
            vec![Bytes::from("theirs")],
            false,
            SinkEnd::Finish,
        )
        .await;
    expect_err(
        attempt,
        ErrorKind::AlreadyExists,
        "a writer onto an existing file",
    );
    assert_eq!(ok(s.read_bytes("taken.txt").await, "read"), "mine");
}

/// A writer sink whose backend write failed says so on every later call,
/// with the same kind, never `Ok` for bytes that go nowhere: a writer
/// onto an existing file without overwrite answers `AlreadyExists` from
/// the first call that learns of it (a write or the commit) and from
/// every call after, and the file keeps its content. A writer that has
/// committed refuses further writes.
pub async fn writer_sink_fails_every_call_after_a_failure(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write("kept.txt", Bytes::from("mine"), false).await,
        "write",
    );
    let piece = Bytes::from(vec![7u8; 300 * 1024]);
    let calls = ok(
        s.sink_every_call("kept.txt", vec![piece.clone(); 4], false)
            .await,
        "writer",
    );
    let mut failed = false;
    // Each repeat names the failure once, not an echo of an echo.
    let said_once = |e: &remote_store_core::Error| {
        let text = e.to_string();
        assert!(
            text.matches("failed earlier").count() <= 1,
            "an echo of an echo: {text}"
        );
    };
    for (i, write) in calls.writes.iter().enumerate() {
        match write {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::AlreadyExists, "write {i}: {e}");
                said_once(e);
                failed = true;
            }
            Ok(()) => assert!(!failed, "write {i} succeeded after a failed one"),
        }
    }
    let commit = calls.commit;
    let commit = expect_err(
        commit,
        ErrorKind::AlreadyExists,
        "the commit after a failure",
    );
    said_once(&commit);
    if let Some(after) = calls.after_commit {
        expect_err(
            after,
            ErrorKind::AlreadyExists,
            "a write after the failed commit",
        );
    }
    assert_eq!(ok(s.read_bytes("kept.txt").await, "read"), "mine");

    let calls = ok(
        s.sink_every_call("fresh.txt", vec![piece; 2], false).await,
        "writer",
    );
    for (i, write) in calls.writes.into_iter().enumerate() {
        ok(write, &format!("write {i}"));
    }
    ok(calls.commit, "commit");
    if let Some(after) = calls.after_commit {
        let late = expect_err(
            after,
            ErrorKind::InvalidArgument,
            "a write after the commit",
        );
        assert!(late.to_string().contains("finished"), "{late}");
    }
    assert_eq!(
        ok(s.read_bytes("fresh.txt").await, "read").len(),
        600 * 1024
    );
}
