//! `read`, `read_bytes`, `read_range`.

use remote_store_core::ErrorKind;

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
