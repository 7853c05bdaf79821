//! The store and the backend over their life: an empty root, `close`
//! before anything else, streams dropped half-way, the backend's own root
//! and identity.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind};

use super::{expect_err, ok};
use crate::data;
use crate::face::Subject;

/// A root nothing was written to (the fresh store, and a child store over
/// a folder that does not exist) is an empty folder: it exists, is a
/// folder and not a file, lists nothing and totals nothing.
pub async fn empty_root_is_a_folder(s: Subject) {
    let never_written = ok(s.child("never/written"), "child");
    let caps = s.capabilities();
    for (which, store) in [("fresh store", s.clone()), ("child store", never_written)] {
        for root in ["", "."] {
            let what = |op: &str| format!("{op}({root:?}) of the {which}");
            assert!(ok(store.exists(root).await, &what("exists")));
            assert!(ok(store.is_folder(root).await, &what("is_folder")));
            assert!(!ok(store.is_file(root).await, &what("is_file")));
        }
        if caps.contains(Capability::List) {
            let files = ok(store.list_files("", false).await, "list_files");
            assert!(files.is_empty(), "{which} lists {files:?}");
            let folders = ok(store.list_folders("").await, "list_folders");
            assert!(folders.is_empty(), "{which} lists {folders:?}");
        }
        if caps.contains(Capability::Metadata) {
            let info = ok(store.get_folder_info("").await, "get_folder_info");
            assert_eq!((info.file_count, info.total_size), (0, 0), "{which}");
        }
    }
}

/// A health check of a reachable backend succeeds, on the store and on a
/// child store over a folder that does not exist (it checks the backend,
/// not the folder), and changes nothing.
pub async fn check_health_succeeds(s: Subject) {
    if !s.capabilities().contains(Capability::List) {
        // The default needs `List`; a backend without it must say so.
        let e = s.check_health().await;
        if let Err(e) = e {
            assert_eq!(e.kind(), ErrorKind::CapabilityNotSupported, "{e}");
        }
        return;
    }
    ok(s.check_health().await, "check_health");
    let child = ok(s.child("never/written"), "child");
    ok(child.check_health().await, "check_health of a child");
    let files = ok(s.list_files("", false).await, "list_files");
    assert!(files.is_empty(), "a health check left {files:?}");
    let folders = ok(s.list_folders("").await, "list_folders");
    assert!(folders.is_empty(), "a health check left {folders:?}");
}

/// After `close`, `Closed` comes before every other answer: before the
/// root's refusal as a file, an invalid path, a missing capability, and
/// the root's own answers.
pub async fn closed_refusal_comes_first(s: Subject) {
    ok(s.close().await, "close");
    let closed = ErrorKind::Closed;
    expect_err(s.read_bytes("").await, closed, "read_bytes(root)");
    expect_err(s.write("", Bytes::new(), true).await, closed, "write(root)");
    expect_err(s.exists("").await, closed, "exists(root)");
    expect_err(s.is_file("").await, closed, "is_file(root)");
    expect_err(s.is_folder("").await, closed, "is_folder(root)");
    expect_err(s.get_folder_info("").await, closed, "get_folder_info");
    expect_err(s.read_bytes("../x").await, closed, "an invalid path");
    let undeclared = Capability::ALL
        .into_iter()
        .find(|c| !s.capabilities().contains(*c));
    if undeclared == Some(Capability::Glob) {
        expect_err(s.glob("*").await, closed, "glob, undeclared");
    }
    if undeclared == Some(Capability::Move) {
        expect_err(s.rename("a", "b", true).await, closed, "rename");
    }
}

