//! [`Store`]: the sync, root-scoped face users work with.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use crate::adapter::AsyncBackendBridge;
use crate::backend::Backend;
use crate::batch;
use crate::capability::{Capabilities, Capability};
use crate::contract::contract;
use crate::error::Result;
use crate::into_backend::IntoBackend;
use crate::layer::Layer;
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, Gated, ListOptions, PresignOptions,
    ReadOptions, RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::scope::{Needs, Scope, Transfer};
use crate::seekable::SeekableReader;
use crate::stream::{FileIter, FolderIter, ReadStream};
use crate::writer::FileWriter;

use crate::glob::ListFilter;
use Capability as C;

/// A folder of a backend, used from sync code.
///
/// Cheap to clone (clones share the backend) and safe to share between
/// threads. Every method validates its path (see [`RemotePath`]), checks the
/// backend's capabilities before any I/O, adds the store root, and strips it
/// from every path it returns, so returned paths can be fed straight back
/// in. Works on sync backends directly and on async ones through the
/// [blocking bridge](crate::AsyncBackendBridge), from any thread.
///
/// ```
/// # use remote_store_core::{Store, Result};
/// # fn demo(backend: impl remote_store_core::Backend) -> Result<()> {
/// let store = Store::new(backend).child("reports")?;
/// store.write_bytes("2024/q1.csv", "a,b\n1,2\n", false)?;
/// assert_eq!(store.read_bytes("2024/q1.csv")?, "a,b\n1,2\n");
/// for file in store.list_files("2024", false)? {
///     let file = file?;
///     println!("{} ({} bytes)", file.path, file.size);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    scope: Scope,
}

impl Store {
    /// A store over the whole backend. Takes a sync or an async backend,
    /// owned or as `Arc<dyn Backend>` / `Arc<dyn AsyncBackend>`.
    pub fn new<M>(backend: impl IntoBackend<M>) -> Self {
        Store {
            backend: backend.into_backend(),
            scope: Scope::new(RemotePath::root()),
        }
    }

    /// A store scoped to `root` inside the backend.
    ///
    /// # Errors
    /// `InvalidPath` when `root` is not a valid path.
    pub fn with_root<M>(backend: impl IntoBackend<M>, root: &str) -> Result<Self> {
        Store::new(backend).child(root)
    }

