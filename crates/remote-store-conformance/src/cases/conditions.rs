//! Conditional operations: compare-and-swap writes and reads pinned to
//! one version, by etag.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, WriteOptions};

use super::{expect_err, ok};
use crate::data::{self, assert_same};
use crate::face::Subject;

/// The etag of `path` now: a backend that declares a condition must
/// report etags.
async fn etag_of(s: &Subject, path: &str) -> String {
    let info = ok(s.get_file_info(path).await, "get_file_info");
    info.etag
        .unwrap_or_else(|| panic!("{path}: no etag, though a condition is declared"))
}

/// A write with `if_match` replaces the file only while its etag is the
/// one given: with the current etag it succeeds (and returns the new
/// one, where the write reports etags), with a stale one or on a missing
/// file it fails with `PreconditionFailed` and changes nothing. Small
/// (one request) and large (multipart, staged) writes alike.
pub async fn conditional_write_compare_and_swap(s: Subject) {
    need!(s, ConditionalWrite, Write, Read, Metadata);
    for (name, len) in [("small.txt", 10usize), ("large.bin", 9 * 1024 * 1024 + 3)] {
        let v1 = data::bytes(len, 1);
        ok(s.write(name, v1, false).await, "write");
        let first = etag_of(&s, name).await;
        let v2 = data::bytes(len, 2);
        let written = ok(s.write_if_match(name, v2.clone(), &first).await, "if_match");
        let second = etag_of(&s, name).await;
        assert_ne!(first, second, "{name}: the etag did not change on a write");
        if let Some(reported) = &written.etag {
            assert_eq!(reported, &second, "{name}: the write reported another etag");
        }
        let stale = s.write_if_match(name, data::bytes(len, 3), &first).await;
        expect_err(stale, ErrorKind::PreconditionFailed, "a stale etag");
        let now = ok(s.read_bytes(name).await, "read");
        assert_same(
            &now,
            &v2,
            &format!("{name} after a refused compare-and-swap"),
        );
    }
    let missing = s
        .write_if_match("missing.txt", Bytes::from("x"), "\"nope\"")
        .await;
    expect_err(
        missing,
        ErrorKind::PreconditionFailed,
        "if_match on no file",
    );
    assert!(
        !ok(s.exists("missing.txt").await, "exists"),
        "a refused compare-and-swap created the file"
    );
}

/// A read with `if_match` reads the version with that etag, and fails
/// with `PreconditionFailed` once the file was replaced (ranged too) or
/// removed (the version asked for is gone, as HTTP answers it), so a
/// reader never mixes two versions.
pub async fn conditional_read_is_pinned(s: Subject) {
    need!(s, ConditionalRead, Write, Read, Metadata);
    ok(
        s.write("pin.txt", Bytes::from("first"), false).await,
        "write",
    );
    let first = etag_of(&s, "pin.txt").await;
    let read = ok(s.read_if_match("pin.txt", &first, None).await, "if_match");
    assert_eq!(read, "first");
    let ranged = s.capabilities().contains(Capability::RangeRead);
    if ranged {
        let part = ok(
            s.read_if_match("pin.txt", &first, Some((1, Some(3)))).await,
            "ranged if_match",
        );
        assert_eq!(part, "irs");
    }
    ok(
        s.write("pin.txt", Bytes::from("second"), true).await,
        "rewrite",
    );
    let stale = s.read_if_match("pin.txt", &first, None).await;
    expect_err(stale, ErrorKind::PreconditionFailed, "a stale etag");
    if ranged {
        let stale = s.read_if_match("pin.txt", &first, Some((1, Some(3)))).await;
        expect_err(stale, ErrorKind::PreconditionFailed, "a stale etag, ranged");
    }
    let missing = s.read_if_match("gone.txt", &first, None).await;
    expect_err(
        missing,
        ErrorKind::PreconditionFailed,
        "if_match on no file",
    );
}

