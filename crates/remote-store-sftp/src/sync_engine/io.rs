//! Streams over libssh2 handles: file reads, staged writes, and lazy
//! folder walks.

use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use remote_store_core::{Error, FileInfo, RemotePath, Result};
use ssh2::{ErrorCode, FileStat};

use super::conn::{Conn, map};

use crate::Settings;
use crate::layout::hidden;
use crate::links::{self, Kind, Listed, Target};

/// libssh2 reads ahead four times the caller's buffer and splits requests
/// at 30,000 bytes: a large buffer keeps enough requests in flight.
pub(super) const READ_BUFFER: usize = 4 << 20;
/// libssh2 pipelines one `write` call as 30,000-byte packets.
pub(super) const WRITE_BUFFER: usize = 1 << 20;

/// libssh2's "no more entries" from `readdir`.
const END_OF_FOLDER: i32 = -16;

/// An open remote file; keeps its connection alive while it lives.
pub(super) struct FileReader {
    pub(super) file: ssh2::File,
    pub(super) conn: Arc<Conn>,
    pub(super) path: String,
}

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.file
            .read(buf)
            .map_err(|e| io_error(e, &self.conn, &self.path).into_io())
    }
}

/// Streams `src` into `file` in large writes (each one pipelined by
/// libssh2).
pub(super) fn copy_into(
    src: &mut dyn Read,
    file: &mut ssh2::File,
    conn: &Conn,
    path: &str,
) -> Result<u64> {
    let mut buf = vec![0u8; WRITE_BUFFER];
    let mut size = 0;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match src.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_source_io(e)),
            }
        }
        if filled == 0 {
            return Ok(size);
        }
        file.write_all(&buf[..filled])
            .map_err(|e| io_error(e, conn, path))?;
        size += filled as u64;
        if filled < buf.len() {
            return Ok(size);
        }
    }
}

/// Maps an I/O error of a libssh2 file handle. The `ssh2` crate keeps only
/// the message and an `io::ErrorKind`; anything but a not-found or a
/// refusal means the transfer broke, and the connection is suspect.
pub(super) fn io_error(e: io::Error, conn: &Conn, path: &str) -> Error {
    match e.kind() {
        io::ErrorKind::NotFound => Error::not_found(path).with_backend(crate::NAME),
        io::ErrorKind::PermissionDenied => {
            Error::new(remote_store_core::ErrorKind::PermissionDenied)
                .with_backend(crate::NAME)
                .with_path(path)
                .with_source(e)
        }
        _ => {
            conn.mark_broken();
            crate::status::connection_error("transfer failed", e).with_path(path)
        }
    }
}

pub(super) fn file_info(path: RemotePath, stat: &FileStat) -> FileInfo {
    let mut info = FileInfo::new(path, stat.size.unwrap_or(0));
    if let Some(mtime) = stat.mtime {
        info = info.with_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime));
    }
    info
}

/// What a walk yields.
pub(super) enum Entry {
    File(FileInfo),
    Folder(RemotePath),
}

/// A depth-first walk that reads one folder handle at a time and keeps only
/// the folders still to visit: memory stays small on any tree.
pub(super) struct Walker {
    pub(super) settings: Arc<Settings>,
    /// The base path with links resolved, for containment.
    pub(super) base_real: String,
    pub(super) conn: Arc<Conn>,
    pub(super) recursive: bool,
    /// The folder being read.
    pub(super) current: Option<(RemotePath, ssh2::File)>,
    /// Folders still to read.
    pub(super) pending: Vec<RemotePath>,
}

impl Walker {
    fn open(&mut self, dir: RemotePath) -> Result<()> {
        let native = self.settings.layout.native(&dir);
        match self.conn.sftp.opendir(Path::new(&native)) {
            Ok(handle) => {
                self.current = Some((dir, handle));
                Ok(())
            }
            // A folder removed since it was listed: nothing in it.
            Err(e) if matches!(e.code(), ErrorCode::SFTP(2)) => Ok(()),
            Err(e) => {
                self.conn.check(&e);
                Err(map(e, dir.as_str()))
            }
        }
    }

    /// What a link named `name` in `dir` leads to, and the target's stat.
    fn resolve(&self, dir: &RemotePath, name: &str) -> Result<(Target, Option<FileStat>)> {
        let native = format!("{}/{name}", self.settings.layout.native(dir));
        let label = format!("{dir}/{name}");
        let target = match self.conn.sftp.stat(Path::new(&native)) {
            Ok(target) => target,
            // Dangling, or a loop of links.
            Err(e) if matches!(e.code(), ErrorCode::SFTP(2) | ErrorCode::SFTP(4)) => {
                return Ok((Target::Missing, None));
            }
            Err(e) => return Err(map(e, &label)),
        };
        let real = self
            .conn
            .sftp
            .realpath(Path::new(&native))
            .map_err(|e| map(e, &label))?;
        if !links::inside(&self.base_real, &real.to_string_lossy()) {
            return Ok((Target::Outside, None));
        }
        Ok((Target::Inside(kind_of(&target)), Some(target)))
    }

    /// One entry of `dir`: listed, refused (an error item), or skipped
    /// (hidden temp files).
    fn entry(&mut self, dir: &RemotePath, raw: &Path, stat: FileStat) -> Option<Result<Entry>> {
        let Some(name) = raw.to_str() else {
            return Some(Err(Error::unlisted(
                remote_store_core::ErrorKind::InvalidPath,
                dir,
                raw.as_os_str(),
                "the name is not valid UTF-8",
            )
            .with_backend(crate::NAME)));
        };
        if hidden(name) {
            return None;
        }
        let kind = kind_of(&stat);
        let (target, stat) = if kind == Kind::Link && links::representable(dir, name).is_ok() {
            match self.resolve(dir, name) {
                Ok((target, target_stat)) => (Some(target), target_stat.unwrap_or(stat)),
                // The server would not resolve this link: one entry,
                // reported; the walk goes on.
                Err(e) => {
                    let why = e.to_string();
                    return Some(Err(
                        Error::unlisted(e.kind(), dir, name, why).with_backend(crate::NAME)
                    ));
                }
            }
        } else {
            (None, stat)
        };
        let path = links::representable(dir, name);
        Some(match (links::classify(dir, name, kind, target), path) {
            (Listed::Refused(e), _) | (_, Err(e)) => Err(e),
            (Listed::File, Ok(path)) => Ok(Entry::File(file_info(path, &stat))),
            (Listed::Folder { descend }, Ok(path)) => {
                if self.recursive && descend {
                    self.pending.push(path.clone());
                }
                Ok(Entry::Folder(path))
            }
        })
    }
}

fn kind_of(stat: &FileStat) -> Kind {
    let t = stat.file_type();
    Kind::of(t.is_symlink(), t.is_dir(), t.is_file())
}

impl Iterator for Walker {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some((dir, handle)) = self.current.as_mut() else {
                let dir = self.pending.pop()?;
                if let Err(e) = self.open(dir) {
                    return Some(Err(e));
                }
                continue;
            };
            let (name, stat) = match handle.readdir() {
                Ok(entry) => entry,
                Err(e) if e.code() == ErrorCode::Session(END_OF_FOLDER) => {
                    self.current = None;
                    continue;
                }
                Err(e) => {
                    self.conn.check(&e);
                    let e = map(e, dir.as_str());
                    self.current = None;
                    self.pending.clear();
                    return Some(Err(e));
                }
            };
            let dir = dir.clone();
            if let Some(item) = self.entry(&dir, &name, stat) {
                return Some(item);
            }
        }
    }
}
