//! Large files read as ranges, several at once.
//!
//! One stream of a file goes as fast as one connection carries it (one
//! SFTP channel and its cipher on one core, one HTTP response), so a file
//! of at least [`Split::above`] bytes is read [`Split::part_size`] bytes
//! per ranged read, [`Split::parts`] reads in flight (on an SFTP backend
//! they spread over its pooled connections), and handed to the write in
//! order. Memory stays bounded: at most `parts + 1` parts of a file are
//! held at once.
//!
//! A file replaced while its parts are read must fail the copy, never mix
//! two versions: each read is pinned to the etag where the backend checks
//! one ([`Capability::ConditionalRead`]) and the etag each answer carries
//! is compared (a server may ignore `If-Match`); every part must come back
//! whole; and after the last part the file must have the size,
//! modification time and etag it had before the first. A file read as one
//! stream must deliver exactly the size the copy started with, and, unless
//! its backend is an object store (reads pinned to a version, no real
//! folders: one answer is one version), still have the size, time and etag
//! the copy started with after its last byte: files on local disks and
//! SFTP servers can be rewritten in place, at the same size. Each
//! failure is `PreconditionFailed`, returned before the write commits, so
//! the destination is left as it was. What no check sees: a rewrite in
//! place of the same size that keeps the modification time (within its
//! resolution: whole seconds on SFTP, or set back as `cp -p` does) on a
//! backend without etags.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt, stream};
use remote_store_core::stream::ByteStream;
use remote_store_core::{
    AsyncStore, Bytes, Capability, Error, ErrorKind, ReadOptions, RemotePath, Result,
};

use crate::report::SourceVersion;

/// When and how a file is read as parallel ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Split {
    /// Files of at least this many bytes are split.
    pub(crate) above: u64,
    /// Bytes per ranged read.
    pub(crate) part_size: u64,
    /// Ranged reads in flight per file; 1 reads every file as one stream.
    /// Unset: [`DEFAULT_PARTS`], and one stream from a source nearby.
    pub(crate) parts: Option<usize>,
}

/// Ranged reads in flight per file unless set (rclone's
/// `--multi-thread-streams` default).
const DEFAULT_PARTS: usize = 4;

impl Default for Split {
    fn default() -> Self {
        Split {
            above: 32 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            parts: None,
        }
    }
}

impl Split {
    /// How many ranged reads a file of `size` bytes on `src` gets at once:
    /// more than one when it is large enough for two parts and ranged
    /// reads are declared. Unless set, a source in this process or on this
    /// machine's file system (storage ids `memory://`, `file://`) gets
    /// one: one stream is not held back by a connection there, and parts
    /// would only cost memory.
    fn parts_for(&self, src: &AsyncStore, size: Option<u64>) -> usize {
        let large = size.is_some_and(|size| size >= self.above && size > self.part_size);
        if !large || !src.supports(Capability::RangeRead) {
            return 1;
        }
        self.parts.unwrap_or_else(|| {
            let nearby = src
                .storage_id()
                .is_some_and(|id| id.starts_with("file://") || id.starts_with("memory://"));
            if nearby { 1 } else { DEFAULT_PARTS }
        })
    }
}

