//! The sync [`Backend`] trait: what a blocking storage implementation provides.

use std::any::Any;
use std::io::Read;

use bytes::Bytes;

use crate::capability::{Capabilities, Capability};
use crate::contract::contract;
use crate::error::{Error, Result};
use crate::metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
use crate::options::{
    CopyOptions, DeleteFolderOptions, DeleteOptions, ListOptions, PresignOptions, ReadOptions,
    RenameOptions, WriteOptions,
};
use crate::path::RemotePath;
use crate::stream::{FileIter, FolderIter, ReadStream};
use crate::writer::WriteSink;

/// Lets a `&dyn Backend` or `&dyn AsyncBackend` be downcast to the concrete
/// type, to reach a backend's native handle. Implemented for every type;
/// never implement it yourself.
pub trait AsAny: Any {
    /// `self` as [`Any`].
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A blocking storage backend.
///
/// Most users never call a backend directly: they wrap it in a
/// [`Store`](crate::Store) (or an [`AsyncStore`](crate::AsyncStore), which
/// runs it through [`SyncBackendAdapter`](crate::SyncBackendAdapter)).
///
/// # Contract
///
/// - **Paths** are already validated and normalized and are relative to the
///   backend's own root. File operations never receive the root.
/// - **Capabilities** are declared by [`capabilities`](Self::capabilities)
///   and never lost. The store checks them before calling; a method whose
///   capability is not declared may keep its default body, which fails with
///   [`ErrorKind::CapabilityNotSupported`](crate::ErrorKind).
/// - **Options** ([`ReadOptions`], [`WriteOptions`], …) come with every
///   operation that has more than a path. The stores check each option
///   against the capabilities before calling; a backend called directly
///   with an option it does not declare refuses it with
///   `CapabilityNotSupported` ([`Gated::check`](crate::Gated::check)),
///   never ignores it.
/// - **Streaming**: [`read`](Self::read) returns a reader that pulls as it is
///   read, listings are iterators that walk as they yield, and
///   [`write`](Self::write) consumes its source incrementally. Nothing
///   buffers a whole file or listing.
/// - **No partial writes**: if `src` fails, `write` returns an error and the
///   path holds its old content (or nothing). Turn source errors into
///   [`Error`]s with [`Error::from_source_io`], which keeps the caller's
///   original error.
/// - **Errors** use the kinds documented on each method; the native error is
///   kept as the source. Listing a folder that does not exist yields nothing.
/// - After [`close`](Self::close) every I/O method fails with
///   [`ErrorKind::Closed`](crate::ErrorKind::Closed).
///
/// Run the public conformance suite (`remote-store-conformance`) to check an
/// implementation.
pub trait Backend: AsAny + Send + Sync {
    #[doc = contract!(name)]
    fn name(&self) -> &str;

    #[doc = contract!(capabilities)]
    fn capabilities(&self) -> Capabilities;

    #[doc = contract!(exists)]
    ///
    /// The default asks [`is_file`](Self::is_file), then
    /// [`is_folder`](Self::is_folder).
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        Ok(self.is_file(path)? || self.is_folder(path)?)
    }

    #[doc = contract!(is_file)]
    fn is_file(&self, path: &RemotePath) -> Result<bool>;

    #[doc = contract!(is_folder)]
    fn is_folder(&self, path: &RemotePath) -> Result<bool>;

    #[doc = contract!(read)]
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream>;

    #[doc = contract!(read_with_info)]
    ///
    /// The default calls [`get_file_info`](Self::get_file_info), then
    /// [`read`](Self::read) pinned or counted; override it when the backend
    /// can take both from one opened file.
    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        crate::described::read_sync(self, path, options)
    }

    #[doc = contract!(read_bytes)]
    ///
    /// The default drains [`read`](Self::read); override it when the backend
    /// can do better.
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let mut buf = Vec::new();
        self.read(path, options)?.read_to_end(&mut buf)?;
        Ok(Bytes::from(buf))
    }

    #[doc = contract!(write)]
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult>;

    #[doc = contract!(writer)]
    ///
    /// The default, `Ok(None)`, has the store run [`write`](Self::write) on
    /// a thread of its own, fed through a bounded channel. Override it
    /// when the backend can take the bytes on the caller's thread, with no
    /// hand-off and no copy (local writes them straight into the staged
    /// file). Errors found before any byte is written may come from this
    /// call: the store holds them for the sink's first `write` or
    /// `finish`, where the threaded sink reports them.
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        let _ = (path, options);
        Ok(None)
    }

    #[doc = contract!(never_blocks)]
    fn never_blocks(&self) -> bool {
        false
    }

    #[doc = contract!(delete)]
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()>;

    #[doc = contract!(delete_batch)]
    ///
    /// The default calls [`delete`](Self::delete) for each path in turn;
    /// override it where the storage deletes many files in one request.
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        let options = DeleteOptions::new().missing_ok(missing_ok);
        Ok(paths.iter().map(|p| self.delete(p, &options)).collect())
    }

    #[doc = contract!(delete_folder)]
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()>;

    #[doc = contract!(list_files)]
    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter>;

    #[doc = contract!(list_folders)]
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter>;

    #[doc = contract!(get_file_info)]
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo>;

    #[doc = contract!(get_folder_info)]
    ///
    /// The default sums a recursive [`list_files`](Self::list_files), or,
    /// without `Capability::RecursiveList`, walks the folders one level at
    /// a time.
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        if !self.is_folder(path)? {
            return Err(Error::not_found(path));
        }
        let mut info = FolderInfo::new(path.clone());
        let recursive = self.capabilities().contains(Capability::RecursiveList);
        let options = ListOptions::new().recursive(recursive);
        let mut pending = vec![path.clone()];
        while let Some(folder) = pending.pop() {
            for file in self.list_files(&folder, &options)? {
                info.add(&file?);
            }
            if !recursive {
                for sub in self.list_folders(&folder)? {
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
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        let _ = (src, dst, options);
        Err(Error::unsupported(Capability::Move))
    }

    #[doc = contract!(copy)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let _ = (src, dst, options);
        Err(Error::unsupported(Capability::Copy))
    }

    #[doc = contract!(glob)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    /// [`glob::glob_files`](crate::glob::glob_files) implements it on top of
    /// listing.
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        let _ = pattern;
        Err(Error::unsupported(Capability::Glob))
    }

    #[doc = contract!(presign)]
    ///
    /// The default body refuses with `CapabilityNotSupported`: implement it
    /// when you declare the capability.
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        let _ = (path, options);
        Err(Error::unsupported(Capability::Presign))
    }

    #[doc = contract!(close)]
    ///
    /// The default does nothing; a backend that holds connections releases them
    /// here, and every backend refuses I/O afterwards.
    fn close(&self) -> Result<()> {
        Ok(())
    }

    #[doc = contract!(check_health)]
    ///
    /// The default lists the backend's root and takes the first entry
    /// (`CapabilityNotSupported` without `List`); override it with the
    /// cheapest call that reaches your storage.
    fn check_health(&self) -> Result<()> {
        if !self.capabilities().contains(Capability::List) {
            return Err(Error::unsupported(Capability::List));
        }
        let mut files = self.list_files(&RemotePath::root(), &ListOptions::default())?;
        files.next().transpose().map(drop)
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
