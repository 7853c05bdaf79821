//! [`Transfer`]: the settings of a copy, and its entry points.

use std::sync::Arc;

use crate::cancel::CancelToken;
use crate::checksum::Checksum;
use crate::observer::{Observer, Unobserved};

/// What to do with a destination file that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IfExists {
    /// Fail that file with `AlreadyExists` (the default: nothing is
    /// replaced unless asked). The check and the write are one step (a
    /// no-overwrite write), so a file created meanwhile is not replaced
    /// either.
    #[default]
    Fail,
    /// Replace it.
    Overwrite,
    /// Leave it, and report the file as skipped.
    Skip,
}

/// A copy from one store to another: its settings, and
/// [`copy_file`](Self::copy_file) / [`copy_tree`](Self::copy_tree) (async
/// face) and their `_blocking` twins (sync face).
///
/// Each file is streamed from the source into a write on the destination
/// (bounded memory whatever its size; the destination never holds a
/// partial file, as for any write), or copied by the backend itself when
/// both stores share a backend that declares `Copy`.
#[derive(Clone)]
pub struct Transfer {
    pub(crate) concurrency: usize,
    pub(crate) if_exists: IfExists,
    pub(crate) observer: Arc<dyn Observer>,
    pub(crate) cancel: CancelToken,
    pub(crate) verify: Option<Checksum>,
}

impl Default for Transfer {
    fn default() -> Self {
        Transfer {
            concurrency: Transfer::DEFAULT_CONCURRENCY,
            if_exists: IfExists::default(),
            observer: Arc::new(Unobserved),
            cancel: CancelToken::new(),
            verify: None,
        }
    }
}

impl std::fmt::Debug for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transfer")
            .field("concurrency", &self.concurrency)
            .field("if_exists", &self.if_exists)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

impl Transfer {
    /// Files copied at once by default (rclone's `--transfers` default).
    pub const DEFAULT_CONCURRENCY: usize = 4;

    /// A transfer with the defaults: 4 files at once, existing
    /// destinations refused, nobody observing.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many files are copied at once (at least 1).
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// What to do with destination files that exist.
    pub fn if_exists(mut self, choice: IfExists) -> Self {
        self.if_exists = choice;
        self
    }

    /// Who hears of each file's start, bytes and end.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = observer;
        self
    }

    /// Verifies every copy: the digest of the source's bytes (computed as
    /// they stream past; read from the source for a copy inside the
    /// backend) against the digest of the destination, read back whole
    /// after the write. A mismatch fails the file (`ErrorKind::Other`,
    /// naming both digests); the copy stays for inspection. Costs one more
    /// read of every file; the digest is in [`Copied::checksum`](crate::Copied::checksum).
    ///
    /// With [`Checksum::Md5`], a destination whose etag is the MD5
    /// computed over the bytes sent (S3, for single-part uploads without
    /// KMS) is not read back: the service computed the same digest over
    /// what it received. [`Copied::verified`](crate::Copied::verified)
    /// says which check each file had.
    pub fn verify(mut self, checksum: Checksum) -> Self {
        self.verify = Some(checksum);
        self
    }

    /// The token that stops this transfer (keep a clone, call `cancel`).
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }
}
