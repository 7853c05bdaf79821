//! [`BandwidthLimitLayer`]: at most N bytes per second, reads and writes
//! together.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::stream::{ByteStream, ReadStream};
use remote_store_core::{
    AsyncBackend, Backend, ReadOptions, RemotePath, Result, WriteOptions, WriteResult, async_trait,
};

/// At most `bytes_per_second` of file content moved per second, read and
/// written together, across every store the layer (or a clone of it) is
/// applied to, on both faces.
///
/// A chunk goes through when it arrives and the next one waits until the
/// budget has paid for it, so the rate holds over any second or longer
/// and a burst is at most one chunk (about 64 KiB) above it. Listings,
/// queries and the requests themselves are not counted; `read_bytes` and
/// a backend's own writer sink are (through `read` and chunk by chunk).
/// A copy or rename inside one backend moves no bytes through the layer
/// (the service or file system does it) and is not limited.
#[derive(Debug, Clone)]
pub struct BandwidthLimitLayer {
    budget: Arc<Budget>,
}

#[derive(Debug)]
struct Budget {
    rate: f64,
    /// Bytes the budget may lend before callers wait (negative: owed),
    /// as of `at`.
    state: Mutex<(f64, Instant)>,
}

impl Budget {
    /// Takes `n` bytes from the budget: how long the caller should wait
    /// before moving more.
    fn take(&self, n: usize) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (available, at) = *state;
        // Unused budget is not saved up beyond a tenth of a second.
        let refilled =
            (available + now.duration_since(at).as_secs_f64() * self.rate).min(self.rate / 10.0);
        let left = refilled - n as f64;
        *state = (left, now);
        if left >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-left / self.rate)
        }
    }
}

impl BandwidthLimitLayer {
    /// A limit of `bytes_per_second` (at least 1).
    pub fn new(bytes_per_second: u64) -> Self {
        let rate = bytes_per_second.max(1) as f64;
        BandwidthLimitLayer {
            budget: Arc::new(Budget {
                rate,
                state: Mutex::new((0.0, Instant::now())),
            }),
        }
    }

    /// The limit, in bytes per second.
    pub fn bytes_per_second(&self) -> u64 {
        self.budget.rate as u64
    }
}

impl Layer for BandwidthLimitLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(Throttled {
            inner,
            budget: self.budget.clone(),
        })
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(Throttled {
            inner,
            budget: self.budget.clone(),
        })
    }
}

struct Throttled<B: ?Sized> {
    inner: Arc<B>,
    budget: Arc<Budget>,
}

impl LayeredBackend for Throttled<dyn Backend> {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        self.inner.delete_batch(paths, missing_ok)
    }
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let inner = self.inner.read(path, options)?;
        Ok(Box::new(Paced {
            inner,
            budget: self.budget.clone(),
        }))
    }
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let mut stream = LayeredBackend::read(self, path, options)?;
        let mut buf = Vec::new();
        io::Read::read_to_end(&mut stream, &mut buf).map_err(remote_store_core::Error::from)?;
        Ok(buf.into())
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn io::Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let mut src = Paced {
            inner: src,
            budget: self.budget.clone(),
        };
        self.inner.write(path, &mut src, options)
    }
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn remote_store_core::WriteSink>>> {
        // The store's own sink feeds `write`, which is paced.
        let _ = (path, options);
        Ok(None)
    }
}

/// A sync reader that waits after each read until the budget has paid
/// for it.
struct Paced<R> {
    inner: R,
    budget: Arc<Budget>,
}

impl<R: io::Read> io::Read for Paced<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let wait = self.budget.take(n);
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Ok(n)
    }
}

#[async_trait]
impl LayeredAsyncBackend for Throttled<dyn AsyncBackend> {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        self.inner.delete_batch(paths, missing_ok).await
    }
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let stream = self.inner.read(path, options).await?;
        Ok(PacedStream::new(stream, self.budget.clone()).boxed())
    }
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let stream = LayeredAsyncBackend::read(self, path, options).await?;
        remote_store_core::stream::collect_bytes(stream).await
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let src = PacedStream::new(src, self.budget.clone()).boxed();
        self.inner.write(path, src, options).await
    }
}

/// An async stream that holds each chunk back until the budget has paid
/// for the one before.
struct PacedStream {
    inner: ByteStream,
    budget: Arc<Budget>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl PacedStream {
    fn new(inner: ByteStream, budget: Arc<Budget>) -> Self {
        PacedStream {
            inner,
            budget,
            pause: None,
        }
    }
}

impl Stream for PacedStream {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(pause) = self.pause.as_mut() {
            ready!(pause.as_mut().poll(cx));
            self.pause = None;
        }
        let item = ready!(self.inner.poll_next_unpin(cx));
        if let Some(Ok(chunk)) = &item {
            let wait = self.budget.take(chunk.len());
            if !wait.is_zero() {
                self.pause = Some(Box::pin(crate::clock::sleep(wait)));
            }
        }
        Poll::Ready(item)
    }
}
