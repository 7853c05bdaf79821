//! [`SyncBackendAdapter`]: a sync backend driven from async code.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use tokio::sync::oneshot;

use super::channel::{
    ChannelReader, channel, receive_items, receive_stream, send_iter, send_reader, send_stream,
};
use super::inline;
use super::runtime::blocking_handle;
use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::capability::Capabilities;
use crate::error::{Error, Result};
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, ListOptions, PresignOptions, ReadOptions,
    RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::stream::{ByteStream, FileStream, FolderStream, ReadStream};

/// Runs a sync [`Backend`] as an [`AsyncBackend`].
///
/// Every call runs on tokio's blocking pool (`spawn_blocking`), on the
/// caller's runtime when there is one, else on a shared runtime, so async
/// tasks never block. Reads, writes and listings stream through bounded
/// channels: a read pulls chunks as the consumer polls, a write feeds the
/// backend's reader as the source stream yields, a listing walks as it is
/// consumed. Dropping a stream stops the work behind it. A write whose
/// source is already all there (up to 256 KiB, e.g. `write_bytes`) is
/// handed over whole, in one hop.
///
/// A backend that [never blocks](Backend::never_blocks) (the memory
/// backend) is called on the caller's task instead, its streams read as
/// they are polled: no hop at all.
///
/// [`AsyncStore`](crate::AsyncStore) applies this adapter by itself when
/// given a sync backend.
#[derive(Clone)]
pub struct SyncBackendAdapter {
    inner: Arc<dyn Backend>,
}

impl SyncBackendAdapter {
    /// Adapts `backend`.
    pub fn new(backend: impl Backend) -> Self {
        Self::from_arc(Arc::new(backend))
    }

    /// Adapts a shared backend.
    pub fn from_arc(backend: Arc<dyn Backend>) -> Self {
        SyncBackendAdapter { inner: backend }
    }

    /// The adapted backend.
    pub fn inner(&self) -> &Arc<dyn Backend> {
        &self.inner
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Backend) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        if self.inner.never_blocks() {
            return inline::call(|| f(&*self.inner), || self.panicked());
        }
        let inner = self.inner.clone();
        blocking_handle()
            .spawn_blocking(move || f(&*inner))
            .await
            .map_err(|e| self.task_failed(e))?
    }

    async fn open_reader(
        &self,
        open: impl FnOnce(&dyn Backend) -> Result<ReadStream> + Send + 'static,
    ) -> Result<ByteStream> {
        let opened = self.open_described(|b| Ok(((), open(b)?))).await;
        opened.map(|((), stream)| stream)
    }

    /// Opens a reader that comes with a value (its file's metadata), both
    /// handed over when the reader is open: one hop to the blocking pool.
    async fn open_described<T: Send + 'static>(
        &self,
        open: impl FnOnce(&dyn Backend) -> Result<(T, ReadStream)> + Send + 'static,
    ) -> Result<(T, ByteStream)> {
        if self.inner.never_blocks() {
            let (value, reader) = inline::call(|| open(&*self.inner), || self.panicked())?;
            return Ok((value, inline::read_stream(reader)));
        }
        let (tx, rx) = channel();
        let (opened_tx, opened_rx) = oneshot::channel();
        let inner = self.inner.clone();
        blocking_handle().spawn_blocking(move || match open(&*inner) {
            Err(e) => {
                let _ = opened_tx.send(Err(e));
            }
            Ok((value, mut reader)) => {
                if opened_tx.send(Ok(value)).is_ok() {
                    send_reader(&mut *reader, &tx);
                }
            }
        });
        match opened_rx.await {
            Ok(Ok(value)) => Ok((value, receive_stream(rx))),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.panicked()),
        }
    }

    async fn write_from(
        &self,
        src: ByteStream,
        write: impl FnOnce(&dyn Backend, &mut dyn Read) -> Result<WriteResult> + Send + 'static,
    ) -> Result<WriteResult> {
        let src = match inline::ready(src) {
            // All there already (a `write_bytes`): handed over whole, in
            // one hop, or none for a backend that never blocks.
            inline::Ready::Whole(mut whole) => {
                if self.inner.never_blocks() {
                    return inline::call(|| write(&*self.inner, &mut whole), || self.panicked());
                }
                let inner = self.inner.clone();
                return blocking_handle()
                    .spawn_blocking(move || write(&*inner, &mut whole))
                    .await
                    .map_err(|e| self.task_failed(e))?;
            }
            inline::Ready::Partial(src) => src,
        };
        let (tx, rx) = channel();
        let inner = self.inner.clone();
        let task = blocking_handle().spawn_blocking(move || {
            let mut reader = ChannelReader::new(rx);
            write(&*inner, &mut reader)
        });
        // If this future is dropped here, `tx` goes without an end marker
        // and the backend's reader fails: a cancelled write never commits.
        send_stream(src, &tx).await;
        drop(tx);
        task.await.map_err(|e| self.task_failed(e))?
    }

    async fn open_listing<T: Send + 'static>(
        &self,
        open: impl FnOnce(&dyn Backend) -> Result<Box<dyn Iterator<Item = Result<T>> + Send>>
        + Send
        + 'static,
    ) -> Result<futures::stream::BoxStream<'static, Result<T>>> {
        if self.inner.never_blocks() {
            let items = inline::call(|| open(&*self.inner), || self.panicked())?;
            return Ok(futures::stream::iter(items).boxed());
        }
        let (tx, rx) = channel();
        let (opened_tx, opened_rx) = oneshot::channel();
        let inner = self.inner.clone();
        blocking_handle().spawn_blocking(move || match open(&*inner) {
            Err(e) => {
                let _ = opened_tx.send(Err(e));
            }
            Ok(iter) => {
                if opened_tx.send(Ok(())).is_ok() {
                    send_iter(iter, &tx);
                }
            }
        });
        match opened_rx.await {
            Ok(Ok(())) => Ok(receive_items(rx)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.panicked()),
        }
    }

    fn panicked(&self) -> Error {
        Error::other("the backend panicked").with_backend(self.inner.name().to_owned())
    }

    fn task_failed(&self, e: tokio::task::JoinError) -> Error {
        Error::other("the backend task failed")
            .with_backend(self.inner.name().to_owned())
            .with_source(e)
    }
}

