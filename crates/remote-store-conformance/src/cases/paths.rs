//! Path handling through the store: names, normalization, bad input,
//! the root, child stores and native paths.

use bytes::Bytes;
use remote_store_core::ErrorKind;

use super::{expect_err, ok, paths};
use crate::face::Subject;

const NAMES: [&str; 5] = [
    "with space.txt",
    "dossier été/ファイル 1.txt",
    "emoji 🎉/party.bin",
    "semi;colon,comma=eq+plus.txt",
    "percent%20not-decoded #hash.txt",
];

/// Unicode, spaces and punctuation survive writes, reads and listings.
pub async fn unicode_and_spaces_in_names(s: Subject) {
    need!(s, Write, Read, List, RecursiveList);
    for name in NAMES {
        ok(s.write(name, Bytes::from(name), false).await, name);
    }
    for name in NAMES {
        assert_eq!(ok(s.read_bytes(name).await, name), name);
    }
    let mut want: Vec<&str> = NAMES.to_vec();
    want.sort();
    assert_eq!(paths(&ok(s.list_files("", true).await, "list")), want);
}

/// Different spellings of one path reach the same file.
pub async fn paths_are_normalized(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write("n//a/./b.txt", Bytes::from("same"), false).await,
        "write",
    );
    for spelling in ["n/a/b.txt", "/n/a/b.txt/", r"n\a\b.txt", "./n/a//b.txt"] {
        assert_eq!(ok(s.read_bytes(spelling).await, spelling), "same");
    }
}

fn bad_paths() -> Vec<(String, &'static str)> {
    vec![
        ("../escape.txt".into(), "'..' at the start"),
        ("a/../../escape.txt".into(), "'..' inside"),
        ("a/..".into(), "'..' at the end"),
        ("nul\0byte".into(), "NUL"),
        ("bell\x07char".into(), "control character"),
        ("tab\there".into(), "tab"),
        ("del\x7fchar".into(), "DEL"),
        ("x".repeat(256), "segment over 255 bytes"),
        (["y"; 600].join("/"), "path over 1024 bytes"),
    ]
}

/// Every invalid path is refused with `InvalidPath` by every operation,
/// and stored data is left untouched.
pub async fn invalid_paths_rejected(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write("sentinel.txt", Bytes::from("safe"), false).await,
        "write",
    );
    for (bad, why) in bad_paths() {
        let bad = bad.as_str();
        expect_err(
            s.write(bad, Bytes::from("x"), true).await,
            ErrorKind::InvalidPath,
            why,
        );
        expect_err(s.read_bytes(bad).await, ErrorKind::InvalidPath, why);
        // The message names the path as given (control characters
        // escaped), never a normalized other path; at the backend's root
        // too, where the store's path rewriting applies.
        let top = s.at_backend_root();
        let e = expect_err(top.read_bytes(bad).await, ErrorKind::InvalidPath, why);
        if let Some(c) = bad.chars().find(|c| c.is_control()) {
            let shown = e.to_string();
            assert!(
                shown.contains(&c.escape_debug().to_string()),
                "{why}: the message should show {:?} escaped: {shown}",
                c
            );
        }
        expect_err(s.exists(bad).await, ErrorKind::InvalidPath, why);
        if s.capabilities()
            .contains(remote_store_core::Capability::Delete)
        {
            expect_err(s.delete(bad, true).await, ErrorKind::InvalidPath, why);
            expect_err(
                s.delete_folder(bad, true, true).await,
                ErrorKind::InvalidPath,
                why,
            );
        }
        if s.capabilities()
            .contains(remote_store_core::Capability::List)
        {
            expect_err(s.list_files(bad, false).await, ErrorKind::InvalidPath, why);
        }
        if s.capabilities()
            .contains(remote_store_core::Capability::Move)
        {
            expect_err(
                s.rename("sentinel.txt", bad, true).await,
                ErrorKind::InvalidPath,
                why,
            );
        }
    }
    assert_eq!(ok(s.read_bytes("sentinel.txt").await, "read"), "safe");
}