/// Read streams dropped after their first chunk release what they hold:
/// after 64 of them (enough to exhaust a pool of connections or handles),
/// the file can be deleted, rewritten and read, and the store serves on.
pub async fn abandoned_read_streams_release(s: Subject) {
    need!(s, Write, Read, Delete);
    let content = data::bytes(1 << 20, 9);
    ok(s.write("big.bin", content.clone(), false).await, "write");
    let ranged = s.capabilities().contains(Capability::RangeRead);
    for i in 0..64u64 {
        let range = (ranged && i % 2 == 1).then_some((i * 1000, None));
        let n = ok(s.read_first_chunk("big.bin", range).await, "read");
        assert!(n > 0, "stream {i}: an empty first chunk");
    }
    ok(s.delete("big.bin", false).await, "delete after the drops");
    ok(s.write("big.bin", content.clone(), true).await, "rewrite");
    data::assert_same(
        &ok(s.read_bytes("big.bin").await, "read"),
        &content,
        "big.bin",
    );
    ok(s.write("other.txt", Bytes::from("o"), false).await, "write");
    assert_eq!(ok(s.read_bytes("other.txt").await, "read"), "o");
}

/// A read stream opened before `close` either finishes with the file's
/// exact content or fails with `Closed` or `BackendUnavailable`; it never
/// hangs (the runner's watchdog fails a case that does) and never yields
/// other bytes.
pub async fn read_stream_across_close(s: Subject) {
    need!(s, Write, Read);
    let content = data::bytes(2 << 20, 11);
    ok(s.write("open.bin", content.clone(), false).await, "write");
    let (first, rest) = ok(s.read_across_close("open.bin").await, "read, close");
    assert!(!first.is_empty(), "an empty first chunk");
    data::assert_same(&first, &content[..first.len()], "the first chunk");
    match rest {
        Ok(rest) => data::assert_same(&rest, &content[first.len()..], "the rest after close"),
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::Closed | ErrorKind::BackendUnavailable),
            "the stream failed with {:?} after close: {e}",
            e.kind()
        ),
    }
}

/// The backend's own root, asked of the backend (tools that use
/// `Store::backend()` rely on it): it exists and is a folder, not a file.
pub async fn backend_root_is_a_folder(s: Subject) {
    let [exists, is_file, is_folder] = ok(s.backend_root().await, "backend root");
    assert!(exists, "the backend says its root does not exist");
    assert!(is_folder, "the backend says its root is not a folder");
    assert!(!is_file, "the backend says its root is a file");
}

/// The native form of the root round-trips: through the store (also a
/// child store) and through the backend itself.
pub async fn root_native_path_round_trips(s: Subject) {
    for store in [s.clone(), ok(s.child("sub"), "child")] {
        let native = ok(store.native_path(""), "native_path");
        let back = ok(store.to_key(&native), &format!("to_key({native:?})"));
        assert!(back.is_root(), "{native:?} came back as {back:?}");
    }
    let native = s.backend_native_root();
    let back = ok(s.backend_to_key(&native), &format!("to_key({native:?})"));
    assert!(
        back.is_root(),
        "the backend's {native:?} came back as {back:?}"
    );
}

/// The backend's name is not empty; its storage id, when it has one, is
/// URL-like (`scheme://…`) and never changes; its capabilities never lose
/// one: I/O may only add what a connection confirmed (russh's
/// `AtomicMove`), and `close` changes nothing.
pub async fn backend_identity_is_stable(s: Subject) {
    assert!(!s.name().is_empty(), "an empty backend name");
    let id = s.storage_id();
    if let Some(id) = &id {
        let scheme = id.split_once("://").map(|(scheme, _)| scheme);
        assert!(
            scheme.is_some_and(|s| !s.is_empty()),
            "storage id {id:?} is not URL-like"
        );
    }
    let before = s.capabilities();
    let _ = s.exists("x").await;
    let after = s.capabilities();
    let lost: Vec<_> = before.iter().filter(|c| !after.contains(*c)).collect();
    assert!(lost.is_empty(), "capabilities lost after I/O: {lost:?}");
    assert_eq!(s.storage_id(), id, "the storage id changed after I/O");
    ok(s.close().await, "close");
    assert_eq!(s.capabilities(), after, "capabilities changed on close");
    assert_eq!(s.storage_id(), id, "the storage id changed on close");
}
