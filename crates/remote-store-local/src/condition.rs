//! Etags of local files, and the lock that makes a compare-and-swap
//! race-free.
//!
//! A write replaces a file by renaming a new one over it, so every write
//! makes a new inode: the etag is the file's device, inode, modification
//! time (nanoseconds) and size. Writers that replace a file (plain
//! overwrites, compare-and-swaps, `rename`/`copy` with overwrite) first
//! take an exclusive `flock` on the file they replace and check, once
//! holding it, that it is still the file at the path; a compare-and-swap
//! compares the etag under that lock. So of concurrent writers in any
//! processes using this backend, each replaces exactly the version it
//! checked. Other programs that write the folder without the lock are not
//! held back (the lock is advisory).

use std::fs::{self, File, Metadata};
use std::io;
use std::path::Path;

use remote_store_core::{Error, ErrorKind, RemotePath, Result};

use crate::error::Context;

/// The etag of a file, from its metadata (of the open file, to pin it).
#[cfg(unix)]
pub(crate) fn etag(meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    Some(format!(
        "{:x}-{:x}-{:x}.{:09}-{:x}",
        meta.dev(),
        meta.ino(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.size()
    ))
}

/// No etag without inode numbers: the conditions are not declared there.
#[cfg(not(unix))]
pub(crate) fn etag(_: &Metadata) -> Option<String> {
    None
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    true
}

/// An exclusive lock on the file at a path, held until dropped; `None`
/// inside when there was no file to lock.
pub(crate) struct Locked(Option<File>);

impl Locked {
    /// No file locked (nothing to replace).
    pub(crate) fn none() -> Locked {
        Locked(None)
    }

    /// Locks the file at `real` (following a link to it), waiting for
    /// other writers; when the file was replaced or removed while
    /// waiting, locks whatever is there now.
    pub(crate) fn target(real: &Path) -> io::Result<Locked> {
        loop {
            let file = match File::open(real) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Locked(None)),
                Err(e) => return Err(e),
            };
            file.lock()?;
            let held = file.metadata()?;
            match fs::metadata(real) {
                Ok(now) if same_file(&now, &held) => return Ok(Locked(Some(file))),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Fails with `PreconditionFailed` unless the locked file's etag is
    /// `expected` (when given).
    pub(crate) fn check(&self, path: &RemotePath, expected: Option<&str>) -> Result<()> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let Some(file) = &self.0 else {
            return Err(gone(path));
        };
        let meta = file.metadata().at(path)?;
        check_etag(path, &meta, Some(expected))
    }
}

/// Fails with `PreconditionFailed` unless `meta`'s etag is `expected`
/// (when given).
pub(crate) fn check_etag(path: &RemotePath, meta: &Metadata, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(expected) if etag(meta).as_deref() != Some(expected) => Err(precondition(
            path,
            "the file was replaced (its etag differs)",
        )),
        _ => Ok(()),
    }
}

/// The condition on a file that is not there: the version asked for is
/// gone with it.
pub(crate) fn gone(path: &RemotePath) -> Error {
    precondition(path, "there is no file")
}

fn precondition(path: &RemotePath, why: &str) -> Error {
    Error::new(ErrorKind::PreconditionFailed)
        .with_path(path)
        .with_backend(crate::NAME)
        .with_message(why.to_owned())
}
