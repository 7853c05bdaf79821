//! `read`, `read_bytes`, `read_range`, `read_with_info`.

use remote_store_core::{Capability, ErrorKind, ReadOptions};

use super::{expect_err, ok};
use crate::data::bytes;
use crate::face::Subject;

/// Reading a missing file is `NotFound`, through every read method.
pub async fn read_missing_is_not_found(s: Subject) {
    need!(s, Read);
    expect_err(s.read("nope.txt").await, ErrorKind::NotFound, "read");
    expect_err(
        s.read_bytes("nope.txt").await,
        ErrorKind::NotFound,
        "read_bytes",
    );
    expect_err(
        s.read_bytes("no/such/folder/f").await,
        ErrorKind::NotFound,
        "read_bytes in a missing folder",
    );
}

/// `read_range`: inner ranges, ranges cut at the end, open-ended ranges,
/// offsets past the end, and a missing file.
pub async fn read_range_contract(s: Subject) {
    need!(s, Write, Read, RangeRead);
    let data = bytes(1000, 6);
    ok(s.write("r.bin", data.clone(), false).await, "write");
    let cases: [(u64, Option<u64>, &[u8]); 7] = [
        (0, Some(10), &data[..10]),
        (10, Some(20), &data[10..30]),
        (990, Some(100), &data[990..]),
        (500, None, &data[500..]),
        (0, None, &data[..]),
        (1000, Some(5), &[]),
        (5000, None, &[]),
    ];
    for (offset, len, want) in cases {
        let got = ok(s.read_range("r.bin", offset, len).await, "read_range");
        crate::data::assert_same(&got, want, &format!("read_range({offset}, {len:?})"));
    }
    ok(s.write("zero", bytes::Bytes::new(), false).await, "write");
    assert!(ok(s.read_range("zero", 0, Some(1)).await, "read_range").is_empty());
    expect_err(
        s.read_range("nope", 0, Some(1)).await,
        ErrorKind::NotFound,
        "read_range of a missing file",
    );
}

/// One-byte ranges (the first, a middle and the last byte), where a range
/// header's end is `0` or equals its start.
pub async fn read_range_single_bytes(s: Subject) {
    need!(s, Write, Read, RangeRead);
    let data = bytes(10, 3);
    ok(s.write("one.bin", data.clone(), false).await, "write");
    for offset in [0u64, 4, 9] {
        let got = ok(s.read_range("one.bin", offset, Some(1)).await, "read_range");
        let at = offset as usize;
        crate::data::assert_same(&got, &data[at..=at], &format!("read_range({offset}, 1)"));
    }
}

/// `read_range` at the extremes of `u64`: offsets past the end read
/// nothing however far (past `i64::MAX` too, where seeks overflow), and
/// lengths up to `u64::MAX` are cut at the end without overflowing.
pub async fn read_range_extremes(s: Subject) {
    need!(s, Write, Read, RangeRead);
    let data = bytes(100, 9);
    ok(s.write("x.bin", data.clone(), false).await, "write");
    let far = [
        100,
        101,
        i64::MAX as u64 - 1,
        i64::MAX as u64,
        i64::MAX as u64 + 1,
        u64::MAX - 1,
        u64::MAX,
    ];
    for offset in far {
        for len in [None, Some(0), Some(1), Some(u64::MAX)] {
            let got = ok(s.read_range("x.bin", offset, len).await, "read_range");
            assert!(
                got.is_empty(),
                "read_range({offset}, {len:?}): {} bytes",
                got.len()
            );
        }
    }
    for (offset, len) in [
        (0, u64::MAX),
        (1, u64::MAX),
        (99, u64::MAX - 98),
        (50, i64::MAX as u64),
    ] {
        let got = ok(s.read_range("x.bin", offset, Some(len)).await, "read_range");
        let what = format!("read_range({offset}, {len})");
        crate::data::assert_same(&got, &data[offset as usize..], &what);
    }
}

/// `read_with_info`: the metadata is `get_file_info`'s, of the whole file
/// whatever the range, and it describes the bytes the stream carries,
/// also when the file is replaced (by content of another size) once the
/// read is open: the stream then carries the old content, or fails with
/// `PreconditionFailed`, never the new content under the old metadata.
/// A missing file is `NotFound`, a folder `InvalidPath`.
pub async fn read_with_info_describes_the_bytes(s: Subject) {
    need!(s, Write, Read, Metadata);
    let data = bytes(3000, 11);
    ok(s.write("d/info.bin", data.clone(), false).await, "write");
    let stat = ok(s.get_file_info("d/info.bin").await, "get_file_info");

    let (info, got) = ok(
        s.read_with_info("d/info.bin", ReadOptions::new(), None)
            .await,
        "read_with_info",
    );
    crate::data::assert_same(&ok(got, "the stream"), &data, "read_with_info");
    assert_eq!(info.path.as_str(), "d/info.bin", "the store's path");
    assert_eq!(
        (info.size, &info.etag, info.modified),
        (stat.size, &stat.etag, stat.modified),
        "read_with_info's metadata is get_file_info's"
    );

    if s.capabilities().contains(Capability::RangeRead) {
        let range = ReadOptions::new().range(1000, Some(500));
        let (info, got) = ok(
            s.read_with_info("d/info.bin", range, None).await,
            "read_with_info of a range",
        );
        assert_eq!(info.size, 3000, "the metadata is of the whole file");
        crate::data::assert_same(&ok(got, "the stream"), &data[1000..1500], "the range");
    }

    // Replaced once open: old bytes with the old metadata, or an error.
    let replacement = bytes(5000, 12);
    let (info, got) = ok(
        s.read_with_info("d/info.bin", ReadOptions::new(), Some(replacement))
            .await,
        "read_with_info, then a replace",
    );
    assert_eq!(info.size, 3000, "the metadata of the version opened");
    match got {
        Ok(got) => crate::data::assert_same(&got, &data, "the version the metadata describes"),
        Err(e) => assert_eq!(
            e.kind(),
            ErrorKind::PreconditionFailed,
            "a replaced file fails the stream as PreconditionFailed: {e}"
        ),
    }

    expect_err(
        s.read_with_info("d/nope", ReadOptions::new(), None).await,
        ErrorKind::NotFound,
        "read_with_info of a missing file",
    );
    expect_err(
        s.read_with_info("d", ReadOptions::new(), None).await,
        ErrorKind::InvalidPath,
        "read_with_info of a folder",
    );
}

/// `read_with_info` with the caller's `if_match`: the version with that
/// etag, or `PreconditionFailed` once it was replaced (never retried).
pub async fn read_with_info_keeps_the_callers_condition(s: Subject) {
    need!(s, Write, Read, Metadata, ConditionalRead);
    let old = ok(s.write("c.bin", bytes(100, 1), false).await, "write");
    let Some(etag) = old.etag else {
        panic!("a write on a store with ConditionalRead reports an etag");
    };
    let (info, got) = ok(
        s.read_with_info("c.bin", ReadOptions::new().if_match(&etag), None)
            .await,
        "read_with_info if_match the current etag",
    );
    assert_eq!(info.etag.as_deref(), Some(etag.as_str()));
    crate::data::assert_same(&ok(got, "the stream"), &bytes(100, 1), "if_match");
    ok(s.write("c.bin", bytes(200, 2), true).await, "replace");
    expect_err(
        s.read_with_info("c.bin", ReadOptions::new().if_match(&etag), None)
            .await
            .and_then(|(_, got)| got),
        ErrorKind::PreconditionFailed,
        "read_with_info if_match a replaced version",
    );
}
