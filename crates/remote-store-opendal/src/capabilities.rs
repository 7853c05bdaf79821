//! Our capabilities from OpenDAL's own capability struct, never more.

use remote_store_core::{Capabilities, Capability};

/// How a service keeps folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderModel {
    /// Real folders (a file system, WebDAV collections, FTP directories):
    /// they exist on their own, survive when empty, and nothing lives
    /// below a file.
    Folders,
    /// Keys with `/` in them (GCS, S3, in-memory maps): a folder is a key
    /// prefix, there while something is below it; a zero-byte key ending
    /// in `/` (a marker) counts as a folder.
    Keys,
}

impl FolderModel {
    /// The model of an OpenDAL scheme: services known to keep real folders
    /// are [`Folders`](Self::Folders), every other one
    /// [`Keys`](Self::Keys) (the safer guess: it claims no
    /// `PersistentFolders`).
    pub fn of_scheme(scheme: &str) -> Self {
        const FOLDERS: &[&str] = &[
            "fs",
            "webdav",
            "ftp",
            "sftp",
            "hdfs",
            "hdfs-native",
            "webhdfs",
            "dropbox",
            "gdrive",
            "onedrive",
            "seafile",
            "alluxio",
            "ipmfs",
            "yandex-disk",
        ];
        if FOLDERS.contains(&scheme) {
            FolderModel::Folders
        } else {
            FolderModel::Keys
        }
    }
}

/// Schemes whose write lands in one step (a `PUT`, a multipart commit, a
/// rename of a staged file): a reader never sees half a file, and a failed
/// write leaves the old one.
const ATOMIC_WRITES: &[&str] = &["s3", "gcs", "azblob", "oss", "cos", "obs", "b2", "memory"];

/// Schemes whose user metadata a write merges into the old instead of
/// replacing it.
const MERGED_METADATA: &[&str] = &["webdav"];

/// Schemes whose etags OpenDAL reports in two forms: quoted from a write's
/// `ETag` header, bare from a `PROPFIND`'s `getetag`.
pub(crate) const BARE_ETAGS: &[&str] = &["webdav"];

/// Schemes whose delete of a folder takes its contents (WebDAV's `DELETE`
/// of a collection is always `Depth: infinity`, RFC 4918 9.6.1).
pub(crate) const RECURSIVE_FOLDER_DELETE: &[&str] = &["webdav"];

/// Schemes whose etags commonly change only once a second: wsgidav's
/// and nginx's WebDAV etags are the modification time in whole seconds
/// and the size, so a same-size rewrite within that second keeps the
/// etag, and a condition on it cannot tell the versions apart. No
/// `ConditionalRead`, `ConditionalWrite` or `ConditionalDelete` there.
const WEAK_ETAGS: &[&str] = &["webdav"];

/// Schemes whose rename is one atomic step (POSIX `rename`).
const ATOMIC_RENAMES: &[&str] = &["fs"];

