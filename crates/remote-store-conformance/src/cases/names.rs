//! Names taken literally by folder operations, and error paths that name
//! the operand.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, glob};

use super::{expect_err, ok, paths};
use crate::face::Subject;

/// Folder names that look like each other: a prefix, and pairs where one
/// name holds a character a pattern or query language might read
/// (`_`, `%`, `*`, `?`, `[]`).
const LOOKALIKES: [&str; 12] = [
    "a", "ab", "x_y", "xZy", "p%q", "pZq", "g*", "gX", "h?", "hX", "k[1]", "k1",
];

/// Listings, totals, globs (with the name escaped), child stores and
/// recursive deletes of a folder touch exactly that folder, never one
/// whose name is a prefix of it or matches it as a pattern.
pub async fn names_are_literal_in_folder_operations(s: Subject) {
    need!(s, Write, List);
    for name in LOOKALIKES {
        ok(
            s.write(&format!("{name}/f.txt"), Bytes::from(name), false)
                .await,
            "write",
        );
    }
    let caps = s.capabilities();
    for name in LOOKALIKES {
        let want = [format!("{name}/f.txt")];
        let what = |op: &str| format!("{op}({name:?})");
        assert_eq!(
            paths(&ok(s.list_files(name, false).await, &what("list_files"))),
            want
        );
        if caps.contains(Capability::RecursiveList) {
            let listed = ok(s.list_files(name, true).await, &what("list_files -r"));
            assert_eq!(paths(&listed), want);
        }
        if caps.contains(Capability::Metadata) {
            let info = ok(s.get_folder_info(name).await, &what("get_folder_info"));
            assert_eq!(info.file_count, 1, "{}", what("get_folder_info"));
        }
        if caps.contains(Capability::Glob) {
            let pattern = format!("{}/*", glob::escape(name));
            assert_eq!(paths(&ok(s.glob(&pattern).await, &pattern)), want);
        }
        let child = ok(s.child(name), "child");
        assert_eq!(
            paths(&ok(child.list_files("", false).await, &what("child list"))),
            ["f.txt"]
        );
        if caps.contains(Capability::Glob) {
            assert_eq!(
                paths(&ok(child.glob("*").await, &what("child glob"))),
                ["f.txt"]
            );
        }
    }
    if caps.contains(Capability::Delete) {
        for pair in LOOKALIKES.chunks(2) {
            let (gone, kept) = (pair[0], pair[1]);
            ok(s.delete_folder(gone, true, false).await, "delete_folder");
            assert!(
                !ok(s.exists(&format!("{gone}/f.txt")).await, "exists"),
                "{gone} kept"
            );
            let left = ok(s.read_bytes(&format!("{kept}/f.txt")).await, "read");
            assert_eq!(left, kept, "deleting {gone:?} touched {kept:?}");
        }
    }
}

/// Names holding a character that URLs, HTTP headers or shells read
/// (`?`, `;`, `#`, `%`, `&`, `=`, `+`), each with the name a transfer
/// would land on if the character were read rather than kept (a WebDAV
/// server that decodes `Destination` before parsing it cuts at `?`).
const TRANSFER_NAMES: [(&str, &str); 6] = [
    ("q?x.txt", "q"),
    ("s;t.txt", "s"),
    ("h#1.txt", "h"),
    ("p%3Fc.txt", "p?c.txt"),
    ("a&b=c.txt", "a"),
    ("plus+sign.txt", "plus sign.txt"),
];

