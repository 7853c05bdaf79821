//! OpenDAL's metadata as our file information and write results.

use std::time::SystemTime;

use opendal::Metadata;
use remote_store_core::{FileInfo, RemotePath, WriteResult};

use crate::capabilities::BARE_ETAGS;

/// The etag in HTTP's quoted form (RFC 9110, 8.8.3) when `quote` (a
/// service that reports it bare in some answers and quoted in others).
fn etag(meta: &Metadata, quote: bool) -> Option<String> {
    let etag = meta.etag()?;
    if quote && !etag.starts_with('"') && !etag.starts_with("W/\"") {
        Some(format!("\"{etag}\""))
    } else {
        Some(etag.to_owned())
    }
}

/// A file's information from what OpenDAL reported of it.
pub(crate) fn file_info(path: RemotePath, meta: &Metadata, quote: bool) -> FileInfo {
    let mut info = FileInfo::new(path, meta.content_length());
    if let Some(modified) = meta.last_modified() {
        info = info.with_modified(SystemTime::from(modified));
    }
    if let Some(etag) = etag(meta, quote) {
        info = info.with_etag(etag);
    }
    if let Some(t) = meta.content_type() {
        info = info.with_content_type(t);
    }
    if let Some(c) = meta.cache_control() {
        info = info.with_cache_control(c);
    }
    if let Some(user) = meta.user_metadata()
        && !user.is_empty()
    {
        info = info.with_metadata(
            user.into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
    }
    info
}

/// What a write's answer said: the etag, version and time where the
/// service returned them (never an extra request).
pub(crate) fn write_result(size: u64, meta: &Metadata, quote: bool) -> WriteResult {
    let mut result = WriteResult::new(size);
    if let Some(etag) = etag(meta, quote) {
        result = result.with_etag(etag);
    }
    if let Some(version) = meta.version() {
        result = result.with_version(version);
    }
    if let Some(modified) = meta.last_modified() {
        result = result.with_modified(SystemTime::from(modified));
    }
    result
}

/// Whether the service of `scheme` needs its etags quoted (see
/// [`BARE_ETAGS`]).
pub(crate) fn quotes_etags(scheme: &str) -> bool {
    BARE_ETAGS.contains(&scheme)
}
