//! Layers: wrappers around a backend that change how some operations run
//! (retry, timeouts, tracing, metrics, limits) and forward the rest
//! (ADR-0017).
//!
//! A layer is written against the forwarding traits [`LayeredBackend`]
//! and [`LayeredAsyncBackend`]: it names its inner backend and overrides
//! only the operations it changes; every other method forwards to the
//! inner backend, so a new trait method can never silently fall back to a
//! default (refusing, or answering for the wrong backend) in a layer that
//! did not know of it. Three exceptions, so that a call never goes past a
//! layer that did not know of it: [`LayeredBackend::writer`] answers
//! None unless overridden, so a writer sink goes through the layer's
//! `write` rather than past it to the inner backend's own sink;
//! `never_blocks` answers `false` unless overridden (a layer may sleep or
//! wait, so it cannot promise for the inner backend); and
//! `delete_batch` deletes path by path through the layer's own `delete`
//! unless overridden (a layer that forwards it whole, to keep the
//! service's bulk delete, says so by overriding it). Any such
//! type is a [`Backend`] (or [`AsyncBackend`]) through the blanket
//! implementations below.
//!
//! A [`Layer`] builds the wrapper for either kind of backend, and
//! [`Store::layer`](crate::Store::layer) and
//! [`AsyncStore::layer`](crate::AsyncStore::layer) apply it. The layer
//! wraps the backend's own trait, inside the face's adapter: a
//! `Store` over an async backend gets the async wrapper (under the
//! blocking bridge), an `AsyncStore` over a sync backend the sync one
//! (under the `SyncBackendAdapter`). So a layer sees the calls the backend
//! itself answers, once, whichever face the caller uses.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use remote_store_core::layer::LayeredBackend;
//! use remote_store_core::stream::ReadStream;
//! use remote_store_core::{Backend, ReadOptions, RemotePath, Result};
//!
//! /// Counts the reads of the backend it wraps; forwards everything else.
//! struct CountReads<B> {
//!     inner: B,
//!     reads: AtomicU64,
//! }
//!
//! impl<B: Backend> LayeredBackend for CountReads<B> {
//!     type Inner = B;
//!     fn inner(&self) -> &B {
//!         &self.inner
//!     }
//!     fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
//!         self.reads.fetch_add(1, Ordering::Relaxed);
//!         self.inner.read(path, options)
//!     }
//! }
//! ```

use std::io::Read;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::capability::Capabilities;
use crate::error::Result;
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, ListOptions, PresignOptions, ReadOptions,
    RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::stream::{ByteStream, FileIter, FileStream, FolderIter, FolderStream, ReadStream};
use crate::writer::WriteSink;

/// Builds a layer's wrapper around a backend of either kind.
///
/// Implement both methods (a concern that cannot act on one kind, such as
/// interrupting a blocking call, says so in its docs and wraps with what
/// it can do there). [`Store::layer`](crate::Store::layer) and
/// [`AsyncStore::layer`](crate::AsyncStore::layer) call the one that
/// matches the backend's own trait.
pub trait Layer {
    /// Wraps a sync backend.
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend>;

    /// Wraps an async backend.
    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend>;
}

