//! `write`, `write_atomic`: round trips, overwrite flag, no partial writes.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, WriteOptions};

use super::{expect_err, ok};
use crate::data::{INJECTED_FAILURE, Source, assert_same, bytes};
use crate::face::Subject;

/// Written bytes read back the same, through `read` and `read_bytes`.
pub async fn write_then_read(s: Subject) {
    need!(s, Write, Read);
    let data = bytes(100_003, 1);
    ok(s.write("hello.bin", data.clone(), false).await, "write");
    assert_same(
        &ok(s.read_bytes("hello.bin").await, "read_bytes"),
        &data,
        "read_bytes hello.bin",
    );
    assert_same(
        &ok(s.read("hello.bin").await, "read"),
        &data,
        "read hello.bin",
    );
}

/// Every write returns what it stored: the size in bytes (empty, small,
/// streamed over many chunks, atomic, asked to verify), and, where the
/// storage reports an etag or a version in the write's answer, the ones
/// `get_file_info` then shows (a compare-and-swap relies on it). A write
/// not asked to verify claims no verification; one asked stores the same
/// bytes.
pub async fn write_results_report_what_was_stored(s: Subject) {
    need!(s, Write);
    let caps = s.capabilities();
    let mut results = vec![
        (
            "empty.bin",
            ok(s.write("empty.bin", Bytes::new(), false).await, "write"),
            0,
        ),
        (
            "small.bin",
            ok(s.write("small.bin", bytes(1000, 2), true).await, "write"),
            1000,
        ),
    ];
    let big = 3 * 1024 * 1024 + 17;
    let streamed = s.write_source("big.bin", Source::generated(big, 3), false, false);
    results.push(("big.bin", ok(streamed.await, "streamed write"), big));
    if caps.contains(remote_store_core::Capability::AtomicWrite) {
        let atomic = s.write_atomic("atomic.bin", bytes(10, 4), true).await;
        results.push(("atomic.bin", ok(atomic, "write_atomic"), 10));
    }
    for (path, result, _) in &results {
        assert!(!result.verified, "{path}: not asked to verify");
    }
    let verify = WriteOptions::new().verify(true);
    let checked = s.write_with("checked.bin", bytes(1000, 5), verify.clone());
    results.push(("checked.bin", ok(checked.await, "verified write"), 1000));
    let checked = s.write_source_with("checked-big.bin", Source::generated(big, 6), verify);
    results.push((
        "checked-big.bin",
        ok(checked.await, "verified streamed write"),
        big,
    ));
    if caps.contains(Capability::Read) {
        let small = ok(s.read_bytes("checked.bin").await, "read");
        assert_same(&small, &bytes(1000, 5), "checked.bin");
        let large = ok(s.read_bytes("checked-big.bin").await, "read");
        assert_same(&large, &bytes(big as usize, 6), "checked-big.bin");
    }
    for (path, result, size) in results {
        assert_eq!(result.size, size, "{path}: the write result's size");
        if !caps.contains(remote_store_core::Capability::Metadata) {
            continue;
        }
        let info = ok(s.get_file_info(path).await, "get_file_info");
        assert_eq!(info.size, size, "{path}: get_file_info's size");
        if let (Some(written), Some(now)) = (&result.etag, &info.etag) {
            assert_eq!(
                written, now,
                "{path}: the etag of the write and of get_file_info"
            );
        }
        // A modification time in the result is the one stored (within the
        // coarsest resolution a backend keeps: a second).
        if let (Some(written), Some(now)) = (result.modified, info.modified) {
            let apart = match written.duration_since(now) {
                Ok(d) => d,
                Err(e) => e.duration(),
            };
            assert!(
                apart <= std::time::Duration::from_secs(1),
                "{path}: the write reported {written:?}, get_file_info {now:?}"
            );
        }
    }
}

/// A source whose reads are interrupted (`io::ErrorKind::Interrupted`,
/// before every chunk) is read again, as `io::Read` specifies: the write
/// succeeds with exactly the source's bytes.
pub async fn interrupted_source_reads_are_retried(s: Subject) {
    need!(s, Write, Read);
    let len = 300_000;
    let written = s.write_source("eintr.bin", Source::interrupting(len, 5), false, false);
    assert_eq!(ok(written.await, "write").size, len);
    assert_same(
        &ok(s.read_bytes("eintr.bin").await, "read"),
        &bytes(len as usize, 5),
        "eintr.bin",
    );
}

