//! [`LocalBackend`]: the `Backend` impl, thin over the resolver, the
//! writer and the walker.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    Backend, ByteRange, Bytes, Capabilities, Capability, CopyOptions, DeleteFolderOptions,
    DeleteOptions, Error, ErrorKind, FileInfo, Gated, ListOptions, ReadOptions, RemotePath,
    RenameOptions, Result, WriteOptions, WriteResult, WriteSink, glob,
};

use crate::condition::{self, Locked};
use crate::error::Context;
use crate::lister::{Listed, Walker};
use crate::resolve::{Located, Resolver};
use crate::stage::{self, Staged};
use crate::write::{self, LocalSink, lock_replaced};

/// A backend rooted at a folder of the local file system.
///
/// See the [crate docs](crate) for its guarantees.
#[derive(Debug)]
pub struct LocalBackend {
    resolver: Resolver,
    /// The root as the caller spelled it, for `to_key` on such paths.
    given_root: PathBuf,
    closed: AtomicBool,
}

/// Everything but what a file system does not keep with a file: real
/// folders, atomic and durable writes, race-free no-overwrite, atomic
/// moves, kernel copies, compare-and-swap on etags made of inode numbers
/// (where there are none, no conditions). No presigned URLs, and no
/// content type, cache-control or user metadata (a file has bytes and a
/// name; the content type `get_file_info` reports is guessed from it).
const NOT_KEPT: Capabilities = Capabilities::of(&[
    Capability::Presign,
    Capability::ContentType,
    Capability::CacheControl,
    Capability::UserMetadata,
]);
#[cfg(unix)]
const CAPABILITIES: Capabilities = Capabilities::all().without_all(NOT_KEPT);
#[cfg(not(unix))]
const CAPABILITIES: Capabilities = Capabilities::all()
    .without_all(NOT_KEPT)
    .without(Capability::ConditionalWrite)
    .without(Capability::ConditionalRead)
    .without(Capability::ConditionalDelete);

/// Metadata as a [`FileInfo`]; the content type is guessed from the name.
pub(crate) fn file_info(path: RemotePath, meta: &fs::Metadata) -> FileInfo {
    let mut info = FileInfo::new(path, meta.len());
    if let Ok(modified) = meta.modified() {
        info = info.with_modified(modified);
    }
    if let Some(etag) = condition::etag(meta) {
        info = info.with_etag(etag);
    }
    if let Some(mime) = remote_store_core::attributes::guess_content_type(&info.path) {
        info = info.with_content_type(mime);
    }
    info
}

/// `options` of a read from `file`, opened at `path`; `known` is the
/// open file's metadata when the caller has it already.
fn read_from(
    mut file: File,
    path: &RemotePath,
    options: &ReadOptions,
    known: Option<&fs::Metadata>,
) -> Result<ReadStream> {
    let stat = |file: &File| match known {
        Some(meta) => Ok(meta.clone()),
        None => file.metadata().at(path),
    };
    if options.if_match.is_some() {
        // The open file is the version read, whatever replaces it.
        condition::check_etag(path, &stat(&file)?, options.if_match.as_deref())?;
    }
    let Some(ByteRange { offset, len }) = options.range else {
        return Ok(Box::new(file));
    };
    // Past the end reads nothing, however far: a seek beyond
    // `i64::MAX` would fail (EINVAL) rather than land past the end.
    if offset >= stat(&file)?.len() {
        return Ok(Box::new(std::io::empty()));
    }
    file.seek(SeekFrom::Start(offset)).at(path)?;
    Ok(match len {
        Some(len) => Box::new(file.take(len)),
        None => Box::new(file),
    })
}

