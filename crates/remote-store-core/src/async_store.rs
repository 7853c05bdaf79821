//! [`AsyncStore`]: the async, root-scoped face users work with.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};

use crate::adapter::SyncBackendAdapter;
use crate::async_backend::AsyncBackend;
use crate::batch;
use crate::capability::{Capabilities, Capability};
use crate::contract::contract;
use crate::error::Result;
use crate::into_backend::IntoAsyncBackend;
use crate::layer::Layer;
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, Gated, ListOptions, PresignOptions,
    ReadOptions, RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::scope::{Needs, Scope, Transfer};
use crate::seekable::AsyncSeekableReader;
use crate::stream::{ByteStream, FileStream, FolderStream, byte_stream_once};
use crate::writer::AsyncFileWriter;

use crate::glob::ListFilter;
use Capability as C;

/// A folder of a backend, used from async code.
///
/// The async twin of [`Store`](crate::Store): same methods, same names, same
/// semantics; streams instead of readers and iterators. Works on async
/// backends directly and on sync ones through [`SyncBackendAdapter`], so a
/// sync backend never blocks an async task.
///
/// ```
/// # use remote_store_core::{AsyncStore, Result};
/// # use futures::TryStreamExt;
/// # async fn demo(backend: impl remote_store_core::AsyncBackend) -> Result<()> {
/// let store = AsyncStore::new(backend).child("reports")?;
/// store.write_bytes("2024/q1.csv", "a,b\n1,2\n", false).await?;
/// assert_eq!(store.read_bytes("2024/q1.csv").await?, "a,b\n1,2\n");
/// let files: Vec<_> = store.list_files("2024", false).await?.try_collect().await?;
/// assert_eq!(files[0].path.as_str(), "2024/q1.csv");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncStore {
    backend: Arc<dyn AsyncBackend>,
    scope: Scope,
}

impl AsyncStore {
    /// A store over the whole backend. Takes an async or a sync backend,
    /// owned or as `Arc<dyn AsyncBackend>` / `Arc<dyn Backend>`.
    pub fn new<M>(backend: impl IntoAsyncBackend<M>) -> Self {
        AsyncStore {
            backend: backend.into_async_backend(),
            scope: Scope::new(RemotePath::root()),
        }
    }

    /// A store scoped to `root` inside the backend.
    ///
    /// # Errors
    /// `InvalidPath` when `root` is not a valid path.
    pub fn with_root<M>(backend: impl IntoAsyncBackend<M>, root: &str) -> Result<Self> {
        AsyncStore::new(backend).child(root)
    }

    /// A store scoped to `sub` inside this one, sharing the backend (and
    /// the closed state).
    ///
    /// # Errors
    /// `InvalidPath` when `sub` is not a valid path.
    pub fn child(&self, sub: impl AsRef<str>) -> Result<Self> {
        Ok(AsyncStore {
            backend: self.backend.clone(),
            scope: self.scope.child(sub.as_ref())?,
        })
    }

    /// This store's root inside the backend.
    pub fn root(&self) -> &RemotePath {
        self.scope.root()
    }

    #[doc = contract!(name)]
    pub fn name(&self) -> &str {
        self.backend.name()
    }

    #[doc = contract!(capabilities)]
    pub fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    /// Whether the backend declares `cap`.
    pub fn supports(&self, cap: Capability) -> bool {
        self.capabilities().contains(cap)
    }

    /// The backend this store calls, without the store's checks (paths,
    /// capabilities, the closed state): for tools, and for the
    /// conformance suite, which checks that a backend keeps its own
    /// contract. Paths it takes are backend paths: this store's
    /// [`root`](Self::root) joined with the store path.
    pub fn backend(&self) -> &Arc<dyn AsyncBackend> {
        &self.backend
    }

    /// This store with `layer` wrapped around its backend (retry,
    /// timeouts, tracing, …; see [`layer`](crate::layer)); chainable, the
    /// last applied is the outermost. The layer wraps the backend's own
    /// trait: a sync backend's sync one, inside the
    /// [`SyncBackendAdapter`].
    ///
    /// [`backend_as`](Self::backend_as) does not see through layers: take
    /// the native API from the store before layering it.
    pub fn layer(self, layer: impl Layer) -> Self {
        let backend = match self
            .backend
            .as_ref()
            .as_any()
            .downcast_ref::<SyncBackendAdapter>()
        {
            Some(adapter) => Arc::new(SyncBackendAdapter::from_arc(
                layer.layer(adapter.inner().clone()),
            )),
            None => layer.layer_async(self.backend),
        };
        AsyncStore {
            backend,
            scope: self.scope,
        }
    }

