//! Every way of writing, against folders and files in the way, and
//! atomic writes that fail or stream many chunks.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::data::{INJECTED_FAILURE, Source, Verifier};
use crate::face::{SinkEnd, Subject};

/// Where folders are real, every writer is refused onto a folder and below
/// a file: `write_atomic` (single-chunk and streamed), and `rename`/`copy`
/// to a destination below a file (`InvalidPath`, nothing changes); a
/// missing source with such a destination is `NotFound` (the source is
/// checked first).
pub async fn every_writer_refused_onto_folders_and_below_files(s: Subject) {
    need!(s, Write, Read, PersistentFolders);
    ok(
        s.write("d/inner.txt", Bytes::from("i"), false).await,
        "write",
    );
    ok(
        s.write("blocker.txt", Bytes::from("b"), false).await,
        "write",
    );
    ok(s.write("src.txt", Bytes::from("s"), false).await, "write");
    let caps = s.capabilities();
    let invalid = ErrorKind::InvalidPath;
    for overwrite in [false, true] {
        let what = |op: &str, to: &str| format!("{op} onto {to} (overwrite {overwrite})");
        if caps.contains(Capability::AtomicWrite) {
            for to in ["d", "blocker.txt/below.txt"] {
                let r = s.write_atomic(to, Bytes::from("x"), overwrite).await;
                expect_err(r, invalid, &what("write_atomic", to));
                let streamed = Source::generated(300_000, 7);
                let r = s.write_source(to, streamed, true, overwrite).await;
                expect_err(r, invalid, &what("streamed write_atomic", to));
            }
        }
        for (op, cap) in [("rename", Capability::Move), ("copy", Capability::Copy)] {
            if !caps.contains(cap) {
                continue;
            }
            let call = |src| super::transfer(&s, op, src, "blocker.txt/dst.txt", overwrite);
            expect_err(call("src.txt").await, invalid, &what(op, "below a file"));
            let missing = call("missing.txt").await;
            expect_err(
                missing,
                ErrorKind::NotFound,
                &what(op, "below a file, no source"),
            );
        }
    }
    assert!(ok(s.is_folder("d").await, "is_folder"));
    assert_eq!(ok(s.read_bytes("d/inner.txt").await, "read"), "i");
    assert_eq!(ok(s.read_bytes("blocker.txt").await, "read"), "b");
    assert_eq!(ok(s.read_bytes("src.txt").await, "read"), "s");
}

/// A folder's name is free once the folder is deleted (a file can be
/// written there); where folders are real, an emptied folder stays a
/// folder and refuses a file of its name.
pub async fn folder_names_after_emptying_and_deleting(s: Subject) {
    need!(s, Write, Read, Delete);
    ok(
        s.write("e/only.txt", Bytes::from("x"), false).await,
        "write",
    );
    ok(s.delete("e/only.txt", false).await, "delete the last file");
    if s.capabilities().contains(Capability::PersistentFolders) {
        for overwrite in [false, true] {
            expect_err(
                s.write("e", Bytes::from("f"), overwrite).await,
                ErrorKind::InvalidPath,
                &format!("write onto an emptied folder (overwrite {overwrite})"),
            );
        }
        assert!(ok(s.is_folder("e").await, "the emptied folder stays"));
    }
    ok(
        s.write("g/sub/x.txt", Bytes::from("x"), false).await,
        "write",
    );
    ok(s.delete_folder("g", true, false).await, "delete_folder");
    ok(
        s.write("g", Bytes::from("now a file"), false).await,
        "write g",
    );
    assert_eq!(ok(s.read_bytes("g").await, "read"), "now a file");
    assert!(!ok(s.is_folder("g").await, "is_folder g"));
    assert!(ok(s.is_file("g").await, "is_file g"));
}

