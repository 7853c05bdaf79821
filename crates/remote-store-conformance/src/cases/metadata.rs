//! `exists`, `is_file`, `is_folder`, `get_file_info`, `get_folder_info`.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use remote_store_core::ErrorKind;

use super::{expect_err, ok};
use crate::face::Subject;

/// The three existence queries agree, and the root is a folder.
pub async fn exists_is_file_is_folder(s: Subject) {
    need!(s, Write);
    ok(
        s.write("q/file.txt", Bytes::from("x"), false).await,
        "write",
    );
    let cases = [
        ("q/file.txt", true, true, false),
        ("q", true, false, true),
        ("", true, false, true),
        ("missing", false, false, false),
        ("q/file.txt/below", false, false, false),
    ];
    for (path, exists, file, folder) in cases {
        assert_eq!(
            ok(s.exists(path).await, "exists"),
            exists,
            "exists({path:?})"
        );
        assert_eq!(
            ok(s.is_file(path).await, "is_file"),
            file,
            "is_file({path:?})"
        );
        assert_eq!(
            ok(s.is_folder(path).await, "is_folder"),
            folder,
            "is_folder({path:?})"
        );
    }
}

/// `get_file_info` reports path, name and size, and a plausible mtime.
pub async fn file_info_fields(s: Subject) {
    need!(s, Write, Metadata);
    let before = SystemTime::now() - Duration::from_secs(300);
    ok(
        s.write("m/info.csv", Bytes::from("1,2,3"), false).await,
        "write",
    );
    let info = ok(s.get_file_info("m/info.csv").await, "get_file_info");
    assert_eq!(info.path.as_str(), "m/info.csv");
    assert_eq!(info.name(), "info.csv");
    assert_eq!(info.size, 5);
    if let Some(modified) = info.modified {
        let after = SystemTime::now() + Duration::from_secs(300);
        assert!(modified > before && modified < after, "mtime {modified:?}");
    }
}

/// `get_file_info` of a missing file is `NotFound`; of a folder,
/// `InvalidPath` (the wrong kind of operand, ADR-0012).
pub async fn file_info_missing(s: Subject) {
    need!(s, Write, Metadata);
    expect_err(
        s.get_file_info("nope").await,
        ErrorKind::NotFound,
        "missing",
    );
    ok(s.write("dir/f", Bytes::from("x"), false).await, "write");
    // A folder is the wrong kind of operand (ADR-0012).
    expect_err(
        s.get_file_info("dir").await,
        ErrorKind::InvalidPath,
        "a folder",
    );
}

/// `get_folder_info` counts and sums every file below the folder.
pub async fn folder_info_totals(s: Subject) {
    need!(s, Write, Metadata);
    for (p, n) in [
        ("f/a", 10),
        ("f/sub/b", 20),
        ("f/sub/deep/c", 30),
        ("g/x", 7),
    ] {
        ok(s.write(p, Bytes::from(vec![b'x'; n]), false).await, "write");
    }
    let info = ok(s.get_folder_info("f").await, "get_folder_info");
    assert_eq!(info.path.as_str(), "f");
    assert_eq!((info.file_count, info.total_size), (3, 60));
    let root = ok(s.get_folder_info("").await, "get_folder_info of the root");
    assert_eq!((root.file_count, root.total_size), (4, 67));
    expect_err(
        s.get_folder_info("nope").await,
        ErrorKind::NotFound,
        "missing",
    );
}
