//! Timeouts that catch stalls without cutting long transfers: a deadline
//! for one-shot calls, and a stall timeout for streams, which fails a
//! read or write only when no byte moved for that long while the other
//! side was waiting (ADR-0017).
//!
//! - **One-shot calls** (queries, listings' opening, deletes, renames,
//!   copies, opening a read) fail after `operation` with a retryable
//!   `BackendUnavailable`.
//! - **Read streams** fail when the caller waits on the next chunk for
//!   `stall` without one arriving. A caller that reads slowly never trips
//!   it: the clock runs only while the caller waits.
//! - **Writes** fail when no bytes move from the source to the backend
//!   for `stall`; once the source has ended, the commit gets `operation`
//!   to finish. The write is dropped, so the backend discards what it
//!   staged. The watchdog cannot tell a backend that takes nothing from a
//!   source that yields nothing: a source slower than `stall` between
//!   chunks (a live producer) fails the write too; raise `stall` for such
//!   sources. (Under [`RetryLayer`](crate::RetryLayer), a source within
//!   its replay limit is buffered first and is not affected.)
//! - `read_bytes` goes through `read`, so that the stall limit applies
//!   rather than a deadline on the whole file: layers and backends inside
//!   this one see a `read` ([`Op::Read`](crate::Op::Read)), not a
//!   `read_bytes`.
//!
//! Async backends only: a blocking call of a sync backend (local disk,
//! the ssh2 SFTP engine) cannot be interrupted, so over a sync backend the
//! layer changes nothing and the backend's own timeouts apply (the SFTP
//! config's connect and I/O timeouts). The clocks run on a small timer
//! runtime of the crate's own, so they work under any executor, and in a
//! tokio runtime built without timers.
//!
//! A stall the layer detects is not seen by the backend, whose pool may
//! keep the stalled connection: give a backend its own per-request limit
//! equal to the stall limit (SFTP's `io_timeout`) and it drops such a
//! connection itself, so a retried call gets a fresh one. A registry or
//! URL that asks for this layer does so, and turns object_store's
//! whole-request timeout off (ADR-0017).
//!
//! Put it inside [`RetryLayer`](crate::RetryLayer)
//! (`store.layer(TimeoutLayer::default()).layer(RetryLayer::default())`),
//! so a timed-out attempt is retried and a stalled read resumes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, Backend, CopyOptions, DeleteFolderOptions, DeleteOptions, Error, ErrorKind,
    FileInfo, FolderInfo, ListOptions, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, WriteSink, async_trait,
};

/// Deadlines for calls and stall limits for streams (see the
/// [module](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutLayer {
    /// How long a one-shot call, or a write's commit, may take (default
    /// 120 s; a `delete_batch` gets it once per 16 paths).
    pub operation: Duration,
    /// How long a stream may move no byte while the other side waits
    /// (default 60 s): the limit that catches a dead connection whatever
    /// the size of the transfer.
    pub stall: Duration,
}

impl Default for TimeoutLayer {
    fn default() -> Self {
        TimeoutLayer {
            operation: Duration::from_secs(120),
            stall: Duration::from_secs(60),
        }
    }
}

impl TimeoutLayer {
    /// The defaults (see the fields).
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a one-shot call, or a write's commit, may take.
    pub fn operation(mut self, limit: Duration) -> Self {
        self.operation = limit;
        self
    }

    /// How long a stream may move no byte while the other side waits.
    pub fn stall(mut self, limit: Duration) -> Self {
        self.stall = limit;
        self
    }
}

impl Layer for TimeoutLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        // A blocking call cannot be interrupted: the backend's own
        // timeouts apply (see the module docs).
        Arc::new(Untimed { inner })
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(Timed {
            inner,
            limits: *self,
        })
    }
}

/// The sync side: forwards everything.
struct Untimed {
    inner: Arc<dyn Backend>,
}

impl LayeredBackend for Untimed {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn writer(
        &self,
        path: &RemotePath,
        options: &WriteOptions,
    ) -> Result<Option<Box<dyn WriteSink>>> {
        self.inner.writer(path, options)
    }
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        self.inner.delete_batch(paths, missing_ok)
    }
    fn never_blocks(&self) -> bool {
        self.inner.never_blocks()
    }
}

struct Timed {
    inner: Arc<dyn AsyncBackend>,
    limits: TimeoutLayer,
}

/// The retryable error of a call or stream that ran out of time: `what`
/// happened within `limit`.
fn timed_out(what: &str, limit: Duration) -> Error {
    Error::new(ErrorKind::BackendUnavailable)
        .with_message(format!("{what} within {} s", limit.as_secs_f64()))
        .with_retryable(true)
}

