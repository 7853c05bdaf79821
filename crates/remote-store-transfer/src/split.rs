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
//! one ([`Capability::ConditionalRead`]); elsewhere every part must come
//! back whole, and the file's size and modification time must be the same
//! after the last part as before the first. Either failure is
//! `PreconditionFailed`, returned before the write commits, so the
//! destination is left as it was.

use futures::{StreamExt, TryStreamExt, stream};
use remote_store_core::stream::ByteStream;
use remote_store_core::{
    AsyncStore, Bytes, Capability, Error, ErrorKind, FileInfo, ReadOptions, RemotePath, Result,
};

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

/// The bytes of the file at `path` of `src` (`size` bytes when known):
/// ranged reads in parallel when `split` applies, else one read.
pub(crate) async fn read(
    src: &AsyncStore,
    path: &RemotePath,
    size: Option<u64>,
    split: Split,
) -> Result<ByteStream> {
    let in_flight = split.parts_for(src, size);
    if in_flight < 2 {
        return src.read(path.as_str()).await;
    }
    // Stated now, not taken from a listing: the version the parts are
    // pinned to, or compared with at the end.
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
        .map(move |(offset, len)| {
            let mut options = ReadOptions::new().range(offset, Some(len));
            if let Some(etag) = &pin {
                options = options.if_match(etag.clone());
            }
            read_part(store.clone(), file.clone(), options, offset, len)
        })
        .buffered(in_flight)
        .map_ok(|chunks| stream::iter(chunks.into_iter().map(Ok)))
        .try_flatten();
    if before.etag.is_some() && src.supports(Capability::ConditionalRead) {
        return Ok(parts.boxed());
    }
    let (store, file) = (src.clone(), path.clone());
    let unchanged = stream::once(async move {
        match store.get_file_info(file.as_str()).await {
            Ok(after) if same_version(&before, &after) => None,
            Ok(_) => Some(Err(changed(&file, "its size or modification time changed"))),
            Err(e) => Some(Err(e)),
        }
    })
    .filter_map(std::future::ready);
    Ok(parts.chain(unchanged).boxed())
}

/// One part, whole: `len` bytes from `offset`, as the chunks read.
async fn read_part(
    store: AsyncStore,
    path: RemotePath,
    options: ReadOptions,
    offset: u64,
    len: u64,
) -> Result<Vec<Bytes>> {
    let mut body = store.read_with(path.as_str(), &options).await?;
    let (mut chunks, mut got) = (Vec::new(), 0u64);
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        got += chunk.len() as u64;
        chunks.push(chunk);
    }
    if got != len {
        let why = format!("the {len} bytes at offset {offset} came back as {got}");
        return Err(changed(&path, &why));
    }
    Ok(chunks)
}

fn same_version(before: &FileInfo, after: &FileInfo) -> bool {
    before.size == after.size && before.modified == after.modified && before.etag == after.etag
}

/// The source changed while its parts were read.
fn changed(path: &RemotePath, why: &str) -> Error {
    Error::new(ErrorKind::PreconditionFailed)
        .with_path(path)
        .with_message(format!(
            "the source changed while it was copied in parts ({why}); nothing was written"
        ))
}
