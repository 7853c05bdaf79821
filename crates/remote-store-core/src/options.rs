//! Options of the operations that have more than a path: one struct per
//! operation, passed to the backend traits and to the stores' `*_with`
//! methods (ADR-0013).
//!
//! Each struct is `#[non_exhaustive]`: build it from `Default` (or `new`)
//! and its builder methods, so a new option never breaks a caller. Each
//! says which capabilities it needs ([`Gated::required`]); the stores check
//! them before any I/O, in one place, and a backend called directly
//! refuses an option it does not declare with the same check
//! ([`Gated::check`]), so an option is never silently ignored.
//!
//! Two options are the stores' own work: `ListOptions::max_depth` and
//! `ListOptions::pattern` are applied by `Store` and `AsyncStore` to the
//! listing as it streams. A backend may use them to walk less (local
//! stops below `max_depth`), but need not: called directly, it may list
//! more than they allow.
//!
//! ```
//! use remote_store_core::{ReadOptions, WriteOptions};
//! let write = WriteOptions::new().overwrite(true).atomic(true);
//! assert!(write.overwrite && write.atomic);
//! let read = ReadOptions::new().range(10, Some(5));
//! assert_eq!(read.range.map(|r| (r.offset, r.len)), Some((10, Some(5))));
//! ```

use std::collections::BTreeMap;

use crate::capability::{Capabilities, Capability};
use crate::error::{Error, ErrorKind, Result};

/// Options that need capabilities: the check every store makes, and that a
/// backend makes when called directly.
pub trait Gated {
    /// Every capability these options need, the operation's own included.
    fn required(&self) -> Capabilities;

    /// Refuses with `CapabilityNotSupported`, naming the first missing
    /// capability (in declaration order), when `declared` lacks one these
    /// options need.
    ///
    /// # Errors
    /// `CapabilityNotSupported`; `InvalidArgument` for options that
    /// contradict each other ([`validate`](Self::validate)).
    fn check(&self, declared: Capabilities) -> Result<()> {
        match self.required().iter().find(|c| !declared.contains(*c)) {
            Some(missing) => Err(Error::unsupported(missing)),
            None => self.validate(),
        }
    }

    /// Refuses options that contradict each other, with
    /// `InvalidArgument`. The default accepts all.
    ///
    /// # Errors
    /// `InvalidArgument`.
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}

fn contradiction(why: &str) -> Error {
    Error::new(ErrorKind::InvalidArgument).with_message(why.to_owned())
}

/// A byte range of a file: `len` bytes from `offset` (to the end when
/// `len` is `None`). Both in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// The first byte, counted from 0.
    pub offset: u64,
    /// How many bytes at most; `None` reads to the end.
    pub len: Option<u64>,
}

/// Options of `read` and `read_bytes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Read only this range (needs [`Capability::RangeRead`]). A range past
    /// the end is cut at the end; an offset past the end reads nothing.
    pub range: Option<ByteRange>,
    /// Read only if the file's etag is still this one (needs
    /// [`Capability::ConditionalRead`]): the read fails with
    /// `PreconditionFailed` when the file was replaced, so it never mixes
    /// two versions. An etag from `get_file_info` or a `WriteResult`.
    pub if_match: Option<String>,
}

impl ReadOptions {
    /// The whole file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `len` bytes from `offset` (to the end when `len` is `None`).
    pub fn range(mut self, offset: u64, len: Option<u64>) -> Self {
        self.range = Some(ByteRange { offset, len });
        self
    }

    /// Reads only the version whose etag is `etag`.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }
}

impl Gated for ReadOptions {
    fn required(&self) -> Capabilities {
        let mut caps = Capabilities::of(&[Capability::Read]);
        if self.range.is_some() {
            caps = caps.with(Capability::RangeRead);
        }
        if self.if_match.is_some() {
            caps = caps.with(Capability::ConditionalRead);
        }
        caps
    }
}

