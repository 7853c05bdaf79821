//! [`AsyncBackendBridge`]: an async backend driven from sync code.

use std::fmt;
use std::future::Future;
use std::io::Read;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

use super::channel::{
    ChannelIter, Msg, channel, read_head, receive_stream, send_items, send_reader, send_stream,
};
use super::runtime::bridge_runtime;
use super::task_sink::TaskSink;
use super::wait::block_on;
use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::capability::Capabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, ListOptions, PresignOptions, ReadOptions,
    RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::stream::{ByteStream, FileIter, FolderIter, ReadStream};
use crate::writer::WriteSink;

/// Runs an [`AsyncBackend`] as a sync [`Backend`]: the blocking bridge.
///
/// Calls run against a multi-thread tokio runtime (a shared one by default,
/// or the one given to [`with_handle`](Self::with_handle)) and the calling
/// thread sleeps until they complete. Streaming calls are spawned on that
/// runtime; one-shot calls (and writes whose source ends within the first
/// [`CHUNK_SIZE`](crate::stream::CHUNK_SIZE) bytes) are polled on the
/// calling thread inside the runtime's context, whose workers drive their
/// I/O and timers (no spawn, no hand-back per call). Nothing a call waits
/// on depends on the caller's own executor, so the bridge works from a
/// plain thread, from inside a multi-thread runtime and from inside a
/// current-thread runtime, without panicking or deadlocking. A panic in the backend comes back as an
/// error. (Blocking inside async code still stalls that task's worker;
/// prefer [`AsyncStore`](crate::AsyncStore) there.)
///
/// Reads, listings and longer writes stream through bounded channels.
///
/// [`Store`](crate::Store) applies the bridge by itself when given an async
/// backend.
#[derive(Clone)]
pub struct AsyncBackendBridge {
    inner: Arc<dyn AsyncBackend>,
    handle: Handle,
}

impl AsyncBackendBridge {
    /// Bridges `backend`, running it on the shared bridge runtime.
    pub fn new(backend: impl AsyncBackend) -> Self {
        Self::from_arc(Arc::new(backend))
    }

    /// Bridges a shared backend, running it on the shared bridge runtime.
    pub fn from_arc(backend: Arc<dyn AsyncBackend>) -> Self {
        AsyncBackendBridge {
            inner: backend,
            handle: bridge_runtime().handle().clone(),
        }
    }

    /// Bridges a shared backend, running it on the runtime of `handle`.
    ///
    /// # Errors
    /// `InvalidConfig` when `handle` belongs to a current-thread runtime:
    /// a call made from that runtime's own thread would wait for work that
    /// only the waiting thread could run.
    pub fn with_handle(backend: Arc<dyn AsyncBackend>, handle: Handle) -> Result<Self> {
        if handle.runtime_flavor() == RuntimeFlavor::CurrentThread {
            return Err(Error::new(ErrorKind::InvalidConfig).with_message(
                "the blocking bridge needs a multi-thread runtime; a current-thread one can deadlock",
            ));
        }
        Ok(AsyncBackendBridge {
            inner: backend,
            handle,
        })
    }

    /// The bridged backend.
    pub fn inner(&self) -> &Arc<dyn AsyncBackend> {
        &self.inner
    }

    /// The same bridge (same runtime) over another backend: for a layer
    /// wrapped around the bridged one.
    pub(crate) fn rewrap(&self, inner: Arc<dyn AsyncBackend>) -> Self {
        AsyncBackendBridge {
            inner,
            handle: self.handle.clone(),
        }
    }

