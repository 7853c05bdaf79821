//! [`ConcurrencyLimitLayer`]: at most N calls at work at once.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use remote_store_core::WriteSink;
use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::stream::{
    ByteStream, FileIter, FileStream, FolderIter, FolderStream, ReadStream,
};
use remote_store_core::{
    AsyncBackend, Backend, CopyOptions, DeleteFolderOptions, DeleteOptions, FileInfo, FolderInfo,
    ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, async_trait,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `limit` calls at work at once, across every store the layer
/// (or a clone of it) is applied to, on both faces. See the
/// [module](super) for what holds a permit: never a caller's idle stream,
/// so nested use (list while reading, copy between limited stores) cannot
/// deadlock. A `delete_batch` is one call and holds one permit, as a
/// recursive `delete_folder` does, whatever the requests its backend makes
/// (up to 16 deletes, or 8 bulk requests, at once).
///
/// ```
/// use remote_store_core::{AsyncStore, Store};
/// use remote_store_layers::ConcurrencyLimitLayer;
/// use remote_store_memory::MemoryBackend;
///
/// let limit = ConcurrencyLimitLayer::new(8);
/// let a = Store::new(MemoryBackend::new()).layer(limit.clone());
/// let b = AsyncStore::new(MemoryBackend::new()).layer(limit.clone());
/// a.write_bytes("x", "1", false)?; // a and b share the 8 permits
/// # drop(b);
/// # Ok::<(), remote_store_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConcurrencyLimitLayer {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl ConcurrencyLimitLayer {
    /// A limit of `limit` calls at once (at least 1).
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        ConcurrencyLimitLayer {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Permits free now (`limit` minus the calls at work).
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

impl Layer for ConcurrencyLimitLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(Limited {
            inner,
            permits: self.permits.clone(),
        })
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(Limited {
            inner,
            permits: self.permits.clone(),
        })
    }
}

struct Limited<B: ?Sized> {
    inner: Arc<B>,
    permits: Arc<Semaphore>,
}

/// A permit, waited for on this thread (the sync face).
fn wait(permits: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    futures::executor::block_on(permits.clone().acquire_owned())
        .expect("the semaphore is never closed")
}

/// A permit, waited for asynchronously.
async fn acquire(permits: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    permits
        .clone()
        .acquire_owned()
        .await
        .expect("the semaphore is never closed")
}

impl Limited<dyn Backend> {
    fn call<T>(&self, call: impl FnOnce() -> Result<T>) -> Result<T> {
        let _permit = wait(&self.permits);
        call()
    }
}

impl LayeredBackend for Limited<dyn Backend> {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.call(|| self.inner.exists(path))
    }
    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.call(|| self.inner.is_file(path))
    }
    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.call(|| self.inner.is_folder(path))
    }
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let stream = self.call(|| self.inner.read(path, options))?;
        Ok(Box::new(PerRead {
            inner: stream,
            permits: self.permits.clone(),
        }))
    }
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.call(|| self.inner.read_bytes(path, options))
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn io::Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let mut src = Yielding {
            inner: src,
            permits: self.permits.clone(),
            held: Some(wait(&self.permits)),
        };
        self.inner.write(path, &mut src, options)
    }
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        let sink = self.call(|| self.inner.writer(path, options))?;
        Ok(sink.map(|inner| {
            Box::new(LimitedSink {
                inner,
                permits: self.permits.clone(),
            }) as Box<dyn WriteSink>
        }))
    }
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.call(|| self.inner.delete(path, options))
    }
    /// One permit for the batch.
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        self.call(|| self.inner.delete_batch(paths, missing_ok))
    }
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.call(|| self.inner.delete_folder(path, options))
    }
    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        let files = self.call(|| self.inner.list_files(path, options))?;
        Ok(Box::new(PerItem {
            inner: files,
            permits: self.permits.clone(),
        }))
    }
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        let folders = self.call(|| self.inner.list_folders(path))?;
        Ok(Box::new(PerItem {
            inner: folders,
            permits: self.permits.clone(),
        }))
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.call(|| self.inner.get_file_info(path))
    }
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.call(|| self.inner.get_folder_info(path))
    }
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        self.call(|| self.inner.rename(src, dst, options))
    }
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.call(|| self.inner.copy(src, dst, options))
    }
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        let files = self.call(|| self.inner.glob(pattern))?;
        Ok(Box::new(PerItem {
            inner: files,
            permits: self.permits.clone(),
        }))
    }
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        self.call(|| self.inner.presign(path, options))
    }
    fn check_health(&self) -> Result<()> {
        self.call(|| self.inner.check_health())
    }
}

