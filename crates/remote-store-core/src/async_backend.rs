//! The [`AsyncBackend`] trait: what a native-async storage implementation
//! provides. Same operations, names and semantics as [`Backend`](crate::Backend).

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;

use crate::backend::AsAny;
use crate::capability::{Capabilities, Capability};
use crate::contract::contract;
use crate::error::{Error, Result};
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, ListOptions, PresignOptions, ReadOptions,
    RenameOptions, WriteOptions,
};
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
    #[doc = contract!(name)]
    fn name(&self) -> &str;

    #[doc = contract!(capabilities)]
    fn capabilities(&self) -> Capabilities;

    #[doc = contract!(exists)]
    ///
    /// The default asks [`is_file`](Self::is_file), then
    /// [`is_folder`](Self::is_folder).
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        Ok(self.is_file(path).await? || self.is_folder(path).await?)
    }

    #[doc = contract!(is_file)]
    async fn is_file(&self, path: &RemotePath) -> Result<bool>;

    #[doc = contract!(is_folder)]
    async fn is_folder(&self, path: &RemotePath) -> Result<bool>;

    #[doc = contract!(read)]
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream>;

    #[doc = contract!(read_with_info)]
    ///
    /// The default calls [`get_file_info`](Self::get_file_info), then
    /// [`read`](Self::read) pinned or counted; override it when the backend
    /// can take both from one opened file.
    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        crate::described::read_async(self, path, options).await
    }

    #[doc = contract!(read_bytes)]
    ///
    /// The default drains [`read`](Self::read); override it when the backend
    /// can do better.
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        crate::stream::collect_bytes(self.read(path, options).await?).await
    }

    #[doc = contract!(write)]
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult>;

    #[doc = contract!(delete)]
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()>;

    #[doc = contract!(delete_batch)]
    ///
    /// The default calls [`delete`](Self::delete) for each path,
    /// [`DELETE_BATCH_CONCURRENCY`](crate::DELETE_BATCH_CONCURRENCY) at a
    /// time; override it where the storage deletes many files in one
    /// request.
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let options = DeleteOptions::new().missing_ok(missing_ok);
        // The futures first, then the stream: a closure over borrowed
        // paths inside the stream is not general enough for async_trait.
        let deletes: Vec<_> = paths.iter().map(|p| self.delete(p, &options)).collect();
        Ok(futures::stream::iter(deletes)
            .buffered(crate::DELETE_BATCH_CONCURRENCY)
            .collect()
            .await)
    }

    #[doc = contract!(delete_folder)]
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()>;

    #[doc = contract!(list_files)]
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream>;

    #[doc = contract!(list_folders)]
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream>;

    #[doc = contract!(get_file_info)]
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo>;

    #[doc = contract!(get_folder_info)]
    ///
    /// The default sums a recursive [`list_files`](Self::list_files), or,
    /// without `Capability::RecursiveList`, walks the folders one level at
    /// a time.
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        if !self.is_folder(path).await? {
            return Err(Error::not_found(path));
        }
        let mut info = FolderInfo::new(path.clone());
        let recursive = self.capabilities().contains(Capability::RecursiveList);
        let options = ListOptions::new().recursive(recursive);
        let mut pending = vec![path.clone()];
        while let Some(folder) = pending.pop() {
            let mut files = self.list_files(&folder, &options).await?;
            while let Some(file) = files.next().await {
                info.add(&file?);
            }
            if !recursive {
                let mut subs = self.list_folders(&folder).await?;
                while let Some(sub) = subs.next().await {
                    pending.push(sub?);
                }
            }
        }
        Ok(info)
    }

    #[doc = contract!(rename)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        let _ = (src, dst, options);
        Err(Error::unsupported(Capability::Move))
    }

    #[doc = contract!(copy)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let _ = (src, dst, options);
        Err(Error::unsupported(Capability::Copy))
    }

    #[doc = contract!(glob)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    /// [`glob::glob_files_async`](crate::glob::glob_files_async) implements it
    /// on top of listing.
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        let _ = pattern;
        Err(Error::unsupported(Capability::Glob))
    }

    #[doc = contract!(presign)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        let _ = (path, options);
        Err(Error::unsupported(Capability::Presign))
    }

    #[doc = contract!(close)]
    ///
    /// The default does nothing; a backend that holds connections releases them
    /// here, and every backend refuses I/O afterwards.
    async fn close(&self) -> Result<()> {
        Ok(())
    }

    #[doc = contract!(check_health)]
    ///
    /// The default lists the backend's root and takes the first entry
    /// (`CapabilityNotSupported` without `List`); override it with the
    /// cheapest call that reaches your storage.
    async fn check_health(&self) -> Result<()> {
        use futures::StreamExt as _;
        if !self.capabilities().contains(Capability::List) {
            return Err(Error::unsupported(Capability::List));
        }
        let mut files = self
            .list_files(&RemotePath::root(), &ListOptions::default())
            .await?;
        files.next().await.transpose().map(drop)
    }

    #[doc = contract!(storage_id)]
    ///
    /// The default is `None`.
    fn storage_id(&self) -> Option<String> {
        None
    }

    #[doc = contract!(native_path)]
    ///
    /// The default is the path itself.
    fn native_path(&self, path: &RemotePath) -> String {
        path.to_string()
    }

    #[doc = contract!(to_key)]
    ///
    /// The default reads `native` as a path.
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        RemotePath::new(native)
    }
}