    /// The concrete backend, to reach its native API. Sees through
    /// [`SyncBackendAdapter`].
    pub fn backend_as<T: 'static>(&self) -> Option<&T> {
        let any = self.backend.as_ref().as_any();
        if let Some(b) = any.downcast_ref::<T>() {
            return Some(b);
        }
        let adapter = any.downcast_ref::<SyncBackendAdapter>()?;
        adapter.inner().as_ref().as_any().downcast_ref::<T>()
    }

    fn check(&self, needs: &impl Gated) -> Result<()> {
        self.scope
            .check(self.capabilities(), needs)
            .map_err(|e| e.with_backend(self.name().to_owned()))
    }

    /// The write options a backend gets: with the content type guessed
    /// from the extension when none is given and the backend keeps one.
    fn with_guessed_type<'a>(
        &self,
        options: &'a WriteOptions,
        path: &RemotePath,
    ) -> std::borrow::Cow<'a, WriteOptions> {
        let keeps_type = self.capabilities().contains(C::ContentType);
        crate::attributes::with_guessed_type(options, path, keeps_type)
    }

    fn file(&self, path: &str, needs: &impl Gated) -> Result<RemotePath> {
        self.check(needs)?;
        self.scope.file(path).map_err(self.fail())
    }

    fn folder(&self, path: &str, needs: &impl Gated) -> Result<RemotePath> {
        self.check(needs)?;
        self.scope.folder(path).map_err(self.fail())
    }

    fn fail(&self) -> impl Fn(crate::Error) -> crate::Error + '_ {
        |e| self.scope.error(self.backend.name(), e)
    }

    /// `err` from the file operand `p`, as `InvalidPath` when a folder is
    /// there (ADR-0012); the probe runs on this error path only.
    async fn not_a_file(&self, p: &RemotePath, err: crate::Error) -> crate::Error {
        if !Scope::operand_missing(&err) {
            return err;
        }
        let folder = self.backend.is_folder(p).await.unwrap_or(false);
        Scope::not_a_file(p, folder, err)
    }

    /// A backend answer about the file operand `p`, with
    /// [`not_a_file`](Self::not_a_file) and the store's error mapping.
    async fn file_result<T>(&self, p: &RemotePath, r: Result<T>) -> Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(self
                .scope
                .error(self.backend.name(), self.not_a_file(p, e).await)),
        }
    }

    #[doc = contract!(exists)]
    pub async fn exists(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.exists(&p).await.map_err(self.fail())
    }

    #[doc = contract!(is_file)]
    pub async fn is_file(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if p == *self.root() {
            return Ok(false);
        }
        self.backend.is_file(&p).await.map_err(self.fail())
    }

    #[doc = contract!(is_folder)]
    pub async fn is_folder(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.is_folder(&p).await.map_err(self.fail())
    }

    #[doc = contract!(read)]
    ///
    /// Returns a stream of chunks
    /// ([`async_read_from_byte_stream`](crate::stream::async_read_from_byte_stream)
    /// turns it into an `AsyncRead`).
    pub async fn read(&self, path: impl AsRef<str>) -> Result<ByteStream> {
        self.read_with(path, &ReadOptions::new()).await
    }

    /// [`read`](Self::read) with options (a range, …), each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`read`](Self::read); `CapabilityNotSupported` for an option
    /// the backend does not declare.
    pub async fn read_with(
        &self,
        path: impl AsRef<str>,
        options: &ReadOptions,
    ) -> Result<ByteStream> {
        let p = self.file(path.as_ref(), options)?;
        let stream = self
            .file_result(&p, self.backend.read(&p, options).await)
            .await?;
        Ok(self.scope.byte_stream(self.backend.name(), stream))
    }

    #[doc = contract!(read_with_info)]
    ///
    /// `options` as for [`read_with`](Self::read_with)
    /// (`&ReadOptions::new()` for the whole file); the metadata's path is
    /// the store's.
    pub async fn read_with_info(
        &self,
        path: impl AsRef<str>,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        self.check(&Needs::of(&[C::Metadata]))?;
        let p = self.file(path.as_ref(), options)?;
        let (info, stream) = self
            .file_result(&p, self.backend.read_with_info(&p, options).await)
            .await?;
        let info = self.scope.strip_file(info)?;
        Ok((info, self.scope.byte_stream(self.backend.name(), stream)))
    }

    #[doc = contract!(read_range)]
    pub async fn read_range(
        &self,
        path: impl AsRef<str>,
        offset: u64,
        len: Option<u64>,
    ) -> Result<ByteStream> {
        self.read_with(path, &ReadOptions::new().range(offset, len))
            .await
    }

    #[doc = contract!(read_bytes)]
    pub async fn read_bytes(&self, path: impl AsRef<str>) -> Result<Bytes> {
        self.read_bytes_with(path, &ReadOptions::new()).await
    }

    /// [`read_bytes`](Self::read_bytes) with options, as for
    /// [`read_with`](Self::read_with).
    ///
    /// # Errors
    /// As for [`read_with`](Self::read_with).
    pub async fn read_bytes_with(
        &self,
        path: impl AsRef<str>,
        options: &ReadOptions,
    ) -> Result<Bytes> {
        let p = self.file(path.as_ref(), options)?;
        self.file_result(&p, self.backend.read_bytes(&p, options).await)
            .await
    }

    #[doc = contract!(write)]
    ///
    /// `src` is a stream of chunks; an `Err` item is the source failing.
    pub async fn write(
        &self,
        path: impl AsRef<str>,
        src: impl Stream<Item = Result<Bytes>> + Send + 'static,
        overwrite: bool,
    ) -> Result<WriteResult> {
        self.write_with(path, src, &WriteOptions::new().overwrite(overwrite))
            .await
    }

    /// [`write`](Self::write) with options (atomic, …), each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`write`](Self::write); `CapabilityNotSupported` for an option
    /// the backend does not declare.
    pub async fn write_with(
        &self,
        path: impl AsRef<str>,
        src: impl Stream<Item = Result<Bytes>> + Send + 'static,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let p = self.file(path.as_ref(), options)?;
        let options = self.with_guessed_type(options, &p);
        self.backend
            .write(&p, src.boxed(), &options)
            .await
            .map_err(self.fail())
    }

    /// Opens the file at `path` for random access: an
    /// [`AsyncSeekableReader`] (`AsyncRead + AsyncSeek`) built on range
    /// reads, with a bounded read-ahead window, pinned to the version it
    /// opened where the backend declares `Capability::ConditionalRead` (see
    /// [`seekable`](crate::seekable)).
    ///
    /// # Errors
    /// As for [`Store::open_seekable`](crate::Store::open_seekable).
    pub async fn open_seekable(&self, path: impl AsRef<str>) -> Result<AsyncSeekableReader> {
        AsyncSeekableReader::open(self.clone(), path.as_ref()).await
    }

    #[doc = contract!(writer)]
    ///
    /// The sink is an [`AsyncFileWriter`], committed by `shutdown` (or
    /// [`AsyncFileWriter::finish`], which returns the write result) and
    /// discarded when dropped or [`abort`](AsyncFileWriter::abort)ed
    /// before that. The backend receives the bytes as they are written, as
    /// `write` from a stream would.
    ///
    /// # Errors
    /// Before anything is written: `Closed`, `CapabilityNotSupported`,
    /// `InvalidPath` for a path the rules refuse or the root,
    /// `InvalidArgument` for options that break the rules (bad metadata,
    /// `if_match` without `overwrite`). The rest of `write`'s errors
    /// (`AlreadyExists`, …) come from the writer's `poll_write`, `shutdown`
    /// or `finish`; once one has, every later call answers it again.
    pub fn writer(&self, path: impl AsRef<str>, overwrite: bool) -> Result<AsyncFileWriter> {
        self.writer_with(path, &WriteOptions::new().overwrite(overwrite))
    }

    /// [`writer`](Self::writer) with options (atomic, a condition, …), each
    /// checked against the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`writer`](Self::writer).
    pub fn writer_with(
        &self,
        path: impl AsRef<str>,
        options: &WriteOptions,
    ) -> Result<AsyncFileWriter> {
        let p = self.file(path.as_ref(), options)?;
        let options = self.with_guessed_type(options, &p).into_owned();
        let backend = self.backend.clone();
        let (scope, name) = (self.scope.clone(), self.name().to_owned());
        Ok(AsyncFileWriter::start(move |src| async move {
            backend
                .write(&p, src, &options)
                .await
                .map_err(|e| scope.error(&name, e))
        }))
    }

    /// Writes `data` into a file: [`write`](Self::write) from a buffer in
    /// memory.
    ///
    /// # Errors
    /// As for [`write`](Self::write).
    pub async fn write_bytes(
        &self,
        path: impl AsRef<str>,
        data: impl Into<Bytes>,
        overwrite: bool,
    ) -> Result<WriteResult> {
        self.write(path, byte_stream_once(data.into()), overwrite)
            .await
    }

    #[doc = contract!(write_atomic)]
    pub async fn write_atomic(
        &self,
        path: impl AsRef<str>,
        src: impl Stream<Item = Result<Bytes>> + Send + 'static,
        overwrite: bool,
    ) -> Result<WriteResult> {
        let options = WriteOptions::new().overwrite(overwrite).atomic(true);
        self.write_with(path, src, &options).await
    }

    #[doc = contract!(delete)]
    pub async fn delete(&self, path: impl AsRef<str>, missing_ok: bool) -> Result<()> {
        self.delete_with(path, &DeleteOptions::new().missing_ok(missing_ok))
            .await
    }

    /// [`delete`](Self::delete) with options.
    ///
    /// # Errors
    /// As for [`delete`](Self::delete).
    pub async fn delete_with(&self, path: impl AsRef<str>, options: &DeleteOptions) -> Result<()> {
        let p = self.file(path.as_ref(), options)?;
        match self.backend.delete(&p, options).await {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let folder = self.backend.is_folder(&p).await.unwrap_or(false)
                    && !self.backend.is_file(&p).await.unwrap_or(true);
                Scope::wrong_kind(&p, false, folder, options.missing_ok, e)
            }
            other => other,
        }
        .map_err(self.fail())
    }

    #[doc = contract!(delete_batch)]
    ///
    /// Any number of paths: the store hands its backend at most
    /// [`DELETE_BATCH_MAX`](crate::DELETE_BATCH_MAX) at a time. A path the
    /// path rules refuse (the root included) is its own `InvalidPath`
    /// item, and a folder where a file was named answers as
    /// [`delete`](Self::delete) does.
    pub async fn delete_batch(
        &self,
        paths: &[impl AsRef<str>],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let options = DeleteOptions::new().missing_ok(missing_ok);
        self.check(&options)?;
        let (mut answers, targets) = batch::Answers::resolve(&self.scope, paths);
        for chunk in targets.chunks(crate::DELETE_BATCH_MAX) {
            let results = self
                .backend
                .delete_batch(&batch::paths_of(chunk), missing_ok)
                .await
                .and_then(|r| batch::check_count(&r, chunk).map(|()| r))
                .map_err(self.fail())?;
            for ((i, p), result) in chunk.iter().zip(results) {
                let result = match result {
                    Err(e) if Scope::may_be_wrong_kind(&e) => {
                        let folder = self.backend.is_folder(p).await.unwrap_or(false)
                            && !self.backend.is_file(p).await.unwrap_or(true);
                        Scope::wrong_kind(p, false, folder, missing_ok, e)
                    }
                    other => other,
                };
                answers.settle(*i, result);
            }
        }
        // Each answer's path made store-relative, once.
        Ok(answers
            .finish()
            .into_iter()
            .map(|r| r.map_err(self.fail()))
            .collect())
    }

    #[doc = contract!(delete_folder)]
    pub async fn delete_folder(
        &self,
        path: impl AsRef<str>,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()> {
        let options = DeleteFolderOptions::new()
            .recursive(recursive)
            .missing_ok(missing_ok);
        self.delete_folder_with(path, &options).await
    }

    /// [`delete_folder`](Self::delete_folder) with options.
    ///
    /// # Errors
    /// As for [`delete_folder`](Self::delete_folder).
    pub async fn delete_folder_with(
        &self,
        path: impl AsRef<str>,
        options: &DeleteFolderOptions,
    ) -> Result<()> {
        let p = self.folder(path.as_ref(), options)?;
        let options = self.scope.delete_folder_options(&p, options);
        match self.backend.delete_folder(&p, &options).await {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let file = self.backend.is_file(&p).await.unwrap_or(false)
                    && !self.backend.is_folder(&p).await.unwrap_or(true);
                Scope::wrong_kind(&p, true, file, options.missing_ok, e)
            }
            other => other,
        }
        .map_err(self.fail())
    }

    #[doc = contract!(list_files)]
    ///
    /// Returns a stream of `Result<FileInfo>`.
    pub async fn list_files(&self, path: impl AsRef<str>, recursive: bool) -> Result<FileStream> {
        self.list_files_with(path, &ListOptions::new().recursive(recursive))
            .await
    }

    /// [`list_files`](Self::list_files) with options, each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`list_files`](Self::list_files).
    pub async fn list_files_with(
        &self,
        path: impl AsRef<str>,
        options: &ListOptions,
    ) -> Result<FileStream> {
        let p = self.folder(path.as_ref(), options)?;
        let filter = ListFilter::new(&p, options).map_err(self.fail())?;
        let files = self
            .backend
            .list_files(&p, options)
            .await
            .map_err(self.fail())?;
        let files = match filter {
            Some(filter) => {
                Box::pin(files.filter(move |item| std::future::ready(filter.keeps(item))))
            }
            None => files,
        };
        Ok(self.strip_files(files))
    }

    #[doc = contract!(list_folders)]
    pub async fn list_folders(&self, path: impl AsRef<str>) -> Result<FolderStream> {
        let p = self.folder(path.as_ref(), &Needs::of(&[C::List]))?;
        let folders = self.backend.list_folders(&p).await.map_err(self.fail())?;
        let scope = self.scope.clone();
        let name = self.name().to_owned();
        Ok(Box::pin(folders.map(move |item| {
            item.and_then(|p| scope.strip(p))
                .map_err(|e| scope.error(&name, e))
        })))
    }

    #[doc = contract!(get_file_info)]
    pub async fn get_file_info(&self, path: impl AsRef<str>) -> Result<FileInfo> {
        let p = self.file(path.as_ref(), &Needs::of(&[C::Metadata]))?;
        let info = self
            .file_result(&p, self.backend.get_file_info(&p).await)
            .await?;
        self.scope.strip_file(info)
    }

    #[doc = contract!(get_folder_info)]
    pub async fn get_folder_info(&self, path: impl AsRef<str>) -> Result<FolderInfo> {
        let p = self.folder(path.as_ref(), &Needs::of(&[C::Metadata]))?;
        let info = match self.backend.get_folder_info(&p).await {
            // The store's root always exists, if only as an empty folder.
            Err(e) if Scope::operand_missing(&e) && &p == self.scope.root() => {
                Ok(FolderInfo::new(p.clone()))
            }
            Err(e) if Scope::operand_missing(&e) => {
                let file = self.backend.is_file(&p).await.unwrap_or(false);
                Err(Scope::not_a_folder(&p, file, e))
            }
            other => other,
        }
        .map_err(self.fail())?;
        self.scope.strip_folder(info)
    }

    #[doc = contract!(rename)]
    pub async fn rename(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        overwrite: bool,
    ) -> Result<()> {
        self.rename_with(src, dst, &RenameOptions::new().overwrite(overwrite))
            .await
    }

    /// [`rename`](Self::rename) with options.
    ///
    /// # Errors
    /// As for [`rename`](Self::rename).
    pub async fn rename_with(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        options: &RenameOptions,
    ) -> Result<()> {
        self.transfer(Transfer::Rename(options), src.as_ref(), dst.as_ref())
            .await
    }

    #[doc = contract!(copy)]
    pub async fn copy(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        overwrite: bool,
    ) -> Result<()> {
        self.copy_with(src, dst, &CopyOptions::new().overwrite(overwrite))
            .await
    }

    /// [`copy`](Self::copy) with options.
    ///
    /// # Errors
    /// As for [`copy`](Self::copy).
    pub async fn copy_with(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        options: &CopyOptions,
    ) -> Result<()> {
        self.transfer(Transfer::Copy(options), src.as_ref(), dst.as_ref())
            .await
    }

    /// `rename` or `copy`, with the outcomes the same on every backend:
    /// onto itself, and a missing source first.
    async fn transfer(&self, op: Transfer<'_>, src: &str, dst: &str) -> Result<()> {
        let s = self.file(src, &op)?;
        let d = self.scope.file(dst).map_err(self.fail())?;
        if s == d {
            let is_file = self.backend.is_file(&s).await.map_err(self.fail())?;
            return self
                .file_result(&s, Scope::onto_itself(&s, is_file, op.overwrite()))
                .await;
        }
        let done = match op {
            Transfer::Rename(options) => self.backend.rename(&s, &d, options).await,
            Transfer::Copy(options) => self.backend.copy(&s, &d, options).await,
        };
        let done = match done {
            // A missing source is the answer, whatever the destination
            // (one that exists, or one no file can take).
            Err(e) if Scope::may_hide_the_source(&e) => {
                let exists = self.backend.is_file(&s).await.unwrap_or(true);
                Scope::source_first(&s, exists, e)
            }
            other => other,
        };
        // Parents are created, so only the source can be missing.
        self.file_result(&s, done).await
    }

    #[doc = contract!(glob)]
    pub async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.check(&Needs::of(&[C::Glob]))?;
        let pattern = self.scope.pattern(pattern).map_err(self.fail())?;
        let files = self.backend.glob(&pattern).await.map_err(self.fail())?;
        Ok(self.strip_files(files))
    }

    #[doc = contract!(presign)]
    pub async fn presign(
        &self,
        path: impl AsRef<str>,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        let p = self.file(path.as_ref(), options)?;
        self.backend.presign(&p, options).await.map_err(self.fail())
    }

    #[doc = contract!(to_key)]
    ///
    /// A store also refuses, with `InvalidPath`, a native path of the backend
    /// that lies outside its own root.
    pub fn to_key(&self, native: &str) -> Result<RemotePath> {
        let full = self.backend.to_key(native).map_err(self.fail())?;
        self.scope.strip(full)
    }

    /// This store on the sync face: the same backend, root and closed
    /// state. A sync backend is taken from under the
    /// [`SyncBackendAdapter`](crate::SyncBackendAdapter) and called
    /// directly; an async one runs through the
    /// [`AsyncBackendBridge`](crate::AsyncBackendBridge), as
    /// [`Store::new`](crate::Store::new) would run it.
    pub fn to_sync(&self) -> crate::Store {
        let any = self.backend.as_ref().as_any();
        let backend: Arc<dyn crate::Backend> = match any.downcast_ref::<crate::SyncBackendAdapter>()
        {
            Some(adapter) => adapter.inner().clone(),
            None => Arc::new(crate::AsyncBackendBridge::from_arc(self.backend.clone())),
        };
        crate::Store::from_parts(backend, self.scope.clone())
    }

    /// An async store over `backend` with `scope` (root and closed state),
    /// for [`Store::to_async`](crate::Store::to_async).
    pub(crate) fn from_parts(backend: Arc<dyn AsyncBackend>, scope: Scope) -> Self {
        AsyncStore { backend, scope }
    }

    /// Whether `other` runs on the same backend instance (whatever either
    /// store's root); `==` also compares roots.
    pub fn shares_backend(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend)
    }

    #[doc = contract!(storage_id)]
    pub fn storage_id(&self) -> Option<String> {
        self.backend.storage_id()
    }

    #[doc = contract!(native_path)]
    pub fn native_path(&self, path: impl AsRef<str>) -> Result<String> {
        let p = self.scope.folder(path.as_ref())?;
        Ok(self.backend.native_path(&p))
    }

    #[doc = contract!(close)]
    ///
    /// This store, its clones and its children refuse further I/O with
    /// `Closed`.
    pub async fn close(&self) -> Result<()> {
        self.scope.close();
        self.backend.close().await.map_err(self.fail())
    }

    #[doc = contract!(check_health)]
    ///
    /// It checks the backend, whatever the store's root.
    pub async fn check_health(&self) -> Result<()> {
        self.folder("", &Needs::NOTHING)?;
        self.backend.check_health().await.map_err(self.fail())
    }

    fn strip_files(&self, files: FileStream) -> FileStream {
        let scope = self.scope.clone();
        let name = self.name().to_owned();
        Box::pin(files.map(move |item| {
            item.and_then(|info| scope.strip_file(info))
                .map_err(|e| scope.error(&name, e))
        }))
    }
}

impl PartialEq for AsyncStore {
    /// Same backend instance and same root.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend) && self.root() == other.root()
    }
}

impl Eq for AsyncStore {}

impl fmt::Debug for AsyncStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncStore")
            .field("backend", &self.name())
            .field("root", self.root())
            .finish()
    }
}
