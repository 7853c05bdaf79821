//! Rules of the written contract (ADR-0011) that the other cases left
//! open: folders of folders, files against folders, the root, and the
//! backend's own `close` and `to_key` (checked on the backend itself,
//! because a store would hide a backend that ignores them).

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::face::Subject;

fn sorted(paths: Vec<remote_store_core::RemotePath>) -> Vec<String> {
    let mut out: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    out.sort();
    out
}

/// `list_folders` returns a folder that holds only subfolders, at every
/// level, and `is_folder` agrees.
pub async fn list_folders_includes_folders_of_folders(s: Subject) {
    need!(s, Write, List);
    ok(
        s.write("top/mid/leaf.txt", Bytes::from("x"), false).await,
        "write",
    );
    assert_eq!(
        sorted(ok(s.list_folders("").await, "list_folders root")),
        ["top"]
    );
    assert_eq!(
        sorted(ok(s.list_folders("top").await, "list_folders top")),
        ["top/mid"]
    );
    assert!(ok(s.is_folder("top").await, "is_folder top"));
    assert!(ok(s.exists("top").await, "exists top"));
}

/// After `close`, the backend itself refuses every I/O call with `Closed`
/// (a stream it returns fails on its first item), and so does the store,
/// `is_file` and `is_folder` included.
pub async fn closed_backend_refuses_io(s: Subject) {
    need!(s, Write);
    ok(s.write("c/f.txt", Bytes::from("x"), false).await, "write");
    ok(s.close().await, "close");
    let caps = s.capabilities();
    for (call, result) in s.backend_probe("c/f.txt", "c").await {
        let needs = match call {
            "read" | "read_bytes" => Some(Capability::Read),
            "get_file_info" => Some(Capability::Metadata),
            "list_files" | "list_folders" | "check_health" => Some(Capability::List),
            "delete" => Some(Capability::Delete),
            _ => None,
        };
        if needs.is_some_and(|c| !caps.contains(c)) {
            continue;
        }
        expect_err(
            result,
            ErrorKind::Closed,
            &format!("backend {call} after close"),
        );
    }
    expect_err(s.is_file("c/f.txt").await, ErrorKind::Closed, "is_file");
    expect_err(s.is_folder("c").await, ErrorKind::Closed, "is_folder");
    expect_err(s.exists("c").await, ErrorKind::Closed, "exists");
    if caps.contains(Capability::Metadata) {
        expect_err(
            s.get_file_info("c/f.txt").await,
            ErrorKind::Closed,
            "get_file_info",
        );
    }
    if caps.contains(Capability::List) {
        expect_err(s.list_folders("").await, ErrorKind::Closed, "list_folders");
    }
}

/// The backend itself, called with an option whose capability it does
/// not declare (a range read, an atomic write, a recursive listing),
/// refuses it with `CapabilityNotSupported` naming that capability and
/// does nothing, never serves a weaker call in its place (the store would
/// refuse first and hide it); with the capability, the option works.
pub async fn backend_refuses_undeclared_options(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("opt.txt", Bytes::from("xyz"), false).await, "write");
    let caps = s.capabilities();
    for (cap, result) in s.backend_option_probe("opt.txt").await {
        let what = format!("backend call with an option needing {cap}");
        if caps.contains(cap) {
            ok(result, &what);
        } else {
            let err = expect_err(result, ErrorKind::CapabilityNotSupported, &what);
            assert_eq!(err.capability(), Some(cap), "{what}: {err}");
        }
    }
    if !caps.contains(Capability::AtomicWrite) {
        let written = ok(s.exists("opt.txt.probe").await, "exists");
        assert!(!written, "an atomic write was refused but still wrote");
    }
}

/// The backend's `to_key` refuses a native path outside the backend: one
/// that climbs out with `..`, a sibling whose name merely starts with the
/// root's, an absolute path elsewhere and another scheme's URL.
pub async fn to_key_refuses_outside_the_backend(s: Subject) {
    let root = s.backend_native_root();
    let joined = if root.is_empty() || root.ends_with('/') {
        format!("{root}../escape")
    } else {
        format!("{root}/../escape")
    };
    expect_err(s.backend_to_key(&joined), ErrorKind::InvalidPath, &joined);
    if !root.is_empty() && !root.ends_with('/') {
        let sibling = format!("{root}-outside/x");
        expect_err(s.backend_to_key(&sibling), ErrorKind::InvalidPath, &sibling);
    }
    // Paths that are nowhere near the root: an absolute path elsewhere,
    // and another scheme's URL.
    for elsewhere in ["/rs-conformance-elsewhere/x", "elsewhere://host/x"] {
        if !root.is_empty() && root != "/" && !elsewhere.starts_with(&root) {
            expect_err(
                s.backend_to_key(elsewhere),
                ErrorKind::InvalidPath,
                elsewhere,
            );
        }
    }
}

