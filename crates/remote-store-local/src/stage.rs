//! Staging a new file: a hidden temporary file beside the target, in
//! folders created when missing. Whatever a write that fails created goes
//! with it: the temporary file and the folders it made (empty ones only:
//! a folder another writer put something in stays).

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use remote_store_core::{RemotePath, Result};

use crate::TEMP_PREFIX;
use crate::error::io_error;
use crate::resolve::Resolver;

/// How often a writer re-creates its folder after a failed writer removed
/// it in the moment between creating it and using it. Each retry needs
/// another failed write to race with: a handful is plenty.
pub(crate) const FOLDER_RETRIES: usize = 8;

/// Folders a write created, removed (deepest first, while empty) when it
/// is dropped before [`keep`](Self::keep).
#[derive(Debug, Default)]
pub(crate) struct CreatedFolders {
    /// Outermost first.
    dirs: Vec<PathBuf>,
}

impl CreatedFolders {
    pub(crate) fn push(&mut self, dir: PathBuf) {
        self.dirs.push(dir);
    }

    /// The write succeeded: its folders stay.
    pub(crate) fn keep(mut self) {
        self.dirs.clear();
    }
}

impl Drop for CreatedFolders {
    fn drop(&mut self) {
        for dir in self.dirs.iter().rev() {
            // Not empty (another writer's file, or its temporary file, is
            // in it) or gone: that folder and those above it stay.
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// A temporary file staged for `path`, and the folders created for it;
/// dropped uncommitted, both go (the file first: fields drop in order).
#[derive(Debug)]
pub(crate) struct Staged {
    temp: TempFile,
    created: CreatedFolders,
    /// The real folder the file goes in.
    pub(crate) dir: PathBuf,
}

impl Staged {
    /// Creates a temporary file for `path`, in `dir` when its folder is
    /// known to exist, else in the folders it creates. Returns the open
    /// file with it.
    pub(crate) fn create(
        resolver: &Resolver,
        path: &RemotePath,
        dir: Option<PathBuf>,
    ) -> Result<(Staged, File)> {
        let mut known = dir;
        let mut attempt = 0;
        loop {
            let (dir, created) = match known.take() {
                Some(dir) => (dir, CreatedFolders::default()),
                None => resolver.make_parent(path)?,
            };
            match TempFile::create(&dir, path.name()) {
                Ok((temp, file)) => {
                    let staged = Staged { temp, created, dir };
                    return Ok((staged, file));
                }
                // The folder went between (a failed write removed what it
                // had created, or someone deleted it): create it again.
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempt < FOLDER_RETRIES => {
                    attempt += 1;
                }
                Err(e) => return Err(io_error(e, path)),
            }
        }
    }

    /// Moves the staged file to `name` in its folder, replacing a file
    /// there when `overwrite`, else failing with `AlreadyExists`. The
    /// folders stay; on failure the file and the folders go.
    pub(crate) fn commit(self, name: &str, overwrite: bool) -> io::Result<PathBuf> {
        let Staged { temp, created, dir } = self;
        temp.commit(&dir.join(name), overwrite)?;
        created.keep();
        Ok(dir)
    }

    /// Where the file goes.
    pub(crate) fn target(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Runs `place` (a rename or a link into the folder of `path`, given the
/// real folder) after creating the missing folders above `path`; when it
/// fails, removes the folders it created. A folder that vanished between
/// (see [`Staged::create`]) is created again while `source` still exists.
pub(crate) fn into_folder<T>(
    resolver: &Resolver,
    path: &RemotePath,
    source: &Path,
    mut place: impl FnMut(&Path) -> Result<T>,
) -> Result<T> {
    let mut attempt = 0;
    loop {
        let (dir, created) = resolver.make_parent(path)?;
        match place(&dir) {
            Ok(done) => {
                created.keep();
                return Ok(done);
            }
            Err(e)
                if e.kind() == remote_store_core::ErrorKind::NotFound
                    && attempt < FOLDER_RETRIES
                    && !dir.exists()
                    && fs::symlink_metadata(source).is_ok() =>
            {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A temporary file that removes itself unless committed.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
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
    /// Creates a fresh temporary file for `name` in `dir`; returns it
    /// open for writing.
    pub(crate) fn create(dir: &Path, name: &str) -> io::Result<(Self, File)> {
        loop {
            let path = dir.join(temp_name(name));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let temp = TempFile {
                        path,
                        committed: false,
                    };
                    return Ok((temp, file));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves the file (closed by now) to `target`: replacing it when
    /// `overwrite`, else failing with `AlreadyExists` if it exists
    /// (atomically, race-free).
    pub(crate) fn commit(mut self, target: &Path, overwrite: bool) -> io::Result<()> {
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