/// Maps what the operator says it can do (its full capability, after
/// OpenDAL's own layers) to our capabilities.
///
/// - `Read`, `RangeRead`: `read` and `stat`. Every OpenDAL reader takes a
///   byte range. `Metadata`: `stat` and `list` (it promises folder totals
///   too): plain HTTP answers `exists` and `is_file` but not
///   `get_file_info`.
/// - `Write`: `write` that can also store an empty file.
/// - `Delete`, `List` (and `RecursiveList`, `Glob`: walked by us, level by
///   level, where the service has no recursive listing).
/// - `Copy` and `ServerSideCopy`: `copy` (always done by the service).
/// - `Move`: `rename`, or `copy` and `delete` (then not atomic); and
///   `AtomicMove` only for services whose rename is atomic (`fs`).
/// - `ExclusiveWrite`: `write_with_if_not_exists`. `ConditionalWrite`,
///   `ConditionalRead`, `ConditionalDelete`: `write_with_if_match`,
///   `read_with_if_match` (with `stat` reporting etags), `delete_with_if_match`;
///   none on WebDAV, whose servers' etags commonly change only once a second.
/// - `ContentType`, `CacheControl`, `UserMetadata`: the `write_with_*` flag
///   (not `UserMetadata` on WebDAV, where a write merges it into the old).
/// - `AtomicWrite`: object stores and memory, which commit a write in one step.
/// - `PersistentFolders`: [`FolderModel::Folders`] with `create_dir`.
pub(crate) fn map(cap: &opendal::Capability, scheme: &str, folders: FolderModel) -> Capabilities {
    let mut caps = Capabilities::empty();
    let mut add = |yes: bool, c: Capability| {
        if yes {
            caps = caps.with(c);
        }
    };
    let readable = cap.read && cap.stat;
    add(readable, Capability::Read);
    add(readable, Capability::RangeRead);
    // `Metadata` promises folder totals too, which need a listing.
    add(cap.stat && cap.list, Capability::Metadata);
    let writable = cap.write && cap.write_can_empty;
    add(writable, Capability::Write);
    add(cap.delete, Capability::Delete);
    add(cap.list, Capability::List);
    add(cap.list && cap.stat, Capability::RecursiveList);
    add(cap.list && cap.stat, Capability::Glob);
    add(cap.copy, Capability::Copy);
    add(cap.copy, Capability::ServerSideCopy);
    add(cap.rename || (cap.copy && cap.delete), Capability::Move);
    add(
        cap.rename && ATOMIC_RENAMES.contains(&scheme),
        Capability::AtomicMove,
    );
    add(
        writable && cap.write_with_if_not_exists,
        Capability::ExclusiveWrite,
    );
    let strong_etags = !WEAK_ETAGS.contains(&scheme);
    add(
        strong_etags && writable && cap.write_with_if_match,
        Capability::ConditionalWrite,
    );
    add(
        strong_etags && readable && cap.read_with_if_match,
        Capability::ConditionalRead,
    );
    add(
        strong_etags && cap.delete && cap.delete_with_if_match,
        Capability::ConditionalDelete,
    );
    add(
        writable && cap.write_with_content_type,
        Capability::ContentType,
    );
    add(
        writable && cap.write_with_cache_control,
        Capability::CacheControl,
    );
    // WebDAV keeps user metadata as dead properties, which a PUT over an
    // existing file keeps (RFC 4918): a write would merge, not replace.
    add(
        writable && cap.write_with_user_metadata && !MERGED_METADATA.contains(&scheme),
        Capability::UserMetadata,
    );
    add(
        writable && ATOMIC_WRITES.contains(&scheme),
        Capability::AtomicWrite,
    );
    add(
        folders == FolderModel::Folders && cap.create_dir,
        Capability::PersistentFolders,
    );
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_declared_is_nothing_mapped() {
        let none = opendal::Capability::default();
        assert!(map(&none, "webdav", FolderModel::Folders).is_empty());
    }

    #[test]
    fn quality_flags_need_their_opendal_flags() {
        let cap = opendal::Capability {
            read: true,
            stat: true,
            write: true,
            write_can_empty: true,
            rename: true,
            create_dir: true,
            ..Default::default()
        };
        let webdav = map(&cap, "webdav", FolderModel::Folders);
        assert!(webdav.contains(Capability::Move));
        assert!(!webdav.contains(Capability::AtomicMove));
        assert!(!webdav.contains(Capability::ExclusiveWrite));
        assert!(!webdav.contains(Capability::AtomicWrite));
        assert!(webdav.contains(Capability::PersistentFolders));
        let mut conditional = cap;
        conditional.read_with_if_match = true;
        conditional.write_with_if_match = true;
        let webdav = map(&conditional, "webdav", FolderModel::Folders);
        assert!(!webdav.contains(Capability::ConditionalRead));
        assert!(!webdav.contains(Capability::ConditionalWrite));
        assert!(map(&conditional, "s3", FolderModel::Keys).contains(Capability::ConditionalRead));
        let fs = map(&cap, "fs", FolderModel::Folders);
        assert!(fs.contains(Capability::AtomicMove));
        let exclusive = opendal::Capability {
            write_with_if_not_exists: true,
            ..cap
        };
        assert!(map(&exclusive, "gcs", FolderModel::Keys).contains(Capability::ExclusiveWrite));
        assert!(!map(&exclusive, "gcs", FolderModel::Keys).contains(Capability::PersistentFolders));
    }
}
