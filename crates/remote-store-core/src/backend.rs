//! The sync [`Backend`] trait: what a blocking storage implementation provides.

use std::any::Any;
use std::io::Read;

use bytes::Bytes;

use crate::capability::{Capabilities, Capability};
use crate::error::{Error, Result};
use crate::metadata::{FileInfo, FolderInfo};
use crate::path::RemotePath;
use crate::stream::{FileIter, FolderIter, ReadStream};

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
///   and never change. The store checks them before calling; a method whose
///   capability is not declared may keep its default body, which fails with
///   [`ErrorKind::CapabilityNotSupported`](crate::ErrorKind).
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
    /// A short name for messages and errors (`"memory"`, `"s3"`).
    fn name(&self) -> &str;

    /// What this backend can do. Never loses a capability over the
    /// backend's life (`close` included); a backend that can only learn a
    /// guarantee from its server may add it once a connection has
    /// confirmed it (russh's `AtomicMove`), so the answer before the first
    /// connection is the least the backend will have.
    fn capabilities(&self) -> Capabilities;

    /// Whether `path` is a file or a folder. The root always exists.
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        Ok(self.is_file(path)? || self.is_folder(path)?)
    }

    /// Whether `path` is a file.
    fn is_file(&self, path: &RemotePath) -> Result<bool>;

    /// Whether `path` is a folder. The root is always a folder.
    fn is_folder(&self, path: &RemotePath) -> Result<bool>;

    /// Opens the file for streaming reads.
    ///
    /// # Errors
    /// `NotFound` when there is no file at `path`.
    fn read(&self, path: &RemotePath) -> Result<ReadStream>;

    /// Reads `len` bytes from `offset` (to the end when `len` is `None`).
    /// A range past the end is cut at the end; an offset past the end reads
    /// nothing. Needs [`Capability::RangeRead`].
    fn read_range(&self, path: &RemotePath, offset: u64, len: Option<u64>) -> Result<ReadStream> {
        let _ = (path, offset, len);
        Err(Error::unsupported(Capability::RangeRead))
    }

    /// Reads the whole file into memory. Override when the backend can do
    /// better than draining [`read`](Self::read).
    fn read_bytes(&self, path: &RemotePath) -> Result<Bytes> {
        let mut buf = Vec::new();
        self.read(path)?.read_to_end(&mut buf)?;
        Ok(Bytes::from(buf))
    }

    /// Writes `src` to `path`, creating parent folders as needed.
    ///
    /// # Errors
    /// `AlreadyExists` when `overwrite` is false and `path` exists; the
    /// error of `src` when it fails (nothing is left at `path`).
    fn write(&self, path: &RemotePath, src: &mut dyn Read, overwrite: bool) -> Result<()>;

    /// Like [`write`](Self::write), but readers see either the old or the
    /// new content, never a partial file. Needs
    /// [`Capability::AtomicWrite`].
    fn write_atomic(&self, path: &RemotePath, src: &mut dyn Read, overwrite: bool) -> Result<()> {
        let _ = (path, src, overwrite);
        Err(Error::unsupported(Capability::AtomicWrite))
    }

    /// Deletes the file at `path`.
    ///
    /// # Errors
    /// `NotFound` when it does not exist and `missing_ok` is false.
    fn delete(&self, path: &RemotePath, missing_ok: bool) -> Result<()>;

    /// Deletes the folder at `path`, and everything below it when
    /// `recursive`. Deleting the root empties the backend.
    ///
    /// # Errors
    /// `FolderNotEmpty` when not `recursive` and the folder has entries;
    /// `NotFound` when it does not exist and `missing_ok` is false.
    fn delete_folder(&self, path: &RemotePath, recursive: bool, missing_ok: bool) -> Result<()>;

    /// Files directly in `path`, or at any depth when `recursive` (which
    /// needs [`Capability::RecursiveList`]). Order is unspecified.
    fn list_files(&self, path: &RemotePath, recursive: bool) -> Result<FileIter>;

    /// Folders directly in `path`, as full paths.
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter>;

    /// Metadata of the file at `path`.
    ///
    /// # Errors
    /// `NotFound` when there is no file at `path`.
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo>;

    /// Totals for the folder at `path`. The default sums a recursive
    /// [`list_files`](Self::list_files).
    ///
    /// # Errors
    /// `NotFound` when there is no folder at `path`.
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        if !self.is_folder(path)? {
            return Err(Error::not_found(path));
        }
        let mut info = FolderInfo::new(path.clone());
        for file in self.list_files(path, true)? {
            info.add(&file?);
        }
        Ok(info)
    }

    /// Moves the file `src` to `dst`. Needs [`Capability::Move`].
    ///
    /// # Errors
    /// `NotFound` when `src` is missing; `AlreadyExists` when `dst` exists
    /// and `overwrite` is false (both files are left as they were).
    fn rename(&self, src: &RemotePath, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let _ = (src, dst, overwrite);
        Err(Error::unsupported(Capability::Move))
    }

    /// Copies the file `src` to `dst`. Needs [`Capability::Copy`]. Errors
    /// as for [`rename`](Self::rename).
    fn copy(&self, src: &RemotePath, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let _ = (src, dst, overwrite);
        Err(Error::unsupported(Capability::Copy))
    }

    /// Files matching a glob `pattern` (relative to the backend root; `*`
    /// and `?` stay within one segment, `**` spans any depth). Needs
    /// [`Capability::Glob`]; [`glob::glob_files`](crate::glob::glob_files)
    /// implements it on top of listing.
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        let _ = pattern;
        Err(Error::unsupported(Capability::Glob))
    }

    /// Releases connections and other resources. Afterwards every I/O call
    /// fails with `Closed`. Closing twice is fine.
    fn close(&self) -> Result<()> {
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

    /// The backend-native form of `path` (an OS path, a URL).
    fn native_path(&self, path: &RemotePath) -> String {
        path.to_string()
    }

    /// Turns a backend-native path back into a path, the inverse of
    /// [`native_path`](Self::native_path).
    ///
    /// # Errors
    /// `InvalidPath` when `native` is not inside this backend.
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        RemotePath::new(native)
    }
}
