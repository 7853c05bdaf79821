//! The observing wrapper over an async backend.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use remote_store_core::layer::LayeredAsyncBackend;
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, CopyOptions, DeleteFolderOptions, DeleteOptions, FileInfo, FolderInfo,
    ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, async_trait,
};

use super::{Observer, Outcome, Watch, none};
use crate::op::Op;

pub(crate) struct AsyncObserved<O: Observer> {
    inner: Arc<dyn AsyncBackend>,
    observer: Arc<O>,
    /// The backend's name, interned once.
    name: &'static str,
}

impl<O: Observer> AsyncObserved<O> {
    pub(crate) fn new(observer: Arc<O>, inner: Arc<dyn AsyncBackend>) -> Self {
        let name = super::intern(inner.name());
        AsyncObserved {
            inner,
            observer,
            name,
        }
    }

    /// A one-shot call; `size` reads the bytes moved off its result.
    async fn one<'a, T: Send + 'a>(
        &self,
        op: Op,
        path: &str,
        call: futures::future::BoxFuture<'a, Result<T>>,
        size: impl FnOnce(&T) -> Option<u64>,
    ) -> Result<T> {
        let watched = self.observer.start(self.name, op, path);
        let result = self.observer.instrument(&watched, call).await;
        let mut outcome = Outcome::of(&result);
        outcome.bytes = result.as_ref().ok().and_then(size);
        self.observer.finish(watched, outcome);
        result
    }

    /// A call that returns a stream, watched until the stream ends.
    async fn streaming<'a, T: Send + 'static>(
        &self,
        op: Op,
        path: &str,
        open: futures::future::BoxFuture<
            'a,
            Result<futures::stream::BoxStream<'static, Result<T>>>,
        >,
        bytes: fn(&T) -> Option<u64>,
    ) -> Result<futures::stream::BoxStream<'static, Result<T>>> {
        let watched = self.observer.start(self.name, op, path);
        match self.observer.instrument(&watched, open).await {
            Ok(stream) => Ok(WatchedStream {
                inner: stream,
                watch: Watch::new(self.observer.clone(), watched),
                bytes,
                counts_bytes: op == Op::Read,
            }
            .boxed()),
            Err(e) => {
                self.observer.finish(watched, Outcome::failed(&e));
                Err(e)
            }
        }
    }
}

fn chunk_len(chunk: &Bytes) -> Option<u64> {
    Some(chunk.len() as u64)
}

/// A stream, watched: bytes counted where `bytes` measures an item,
/// entries otherwise.
struct WatchedStream<T, O: Observer> {
    inner: futures::stream::BoxStream<'static, Result<T>>,
    watch: Watch<O>,
    bytes: fn(&T) -> Option<u64>,
    /// Bytes are counted (a read), not entries (a listing).
    counts_bytes: bool,
}

impl<T, O: Observer> Stream for WatchedStream<T, O> {
    type Item = Result<T>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let inner = &mut this.inner;
        let polled = this.watch.scope(|| inner.poll_next_unpin(cx));
        let measure = this.bytes;
        let counts_bytes = this.counts_bytes;
        if let Poll::Ready(item) = &polled {
            match item {
                None => this.watch.end(None, counts_bytes, false),
                Some(Ok(value)) => match measure(value) {
                    Some(n) => {
                        if this.watch.count == 0 && n > 0 {
                            this.watch.first_byte();
                        }
                        this.watch.count += n;
                    }
                    None => this.watch.count += 1,
                },
                Some(Err(e)) if e.is_unlisted() => this.watch.count += 1,
                Some(Err(e)) => this.watch.end(Some(e), counts_bytes, false),
            }
        }
        polled
    }
}

impl<T, O: Observer> Drop for WatchedStream<T, O> {
    fn drop(&mut self) {
        self.watch.end(None, self.counts_bytes, true);
    }
}

#[async_trait]
impl<O: Observer> LayeredAsyncBackend for AsyncObserved<O> {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::Exists, path.as_str(), self.inner.exists(path), none)
            .await
    }
    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::IsFile, path.as_str(), self.inner.is_file(path), none)
            .await
    }
    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.one(
            Op::IsFolder,
            path.as_str(),
            self.inner.is_folder(path),
            none,
        )
        .await
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let call = self.inner.get_file_info(path);
        self.one(Op::GetFileInfo, path.as_str(), call, none).await
    }
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        let call = self.inner.get_folder_info(path);
        self.one(Op::GetFolderInfo, path.as_str(), call, none).await
    }
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        let call = self.inner.delete(path, options);
        self.one(Op::Delete, path.as_str(), call, none).await
    }
    /// One span for the batch: its first path, and the count as entries.
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let first = paths.first().map_or("", RemotePath::as_str);
        let watched = self.observer.start(self.name, Op::DeleteBatch, first);
        let call = self.inner.delete_batch(paths, missing_ok);
        let result = self.observer.instrument(&watched, call).await;
        self.observer
            .finish(watched, Outcome::of_batch(&result, paths.len()));
        result
    }
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let call = self.inner.delete_folder(path, options);
        self.one(Op::DeleteFolder, path.as_str(), call, none).await
    }
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        let call = self.inner.rename(src, dst, options);
        self.one(Op::Rename, src.as_str(), call, none).await
    }
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let call = self.inner.copy(src, dst, options);
        self.one(Op::Copy, src.as_str(), call, none).await
    }
    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        let call = self.inner.presign(path, options);
        self.one(Op::Presign, path.as_str(), call, none).await
    }
    async fn check_health(&self) -> Result<()> {
        let call = self.inner.check_health();
        self.one(Op::CheckHealth, "", call, none).await
    }
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let call = self.inner.read_bytes(path, options);
        self.one(Op::ReadBytes, path.as_str(), call, |b: &Bytes| {
            Some(b.len() as u64)
        })
        .await
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let call = self.inner.write(path, src, options);
        self.one(Op::Write, path.as_str(), call, |r: &WriteResult| {
            Some(r.size)
        })
        .await
    }
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let open = self.inner.read(path, options);
        self.streaming(Op::Read, path.as_str(), open, chunk_len)
            .await
    }
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        let open = self.inner.list_files(path, options);
        self.streaming(Op::ListFiles, path.as_str(), open, none)
            .await
    }
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        let open = self.inner.list_folders(path);
        self.streaming(Op::ListFolders, path.as_str(), open, none)
            .await
    }
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        let open = self.inner.glob(pattern);
        self.streaming(Op::Glob, pattern, open, none).await
    }
}
