//! Containment: turning store paths into real paths that stay inside the
//! root, refusing symbolic links that lead out.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use remote_store_core::{Error, RemotePath, Result};

use crate::error::{escapes, io_error};
use crate::stage::{CreatedFolders, FOLDER_RETRIES};

/// Where an entry is, as seen from inside the root.
#[derive(Debug)]
pub(crate) struct Located {
    /// The entry itself (canonical parent + name): a link is not followed,
    /// so deleting or moving it acts on the link.
    pub(crate) entry: PathBuf,
    /// What the entry resolves to, when it exists (a link is followed, and
    /// its target checked to be inside the root).
    pub(crate) target: Option<PathBuf>,
    /// Whether `target` is a folder.
    pub(crate) is_dir: bool,
    /// The real parent folder, when it exists.
    pub(crate) parent: Option<PathBuf>,
}

impl Located {
    /// The real path of an existing file (not a folder).
    pub(crate) fn file(&self) -> Option<&Path> {
        self.target.as_deref().filter(|_| !self.is_dir)
    }

    /// The real path of an existing folder.
    pub(crate) fn folder(&self) -> Option<&Path> {
        self.target.as_deref().filter(|_| self.is_dir)
    }
}

/// Resolves store paths against a canonical root.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
    root: PathBuf,
}

fn absent(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

impl Resolver {
    pub(crate) fn new(canonical_root: PathBuf) -> Self {
        Resolver {
            root: canonical_root,
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn inside(&self, real: &Path) -> bool {
        real.starts_with(&self.root)
    }

    /// The real, checked location of an existing folder.
    ///
    /// The root is already canonical, so only the components below it are
    /// examined, one `lstat` each; a full `canonicalize` happens only when
    /// one of them is a link.
    fn folder(&self, dir: &RemotePath) -> io::Result<PathBuf> {
        let mut real = self.root.clone();
        for part in dir.parts() {
            real.push(part);
            if fs::symlink_metadata(&real)?.file_type().is_symlink() {
                let resolved = fs::canonicalize(self.root.join(dir.as_str()))?;
                if !self.inside(&resolved) {
                    return Err(io::Error::new(io::ErrorKind::PermissionDenied, "escapes"));
                }
                return Ok(resolved);
            }
        }
        Ok(real)
    }

    /// Locates `path`. A missing parent means a missing entry, not an
    /// error; a link out of the root anywhere on the way is
    /// `PermissionDenied`.
    pub(crate) fn locate(&self, path: &RemotePath) -> Result<Located> {
        if path.is_root() {
            return Ok(Located {
                entry: self.root.clone(),
                target: Some(self.root.clone()),
                is_dir: true,
                parent: None,
            });
        }
        let parent = path.parent().unwrap_or_default();
        let parent = match self.folder(&parent) {
            Ok(dir) => dir,
            Err(e) if absent(&e) => {
                return Ok(Located {
                    entry: self.root.join(path.as_str()),
                    target: None,
                    is_dir: false,
                    parent: None,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Err(escapes(path)),
            Err(e) => return Err(io_error(e, path)),
        };
        let entry = parent.join(path.name());
        let meta = fs::symlink_metadata(&entry);
        // ENOTDIR: the "parent" is a file, so there is no parent folder.
        let parent_is_dir = !matches!(&meta, Err(e) if e.kind() == io::ErrorKind::NotADirectory);
        let (target, is_dir) = match meta {
            Err(e) if absent(&e) => (None, false),
            Err(e) => return Err(io_error(e, path)),
            Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(&entry) {
                Ok(real) if self.inside(&real) => {
                    let is_dir = real.is_dir();
                    (Some(real), is_dir)
                }
                Ok(_) => return Err(escapes(path)),
                Err(e) if absent(&e) => (None, false), // dangling
                Err(e) => return Err(io_error(e, path)),
            },
            Ok(meta) => (Some(entry.clone()), meta.is_dir()),
        };
        let parent = parent_is_dir.then_some(parent);
        Ok(Located {
            entry,
            target,
            is_dir,
            parent,
        })
    }

    /// Creates the parent folders of `path` inside the root and returns
    /// the real parent folder, with the folders this call created (which
    /// go again when the caller's operation fails).
    pub(crate) fn make_parent(&self, path: &RemotePath) -> Result<(PathBuf, CreatedFolders)> {
        let mut vanished = 0;
        loop {
            match self.try_make_parent(path)? {
                Some(made) => return Ok(made),
                // A folder on the way went while we built on it (a failed
                // write removing what it had created): start again.
                None if vanished < FOLDER_RETRIES => vanished += 1,
                None => {
                    return Err(
                        Error::other("its folder keeps vanishing while being created")
                            .with_path(path)
                            .with_backend(crate::NAME),
                    );
                }
            }
        }
    }

    /// One attempt of [`make_parent`](Self::make_parent); `None` when a
    /// folder on the way vanished meanwhile.
    fn try_make_parent(&self, path: &RemotePath) -> Result<Option<(PathBuf, CreatedFolders)>> {
        let parent = path.parent().unwrap_or_default();
        let mut existing = parent.clone();
        let mut missing = Vec::new();
        while !existing.is_root() {
            match fs::symlink_metadata(self.root.join(existing.as_str())) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    missing.push(existing.name().to_owned());
                    existing = existing.parent().unwrap_or_default();
                }
                Err(e) => return Err(io_error(e, path)),
            }
        }
        let mut dir = match self.folder(&existing) {
            Ok(dir) => dir,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Err(escapes(path)),
            Err(e) => return Err(io_error(e, path)),
        };
        match fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(Error::invalid_path(
                    path,
                    format!("'{existing}' is a file, not a folder"),
                )
                .with_backend(crate::NAME));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(e, path)),
        }
        let mut created = CreatedFolders::default();
        for segment in missing.iter().rev() {
            dir.push(segment);
            match fs::create_dir(&dir) {
                Ok(()) => created.push(dir.clone()),
                // Another writer made it meanwhile: theirs, not ours (or
                // gone again already).
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match fs::metadata(&dir) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => {
                        return Err(Error::invalid_path(path, "a file is in the way")
                            .with_backend(crate::NAME));
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(io_error(e, path)),
                },
                // The folder above went: what we made here goes too.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io_error(e, path)),
            }
        }
        Ok(Some((dir, created)))
    }
}