/// `overwrite = false` refuses an existing file and leaves it untouched.
pub async fn write_refuses_existing_without_overwrite(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("f.txt", Bytes::from("first"), false).await, "write");
    let err = expect_err(
        s.write("f.txt", Bytes::from("second"), false).await,
        ErrorKind::AlreadyExists,
        "second write without overwrite",
    );
    assert_eq!(err.path(), Some("f.txt"), "the error names the store path");
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "first");
}

/// `overwrite = true` replaces the content, and renews the modification
/// time (compared after more than a second, the coarsest resolution).
pub async fn write_overwrites_when_asked(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("f.txt", bytes(5000, 1), false).await, "write");
    let before = match s.capabilities().contains(Capability::Metadata) {
        true => ok(s.get_file_info("f.txt").await, "get_file_info").modified,
        false => None,
    };
    if before.is_some() {
        // Past the coarsest time resolution a backend keeps (SFTP: 1 s).
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    ok(
        s.write("f.txt", Bytes::from("short"), true).await,
        "overwrite",
    );
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "short");
    if let Some(before) = before {
        let after = ok(s.get_file_info("f.txt").await, "get_file_info").modified;
        assert!(
            after.is_some_and(|after| after > before),
            "an overwrite must renew the modification time: {before:?} then {after:?}"
        );
    }
}

/// Writing creates the parent folders.
pub async fn write_creates_parent_folders(s: Subject) {
    need!(s, Write);
    ok(
        s.write("a/b/c/d.txt", Bytes::from("x"), false).await,
        "write",
    );
    for folder in ["a", "a/b", "a/b/c"] {
        assert!(ok(s.is_folder(folder).await, "is_folder"), "{folder}");
        assert!(!ok(s.is_file(folder).await, "is_file"), "{folder}");
    }
    assert!(ok(s.is_file("a/b/c/d.txt").await, "is_file"));
}

/// An empty file is a file.
pub async fn write_empty_file(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("empty", Bytes::new(), false).await, "write");
    assert!(ok(s.is_file("empty").await, "is_file"));
    assert!(ok(s.read_bytes("empty").await, "read").is_empty());
    assert!(ok(s.read("empty").await, "read").is_empty());
}

/// A source that fails mid-way fails the write with the source's error and
/// leaves nothing new behind: no file where there was none, the old
/// content where there was one.
pub async fn write_failing_source_leaves_nothing(s: Subject) {
    need!(s, Write, Read);
    let err = s
        .write_source("new.bin", Source::failing_after(200_000, 2), false, false)
        .await
        .expect_err("a failing source must fail the write");
    assert!(err.to_string().contains(INJECTED_FAILURE), "got: {err}");
    assert!(
        !ok(s.exists("new.bin").await, "exists"),
        "a partial file is visible"
    );

    ok(s.write("old.bin", Bytes::from("old"), false).await, "write");
    let _ = s
        .write_source("old.bin", Source::failing_after(200_000, 3), false, true)
        .await
        .expect_err("a failing source must fail the write");
    assert_eq!(ok(s.read_bytes("old.bin").await, "read"), "old");
}

/// `write_atomic`: round trip, overwrite flag, failing source.
pub async fn write_atomic_contract(s: Subject) {
    need!(s, AtomicWrite, Read);
    let data = bytes(300_000, 4);
    ok(
        s.write_atomic("at.bin", data.clone(), false).await,
        "write_atomic",
    );
    assert_same(
        &ok(s.read_bytes("at.bin").await, "read"),
        &data,
        "read_bytes at.bin",
    );
    expect_err(
        s.write_atomic("at.bin", Bytes::from("x"), false).await,
        ErrorKind::AlreadyExists,
        "write_atomic without overwrite",
    );
    assert_same(
        &ok(s.read_bytes("at.bin").await, "read"),
        &data,
        "read_bytes at.bin",
    );
    let _ = s
        .write_source("at.bin", Source::failing_after(100_000, 5), true, true)
        .await
        .expect_err("a failing source must fail the write");
    assert_eq!(
        ok(s.read_bytes("at.bin").await, "read"),
        data,
        "old content kept"
    );
    ok(
        s.write_atomic("at.bin", Bytes::from("new"), true).await,
        "overwrite",
    );
    assert_eq!(ok(s.read_bytes("at.bin").await, "read"), "new");
    ok(
        s.write_atomic("deep/er/at.bin", Bytes::from("p"), false)
            .await,
        "parents",
    );
    assert!(ok(s.is_folder("deep/er").await, "is_folder"));
}