    /// A store scoped to `sub` inside this one, sharing the backend (and
    /// the closed state).
    ///
    /// # Errors
    /// `InvalidPath` when `sub` is not a valid path.
    pub fn child(&self, sub: impl AsRef<str>) -> Result<Self> {
        Ok(Store {
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
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// This store with `layer` wrapped around its backend (retry,
    /// timeouts, tracing, …; see [`layer`](crate::layer)); chainable, the
    /// last applied is the outermost. The layer wraps the backend's own
    /// trait: an async backend's async one, inside the blocking bridge.
    ///
    /// [`backend_as`](Self::backend_as) does not see through layers: take
    /// the native API from the store before layering it.
    pub fn layer(self, layer: impl Layer) -> Self {
        let backend = match self
            .backend
            .as_ref()
            .as_any()
            .downcast_ref::<AsyncBackendBridge>()
        {
            Some(bridge) => Arc::new(bridge.rewrap(layer.layer_async(bridge.inner().clone()))),
            None => layer.layer(self.backend),
        };
        Store {
            backend,
            scope: self.scope,
        }
    }

    /// This store on the async face: the same backend, root and closed
    /// state. An async backend (with its layers) is taken from under the
    /// blocking bridge and called natively; a sync one runs through
    /// [`SyncBackendAdapter`](crate::SyncBackendAdapter) (one blocking-pool
    /// hand-off per call, so the async store must be used inside a Tokio
    /// runtime).
    pub fn to_async(&self) -> crate::AsyncStore {
        let any = self.backend.as_ref().as_any();
        let backend: Arc<dyn crate::AsyncBackend> = match any.downcast_ref::<AsyncBackendBridge>() {
            Some(bridge) => bridge.inner().clone(),
            None => Arc::new(crate::SyncBackendAdapter::from_arc(self.backend.clone())),
        };
        crate::AsyncStore::from_parts(backend, self.scope.clone())
    }

    /// A store over `backend` with `scope` (root and closed state), for
    /// [`AsyncStore::to_sync`](crate::AsyncStore::to_sync).
    pub(crate) fn from_parts(backend: Arc<dyn Backend>, scope: Scope) -> Self {
        Store { backend, scope }
    }

    /// The concrete backend, to reach its native API. Sees through the
    /// blocking bridge.
    pub fn backend_as<T: 'static>(&self) -> Option<&T> {
        let any = self.backend.as_ref().as_any();
        if let Some(b) = any.downcast_ref::<T>() {
            return Some(b);
        }
        let bridge = any.downcast_ref::<AsyncBackendBridge>()?;
        bridge.inner().as_ref().as_any().downcast_ref::<T>()
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
    fn not_a_file(&self, p: &RemotePath, err: crate::Error) -> crate::Error {
        if !Scope::operand_missing(&err) {
            return err;
        }
        Scope::not_a_file(p, self.backend.is_folder(p).unwrap_or(false), err)
    }

    #[doc = contract!(exists)]
    pub fn exists(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.exists(&p).map_err(self.fail())
    }

    #[doc = contract!(is_file)]
    pub fn is_file(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if p == *self.root() {
            return Ok(false);
        }
        self.backend.is_file(&p).map_err(self.fail())
    }

    #[doc = contract!(is_folder)]
    pub fn is_folder(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &Needs::NOTHING)?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.is_folder(&p).map_err(self.fail())
    }

    #[doc = contract!(read)]
    ///
    /// Returns a [`ReadStream`] (an `io::Read`).
    pub fn read(&self, path: impl AsRef<str>) -> Result<ReadStream> {
        self.read_with(path, &ReadOptions::new())
    }

    /// [`read`](Self::read) with options (a range, …), each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`read`](Self::read); `CapabilityNotSupported` for an option
    /// the backend does not declare.
    pub fn read_with(&self, path: impl AsRef<str>, options: &ReadOptions) -> Result<ReadStream> {
        let p = self.file(path.as_ref(), options)?;
        let stream = self
            .backend
            .read(&p, options)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        Ok(self.scope.read_stream(self.backend.name(), stream))
    }

    #[doc = contract!(read_with_info)]
    ///
    /// `options` as for [`read_with`](Self::read_with)
    /// (`&ReadOptions::new()` for the whole file); the metadata's path is
    /// the store's.
    pub fn read_with_info(
        &self,
        path: impl AsRef<str>,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        self.check(&Needs::of(&[C::Metadata]))?;
        let p = self.file(path.as_ref(), options)?;
        let (info, stream) = self
            .backend
            .read_with_info(&p, options)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        let info = self.scope.strip_file(info)?;
        Ok((info, self.scope.read_stream(self.backend.name(), stream)))
    }

    #[doc = contract!(read_range)]
    pub fn read_range(
        &self,
        path: impl AsRef<str>,
        offset: u64,
        len: Option<u64>,
    ) -> Result<ReadStream> {
        self.read_with(path, &ReadOptions::new().range(offset, len))
    }

    #[doc = contract!(read_bytes)]
    pub fn read_bytes(&self, path: impl AsRef<str>) -> Result<Bytes> {
        self.read_bytes_with(path, &ReadOptions::new())
    }

    /// [`read_bytes`](Self::read_bytes) with options, as for
    /// [`read_with`](Self::read_with).
    ///
    /// # Errors
    /// As for [`read_with`](Self::read_with).
    pub fn read_bytes_with(&self, path: impl AsRef<str>, options: &ReadOptions) -> Result<Bytes> {
        let p = self.file(path.as_ref(), options)?;
        self.backend
            .read_bytes(&p, options)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())
    }

    #[doc = contract!(write)]
    ///
    /// `src` is any `io::Read`.
    pub fn write(
        &self,
        path: impl AsRef<str>,
        src: impl Read,
        overwrite: bool,
    ) -> Result<WriteResult> {
        self.write_with(path, src, &WriteOptions::new().overwrite(overwrite))
    }

    /// [`write`](Self::write) with options (atomic, …), each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`write`](Self::write); `CapabilityNotSupported` for an option
    /// the backend does not declare.
    pub fn write_with(
        &self,
        path: impl AsRef<str>,
        mut src: impl Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let p = self.file(path.as_ref(), options)?;
        let options = self.with_guessed_type(options, &p);
        self.backend
            .write(&p, &mut src, &options)
            .map_err(self.fail())
    }

    /// Opens the file at `path` for random access: a [`SeekableReader`]
    /// (`Read + Seek`) built on range reads, with a bounded read-ahead
    /// window, pinned to the version it opened where the backend declares
    /// `Capability::ConditionalRead` (a file replaced mid-read then fails
    /// with `PreconditionFailed`, never mixes two versions; see
    /// [`seekable`](crate::seekable)).
    ///
    /// # Errors
    /// As for `get_file_info` (`NotFound`, `InvalidPath` for a folder, …);
    /// `CapabilityNotSupported` without `RangeRead` or `Metadata`. Reads
    /// fail with the errors of `read_range`, and `PreconditionFailed` as
    /// above.
    pub fn open_seekable(&self, path: impl AsRef<str>) -> Result<SeekableReader> {
        SeekableReader::open(self.clone(), path.as_ref())
    }

    #[doc = contract!(writer)]
    ///
    /// The sink is a [`FileWriter`], committed by [`FileWriter::finish`].
    /// The backend receives the bytes as they are written, as `write` from
    /// a reader would (multipart, staged), or through its own sink where
    /// it has one ([`Backend::writer`]).
    ///
    /// Needs no `Seek`: streaming format writers work (csv, serde_json,
    /// `zip::ZipWriter::new_stream`); those that seek back to patch a
    /// header (`zip::ZipWriter::new`) do not.
    ///
    /// # Errors
    /// Before anything is written: `Closed`, `CapabilityNotSupported`,
    /// `InvalidPath` for a path the rules refuse or the root,
    /// `InvalidArgument` for options that break the rules (bad metadata,
    /// `if_match` without `overwrite`). The rest of `write`'s errors
    /// (`AlreadyExists`, …) come from the writer's `write` or `finish`;
    /// once one has, every later call answers it again.
    pub fn writer(&self, path: impl AsRef<str>, overwrite: bool) -> Result<FileWriter> {
        self.writer_with(path, &WriteOptions::new().overwrite(overwrite))
    }

    /// [`writer`](Self::writer) with options (atomic, a condition, …), each
    /// checked against the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`writer`](Self::writer).
    pub fn writer_with(&self, path: impl AsRef<str>, options: &WriteOptions) -> Result<FileWriter> {
        let p = self.file(path.as_ref(), options)?;
        let options = self.with_guessed_type(options, &p).into_owned();
        let backend = self.backend.clone();
        let (scope, name) = (self.scope.clone(), self.name().to_owned());
        // The backend's own sink, or what stopped it opening (reported by
        // the sink's first call, as on the threaded path).
        if let Some(opened) = backend.writer(&p, &options).transpose() {
            let map = Box::new(move |e| scope.error(&name, e));
            return Ok(FileWriter::native(opened, map));
        }
        Ok(FileWriter::start(move |src| {
            backend
                .write(&p, src, &options)
                .map_err(|e| scope.error(&name, e))
        }))
    }

    /// Writes `data` into a file: [`write`](Self::write) from a buffer in
    /// memory.
    ///
    /// # Errors
    /// As for [`write`](Self::write).
    pub fn write_bytes(
        &self,
        path: impl AsRef<str>,
        data: impl AsRef<[u8]>,
        overwrite: bool,
    ) -> Result<WriteResult> {
        self.write(path, data.as_ref(), overwrite)
    }

    #[doc = contract!(write_atomic)]
    pub fn write_atomic(
        &self,
        path: impl AsRef<str>,
        src: impl Read,
        overwrite: bool,
    ) -> Result<WriteResult> {
        let options = WriteOptions::new().overwrite(overwrite).atomic(true);
        self.write_with(path, src, &options)
    }

    #[doc = contract!(delete)]
    pub fn delete(&self, path: impl AsRef<str>, missing_ok: bool) -> Result<()> {
        self.delete_with(path, &DeleteOptions::new().missing_ok(missing_ok))
    }

    /// [`delete`](Self::delete) with options.
    ///
    /// # Errors
    /// As for [`delete`](Self::delete).
    pub fn delete_with(&self, path: impl AsRef<str>, options: &DeleteOptions) -> Result<()> {
        let p = self.file(path.as_ref(), options)?;
        match self.backend.delete(&p, options) {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let folder = self.backend.is_folder(&p).unwrap_or(false)
                    && !self.backend.is_file(&p).unwrap_or(true);
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
    pub fn delete_batch(
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
                .and_then(|r| batch::check_count(&r, chunk).map(|()| r))
                .map_err(self.fail())?;
            for ((i, p), result) in chunk.iter().zip(results) {
                let result = match result {
                    Err(e) if Scope::may_be_wrong_kind(&e) => {
                        let folder = self.backend.is_folder(p).unwrap_or(false)
                            && !self.backend.is_file(p).unwrap_or(true);
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
    pub fn delete_folder(
        &self,
        path: impl AsRef<str>,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()> {
        let options = DeleteFolderOptions::new()
            .recursive(recursive)
            .missing_ok(missing_ok);
        self.delete_folder_with(path, &options)
    }

    /// [`delete_folder`](Self::delete_folder) with options.
    ///
    /// # Errors
    /// As for [`delete_folder`](Self::delete_folder).
    pub fn delete_folder_with(
        &self,
        path: impl AsRef<str>,
        options: &DeleteFolderOptions,
    ) -> Result<()> {
        let p = self.folder(path.as_ref(), options)?;
        let options = self.scope.delete_folder_options(&p, options);
        match self.backend.delete_folder(&p, &options) {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let file = self.backend.is_file(&p).unwrap_or(false)
                    && !self.backend.is_folder(&p).unwrap_or(true);
                Scope::wrong_kind(&p, true, file, options.missing_ok, e)
            }
            other => other,
        }
        .map_err(self.fail())
    }

    #[doc = contract!(list_files)]
    ///
    /// Returns an iterator of `Result<FileInfo>`.
    pub fn list_files(&self, path: impl AsRef<str>, recursive: bool) -> Result<FileIter> {
        self.list_files_with(path, &ListOptions::new().recursive(recursive))
    }

    /// [`list_files`](Self::list_files) with options, each checked against
    /// the capabilities before any I/O.
    ///
    /// # Errors
    /// As for [`list_files`](Self::list_files).
    pub fn list_files_with(
        &self,
        path: impl AsRef<str>,
        options: &ListOptions,
    ) -> Result<FileIter> {
        let p = self.folder(path.as_ref(), options)?;
        let filter = ListFilter::new(&p, options).map_err(self.fail())?;
        let files = self.backend.list_files(&p, options).map_err(self.fail())?;
        let files = match filter {
            Some(filter) => Box::new(files.filter(move |item| filter.keeps(item))),
            None => files,
        };
        Ok(self.strip_files(files))
    }

    #[doc = contract!(list_folders)]
    pub fn list_folders(&self, path: impl AsRef<str>) -> Result<FolderIter> {
        let p = self.folder(path.as_ref(), &Needs::of(&[C::List]))?;
        let folders = self.backend.list_folders(&p).map_err(self.fail())?;
        let scope = self.scope.clone();
        let name = self.name().to_owned();
        Ok(Box::new(folders.map(move |item| {
            item.and_then(|p| scope.strip(p))
                .map_err(|e| scope.error(&name, e))
        })))
    }

    #[doc = contract!(get_file_info)]
    pub fn get_file_info(&self, path: impl AsRef<str>) -> Result<FileInfo> {
        let p = self.file(path.as_ref(), &Needs::of(&[C::Metadata]))?;
        let info = self
            .backend
            .get_file_info(&p)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        self.scope.strip_file(info)
    }

    #[doc = contract!(get_folder_info)]
    pub fn get_folder_info(&self, path: impl AsRef<str>) -> Result<FolderInfo> {
        let p = self.folder(path.as_ref(), &Needs::of(&[C::Metadata]))?;
        let info = match self.backend.get_folder_info(&p) {
            // The store's root always exists, if only as an empty folder.
            Err(e) if Scope::operand_missing(&e) && &p == self.scope.root() => {
                Ok(FolderInfo::new(p.clone()))
            }
            Err(e) if Scope::operand_missing(&e) => {
                let file = self.backend.is_file(&p).unwrap_or(false);
                Err(Scope::not_a_folder(&p, file, e))
            }
            other => other,
        }
        .map_err(self.fail())?;
        self.scope.strip_folder(info)
    }

    #[doc = contract!(rename)]
    pub fn rename(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        overwrite: bool,
    ) -> Result<()> {
        self.rename_with(src, dst, &RenameOptions::new().overwrite(overwrite))
    }

    /// [`rename`](Self::rename) with options.
    ///
    /// # Errors
    /// As for [`rename`](Self::rename).
    pub fn rename_with(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        options: &RenameOptions,
    ) -> Result<()> {
        self.transfer(Transfer::Rename(options), src.as_ref(), dst.as_ref())
    }

    #[doc = contract!(copy)]
    pub fn copy(&self, src: impl AsRef<str>, dst: impl AsRef<str>, overwrite: bool) -> Result<()> {
        self.copy_with(src, dst, &CopyOptions::new().overwrite(overwrite))
    }

    /// [`copy`](Self::copy) with options.
    ///
    /// # Errors
    /// As for [`copy`](Self::copy).
    pub fn copy_with(
        &self,
        src: impl AsRef<str>,
        dst: impl AsRef<str>,
        options: &CopyOptions,
    ) -> Result<()> {
        self.transfer(Transfer::Copy(options), src.as_ref(), dst.as_ref())
    }

    /// `rename` or `copy`, with the outcomes the same on every backend:
    /// onto itself, and a missing source first.
    fn transfer(&self, op: Transfer<'_>, src: &str, dst: &str) -> Result<()> {
        let s = self.file(src, &op)?;
        let d = self.scope.file(dst).map_err(self.fail())?;
        if s == d {
            let is_file = self.backend.is_file(&s).map_err(self.fail())?;
            return Scope::onto_itself(&s, is_file, op.overwrite())
                .map_err(|e| self.not_a_file(&s, e))
                .map_err(self.fail());
        }
        let done = match op {
            Transfer::Rename(options) => self.backend.rename(&s, &d, options),
            Transfer::Copy(options) => self.backend.copy(&s, &d, options),
        };
        match done {
            // A missing source is the answer, whatever the destination
            // (one that exists, or one no file can take).
            Err(e) if Scope::may_hide_the_source(&e) => {
                Scope::source_first(&s, self.backend.is_file(&s).unwrap_or(true), e)
            }
            other => other,
        }
        // Parents are created, so only the source can be missing.
        .map_err(|e| self.not_a_file(&s, e))
        .map_err(self.fail())
    }

    #[doc = contract!(glob)]
    pub fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.check(&Needs::of(&[C::Glob]))?;
        let pattern = self.scope.pattern(pattern).map_err(self.fail())?;
        let files = self.backend.glob(&pattern).map_err(self.fail())?;
        Ok(self.strip_files(files))
    }

    #[doc = contract!(presign)]
    pub fn presign(
        &self,
        path: impl AsRef<str>,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        let p = self.file(path.as_ref(), options)?;
        self.backend.presign(&p, options).map_err(self.fail())
    }

    #[doc = contract!(to_key)]
    ///
    /// A store also refuses, with `InvalidPath`, a native path of the backend
    /// that lies outside its own root.
    pub fn to_key(&self, native: &str) -> Result<RemotePath> {
        let full = self.backend.to_key(native).map_err(self.fail())?;
        self.scope.strip(full)
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
    pub fn close(&self) -> Result<()> {
        self.scope.close();
        self.backend.close().map_err(self.fail())
    }

    #[doc = contract!(check_health)]
    ///
    /// It checks the backend, whatever the store's root.
    pub fn check_health(&self) -> Result<()> {
        self.folder("", &Needs::NOTHING)?;
        self.backend.check_health().map_err(self.fail())
    }

    fn strip_files(&self, files: FileIter) -> FileIter {
        let scope = self.scope.clone();
        let name = self.name().to_owned();
        Box::new(files.map(move |item| {
            item.and_then(|info| scope.strip_file(info))
                .map_err(|e| scope.error(&name, e))
        }))
    }
}

impl PartialEq for Store {
    /// Same backend instance and same root.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend) && self.root() == other.root()
    }
}

impl Eq for Store {}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.name())
            .field("root", self.root())
            .finish()
    }
}