/// A sync read stream holding a permit during each `read`.
struct PerRead {
    inner: ReadStream,
    permits: Arc<Semaphore>,
}

impl io::Read for PerRead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let _permit = wait(&self.permits);
        self.inner.read(buf)
    }
}

/// A sync listing holding a permit while it fetches each entry.
struct PerItem<I> {
    inner: I,
    permits: Arc<Semaphore>,
}

impl<I: Iterator> Iterator for PerItem<I> {
    type Item = I::Item;
    fn next(&mut self) -> Option<I::Item> {
        let _permit = wait(&self.permits);
        self.inner.next()
    }
}

/// A sync write's source: the write's permit goes back while the source
/// is read, and is taken again before the backend gets the bytes.
struct Yielding<'a> {
    inner: &'a mut dyn io::Read,
    permits: Arc<Semaphore>,
    held: Option<OwnedSemaphorePermit>,
}

impl io::Read for Yielding<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.held = None;
        let n = self.inner.read(buf);
        self.held = Some(wait(&self.permits));
        n
    }
}

/// A backend's own sink, holding a permit during each call.
struct LimitedSink {
    inner: Box<dyn WriteSink>,
    permits: Arc<Semaphore>,
}

impl io::Write for LimitedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _permit = wait(&self.permits);
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        let _permit = wait(&self.permits);
        self.inner.flush()
    }
}

impl WriteSink for LimitedSink {
    fn finish(self: Box<Self>) -> Result<WriteResult> {
        let _permit = wait(&self.permits);
        self.inner.finish()
    }
}

impl Limited<dyn AsyncBackend> {
    async fn call<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        let _permit = acquire(&self.permits).await;
        call.await
    }
}

#[async_trait]
impl LayeredAsyncBackend for Limited<dyn AsyncBackend> {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.call(self.inner.exists(path)).await
    }
    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.call(self.inner.is_file(path)).await
    }
    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.call(self.inner.is_folder(path)).await
    }
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        self.call(self.inner.read(path, options)).await
    }
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.call(self.inner.read_bytes(path, options)).await
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let held = acquire(&self.permits).await;
        let src = YieldingStream {
            inner: src,
            permits: self.permits.clone(),
            held: Some(held),
            waiting: None,
            item: None,
        };
        self.inner.write(path, src.boxed(), options).await
    }
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.call(self.inner.delete(path, options)).await
    }
    /// One permit for the batch.
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        self.call(self.inner.delete_batch(paths, missing_ok)).await
    }
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.call(self.inner.delete_folder(path, options)).await
    }
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        self.call(self.inner.list_files(path, options)).await
    }
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        self.call(self.inner.list_folders(path)).await
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.call(self.inner.get_file_info(path)).await
    }
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.call(self.inner.get_folder_info(path)).await
    }
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        self.call(self.inner.rename(src, dst, options)).await
    }
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.call(self.inner.copy(src, dst, options)).await
    }
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.call(self.inner.glob(pattern)).await
    }
    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        self.call(self.inner.presign(path, options)).await
    }
    async fn check_health(&self) -> Result<()> {
        self.call(self.inner.check_health()).await
    }
}

type Acquiring = Pin<
    Box<
        dyn Future<Output = std::result::Result<OwnedSemaphorePermit, tokio::sync::AcquireError>>
            + Send,
    >,
>;

fn acquiring(permits: &Arc<Semaphore>) -> Acquiring {
    Box::pin(permits.clone().acquire_owned())
}

/// An async write's source: the write's permit goes back while the source
/// is polled, and is taken again before the backend gets the chunk.
struct YieldingStream {
    inner: ByteStream,
    permits: Arc<Semaphore>,
    held: Option<OwnedSemaphorePermit>,
    waiting: Option<Acquiring>,
    /// A chunk pulled from the source, waiting for the permit.
    item: Option<Option<Result<Bytes>>>,
}

impl Stream for YieldingStream {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.item.is_none() {
            this.held = None;
            this.item = Some(ready!(this.inner.poll_next_unpin(cx)));
        }
        let permits = &this.permits;
        let waiting = this.waiting.get_or_insert_with(|| acquiring(permits));
        let permit = ready!(waiting.as_mut().poll(cx)).expect("the semaphore is never closed");
        this.waiting = None;
        this.held = Some(permit);
        Poll::Ready(this.item.take().expect("pulled above"))
    }
}