/// An atomic (and a plain) write from a source that fails after 256 KiB,
/// to a new file in a new folder, leaves nothing: no file, no listing
/// entry, no hidden staging file, no folder. A successful atomic write of a
/// multi-chunk stream (3 MiB, above multipart and block-staging thresholds
/// of small part sizes) reads back intact.
pub async fn failed_and_chunked_atomic_writes(s: Subject) {
    need!(s, AtomicWrite, Read);
    let caps = s.capabilities();
    for (atomic, folder) in [(true, "fresh-atomic"), (false, "fresh-plain")] {
        if !atomic && !caps.contains(Capability::Write) {
            continue;
        }
        let path = format!("{folder}/new.bin");
        let failing = Source::failing_after(256 * 1024, 11);
        let err = s
            .write_source(&path, failing, atomic, false)
            .await
            .expect_err("a failing source must fail the write");
        assert!(err.to_string().contains(INJECTED_FAILURE), "got: {err}");
        assert!(!ok(s.exists(&path).await, "exists"), "{path} is visible");
        if caps.contains(Capability::List) && caps.contains(Capability::RecursiveList) {
            let left = ok(s.list_files(folder, true).await, "list_files");
            assert!(left.is_empty(), "left behind: {:?}", super::paths(&left));
        }
        // Nor the folder it created (where folders are real).
        assert!(
            !ok(s.is_folder(folder).await, "is_folder"),
            "{folder} was left behind"
        );
    }
    let len = 3 * 1024 * 1024 + 17;
    let source = Source::generated(len, 12);
    ok(
        s.write_source("chunked.bin", source, true, false).await,
        "write_atomic",
    );
    let verifier = ok(
        s.read_verify("chunked.bin", Verifier::new(12)).await,
        "read",
    );
    verifier.assert_complete(len);
}

/// A failed write leaves no trace, folders included: a write whose source
/// fails (plain and atomic), and a writer sink dropped unfinished, into
/// new folders below an existing one, leave neither the file nor the
/// folders they created; the existing folder and its file stay.
pub async fn failed_writes_leave_no_folders(s: Subject) {
    need!(s, Write, Read);
    let caps = s.capabilities();
    ok(
        s.write("keep/file.txt", Bytes::from("k"), false).await,
        "write",
    );
    let mut attempts = vec![("keep/plain/deep/new.bin", false), ("fresh/new.bin", false)];
    if caps.contains(Capability::AtomicWrite) {
        attempts.push(("keep/atomic/deep/new.bin", true));
    }
    for (path, atomic) in attempts {
        let failing = Source::failing_after(100_000, 13);
        let err = s
            .write_source(path, failing, atomic, false)
            .await
            .expect_err("a failing source must fail the write");
        assert!(err.to_string().contains(INJECTED_FAILURE), "got: {err}");
    }
    let piece = Bytes::from(vec![5u8; 300 * 1024]);
    // Aborted, not dropped: `abort` returns once the backend has cleaned
    // up, where an async writer's drop leaves that to run in the
    // background.
    let aborted = s
        .sink(
            "keep/sink/deep/new.bin",
            vec![piece; 2],
            false,
            SinkEnd::Abort,
        )
        .await;
    assert!(ok(aborted, "aborted sink").is_none());
    for gone in ["keep/plain", "keep/atomic", "keep/sink", "fresh"] {
        assert!(
            !ok(s.exists(gone).await, "exists"),
            "{gone} was left by a failed write"
        );
    }
    assert!(ok(s.is_folder("keep").await, "is_folder"), "keep went");
    assert_eq!(ok(s.read_bytes("keep/file.txt").await, "read"), "k");
}

/// Writers into one new folder at once, half of them failing at their
/// first byte, over 12 rounds: every write whose source is good succeeds
/// (a failed writer removing the folder it made must not fail another
/// writer who found that folder), and only the good files remain.
pub async fn failed_and_good_writers_share_new_folders(s: Subject) {
    need!(s, Write, Read);
    for round in 0..12 {
        let tasks: Vec<_> = (0..8u64)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    let path = format!("round{round}/sub/{i}.bin");
                    let source = match i % 2 {
                        0 => Source::failing_after(0, i),
                        _ => Source::generated(1000, i),
                    };
                    (i, s.write_source(&path, source, false, false).await)
                })
            })
            .collect();
        for task in tasks {
            let (i, result) = task.await.expect("a writer panicked");
            if i % 2 == 0 {
                assert!(result.is_err(), "round {round}: writer {i} should fail");
            } else {
                ok(result, &format!("round {round}: good writer {i}"));
            }
        }
        for i in 0..8u64 {
            let path = format!("round{round}/sub/{i}.bin");
            let there = ok(s.exists(&path).await, "exists");
            assert_eq!(there, i % 2 == 1, "round {round}: {path}");
        }
    }
}