/// The bytes of the file at `path` of `src` (the version `source` when
/// known): ranged reads in parallel when `split` applies, else one read,
/// which must deliver exactly `source`'s size and, unless the backend is
/// an object store, find the file still that version after its last
/// byte.
pub(crate) async fn read(
    src: &AsyncStore,
    path: &RemotePath,
    source: Option<&SourceVersion>,
    split: Split,
) -> Result<ByteStream> {
    let in_flight = split.parts_for(src, source.map(|v| v.size));
    if in_flight < 2 {
        let body = src.read(path.as_str()).await?;
        let Some(version) = source else {
            return Ok(body);
        };
        let body = exactly(body, version.size, src.backend().name(), path.clone());
        // One answer of an object store (no real folders, reads pinned
        // to a version) is one version; a file on a file system (local,
        // SFTP), or behind a backend that cannot say, can be rewritten in
        // place while it is read, at the same size.
        let object_store = src.supports(Capability::ConditionalRead)
            && !src.supports(Capability::PersistentFolders);
        return Ok(match object_store {
            true => body,
            false => body
                .chain(unchanged(src.clone(), path.clone(), version.clone()))
                .boxed(),
        });
    }
    // Stated now, not taken from a listing: the version the parts are
    // pinned to, and compared with at the end.
    let before = src.get_file_info(path.as_str()).await?;
    let pin = before
        .etag
        .clone()
        .filter(|_| src.supports(Capability::ConditionalRead));
    let size = before.size;
    let part_size = split.part_size;
    let ranges = (0..size.div_ceil(part_size)).map(move |i| {
        let offset = i * part_size;
        (offset, part_size.min(size - offset))
    });
    let (store, file) = (src.clone(), path.clone());
    let parts = stream::iter(ranges)
        .map(move |(offset, len)| read_part(store.clone(), file.clone(), pin.clone(), offset, len))
        .buffered(in_flight)
        .map_ok(|chunks| stream::iter(chunks.into_iter().map(Ok)))
        .try_flatten();
    // Also where the parts were pinned: a server may ignore `If-Match`.
    let before = SourceVersion::of(&before);
    Ok(parts
        .chain(unchanged(src.clone(), path.clone(), before))
        .boxed())
}

/// An empty stream that fails unless the file at `path` is still the
/// version `before` (stated again once the bytes before it were read).
fn unchanged(store: AsyncStore, path: RemotePath, before: SourceVersion) -> ByteStream {
    stream::once(async move {
        match store.get_file_info(path.as_str()).await {
            Ok(after) if before.matches(&after) => None,
            Ok(_) => {
                let why = "its size, modification time or etag changed";
                Some(Err(changed(store.backend().name(), &path, why)))
            }
            Err(e) => Some(Err(e)),
        }
    })
    .filter_map(std::future::ready)
    .boxed()
}

/// `body`, failing at its end unless it held exactly `size` bytes (the
/// size the copy started with): a source cut short or grown while it was
/// read is not copied as if whole.
fn exactly(body: ByteStream, size: u64, backend: &str, path: RemotePath) -> ByteStream {
    let backend = backend.to_owned();
    let got = Arc::new(AtomicU64::new(0));
    let counting = got.clone();
    let counted = body.inspect_ok(move |chunk| {
        counting.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    });
    let end = stream::once(async move {
        let got = got.load(Ordering::Relaxed);
        (got != size).then(|| {
            let why = format!("{size} bytes were expected, {got} were read");
            Err(changed(&backend, &path, &why))
        })
    })
    .filter_map(std::future::ready);
    counted.chain(end).boxed()
}

/// One part, whole: `len` bytes from `offset`, as the chunks read; read
/// `if_match` the etag `pin` when there is one, and checked against the
/// etag the server answers with (a server may ignore `If-Match`).
async fn read_part(
    store: AsyncStore,
    path: RemotePath,
    pin: Option<String>,
    offset: u64,
    len: u64,
) -> Result<Vec<Bytes>> {
    let options = ReadOptions::new().range(offset, Some(len));
    let mut body = match pin {
        Some(etag) => {
            let options = options.if_match(etag.clone());
            let (info, body) = store.read_with_info(path.as_str(), &options).await?;
            if info.etag.as_ref().is_some_and(|served| *served != etag) {
                return Err(changed(
                    store.backend().name(),
                    &path,
                    "a part came from another version (etag)",
                ));
            }
            body
        }
        None => store.read_with(path.as_str(), &options).await?,
    };
    let (mut chunks, mut got) = (Vec::new(), 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        got += chunk.len() as u64;
        chunks.push(chunk);
    }
    if got != len {
        let why = format!("the {len} bytes at offset {offset} came back as {got}");
        return Err(changed(store.backend().name(), &path, &why));
    }
    Ok(chunks)
}

/// The source changed while it was read.
fn changed(backend: &str, path: &RemotePath, why: &str) -> Error {
    Error::new(ErrorKind::PreconditionFailed)
        .with_path(path)
        .with_backend(backend.to_owned())
        .with_message(format!(
            "the source changed while it was copied ({why}); nothing was written"
        ))
}
