//! What a resumed read asks for: the rest of the range it was asked, from
//! the first byte not yet delivered, of the version it first read.

use std::time::SystemTime;

use remote_store_core::options::ByteRange;
use remote_store_core::{
    Capabilities, Capability, Error, ErrorKind, FileInfo, ReadOptions, RemotePath,
};

/// How a resumed read makes sure it reads the version it started on.
#[derive(Debug, Clone)]
enum Pin {
    /// Read with `if_match` on this etag: the backend refuses another
    /// version itself.
    Etag(String),
    /// No etag (or no conditional reads): the file's size and
    /// modification time, compared before resuming.
    Stat {
        size: u64,
        modified: Option<SystemTime>,
    },
}

/// A read that can resume.
#[derive(Debug, Clone)]
pub(crate) struct ResumePlan {
    path: RemotePath,
    asked: ReadOptions,
    pin: Pin,
    /// Bytes handed to the caller so far.
    pub(crate) delivered: u64,
}

impl ResumePlan {
    /// Whether a read of a backend with `caps` can resume at all.
    pub(crate) fn possible(caps: Capabilities) -> bool {
        caps.contains(Capability::RangeRead)
    }

    /// Whether a read with `asked` options needs the file described
    /// before it starts (to pin it): not when the caller pinned it.
    pub(crate) fn needs_info(asked: &ReadOptions) -> bool {
        asked.if_match.is_none()
    }

    /// The plan for a read with `asked` options of the file described by
    /// `info` (given when [`needs_info`](Self::needs_info)), on a backend
    /// with `caps`.
    pub(crate) fn new(
        path: &RemotePath,
        asked: &ReadOptions,
        info: Option<&FileInfo>,
        caps: Capabilities,
    ) -> Self {
        let pin = match (&asked.if_match, info) {
            (Some(etag), _) => Pin::Etag(etag.clone()),
            (
                None,
                Some(FileInfo {
                    etag: Some(etag), ..
                }),
            ) if caps.contains(Capability::ConditionalRead) => Pin::Etag(etag.clone()),
            (None, Some(info)) => Pin::Stat {
                size: info.size,
                modified: info.modified,
            },
            // Not reached: `needs_info` asked for it. Pinned to nothing
            // that exists, a resume fails rather than mixing versions.
            (None, None) => Pin::Stat {
                size: u64::MAX,
                modified: None,
            },
        };
        ResumePlan {
            path: path.clone(),
            asked: asked.clone(),
            pin,
            delivered: 0,
        }
    }

    /// The file read.
    pub(crate) fn path(&self) -> &RemotePath {
        &self.path
    }

    /// The options of the first read: pinned from the start where an
    /// etag pins it.
    pub(crate) fn first(&self) -> ReadOptions {
        self.options_from(0)
    }

    /// The options that read the rest.
    pub(crate) fn rest(&self) -> ReadOptions {
        self.options_from(self.delivered)
    }

    fn options_from(&self, done: u64) -> ReadOptions {
        let (offset, len) = match self.asked.range {
            Some(ByteRange { offset, len }) => (offset, len),
            None => (0, None),
        };
        let mut options = self.asked.clone();
        if done > 0 || self.asked.range.is_some() {
            options = options.range(offset + done, len.map(|l| l.saturating_sub(done)));
        }
        if let Pin::Etag(etag) = &self.pin {
            options = options.if_match(etag.clone());
        }
        options
    }

    /// Whether resuming needs the file described again first (no etag
    /// pins it).
    pub(crate) fn needs_check(&self) -> bool {
        matches!(self.pin, Pin::Stat { .. })
    }

    /// Checks that `info` describes the version first read.
    pub(crate) fn check(&self, info: &FileInfo) -> Result<(), Error> {
        match &self.pin {
            Pin::Stat { size, modified } if info.size != *size || info.modified != *modified => {
                Err(Error::new(ErrorKind::PreconditionFailed)
                    .with_path(&self.path)
                    .with_message(
                        "the file was replaced while it was read; the read is not resumed",
                    ))
            }
            _ => Ok(()),
        }
    }
}
