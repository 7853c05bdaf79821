//! Writes that never expose a partial file: stream into a file staged
//! beside the target ([`Staged`]), then rename it into place, under the
//! lock of the file it replaces (see [`condition`](crate::condition)).

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use remote_store_core::{Error, RemotePath, Result, WriteOptions, WriteResult, WriteSink};

use crate::condition::{self, Locked};
use crate::error::{Context, io_error};
use crate::resolve::Resolver;
use crate::stage::Staged;

/// The fixed buffer writes stream through.
pub(crate) const BUFFER: usize = 256 * 1024;

/// Starts a write of `path`: refuses what the options forbid (fast; the
/// commit is what is race-free) and stages the file.
pub(crate) fn begin(
    resolver: &Resolver,
    path: &RemotePath,
    options: &WriteOptions,
) -> Result<(Staged, File)> {
    let if_match = options.if_match.as_deref();
    let located = resolver.locate(path)?;
    if located.folder().is_some() {
        return Err(
            Error::invalid_path(path, "a folder exists at this path").with_backend(crate::NAME)
        );
    }
    if located.file().is_some() && !options.overwrite {
        return Err(Error::already_exists(path).with_backend(crate::NAME));
    }
    if if_match.is_some() {
        match located.file() {
            Some(real) => {
                condition::check_etag(path, &fs::metadata(real).at(path)?, if_match)?;
            }
            None => Locked::none().check(path, if_match)?,
        }
    }
    Staged::create(resolver, path, located.parent)
}

/// Commits a staged write of `size` bytes: syncs the file and its folder
/// when the write is atomic, takes the lock of the file it replaces,
/// checks the condition under it, and renames the file into place.
pub(crate) fn commit(
    staged: Staged,
    file: File,
    path: &RemotePath,
    options: &WriteOptions,
    size: u64,
) -> Result<WriteResult> {
    let (overwrite, durable) = (options.overwrite, options.atomic);
    if durable {
        file.sync_all().at(path)?;
    }
    // Of the file as written (the rename keeps it), not of whatever a
    // later writer puts at the path.
    let written = file.metadata().at(path)?;
    drop(file);
    let lock = lock_replaced(&staged.target(path.name()), path, overwrite)?;
    lock.check(path, options.if_match.as_deref())?;
    let dir = staged.commit(path.name(), overwrite).at(path)?;
    drop(lock);
    if durable {
        sync_dir(&dir).at(path)?;
    }
    let mut result = WriteResult::new(size);
    if let Ok(modified) = written.modified() {
        result = result.with_modified(modified);
    }
    if let Some(etag) = condition::etag(&written) {
        result = result.with_etag(etag);
    }
    Ok(result)
}

/// The lock a write that replaces `target` (a file, when `overwrite`)
/// holds around its rename: see [`condition`](crate::condition).
pub(crate) fn lock_replaced(target: &Path, path: &RemotePath, overwrite: bool) -> Result<Locked> {
    if overwrite && cfg!(unix) {
        Locked::target(target).at(path)
    } else {
        Ok(Locked::none())
    }
}

/// The local backend's own writer sink: bytes go straight into the staged
/// file, through a [`BUFFER`]-byte buffer that larger writes bypass, on
/// the caller's thread. `finish` commits as `write` does; dropped
/// unfinished, the staged file and the folders made for it go.
pub(crate) struct LocalSink {
    // Fields drop in order: the file is closed before it is removed.
    out: BufWriter<File>,
    staged: Staged,
    path: RemotePath,
    options: WriteOptions,
    size: u64,
}

impl LocalSink {
    pub(crate) fn new(
        staged: Staged,
        file: File,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Self {
        LocalSink {
            out: BufWriter::with_capacity(BUFFER, file),
            staged,
            path: path.clone(),
            options: options.clone(),
            size: 0,
        }
    }
}

impl Write for LocalSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.out.write(buf) {
            Ok(n) => {
                self.size += n as u64;
                Ok(n)
            }
            Err(e) => Err(io_error(e, &self.path).into_io()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out
            .flush()
            .map_err(|e| io_error(e, &self.path).into_io())
    }
}

impl WriteSink for LocalSink {
    fn finish(self: Box<Self>) -> Result<WriteResult> {
        let LocalSink {
            out,
            staged,
            path,
            options,
            size,
        } = *self;
        let file = out
            .into_inner()
            .map_err(|e| io_error(e.into_error(), &path))?;
        commit(staged, file, &path, &options, size)
    }
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
