//! The observing wrapper over a sync backend.

use std::io::{self, Read};
use std::sync::Arc;

use bytes::Bytes;
use remote_store_core::layer::LayeredBackend;
use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    Backend, CopyOptions, DeleteFolderOptions, DeleteOptions, Error, FileInfo, FolderInfo,
    ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult,
};

use super::{Observer, Outcome, Watch, none};
use crate::op::Op;

pub(crate) struct Observed<O: Observer> {
    inner: Arc<dyn Backend>,
    observer: Arc<O>,
    /// The backend's name, interned once.
    name: &'static str,
}

impl<O: Observer> Observed<O> {
    pub(crate) fn new(observer: Arc<O>, inner: Arc<dyn Backend>) -> Self {
        let name = super::intern(inner.name());
        Observed {
            inner,
            observer,
            name,
        }
    }

    /// A one-shot call; `size` reads the bytes moved off its result.
    fn one<T>(
        &self,
        op: Op,
        path: &str,
        call: impl FnOnce() -> Result<T>,
        size: impl FnOnce(&T) -> Option<u64>,
    ) -> Result<T> {
        let watched = self.observer.start(self.name, op, path);
        let result = self.observer.scope(&watched, call);
        let mut outcome = Outcome::of(&result);
        outcome.bytes = result.as_ref().ok().and_then(size);
        self.observer.finish(watched, outcome);
        result
    }

    /// A call that returns a stream: watched until the stream ends.
    fn streaming<S>(
        &self,
        op: Op,
        path: &str,
        open: impl FnOnce() -> Result<S>,
        wrap: impl FnOnce(S, Watch<O>) -> S,
    ) -> Result<S> {
        let watched = self.observer.start(self.name, op, path);
        match self.observer.scope(&watched, open) {
            Ok(stream) => Ok(wrap(stream, Watch::new(self.observer.clone(), watched))),
            Err(e) => {
                self.observer.finish(watched, Outcome::failed(&e));
                Err(e)
            }
        }
    }
}

/// A read stream, watched.
struct WatchedRead<O: Observer> {
    inner: ReadStream,
    watch: Watch<O>,
}

impl<O: Observer> Read for WatchedRead<O> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let inner = &mut self.inner;
        let read = self.watch.scope(|| inner.read(buf));
        match &read {
            Ok(0) if !buf.is_empty() => self.watch.end(None, true, false),
            Ok(n) => {
                if self.watch.count == 0 && *n > 0 {
                    self.watch.first_byte();
                }
                self.watch.count += *n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let kind = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<Error>())
                    .map(Error::kind);
                let error = Error::new(kind.unwrap_or(remote_store_core::ErrorKind::Other));
                self.watch.end(Some(&error), true, false);
            }
        }
        read
    }
}

impl<O: Observer> Drop for WatchedRead<O> {
    fn drop(&mut self) {
        self.watch.end(None, true, true);
    }
}

/// A listing, watched.
struct WatchedIter<I, O: Observer> {
    inner: I,
    watch: Watch<O>,
}

impl<T, I: Iterator<Item = Result<T>>, O: Observer> Iterator for WatchedIter<I, O> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        let inner = &mut self.inner;
        let item = self.watch.scope(|| inner.next());
        match &item {
            None => self.watch.end(None, false, false),
            Some(Ok(_)) => self.watch.count += 1,
            // An unlistable entry is an item of the listing, which goes on.
            Some(Err(e)) if e.is_unlisted() => self.watch.count += 1,
            Some(Err(e)) => self.watch.end(Some(e), false, false),
        }
        item
    }
}

impl<I, O: Observer> Drop for WatchedIter<I, O> {
    fn drop(&mut self) {
        self.watch.end(None, false, true);
    }
}

fn files<O: Observer>(files: FileIter, watch: Watch<O>) -> FileIter {
    Box::new(WatchedIter {
        inner: files,
        watch,
    })
}

impl<O: Observer> LayeredBackend for Observed<O> {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    /// Watching a call adds no wait.
    fn never_blocks(&self) -> bool {
        self.inner.never_blocks()
    }
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::Exists, path.as_str(), || self.inner.exists(path), none)
    }
    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::IsFile, path.as_str(), || self.inner.is_file(path), none)
    }
    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.one(
            Op::IsFolder,
            path.as_str(),
            || self.inner.is_folder(path),
            none,
        )
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let call = || self.inner.get_file_info(path);
        self.one(Op::GetFileInfo, path.as_str(), call, none)
    }
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        let call = || self.inner.get_folder_info(path);
        self.one(Op::GetFolderInfo, path.as_str(), call, none)
    }
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        let call = || self.inner.delete(path, options);
        self.one(Op::Delete, path.as_str(), call, none)
    }
    /// One span for the batch: its first path, and the count as entries.
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        let first = paths.first().map_or("", RemotePath::as_str);
        let watched = self.observer.start(self.name, Op::DeleteBatch, first);
        let result = self
            .observer
            .scope(&watched, || self.inner.delete_batch(paths, missing_ok));
        self.observer
            .finish(watched, Outcome::of_batch(&result, paths.len()));
        result
    }
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let call = || self.inner.delete_folder(path, options);
        self.one(Op::DeleteFolder, path.as_str(), call, none)
    }
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        let call = || self.inner.rename(src, dst, options);
        self.one(Op::Rename, src.as_str(), call, none)
    }
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        let call = || self.inner.copy(src, dst, options);
        self.one(Op::Copy, src.as_str(), call, none)
    }
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        let call = || self.inner.presign(path, options);
        self.one(Op::Presign, path.as_str(), call, none)
    }
    fn check_health(&self) -> Result<()> {
        let call = || self.inner.check_health();
        self.one(Op::CheckHealth, "", call, none)
    }
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let call = || self.inner.read_bytes(path, options);
        self.one(Op::ReadBytes, path.as_str(), call, |b| Some(b.len() as u64))
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let call = || self.inner.write(path, src, options);
        self.one(Op::Write, path.as_str(), call, |r| Some(r.size))
    }
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        self.streaming(
            Op::Read,
            path.as_str(),
            || self.inner.read(path, options),
            |stream, watch| {
                Box::new(WatchedRead {
                    inner: stream,
                    watch,
                })
            },
        )
    }
    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        self.streaming(
            Op::ListFiles,
            path.as_str(),
            || self.inner.list_files(path, options),
            files,
        )
    }
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        self.streaming(
            Op::ListFolders,
            path.as_str(),
            || self.inner.list_folders(path),
            |folders, watch| {
                Box::new(WatchedIter {
                    inner: folders,
                    watch,
                })
            },
        )
    }
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.streaming(Op::Glob, pattern, || self.inner.glob(pattern), files)
    }
}
