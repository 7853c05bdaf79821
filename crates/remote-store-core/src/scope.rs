//! What [`Store`](crate::Store) and [`AsyncStore`](crate::AsyncStore) share:
//! the root they are scoped to, the closed flag, path resolution and
//! capability gating. Keeping it here keeps the two faces in step.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use crate::capability::{Capabilities, Capability};
use crate::error::{Error, ErrorKind, Result};
use crate::glob;
use crate::metadata::{FileInfo, FolderInfo};
use crate::options::{CopyOptions, DeleteFolderOptions, Gated, RenameOptions};
use crate::path::RemotePath;
use crate::stream::{ByteStream, ReadStream};

/// What an operation without options needs: its capabilities, as given.
pub(crate) struct Needs(pub(crate) Capabilities);

impl Needs {
    pub(crate) const NOTHING: Needs = Needs(Capabilities::empty());

    pub(crate) const fn of(caps: &[Capability]) -> Needs {
        Needs(Capabilities::of(caps))
    }
}

impl Gated for Needs {
    fn required(&self) -> Capabilities {
        self.0
    }
}

/// `rename` or `copy` with its options: the two share the store's
/// checks and outcomes.
#[derive(Clone, Copy)]
pub(crate) enum Transfer<'a> {
    Rename(&'a RenameOptions),
    Copy(&'a CopyOptions),
}

impl Transfer<'_> {
    pub(crate) fn overwrite(self) -> bool {
        match self {
            Transfer::Rename(options) => options.overwrite,
            Transfer::Copy(options) => options.overwrite,
        }
    }
}