/// A sync backend that wraps another: every method forwards to
/// [`inner`](Self::inner) unless overridden. Implementing it makes the
/// type a [`Backend`].
pub trait LayeredBackend: Send + Sync + 'static {
    /// The wrapped backend (a concrete type or `dyn Backend`).
    type Inner: Backend + ?Sized;

    /// The wrapped backend.
    fn inner(&self) -> &Self::Inner;

    /// [`Backend::name`] of the inner backend, unless overridden.
    fn name(&self) -> &str {
        Backend::name(self.inner())
    }

    /// [`Backend::capabilities`] of the inner backend, unless overridden.
    fn capabilities(&self) -> Capabilities {
        Backend::capabilities(self.inner())
    }

    /// [`Backend::exists`] of the inner backend, unless overridden.
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        Backend::exists(self.inner(), path)
    }

    /// [`Backend::is_file`] of the inner backend, unless overridden.
    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        Backend::is_file(self.inner(), path)
    }

    /// [`Backend::is_folder`] of the inner backend, unless overridden.
    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        Backend::is_folder(self.inner(), path)
    }

    /// [`Backend::read`] of the inner backend, unless overridden.
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        Backend::read(self.inner(), path, options)
    }

    /// Not the inner backend's, unless overridden: the metadata and a read
    /// through this layer's own [`get_file_info`](Backend::get_file_info)
    /// and [`read`](Backend::read) (the trait's default), so a layer that
    /// changes reads (retry, timeouts, faults) changes these too. A layer
    /// that leaves reads alone may forward it.
    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)>
    where
        Self: Sized,
    {
        crate::described::read_sync(self, path, options)
    }

    /// [`Backend::read_bytes`] of the inner backend, unless overridden.
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        Backend::read_bytes(self.inner(), path, options)
    }

    /// [`Backend::write`] of the inner backend, unless overridden.
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        Backend::write(self.inner(), path, src, options)
    }

    /// None, unless overridden: the store then feeds this layer's
    /// [`write`](Backend::write) from a thread, so a layer that changes
    /// writes sees the bytes of a writer sink too. (Forwarding to the
    /// inner backend's own sink would pass this layer by.) A layer that
    /// leaves writes alone may forward to the inner sink, which saves
    /// that thread.
    fn writer(
        &self,
        _path: &RemotePath,
        _options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        Ok(None)
    }

    /// [`Backend::delete`] of the inner backend, unless overridden.
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        Backend::delete(self.inner(), path, options)
    }

    /// `false` unless overridden, whatever the inner backend says: a layer
    /// may sleep or wait (a retry's backoff, a limit's permit). Override
    /// it to forward [`Backend::never_blocks`] when the layer never does.
    fn never_blocks(&self) -> bool {
        false
    }

    /// [`Backend::delete`] through this layer's own
    /// [`delete`](Self::delete), path by path, unless overridden: override
    /// it to forward the batch whole (and keep the service's bulk delete).
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        let options = DeleteOptions::new().missing_ok(missing_ok);
        Ok(paths
            .iter()
            .map(|p| LayeredBackend::delete(self, p, &options))
            .collect())
    }

    /// [`Backend::delete_folder`] of the inner backend, unless overridden.
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        Backend::delete_folder(self.inner(), path, options)
    }

    /// [`Backend::list_files`] of the inner backend, unless overridden.
    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        Backend::list_files(self.inner(), path, options)
    }

    /// [`Backend::list_folders`] of the inner backend, unless overridden.
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        Backend::list_folders(self.inner(), path)
    }

    /// [`Backend::get_file_info`] of the inner backend, unless overridden.
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        Backend::get_file_info(self.inner(), path)
    }

    /// [`Backend::get_folder_info`] of the inner backend, unless overridden.
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        Backend::get_folder_info(self.inner(), path)
    }

    /// [`Backend::rename`] of the inner backend, unless overridden.
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        Backend::rename(self.inner(), src, dst, options)
    }

    /// [`Backend::copy`] of the inner backend, unless overridden.
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        Backend::copy(self.inner(), src, dst, options)
    }

    /// [`Backend::glob`] of the inner backend, unless overridden.
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        Backend::glob(self.inner(), pattern)
    }

    /// [`Backend::presign`] of the inner backend, unless overridden.
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        Backend::presign(self.inner(), path, options)
    }

    /// [`Backend::close`] of the inner backend, unless overridden.
    fn close(&self) -> Result<()> {
        Backend::close(self.inner())
    }

    /// [`Backend::check_health`] of the inner backend, unless overridden.
    fn check_health(&self) -> Result<()> {
        Backend::check_health(self.inner())
    }

    /// [`Backend::storage_id`] of the inner backend, unless overridden.
    fn storage_id(&self) -> Option<String> {
        Backend::storage_id(self.inner())
    }

    /// [`Backend::native_path`] of the inner backend, unless overridden.
    fn native_path(&self, path: &RemotePath) -> String {
        Backend::native_path(self.inner(), path)
    }

    /// [`Backend::to_key`] of the inner backend, unless overridden.
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        Backend::to_key(self.inner(), native)
    }
}

impl<L: LayeredBackend> Backend for L {
    fn name(&self) -> &str {
        LayeredBackend::name(self)
    }

    fn capabilities(&self) -> Capabilities {
        LayeredBackend::capabilities(self)
    }

