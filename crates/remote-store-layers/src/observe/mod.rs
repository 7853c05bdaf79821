//! Watching calls: one pair of wrappers (sync and async) that tell an
//! [`Observer`] when each operation starts and how it ended, streams
//! included (a read or listing ends when its stream does). Tracing and
//! metrics are the two observers.

mod async_backend;
pub(crate) mod metrics;
mod sync_backend;
pub(crate) mod trace;

use std::sync::Arc;

use remote_store_core::{AsyncBackend, Backend, Error, ErrorKind};

use crate::op::Op;

pub(crate) use async_backend::AsyncObserved;
pub(crate) use sync_backend::Observed;

/// How a call ended.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Outcome {
    /// The error's kind, when it failed.
    pub(crate) error: Option<ErrorKind>,
    /// Bytes read or written, where the operation moves bytes.
    pub(crate) bytes: Option<u64>,
    /// Entries listed, for listings.
    pub(crate) entries: Option<u64>,
    /// The caller dropped the stream before its end.
    pub(crate) cancelled: bool,
}

impl Outcome {
    pub(crate) fn of<T>(result: &Result<T, Error>) -> Self {
        Outcome {
            error: result.as_ref().err().map(Error::kind),
            ..Outcome::default()
        }
    }

    pub(crate) fn failed(error: &Error) -> Self {
        Outcome {
            error: Some(error.kind()),
            ..Outcome::default()
        }
    }

    /// A `delete_batch`'s: the batch's own error, or else the first
    /// path's that failed (so failures show in spans and metrics); its
    /// entries are the paths asked for.
    pub(crate) fn of_batch(result: &Result<Vec<Result<(), Error>>, Error>, paths: usize) -> Self {
        let error = match result {
            Err(e) => Some(e.kind()),
            Ok(answers) => answers
                .iter()
                .find_map(|a| a.as_ref().err().map(Error::kind)),
        };
        Outcome {
            error,
            entries: Some(paths as u64),
            ..Outcome::default()
        }
    }

    /// `ok`, or the error's kind (`not_found`, …), or `cancelled`.
    pub(crate) fn label(&self) -> &'static str {
        match (self.error, self.cancelled) {
            (Some(kind), _) => kind.code(),
            (None, true) => "cancelled",
            (None, false) => "ok",
        }
    }
}

/// Told when calls start and end.
pub(crate) trait Observer: Send + Sync + 'static {
    /// What the observer keeps for one call.
    type Call: Send + Sync + Unpin + 'static;

    /// A call of `op` on `path` starts.
    fn start(&self, backend: &'static str, op: Op, path: &str) -> Self::Call;

    /// The first byte of a read arrived.
    fn first_byte(&self, call: &Self::Call);

    /// The call ended (for a stream: the stream did).
    fn finish(&self, call: Self::Call, outcome: Outcome);

    /// Runs `f` as part of the call (a span entered).
    fn scope<R>(&self, call: &Self::Call, f: impl FnOnce() -> R) -> R;

    /// `future` as part of the call.
    fn instrument<'a, T: 'a>(
        &self,
        call: &Self::Call,
        future: futures::future::BoxFuture<'a, T>,
    ) -> futures::future::BoxFuture<'a, T>;
}

/// `name` as a `&'static str`, each distinct name leaked once: backend
/// names are few, and a static label costs a metric nothing per call.
pub(crate) fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match names.get(name) {
        Some(known) => known,
        None => {
            let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
            names.insert(leaked);
            leaked
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

/// No bytes to report (`size` of a call that moves none).
pub(crate) fn none<T>(_: &T) -> Option<u64> {
    None
}

/// Wraps a sync backend.
pub(crate) fn wrap<O: Observer>(observer: Arc<O>, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
    Arc::new(Observed::new(observer, inner))
}

/// Wraps an async backend.
pub(crate) fn wrap_async<O: Observer>(
    observer: Arc<O>,
    inner: Arc<dyn AsyncBackend>,
) -> Arc<dyn AsyncBackend> {
    Arc::new(AsyncObserved::new(observer, inner))
}
