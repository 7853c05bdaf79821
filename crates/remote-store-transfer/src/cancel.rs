//! [`CancelToken`]: stops a transfer from another task or thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use remote_store_core::{Error, ErrorKind};

/// A shared flag that stops a transfer: no file starts once it is set, and
/// a file being copied fails at its next chunk (its write is abandoned, so
/// nothing partial is kept, as for any failing source). Clones share the
/// flag. Dropping an async transfer's future stops it too.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// A token over a flag set elsewhere: a signal handler's
    /// (`signal_hook::flag::register`), a shutdown switch shared with other
    /// work. Setting the flag cancels.
    pub fn from_flag(flag: Arc<AtomicBool>) -> Self {
        CancelToken(flag)
    }

    /// Stops every transfer holding this token (or a clone of it).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The error a cancelled file fails with (`ErrorKind::Other`).
    pub(crate) fn error() -> Error {
        Error::new(ErrorKind::Other).with_message("transfer cancelled")
    }
}