    fn exists(&self, path: &RemotePath) -> Result<bool> {
        LayeredBackend::exists(self, path)
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        LayeredBackend::is_file(self, path)
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        LayeredBackend::is_folder(self, path)
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        LayeredBackend::read(self, path, options)
    }

    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        LayeredBackend::read_bytes(self, path, options)
    }

    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        LayeredBackend::read_with_info(self, path, options)
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        LayeredBackend::write(self, path, src, options)
    }

    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        LayeredBackend::writer(self, path, options)
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        LayeredBackend::delete(self, path, options)
    }

    fn never_blocks(&self) -> bool {
        LayeredBackend::never_blocks(self)
    }

    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        LayeredBackend::delete_batch(self, paths, missing_ok)
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        LayeredBackend::delete_folder(self, path, options)
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        LayeredBackend::list_files(self, path, options)
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        LayeredBackend::list_folders(self, path)
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        LayeredBackend::get_file_info(self, path)
    }

    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        LayeredBackend::get_folder_info(self, path)
    }

    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        LayeredBackend::rename(self, src, dst, options)
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        LayeredBackend::copy(self, src, dst, options)
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        LayeredBackend::glob(self, pattern)
    }

    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        LayeredBackend::presign(self, path, options)
    }

    fn close(&self) -> Result<()> {
        LayeredBackend::close(self)
    }

    fn check_health(&self) -> Result<()> {
        LayeredBackend::check_health(self)
    }

    fn storage_id(&self) -> Option<String> {
        LayeredBackend::storage_id(self)
    }

    fn native_path(&self, path: &RemotePath) -> String {
        LayeredBackend::native_path(self, path)
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        LayeredBackend::to_key(self, native)
    }
}

/// An async backend that wraps another: every method forwards to
/// [`inner`](Self::inner) unless overridden. Implementing it makes the
/// type an [`AsyncBackend`].
#[async_trait]
pub trait LayeredAsyncBackend: Send + Sync + 'static {
    /// The wrapped backend (a concrete type or `dyn AsyncBackend`).
    type Inner: AsyncBackend + ?Sized;

    /// The wrapped backend.
    fn inner(&self) -> &Self::Inner;

    /// [`AsyncBackend::name`] of the inner backend, unless overridden.
    fn name(&self) -> &str {
        AsyncBackend::name(self.inner())
    }

    /// [`AsyncBackend::capabilities`] of the inner backend, unless overridden.
    fn capabilities(&self) -> Capabilities {
        AsyncBackend::capabilities(self.inner())
    }

    /// [`AsyncBackend::exists`] of the inner backend, unless overridden.
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        AsyncBackend::exists(self.inner(), path).await
    }

    /// [`AsyncBackend::is_file`] of the inner backend, unless overridden.
    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        AsyncBackend::is_file(self.inner(), path).await
    }

    /// [`AsyncBackend::is_folder`] of the inner backend, unless overridden.
    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        AsyncBackend::is_folder(self.inner(), path).await
    }

    /// [`AsyncBackend::read`] of the inner backend, unless overridden.
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        AsyncBackend::read(self.inner(), path, options).await
    }

    /// Not the inner backend's, unless overridden: the metadata and a read
    /// through this layer's own
    /// [`get_file_info`](AsyncBackend::get_file_info) and
    /// [`read`](AsyncBackend::read) (the trait's default), so a layer that
    /// changes reads (retry, timeouts, faults) changes these too. A layer
    /// that leaves reads alone may forward it.
    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)>
    where
        Self: Sized,
    {
        crate::described::read_async(self, path, options).await
    }

    /// [`AsyncBackend::read_bytes`] of the inner backend, unless overridden.
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        AsyncBackend::read_bytes(self.inner(), path, options).await
    }

    /// [`AsyncBackend::write`] of the inner backend, unless overridden.
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        AsyncBackend::write(self.inner(), path, src, options).await
    }

    /// [`AsyncBackend::delete`] of the inner backend, unless overridden.
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        AsyncBackend::delete(self.inner(), path, options).await
    }

    /// [`AsyncBackend::delete`] through this layer's own
    /// [`delete`](Self::delete), path by path
    /// ([`DELETE_BATCH_CONCURRENCY`](crate::DELETE_BATCH_CONCURRENCY) at a
    /// time), unless overridden: override it to forward the batch whole
    /// (and keep the service's bulk delete).
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        use futures::StreamExt as _;
        let options = DeleteOptions::new().missing_ok(missing_ok);
        // The futures first, then the stream: a closure over borrowed
        // paths inside the stream is not general enough for async_trait.
        let deletes: Vec<_> = paths
            .iter()
            .map(|p| LayeredAsyncBackend::delete(self, p, &options))
            .collect();
        Ok(futures::stream::iter(deletes)
            .buffered(crate::DELETE_BATCH_CONCURRENCY)
            .collect()
            .await)
    }

    /// [`AsyncBackend::delete_folder`] of the inner backend, unless overridden.
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        AsyncBackend::delete_folder(self.inner(), path, options).await
    }

    /// [`AsyncBackend::list_files`] of the inner backend, unless overridden.
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        AsyncBackend::list_files(self.inner(), path, options).await
    }

    /// [`AsyncBackend::list_folders`] of the inner backend, unless overridden.
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        AsyncBackend::list_folders(self.inner(), path).await
    }

    /// [`AsyncBackend::get_file_info`] of the inner backend, unless overridden.
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        AsyncBackend::get_file_info(self.inner(), path).await
    }

    /// [`AsyncBackend::get_folder_info`] of the inner backend, unless overridden.
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        AsyncBackend::get_folder_info(self.inner(), path).await
    }

    /// [`AsyncBackend::rename`] of the inner backend, unless overridden.
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        AsyncBackend::rename(self.inner(), src, dst, options).await
    }

    /// [`AsyncBackend::copy`] of the inner backend, unless overridden.
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        AsyncBackend::copy(self.inner(), src, dst, options).await
    }

    /// [`AsyncBackend::glob`] of the inner backend, unless overridden.
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        AsyncBackend::glob(self.inner(), pattern).await
    }

    /// [`AsyncBackend::presign`] of the inner backend, unless overridden.
    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        AsyncBackend::presign(self.inner(), path, options).await
    }

    /// [`AsyncBackend::close`] of the inner backend, unless overridden.
    async fn close(&self) -> Result<()> {
        AsyncBackend::close(self.inner()).await
    }

    /// [`AsyncBackend::check_health`] of the inner backend, unless
    /// overridden.
    async fn check_health(&self) -> Result<()> {
        AsyncBackend::check_health(self.inner()).await
    }

    /// [`AsyncBackend::storage_id`] of the inner backend, unless overridden.
    fn storage_id(&self) -> Option<String> {
        AsyncBackend::storage_id(self.inner())
    }

    /// [`AsyncBackend::native_path`] of the inner backend, unless overridden.
    fn native_path(&self, path: &RemotePath) -> String {
        AsyncBackend::native_path(self.inner(), path)
    }

    /// [`AsyncBackend::to_key`] of the inner backend, unless overridden.
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        AsyncBackend::to_key(self.inner(), native)
    }
}

