//! The retry layer over an async backend.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, stream};
use remote_store_core::layer::LayeredAsyncBackend;
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, CopyOptions, DeleteFolderOptions, DeleteOptions, Error, ErrorKind, FileInfo,
    FolderInfo, ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath, Result,
    WriteOptions, WriteResult, async_trait,
};

use super::batch::{BatchRetry, Step};
use super::resume::ResumePlan;
use super::{Attempts, Settings, gone_after_retry, written};

/// An async backend whose calls are retried (see the [module](super)).
pub(crate) struct AsyncRetryBackend {
    inner: Arc<dyn AsyncBackend>,
    settings: Arc<Settings>,
}

impl AsyncRetryBackend {
    pub(crate) fn new(inner: Arc<dyn AsyncBackend>, settings: Arc<Settings>) -> Self {
        AsyncRetryBackend { inner, settings }
    }

    /// Makes `call` (given how many attempts were made, this one
    /// included) until it succeeds, fails for good, or the policy says
    /// stop.
    async fn retry<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempts = Attempts::start();
        loop {
            match call(attempts.made()).await {
                Err(e) => match attempts.after(&self.settings.policy, e) {
                    Ok(pause) => crate::clock::sleep(pause).await,
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

    /// Reads `src` up to the replay limit: all of it (`Ok`), or what was
    /// read and the rest (`Err`) when it is larger.
    async fn buffer(
        &self,
        mut src: ByteStream,
    ) -> Result<std::result::Result<Vec<Bytes>, ByteStream>> {
        let limit = self.settings.replay_limit;
        let mut chunks = Vec::new();
        let mut len = 0;
        while len <= limit {
            match src.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    len += chunk.len();
                    chunks.push(chunk);
                }
                None => return Ok(Ok(chunks)),
            }
        }
        let head = stream::iter(chunks.into_iter().map(Ok));
        Ok(Err(head.chain(src).boxed()))
    }
}

/// The buffered source again (clones of the chunks: no copy).
fn replay(chunks: Vec<Bytes>) -> ByteStream {
    stream::iter(chunks.into_iter().map(Ok)).boxed()
}

#[async_trait]
impl LayeredAsyncBackend for AsyncRetryBackend {
    type Inner = dyn AsyncBackend;

    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }

    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.exists(path)).await
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.is_file(path)).await
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.retry(|_| self.inner.is_folder(path)).await
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.retry(|_| self.inner.get_file_info(path)).await
    }

    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.retry(|_| self.inner.get_folder_info(path)).await
    }

    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        self.retry(|_| self.inner.presign(path, options)).await
    }

    async fn check_health(&self) -> Result<()> {
        self.retry(|_| self.inner.check_health()).await
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        self.retry(|_| first_page(self.inner.list_files(path, options)))
            .await
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        self.retry(|_| first_page(self.inner.list_folders(path)))
            .await
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.retry(|_| first_page(self.inner.glob(pattern))).await
    }

    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.retry(|_| self.inner.read_bytes(path, options)).await
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let caps = self.inner.capabilities();
        if !self.settings.resume_reads || !ResumePlan::possible(caps) {
            return self.retry(|_| self.inner.read(path, options)).await;
        }
        let (plan, stream) = self
            .retry(|_| async {
                let info = match ResumePlan::needs_info(options) {
                    true => Some(self.inner.get_file_info(path).await?),
                    false => None,
                };
                let plan = ResumePlan::new(path, options, info.as_ref(), caps);
                match self.inner.read(path, &plan.first()).await {
                    // Replaced between the two calls (the pin is ours, not
                    // the caller's): describe it again.
                    Err(e)
                        if e.kind() == ErrorKind::PreconditionFailed
                            && options.if_match.is_none() =>
                    {
                        Err(e.with_retryable(true))
                    }
                    read => read.map(|stream| (plan, stream)),
                }
            })
            .await?;
        let state = Resuming {
            inner: self.inner.clone(),
            settings: self.settings.clone(),
            plan,
            stream,
            attempts: Attempts::start(),
            progress_at_failure: 0,
            done: false,
        };
        Ok(stream::unfold(state, Resuming::next).boxed())
    }

    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        if options.if_match.is_some() || self.settings.replay_limit == 0 {
            return self.inner.write(path, src, options).await;
        }
        let chunks = match self.buffer(src).await? {
            Ok(chunks) => chunks,
            // Too large to replay: once.
            Err(whole) => return self.inner.write(path, whole, options).await,
        };
        self.retry(|made| {
            let chunks = &chunks;
            async move {
                match self
                    .inner
                    .write(path, replay(chunks.clone()), options)
                    .await
                {
                    Err(e) if e.kind() == ErrorKind::AlreadyExists && made > 1 => {
                        // Ours, stored by an attempt whose answer was lost?
                        let stored = self.inner.read_bytes(path, &ReadOptions::new()).await;
                        match stored {
                            Ok(stored) if same(&stored, chunks) => {
                                Ok(written(&self.inner.get_file_info(path).await?))
                            }
                            _ => Err(e.with_retryable(false)),
                        }
                    }
                    done => done,
                }
            }
        })
        .await
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        if options.if_match.is_some() {
            return self.inner.delete(path, options).await;
        }
        self.retry(
            |made| async move { gone_after_retry(self.inner.delete(path, options).await, made) },
        )
        .await
    }

    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let mut state = BatchRetry::new(paths);
        loop {
            let answer = self.inner.delete_batch(&state.pending(), missing_ok).await;
            match state.answer(&self.settings.policy, answer) {
                Step::Again(pause) => crate::clock::sleep(pause).await,
                Step::Done(result) => return result,
            }
        }
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.retry(|made| async move {
            gone_after_retry(self.inner.delete_folder(path, options).await, made)
        })
        .await
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        if !options.overwrite {
            return self.inner.copy(src, dst, options).await;
        }
        self.retry(|_| self.inner.copy(src, dst, options)).await
    }
}

