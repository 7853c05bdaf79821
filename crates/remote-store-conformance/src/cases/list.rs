//! `list_files`, `list_folders`: depth, missing folders, round trips.

use bytes::Bytes;
use remote_store_core::{ErrorKind, ListOptions};

use super::{expect_err, ok, paths};
use crate::face::Subject;

async fn tree(s: &Subject) {
    for p in [
        "a.txt",
        "b.txt",
        "sub/c.txt",
        "sub/deeper/d.txt",
        "other/e.txt",
    ] {
        ok(s.write(p, Bytes::from(p.to_owned()), false).await, "write");
    }
}

/// Non-recursive listings hold only the folder's own files.
pub async fn list_files_direct_only(s: Subject) {
    need!(s, Write, List);
    tree(&s).await;
    assert_eq!(
        paths(&ok(s.list_files("", false).await, "list")),
        ["a.txt", "b.txt"]
    );
    assert_eq!(
        paths(&ok(s.list_files("sub", false).await, "list")),
        ["sub/c.txt"]
    );
    let files = ok(s.list_files("sub/deeper", false).await, "list");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name(), "d.txt");
    assert_eq!(files[0].size, "sub/deeper/d.txt".len() as u64);
}

/// Recursive listings hold every file below the folder.
pub async fn list_files_recursive(s: Subject) {
    need!(s, Write, List, RecursiveList);
    tree(&s).await;
    assert_eq!(
        paths(&ok(s.list_files("", true).await, "list")),
        [
            "a.txt",
            "b.txt",
            "other/e.txt",
            "sub/c.txt",
            "sub/deeper/d.txt"
        ]
    );
    assert_eq!(
        paths(&ok(s.list_files("sub", true).await, "list")),
        ["sub/c.txt", "sub/deeper/d.txt"]
    );
}

/// `list_folders` gives the direct subfolders, as full store paths.
pub async fn list_folders_direct_only(s: Subject) {
    need!(s, Write, List);
    tree(&s).await;
    let mut top: Vec<String> = ok(s.list_folders("").await, "list_folders")
        .iter()
        .map(|p| p.to_string())
        .collect();
    top.sort();
    assert_eq!(top, ["other", "sub"]);
    let nested = ok(s.list_folders("sub").await, "list_folders");
    assert_eq!(nested.len(), 1);
    assert_eq!(nested[0].as_str(), "sub/deeper");
    assert!(ok(s.list_folders("sub/deeper").await, "list_folders").is_empty());
}

/// Listing a folder that does not exist yields nothing (no error).
pub async fn list_missing_folder_is_empty(s: Subject) {
    need!(s, List);
    assert!(ok(s.list_files("nope", false).await, "list_files").is_empty());
    assert!(ok(s.list_folders("nope").await, "list_folders").is_empty());
}

/// Every path a listing returns can be fed back into the store.
pub async fn listed_paths_round_trip(s: Subject) {
    need!(s, Write, Read, List, RecursiveList);
    tree(&s).await;
    for info in ok(s.list_files("", true).await, "list") {
        let content = ok(s.read_bytes(info.path.as_str()).await, "read listed path");
        assert_eq!(content, info.path.as_str(), "content of {}", info.path);
    }
    for folder in ok(s.list_folders("").await, "list_folders") {
        assert!(
            ok(s.is_folder(folder.as_str()).await, "is_folder"),
            "{folder}"
        );
    }
}

