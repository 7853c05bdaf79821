//! [`Report`]: what a transfer did, file by file.

use std::time::{Duration, SystemTime};

use remote_store_core::{Error, FileInfo, RemotePath, Result};

/// The version of a source file a copy began from: what its listing (or
/// a stat) said then. A source that no longer matches it changed after
/// its copy began (`rstore mv -r` keeps such a source instead of deleting
/// it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceVersion {
    /// Size in bytes.
    pub size: u64,
    /// Last modification time, if the backend keeps one.
    pub modified: Option<SystemTime>,
    /// The etag, if the backend has one.
    pub etag: Option<String>,
}

impl SourceVersion {
    /// The version `info` describes.
    pub fn of(info: &FileInfo) -> Self {
        SourceVersion {
            size: info.size,
            modified: info.modified,
            etag: info.etag.clone(),
        }
    }

    /// Whether `info` still describes this version: the same size, and
    /// the same etag where both have one (quotes and a weak `W/` aside:
    /// a listing and a stat may spell it differently), else the same
    /// modification time where both have one (listings and stats of S3
    /// give it at different precisions, so the etag decides there).
    pub fn matches(&self, info: &FileInfo) -> bool {
        let tag = |e: &String| e.trim_start_matches("W/").trim_matches('"').to_owned();
        self.size == info.size
            && match (&self.etag, &info.etag) {
                (Some(a), Some(b)) => tag(a) == tag(b),
                _ => match (self.modified, info.modified) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                },
            }
    }
}

/// A file copied.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Copied {
    /// Its path in the source store.
    pub src: RemotePath,
    /// Its path in the destination store.
    pub dst: RemotePath,
    /// Bytes written to the destination.
    pub bytes: u64,
    /// Whether the backend copied it itself (no bytes went through here).
    pub server_side: bool,
    /// The destination's etag, when the backend returned one.
    pub etag: Option<String>,
    /// The digest of the bytes, in lowercase hex, when the transfer
    /// verifies ([`Transfer::verify`](crate::Transfer::verify)): the
    /// source's and the destination's matched.
    pub checksum: Option<String>,
    /// How the copy was verified, when the transfer verifies.
    pub verified: Option<Verified>,
    /// The source's version when its copy began, where the backend keeps
    /// metadata.
    pub source: Option<SourceVersion>,
}

/// How a verified copy was checked against its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verified {
    /// The destination was read back whole and its digest compared: what
    /// the storage holds is checked.
    ReadBack,
    /// The destination's etag is the MD5 of the bytes sent, computed while
    /// sending them: S3 answers an unencrypted upload with its body's MD5
    /// (one `PUT`) or the MD5 of its parts' MD5s (a multipart upload; see
    /// [`WriteOptions::verify`](remote_store_core::WriteOptions::verify)).
    /// What the service stored is checked without reading it again; an
    /// etag that is not such a digest (KMS encryption, Azure) is read
    /// back instead. For a copy inside S3 of an object uploaded in parts
    /// (whose etag is no MD5), the MD5 etag S3 gives the copy is compared
    /// with the source's MD5, read here: the copy is not read.
    ServiceMd5,
    /// A copy inside the backend whose source and destination etags are
    /// the same MD5 (S3 keeps a single-part object's MD5 etag through a
    /// server-side copy): the service's own digests of both agree, and
    /// neither is read. Other etags (KMS, Azure's versions) are not
    /// digests of the body; such copies are read back (a source uploaded
    /// in parts: see [`ServiceMd5`](Self::ServiceMd5)).
    ServiceEtags,
}

/// A file not copied on purpose ([`IfExists::Skip`](crate::IfExists::Skip)
/// and a destination that exists).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Skipped {
    /// Its path in the source store.
    pub src: RemotePath,
    /// Its path in the destination store.
    pub dst: RemotePath,
    /// Why, for people.
    pub reason: String,
}