impl Gated for Transfer<'_> {
    fn required(&self) -> Capabilities {
        match self {
            Transfer::Rename(options) => options.required(),
            Transfer::Copy(options) => options.required(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Scope {
    root: RemotePath,
    closed: Arc<AtomicBool>,
}

impl Scope {
    pub(crate) fn new(root: RemotePath) -> Self {
        Scope {
            root,
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(crate) fn root(&self) -> &RemotePath {
        &self.root
    }

    /// A narrower scope that shares the closed flag.
    pub(crate) fn child(&self, sub: &str) -> Result<Scope> {
        Ok(Scope {
            root: self.root.join(sub)?,
            closed: self.closed.clone(),
        })
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// Fails when closed or when a needed capability is missing (the
    /// first in declaration order); no I/O. The one place the stores gate
    /// operations and their options.
    pub(crate) fn check(&self, caps: Capabilities, needs: &impl Gated) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed());
        }
        needs.check(caps)
    }

    /// The options a store passes on for `delete_folder` of `path`: the
    /// store's root always exists, so deleting it is never `NotFound`.
    pub(crate) fn delete_folder_options(
        &self,
        path: &RemotePath,
        options: &DeleteFolderOptions,
    ) -> DeleteFolderOptions {
        let mut options = options.clone();
        options.missing_ok |= path == &self.root;
        options
    }

    /// A folder or query path (the root allowed), as a backend path.
    pub(crate) fn folder(&self, rel: &str) -> Result<RemotePath> {
        self.root.join(rel)
    }

    /// A file path (the root refused), as a backend path.
    pub(crate) fn file(&self, rel: &str) -> Result<RemotePath> {
        let path = RemotePath::new(rel)?;
        if path.is_root() {
            return Err(Error::invalid_path(
                rel,
                "a file operation needs a file path, not the store root",
            ));
        }
        self.root.join(path.as_str())
    }

    /// A glob pattern relative to the store, as a backend pattern.
    pub(crate) fn pattern(&self, rel: &str) -> Result<String> {
        if glob::names_nothing(rel) {
            return Err(Error::new(crate::ErrorKind::InvalidArgument).with_message(
                "an empty pattern (or one of only '/' and '.') would match nothing",
            ));
        }
        let rel = RemotePath::new(rel)?;
        if self.root.is_root() {
            return Ok(rel.as_str().to_owned());
        }
        Ok(format!("{}/{}", glob::escape(self.root.as_str()), rel))
    }

    /// The outcome of moving or copying the file at `path` onto itself, the
    /// same on every backend (as POSIX `rename` decides it): nothing
    /// changes, so it succeeds when the file exists and may be
    /// overwritten; `AlreadyExists` when not to be overwritten; `NotFound`
    /// when there is no such file.
    pub(crate) fn onto_itself(path: &RemotePath, is_file: bool, overwrite: bool) -> Result<()> {
        match (is_file, overwrite) {
            (false, _) => Err(Error::not_found(path)),
            (true, false) => Err(Error::already_exists(path)),
            (true, true) => Ok(()),
        }
    }

    /// The outcome of a `delete` (`folder` false) or `delete_folder`
    /// (`folder` true) the backend refused with `err`, once the store knows
    /// whether the path holds the other kind (`other_kind`): with nothing of
    /// the asked kind there, `missing_ok` succeeds (nothing to remove) and
    /// otherwise the caller is told the path names the other kind
    /// (`InvalidPath`), never only `NotFound`.
    pub(crate) fn wrong_kind(
        path: &RemotePath,
        folder: bool,
        other_kind: bool,
        missing_ok: bool,
        err: Error,
    ) -> Result<()> {
        match (other_kind, missing_ok) {
            (false, _) => Err(err),
            (true, true) => Ok(()),
            (true, false) if folder => Err(Error::invalid_path(
                path,
                "is a file, not a folder (delete removes files)",
            )),
            (true, false) => Err(Error::invalid_path(
                path,
                "is a folder, not a file (delete_folder removes folders)",
            )),
        }
    }

    /// Whether a `rename`/`copy` refusal may be about the destination while
    /// the source is missing (`AlreadyExists`, or `InvalidPath` for a
    /// destination that is a folder or below a file), so that the store
    /// checks the source first.
    pub(crate) fn may_hide_the_source(err: &Error) -> bool {
        matches!(
            err.kind(),
            ErrorKind::AlreadyExists | ErrorKind::InvalidPath
        )
    }

    /// A `rename`/`copy` the backend refused about its destination: when
    /// the source does not exist, the answer is `NotFound` (the source is
    /// checked first, as POSIX `rename` does), whatever the destination.
    pub(crate) fn source_first(src: &RemotePath, src_exists: bool, err: Error) -> Result<()> {
        if src_exists {
            Err(err)
        } else {
            Err(Error::not_found(src))
        }
    }

    /// Whether a backend's refusal says the operand itself is missing:
    /// only then does the store look for the other kind there (a folder
    /// where a file was named), or, for `get_folder_info` of its root,
    /// answer an empty folder (the root always exists). An entry a listing
    /// could not return (a dangling link below a folder being totalled) is
    /// about that entry, not the operand, and fails the call.
    pub(crate) fn operand_missing(err: &Error) -> bool {
        err.kind() == ErrorKind::NotFound && !err.is_unlisted()
    }

    /// The error for a file operand the backend did not find, once the
    /// store knows whether a folder is there: a folder is the wrong kind of
    /// operand (`InvalidPath`, ADR-0012), whatever the backend said.
    pub(crate) fn not_a_file(path: &RemotePath, is_folder: bool, err: Error) -> Error {
        if is_folder {
            Error::invalid_path(path, "is a folder, not a file")
        } else {
            err
        }
    }

    /// The error for a folder operand (`get_folder_info`) the backend did
    /// not find, once the store knows whether a file is there.
    pub(crate) fn not_a_folder(path: &RemotePath, is_file: bool, err: Error) -> Error {
        if is_file {
            Error::invalid_path(path, "is a file, not a folder")
        } else {
            err
        }
    }

    /// Whether a refusal may come from the path holding the other kind
    /// (a file where a folder was named, or the reverse), so that the
    /// store should look.
    pub(crate) fn may_be_wrong_kind(err: &Error) -> bool {
        !matches!(
            err.kind(),
            ErrorKind::Closed
                | ErrorKind::BackendUnavailable
                | ErrorKind::CapabilityNotSupported
                | ErrorKind::FolderNotEmpty
        )
    }

    /// A backend path as a store path.
    pub(crate) fn strip(&self, path: RemotePath) -> Result<RemotePath> {
        path.strip_prefix(&self.root).ok_or_else(|| {
            Error::invalid_path(&path, format!("outside the store root '{}'", self.root))
        })
    }

    pub(crate) fn strip_file(&self, mut info: FileInfo) -> Result<FileInfo> {
        info.path = self.strip(info.path)?;
        Ok(info)
    }

    pub(crate) fn strip_folder(&self, mut info: FolderInfo) -> Result<FolderInfo> {
        info.path = self.strip(info.path)?;
        Ok(info)
    }

    /// A read stream whose errors are mapped like those of the call that
    /// opened it ([`error`](Self::error)): an error raised mid-stream names
    /// the store-relative path too.
    pub(crate) fn read_stream(&self, backend: &str, inner: ReadStream) -> ReadStream {
        Box::new(ScopedRead {
            inner,
            scope: self.clone(),
            backend: backend.to_owned(),
        })
    }

    /// The async counterpart of [`read_stream`](Self::read_stream).
    pub(crate) fn byte_stream(&self, backend: &str, inner: ByteStream) -> ByteStream {
        let scope = self.clone();
        let backend = backend.to_owned();
        Box::pin(inner.map(move |item| item.map_err(|e| scope.error(&backend, e))))
    }

    /// Adds the backend name and makes the error's path store-relative.
    pub(crate) fn error(&self, backend: &str, e: Error) -> Error {
        let root = &self.root;
        e.with_backend(backend.to_owned()).map_path(|p| {
            match RemotePath::new(p) {
                Ok(normal) if normal.as_str() == p => Some(normal.strip_prefix(root)?.to_string()),
                // A path the rules refuse or would change (often shown
                // escaped, as `tab\tname`): strip the root as text, never
                // normalize it into another path.
                _ if root.is_root() => None,
                _ => p
                    .strip_prefix(root.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .map(str::to_owned),
            }
        })
    }
}

/// See [`Scope::read_stream`].
struct ScopedRead {
    inner: ReadStream,
    scope: Scope,
    backend: String,
}

impl std::io::Read for ScopedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            // Only errors of ours carry paths; plain I/O errors pass as
            // they are.
            if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
                self.scope
                    .error(&self.backend, Error::from_source_io(e))
                    .into_io()
            } else {
                e
            }
        })
    }
}
