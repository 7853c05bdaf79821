//! Permission errors from the file system map to `PermissionDenied` and
//! change nothing.
//!
//! Root bypasses file modes, so when the tests run as root the checks run
//! on a thread that has dropped the capabilities that bypass them
//! (`CAP_DAC_OVERRIDE`, `CAP_DAC_READ_SEARCH`, `CAP_FOWNER`); capabilities
//! are per thread on Linux, so the rest of the process is unaffected. If
//! they cannot be dropped, the test says so and skips.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use remote_store_core::{ErrorKind, Store};
use remote_store_local::LocalBackend;

/// Runs `f` on a thread that file modes apply to; `None` when impossible.
fn as_unprivileged<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            if running_as_root() && !drop_dac_capabilities() {
                return None;
            }
            Some(f())
        })
        .join()
        .unwrap()
    })
}

fn running_as_root() -> bool {
    // The effective uid is the second field of the Uid line.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

#[cfg(target_os = "linux")]
fn drop_dac_capabilities() -> bool {
    use caps::{CapSet, Capability};
    [
        Capability::CAP_DAC_OVERRIDE,
        Capability::CAP_DAC_READ_SEARCH,
        Capability::CAP_FOWNER,
    ]
    .into_iter()
    .all(|cap| caps::drop(None, CapSet::Effective, cap).is_ok())
}

#[cfg(not(target_os = "linux"))]
fn drop_dac_capabilities() -> bool {
    false
}

#[test]
fn unreadable_and_unwritable_folders_are_permission_denied() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(LocalBackend::new(dir.path()).unwrap());
    store.write_bytes("locked/secret.txt", "s", false).unwrap();
    store.write_bytes("readonly/kept.txt", "k", false).unwrap();
    let locked = dir.path().join("locked");
    let readonly = dir.path().join("readonly");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(&readonly, fs::Permissions::from_mode(0o555)).unwrap();

    let outcome = as_unprivileged(|| {
        let denied = |what: &str, r: remote_store_core::Result<()>| {
            let err = r.expect_err(what);
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{what}: {err}");
            assert!(
                err.to_string().contains("permission denied"),
                "{what}: {err}"
            );
        };
        denied("read", store.read_bytes("locked/secret.txt").map(drop));
        denied("list", store.list_files("locked", false).map(drop));
        denied(
            "write into",
            store.write_bytes("locked/new.txt", "x", false).map(drop),
        );
        denied(
            "write into read-only",
            store.write_bytes("readonly/new.txt", "x", false).map(drop),
        );
        denied(
            "delete in read-only",
            store.delete("readonly/kept.txt", false),
        );
        denied(
            "rename out of read-only",
            store.rename("readonly/kept.txt", "moved.txt", false),
        );
    });

    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&readonly, fs::Permissions::from_mode(0o755)).unwrap();
    match outcome {
        None => println!("skipped: running as root and cannot drop CAP_DAC_OVERRIDE"),
        Some(()) => {
            assert_eq!(store.read_bytes("locked/secret.txt").unwrap(), "s");
            assert_eq!(store.read_bytes("readonly/kept.txt").unwrap(), "k");
            assert!(!store.exists("readonly/new.txt").unwrap());
            assert!(!store.exists("moved.txt").unwrap());
        }
    }
}