/// File operations on the root are `InvalidPath`; folder ones work.
pub async fn file_ops_on_root_rejected(s: Subject) {
    need!(s, Write, Read);
    ok(s.write("kept.txt", Bytes::from("k"), false).await, "write");
    for root in ["", "/", ".", "./"] {
        expect_err(
            s.write(root, Bytes::from("x"), true).await,
            ErrorKind::InvalidPath,
            root,
        );
        expect_err(s.read_bytes(root).await, ErrorKind::InvalidPath, root);
        expect_err(s.read(root).await, ErrorKind::InvalidPath, root);
        if s.capabilities()
            .contains(remote_store_core::Capability::Delete)
        {
            expect_err(s.delete(root, true).await, ErrorKind::InvalidPath, root);
        }
        assert!(
            ok(s.is_folder(root).await, "is_folder"),
            "the root is a folder"
        );
        assert!(
            !ok(s.is_file(root).await, "is_file"),
            "the root is not a file"
        );
    }
    assert_eq!(ok(s.read_bytes("kept.txt").await, "read"), "k");
}

/// A child store sees only its folder, returns paths relative to it, and
/// cannot climb out.
pub async fn child_store_is_scoped(s: Subject) {
    need!(s, Write, Read, List);
    ok(s.write("c/in.txt", Bytes::from("in"), false).await, "write");
    ok(s.write("out.txt", Bytes::from("out"), false).await, "write");
    let child = ok(s.child("c"), "child");
    assert_eq!(ok(child.read_bytes("in.txt").await, "read"), "in");
    assert_eq!(
        paths(&ok(child.list_files("", false).await, "list")),
        ["in.txt"]
    );
    expect_err(
        child.read_bytes("../out.txt").await,
        ErrorKind::InvalidPath,
        "escape",
    );
    ok(
        child.write("new.txt", Bytes::from("n"), false).await,
        "write",
    );
    assert_eq!(ok(s.read_bytes("c/new.txt").await, "read"), "n");
}

/// `native_path` and `to_key` round-trip, and a native path outside the
/// store is refused.
pub async fn native_paths_round_trip(s: Subject) {
    need!(s, Write);
    ok(s.write("k/a.txt", Bytes::from("x"), false).await, "write");
    let native = ok(s.native_path("k/a.txt"), "native_path");
    assert_eq!(ok(s.to_key(&native), "to_key").as_str(), "k/a.txt");
    let inner = ok(s.child("inner"), "child");
    expect_err(
        inner.to_key(&native),
        ErrorKind::InvalidPath,
        "outside the store",
    );
}

/// Random names (any printable character but the separators, Unicode
/// included, up to three segments) round-trip: each file written reads
/// back, and a recursive listing returns exactly the paths written, byte
/// for byte. A name the backend cannot hold must be refused with
/// `InvalidPath`, never stored under another name.
/// (`RS_CONFORMANCE_MODEL_CASES` halved sets of up to six names, default 8.)
pub async fn random_names_round_trip(s: Subject) {
    use proptest::prelude::*;

    need!(s, Write, Read, List, RecursiveList);
    let names = || {
        let segment = "[^/\\\\\\p{Cc}]{1,12}".prop_filter("not . or ..", |s| s != "." && s != "..");
        let path = prop::collection::vec(segment, 1..4).prop_map(|parts| parts.join("/"));
        prop::collection::btree_set(path, 1..7).prop_filter(
            "no file where another's folder is",
            |set| {
                set.iter()
                    .all(|a| set.iter().all(|b| !b.starts_with(&format!("{a}/"))))
            },
        )
    };
    let check = |store: Subject, names: std::collections::BTreeSet<String>| async move {
        let mut written = Vec::new();
        for name in &names {
            match store.write(name, Bytes::from(name.clone()), false).await {
                Ok(_) => written.push(name.clone()),
                Err(e) if e.kind() == ErrorKind::InvalidPath => {}
                Err(e) => return Err(format!("write {name:?}: {e}")),
            }
        }
        for name in &written {
            match store.read_bytes(name).await {
                Ok(got) if got == name.as_bytes() => {}
                other => return Err(format!("read {name:?}: {other:?}")),
            }
        }
        let listed = match store.list_files("", true).await {
            Ok(files) => paths(&files),
            Err(e) => return Err(format!("list: {e}")),
        };
        if listed != written {
            return Err(format!("wrote {written:?}, listed {listed:?}"));
        }
        Ok(())
    };
    super::property::run(&s, "names", names, super::property::cases(2), 64, check).await;
}
