//! Trees from the wild, made directly on disk under a backend's base: names
//! the path rules refuse, special files, and symbolic links (inside, out of
//! the base, dangling, a cycle). Run on every backend whose storage the
//! test can shape by hand: local, and both SFTP engines (the test sshd
//! serves a local folder); each through both faces.
//!
//! The rules (ADR-0010 and the links rules of the local and SFTP
//! backends): a listing never drops an entry silently and never fails
//! whole for one, never follows a link into a folder, and never turns two
//! stored names into one path; a link leading out is refused; removing a
//! link removes only the link; a recursive delete removes everything.

use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use remote_store::{AsyncStore, ErrorKind, Store};

use crate::services::var;

/// Makes the tree under `dir` (created) and a secret outside it.
fn plant(dir: &Path, outside: &Path) {
    use std::os::unix::ffi::OsStrExt;
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::write(dir.join("ok.txt"), "ok").unwrap();
    std::fs::write(dir.join("sub/x.txt"), "x").unwrap();
    std::fs::write(dir.join("back\\slash.txt"), "b").unwrap();
    std::fs::write(dir.join("tab\there.txt"), "t").unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"bad\xff.txt");
    std::fs::write(dir.join(bad), "n").unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket")).unwrap();
    symlink("sub", dir.join("inlink")).unwrap();
    symlink("ok.txt", dir.join("filelink")).unwrap();
    symlink(outside, dir.join("outlink")).unwrap();
    symlink(outside.join("secret.txt"), dir.join("outfile")).unwrap();
    symlink("nowhere", dir.join("dangling")).unwrap();
    symlink(".", dir.join("sub/cycle")).unwrap();
}

/// What the recursive listing of the planted tree must give: these
/// files, and one error item of each kind per refused entry.
const FILES: [&str; 3] = ["filelink", "ok.txt", "sub/x.txt"];
const REFUSED: [(&str, ErrorKind); 7] = [
    ("back\\\\slash.txt", ErrorKind::InvalidPath),
    ("tab\\there.txt", ErrorKind::InvalidPath),
    // Shown as `bad\xFF.txt`, or `bad\u{fffd}.txt` where decoded lossily.
    ("bad", ErrorKind::InvalidPath),
    ("socket", ErrorKind::Other),
    ("outlink", ErrorKind::PermissionDenied),
    ("outfile", ErrorKind::PermissionDenied),
    ("dangling", ErrorKind::NotFound),
];

struct Case {
    /// The planted folder on disk.
    disk: PathBuf,
    /// Its name below the store root.
    name: String,
    _tmp: Option<tempfile::TempDir>,
    outside: tempfile::TempDir,
}

/// How an engine sees names that are not UTF-8.
#[derive(PartialEq, Clone, Copy)]
enum Names {
    /// As bytes: it can remove them.
    Raw,
    /// Decoded lossily (russh-sftp): it reports them but cannot address
    /// them, so a recursive delete stops with an error naming one.
    Lossy,
}

impl Case {
    fn remove_bad_name(&self) {
        use std::os::unix::ffi::OsStrExt;
        std::fs::remove_file(self.disk.join(std::ffi::OsStr::from_bytes(b"bad\xff.txt"))).unwrap();
    }
}

fn case(base: &Path) -> Case {
    let name = crate::faults::unique("wild");
    let disk = base.join(&name);
    let outside = tempfile::tempdir().unwrap();
    plant(&disk, outside.path());
    Case {
        disk,
        name,
        _tmp: None,
        outside,
    }
}

fn check_listing(items: Vec<remote_store::Result<String>>) {
    let mut files = BTreeSet::new();
    let mut refused = Vec::new();
    for item in items {
        match item {
            Ok(path) => {
                files.insert(path);
            }
            Err(e) => refused.push(e),
        }
    }
    let want: BTreeSet<String> = FILES.iter().map(|f| f.to_string()).collect();
    assert_eq!(files, want, "listed files");
    for (name, kind) in REFUSED {
        let hits: Vec<_> = refused
            .iter()
            .filter(|e| e.to_string().contains(&format!("entry \"{name}")))
            .collect();
        assert_eq!(hits.len(), 1, "{name} must be reported once: {refused:#?}");
        assert_eq!(hits[0].kind(), kind, "{name}: {}", hits[0]);
    }
    assert_eq!(refused.len(), REFUSED.len(), "{refused:#?}");
}

fn relative(path: &str, name: &str) -> String {
    path.strip_prefix(name)
        .map(|p| p.trim_start_matches('/').to_owned())
        .unwrap_or_else(|| path.to_owned())
}