/// `copy` and `rename` land on exactly the destination name asked for,
/// and a file at the name a cut or decoded destination would have hit
/// keeps its content, even without `overwrite`.
pub async fn names_are_literal_in_transfers(s: Subject) {
    need!(s, Write, Read);
    let caps = s.capabilities();
    for (op, cap) in [("copy", Capability::Copy), ("rename", Capability::Move)] {
        if !caps.contains(cap) {
            continue;
        }
        for (name, lookalike) in TRANSFER_NAMES {
            let (src, dst) = (format!("{op}-src/{name}"), format!("{op}-dst/{name}"));
            let decoy = format!("{op}-dst/{lookalike}");
            ok(
                s.write(&decoy, Bytes::from_static(b"decoy"), false).await,
                "write decoy",
            );
            ok(
                s.write(&src, Bytes::from(name), false).await,
                "write source",
            );
            let what = format!("{op}({src:?}, {dst:?})");
            match op {
                "copy" => ok(s.copy(&src, &dst, false).await, &what),
                _ => ok(s.rename(&src, &dst, false).await, &what),
            }
            assert_eq!(ok(s.read_bytes(&dst).await, &what), name, "{what}");
            let kept = ok(s.read_bytes(&decoy).await, "read decoy");
            assert_eq!(kept, &b"decoy"[..], "{what} wrote over {decoy:?}");
        }
    }
}

/// Errors name the operand as the caller gave it, relative to the store
/// (here a child store, so the store's root is taken off): the path for
/// `NotFound`, the source of a `rename`/`copy` without one, the
/// destination that exists, the folder that is not empty, the operand of
/// the wrong kind.
pub async fn error_paths_name_the_operand(s: Subject) {
    need!(s, Write);
    let s = ok(s.child("sub/store"), "child");
    ok(s.write("f.txt", Bytes::from("f"), false).await, "write");
    ok(s.write("g.txt", Bytes::from("g"), false).await, "write");
    ok(s.write("d/x.txt", Bytes::from("x"), false).await, "write");
    let caps = s.capabilities();
    let names = |result: remote_store_core::Result<()>, kind, path: &str, what: &str| {
        let e = expect_err(result, kind, what);
        assert_eq!(e.path(), Some(path), "{what}: {e}");
    };
    let missing = ErrorKind::NotFound;
    if caps.contains(Capability::Read) {
        names(
            s.read_bytes("no.txt").await.map(drop),
            missing,
            "no.txt",
            "read_bytes",
        );
        names(
            s.read("d/no.txt").await.map(drop),
            missing,
            "d/no.txt",
            "read",
        );
    }
    if caps.contains(Capability::RangeRead) {
        let r = s.read_range("no.txt", 1, Some(2)).await.map(drop);
        names(r, missing, "no.txt", "read_range");
    }
    if caps.contains(Capability::Metadata) {
        names(
            s.get_file_info("no.txt").await.map(drop),
            missing,
            "no.txt",
            "get_file_info",
        );
    }
    if caps.contains(Capability::Delete) {
        names(s.delete("no.txt", false).await, missing, "no.txt", "delete");
        names(
            s.delete_folder("nod", false, false).await,
            missing,
            "nod",
            "delete_folder",
        );
        let e = ErrorKind::FolderNotEmpty;
        names(
            s.delete_folder("d", false, false).await,
            e,
            "d",
            "delete_folder, not empty",
        );
        let e = ErrorKind::InvalidPath;
        names(s.delete("d", false).await, e, "d", "delete of a folder");
        names(
            s.delete_folder("f.txt", false, false).await,
            e,
            "f.txt",
            "delete_folder of a file",
        );
    }
    for (op, cap) in [("rename", Capability::Move), ("copy", Capability::Copy)] {
        if !caps.contains(cap) {
            continue;
        }
        let call = |src, dst| super::transfer(&s, op, src, dst, false);
        names(call("no.txt", "new.txt").await, missing, "no.txt", op);
        let exists = ErrorKind::AlreadyExists;
        names(
            call("f.txt", "g.txt").await,
            exists,
            "g.txt",
            &format!("{op} onto a file"),
        );
    }
    names(
        s.write("g.txt", Bytes::from("x"), false).await.map(drop),
        ErrorKind::AlreadyExists,
        "g.txt",
        "write",
    );
}