/// `get_file_info` reports the modification time.
pub async fn file_info_has_modified_time(s: Subject) {
    need!(s, Write, Metadata);
    ok(s.write("m.txt", Bytes::from("x"), false).await, "write");
    let info = ok(s.get_file_info("m.txt").await, "get_file_info");
    let modified = info
        .modified
        .unwrap_or_else(|| panic!("get_file_info without a modification time: {info:?}"));
    // Loopback servers share the clock; allow for coarse timestamps.
    let age = std::time::SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    assert!(
        age < std::time::Duration::from_secs(3600),
        "modified {age:?} ago"
    );
}

/// `delete` removes files: on a folder (that is not also a file) it fails
/// with `InvalidPath`, not `NotFound`; with `missing_ok` it succeeds and
/// removes nothing (there is no file to remove). `delete_folder` on a file
/// likewise.
pub async fn delete_and_delete_folder_keep_to_their_kind(s: Subject) {
    need!(s, Write, Delete, Read);
    ok(s.write("d/x.txt", Bytes::from("x"), false).await, "write");
    ok(s.write("f.txt", Bytes::from("f"), false).await, "write");
    expect_err(
        s.delete("d", false).await,
        ErrorKind::InvalidPath,
        "delete of a folder",
    );
    expect_err(
        s.delete_folder("f.txt", true, false).await,
        ErrorKind::InvalidPath,
        "delete_folder of a file",
    );
    ok(s.delete("d", true).await, "delete of a folder, missing_ok");
    ok(
        s.delete_folder("f.txt", true, true).await,
        "delete_folder of a file, missing_ok",
    );
    assert_eq!(ok(s.read_bytes("d/x.txt").await, "read"), "x");
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "f");
}

/// The root always exists: a non-recursive `delete_folder` of an empty
/// root succeeds, of a non-empty one fails with `FolderNotEmpty`; a
/// recursive one empties it; the root is still a folder after each.
pub async fn delete_folder_of_the_root(s: Subject) {
    need!(s, Write, Delete, Read);
    ok(s.delete_folder("", false, false).await, "empty root");
    ok(s.write("a.txt", Bytes::from("a"), false).await, "write");
    expect_err(
        s.delete_folder("", false, false).await,
        ErrorKind::FolderNotEmpty,
        "non-empty root",
    );
    assert_eq!(ok(s.read_bytes("a.txt").await, "read"), "a");
    ok(s.delete_folder("", true, false).await, "recursive root");
    assert!(!ok(s.exists("a.txt").await, "exists"));
    assert!(ok(s.is_folder("").await, "is_folder root"));
}

/// Where folders are real ([`Capability::PersistentFolders`]), a file
/// cannot be written where a folder is, nor below a file: `InvalidPath`,
/// whatever `overwrite`, and nothing changes. (Without it, folders are key
/// prefixes and a file and a folder may share a name.)
pub async fn write_onto_folder_or_below_file_refused(s: Subject) {
    need!(s, Write, Read, PersistentFolders);
    ok(
        s.write("d/inner.txt", Bytes::from("i"), false).await,
        "write",
    );
    ok(s.write("f.txt", Bytes::from("f"), false).await, "write");
    for overwrite in [false, true] {
        expect_err(
            s.write("d", Bytes::from("x"), overwrite).await,
            ErrorKind::InvalidPath,
            &format!("write onto a folder (overwrite {overwrite})"),
        );
        expect_err(
            s.write("f.txt/below.txt", Bytes::from("x"), overwrite)
                .await,
            ErrorKind::InvalidPath,
            &format!("write below a file (overwrite {overwrite})"),
        );
    }
    assert!(ok(s.is_folder("d").await, "is_folder"));
    assert_eq!(ok(s.read_bytes("d/inner.txt").await, "read"), "i");
    assert_eq!(ok(s.read_bytes("f.txt").await, "read"), "f");
}

/// Where folders are real, `rename` and `copy` onto a folder fail with
/// `InvalidPath`, whatever `overwrite`, and change nothing.
pub async fn transfer_onto_a_folder_refused(s: Subject) {
    need!(s, Write, Read, PersistentFolders);
    ok(
        s.write("d/inner.txt", Bytes::from("i"), false).await,
        "write",
    );
    ok(s.write("src.txt", Bytes::from("s"), false).await, "write");
    let caps = s.capabilities();
    for overwrite in [false, true] {
        if caps.contains(Capability::Copy) {
            expect_err(
                s.copy("src.txt", "d", overwrite).await,
                ErrorKind::InvalidPath,
                &format!("copy onto a folder (overwrite {overwrite})"),
            );
        }
        if caps.contains(Capability::Move) {
            expect_err(
                s.rename("src.txt", "d", overwrite).await,
                ErrorKind::InvalidPath,
                &format!("rename onto a folder (overwrite {overwrite})"),
            );
        }
    }
    assert_eq!(ok(s.read_bytes("src.txt").await, "read"), "s");
    assert_eq!(ok(s.read_bytes("d/inner.txt").await, "read"), "i");
}
