//! `get_opts`: a plain or ranged get is one `read_with_info` (the
//! metadata object_store answers with, and the bytes it describes). A
//! conditional get, a `head` or a suffix range asks for the metadata
//! first (they are decided on it), then the bytes, pinned to that
//! version where the store can, and counted where it cannot. Either way
//! metadata and bytes never silently disagree.

use super::{compat, object_store};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, GetResult, GetResultPayload, ObjectMeta};
use remote_store_core::stream::ByteStream;
use remote_store_core::{AsyncStore, Capability, ErrorKind, FileInfo, ReadOptions, RemotePath};

use super::error::{STORE, map, map_object, not_implemented};
use super::put::attributes;

/// object_store's metadata of a file at `location`. A file without a
/// modification time is given the Unix epoch (object_store's field is
/// not optional); conditions on dates are refused for it instead.
pub(crate) fn object_meta(info: &FileInfo, location: Path) -> ObjectMeta {
    ObjectMeta {
        location,
        last_modified: info
            .modified
            .map_or(DateTime::<Utc>::UNIX_EPOCH, DateTime::from),
        size: info.size,
        e_tag: info.etag.clone(),
        version: None,
    }
}

/// A read of the version whose etag is `etag`, where the store can pin
/// a read to it (`ConditionalRead`); an unpinned read otherwise.
pub(crate) fn pinned_read(store: &AsyncStore, etag: Option<&str>) -> ReadOptions {
    match etag {
        Some(etag) if store.supports(Capability::ConditionalRead) => {
            ReadOptions::new().if_match(etag)
        }
        _ => ReadOptions::new(),
    }
}

/// Reads of one `get` when the file is replaced between its metadata and
/// its bytes (the read is pinned to the metadata's etag; the caller's own
/// condition is never retried).
const ATTEMPTS: usize = 10;

pub(crate) async fn get(
    store: &AsyncStore,
    location: &Path,
    path: &RemotePath,
    options: GetOptions,
) -> object_store::Result<GetResult> {
    if options.version.is_some() {
        return Err(not_implemented(
            "get of a version (versions are not kept here)",
        ));
    }
    let mut attempt = 1;
    loop {
        match get_once(store, location, path, &options).await {
            Err(Replaced(e)) if attempt < ATTEMPTS && options.if_match.is_none() => {
                drop(e);
                attempt += 1;
            }
            Err(Replaced(e)) | Err(Failed(e)) => return Err(e),
            Ok(result) => return Ok(result),
        }
    }
}

/// Why one attempt failed.
enum Failure {
    /// The pinned read found another version.
    Replaced(object_store::Error),
    Failed(object_store::Error),
}
use Failure::{Failed, Replaced};

impl From<object_store::Error> for Failure {
    fn from(e: object_store::Error) -> Self {
        Failed(e)
    }
}

async fn get_once(
    store: &AsyncStore,
    location: &Path,
    path: &RemotePath,
    options: &GetOptions,
) -> Result<GetResult, Failure> {
    if let Some(read) = described_read(options) {
        return get_described(store, location, path, options, &read).await;
    }
    let raw = location.as_ref();
    let info = store
        .get_file_info(path.as_str())
        .await
        .map_err(|e| map_object(e, raw))?;
    if info.modified.is_none()
        && (options.if_modified_since.is_some() || options.if_unmodified_since.is_some())
    {
        return Err(Failed(object_store::Error::NotSupported {
            source: format!("'{raw}': the store reports no modification time").into(),
        }));
    }
    let meta = object_meta(&info, location.clone());
    options.check_preconditions(&meta)?;
    let range = byte_range(options, meta.size)?;
    let attributes = attributes(&info);
    if options.head {
        let empty = GetResultPayload::Stream(futures::stream::empty().boxed());
        return Ok(compat::get_result(empty, meta, range, attributes));
    }
    let mut read = pinned_read(store, meta.e_tag.as_deref());
    let pinned = read.if_match.is_some();
    if range != (0..meta.size) {
        read = read.range(range.start, Some(range.end - range.start));
    }
    let bytes = match store.read_with(path.as_str(), &read).await {
        Ok(bytes) => bytes,
        Err(e) if pinned && e.kind() == ErrorKind::PreconditionFailed => {
            return Err(Replaced(map(e, raw)));
        }
        Err(e) => return Err(Failed(map_object(e, raw))),
    };
    let expected = range.end - range.start;
    let payload = counted(bytes, expected, raw.to_owned());
    Ok(compat::get_result(
        GetResultPayload::Stream(payload),
        meta,
        range,
        attributes,
    ))
}

