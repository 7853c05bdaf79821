//! [`Observer`]: progress as it happens.

use remote_store_core::RemotePath;

use crate::report::Outcome;

/// A file about to be copied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FileStart {
    /// Its path in the source store.
    pub src: RemotePath,
    /// Its path in the destination store.
    pub dst: RemotePath,
    /// Its size in bytes, when the listing or a stat gave it.
    pub size: Option<u64>,
}

/// Receives a transfer's progress. Called from the tasks that copy, so
/// from several at once: keep each call short (count, forward to a channel
/// or a progress bar). Never block in one, nor call a `Store`: the calls
/// run on the runtime that drives the copies (on the sync face,
/// remote-store's background runtime, whose few workers the copies and
/// that `Store` call would need); hand such work to a thread of your own.
/// Every method has an empty default.
pub trait Observer: Send + Sync {
    /// A file is about to be copied (not called for a file a sync finds
    /// up to date, which only ends, as skipped).
    fn file_started(&self, _file: &FileStart) {}

    /// `bytes` more of the file at `src` were read from the source and
    /// handed to the write (streamed copies only: a copy inside the backend
    /// reports its size when it ends). Counted as they go, so a write that
    /// then fails (the destination exists, the link breaks) has moved bytes
    /// that [`Report::bytes`](crate::Report::bytes) does not count.
    fn bytes_moved(&self, _src: &RemotePath, _bytes: u64) {}

    /// A file ended: copied, skipped or failed.
    fn file_finished(&self, _outcome: &Outcome) {}
}

/// The observer of a transfer nobody watches.
pub(crate) struct Unobserved;

impl Observer for Unobserved {}
