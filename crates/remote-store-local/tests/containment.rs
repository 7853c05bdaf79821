//! Symbolic links that lead out of the root are refused by every
//! operation, at any depth; links that stay inside work.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use remote_store_core::{ErrorKind, Store};
use remote_store_local::LocalBackend;
use tempfile::TempDir;

struct Setup {
    root: Jailed,
    outside: TempDir,
    store: Store,
}

/// The root, one level inside a folder of its own: what a broken
/// containment writes next to the root lands in that folder, which goes
/// with the test, and never in a shared folder where it would fail later
/// runs.
struct Jailed {
    _jail: TempDir,
    root: PathBuf,
}

impl Jailed {
    fn path(&self) -> &Path {
        &self.root
    }
}

fn setup() -> Setup {
    let jail = tempfile::tempdir().unwrap();
    let root = Jailed {
        root: jail.path().join("root"),
        _jail: jail,
    };
    fs::create_dir(root.path()).unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let store = Store::new(LocalBackend::new(root.path()).unwrap());
    Setup {
        root,
        outside,
        store,
    }
}

#[track_caller]
fn denied<T: std::fmt::Debug>(r: remote_store_core::Result<T>, what: &str) {
    match r {
        Err(e) => assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{what}: {e}"),
        Ok(v) => panic!("{what}: expected PermissionDenied, got Ok({v:?})"),
    }
}

#[test]
fn a_file_link_out_of_the_root_is_refused() {
    let s = setup();
    symlink(
        s.outside.path().join("secret.txt"),
        s.root.path().join("leak.txt"),
    )
    .unwrap();
    let st = &s.store;
    denied(st.read_bytes("leak.txt"), "read_bytes");
    denied(st.read("leak.txt").map(drop), "read");
    denied(
        st.read_range("leak.txt", 0, Some(2)).map(drop),
        "read_range",
    );
    denied(st.get_file_info("leak.txt"), "get_file_info");
    denied(st.write_bytes("leak.txt", "pwned", true), "write");
    denied(
        st.write_atomic("leak.txt", &b"pwned"[..], true),
        "write_atomic",
    );
    denied(st.delete("leak.txt", false), "delete");
    denied(st.copy("leak.txt", "copy.txt", false), "copy from");
    denied(st.rename("leak.txt", "moved.txt", false), "rename from");
    st.write_bytes("mine.txt", "x", false).unwrap();
    denied(st.copy("mine.txt", "leak.txt", true), "copy onto");
    denied(st.rename("mine.txt", "leak.txt", true), "rename onto");
    assert!(!st.is_file("leak.txt").unwrap());
    assert!(!st.exists("leak.txt").unwrap());
    let (listed, refused) = split(st.list_files("", true).unwrap());
    assert_eq!(
        listed,
        ["mine.txt"],
        "the link must not be listed as a file"
    );
    assert_eq!(refused.len(), 1, "the link must be reported, not dropped");
    assert_eq!(refused[0].kind(), ErrorKind::PermissionDenied);
    assert!(
        refused[0].to_string().contains("\"leak.txt\""),
        "{}",
        refused[0]
    );
    // Nothing outside changed, and the link is still there.
    assert_eq!(
        fs::read_to_string(s.outside.path().join("secret.txt")).unwrap(),
        "secret"
    );
    assert!(s.root.path().join("leak.txt").symlink_metadata().is_ok());
}