/// The bytes `options` asks for of an object of `size` bytes, refused as
/// object_store refuses them (an offset past the end, an empty range).
fn byte_range(options: &GetOptions, size: u64) -> object_store::Result<std::ops::Range<u64>> {
    match &options.range {
        Some(range) => range
            .as_range(size)
            .map_err(|e| object_store::Error::Generic {
                store: STORE,
                source: Box::new(e),
            }),
        None => Ok(0..size),
    }
}

/// The read of a get that one `read_with_info` answers (the metadata
/// and the bytes it describes, from one call): no conditions and no
/// `head` (both decided on the metadata before any byte is asked for),
/// and a range that needs no size (not a suffix).
fn described_read(options: &GetOptions) -> Option<ReadOptions> {
    let conditional = options.if_match.is_some()
        || options.if_none_match.is_some()
        || options.if_modified_since.is_some()
        || options.if_unmodified_since.is_some();
    if conditional || options.head {
        return None;
    }
    match &options.range {
        None => Some(ReadOptions::new()),
        Some(GetRange::Bounded(r)) if r.start < r.end => {
            Some(ReadOptions::new().range(r.start, Some(r.end - r.start)))
        }
        Some(GetRange::Offset(offset)) => Some(ReadOptions::new().range(*offset, None)),
        // A suffix needs the size; an empty or reversed range is refused
        // on the metadata, as object_store refuses it.
        Some(_) => None,
    }
}

/// A get in one call of the store: `read_with_info` gives the metadata
/// and a stream of exactly the bytes it describes (or a stream that
/// fails, on a store that can only count them).
async fn get_described(
    store: &AsyncStore,
    location: &Path,
    path: &RemotePath,
    options: &GetOptions,
    read: &ReadOptions,
) -> Result<GetResult, Failure> {
    let raw = location.as_ref();
    let (info, bytes) = match store.read_with_info(path.as_str(), read).await {
        Ok(described) => described,
        // Replaced each time the store tried to pin its read (the caller
        // gave no condition): described again, as a pinned read is.
        Err(e) if e.kind() == ErrorKind::PreconditionFailed => {
            return Err(Replaced(map(e, raw)));
        }
        Err(e) => return Err(Failed(map_object(e, raw))),
    };
    let meta = object_meta(&info, location.clone());
    let range = byte_range(options, meta.size)?;
    let attributes = attributes(&info);
    let at = raw.to_owned();
    // Fused: a consumer may poll again after the end (object_store's own
    // streams allow it).
    let payload = bytes
        .map(move |item| item.map_err(|e| map(e, &at)))
        .fuse()
        .boxed();
    Ok(compat::get_result(
        GetResultPayload::Stream(payload),
        meta,
        range,
        attributes,
    ))
}

/// The stream, failing when it does not carry exactly `expected` bytes
/// (a file replaced between its metadata and its read, on a store that
/// cannot pin reads to a version).
fn counted(bytes: ByteStream, expected: u64, at: String) -> BoxStream<'static, Item> {
    let changed = move |at: &str, got: u64| object_store::Error::Generic {
        store: STORE,
        source: format!(
            "'{at}' changed while read: {got} bytes where its metadata said {expected}"
        )
        .into(),
    };
    futures::stream::unfold((bytes, 0u64, false), move |(mut bytes, seen, finished)| {
        let at = at.clone();
        async move {
            if finished {
                return None;
            }
            let (item, seen) = match bytes.next().await {
                Some(Ok(chunk)) => {
                    let seen = seen + chunk.len() as u64;
                    if seen > expected {
                        (Err(changed(&at, seen)), seen)
                    } else {
                        return Some((Ok(chunk), (bytes, seen, false)));
                    }
                }
                Some(Err(e)) => (Err(map(e, &at)), seen),
                None if seen != expected => (Err(changed(&at, seen)), seen),
                None => return None,
            };
            Some((item, (bytes, seen, true)))
        }
    })
    .fuse()
    .boxed()
}

type Item = object_store::Result<Bytes>;