#[async_trait]
impl<L: LayeredAsyncBackend> AsyncBackend for L {
    fn name(&self) -> &str {
        LayeredAsyncBackend::name(self)
    }

    fn capabilities(&self) -> Capabilities {
        LayeredAsyncBackend::capabilities(self)
    }

    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        LayeredAsyncBackend::exists(self, path).await
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        LayeredAsyncBackend::is_file(self, path).await
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        LayeredAsyncBackend::is_folder(self, path).await
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        LayeredAsyncBackend::read(self, path, options).await
    }

    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        LayeredAsyncBackend::read_bytes(self, path, options).await
    }

    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        LayeredAsyncBackend::read_with_info(self, path, options).await
    }

    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        LayeredAsyncBackend::write(self, path, src, options).await
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        LayeredAsyncBackend::delete(self, path, options).await
    }

    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        LayeredAsyncBackend::delete_batch(self, paths, missing_ok).await
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        LayeredAsyncBackend::delete_folder(self, path, options).await
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        LayeredAsyncBackend::list_files(self, path, options).await
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        LayeredAsyncBackend::list_folders(self, path).await
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        LayeredAsyncBackend::get_file_info(self, path).await
    }

    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        LayeredAsyncBackend::get_folder_info(self, path).await
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        LayeredAsyncBackend::rename(self, src, dst, options).await
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        LayeredAsyncBackend::copy(self, src, dst, options).await
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        LayeredAsyncBackend::glob(self, pattern).await
    }

    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        LayeredAsyncBackend::presign(self, path, options).await
    }

    async fn close(&self) -> Result<()> {
        LayeredAsyncBackend::close(self).await
    }

    async fn check_health(&self) -> Result<()> {
        LayeredAsyncBackend::check_health(self).await
    }

    fn storage_id(&self) -> Option<String> {
        LayeredAsyncBackend::storage_id(self)
    }

    fn native_path(&self, path: &RemotePath) -> String {
        LayeredAsyncBackend::native_path(self, path)
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        LayeredAsyncBackend::to_key(self, native)
    }
}
