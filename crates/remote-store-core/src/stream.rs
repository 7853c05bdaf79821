//! The stream types that cross the [`Backend`](crate::Backend) and
//! [`AsyncBackend`](crate::AsyncBackend) boundaries.

use std::io::Read;

use bytes::Bytes;
use futures::stream::BoxStream;

use crate::error::Result;
use crate::metadata::FileInfo;
use crate::path::RemotePath;

/// Sync file content: a reader that pulls from the backend as it is read.
pub type ReadStream = Box<dyn Read + Send + 'static>;

/// Sync listing of files: yields as the backend walks.
pub type FileIter = Box<dyn Iterator<Item = Result<FileInfo>> + Send + 'static>;

/// Sync listing of folders: yields as the backend walks.
pub type FolderIter = Box<dyn Iterator<Item = Result<RemotePath>> + Send + 'static>;

/// Async file content, in chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// Async listing of files.
pub type FileStream = BoxStream<'static, Result<FileInfo>>;

/// Async listing of folders.
pub type FolderStream = BoxStream<'static, Result<RemotePath>>;

/// Chunk size the crate uses when it turns a reader into chunks (64 KiB).
pub const CHUNK_SIZE: usize = 64 * 1024;

/// How many chunks (or listing entries) may wait in a channel between the
/// two sides of an adapter. Memory held by an adapter stream is bounded by
/// `CHANNEL_DEPTH * CHUNK_SIZE` plus what the backend itself buffers.
pub const CHANNEL_DEPTH: usize = 4;

/// Turns an [`tokio::io::AsyncRead`] into a [`ByteStream`] of
/// [`CHUNK_SIZE`] chunks.
pub fn byte_stream_from_async_read<R>(reader: R) -> ByteStream
where
    R: tokio::io::AsyncRead + Send + 'static,
{
    use futures::TryStreamExt;
    Box::pin(
        tokio_util::io::ReaderStream::with_capacity(reader, CHUNK_SIZE)
            .map_err(crate::Error::from_source_io),
    )
}

/// Turns a [`ByteStream`] into a [`tokio::io::AsyncRead`].
///
/// Errors surface as [`std::io::Error`]; [`crate::Error::from`] turns them
/// back into the original error.
pub fn async_read_from_byte_stream(stream: ByteStream) -> impl tokio::io::AsyncRead + Send {
    use futures::TryStreamExt;
    tokio_util::io::StreamReader::new(stream.map_err(crate::Error::into_io))
}

/// Every chunk of `stream` in one buffer (a single chunk is kept as is,
/// without a copy).
///
/// # Errors
/// The stream's first error.
pub async fn collect_bytes(mut stream: ByteStream) -> crate::Result<Bytes> {
    use futures::StreamExt;
    let Some(first) = stream.next().await.transpose()? else {
        return Ok(Bytes::new());
    };
    let Some(second) = stream.next().await.transpose()? else {
        return Ok(first);
    };
    let mut buf = bytes::BytesMut::with_capacity(first.len() + second.len());
    buf.extend_from_slice(&first);
    buf.extend_from_slice(&second);
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk?);
    }
    Ok(buf.freeze())
}

/// A [`ByteStream`] that yields `bytes` once (nothing when empty).
pub fn byte_stream_once(bytes: Bytes) -> ByteStream {
    if bytes.is_empty() {
        Box::pin(futures::stream::empty())
    } else {
        Box::pin(futures::stream::once(async move { Ok(bytes) }))
    }
}
