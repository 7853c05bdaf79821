//! Lazy listings: the tree is read one folder at a time, as entries are
//! consumed.

use std::fs::{self, ReadDir};
use std::path::PathBuf;

use remote_store_core::{Error, ErrorKind, FileInfo, RemotePath, Result};

use crate::backend::file_info;
use crate::error::io_error;
use crate::resolve::Resolver;

/// What an entry of a folder is, once links are resolved.
enum Kind {
    File(fs::Metadata),
    Folder {
        linked: bool,
    },
    /// Cannot be listed: reported as an error item (ADR-0010).
    Refused(ErrorKind, &'static str),
}

/// Walks folders depth-first, keeping one open `ReadDir` per level.
pub(crate) struct Walker {
    resolver: Resolver,
    /// How many levels below the listed folder to read (1: only it).
    max_depth: usize,
    folders_only: bool,
    stack: Vec<(RemotePath, ReadDir)>,
}

impl Walker {
    /// Files below `dir` down to `max_depth` levels (1: directly in it),
    /// or the folders directly in it.
    pub(crate) fn new(
        resolver: Resolver,
        dir: RemotePath,
        real: PathBuf,
        max_depth: usize,
        folders_only: bool,
    ) -> Result<Self> {
        let read = fs::read_dir(&real).map_err(|e| io_error(e, &dir))?;
        Ok(Walker {
            resolver,
            max_depth,
            folders_only,
            stack: vec![(dir, read)],
        })
    }

    /// A walker that yields nothing (a missing folder lists as empty).
    pub(crate) fn empty(resolver: Resolver, _dir: RemotePath) -> Result<Self> {
        Ok(Walker {
            resolver,
            max_depth: 1,
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
                    } else if meta.is_file() {
                        Kind::File(meta)
                    } else {
                        Kind::Refused(ErrorKind::Other, SPECIAL)
                    }
                }
                Ok(_) => Kind::Refused(
                    ErrorKind::PermissionDenied,
                    "a symbolic link that leads outside the backend root",
                ),
                Err(_) => Kind::Refused(ErrorKind::NotFound, "a dangling symbolic link"),
            });
        }
        Ok(if file_type.is_dir() {
            Kind::Folder { linked: false }
        } else if file_type.is_file() {
            Kind::File(entry.metadata()?)
        } else {
            Kind::Refused(ErrorKind::Other, SPECIAL)
        })
    }
}

const SPECIAL: &str = "neither a file nor a folder (socket, device or FIFO)";

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
            // Names a store cannot address are error items (never dropped,
            // never changed into another name); in-flight temporary files
            // are ours and stay hidden.
            let raw = entry.file_name();
            let Some(name) = raw.to_str().map(str::to_owned) else {
                let why = "the name is not valid UTF-8";
                return Some(Err(Error::unlisted(ErrorKind::InvalidPath, &dir, raw, why)));
            };
            if name.starts_with(crate::TEMP_PREFIX) {
                continue;
            }
            let path = match dir.join(&name) {
                Ok(path) if path.name() == name && !name.contains('\\') => path,
                Ok(_) => {
                    let why = "the path rules would change it ('\\' is a separator)";
                    return Some(Err(Error::unlisted(
                        ErrorKind::InvalidPath,
                        &dir,
                        name,
                        why,
                    )));
                }
                Err(e) => {
                    let why = e.reason();
                    return Some(Err(Error::unlisted(
                        ErrorKind::InvalidPath,
                        &dir,
                        name,
                        why,
                    )));
                }
            };
            let kind = match self.kind(&entry) {
                Ok(kind) => kind,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue, // raced a delete
                Err(e) => return Some(Err(io_error(e, &path))),
            };
            match kind {
                Kind::Refused(kind, why) => {
                    return Some(Err(Error::unlisted(kind, &dir, name, why)));
                }
                Kind::File(meta) if !self.folders_only => {
                    return Some(Ok(Listed::File(file_info(path, &meta))));
                }
                Kind::File(_) => {}
                Kind::Folder { .. } if self.folders_only => return Some(Ok(Listed::Folder(path))),
                Kind::Folder { linked } => {
                    // The stack holds one open folder per level read.
                    if self.stack.len() < self.max_depth && !linked {
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
