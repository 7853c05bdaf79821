//! OpenDAL's metadata as our file information and write results.

use std::time::SystemTime;

use opendal::Metadata;
use remote_store_core::{FileInfo, RemotePath, WriteResult};

/// A file's information from what OpenDAL reported of it.
pub(crate) fn file_info(path: RemotePath, meta: &Metadata) -> FileInfo {
    let mut info = FileInfo::new(path, meta.content_length());
    if let Some(modified) = meta.last_modified() {
        info = info.with_modified(SystemTime::from(modified));
    }
    if let Some(etag) = meta.etag() {
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
pub(crate) fn write_result(size: u64, meta: &Metadata) -> WriteResult {
    let mut result = WriteResult::new(size);
    if let Some(etag) = meta.etag() {
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
