//! The retry layer: failed calls whose error is retryable are made again
//! under a [`RetryPolicy`], for the operations that are safe to repeat;
//! streamed reads resume where they broke.
//!
//! What is retried, and how (ADR-0017):
//!
//! - **Queries** (`exists`, `is_file`, `is_folder`, `get_file_info`,
//!   `get_folder_info`, `presign`, `check_health`) and the opening of listings
//!   (`list_files`, `list_folders`, `glob`), their first item included, as
//!   a lazy listing makes its first request there; a listing that fails
//!   after yielding entries is not restarted, as that would yield them
//!   twice.
//! - **Reads**: `read_bytes` is made again whole. A streamed `read` that
//!   breaks part-way resumes at the first byte not yet delivered, with a
//!   range read pinned to the version first read: by its etag (read with
//!   `if_match`) where the backend has etags and conditional reads, else by
//!   its size and modification time, compared before resuming (a window:
//!   a replacement of the same size within the timestamp's resolution is
//!   not seen). A file replaced meanwhile fails the read with
//!   `PreconditionFailed`, never mixing two versions. Resuming needs range
//!   reads; it costs one `get_file_info` when the read opens.
//! - **Deletes** without a condition: a retry that finds the file or
//!   folder gone reports success, as the earlier attempt whose answer was
//!   lost may have deleted it. After a failure the layer cannot tell that
//!   from a path that was never there (the failed attempt may not have
//!   reached the backend), so a delete of a missing path whose first
//!   attempt failed retryably succeeds too: the path is absent either way.
//!   To learn whether it existed, ask first, or delete with `if_match`
//!   (never retried).
//! - **Writes** whose source fits the replay buffer (1 MiB by default),
//!   without a condition: the source is buffered, so it can be sent again.
//!   A write that refuses to replace (`overwrite` false) and, on a retry,
//!   meets `AlreadyExists` reads the file back: when it holds exactly the
//!   bytes written, the earlier attempt stored them and the write
//!   succeeds; otherwise the `AlreadyExists` stands. (Two writers racing to
//!   create one path *with identical bytes*, one of them losing a response,
//!   can then both succeed: give each writer's bytes something of its own
//!   when that matters.) Larger sources stream through once: their
//!   backend's own SDK retries parts where it can.
//! - `copy` with `overwrite`.
//! - `delete_batch`: the paths whose delete failed retryably are sent
//!   again, and only they, under one attempt count and time budget for the
//!   batch (a batch that failed as a whole is sent again whole); a path
//!   found gone on a retry is deleted, as for `delete`.
//!
//! Never retried: conditional writes and deletes (`if_match`: after a lost
//! answer the condition no longer holds, so a retry could only fail or
//! report another writer's win), `rename` (not repeatable: a retry would
//! find the source gone), `copy` without `overwrite`, writer sinks and
//! `close`.

mod async_backend;
mod batch;
mod policy;
mod resume;
mod sync_backend;

use std::sync::Arc;
use std::time::Instant;

use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend, Error, ErrorKind, FileInfo, Result, WriteResult};

pub use policy::RetryPolicy;

use async_backend::AsyncRetryBackend;
use sync_backend::RetryBackend;

/// Sources up to this size are buffered so a failed write can be sent
/// again: 1 MiB.
pub const DEFAULT_REPLAY_LIMIT: usize = 1024 * 1024;

/// Retries the calls of the backend it wraps (see the [module](self)).
///
/// ```
/// use remote_store_core::Store;
/// use remote_store_layers::{RetryLayer, RetryPolicy};
/// use remote_store_memory::MemoryBackend;
///
/// let store = Store::new(MemoryBackend::new())
///     .layer(RetryLayer::new(RetryPolicy::new().max_attempts(5)));
/// store.write_bytes("a.txt", "hello", false)?;
/// # Ok::<(), remote_store_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetryLayer {
    settings: Arc<Settings>,
}

#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) policy: RetryPolicy,
    pub(crate) replay_limit: usize,
    pub(crate) resume_reads: bool,
}

impl RetryLayer {
    /// Retries under `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        RetryLayer {
            settings: Arc::new(Settings {
                policy,
                replay_limit: DEFAULT_REPLAY_LIMIT,
                resume_reads: true,
            }),
        }
    }

    /// Buffers write sources up to `bytes` so they can be sent again
    /// (default [`DEFAULT_REPLAY_LIMIT`]); `0` never retries a write.
    pub fn replay_limit(self, bytes: usize) -> Self {
        self.with(|s| s.replay_limit = bytes)
    }

    /// Whether streamed reads resume after a failure (default `true`; it
    /// costs one `get_file_info` per read).
    pub fn resume_reads(self, resume: bool) -> Self {
        self.with(|s| s.resume_reads = resume)
    }

    fn with(self, change: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings {
            policy: self.settings.policy.clone(),
            replay_limit: self.settings.replay_limit,
            resume_reads: self.settings.resume_reads,
        };
        change(&mut settings);
        RetryLayer {
            settings: Arc::new(settings),
        }
    }
}

impl Default for RetryLayer {
    fn default() -> Self {
        RetryLayer::new(RetryPolicy::default())
    }
}

impl Layer for RetryLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(RetryBackend::new(inner, self.settings.clone()))
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(AsyncRetryBackend::new(inner, self.settings.clone()))
    }
}

/// One call's retry state: when it started and how many attempts it made.
#[derive(Debug)]
pub(crate) struct Attempts {
    started: Instant,
    made: u32,
}

impl Attempts {
    pub(crate) fn start() -> Self {
        Attempts {
            started: Instant::now(),
            made: 1,
        }
    }

    /// Attempts made so far, the current one included.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// After `error`: the pause before the next attempt (counted), or the
    /// error to report.
    pub(crate) fn after(
        &mut self,
        policy: &RetryPolicy,
        error: Error,
    ) -> std::result::Result<std::time::Duration, Error> {
        if !error.is_retryable() {
            return Err(error);
        }
        match policy.pause(self.made, self.started, error.retry_after()) {
            Some(pause) => {
                self.made += 1;
                Ok(pause)
            }
            None => Err(self.gave_up(error)),
        }
    }

    /// Records the attempts made on the operation's span (`TraceLayer`,
    /// outside), once, when there was more than one.
    pub(crate) fn report(&self) {
        if self.made > 1 {
            tracing::Span::current().record("attempts", self.made);
        }
    }

    /// `error`, saying how many attempts were made when more than one.
    pub(crate) fn gave_up(&self, error: Error) -> Error {
        if self.made < 2 {
            return error;
        }
        let reason = format!("{} (gave up after {} attempts)", error.reason(), self.made);
        error.with_message(reason)
    }
}

/// The write result of a file found already stored.
pub(crate) fn written(info: &FileInfo) -> WriteResult {
    let mut result = WriteResult::new(info.size);
    result.etag = info.etag.clone();
    result.modified = info.modified;
    result
}

/// A delete retried after an answer was lost finds the target gone: the
/// lost attempt may have deleted it, so that is the outcome asked for.
pub(crate) fn gone_after_retry<T: Default>(result: Result<T>, made: u32) -> Result<T> {
    match result {
        Err(e) if e.kind() == ErrorKind::NotFound && made > 1 => Ok(T::default()),
        other => other,
    }
}