/// A presigned request (where declared) is an absolute `http(s)` URL for
/// the method asked, made without I/O (a file that does not exist yet can
/// be presigned for a `PUT`); an expiry under a second is
/// `InvalidArgument`, the root `InvalidPath`. (Using the URLs needs an
/// HTTP client: `tests/it/presign.rs` does, against the servers.)
pub async fn presign_requests(s: Subject) {
    need!(s, Presign);
    use remote_store_core::PresignMethod;
    use std::time::Duration;
    let minute = Duration::from_secs(60);
    for method in [PresignMethod::Get, PresignMethod::Put] {
        let request = ok(s.presign("up/new.bin", method, minute).await, "presign");
        assert_eq!(request.method, method);
        assert!(
            request.url.starts_with("http://") || request.url.starts_with("https://"),
            "not an http URL: {}",
            request.url
        );
        assert!(
            request.url.contains("new.bin"),
            "the URL names another file"
        );
    }
    let short = s
        .presign("f.txt", PresignMethod::Get, Duration::from_millis(10))
        .await;
    expect_err(
        short,
        ErrorKind::InvalidArgument,
        "an expiry under a second",
    );
    let root = s.presign("", PresignMethod::Get, minute).await;
    expect_err(root, ErrorKind::InvalidPath, "the root");
}

/// Bytes each racing updater sends: three chunks, two pauses.
const CAS_LEN: usize = 3 * 64 * 1024;

fn seed(round: u64, writer: u64) -> u64 {
    1000 + round * 16 + writer
}

/// Sixteen writers race to replace one file from the same etag, round
/// after round: exactly one wins each round, every other one is refused
/// with `PreconditionFailed`, and the file holds the winner's content (no
/// lost update, no second winner).
pub async fn compare_and_swap_with_16_updaters(s: Subject) {
    need!(s, ConditionalWrite, Write, Read, Metadata);
    ok(
        s.write("cas.txt", Bytes::from("start"), false).await,
        "write",
    );
    for round in 0..16u64 {
        let etag = etag_of(&s, "cas.txt").await;
        let tasks: Vec<_> = (0..16u64)
            .map(|i| {
                let (s, etag) = (s.clone(), etag.clone());
                tokio::spawn(async move {
                    // A pausing source: every updater starts before any
                    // commits, so a check made only at the start is caught.
                    let src = data::Source::pausing(CAS_LEN as u64, seed(round, i));
                    let options = WriteOptions::new().if_match(&etag);
                    (i, s.write_source_with("cas.txt", src, options).await)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (i, result) = task.await.expect("a writer panicked");
            match result {
                Ok(_) => winners.push(i),
                Err(e) => assert_eq!(
                    e.kind(),
                    ErrorKind::PreconditionFailed,
                    "round {round}, writer {i}: {e}"
                ),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let content = ok(s.read_bytes("cas.txt").await, "read");
        let want = data::bytes(CAS_LEN, seed(round, winners[0]));
        assert_same(
            &content,
            &want,
            &format!("round {round}: the winner's content"),
        );
    }
}

/// A delete with `if_match` removes the file only while its etag is the
/// one given: a stale etag, or a file that is gone, is
/// `PreconditionFailed` and removes nothing; combined with `missing_ok`
/// it is `InvalidArgument` before any I/O.
pub async fn conditional_delete(s: Subject) {
    need!(s, ConditionalDelete, Write, Read, Metadata);
    ok(s.write("cd.txt", Bytes::from("one"), false).await, "write");
    let first = etag_of(&s, "cd.txt").await;
    ok(s.write("cd.txt", Bytes::from("two"), true).await, "write");
    let stale = s.delete_if_match("cd.txt", &first).await;
    expect_err(stale, ErrorKind::PreconditionFailed, "a stale etag");
    assert_eq!(
        ok(s.read_bytes("cd.txt").await, "read"),
        "two",
        "a refused delete removed the file"
    );
    let current = etag_of(&s, "cd.txt").await;
    ok(
        s.delete_if_match("cd.txt", &current).await,
        "delete with the current etag",
    );
    assert!(
        !ok(s.exists("cd.txt").await, "exists"),
        "the file is still there"
    );
    let gone = s.delete_if_match("cd.txt", &current).await;
    expect_err(gone, ErrorKind::PreconditionFailed, "a file that is gone");
}
