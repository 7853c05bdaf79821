//! Read streams: a GET's body in bounded pieces, errors mapped.
//!
//! One small stream type rather than a chain of combinators: a 1 GiB body
//! arrives as tens of thousands of chunks, and each layer of adapters is
//! paid on every one of them.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::Stream;
use futures::stream::BoxStream;
use remote_store_core::stream::ByteStream;
use remote_store_core::{RemotePath, Result};

use crate::error::map;

/// Largest chunk a read yields: stores that hold objects in memory hand
/// them out whole, and consumers should not see that.
pub(crate) const MAX_CHUNK: usize = 1024 * 1024;

/// `body` as a [`ByteStream`] of non-empty chunks of at most
/// [`MAX_CHUNK`] bytes (split without copying).
pub(crate) fn body(
    body: BoxStream<'static, object_store::Result<Bytes>>,
    path: RemotePath,
    backend: Arc<str>,
) -> ByteStream {
    Box::pin(Body {
        inner: body,
        rest: Bytes::new(),
        path,
        backend,
    })
}

struct Body {
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    /// What is left of an oversized chunk.
    rest: Bytes,
    path: RemotePath,
    backend: Arc<str>,
}

impl Stream for Body {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if !this.rest.is_empty() {
                let n = this.rest.len().min(MAX_CHUNK);
                return Poll::Ready(Some(Ok(this.rest.split_to(n))));
            }
            match ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(chunk)) if chunk.len() <= MAX_CHUNK => {
                    if !chunk.is_empty() {
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                }
                Some(Ok(chunk)) => this.rest = chunk,
                Some(Err(e)) => return Poll::Ready(Some(Err(map(e, &this.path, &this.backend)))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (low, _) = self.inner.size_hint();
        (low + usize::from(!self.rest.is_empty()), None)
    }
}

/// Drains a (ranged) body into one buffer, for `read_bytes` of a range.
pub(crate) async fn collect(stream: ByteStream) -> Result<Bytes> {
    remote_store_core::stream::collect_bytes(stream).await
}

#[cfg(test)]
mod tests {
    use futures::{StreamExt, executor::block_on, stream};
    use remote_store_core::ErrorKind;

    use super::*;

    #[test]
    fn chunks_are_bounded_non_empty_and_complete() {
        let big = Bytes::from(
            (0..(2 * MAX_CHUNK + 5))
                .map(|i| i as u8)
                .collect::<Vec<_>>(),
        );
        let parts = vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::new()),
            Ok(big.clone()),
            Ok(Bytes::from_static(b"z")),
        ];
        let path = RemotePath::new("f").unwrap();
        let out: Vec<Bytes> = block_on(
            body(stream::iter(parts).boxed(), path, "t".into())
                .map(|c| c.unwrap())
                .collect(),
        );
        let sizes: Vec<usize> = out.iter().map(Bytes::len).collect();
        assert_eq!(sizes, [2, MAX_CHUNK, MAX_CHUNK, 5, 1]);
        let joined: Vec<u8> = out.concat();
        assert_eq!(&joined[2..joined.len() - 1], &big[..]);
    }

    #[test]
    fn errors_are_mapped_with_the_path() {
        let failing = stream::iter(vec![
            Ok(Bytes::from_static(b"ab")),
            Err(object_store::Error::NotFound {
                path: "k".into(),
                source: "gone".into(),
            }),
        ]);
        let path = RemotePath::new("dir/f").unwrap();
        let out: Vec<Result<Bytes>> = block_on(body(failing.boxed(), path, "t".into()).collect());
        assert_eq!(out[0].as_ref().unwrap(), &Bytes::from_static(b"ab"));
        let err = out[1].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(err.path(), Some("dir/f"));
    }
}
