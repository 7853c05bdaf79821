//! The retry layer over a sync backend.

use std::io::{self, Read};
use std::sync::Arc;

use bytes::Bytes;
use remote_store_core::layer::LayeredBackend;
use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    Backend, CopyOptions, DeleteFolderOptions, DeleteOptions, Error, ErrorKind, FileInfo,
    FolderInfo, ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath, Result,
    WriteOptions, WriteResult,
};

use super::batch::{BatchRetry, Step};
use super::resume::ResumePlan;
use super::{Attempts, Settings, gone_after_retry, written};

/// A sync backend whose calls are retried (see the [module](super)).
pub(crate) struct RetryBackend {
    inner: Arc<dyn Backend>,
    settings: Arc<Settings>,
}

impl RetryBackend {
    pub(crate) fn new(inner: Arc<dyn Backend>, settings: Arc<Settings>) -> Self {
        RetryBackend { inner, settings }
    }

    /// Makes `call` (given the attempt's state) until it succeeds, fails
    /// for good, or the policy says stop.
    fn retry<T>(&self, mut call: impl FnMut(u32) -> Result<T>) -> Result<T> {
        let mut attempts = Attempts::start();
        loop {
            match call(attempts.made()) {
                Err(e) => match attempts.after(&self.settings.policy, e) {
                    Ok(pause) => std::thread::sleep(pause),
                    Err(e) => {
                        attempts.report();
                        return Err(e);
                    }
                },
                done => {
                    attempts.report();
                    return done;
                }
            }
        }
    }
}

impl LayeredBackend for RetryBackend {
    type Inner = dyn Backend;

    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }

    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.exists(path))
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.is_file(path))
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.is_folder(path))
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.retry(|_| self.inner.get_file_info(path))
    }

    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.retry(|_| self.inner.get_folder_info(path))
    }

    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        self.retry(|_| self.inner.presign(path, options))
    }

    fn check_health(&self) -> Result<()> {
        self.retry(|_| self.inner.check_health())
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        self.retry(|_| first_page(self.inner.list_files(path, options)))
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        self.retry(|_| first_page(self.inner.list_folders(path)))
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.retry(|_| first_page(self.inner.glob(pattern)))
    }

    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.retry(|_| self.inner.read_bytes(path, options))
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let caps = self.inner.capabilities();
        if !self.settings.resume_reads || !ResumePlan::possible(caps) {
            return self.retry(|_| self.inner.read(path, options));
        }
        let (plan, stream) = self.retry(|_| {
            let info = match ResumePlan::needs_info(options) {
                true => Some(self.inner.get_file_info(path)?),
                false => None,
            };
            let plan = ResumePlan::new(path, options, info.as_ref(), caps);
            match self.inner.read(path, &plan.first()) {
                // Replaced between the two calls (the pin is ours, not the
                // caller's): describe it again.
                Err(e)
                    if e.kind() == ErrorKind::PreconditionFailed && options.if_match.is_none() =>
                {
                    Err(e.with_retryable(true))
                }
                read => read.map(|stream| (plan, stream)),
            }
        })?;
        Ok(Box::new(Resuming {
            inner: self.inner.clone(),
            settings: self.settings.clone(),
            plan,
            stream,
            attempts: Attempts::start(),
            progress_at_failure: 0,
        }))
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        if options.if_match.is_some() {
            return self.inner.write(path, src, options);
        }
        let limit = self.settings.replay_limit;
        let mut head = Vec::new();
        if limit > 0 {
            src.take(limit as u64 + 1)
                .read_to_end(&mut head)
                .map_err(Error::from_source_io)?;
        }
        if limit == 0 || head.len() > limit {
            // Too large to replay: what was read, then the rest, once.
            let mut chained = io::Cursor::new(head).chain(src);
            return self.inner.write(path, &mut chained, options);
        }
        let data = Bytes::from(head);
        self.retry(|made| {
            match self.inner.write(path, &mut &data[..], options) {
                Err(e) if e.kind() == ErrorKind::AlreadyExists && made > 1 => {
                    // Ours, stored by an attempt whose answer was lost?
                    match self.inner.read_bytes(path, &ReadOptions::new()) {
                        Ok(stored) if stored == data => {
                            let info = self.inner.get_file_info(path)?;
                            Ok(written(&info))
                        }
                        _ => Err(e.with_retryable(false)),
                    }
                }
                done => done,
            }
        })
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        if options.if_match.is_some() {
            return self.inner.delete(path, options);
        }
        self.retry(|made| gone_after_retry(self.inner.delete(path, options), made))
    }

    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        let mut state = BatchRetry::new(paths);
        loop {
            let answer = self.inner.delete_batch(&state.pending(), missing_ok);
            match state.answer(&self.settings.policy, answer) {
                Step::Again(pause) => std::thread::sleep(pause),
                Step::Done(result) => return result,
            }
        }
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.retry(|made| gone_after_retry(self.inner.delete_folder(path, options), made))
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        if !options.overwrite {
            return self.inner.copy(src, dst, options);
        }
        self.retry(|_| self.inner.copy(src, dst, options))
    }
}

/// A read stream that resumes where it broke (see the [module](super)).
struct Resuming {
    inner: Arc<dyn Backend>,
    settings: Arc<Settings>,
    plan: ResumePlan,
    stream: ReadStream,
    attempts: Attempts,
    /// `plan.delivered` at the last failure.
    progress_at_failure: u64,
}

impl Resuming {
    /// Opens the rest after `error`, or gives the error back for good.
    /// The attempts count from the last failure that followed progress,
    /// so a read that keeps breaking without moving stops.
    fn resume(&mut self, error: Error) -> Result<()> {
        if self.plan.delivered > self.progress_at_failure {
            self.attempts = Attempts::start();
        }
        self.progress_at_failure = self.plan.delivered;
        let mut error = error;
        loop {
            let pause = self.attempts.after(&self.settings.policy, error)?;
            std::thread::sleep(pause);
            let reopened = (|| {
                if self.plan.needs_check() {
                    self.plan
                        .check(&self.inner.get_file_info(self.plan.path())?)?;
                }
                self.inner.read(self.plan.path(), &self.plan.rest())
            })();
            match reopened {
                Ok(stream) => {
                    self.stream = stream;
                    return Ok(());
                }
                Err(e) => error = e,
            }
        }
    }
}

impl Read for Resuming {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.stream.read(buf) {
                Ok(n) => {
                    self.plan.delivered += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let error = Error::from_source_io(e);
                    if !error.is_retryable() {
                        return Err(error.into_io());
                    }
                    self.resume(error).map_err(Error::into_io)?;
                }
            }
        }
    }
}

/// A listing opened, and its first item fetched: a transient failure of
/// the first item fails the opening, so it is retried like one (nothing
/// was yielded yet); other first items go to the caller as they came.
fn first_page<T: Send + 'static>(
    opened: Result<Box<dyn Iterator<Item = Result<T>> + Send>>,
) -> Result<Box<dyn Iterator<Item = Result<T>> + Send>> {
    let mut listing = opened?;
    match listing.next() {
        Some(Err(e)) if e.is_retryable() => Err(e),
        Some(first) => Ok(Box::new(std::iter::once(first).chain(listing))),
        None => Ok(Box::new(std::iter::empty())),
    }
}
