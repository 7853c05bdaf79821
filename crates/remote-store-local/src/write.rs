//! Writes that never expose a partial file: stream into a hidden temporary
//! file beside the target, then rename it into place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use remote_store_core::{Error, RemotePath, Result};

use crate::TEMP_PREFIX;
use crate::error::io_error;

/// The fixed buffer writes stream through.
pub(crate) const BUFFER: usize = 256 * 1024;

/// A temporary file that removes itself unless committed.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<File>,
    committed: bool,
}

/// `.~tmp.<name>.<random>`, short enough for any file-system name limit.
fn temp_name(name: &str) -> String {
    let mut end = name.len().min(200);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{TEMP_PREFIX}{}.{:016x}", &name[..end], fastrand::u64(..))
}

impl TempFile {
    /// Creates a fresh temporary file for `name` in `dir`.
    pub(crate) fn create(dir: &Path, name: &str) -> io::Result<Self> {
        loop {
            let path = dir.join(temp_name(name));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file: Some(file),
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until committed")
    }

    /// Moves the file to `target`: replacing it when `overwrite`, else
    /// failing with `AlreadyExists` if it exists (atomically, race-free).
    pub(crate) fn commit(mut self, target: &Path, overwrite: bool) -> io::Result<()> {
        drop(self.file.take());
        if overwrite {
            fs::rename(&self.path, target)?;
        } else {
            rename_no_replace(&self.path, target)?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Renames `from` to `to` unless `to` exists, in one atomic step:
/// `renameat2(RENAME_NOREPLACE)`, or a hard link on file systems without it.
pub(crate) fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(()),
            // The file system does not support the flag: fall back below.
            Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => {}
            Err(e) => return Err(e.into()),
        }
    }
    fs::hard_link(from, to)?;
    // The target is in place; a leftover source only costs space.
    let _ = fs::remove_file(from);
    Ok(())
}

/// Streams `src` into `dst` through a fixed buffer. Source errors keep
/// the caller's error; destination errors are mapped for `path`.
pub(crate) fn copy_stream(src: &mut dyn Read, dst: &mut File, path: &RemotePath) -> Result<u64> {
    let mut buf = vec![0u8; BUFFER];
    let mut total = 0;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from_source_io(e)),
        };
        dst.write_all(&buf[..n]).map_err(|e| io_error(e, path))?;
        total += n as u64;
    }
}

/// Makes a folder's entries (a rename into it) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}
