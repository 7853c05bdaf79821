//! The [`AsyncBackend`] trait: what a native-async storage implementation
//! provides. Same operations, names and semantics as [`Backend`](crate::Backend).

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::TryStreamExt;

use crate::backend::AsAny;
use crate::capability::{Capabilities, Capability};
use crate::error::{Error, Result};
use crate::metadata::{FileInfo, FolderInfo};
use crate::path::RemotePath;
use crate::stream::{ByteStream, FileStream, FolderStream};

/// A native-async storage backend.
///
/// The contract is the one of [`Backend`](crate::Backend), method for
/// method; only the stream types differ ([`ByteStream`], [`FileStream`],
/// [`FolderStream`]). Users reach it through an
/// [`AsyncStore`](crate::AsyncStore), or from sync code through a
/// [`Store`](crate::Store), which runs it on the blocking bridge.
///
/// Futures returned here must not depend on the caller's runtime: the
/// blocking bridge polls them on its own multi-thread runtime.
#[async_trait]
pub trait AsyncBackend: AsAny + Send + Sync {
    /// A short name for messages and errors.
    fn name(&self) -> &str;

    /// What this backend can do. Never loses a capability over the
    /// backend's life (`close` included); a backend that can only learn a
    /// guarantee from its server may add it once a connection has
    /// confirmed it (russh's `AtomicMove`), so the answer before the first
    /// connection is the least the backend will have.
    fn capabilities(&self) -> Capabilities;

    /// Whether `path` is a file or a folder. The root always exists.
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        Ok(self.is_file(path).await? || self.is_folder(path).await?)
    }

    /// Whether `path` is a file.
    async fn is_file(&self, path: &RemotePath) -> Result<bool>;

    /// Whether `path` is a folder. The root is always a folder.
    async fn is_folder(&self, path: &RemotePath) -> Result<bool>;

    /// Opens the file for streaming reads. `NotFound` when missing.
    async fn read(&self, path: &RemotePath) -> Result<ByteStream>;

    /// Reads `len` bytes from `offset` (to the end when `None`); see
    /// [`Backend::read_range`](crate::Backend::read_range).
    async fn read_range(
        &self,
        path: &RemotePath,
        offset: u64,
        len: Option<u64>,
    ) -> Result<ByteStream> {
        let _ = (path, offset, len);
        Err(Error::unsupported(Capability::RangeRead))
    }

    /// Reads the whole file into memory.
    async fn read_bytes(&self, path: &RemotePath) -> Result<Bytes> {
        let stream = self.read(path).await?;
        let buf = stream
            .try_fold(BytesMut::new(), |mut acc, chunk| async move {
                acc.extend_from_slice(&chunk);
                Ok(acc)
            })
            .await?;
        Ok(buf.freeze())
    }

    /// Writes `src` to `path`; see [`Backend::write`](crate::Backend::write).
    async fn write(&self, path: &RemotePath, src: ByteStream, overwrite: bool) -> Result<()>;

    /// Atomic write; see
    /// [`Backend::write_atomic`](crate::Backend::write_atomic).
    async fn write_atomic(
        &self,
        path: &RemotePath,
        src: ByteStream,
        overwrite: bool,
    ) -> Result<()> {
        let _ = (path, src, overwrite);
        Err(Error::unsupported(Capability::AtomicWrite))
    }

    /// Deletes a file; see [`Backend::delete`](crate::Backend::delete).
    async fn delete(&self, path: &RemotePath, missing_ok: bool) -> Result<()>;

    /// Deletes a folder; see
    /// [`Backend::delete_folder`](crate::Backend::delete_folder).
    async fn delete_folder(
        &self,
        path: &RemotePath,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()>;

    /// Lists files; see [`Backend::list_files`](crate::Backend::list_files).
    async fn list_files(&self, path: &RemotePath, recursive: bool) -> Result<FileStream>;

    /// Lists folders; see
    /// [`Backend::list_folders`](crate::Backend::list_folders).
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream>;

    /// File metadata; see
    /// [`Backend::get_file_info`](crate::Backend::get_file_info).
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo>;

    /// Folder totals; the default sums a recursive listing.
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        if !self.is_folder(path).await? {
            return Err(Error::not_found(path));
        }
        let files = self.list_files(path, true).await?;
        files
            .try_fold(FolderInfo::new(path.clone()), |mut info, file| async move {
                info.add(&file);
                Ok(info)
            })
            .await
    }

    /// Moves a file; see [`Backend::rename`](crate::Backend::rename).
    async fn rename(&self, src: &RemotePath, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let _ = (src, dst, overwrite);
        Err(Error::unsupported(Capability::Move))
    }

    /// Copies a file; see [`Backend::copy`](crate::Backend::copy).
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let _ = (src, dst, overwrite);
        Err(Error::unsupported(Capability::Copy))
    }

    /// Files matching a glob; see [`Backend::glob`](crate::Backend::glob).
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        let _ = pattern;
        Err(Error::unsupported(Capability::Glob))
    }

    /// Releases resources; afterwards I/O fails with `Closed`.
    async fn close(&self) -> Result<()> {
        Ok(())
    }

    /// Which storage this backend reaches, as a URL-like string without
    /// secrets (`file://`, `s3://ENDPOINT/BUCKET`, `sftp://USER@HOST:PORT`,
    /// …): two backends with the same id reach the same storage, and
    /// [`native_path`](Self::native_path) names places within it, so tools
    /// can tell when two stores overlap (a move onto its own subtree).
    /// `None`, the default, when the backend cannot tell; tools then treat
    /// only the same backend instance as the same storage.
    fn storage_id(&self) -> Option<String> {
        None
    }

    /// The backend-native form of `path`.
    fn native_path(&self, path: &RemotePath) -> String {
        path.to_string()
    }

    /// The inverse of [`native_path`](Self::native_path).
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        RemotePath::new(native)
    }
}