    fn run<T, F>(&self, call: impl FnOnce(Arc<dyn AsyncBackend>) -> F) -> Result<T>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        // Polled here, inside the runtime's context (its reactor and timers
        // are driven by its workers): no spawn and no hand-back per call.
        let _context = self.handle.enter();
        let call = std::panic::AssertUnwindSafe(call(self.inner.clone()));
        block_on(futures::FutureExt::catch_unwind(call)).unwrap_or_else(|_| Err(self.panicked()))
    }

    fn open_reader<F>(&self, open: impl FnOnce(Arc<dyn AsyncBackend>) -> F) -> Result<ReadStream>
    where
        F: Future<Output = Result<ByteStream>> + Send + 'static,
    {
        let opened = self.open_described(|b| {
            let opening = open(b);
            async move { Ok(((), opening.await?)) }
        });
        opened.map(|((), reader)| reader)
    }

    /// Opens a stream that comes with a value (its file's metadata), both
    /// handed over when the stream is open.
    fn open_described<T, F>(
        &self,
        open: impl FnOnce(Arc<dyn AsyncBackend>) -> F,
    ) -> Result<(T, ReadStream)>
    where
        T: Send + 'static,
        F: Future<Output = Result<(T, ByteStream)>> + Send + 'static,
    {
        let (tx, rx) = channel();
        let (opened_tx, opened_rx) = oneshot::channel();
        let opening = open(self.inner.clone());
        self.handle.spawn(async move {
            match opening.await {
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                }
                Ok((value, stream)) => {
                    if opened_tx.send(Ok(value)).is_ok() {
                        send_stream(stream, &tx).await;
                    }
                }
            }
        });
        match block_on(opened_rx) {
            Ok(Ok(value)) => Ok((value, Box::new(super::channel::ChannelReader::new(rx)))),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(self.panicked()),
        }
    }

    fn write_from<F>(
        &self,
        src: &mut dyn Read,
        write: impl FnOnce(Arc<dyn AsyncBackend>, ByteStream) -> F,
    ) -> Result<WriteResult>
    where
        F: Future<Output = Result<WriteResult>> + Send + 'static,
    {
        // A source that ends within one chunk is written like a one-shot
        // call, in place; a failing source fails here, before the backend
        // sees anything.
        let (head, ended) = read_head(src).map_err(Error::from_source_io)?;
        if ended {
            let content: ByteStream =
                futures::stream::iter((!head.is_empty()).then_some(Ok(head))).boxed();
            return self.run(|backend| write(backend, content));
        }
        let (tx, rx) = channel();
        let task = self
            .handle
            .spawn(write(self.inner.clone(), receive_stream(rx)));
        // Feeds the backend from this thread, so `src` need not be 'static.
        // If `src` panics, `tx` drops without an end marker and the backend
        // sees a failed stream, so nothing is committed.
        if block_on(tx.send(Msg::Item(head))).is_ok() {
            send_reader(src, &tx);
        }
        drop(tx);
        block_on(task).map_err(|e| self.task_failed(e))?
    }

    fn open_listing<T, F>(
        &self,
        open: impl FnOnce(Arc<dyn AsyncBackend>) -> F,
    ) -> Result<Box<dyn Iterator<Item = Result<T>> + Send>>
    where
        T: Send + 'static,
        F: Future<Output = Result<BoxStream<'static, Result<T>>>> + Send + 'static,
    {
        let (tx, rx) = channel();
        let (opened_tx, opened_rx) = oneshot::channel();
        let opening = open(self.inner.clone());
        self.handle.spawn(async move {
            match opening.await {
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                }
                Ok(stream) => {
                    if opened_tx.send(Ok(())).is_ok() {
                        send_items(stream, &tx).await;
                    }
                }
            }
        });
        match block_on(opened_rx) {
            Ok(Ok(())) => Ok(Box::new(ChannelIter::new(rx))),
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

impl fmt::Debug for AsyncBackendBridge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncBackendBridge")
            .field("backend", &self.inner.name())
            .finish()
    }
}

#[warn(clippy::missing_trait_methods)]
impl Backend for AsyncBackendBridge {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn exists(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(|b| async move { b.exists(&path).await })
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(|b| async move { b.is_file(&path).await })
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let path = path.clone();
        self.run(|b| async move { b.is_folder(&path).await })
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let (path, options) = (path.clone(), options.clone());
        self.open_reader(|b| async move { b.read(&path, &options).await })
    }

    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        let (path, options) = (path.clone(), options.clone());
        self.open_described(|b| async move { b.read_with_info(&path, &options).await })
    }

    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<bytes::Bytes> {
        let (path, options) = (path.clone(), options.clone());
        self.run(|b| async move { b.read_bytes(&path, &options).await })
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let (path, options) = (path.clone(), options.clone());
        self.write_from(src, |b, stream| async move {
            b.write(&path, stream, &options).await
        })
    }

    /// The async backend's `write`, started now as a task whose source
    /// the sink feeds directly (`TaskSink`).
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        let (path, options) = (path.clone(), options.clone());
        let (tx, rx) = channel();
        let backend = self.inner.clone();
        let task = self
            .handle
            .spawn(async move { backend.write(&path, receive_stream(rx), &options).await });
        let name = self.inner.name().to_owned();
        let task_failed = Box::new(move |e: tokio::task::JoinError| {
            Error::other("the backend task failed")
                .with_backend(name.clone())
                .with_source(e)
        });
        Ok(Some(Box::new(TaskSink::new(tx, task, task_failed))))
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        let (path, options) = (path.clone(), options.clone());
        self.run(|b| async move { b.delete(&path, &options).await })
    }

    /// Every call waits for the async backend's future on this thread.
    fn never_blocks(&self) -> bool {
        false
    }

    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        let paths = paths.to_vec();
        self.run(|b| async move { b.delete_batch(&paths, missing_ok).await })
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let (path, options) = (path.clone(), options.clone());
        self.run(|b| async move { b.delete_folder(&path, &options).await })
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        let (path, options) = (path.clone(), options.clone());
        self.open_listing(|b| async move { b.list_files(&path, &options).await })
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        let path = path.clone();
        self.open_listing(|b| async move { b.list_folders(&path).await })
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let path = path.clone();
        self.run(|b| async move { b.get_file_info(&path).await })
    }

    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        let path = path.clone();
        self.run(|b| async move { b.get_folder_info(&path).await })
    }

    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        let (src, dst, options) = (src.clone(), dst.clone(), options.clone());
        self.run(|b| async move { b.rename(&src, &dst, &options).await })
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let (src, dst, options) = (src.clone(), dst.clone(), options.clone());
        self.run(|b| async move { b.copy(&src, &dst, &options).await })
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        let pattern = pattern.to_owned();
        self.open_listing(|b| async move { b.glob(&pattern).await })
    }

    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        let (path, options) = (path.clone(), options.clone());
        self.run(|b| async move { b.presign(&path, &options).await })
    }

    fn close(&self) -> Result<()> {
        self.run(|b| async move { b.close().await })
    }

    fn check_health(&self) -> Result<()> {
        self.run(|b| async move { b.check_health().await })
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
