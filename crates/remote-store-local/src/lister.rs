//! Lazy listings: the tree is read one folder at a time, as entries are
//! consumed.

use std::fs::{self, ReadDir};
use std::path::PathBuf;

use remote_store_core::{FileInfo, RemotePath, Result};

use crate::backend::file_info;
use crate::error::io_error;
use crate::resolve::Resolver;

/// What an entry of a folder is, once links are resolved.
enum Kind {
    File(fs::Metadata),
    Folder { linked: bool },
    Skip,
}

/// Walks folders depth-first, keeping one open `ReadDir` per level.
pub(crate) struct Walker {
    resolver: Resolver,
    recursive: bool,
    folders_only: bool,
    stack: Vec<(RemotePath, ReadDir)>,
}

impl Walker {
    /// Files below `dir` (`recursive`), or the folders directly in it.
    pub(crate) fn new(
        resolver: Resolver,
        dir: RemotePath,
        real: PathBuf,
        recursive: bool,
        folders_only: bool,
    ) -> Result<Self> {
        let read = fs::read_dir(&real).map_err(|e| io_error(e, &dir))?;
        Ok(Walker {
            resolver,
            recursive,
            folders_only,
            stack: vec![(dir, read)],
        })
    }

    /// A walker that yields nothing (a missing folder lists as empty).
    pub(crate) fn empty(resolver: Resolver, _dir: RemotePath) -> Result<Self> {
        Ok(Walker {
            resolver,
            recursive: false,
            folders_only: false,
            stack: Vec::new(),
        })
    }

    fn kind(&self, entry: &fs::DirEntry) -> std::io::Result<Kind> {
        let file_type = entry.file_type()?;
        if file_type.is_symlink() {
            // Followed only when it stays inside the root.
            return Ok(match fs::canonicalize(entry.path()) {
                Ok(real) if self.resolver.inside(&real) => {
                    let meta = fs::metadata(&real)?;
                    if meta.is_dir() {
                        Kind::Folder { linked: true }
                    } else {
                        Kind::File(meta)
                    }
                }
                _ => Kind::Skip,
            });
        }
        Ok(if file_type.is_dir() {
            Kind::Folder { linked: false }
        } else if file_type.is_file() {
            Kind::File(entry.metadata()?)
        } else {
            Kind::Skip // sockets, devices, fifos
        })
    }
}

/// One listed entry.
pub(crate) enum Listed {
    File(FileInfo),
    Folder(RemotePath),
}

impl Iterator for Walker {
    type Item = Result<Listed>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (dir, read) = self.stack.last_mut()?;
            let Some(entry) = read.next() else {
                self.stack.pop();
                continue;
            };
            let dir = dir.clone();
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return Some(Err(io_error(e, &dir))),
            };
            // Names a store cannot address are skipped, as are in-flight
            // temporary files.
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if name.starts_with(crate::TEMP_PREFIX) {
                continue;
            }
            let Ok(path) = dir.join(&name) else { continue };
            if path.name() != name {
                continue; // e.g. a name with a backslash
            }
            let kind = match self.kind(&entry) {
                Ok(kind) => kind,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue, // raced a delete
                Err(e) => return Some(Err(io_error(e, &path))),
            };
            match kind {
                Kind::Skip => {}
                Kind::File(meta) if !self.folders_only => {
                    return Some(Ok(Listed::File(file_info(path, &meta))));
                }
                Kind::File(_) => {}
                Kind::Folder { .. } if self.folders_only => return Some(Ok(Listed::Folder(path))),
                Kind::Folder { linked } => {
                    if self.recursive && !linked {
                        match fs::read_dir(entry.path()) {
                            Ok(read) => self.stack.push((path, read)),
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                            Err(e) => return Some(Err(io_error(e, &path))),
                        }
                    }
                }
            }
        }
    }
}