/// `call` about `at` (a path, a pattern; empty: the backend itself),
/// failed after `limit`. The timer starts only if the call does not
/// finish when first polled, so a call answered at once (a cache, the
/// memory backend) costs no timer.
async fn deadline<T>(
    limit: Duration,
    at: &str,
    call: impl Future<Output = Result<T>>,
) -> Result<T> {
    let mut call = std::pin::pin!(call);
    if let Some(done) = futures::FutureExt::now_or_never(call.as_mut()) {
        return done;
    }
    tokio::select! {
        biased;
        result = call => result,
        _ = crate::clock::sleep(limit) => {
            let e = timed_out("no answer (call deadline)", limit);
            Err(if at.is_empty() { e } else { e.with_path(at) })
        }
    }
}

#[async_trait]
impl LayeredAsyncBackend for Timed {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.exists(path),
        )
        .await
    }
    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.is_file(path),
        )
        .await
    }
    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.is_folder(path),
        )
        .await
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.get_file_info(path),
        )
        .await
    }
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.get_folder_info(path),
        )
        .await
    }
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.delete(path, options),
        )
        .await
    }
    /// One deadline for the whole batch: the call deadline once for
    /// every round of requests a batch deleted path by path may take
    /// (`DELETE_BATCH_CONCURRENCY` files at a time), so that a long batch
    /// on a slow link is not cut where its requests each keep theirs.
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let first = paths.first().map_or("", RemotePath::as_str);
        let rounds = paths
            .len()
            .div_ceil(remote_store_core::DELETE_BATCH_CONCURRENCY)
            .max(1);
        let limit = self
            .limits
            .operation
            .saturating_mul(u32::try_from(rounds).unwrap_or(u32::MAX));
        deadline(limit, first, self.inner.delete_batch(paths, missing_ok)).await
    }
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.delete_folder(path, options),
        )
        .await
    }
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        deadline(
            self.limits.operation,
            src.as_str(),
            self.inner.rename(src, dst, options),
        )
        .await
    }
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        deadline(
            self.limits.operation,
            src.as_str(),
            self.inner.copy(src, dst, options),
        )
        .await
    }
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        let files = deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.list_files(path, options),
        )
        .await?;
        Ok(Stalls::new(files, self.limits.stall, path.as_str()).boxed())
    }
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        let folders = deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.list_folders(path),
        )
        .await?;
        Ok(Stalls::new(folders, self.limits.stall, path.as_str()).boxed())
    }
    async fn check_health(&self) -> Result<()> {
        deadline(self.limits.operation, "", self.inner.check_health()).await
    }
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        let files = deadline(self.limits.operation, pattern, self.inner.glob(pattern)).await?;
        Ok(Stalls::new(files, self.limits.stall, pattern).boxed())
    }
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let stream = deadline(
            self.limits.operation,
            path.as_str(),
            self.inner.read(path, options),
        )
        .await?;
        Ok(Stalls::new(stream, self.limits.stall, path.as_str()).boxed())
    }
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        // Through `read`, so the stall limit applies, not a deadline on
        // the whole file.
        let stream = LayeredAsyncBackend::read(self, path, options).await?;
        remote_store_core::stream::collect_bytes(stream).await
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        let progress = Arc::new(tokio::sync::Notify::new());
        let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watched = Watched {
            inner: src,
            progress: progress.clone(),
            ended: ended.clone(),
        };
        let write = self.inner.write(path, watched.boxed(), options);
        tokio::pin!(write);
        // Done when first polled (a small write to memory): no timer.
        if let Some(done) = futures::FutureExt::now_or_never(write.as_mut()) {
            return done;
        }
        loop {
            let limit = match ended.load(std::sync::atomic::Ordering::Acquire) {
                true => self.limits.operation,
                false => self.limits.stall,
            };
            tokio::select! {
                biased;
                result = &mut write => return result,
                _ = progress.notified() => {}
                _ = crate::clock::sleep(limit) => {
                    let what = match ended.load(std::sync::atomic::Ordering::Acquire) {
                        true => "the write did not commit",
                        false => "the write stalled: no byte moved from the source to the backend",
                    };
                    return Err(timed_out(what, limit).with_path(path));
                }
            }
        }
    }
}

/// A write's source, telling the write's watchdog when the backend takes
/// a chunk and when it has taken the last.
struct Watched {
    inner: ByteStream,
    progress: Arc<tokio::sync::Notify>,
    ended: Arc<std::sync::atomic::AtomicBool>,
}