/// Entries that sort after a subfolder (`m/c.txt` after `m/b/…`), or
/// between look-alike folders (`b-x`, `b.txt`, `b`, `bb`), are listed: a
/// listing that jumps past a subfolder's keys must land right after them.
pub async fn entries_after_a_subfolder_are_listed(s: Subject) {
    need!(s, Write, List);
    for p in [
        "m/a.txt",
        "m/b-x/q.txt",
        "m/b.txt",
        "m/b/x.txt",
        "m/bb/y.txt",
        "m/c.txt",
        "m/d/z.txt",
        "m/e.txt",
        "0/x.txt",
        "z.txt",
    ] {
        ok(s.write(p, Bytes::from(p.to_owned()), false).await, "write");
    }
    assert_eq!(
        paths(&ok(s.list_files("m", false).await, "list m")),
        ["m/a.txt", "m/b.txt", "m/c.txt", "m/e.txt"]
    );
    let mut folders: Vec<String> = ok(s.list_folders("m").await, "folders m")
        .iter()
        .map(|p| p.to_string())
        .collect();
    folders.sort();
    assert_eq!(folders, ["m/b", "m/b-x", "m/bb", "m/d"]);
    assert_eq!(
        paths(&ok(s.list_files("", false).await, "list root")),
        ["z.txt"]
    );
    let mut top: Vec<String> = ok(s.list_folders("").await, "folders root")
        .iter()
        .map(|p| p.to_string())
        .collect();
    top.sort();
    assert_eq!(top, ["0", "m"]);
}

/// `ListOptions::max_depth` keeps files at most that many levels below the
/// folder, `pattern` those whose relative path matches the glob, alone and
/// together, on the root and on a subfolder; bad values (`max_depth` 0,
/// `max_depth` without `recursive`, a broken or empty glob) are `InvalidArgument`
/// before any I/O.
pub async fn list_files_with_depth_and_pattern(s: Subject) {
    need!(s, Write, List, RecursiveList);
    for p in [
        "top.csv",
        "top.txt",
        "l1/a.csv",
        "l1/b.txt",
        "l1/l2/c.csv",
        "l1/l2/l3/d.csv",
    ] {
        ok(s.write(p, Bytes::from(p.to_owned()), false).await, "write");
    }
    let listed = |options: ListOptions, dir: &'static str| {
        let s = s.clone();
        async move {
            let what = format!("{options:?}");
            paths(&ok(s.list_files_with(dir, options).await, &what))
        }
    };
    let depth = |n| ListOptions::new().max_depth(n);
    assert_eq!(listed(depth(1), "").await, ["top.csv", "top.txt"]);
    assert_eq!(
        listed(depth(2), "").await,
        ["l1/a.csv", "l1/b.txt", "top.csv", "top.txt"]
    );
    assert_eq!(
        listed(depth(2), "l1").await,
        ["l1/a.csv", "l1/b.txt", "l1/l2/c.csv"]
    );
    assert_eq!(
        listed(depth(99), "l1/l2").await,
        ["l1/l2/c.csv", "l1/l2/l3/d.csv"]
    );
    assert_eq!(
        listed(ListOptions::new().pattern("*.csv"), "").await,
        ["top.csv"]
    );
    assert_eq!(
        listed(ListOptions::new().recursive(true).pattern("**/*.csv"), "").await,
        ["l1/a.csv", "l1/l2/c.csv", "l1/l2/l3/d.csv", "top.csv"]
    );
    assert_eq!(
        listed(depth(2).pattern("**/*.csv"), "l1").await,
        ["l1/a.csv", "l1/l2/c.csv"]
    );
    assert_eq!(
        listed(ListOptions::new().recursive(true).pattern("l2/*"), "l1").await,
        ["l1/l2/c.csv"]
    );
    let mut shallow_only = ListOptions::new();
    shallow_only.max_depth = Some(2);
    for (options, what) in [
        (depth(0), "max_depth 0"),
        (shallow_only, "max_depth without recursive"),
        (ListOptions::new().pattern("[unclosed"), "a broken glob"),
        (ListOptions::new().pattern(""), "an empty pattern"),
        (ListOptions::new().pattern("/"), "the pattern '/'"),
        (ListOptions::new().pattern("."), "the pattern '.'"),
    ] {
        expect_err(
            s.list_files_with("", options).await,
            ErrorKind::InvalidArgument,
            what,
        );
    }
}
