//! Operands of the wrong kind (ADR-0012), paths below a file, and the
//! store root where a file is expected.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, Result};

use super::{expect_err, ok};
use crate::face::Subject;

/// Fails unless `result` is an `InvalidPath` naming `path`.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T>, path: &str, what: &str) {
    let err = expect_err(result, ErrorKind::InvalidPath, what);
    assert_eq!(err.path(), Some(path), "{what}: the error names {err}");
}

/// A folder where a file is expected (`read`, `read_bytes`, `read_range`,
/// `get_file_info`, the source of `rename`/`copy`, onto itself too) and a
/// file where a folder is expected (`get_folder_info`) fail with
/// `InvalidPath` naming the operand; nothing changes.
pub async fn wrong_kind_operands(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("d/x.txt", Bytes::from("x"), false).await, "write");
    ok(s.write("f.txt", Bytes::from("f"), false).await, "write");
    let caps = s.capabilities();
    refused(s.read("d").await, "d", "read of a folder");
    refused(s.read_bytes("d").await, "d", "read_bytes of a folder");
    if caps.contains(Capability::RangeRead) {
        refused(s.read_range("d", 0, Some(1)).await, "d", "read_range");
    }
    if caps.contains(Capability::Metadata) {
        refused(s.get_file_info("d").await, "d", "get_file_info of a folder");
        refused(
            s.get_folder_info("f.txt").await,
            "f.txt",
            "get_folder_info of a file",
        );
    }
    for overwrite in [false, true] {
        for dst in ["new.txt", "d"] {
            let what = format!("(to {dst}, overwrite {overwrite})");
            if caps.contains(Capability::Move) {
                let r = s.rename("d", dst, overwrite).await;
                refused(r, "d", &format!("rename of a folder {what}"));
            }
            if caps.contains(Capability::Copy) {
                let r = s.copy("d", dst, overwrite).await;
                refused(r, "d", &format!("copy of a folder {what}"));
            }
        }
    }
    assert!(!ok(s.exists("new.txt").await, "exists"), "a copy appeared");
    assert_eq!(ok(s.read_bytes("d/x.txt").await, "read"), "x");
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "f");
}

/// Nothing lives below a file: reading, stating or deleting
/// `f.txt/child` is `NotFound` (`delete` with `missing_ok` succeeds), its
/// listings are empty, the probes answer false, and `f.txt` is intact.
pub async fn paths_below_a_file_are_absent(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("f.txt", Bytes::from("f"), false).await, "write");
    let caps = s.capabilities();
    let below = "f.txt/child";
    let missing = ErrorKind::NotFound;
    expect_err(s.read(below).await, missing, "read below a file");
    expect_err(s.read_bytes(below).await, missing, "read_bytes");
    if caps.contains(Capability::RangeRead) {
        expect_err(s.read_range(below, 0, None).await, missing, "read_range");
    }
    if caps.contains(Capability::Metadata) {
        expect_err(s.get_file_info(below).await, missing, "get_file_info");
    }
    if caps.contains(Capability::Delete) {
        expect_err(s.delete(below, false).await, missing, "delete");
        ok(s.delete(below, true).await, "delete, missing_ok");
        ok(
            s.delete_folder(below, true, true).await,
            "delete_folder, missing_ok",
        );
    }
    if caps.contains(Capability::List) {
        assert!(ok(s.list_files(below, false).await, "list_files").is_empty());
        assert!(ok(s.list_folders(below).await, "list_folders").is_empty());
    }
    if caps.contains(Capability::RecursiveList) {
        assert!(ok(s.list_files(below, true).await, "list_files -r").is_empty());
    }
    for (probe, answer) in [
        ("exists", s.exists(below).await),
        ("is_file", s.is_file(below).await),
        ("is_folder", s.is_folder(below).await),
    ] {
        assert!(!ok(answer, probe), "{probe}({below}) is true");
    }
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "f");
}

/// The root spellings.
const ROOTS: [&str; 6] = ["", ".", "/", "./", ".//", "./."];

/// The store root is never a file operand: `get_file_info`, `write_atomic`,
/// `write` without overwrite, and `rename`/`copy` from or to the root fail
/// with `InvalidPath` naming the root as given, before any I/O (so even
/// with a missing source); the data stays and the root is a folder.
pub async fn root_refused_as_any_file_operand(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("kept.txt", Bytes::from("k"), false).await, "write");
    let caps = s.capabilities();
    for root in ROOTS {
        let what = |op: &str| format!("{op} with the root {root:?}");
        refused(
            s.write(root, Bytes::from("x"), false).await,
            root,
            &what("write"),
        );
        if caps.contains(Capability::Metadata) {
            refused(s.get_file_info(root).await, root, &what("get_file_info"));
        }
        if caps.contains(Capability::AtomicWrite) {
            for overwrite in [false, true] {
                let r = s.write_atomic(root, Bytes::from("x"), overwrite).await;
                refused(r, root, &what("write_atomic"));
            }
        }
        for (op, cap) in [("rename", Capability::Move), ("copy", Capability::Copy)] {
            if !caps.contains(cap) {
                continue;
            }
            for (src, dst, named) in [
                (root, "to.txt", root),
                ("kept.txt", root, root),
                ("missing.txt", root, root),
            ] {
                let r = super::transfer(&s, op, src, dst, true).await;
                refused(r, named, &what(&format!("{op} {src:?} → {dst:?}")));
            }
        }
    }
    assert_eq!(ok(s.read_bytes("kept.txt").await, "read"), "k");
    assert!(!ok(s.exists("to.txt").await, "exists"));
    assert!(ok(s.is_folder("").await, "is_folder root"));
}
