//! Metadata about stored files and folders.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::path::RemotePath;

/// What a backend knows about one file.
///
/// `path` is relative to whatever returned it: the backend root for a
/// backend, the store root for a [`Store`](crate::Store), so it can be fed
/// straight back into the call that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileInfo {
    /// Where the file is.
    pub path: RemotePath,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time, if the backend tracks it.
    pub modified: Option<SystemTime>,
    /// An opaque version tag (ETag, checksum), if the backend has one.
    pub etag: Option<String>,
    /// MIME type: the one the file was written with where the backend
    /// keeps one ([`Capability::ContentType`](crate::Capability::ContentType)),
    /// else a guess from the name, if any.
    pub content_type: Option<String>,
    /// The `Cache-Control` value the file was written with, where the
    /// backend keeps one ([`Capability::CacheControl`](crate::Capability::CacheControl)).
    pub cache_control: Option<String>,
    /// User metadata the file was written with, where the backend keeps it
    /// ([`Capability::UserMetadata`](crate::Capability::UserMetadata));
    /// empty otherwise. Always filled by `get_file_info`; listings may
    /// leave it empty (most services do not list it), so read it from
    /// `get_file_info` when it matters.
    pub metadata: BTreeMap<String, String>,
    /// Backend-specific extras (e.g. storage class).
    pub extra: BTreeMap<String, String>,
}

impl FileInfo {
    /// Info with only `path` and `size` set.
    pub fn new(path: RemotePath, size: u64) -> Self {
        FileInfo {
            path,
            size,
            modified: None,
            etag: None,
            content_type: None,
            cache_control: None,
            metadata: BTreeMap::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Sets `modified`.
    pub fn with_modified(mut self, modified: SystemTime) -> Self {
        self.modified = Some(modified);
        self
    }

    /// Sets `etag`.
    pub fn with_etag(mut self, etag: impl Into<String>) -> Self {
        self.etag = Some(etag.into());
        self
    }

    /// Sets `content_type`.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets `cache_control`.
    pub fn with_cache_control(mut self, cache_control: impl Into<String>) -> Self {
        self.cache_control = Some(cache_control.into());
        self
    }

    /// Sets `metadata`.
    pub fn with_metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = metadata;
        self
    }

    /// The file name (last path segment).
    pub fn name(&self) -> &str {
        self.path.name()
    }
}

/// What a completed write stored.
///
/// `size` is always known (the bytes the write consumed from its source);
/// the rest is filled in where the storage reports it in the write's own
/// answer, never by an extra request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteResult {
    /// Bytes written.
    pub size: u64,
    /// The stored file's etag, if the storage returned one.
    pub etag: Option<String>,
    /// The stored file's version id, on storage that keeps versions.
    pub version: Option<String>,
    /// The stored file's modification time, if the storage returned it.
    pub modified: Option<SystemTime>,
    /// The storage's own digest of what it stored matched the bytes
    /// written: set only for a write asked to
    /// [`verify`](crate::WriteOptions::verify), by a backend whose storage
    /// reports one.
    pub verified: bool,
}

impl WriteResult {
    /// A result with only `size` set.
    pub fn new(size: u64) -> Self {
        WriteResult {
            size,
            etag: None,
            version: None,
            modified: None,
            verified: false,
        }
    }

    /// Sets `etag`.
    pub fn with_etag(mut self, etag: impl Into<String>) -> Self {
        self.etag = Some(etag.into());
        self
    }

    /// Sets `version`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets `modified`.
    pub fn with_modified(mut self, modified: SystemTime) -> Self {
        self.modified = Some(modified);
        self
    }

    /// Sets `verified`.
    pub fn with_verified(mut self, verified: bool) -> Self {
        self.verified = verified;
        self
    }
}

/// A request a plain HTTP client can make without credentials: send
/// `method` to `url` with `headers` (the body, for a `PUT`, is the file's
/// new content).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PresignedRequest {
    /// The HTTP method to use.
    pub method: crate::options::PresignMethod,
    /// The signed URL; it carries the authorization, so treat it as a
    /// secret until it expires.
    pub url: String,
    /// Headers the request must carry (e.g. Azure's `x-ms-blob-type` on a
    /// `PUT`).
    pub headers: Vec<(String, String)>,
}

impl PresignedRequest {
    /// A request with no required headers.
    pub fn new(method: crate::options::PresignMethod, url: impl Into<String>) -> Self {
        PresignedRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a header the request must carry.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Summary of a folder and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FolderInfo {
    /// Where the folder is.
    pub path: RemotePath,
    /// Number of files below the folder, at any depth.
    pub file_count: u64,
    /// Total size in bytes of those files.
    pub total_size: u64,
    /// Latest modification time among those files, if known.
    pub modified: Option<SystemTime>,
}

impl FolderInfo {
    /// Info for an empty folder at `path`.
    pub fn new(path: RemotePath) -> Self {
        FolderInfo {
            path,
            file_count: 0,
            total_size: 0,
            modified: None,
        }
    }

    /// Adds one file to the totals.
    pub fn add(&mut self, file: &FileInfo) {
        self.file_count += 1;
        self.total_size += file.size;
        self.modified = match (self.modified, file.modified) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// The folder name (last path segment; empty for the root).
    pub fn name(&self) -> &str {
        self.path.name()
    }
}
