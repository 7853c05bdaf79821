//! The `SyncBackendAdapter`'s short paths, taken without a hop to the
//! blocking pool: calls of a backend that [never
//! blocks](crate::Backend::never_blocks) run on the caller's task, and a
//! write whose source is already all there is handed over whole.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::{Buf, Bytes};
use futures::{FutureExt, StreamExt};

use super::channel::read_chunk;
use crate::error::{Error, Result};
use crate::stream::{ByteStream, CHANNEL_DEPTH, CHUNK_SIZE, ReadStream};

/// Runs `f` here; a panic becomes the error `panicked` gives, as a panic
/// on the blocking pool does.
pub(crate) fn call<T>(
    f: impl FnOnce() -> Result<T>,
    panicked: impl FnOnce() -> Error,
) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(panicked()))
}

/// A reader of a backend that never blocks, as a stream read on the
/// consumer's polls, [`CHUNK_SIZE`] at a time.
pub(crate) fn read_stream(reader: ReadStream) -> ByteStream {
    futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match read_chunk(&mut *reader)? {
            Ok(chunk) => Some((Ok(chunk), Some(reader))),
            // Nothing more is read after a failure.
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed()
}

/// What a write's source had ready without waiting.
pub(crate) enum Ready {
    /// The whole source (it ended within the limit).
    Whole(Chunks),
    /// Not all of it: the source again, from its first byte.
    Partial(ByteStream),
}

/// Takes what `src` yields without waiting, up to the bytes an adapter's
/// channel holds anyway (`CHANNEL_DEPTH * CHUNK_SIZE`), so memory stays
/// bounded as before.
pub(crate) fn ready(mut src: ByteStream) -> Ready {
    let mut chunks = VecDeque::new();
    let mut held = 0;
    while held <= CHANNEL_DEPTH * CHUNK_SIZE {
        match src.next().now_or_never() {
            Some(None) => return Ready::Whole(Chunks(chunks)),
            Some(Some(Ok(chunk))) => {
                held += chunk.len();
                chunks.push_back(chunk);
            }
            Some(Some(Err(e))) => {
                // Delivered in its place, by the streaming path.
                let head = futures::stream::iter(chunks.into_iter().map(Ok));
                let failed = futures::stream::iter([Err(e)]);
                return Ready::Partial(head.chain(failed).chain(src).boxed());
            }
            None => break,
        }
    }
    let head = futures::stream::iter(chunks.into_iter().map(Ok));
    Ready::Partial(head.chain(src).boxed())
}

/// A whole source as a reader.
pub(crate) struct Chunks(VecDeque<Bytes>);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(front) = self.0.front_mut() {
            if front.is_empty() {
                self.0.pop_front();
                continue;
            }
            let n = front.len().min(buf.len());
            front.copy_to_slice(&mut buf[..n]);
            return Ok(n);
        }
        Ok(0)
    }
}