impl LocalBackend {
    /// A backend rooted at the existing folder `root`. No I/O besides
    /// resolving the root.
    ///
    /// # Errors
    /// `InvalidConfig` when `root` does not exist or is not a folder.
    pub fn new(root: impl AsRef<Path>) -> Result<Self> {
        let given = root.as_ref();
        let invalid = |why: String| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(crate::NAME)
                .with_message(format!("root '{}': {why}", given.display()))
        };
        let real = fs::canonicalize(given).map_err(|e| invalid(e.to_string()).with_source(e))?;
        if !real.is_dir() {
            return Err(invalid("not a folder".into()));
        }
        Ok(LocalBackend {
            resolver: Resolver::new(real),
            given_root: given.to_path_buf(),
            closed: AtomicBool::new(false),
        })
    }

    /// Like [`new`](Self::new), creating `root` (and its parents) first.
    pub fn create(root: impl AsRef<Path>) -> Result<Self> {
        fs::create_dir_all(root.as_ref()).map_err(|e| {
            Error::from(e)
                .with_backend(crate::NAME)
                .with_message(format!("cannot create root '{}'", root.as_ref().display()))
        })?;
        Self::new(root)
    }

    /// The real (canonical) root folder.
    pub fn root(&self) -> &Path {
        self.resolver.root()
    }

    fn open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed().with_backend(crate::NAME));
        }
        Ok(())
    }

    /// The file at `path`, opened for a read with `options`.
    fn open_file(&self, path: &RemotePath, options: &ReadOptions) -> Result<File> {
        options.check(CAPABILITIES)?;
        let real = match self.file(path) {
            // The version asked for is gone with the file.
            Err(e) if e.kind() == ErrorKind::NotFound && options.if_match.is_some() => {
                return Err(condition::gone(path));
            }
            other => other?,
        };
        File::open(real).at(path)
    }

    /// An existing file's real path.
    fn file(&self, path: &RemotePath) -> Result<PathBuf> {
        self.open()?;
        let located = self.resolver.locate(path)?;
        if let Some(real) = located.file() {
            return Ok(real.to_path_buf());
        }
        Err(match located.folder() {
            Some(_) => Error::invalid_path(path, "is a folder"),
            None => Error::not_found(path),
        }
        .with_backend(crate::NAME))
    }

    /// Whether `path` resolves, inside the root, to something `test` likes;
    /// a path that leads out of the root is not there.
    fn query(&self, path: &RemotePath, test: fn(&Located) -> bool) -> Result<bool> {
        self.open()?;
        match self.resolver.locate(path) {
            Ok(located) => Ok(test(&located)),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn listing(&self, dir: &RemotePath, max_depth: usize, folders: bool) -> Result<Walker> {
        self.open()?;
        let located = self.resolver.locate(dir)?;
        let Some(real) = located.folder() else {
            // A missing folder (or a file) lists as empty.
            return Walker::empty(self.resolver.clone(), dir.clone());
        };
        let real = real.to_path_buf();
        Walker::new(self.resolver.clone(), dir.clone(), real, max_depth, folders)
    }
}

impl Backend for LocalBackend {
    fn name(&self) -> &str {
        crate::NAME
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.query(path, |l| l.file().is_some())
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.query(path, |l| l.folder().is_some())
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let file = self.open_file(path, options)?;
        read_from(file, path, options, None)
    }

    /// One open and one `fstat` of the open file: the metadata is of
    /// exactly the bytes read, whatever replaces the file meanwhile.
    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        let file = self.open_file(path, options)?;
        let meta = file.metadata().at(path)?;
        let stream = read_from(file, path, options, Some(&meta))?;
        Ok((file_info(path.clone(), &meta), stream))
    }

    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        if options.range.is_some() || options.if_match.is_some() {
            let mut buf = Vec::new();
            self.read(path, options)?.read_to_end(&mut buf).at(path)?;
            return Ok(buf.into());
        }
        let real = self.file(path)?;
        Ok(fs::read(real).at(path)?.into())
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        options.check(CAPABILITIES)?;
        self.open()?;
        let (staged, mut file) = write::begin(&self.resolver, path, options)?;
        let size = write::copy_stream(src, &mut file, path)?;
        write::commit(staged, file, path, options, size)
    }

    /// Stages the file now and takes the bytes on the caller's thread.
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        options.check(CAPABILITIES)?;
        self.open()?;
        let (staged, file) = write::begin(&self.resolver, path, options)?;
        Ok(Some(Box::new(LocalSink::new(staged, file, path, options))))
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(CAPABILITIES)?;
        self.open()?;
        let located = self.resolver.locate(path)?;
        if located.folder().is_some() {
            return Err(Error::invalid_path(path, "is a folder; use delete_folder")
                .with_backend(crate::NAME));
        }
        if options.if_match.is_some() {
            // Under the lock compare-and-swap writers hold: no replace can
            // slip between the check and the unlink.
            let lock = match located.file() {
                Some(real) => Locked::target(real).at(path)?,
                None => Locked::none(),
            };
            lock.check(path, options.if_match.as_deref())?;
            return fs::remove_file(&located.entry).at(path);
        }
        match located.file() {
            Some(_) => match fs::remove_file(&located.entry).at(path) {
                // A concurrent delete got there first: with `missing_ok`
                // that is the outcome asked for (SFTP and the object
                // stores settle the same race the same way).
                Err(e) if e.kind() == ErrorKind::NotFound && options.missing_ok => Ok(()),
                other => other,
            },
            None if options.missing_ok => Ok(()),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let DeleteFolderOptions {
            recursive,
            missing_ok,
            ..
        } = *options;
        self.open()?;
        let located = self.resolver.locate(path)?;
        let real = match located.target.clone() {
            Some(real) if located.is_dir => real,
            Some(_) => {
                return Err(
                    Error::invalid_path(path, "is a file; use delete").with_backend(crate::NAME)
                );
            }
            None if missing_ok => return Ok(()),
            None => return Err(Error::not_found(path).with_backend(crate::NAME)),
        };
        if path.is_root() {
            // The root itself stays; its content goes.
            for entry in fs::read_dir(&real).at(path)? {
                let entry = entry.at(path)?;
                if !recursive {
                    return Err(Error::new(ErrorKind::FolderNotEmpty)
                        .with_path(path)
                        .with_backend(crate::NAME));
                }
                let kind = entry.file_type().at(path)?;
                if kind.is_dir() {
                    fs::remove_dir_all(entry.path()).at(path)?;
                } else {
                    fs::remove_file(entry.path()).at(path)?;
                }
            }
            return Ok(());
        }
        if located.entry != real {
            // A link to a folder inside the root: remove the link only.
            return fs::remove_file(&located.entry).at(path);
        }
        if recursive {
            fs::remove_dir_all(&real).at(path)
        } else {
            fs::remove_dir(&real).at(path)
        }
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        // Walks no deeper than the store will keep (`max_depth`).
        let walker = self.listing(path, options.depth_limit(), false)?;
        Ok(Box::new(walker.filter_map(|item| match item {
            Ok(Listed::File(info)) => Some(Ok(info)),
            Ok(Listed::Folder(_)) => None,
            Err(e) => Some(Err(e)),
        })))
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        let walker = self.listing(path, 1, true)?;
        Ok(Box::new(walker.filter_map(|item| match item {
            Ok(Listed::Folder(p)) => Some(Ok(p)),
            Ok(Listed::File(_)) => None,
            Err(e) => Some(Err(e)),
        })))
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.open()?;
        let located = self.resolver.locate(path)?;
        match located.file() {
            Some(real) => Ok(file_info(path.clone(), &fs::metadata(real).at(path)?)),
            // A folder too: the stores tell that apart (ADR-0012).
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        let overwrite = options.overwrite;
        self.open()?;
        let from = self.resolver.locate(src)?;
        if from.folder().is_some() {
            return Err(Error::invalid_path(src, "is a folder").with_backend(crate::NAME));
        }
        if from.file().is_none() {
            return Err(Error::not_found(src).with_backend(crate::NAME));
        }
        self.check_destination(dst, overwrite)?;
        stage::into_folder(&self.resolver, dst, &from.entry, |dir| {
            let target = dir.join(dst.name());
            let _lock = lock_replaced(&target, dst, overwrite)?;
            if overwrite {
                fs::rename(&from.entry, &target).at(dst)
            } else {
                stage::rename_no_replace(&from.entry, &target).at(dst)
            }
        })
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let overwrite = options.overwrite;
        let real = self.file(src)?;
        self.check_destination(dst, overwrite)?;
        let mut source = File::open(real).at(src)?;
        let (staged, mut file) = Staged::create(&self.resolver, dst, None)?;
        // File to file: std uses copy_file_range / sendfile where it can.
        std::io::copy(&mut source, &mut file).at(dst)?;
        drop(file);
        let _lock = lock_replaced(&staged.target(dst.name()), dst, overwrite)?;
        staged.commit(dst.name(), overwrite).at(dst).map(drop)
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.open()?;
        glob::glob_files(self, pattern)
    }

    fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        Ok(())
    }

    /// Native paths are absolute: every local backend is one storage.
    fn storage_id(&self) -> Option<String> {
        Some("file://".to_owned())
    }

    fn native_path(&self, path: &RemotePath) -> String {
        self.root()
            .join(path.as_str())
            .to_string_lossy()
            .into_owned()
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        let native = Path::new(native);
        let rest = native
            .strip_prefix(self.root())
            .or_else(|_| native.strip_prefix(&self.given_root))
            .map_err(|_| {
                Error::invalid_path(native.display(), "outside the backend root")
                    .with_backend(crate::NAME)
            })?;
        let rest = rest.to_str().ok_or_else(|| {
            Error::invalid_path(native.display(), "not valid UTF-8").with_backend(crate::NAME)
        })?;
        RemotePath::new(rest)
    }
}

impl LocalBackend {
    /// Refuses a destination that is a folder, escapes the root, or exists
    /// while `overwrite` is false.
    fn check_destination(&self, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let located = self.resolver.locate(dst)?;
        if located.folder().is_some() {
            return Err(Error::invalid_path(dst, "a folder exists here").with_backend(crate::NAME));
        }
        if located.file().is_some() && !overwrite {
            return Err(Error::already_exists(dst).with_backend(crate::NAME));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::escapes;
    use remote_store_core::Capability;

    #[test]
    fn escaping_error_names_the_rule() {
        let e = escapes(&RemotePath::new("a").unwrap());
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("outside the backend root"));
    }

    #[test]
    fn capabilities_are_complete() {
        assert!(CAPABILITIES.contains(Capability::PersistentFolders));
        assert!(CAPABILITIES.contains(Capability::ExclusiveWrite));
    }
}
