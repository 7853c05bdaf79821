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

use super::{Observer, Outcome};
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

    /// A one-shot call.
    fn one<T>(&self, op: Op, path: &str, call: impl FnOnce() -> Result<T>) -> Result<T> {
        let watched = self.observer.start(self.name, op, path);
        let result = self.observer.scope(&watched, call);
        self.observer.finish(watched, Outcome::of(&result));
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

/// One watched stream's state: finished once, when it ends or is dropped.
pub(crate) struct Watch<O: Observer> {
    observer: Arc<O>,
    call: Option<O::Call>,
    pub(crate) count: u64,
}

impl<O: Observer> Watch<O> {
    pub(crate) fn new(observer: Arc<O>, call: O::Call) -> Self {
        Watch {
            observer,
            call: Some(call),
            count: 0,
        }
    }

    pub(crate) fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.call {
            Some(call) => self.observer.scope(call, f),
            None => f(),
        }
    }

    pub(crate) fn first_byte(&self) {
        if let Some(call) = &self.call {
            self.observer.first_byte(call);
        }
    }

    /// Ends the watch: `error` when the stream failed; bytes or entries
    /// from the count.
    pub(crate) fn end(&mut self, error: Option<&Error>, bytes: bool, cancelled: bool) {
        if let Some(call) = self.call.take() {
            let mut outcome = Outcome {
                error: error.map(Error::kind),
                cancelled,
                ..Outcome::default()
            };
            match bytes {
                true => outcome.bytes = Some(self.count),
                false => outcome.entries = Some(self.count),
            }
            self.observer.finish(call, outcome);
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
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::Exists, path.as_str(), || self.inner.exists(path))
    }
    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::IsFile, path.as_str(), || self.inner.is_file(path))
    }
    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.one(Op::IsFolder, path.as_str(), || self.inner.is_folder(path))
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.one(Op::GetFileInfo, path.as_str(), || {
            self.inner.get_file_info(path)
        })
    }
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.one(Op::GetFolderInfo, path.as_str(), || {
            self.inner.get_folder_info(path)
        })
    }
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.one(Op::Delete, path.as_str(), || {
            self.inner.delete(path, options)
        })
    }
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.one(Op::DeleteFolder, path.as_str(), || {
            self.inner.delete_folder(path, options)
        })
    }
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        self.one(Op::Rename, src.as_str(), || {
            self.inner.rename(src, dst, options)
        })
    }
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.one(Op::Copy, src.as_str(), || {
            self.inner.copy(src, dst, options)
        })
    }
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        self.one(Op::Presign, path.as_str(), || {
            self.inner.presign(path, options)
        })
    }
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        let watched = self.observer.start(self.name, Op::ReadBytes, path.as_str());
        let result = self
            .observer
            .scope(&watched, || self.inner.read_bytes(path, options));
        let mut outcome = Outcome::of(&result);
        outcome.bytes = result.as_ref().ok().map(|b| b.len() as u64);
        self.observer.finish(watched, outcome);
        result
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let watched = self.observer.start(self.name, Op::Write, path.as_str());
        let result = self
            .observer
            .scope(&watched, || self.inner.write(path, src, options));
        let mut outcome = Outcome::of(&result);
        outcome.bytes = result.as_ref().ok().map(|r| r.size);
        self.observer.finish(watched, outcome);
        result
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