/// Options of `write`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Replace a file already at the path; without it such a write fails
    /// with `AlreadyExists`. Default `false`.
    pub overwrite: bool,
    /// Readers see the old content or the new one, never a mix (needs
    /// [`Capability::AtomicWrite`] instead of [`Capability::Write`]).
    /// Default `false`.
    pub atomic: bool,
    /// Replace the file only if its etag is still this one (needs
    /// [`Capability::ConditionalWrite`]): a compare-and-swap. Fails with
    /// `PreconditionFailed` when the file was replaced since, or is gone;
    /// needs `overwrite` (the builder sets it).
    pub if_match: Option<String>,
    /// The file's MIME type (needs [`Capability::ContentType`]), e.g.
    /// `text/csv`. Where the backend declares the capability and this is
    /// `None`, the stores put the type guessed from the extension (none
    /// for an unknown extension).
    pub content_type: Option<String>,
    /// The HTTP `Cache-Control` value the service serves the file with
    /// (needs [`Capability::CacheControl`]), e.g. `max-age=3600`.
    pub cache_control: Option<String>,
    /// User metadata kept with the file (needs
    /// [`Capability::UserMetadata`]) and returned by `get_file_info`. Names
    /// are 1 to 64 of `a-z`, `0-9` and `_`, starting with a letter (what
    /// S3, Azure and GCS all accept); values are printable ASCII, not
    /// empty, without a space at either end (they travel as HTTP headers,
    /// which would drop those). Names and values together are at most
    /// [`MAX_METADATA_BYTES`]; a backend may allow less (S3: 2 KiB, its
    /// service limit) and refuses more with `InvalidArgument`. A write
    /// replaces the file's metadata, it does not merge.
    pub metadata: BTreeMap<String, String>,
    /// Check that the storage holds exactly the bytes written, where its
    /// answer to the write carries a digest of them (no extra request):
    /// S3 and services compatible with it answer a one-request upload
    /// with the MD5 of its body as the etag, and a multipart upload with
    /// the MD5 of its parts' MD5s followed by `-` and the part count.
    /// [`WriteResult::verified`](crate::WriteResult::verified) says
    /// whether the check was made and held. A digest that differs does not
    /// fail the write, since etags are not always digests (S3 objects
    /// encrypted with KMS keys, some compatible services): it leaves
    /// `verified` false, and a caller that needs certainty reads the file
    /// back. Costs one MD5 pass over the bytes; backends whose storage
    /// reports no digest ignore it. Default `false`.
    pub verify: bool,
}

/// The most user metadata (names plus values, in bytes) any backend keeps:
/// Azure's service limit of 8 KiB. S3 keeps 2 KiB.
pub const MAX_METADATA_BYTES: usize = 8 * 1024;

impl WriteOptions {
    /// A plain write that refuses to replace a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`overwrite`](Self::overwrite).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Sets [`atomic`](Self::atomic).
    pub fn atomic(mut self, atomic: bool) -> Self {
        self.atomic = atomic;
        self
    }

    /// Replaces only the version whose etag is `etag` (and sets
    /// [`overwrite`](Self::overwrite)).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self.overwrite = true;
        self
    }

    /// Sets [`content_type`](Self::content_type).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets [`cache_control`](Self::cache_control).
    pub fn cache_control(mut self, cache_control: impl Into<String>) -> Self {
        self.cache_control = Some(cache_control.into());
        self
    }

    /// Sets [`verify`](Self::verify).
    pub fn verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// Adds one pair of user [`metadata`](Self::metadata) (a second value
    /// for the same name replaces the first).
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into(), value.into());
        self
    }
}

impl Gated for WriteOptions {
    fn required(&self) -> Capabilities {
        let caps = if self.atomic {
            Capabilities::of(&[Capability::AtomicWrite])
        } else {
            Capabilities::of(&[Capability::Write])
        };
        let wanted = [
            (self.if_match.is_some(), Capability::ConditionalWrite),
            (self.content_type.is_some(), Capability::ContentType),
            (self.cache_control.is_some(), Capability::CacheControl),
            (!self.metadata.is_empty(), Capability::UserMetadata),
        ];
        wanted
            .into_iter()
            .filter(|(wanted, _)| *wanted)
            .fold(caps, |caps, (_, cap)| caps.with(cap))
    }

    fn validate(&self) -> Result<()> {
        if self.if_match.is_some() && !self.overwrite {
            return Err(contradiction(
                "if_match replaces a file, but overwrite is false",
            ));
        }
        for (what, value) in [
            ("content_type", &self.content_type),
            ("cache_control", &self.cache_control),
        ] {
            if let Some(value) = value
                && !is_header_value(value)
            {
                return Err(contradiction(&format!(
                    "{what} must be printable ASCII, not empty, without spaces at either end \
                     (it travels as an HTTP header, which would drop them)"
                )));
            }
        }
        if let Some(content_type) = &self.content_type
            && !is_media_type(content_type)
        {
            return Err(contradiction(&format!(
                "content_type {content_type:?} is not a media type (type/subtype, RFC 9110 §8.3.1)"
            )));
        }
        crate::attributes::check_metadata(&self.metadata, MAX_METADATA_BYTES)
    }
}