impl fmt::Debug for SyncBackendAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncBackendAdapter")
            .field("backend", &self.inner.name())
            .finish()
    }
}

#[warn(clippy::missing_trait_methods)]
#[async_trait]
impl AsyncBackend for SyncBackendAdapter {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(move |b| b.exists(&path)).await
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(move |b| b.is_file(&path)).await
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(move |b| b.is_folder(&path)).await
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let (path, options) = (path.clone(), options.clone());
        self.open_reader(move |b| b.read(&path, &options)).await
    }

    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        let (path, options) = (path.clone(), options.clone());
        self.open_described(move |b| b.read_with_info(&path, &options))
            .await
    }

    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<bytes::Bytes> {
        let (path, options) = (path.clone(), options.clone());
        self.run(move |b| b.read_bytes(&path, &options)).await
    }

    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let (path, options) = (path.clone(), options.clone());
        self.write_from(src, move |b, r| b.write(&path, r, &options))
            .await
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        let (path, options) = (path.clone(), options.clone());
        self.run(move |b| b.delete(&path, &options)).await
    }

    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        // One hop for the batch: the backend's own delete_batch, on one
        // blocking thread.
        let paths = paths.to_vec();
        self.run(move |b| b.delete_batch(&paths, missing_ok)).await
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let (path, options) = (path.clone(), options.clone());
        self.run(move |b| b.delete_folder(&path, &options)).await
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        let (path, options) = (path.clone(), options.clone());
        self.open_listing(move |b| b.list_files(&path, &options))
            .await
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        let path = path.clone();
        self.open_listing(move |b| b.list_folders(&path)).await
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let path = path.clone();
        self.run(move |b| b.get_file_info(&path)).await
    }

    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        let path = path.clone();
        self.run(move |b| b.get_folder_info(&path)).await
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        let (src, dst, options) = (src.clone(), dst.clone(), options.clone());
        self.run(move |b| b.rename(&src, &dst, &options)).await
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let (src, dst, options) = (src.clone(), dst.clone(), options.clone());
        self.run(move |b| b.copy(&src, &dst, &options)).await
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        let pattern = pattern.to_owned();
        self.open_listing(move |b| b.glob(&pattern)).await
    }

    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        let (path, options) = (path.clone(), options.clone());
        self.run(move |b| b.presign(&path, &options)).await
    }

    async fn close(&self) -> Result<()> {
        self.run(|b| b.close()).await
    }

    async fn check_health(&self) -> Result<()> {
        self.run(|b| b.check_health()).await
    }

    fn storage_id(&self) -> Option<String> {
        self.inner.storage_id()
    }

    fn native_path(&self, path: &RemotePath) -> String {
        self.inner.native_path(path)
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        self.inner.to_key(native)
    }
}
