//! Seekable readers (`open_seekable`): any seek reads the right bytes, and
//! a reader pinned to a version never mixes two.

use std::io::SeekFrom;

use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::data::{self, assert_same};
use crate::face::Subject;

/// Seeks from the start, the end and the current position, within a
/// window and far outside it, sequential reads across many windows, and
/// reads at and past the end all give exactly the file's bytes.
pub async fn seekable_reads_any_range(s: Subject) {
    need!(s, Write, Read, RangeRead, Metadata);
    let len = 3 * 1024 * 1024 + 11;
    let content = data::bytes(len, 41);
    ok(s.write("seek.bin", content.clone(), false).await, "write");
    let mib: usize = 1024 * 1024;
    let reads = vec![
        (SeekFrom::Start(0), 10),
        (SeekFrom::Start(len as u64 - 5), 100),
        (SeekFrom::End(-1000), 1000),
        (SeekFrom::Current(-500), 10),
        (SeekFrom::Start(7), 3),
        (SeekFrom::Start(mib as u64), 2 * mib),
        (SeekFrom::Current(0), 17),
        (SeekFrom::Start(len as u64 + 10), 5),
        (SeekFrom::End(0), 5),
    ];
    let expected: Vec<std::ops::Range<usize>> = vec![
        0..10,
        len - 5..len,
        len - 1000..len,
        len - 500..len - 490,
        7..10,
        mib..3 * mib,
        3 * mib..3 * mib + 11,
        len..len,
        len..len,
    ];
    let (_, got) = ok(s.seek_reads("seek.bin", reads).await, "seek reads");
    for (i, (got, want)) in got.iter().zip(expected).enumerate() {
        assert_same(got, &content[want.clone()], &format!("read {i} ({want:?})"));
    }
    let before = s.seek_reads("seek.bin", vec![(SeekFrom::End(-(len as i64) - 1), 1)]);
    let err = expect_err(
        before.await,
        ErrorKind::InvalidArgument,
        "a seek before the start",
    );
    assert!(err.to_string().contains("before the start"), "{err}");
}

/// A reader opened on one version and read after the file was replaced
/// fails with `PreconditionFailed` where the backend declares conditional
/// reads (it is pinned); it never serves bytes of the new version as if
/// they were the old one's.
pub async fn seekable_reader_is_pinned(s: Subject) {
    need!(s, Write, Read, RangeRead, Metadata);
    let len = 2 * 1024 * 1024;
    ok(
        s.write("pinned.bin", data::bytes(len, 42), false).await,
        "write",
    );
    let replacement = data::bytes(len, 43);
    let far = (len - 10) as u64;
    let (pinned, last) = ok(
        s.seek_across_replace("pinned.bin", 100, replacement, far)
            .await,
        "seek across a replace",
    );
    let declared = s.capabilities().contains(Capability::ConditionalRead);
    assert_eq!(pinned, declared, "is_pinned and ConditionalRead disagree");
    if pinned {
        expect_err(
            last,
            ErrorKind::PreconditionFailed,
            "a read after a replace",
        );
    }
}
