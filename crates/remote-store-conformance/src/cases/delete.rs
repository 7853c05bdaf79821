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

/// `delete_batch` answers each path, in order: its files go, a missing file
/// is `NotFound` only without `missing_ok`, a folder named as a file stays
/// (`InvalidPath` without `missing_ok`), a path the rules refuse is its own
/// `InvalidPath`, and none of these stops the others.
pub async fn delete_batch_answers_each_path(s: Subject) {
    need!(s, Write, Delete);
    for p in ["b/1", "b/2", "dir/keep", "other", "last"] {
        ok(s.write(p, Bytes::from("x"), false).await, "write");
    }
    let paths = ["b/1", "ghost", "dir", "../x", "b/2"].map(String::from);
    let answers = ok(s.delete_batch(paths.to_vec(), false).await, "delete_batch");
    assert_eq!(answers.len(), paths.len(), "one answer per path");
    let mut answers = answers.into_iter();
    let mut next = || answers.next().expect("counted above");
    ok(next(), "b/1");
    expect_err(next(), ErrorKind::NotFound, "a missing file");
    expect_err(next(), ErrorKind::InvalidPath, "a folder named as a file");
    expect_err(next(), ErrorKind::InvalidPath, "a path above the root");
    ok(next(), "b/2");
    for gone in ["b/1", "b/2"] {
        assert!(
            !ok(s.exists(gone).await, "exists"),
            "{gone} was not deleted"
        );
    }
    assert!(
        ok(s.is_file("dir/keep").await, "is_file"),
        "a folder's file was deleted"
    );

    let paths = ["ghost", "dir", "other"].map(String::from);
    let answers = ok(s.delete_batch(paths.to_vec(), true).await, "delete_batch");
    assert_eq!(answers.len(), paths.len(), "one answer per path");
    for (path, answer) in paths.iter().zip(answers) {
        ok(answer, path);
    }
    assert!(
        !ok(s.exists("other").await, "exists"),
        "other was not deleted"
    );
    assert!(
        ok(s.is_file("dir/keep").await, "is_file"),
        "a folder's file was deleted"
    );
    assert!(
        ok(s.is_file("last").await, "is_file"),
        "a file not named was deleted"
    );
}

/// A `delete_batch` longer than one bulk request (Azure takes 256 keys, S3
/// 1,000) deletes every file and answers every path.
pub async fn delete_batch_spans_requests(s: Subject) {
    use futures::StreamExt as _;
    need!(s, Write, Delete);
    const FILES: usize = 300;
    let paths: Vec<String> = (0..FILES).map(|i| format!("many/{i:03}")).collect();
    let writes = futures::stream::iter(&paths)
        .map(|p| s.write(p, Bytes::from("x"), false))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    for w in writes {
        ok(w, "write");
    }
    ok(s.write("many_keep", Bytes::from("k"), false).await, "write");
    let answers = ok(s.delete_batch(paths.clone(), true).await, "delete_batch");
    assert_eq!(answers.len(), FILES, "one answer per path");
    for (path, answer) in paths.iter().zip(answers) {
        ok(answer, path);
    }
    // Both sides of each request's edge, on either service.
    for i in [0, 255, 256, FILES - 1] {
        let path = &paths[i];
        assert!(
            !ok(s.exists(path).await, "exists"),
            "{path} was not deleted"
        );
    }
    assert!(
        ok(s.is_file("many_keep").await, "is_file"),
        "a sibling was deleted"
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