impl Stream for Watched {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(self.inner.poll_next_unpin(cx));
        if item.is_none() {
            self.ended.store(true, std::sync::atomic::Ordering::Release);
        }
        self.progress.notify_one();
        Poll::Ready(item)
    }
}

/// A stream that fails when its consumer waits `limit` for an item.
///
/// One timer serves the whole stream: a wait records when it began (a
/// clock read), an item ends it, and the timer, when it fires, fails the
/// stream only if the current wait is `limit` old; otherwise it is set
/// again for the current wait's end. So a fast stream pays a clock read
/// per pending poll, not a timer registration.
struct Stalls<S> {
    inner: S,
    limit: Duration,
    /// What the stream is about (a path, a pattern), for its error.
    at: String,
    /// When the consumer began waiting for the item it waits for now.
    waiting_since: Option<std::time::Instant>,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    failed: bool,
}

impl<S> Stalls<S> {
    fn new(inner: S, limit: Duration, at: &str) -> Self {
        Stalls {
            inner,
            limit,
            at: at.to_owned(),
            waiting_since: None,
            timer: None,
            failed: false,
        }
    }
}

impl<S, T> Stream for Stalls<S>
where
    S: Stream<Item = Result<T>> + Unpin,
{
    type Item = Result<T>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = self.inner.poll_next_unpin(cx) {
            self.waiting_since = None;
            return Poll::Ready(item);
        }
        let now = std::time::Instant::now();
        let since = *self.waiting_since.get_or_insert(now);
        let deadline = tokio::time::Instant::from_std(since + self.limit);
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(crate::clock::sleep(limit)));
        loop {
            ready!(timer.as_mut().poll(cx));
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            // Fired for an earlier wait: set for this one's end.
            timer.as_mut().reset(deadline);
        }
        self.failed = true;
        let e = timed_out("the stream stalled: no byte arrived", self.limit);
        Poll::Ready(Some(Err(if self.at.is_empty() {
            e
        } else {
            e.with_path(&self.at)
        })))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use futures::SinkExt;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    /// Items every 30 ms never trip a 150 ms limit, however long the
    /// stream; a 600 ms silence after them does, about the limit after it
    /// began (the one timer is set again for the wait that stalls).
    #[test]
    fn only_a_wait_as_long_as_the_limit_fails() {
        runtime().block_on(async {
            let (mut tx, rx) = futures::channel::mpsc::channel::<Result<u32>>(1);
            tokio::spawn(async move {
                for i in 0..20 {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    tx.send(Ok(i)).await.unwrap();
                }
                tokio::time::sleep(Duration::from_millis(600)).await;
                let _ = tx.send(Ok(99)).await;
            });
            let mut stream = Stalls::new(rx, Duration::from_millis(150), "big.bin");
            for i in 0..20 {
                assert_eq!(stream.next().await.unwrap().unwrap(), i);
            }
            let started = Instant::now();
            let err = stream.next().await.unwrap().unwrap_err();
            let waited = started.elapsed();
            assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{err}");
            assert!(err.is_retryable());
            assert_eq!(err.path(), Some("big.bin"), "{err}");
            assert!(
                waited >= Duration::from_millis(140) && waited < Duration::from_millis(500),
                "failed after {waited:?}"
            );
            assert!(stream.next().await.is_none(), "ends after the failure");
        });
    }

    /// A call that outlives its deadline fails retryable, naming what it
    /// was about (the face takes the store's root off that path); one
    /// about the backend itself names nothing.
    #[test]
    fn a_missed_deadline_names_the_operand() {
        runtime().block_on(async {
            let limit = Duration::from_millis(50);
            let never = || futures::future::pending::<Result<()>>();
            let err = deadline(limit, "data/a.csv", never()).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{err}");
            assert!(err.is_retryable());
            assert_eq!(err.path(), Some("data/a.csv"), "{err}");
            let err = deadline(limit, "", never()).await.unwrap_err();
            assert_eq!(err.path(), None, "{err}");
        });
    }

    /// A consumer that takes longer than the limit between items is not a
    /// stall: the clock runs only while it waits.
    #[test]
    fn a_slow_consumer_never_fails() {
        runtime().block_on(async {
            let items = futures::stream::iter((0..4).map(Ok::<u32, Error>));
            let mut stream = Stalls::new(items, Duration::from_millis(50), "");
            let mut seen = 0;
            while let Some(item) = stream.next().await {
                item.unwrap();
                seen += 1;
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            assert_eq!(seen, 4);
        });
    }
}