/// `type/subtype`, parameters after `;` allowed: both parts non-empty,
/// without spaces or further slashes.
fn is_media_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default();
    match essence.split_once('/') {
        Some((kind, sub)) => [kind, sub]
            .iter()
            .all(|part| !part.is_empty() && !part.contains([' ', '/'])),
        None => false,
    }
}

/// What an HTTP header value carries unchanged: printable ASCII and inner
/// spaces, not empty, no space at either end (HTTP trims those, RFC 9110
/// §5.5).
pub(crate) fn is_header_value(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Options of `delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOptions {
    /// Succeed when there is no file to delete. Default `false`.
    pub missing_ok: bool,
    /// Delete only if the file's etag is still this one (needs
    /// [`Capability::ConditionalDelete`]): fails with `PreconditionFailed`
    /// when the file was replaced since, or is gone, and deletes nothing.
    /// Cannot be combined with `missing_ok`.
    pub if_match: Option<String>,
}

impl DeleteOptions {
    /// A delete that fails with `NotFound` when there is no file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`missing_ok`](Self::missing_ok).
    pub fn missing_ok(mut self, missing_ok: bool) -> Self {
        self.missing_ok = missing_ok;
        self
    }

    /// Deletes only the version whose etag is `etag`.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }
}

impl Gated for DeleteOptions {
    fn required(&self) -> Capabilities {
        let caps = Capabilities::of(&[Capability::Delete]);
        if self.if_match.is_some() {
            caps.with(Capability::ConditionalDelete)
        } else {
            caps
        }
    }

    fn validate(&self) -> Result<()> {
        if self.if_match.is_some() && self.missing_ok {
            return Err(contradiction(
                "if_match deletes one version, which a missing file is not; missing_ok is true",
            ));
        }
        Ok(())
    }
}

/// Options of `delete_folder`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteFolderOptions {
    /// Delete everything below too; without it a folder with entries fails
    /// with `FolderNotEmpty`. Default `false`.
    pub recursive: bool,
    /// Succeed when there is no folder to delete. Default `false`.
    pub missing_ok: bool,
}

impl DeleteFolderOptions {
    /// Deletes an empty folder; fails with `NotFound` when there is none.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`recursive`](Self::recursive).
    pub fn recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }

    /// Sets [`missing_ok`](Self::missing_ok).
    pub fn missing_ok(mut self, missing_ok: bool) -> Self {
        self.missing_ok = missing_ok;
        self
    }
}

impl Gated for DeleteFolderOptions {
    fn required(&self) -> Capabilities {
        Capabilities::of(&[Capability::Delete])
    }
}

/// Options of `list_files`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// List files at any depth (needs [`Capability::RecursiveList`]), not
    /// only those directly in the folder. Default `false`.
    pub recursive: bool,
    /// With `recursive`: only files at most this many levels below the
    /// folder (1: directly in it, 2: also in its subfolders, …). At least
    /// 1; `None` is no limit. Backends that can (local) stop walking
    /// below it, which makes a shallow listing of a deep tree cheap.
    pub max_depth: Option<usize>,
    /// Only files whose path relative to the listed folder matches this
    /// glob (`*` and `?` stay within a segment, `**` crosses segments,
    /// `[…]` and `{a,b}` as usual; see [`glob`](crate::glob)): `*.csv`
    /// directly in the folder, `**/*.csv` at any depth (with
    /// `recursive`). Filtered as the listing streams, so it costs what the
    /// listing costs, not a second pass. Without `recursive` only files
    /// directly in the folder are listed, so a pattern with a `/` matches
    /// none of them. An entry the listing could not read (an `Err` item)
    /// is passed on whatever the pattern: its name may be one that would
    /// match. An empty pattern is `InvalidArgument`.
    pub pattern: Option<String>,
}

impl ListOptions {
    /// The files directly in the folder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`recursive`](Self::recursive).
    pub fn recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }

    /// Lists at most `levels` deep (sets [`recursive`](Self::recursive)).
    pub fn max_depth(mut self, levels: usize) -> Self {
        self.max_depth = Some(levels);
        self.recursive = true;
        self
    }

    /// Lists only files whose relative path matches `glob`.
    pub fn pattern(mut self, glob: impl Into<String>) -> Self {
        self.pattern = Some(glob.into());
        self
    }

    /// How many levels below the folder files are listed: 1 without
    /// `recursive`, else `max_depth` (unlimited when `None`).
    pub fn depth_limit(&self) -> usize {
        match (self.recursive, self.max_depth) {
            (false, _) => 1,
            (true, Some(levels)) => levels,
            (true, None) => usize::MAX,
        }
    }
}

impl Gated for ListOptions {
    fn required(&self) -> Capabilities {
        let caps = Capabilities::of(&[Capability::List]);
        if self.recursive {
            caps.with(Capability::RecursiveList)
        } else {
            caps
        }
    }

    fn validate(&self) -> Result<()> {
        match self.max_depth {
            Some(0) => return Err(contradiction("max_depth must be at least 1")),
            Some(_) if !self.recursive => {
                return Err(contradiction(
                    "max_depth limits a recursive listing, but recursive is false",
                ));
            }
            _ => {}
        }
        if let Some(pattern) = &self.pattern {
            if crate::glob::names_nothing(pattern) {
                return Err(contradiction(
                    "an empty pattern (or one of only '/' and '.') would match nothing",
                ));
            }
            crate::glob::GlobPattern::new(pattern)?;
        }
        Ok(())
    }
}

/// Options of `rename`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenameOptions {
    /// Replace a file already at the destination; without it the rename
    /// fails with `AlreadyExists`. Default `false`.
    pub overwrite: bool,
}

impl RenameOptions {
    /// A rename that refuses to replace a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`overwrite`](Self::overwrite).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
}

impl Gated for RenameOptions {
    fn required(&self) -> Capabilities {
        Capabilities::of(&[Capability::Move])
    }
}

/// Options of `copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Replace a file already at the destination; without it the copy
    /// fails with `AlreadyExists`. Default `false`.
    pub overwrite: bool,
}

impl CopyOptions {
    /// A copy that refuses to replace a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`overwrite`](Self::overwrite).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
}

impl Gated for CopyOptions {
    fn required(&self) -> Capabilities {
        Capabilities::of(&[Capability::Copy])
    }
}

/// What a presigned request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PresignMethod {
    /// Read the file (HTTP `GET`).
    Get,
    /// Write the file, replacing it (HTTP `PUT`).
    Put,
}

impl PresignMethod {
    /// The HTTP method: `"GET"` or `"PUT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PresignMethod::Get => "GET",
            PresignMethod::Put => "PUT",
        }
    }
}

/// Options of `presign`: the request to allow, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignOptions {
    /// The request the URL allows.
    pub method: PresignMethod,
    /// How long the URL stays valid, from now (at least one second; the
    /// service sets the most, e.g. 7 days for S3's SigV4).
    pub expires: std::time::Duration,
}

impl PresignOptions {
    /// A URL for `method`, valid for `expires`.
    pub fn new(method: PresignMethod, expires: std::time::Duration) -> Self {
        PresignOptions { method, expires }
    }
}

impl Gated for PresignOptions {
    fn required(&self) -> Capabilities {
        Capabilities::of(&[Capability::Presign])
    }

    fn validate(&self) -> Result<()> {
        if self.expires < std::time::Duration::from_secs(1) {
            return Err(contradiction(
                "a presigned URL must stay valid for at least one second",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_option_needs_its_capability() {
        let read = Capabilities::of(&[Capability::Read]);
        assert!(ReadOptions::new().check(read).is_ok());
        let err = ReadOptions::new().range(0, None).check(read).unwrap_err();
        assert!(err.to_string().contains("range_read"), "{err}");
        let write = Capabilities::of(&[Capability::Write]);
        assert!(WriteOptions::new().overwrite(true).check(write).is_ok());
        let err = WriteOptions::new().atomic(true).check(write).unwrap_err();
        assert!(err.to_string().contains("atomic_write"), "{err}");
        let list = Capabilities::of(&[Capability::List]);
        assert!(ListOptions::new().check(list).is_ok());
        assert!(ListOptions::new().recursive(true).check(list).is_err());
        let none = Capabilities::empty();
        assert!(DeleteOptions::new().check(none).is_err());
        assert!(DeleteFolderOptions::new().check(none).is_err());
        assert!(RenameOptions::new().check(none).is_err());
        assert!(CopyOptions::new().check(none).is_err());
        assert!(ReadOptions::new().check(none).is_err());
        let err = ReadOptions::new().if_match("e").check(read).unwrap_err();
        assert_eq!(err.capability(), Some(Capability::ConditionalRead));
        let cas = write.with(Capability::ConditionalWrite);
        assert!(WriteOptions::new().if_match("e").check(cas).is_ok());
        let err = WriteOptions::new().if_match("e").check(write).unwrap_err();
        assert_eq!(err.capability(), Some(Capability::ConditionalWrite));
        let contradictory = WriteOptions::new().if_match("e").overwrite(false);
        let err = contradictory.check(cas).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
