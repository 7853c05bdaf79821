//! [`Store`]: the sync, root-scoped face users work with.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;

use crate::adapter::AsyncBackendBridge;
use crate::backend::Backend;
use crate::capability::{Capabilities, Capability};
use crate::contract::contract;
use crate::error::Result;
use crate::into_backend::IntoBackend;
use crate::metadata::{FileInfo, FolderInfo};
use crate::path::RemotePath;
use crate::scope::Scope;
use crate::stream::{FileIter, FolderIter, ReadStream};

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

    fn check(&self, needs: &[Capability]) -> Result<()> {
        self.scope
            .check(self.capabilities(), needs)
            .map_err(|e| e.with_backend(self.name().to_owned()))
    }

    fn file(&self, path: &str, needs: &[Capability]) -> Result<RemotePath> {
        self.check(needs)?;
        self.scope.file(path).map_err(self.fail())
    }

    fn folder(&self, path: &str, needs: &[Capability]) -> Result<RemotePath> {
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
        let p = self.folder(path.as_ref(), &[])?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.exists(&p).map_err(self.fail())
    }

    #[doc = contract!(is_file)]
    pub fn is_file(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &[])?;
        if p == *self.root() {
            return Ok(false);
        }
        self.backend.is_file(&p).map_err(self.fail())
    }

    #[doc = contract!(is_folder)]
    pub fn is_folder(&self, path: impl AsRef<str>) -> Result<bool> {
        let p = self.folder(path.as_ref(), &[])?;
        if &p == self.scope.root() {
            return Ok(true); // The store's root always exists.
        }
        self.backend.is_folder(&p).map_err(self.fail())
    }

    #[doc = contract!(read)]
    ///
    /// Returns a [`ReadStream`] (an `io::Read`).
    pub fn read(&self, path: impl AsRef<str>) -> Result<ReadStream> {
        let p = self.file(path.as_ref(), &[C::Read])?;
        let stream = self
            .backend
            .read(&p)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        Ok(self.scope.read_stream(self.backend.name(), stream))
    }

    #[doc = contract!(read_range)]
    pub fn read_range(
        &self,
        path: impl AsRef<str>,
        offset: u64,
        len: Option<u64>,
    ) -> Result<ReadStream> {
        let p = self.file(path.as_ref(), &[C::Read, C::RangeRead])?;
        let stream = self
            .backend
            .read_range(&p, offset, len)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        Ok(self.scope.read_stream(self.backend.name(), stream))
    }

    #[doc = contract!(read_bytes)]
    pub fn read_bytes(&self, path: impl AsRef<str>) -> Result<Bytes> {
        let p = self.file(path.as_ref(), &[C::Read])?;
        self.backend
            .read_bytes(&p)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())
    }

    #[doc = contract!(write)]
    ///
    /// `src` is any `io::Read`.
    pub fn write(&self, path: impl AsRef<str>, mut src: impl Read, overwrite: bool) -> Result<()> {
        let p = self.file(path.as_ref(), &[C::Write])?;
        self.backend
            .write(&p, &mut src, overwrite)
            .map_err(self.fail())
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
    ) -> Result<()> {
        self.write(path, data.as_ref(), overwrite)
    }

    #[doc = contract!(write_atomic)]
    pub fn write_atomic(
        &self,
        path: impl AsRef<str>,
        mut src: impl Read,
        overwrite: bool,
    ) -> Result<()> {
        let p = self.file(path.as_ref(), &[C::AtomicWrite])?;
        self.backend
            .write_atomic(&p, &mut src, overwrite)
            .map_err(self.fail())
    }

    #[doc = contract!(delete)]
    pub fn delete(&self, path: impl AsRef<str>, missing_ok: bool) -> Result<()> {
        let p = self.file(path.as_ref(), &[C::Delete])?;
        match self.backend.delete(&p, missing_ok) {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let folder = self.backend.is_folder(&p).unwrap_or(false)
                    && !self.backend.is_file(&p).unwrap_or(true);
                Scope::wrong_kind(&p, false, folder, missing_ok, e)
            }
            other => other,
        }
        .map_err(self.fail())
    }

    #[doc = contract!(delete_folder)]
    pub fn delete_folder(
        &self,
        path: impl AsRef<str>,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()> {
        let p = self.folder(path.as_ref(), &[C::Delete])?;
        // The store's root always exists.
        let missing_ok = missing_ok || &p == self.scope.root();
        match self.backend.delete_folder(&p, recursive, missing_ok) {
            Err(e) if Scope::may_be_wrong_kind(&e) => {
                let file = self.backend.is_file(&p).unwrap_or(false)
                    && !self.backend.is_folder(&p).unwrap_or(true);
                Scope::wrong_kind(&p, true, file, missing_ok, e)
            }
            other => other,
        }
        .map_err(self.fail())
    }

    #[doc = contract!(list_files)]
    ///
    /// Returns an iterator of `Result<FileInfo>`.
    pub fn list_files(&self, path: impl AsRef<str>, recursive: bool) -> Result<FileIter> {
        let needs: &[Capability] = if recursive {
            &[C::List, C::RecursiveList]
        } else {
            &[C::List]
        };
        let p = self.folder(path.as_ref(), needs)?;
        let files = self
            .backend
            .list_files(&p, recursive)
            .map_err(self.fail())?;
        Ok(self.strip_files(files))
    }

    #[doc = contract!(list_folders)]
    pub fn list_folders(&self, path: impl AsRef<str>) -> Result<FolderIter> {
        let p = self.folder(path.as_ref(), &[C::List])?;
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
        let p = self.file(path.as_ref(), &[C::Metadata])?;
        let info = self
            .backend
            .get_file_info(&p)
            .map_err(|e| self.not_a_file(&p, e))
            .map_err(self.fail())?;
        self.scope.strip_file(info)
    }

    #[doc = contract!(get_folder_info)]
    pub fn get_folder_info(&self, path: impl AsRef<str>) -> Result<FolderInfo> {
        let p = self.folder(path.as_ref(), &[C::Metadata])?;
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
        self.transfer(Capability::Move, src.as_ref(), dst.as_ref(), overwrite)
    }

    #[doc = contract!(copy)]
    pub fn copy(&self, src: impl AsRef<str>, dst: impl AsRef<str>, overwrite: bool) -> Result<()> {
        self.transfer(Capability::Copy, src.as_ref(), dst.as_ref(), overwrite)
    }

    /// `rename` (`Move`) or `copy` (`Copy`), with the outcomes the same on
    /// every backend: onto itself, and a missing source first.
    fn transfer(&self, op: Capability, src: &str, dst: &str, overwrite: bool) -> Result<()> {
        let s = self.file(src, &[op])?;
        let d = self.scope.file(dst).map_err(self.fail())?;
        if s == d {
            let is_file = self.backend.is_file(&s).map_err(self.fail())?;
            return Scope::onto_itself(&s, is_file, overwrite)
                .map_err(|e| self.not_a_file(&s, e))
                .map_err(self.fail());
        }
        let done = if op == Capability::Move {
            self.backend.rename(&s, &d, overwrite)
        } else {
            self.backend.copy(&s, &d, overwrite)
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
        self.check(&[C::Glob])?;
        let pattern = self.scope.pattern(pattern).map_err(self.fail())?;
        let files = self.backend.glob(&pattern).map_err(self.fail())?;
        Ok(self.strip_files(files))
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
