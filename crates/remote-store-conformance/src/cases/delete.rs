//! `delete`, `delete_folder`, and what an emptied folder is.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::face::Subject;

/// `delete` removes a file; a missing file is fine only with `missing_ok`.
pub async fn delete_file(s: Subject) {
    need!(s, Write, Delete);
    ok(s.write("d.txt", Bytes::from("x"), false).await, "write");
    ok(s.write("keep.txt", Bytes::from("k"), false).await, "write");
    ok(s.delete("d.txt", false).await, "delete");
    assert!(!ok(s.exists("d.txt").await, "exists"));
    assert!(
        ok(s.exists("keep.txt").await, "exists"),
        "a sibling was removed"
    );
    ok(
        s.delete("d.txt", true).await,
        "delete missing with missing_ok",
    );
    expect_err(
        s.delete("d.txt", false).await,
        ErrorKind::NotFound,
        "delete missing",
    );
}

/// `delete_folder(recursive)` removes everything below, and nothing else.
pub async fn delete_folder_recursive(s: Subject) {
    need!(s, Write, Delete);
    for p in ["t/a", "t/b/c", "t/b/d/e", "tt/keep", "t.txt"] {
        ok(s.write(p, Bytes::from("x"), false).await, "write");
    }
    ok(s.delete_folder("t", true, false).await, "delete_folder");
    assert!(!ok(s.is_folder("t").await, "is_folder"));
    assert!(!ok(s.exists("t/b/d/e").await, "exists"));
    assert!(
        ok(s.is_file("tt/keep").await, "is_file"),
        "a prefix sibling was removed"
    );
    assert!(
        ok(s.is_file("t.txt").await, "is_file"),
        "a name sibling was removed"
    );
}

/// Without `recursive`, a non-empty folder is refused and kept.
pub async fn delete_folder_refuses_non_empty(s: Subject) {
    need!(s, Write, Delete);
    ok(s.write("full/f", Bytes::from("x"), false).await, "write");
    expect_err(
        s.delete_folder("full", false, false).await,
        ErrorKind::FolderNotEmpty,
        "non-recursive delete of a non-empty folder",
    );
    assert!(ok(s.is_file("full/f").await, "is_file"), "data lost");
}

/// A missing folder is fine only with `missing_ok`.
pub async fn delete_folder_missing(s: Subject) {
    need!(s, Delete);
    ok(s.delete_folder("ghost", true, true).await, "missing_ok");
    expect_err(
        s.delete_folder("ghost", true, false).await,
        ErrorKind::NotFound,
        "delete of a missing folder",
    );
}

/// After its last file goes, a folder persists exactly when the backend
/// declares `persistent_folders`; a persistent empty folder can then be
/// deleted without `recursive`.
pub async fn empty_folder_semantics(s: Subject) {
    need!(s, Write, Delete);
    ok(
        s.write("e/only.txt", Bytes::from("x"), false).await,
        "write",
    );
    ok(s.delete("e/only.txt", false).await, "delete");
    let persistent = s.capabilities().contains(Capability::PersistentFolders);
    assert_eq!(
        ok(s.is_folder("e").await, "is_folder"),
        persistent,
        "an emptied folder must persist iff persistent_folders is declared"
    );
    if persistent {
        ok(
            s.delete_folder("e", false, false).await,
            "delete empty folder",
        );
        assert!(!ok(s.is_folder("e").await, "is_folder"));
    }
}
