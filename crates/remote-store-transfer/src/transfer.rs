//! [`Transfer`]: the settings of a copy, and its entry points.

use std::sync::Arc;

use crate::cancel::CancelToken;
use crate::checksum::Checksum;
use crate::observer::{Observer, Unobserved};
use crate::split::Split;

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
/// both stores share a backend that copies inside itself (`Copy` and
/// `ServerSideCopy`; SFTP's `copy` streams through the client). A large file is read
/// as ranges, several at once, where the source declares
/// [`RangeRead`](remote_store_core::Capability::RangeRead): see
/// [`parts_per_file`](Self::parts_per_file).
#[derive(Clone)]
pub struct Transfer {
    pub(crate) concurrency: usize,
    pub(crate) if_exists: IfExists,
    pub(crate) observer: Arc<dyn Observer>,
    pub(crate) cancel: CancelToken,
    pub(crate) verify: Option<Checksum>,
    pub(crate) split: Split,
}

impl Default for Transfer {
    fn default() -> Self {
        Transfer {
            concurrency: Transfer::DEFAULT_CONCURRENCY,
            if_exists: IfExists::default(),
            observer: Arc::new(Unobserved),
            cancel: CancelToken::new(),
            verify: None,
            split: Split::default(),
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
            .field("split", &self.split)
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
    /// after the write, except where the service vouches for the copy
    /// (below). A mismatch fails the file (`ErrorKind::Other`, naming both
    /// digests); the copy stays for inspection. A read-back costs one more
    /// read of the file; the digest is in [`Copied::checksum`](crate::Copied::checksum).
    ///
    /// A destination whose service answers the write with a digest of what
    /// it stored is not read back: the write is asked to
    /// [`verify`](remote_store_core::WriteOptions::verify), and S3 (an
    /// unencrypted upload, one `PUT` or multipart) compares its MD5 etag
    /// with the MD5s of the bytes sent, whichever `checksum` the transfer
    /// reports. With [`Checksum::Md5`], any other destination whose etag is
    /// the MD5 of the bytes sent is not read back either, and a copy inside
    /// the backend whose source and destination etags are the same MD5
    /// (S3's server-side copy of a single-part object) is read on neither
    /// side: the service's digests of both agree; one whose source was
    /// uploaded in parts has only its source read, against the MD5 etag S3
    /// gives the copy.
    /// [`Copied::verified`](crate::Copied::verified) says which check each
    /// file had.
    pub fn verify(mut self, checksum: Checksum) -> Self {
        self.verify = Some(checksum);
        self
    }

    /// Ranged reads in flight for each large file (default 4; 1 reads
    /// every file as one stream). One stream goes as fast as one
    /// connection carries it (one SFTP channel, one HTTP response); a file
    /// of at least [`split_above`](Self::split_above) bytes, on a source
    /// that declares [`RangeRead`](remote_store_core::Capability::RangeRead),
    /// is read [`part_size`](Self::part_size) bytes per read, this many at
    /// once (over an SFTP backend's pooled connections), and written in
    /// order: the destination's write is the same as for one stream.
    /// Memory: at most `parts + 1` parts per file. Unless this is called,
    /// a source in memory or on a local disk (storage id `memory://` or
    /// `file://`) is read as one stream: nothing holds one stream back
    /// there, and parts would only cost memory.
    ///
    /// Each part is pinned to the etag the source had when the copy began
    /// where the backend checks one
    /// ([`ConditionalRead`](remote_store_core::Capability::ConditionalRead));
    /// elsewhere each part must come back whole and the file's size,
    /// modification time and etag must be the same after the last part.
    /// A source changed during its copy fails that file with
    /// `PreconditionFailed`, before the write commits.
    pub fn parts_per_file(mut self, parts: usize) -> Self {
        self.split.parts = Some(parts.max(1));
        self
    }

    /// Bytes per ranged read of a split file (default 8 MiB, at least 1).
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.split.part_size = bytes.max(1);
        self
    }

    /// Files of at least this many bytes are read in parts (default
    /// 32 MiB); a file is split only when it holds more than one part.
    pub fn split_above(mut self, bytes: u64) -> Self {
        self.split.above = bytes;
        self
    }

    /// The token that stops this transfer (keep a clone, call `cancel`).
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }
}