fn sync_rules(store: Store, c: &Case, engine: Names) {
    let items = store
        .list_files(&c.name, true)
        .unwrap()
        .map(|f| f.map(|f| relative(f.path.as_str(), &c.name)))
        .collect();
    check_listing(items);
    // Totals never leave out what cannot be listed, at a store's root
    // either (where it once read as an empty folder).
    let e = store.get_folder_info(&c.name).unwrap_err();
    assert!(e.is_unlisted(), "{e}");
    let e = store
        .child(&c.name)
        .unwrap()
        .get_folder_info("")
        .unwrap_err();
    assert!(e.is_unlisted(), "{e}");
    let folders: Vec<_> = store
        .list_folders(&c.name)
        .unwrap()
        .filter_map(Result::ok)
        .map(|p| relative(p.as_str(), &c.name))
        .collect();
    let folders: BTreeSet<_> = folders.into_iter().collect();
    assert_eq!(
        folders,
        BTreeSet::from(["inlink".to_owned(), "sub".to_owned()])
    );
    let err = store
        .read_bytes(format!("{}/outlink/secret.txt", c.name))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let err = store.read_bytes(format!("{}/outfile", c.name)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    // As on the local backend, what leads out reads as absent.
    for out in ["outfile", "outlink", "outlink/secret.txt"] {
        assert!(!store.exists(format!("{}/{out}", c.name)).unwrap(), "{out}");
        assert!(
            !store.is_file(format!("{}/{out}", c.name)).unwrap(),
            "{out}"
        );
    }
    store
        .write_bytes(format!("{}/outlink/new.txt", c.name), "x", true)
        .unwrap_err();
    assert!(
        !c.outside.path().join("new.txt").exists(),
        "a write escaped"
    );
    // Removing a link to a folder removes the link, not the target's files.
    store
        .delete_folder(format!("{}/inlink", c.name), true, false)
        .unwrap();
    assert!(c.disk.join("sub/x.txt").exists(), "the target's files went");
    assert!(c.disk.join("inlink").symlink_metadata().is_err());
    // A recursive delete removes everything, odd names included, and
    // nothing outside.
    if engine == Names::Lossy {
        let e = store.delete_folder(&c.name, true, false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidPath, "{e}");
        c.remove_bad_name();
    }
    store.delete_folder(&c.name, true, false).unwrap();
    assert!(
        !c.disk.exists(),
        "left behind: {:?}",
        std::fs::read_dir(&c.disk).map(|d| d.count())
    );
    assert!(c.outside.path().join("secret.txt").exists());
}

async fn async_rules(store: AsyncStore, c: &Case, engine: Names) {
    let items = store
        .list_files(&c.name, true)
        .await
        .unwrap()
        .map(|f| f.map(|f| relative(f.path.as_str(), &c.name)))
        .collect()
        .await;
    check_listing(items);
    let e = store.get_folder_info(&c.name).await.unwrap_err();
    assert!(e.is_unlisted(), "{e}");
    let child = store.child(&c.name).unwrap();
    let e = child.get_folder_info("").await.unwrap_err();
    assert!(e.is_unlisted(), "{e}");
    let err = store
        .read_bytes(format!("{}/outlink/secret.txt", c.name))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    store
        .delete_folder(format!("{}/inlink", c.name), true, false)
        .await
        .unwrap();
    assert!(c.disk.join("sub/x.txt").exists(), "the target's files went");
    if engine == Names::Lossy {
        let e = store.delete_folder(&c.name, true, false).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidPath, "{e}");
        c.remove_bad_name();
    }
    store.delete_folder(&c.name, true, false).await.unwrap();
    assert!(!c.disk.exists());
    assert!(c.outside.path().join("secret.txt").exists());
}

/// Runs `f` under a watchdog: a walk that loops on a link cycle fails the
/// test instead of hanging it.
fn watchdog(f: impl FnOnce() + Send + 'static) {
    crate::faults::watchdog("a walk followed a link cycle?", Duration::from_secs(120), f);
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    crate::faults::runtime().block_on(f)
}

mod local {
    use super::*;
    use remote_store::backends::LocalBackend;

    fn base() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn store() {
        watchdog(|| {
            let tmp = base();
            let mut c = case(tmp.path());
            c._tmp = Some(tmp);
            let root = c._tmp.as_ref().unwrap().path().to_owned();
            sync_rules(Store::new(LocalBackend::new(root).unwrap()), &c, Names::Raw);
        });
    }

    #[test]
    fn async_store() {
        watchdog(|| {
            let tmp = base();
            let mut c = case(tmp.path());
            c._tmp = Some(tmp);
            let root = c._tmp.as_ref().unwrap().path().to_owned();
            block_on(async_rules(
                AsyncStore::new(LocalBackend::new(root).unwrap()),
                &c,
                Names::Raw,
            ));
        });
    }
}

mod sftp {
    use super::*;
    use remote_store::backends::{AsyncSftpBackend, SftpBackend};

    fn base() -> PathBuf {
        PathBuf::from(var("RS_SFTP_DIR"))
    }

    #[test]
    fn ssh2_store() {
        watchdog(|| {
            let c = case(&base());
            sync_rules(
                Store::new(SftpBackend::new(crate::sftp::config()).unwrap()),
                &c,
                Names::Raw,
            );
        });
    }

    #[test]
    fn ssh2_async_store() {
        watchdog(|| {
            let c = case(&base());
            let store = AsyncStore::new(SftpBackend::new(crate::sftp::config()).unwrap());
            block_on(async_rules(store, &c, Names::Raw));
        });
    }

    #[test]
    fn russh_store() {
        watchdog(|| {
            let c = case(&base());
            sync_rules(
                Store::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap()),
                &c,
                Names::Lossy,
            );
        });
    }

    #[test]
    fn russh_async_store() {
        watchdog(|| {
            let c = case(&base());
            let store = AsyncStore::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap());
            block_on(async_rules(store, &c, Names::Lossy));
        });
    }
}