/// A file that could not be copied, or an entry the listing could not
/// return (then `dst` is `None`).
#[derive(Debug)]
#[non_exhaustive]
pub struct Failed {
    /// Its path in the source store (the folder being listed, for a
    /// listing error).
    pub src: RemotePath,
    /// Its path in the destination store.
    pub dst: Option<RemotePath>,
    /// What went wrong, with its [`ErrorKind`](remote_store_core::ErrorKind).
    pub error: Error,
}

/// How one file ended.
#[derive(Debug)]
pub enum Outcome {
    /// Copied.
    Copied(Copied),
    /// Not copied on purpose.
    Skipped(Skipped),
    /// Not copied.
    Failed(Failed),
}

/// What a tree transfer did. Files appear in the order they ended.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// Files copied.
    pub copied: Vec<Copied>,
    /// Files skipped on purpose.
    pub skipped: Vec<Skipped>,
    /// Files (and listing entries) that failed.
    pub failed: Vec<Failed>,
    /// Bytes written to the destination, server-side copies included.
    pub bytes: u64,
    /// Wall time of the whole transfer.
    pub elapsed: Duration,
    /// Whether a [`CancelToken`](crate::CancelToken) stopped it. Files
    /// already handed to a copying task when it was set are in `failed`
    /// ("transfer cancelled"), whether they had started or not; files the
    /// listing had not yet returned appear nowhere.
    pub cancelled: bool,
    /// Destination files deleted because the source does not have them
    /// (a sync with [`SyncOptions::delete`](crate::SyncOptions::delete)).
    pub deleted: Vec<RemotePath>,
    /// Whether nothing was done: `copied` and `deleted` list what would
    /// have been (a sync with [`SyncOptions::dry_run`](crate::SyncOptions::dry_run)).
    pub dry_run: bool,
}

impl Report {
    /// Whether every file was copied or skipped, and nothing was cancelled.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && !self.cancelled
    }

    /// Bytes per second over the whole transfer (0 for an instant one).
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.bytes as f64 / secs
        } else {
            0.0
        }
    }

    /// The report when complete; else the first failure's error (or the
    /// cancellation's), for callers that treat any failure as the call's.
    ///
    /// # Errors
    /// The first [`Failed`] entry's error; `ErrorKind::Other` when
    /// cancelled with no failure.
    pub fn ok(mut self) -> Result<Self> {
        if !self.failed.is_empty() {
            return Err(self.failed.swap_remove(0).error);
        }
        if self.cancelled {
            return Err(crate::CancelToken::error());
        }
        Ok(self)
    }

    pub(crate) fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Copied(c) => {
                self.bytes += c.bytes;
                self.copied.push(c);
            }
            Outcome::Skipped(s) => self.skipped.push(s),
            Outcome::Failed(f) => self.failed.push(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use remote_store_core::{FileInfo, RemotePath};

    use super::SourceVersion;

    fn info(size: u64, secs: u64, nanos: u32, etag: Option<&str>) -> FileInfo {
        let mut info = FileInfo::new(RemotePath::new("f").unwrap(), size);
        info.modified = Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
        info.etag = etag.map(str::to_owned);
        info
    }

    #[test]
    fn a_version_matches_its_file_until_it_changes() {
        let listed = SourceVersion::of(&info(3, 100, 123_000_000, Some("\"abc\"")));
        // A stat spells the etag without quotes and keeps whole seconds.
        assert!(listed.matches(&info(3, 100, 0, Some("abc"))));
        assert!(listed.matches(&info(3, 100, 0, Some("W/\"abc\""))));
        assert!(!listed.matches(&info(3, 100, 123_000_000, Some("\"abd\""))));
        assert!(!listed.matches(&info(4, 100, 123_000_000, Some("\"abc\""))));
        // Without etags the time decides, to the nanosecond.
        let local = SourceVersion::of(&info(3, 100, 5, None));
        assert!(local.matches(&info(3, 100, 5, None)));
        assert!(!local.matches(&info(3, 100, 6, None)));
    }
}