/// Whether `stored` is the concatenation of `chunks`.
fn same(stored: &[u8], chunks: &[Bytes]) -> bool {
    let mut rest = stored;
    for chunk in chunks {
        match rest.strip_prefix(&chunk[..]) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

/// A read stream that resumes where it broke (see the [module](super)).
struct Resuming {
    inner: Arc<dyn AsyncBackend>,
    settings: Arc<Settings>,
    plan: ResumePlan,
    stream: ByteStream,
    attempts: Attempts,
    /// `plan.delivered` at the last failure.
    progress_at_failure: u64,
    done: bool,
}

impl Resuming {
    async fn next(mut self) -> Option<(Result<Bytes>, Self)> {
        if self.done {
            return None;
        }
        loop {
            match self.stream.next().await? {
                Ok(chunk) => {
                    self.plan.delivered += chunk.len() as u64;
                    return Some((Ok(chunk), self));
                }
                Err(e) => {
                    if let Err(e) = self.resume(e).await {
                        self.done = true;
                        return Some((Err(e), self));
                    }
                }
            }
        }
    }

    /// Opens the rest after `error`, or gives the error back for good.
    /// The attempts count from the last failure that followed progress,
    /// so a read that keeps breaking without moving stops.
    async fn resume(&mut self, error: Error) -> Result<()> {
        if !error.is_retryable() {
            return Err(error);
        }
        if self.plan.delivered > self.progress_at_failure {
            self.attempts = Attempts::start();
        }
        self.progress_at_failure = self.plan.delivered;
        let mut error = error;
        loop {
            let pause = self.attempts.after(&self.settings.policy, error)?;
            crate::clock::sleep(pause).await;
            match reopen(&self.inner, &self.plan).await {
                Ok(stream) => {
                    self.stream = stream;
                    return Ok(());
                }
                Err(e) => error = e,
            }
        }
    }
}

/// The rest of the read `plan` describes, once the file is known to be
/// the version first read.
async fn reopen(inner: &Arc<dyn AsyncBackend>, plan: &ResumePlan) -> Result<ByteStream> {
    if plan.needs_check() {
        plan.check(&inner.get_file_info(plan.path()).await?)?;
    }
    inner.read(plan.path(), &plan.rest()).await
}

/// A listing opened, and its first item fetched: a transient failure of
/// the first item (a lazy listing's first request) fails the opening, so
/// it is retried like one — nothing was yielded yet. Other first items go
/// to the caller as they came.
async fn first_page<T: Send + 'static>(
    open: impl Future<Output = Result<stream::BoxStream<'static, Result<T>>>>,
) -> Result<stream::BoxStream<'static, Result<T>>> {
    let mut listing = open.await?;
    match listing.next().await {
        Some(Err(e)) if e.is_retryable() => Err(e),
        Some(first) => Ok(stream::once(async move { first }).chain(listing).boxed()),
        None => Ok(stream::empty().boxed()),
    }
}
