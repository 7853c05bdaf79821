//! `rename` and `copy`.

use bytes::Bytes;
use remote_store_core::ErrorKind;

use super::{expect_err, ok};
use crate::face::Subject;

/// `rename` moves content, removes the source and creates parents.
pub async fn rename_moves(s: Subject) {
    need!(s, Write, Read, Move);
    ok(
        s.write("src.txt", Bytes::from("payload"), false).await,
        "write",
    );
    ok(
        s.rename("src.txt", "moved/to/dst.txt", false).await,
        "rename",
    );
    assert!(
        !ok(s.exists("src.txt").await, "exists"),
        "source still there"
    );
    assert_eq!(
        ok(s.read_bytes("moved/to/dst.txt").await, "read"),
        "payload"
    );
}

/// `rename` onto an existing file: refused without `overwrite` (both
/// files intact), replaced with it.
pub async fn rename_overwrite_flag(s: Subject) {
    need!(s, Write, Read, Move);
    ok(s.write("a", Bytes::from("A"), false).await, "write");
    ok(s.write("b", Bytes::from("B"), false).await, "write");
    expect_err(
        s.rename("a", "b", false).await,
        ErrorKind::AlreadyExists,
        "rename",
    );
    assert_eq!(ok(s.read_bytes("a").await, "read"), "A");
    assert_eq!(ok(s.read_bytes("b").await, "read"), "B");
    ok(s.rename("a", "b", true).await, "rename with overwrite");
    assert_eq!(ok(s.read_bytes("b").await, "read"), "A");
    assert!(!ok(s.exists("a").await, "exists"));
}

/// `rename` of a missing file is `NotFound` and creates nothing.
pub async fn rename_missing_source(s: Subject) {
    need!(s, Move);
    expect_err(
        s.rename("nope", "x", false).await,
        ErrorKind::NotFound,
        "rename",
    );
    assert!(!ok(s.exists("x").await, "exists"));
}

/// `copy` duplicates content and keeps the source.
pub async fn copy_copies(s: Subject) {
    need!(s, Write, Read, Copy);
    let data = crate::data::bytes(70_000, 8);
    ok(s.write("orig.bin", data.clone(), false).await, "write");
    ok(s.copy("orig.bin", "dup/copy.bin", false).await, "copy");
    crate::data::assert_same(
        &ok(s.read_bytes("orig.bin").await, "read"),
        &data,
        "read_bytes orig.bin",
    );
    crate::data::assert_same(
        &ok(s.read_bytes("dup/copy.bin").await, "read"),
        &data,
        "read_bytes dup/copy.bin",
    );
}

/// `copy` onto an existing file: refused without `overwrite`, replaced
/// with it; a missing source is `NotFound`.
pub async fn copy_overwrite_flag(s: Subject) {
    need!(s, Write, Read, Copy);
    ok(s.write("a", Bytes::from("A"), false).await, "write");
    ok(s.write("b", Bytes::from("B"), false).await, "write");
    expect_err(
        s.copy("a", "b", false).await,
        ErrorKind::AlreadyExists,
        "copy",
    );
    assert_eq!(ok(s.read_bytes("b").await, "read"), "B");
    ok(s.copy("a", "b", true).await, "copy with overwrite");
    assert_eq!(ok(s.read_bytes("b").await, "read"), "A");
    expect_err(
        s.copy("nope", "c", false).await,
        ErrorKind::NotFound,
        "copy",
    );
    assert!(!ok(s.exists("c").await, "exists"));
}

/// `rename` and `copy` of a file onto itself change nothing, alike on every
/// backend: `Ok` with `overwrite` (content intact), `AlreadyExists`
/// without, `NotFound` for a missing file. Spelled differently (`./f`,
/// `f/`), it is still the same path.
pub async fn onto_itself_changes_nothing(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("self/f", Bytes::from("same"), false).await, "write");
    for (cap, name) in [
        (remote_store_core::Capability::Move, "rename"),
        (remote_store_core::Capability::Copy, "copy"),
    ] {
        if !s.capabilities().contains(cap) {
            continue;
        }
        let call = |dst: &'static str, overwrite: bool| {
            let s = &s;
            async move {
                if name == "rename" {
                    s.rename("self/f", dst, overwrite).await
                } else {
                    s.copy("self/f", dst, overwrite).await
                }
            }
        };
        ok(call("self/f", true).await, name);
        ok(call("self/./f", true).await, name);
        expect_err(call("self/f", false).await, ErrorKind::AlreadyExists, name);
        assert_eq!(ok(s.read_bytes("self/f").await, "read"), "same", "{name}");
        let missing = if name == "rename" {
            s.rename("self/nope", "self/nope", true).await
        } else {
            s.copy("self/nope", "self/nope", true).await
        };
        expect_err(missing, ErrorKind::NotFound, name);
        assert!(!ok(s.exists("self/nope").await, "exists"));
    }
}