#[test]
fn a_folder_link_out_of_the_root_is_refused_at_any_depth() {
    let s = setup();
    fs::create_dir_all(s.root.path().join("a/b")).unwrap();
    symlink(s.outside.path(), s.root.path().join("a/b/door")).unwrap();
    let st = &s.store;
    denied(st.read_bytes("a/b/door/secret.txt"), "read through");
    denied(
        st.write_bytes("a/b/door/new.txt", "x", false),
        "write through",
    );
    denied(
        st.write_bytes("a/b/door/deeper/new.txt", "x", false),
        "write deeper through",
    );
    denied(st.list_files("a/b/door", false).map(drop), "list through");
    denied(
        st.list_folders("a/b/door").map(drop),
        "list folders through",
    );
    denied(st.delete("a/b/door/secret.txt", false), "delete through");
    denied(
        st.delete_folder("a/b/door", true, false),
        "delete_folder of the link",
    );
    assert!(!st.is_folder("a/b/door").unwrap());
    assert!(
        !s.outside.path().join("new.txt").exists(),
        "a write escaped"
    );
    assert!(
        !s.outside.path().join("deeper").exists(),
        "a folder was created outside"
    );
    let (all, _) = split(st.glob("**/*.txt").unwrap());
    assert!(all.is_empty(), "glob leaked {all:?}");
    let folders: Vec<_> = st.list_folders("a/b").unwrap().collect();
    assert_eq!(folders.len(), 1, "the link must be reported once");
    let err = folders[0]
        .as_ref()
        .expect_err("the link was listed as a folder");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.path(), Some("a/b"));
    assert_eq!(
        fs::read_to_string(s.outside.path().join("secret.txt")).unwrap(),
        "secret"
    );
}

#[test]
fn a_root_level_dot_dot_link_is_refused() {
    let s = setup();
    symlink("..", s.root.path().join("up")).unwrap();
    denied(s.store.list_files("up", false).map(drop), "list ..");
    denied(
        s.store.write_bytes("up/escaped.txt", "x", false),
        "write ..",
    );
    assert!(!s.root.path().parent().unwrap().join("escaped.txt").exists());
}

#[test]
fn links_inside_the_root_are_followed() {
    let s = setup();
    let st = &s.store;
    st.write_bytes("real/f.txt", "inside", false).unwrap();
    symlink(s.root.path().join("real"), s.root.path().join("alias")).unwrap();
    symlink("real/f.txt", s.root.path().join("f-link")).unwrap();
    assert_eq!(st.read_bytes("alias/f.txt").unwrap(), "inside");
    assert_eq!(st.read_bytes("f-link").unwrap(), "inside");
    assert!(st.is_folder("alias").unwrap());
    let mut folders: Vec<_> = st
        .list_folders("")
        .unwrap()
        .map(|p| p.unwrap().to_string())
        .collect();
    folders.sort();
    assert_eq!(folders, ["alias", "real"]);
    // Recursive listings do not descend through links (no cycles).
    let mut files: Vec<_> = st
        .list_files("", true)
        .unwrap()
        .map(|f| f.unwrap().path.to_string())
        .collect();
    files.sort();
    assert_eq!(files, ["f-link", "real/f.txt"]);
    // Deleting a link removes the link, not its target.
    st.delete("f-link", false).unwrap();
    st.delete_folder("alias", true, false).unwrap();
    assert_eq!(st.read_bytes("real/f.txt").unwrap(), "inside");
}

#[test]
fn a_root_reached_through_a_link_works() {
    let s = setup();
    let link = s.outside.path().join("root-link");
    symlink(s.root.path(), &link).unwrap();
    let store = Store::new(LocalBackend::new(&link).unwrap());
    store.write_bytes("x/y.txt", "ok", false).unwrap();
    assert_eq!(
        fs::read_to_string(s.root.path().join("x/y.txt")).unwrap(),
        "ok"
    );
    let native = link.join("x/y.txt");
    assert_eq!(
        store.to_key(native.to_str().unwrap()).unwrap().as_str(),
        "x/y.txt"
    );
}

#[test]
fn native_paths_are_absolute_and_round_trip() {
    let s = setup();
    let native = s.store.native_path("a/b.txt").unwrap();
    assert!(std::path::Path::new(&native).is_absolute());
    assert_eq!(s.store.to_key(&native).unwrap().as_str(), "a/b.txt");
    let err = s.store.to_key("/etc/passwd").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPath);
}

#[test]
fn a_missing_or_file_root_is_invalid_config() {
    let s = setup();
    let err = LocalBackend::new(s.root.path().join("missing")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("missing"), "{err}");
    let err = LocalBackend::new(s.outside.path().join("secret.txt")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
}

/// The paths a listing yields, and its error items.
fn split(
    items: impl Iterator<Item = remote_store_core::Result<remote_store_core::FileInfo>>,
) -> (Vec<String>, Vec<remote_store_core::Error>) {
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            Ok(info) => ok.push(info.path.to_string()),
            Err(e) => refused.push(e),
        }
    }
    (ok, refused)
}
