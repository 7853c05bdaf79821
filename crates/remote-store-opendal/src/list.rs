//! Listings: one level through OpenDAL's lister, and whole trees either
//! through the service's recursive listing or walked level by level here.
//!
//! OpenDAL's own simulated recursive listing skips a folder it may not
//! read or that vanished (with a log line only); ours yields an error item
//! for it and goes on, so no entry is dropped silently (ADR-0010).

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use opendal::{Entry, Lister, Operator};
use remote_store_core::{Error, ErrorKind, FileInfo, RemotePath, Result};

use crate::error::map;
use crate::info::file_info;

/// One raw entry below a listed folder: its OpenDAL path (a folder's ends
/// in `/`) and what the listing said of it.
pub(crate) type Entries = BoxStream<'static, Result<Entry>>;

/// The OpenDAL key of a file: its path, when OpenDAL keeps it as it is.
///
/// OpenDAL normalizes every path it is given (`normalize_path` trims
/// whitespace at both ends of the whole path): `a/b ` would be stored as
/// `a/b`, another file. Such a path is refused with `InvalidPath`, never
/// sent.
pub(crate) fn file_key(path: &RemotePath) -> Result<&str> {
    let key = path.as_str();
    if opendal::raw::normalize_path(key) == key {
        Ok(key)
    } else {
        Err(Error::invalid_path(
            path,
            "OpenDAL trims whitespace at the ends of a path: it would address another file",
        ))
    }
}

/// The OpenDAL key of a folder: `a/b/`, or `/` for the root; refused like
/// [`file_key`] when OpenDAL would change it.
pub(crate) fn dir_key(path: &RemotePath) -> Result<String> {
    if path.is_root() {
        return Ok("/".to_owned());
    }
    let key = format!("{}/", path.as_str());
    if opendal::raw::normalize_path(&key) == key {
        Ok(key)
    } else {
        Err(Error::invalid_path(
            path,
            "OpenDAL trims whitespace at the ends of a path: it would address another folder",
        ))
    }
}

/// The path of an entry's OpenDAL key, when the path rules return it
/// unchanged (else two keys could become one path) and OpenDAL can be
/// asked about it again (it trims whitespace at the ends of every path it
/// is given: `a ` is listed, but a read of it would read `a`).
pub(crate) fn path_of(key: &str, dir: &RemotePath) -> Result<RemotePath> {
    let bare = key.strip_suffix('/').unwrap_or(key);
    match RemotePath::new(bare) {
        Ok(p) if p.as_str() == bare && !reusable(&p, key.ends_with('/')) => Err(Error::unlisted(
            ErrorKind::InvalidPath,
            dir,
            key,
            "OpenDAL trims whitespace at the ends of a path: it could not be used",
        )),
        Ok(p) if p.as_str() == bare => Ok(p),
        Ok(p) => Err(Error::unlisted(
            ErrorKind::InvalidPath,
            dir,
            key,
            format!("the path rules would make it {p:?}"),
        )),
        Err(e) => Err(Error::unlisted(
            ErrorKind::InvalidPath,
            dir,
            key,
            e.message().unwrap_or("not a valid path"),
        )),
    }
}

/// Whether OpenDAL keeps `path`'s key as it is, as a folder or a file.
fn reusable(path: &RemotePath, folder: bool) -> bool {
    if folder {
        dir_key(path).is_ok()
    } else {
        file_key(path).is_ok()
    }
}

/// Whether `entry` is `dir` itself (services list the folder too).
fn is_self(entry: &Entry, dir: &str) -> bool {
    let p = entry.path();
    p == dir || p.is_empty() || p == "/"
}

/// Whether `entry` is a folder: a path ending in `/` (a prefix, a marker,
/// a collection) or a folder by its metadata.
pub(crate) fn is_folder(entry: &Entry) -> bool {
    entry.path().ends_with('/') || entry.metadata().is_dir()
}

/// Opens a lister on `dir`; a folder that is not there lists nothing.
///
/// With `verify`, `dir` is checked to be a folder first: some services
/// (WebDAV) list a file asked for as a folder as the file itself, which
/// OpenDAL then reports as a folder entry of the file's name.
async fn open(
    op: &Operator,
    dir: &str,
    recursive: bool,
    verify: bool,
    at: &RemotePath,
    name: &str,
) -> Result<Option<Lister>> {
    if verify && dir != "/" {
        match op.stat(dir).await {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Ok(None),
            Err(e) if absent(&e) => return Ok(None),
            Err(e) => return Err(map(e, at, name)),
        }
    }
    let options = opendal::options::ListOptions {
        recursive,
        ..Default::default()
    };
    match op.lister_options(dir, options).await {
        Ok(lister) => Ok(Some(lister)),
        Err(e) if absent(&e) => Ok(None),
        Err(e) => Err(map(e, at, name)),
    }
}

/// OpenDAL's answers that mean "nothing there".
pub(crate) fn absent(e: &opendal::Error) -> bool {
    matches!(
        e.kind(),
        opendal::ErrorKind::NotFound | opendal::ErrorKind::NotADirectory
    )
}

/// The entries directly below `dir` (itself left out), page by page.
pub(crate) async fn level(
    op: &Operator,
    dir: &RemotePath,
    name: &str,
    verify: bool,
) -> Result<Entries> {
    let key = dir_key(dir)?;
    let Some(lister) = open(op, &key, false, verify, dir, name).await? else {
        return Ok(stream::empty().boxed());
    };
    let (dir, name) = (dir.clone(), name.to_owned());
    Ok(lister
        .filter_map(move |item| {
            let out = match item {
                Ok(entry) if is_self(&entry, &key) => None,
                // Never dropped: an entry the service put outside the
                // folder asked for (a WebDAV href in another form) is an
                // error item, so a folder is never taken as empty for it.
                Ok(entry) if !entry.path().starts_with(key.trim_start_matches('/')) => {
                    Some(Err(Error::unlisted(
                        ErrorKind::Other,
                        &dir,
                        entry.path(),
                        "the service listed it outside the folder asked for",
                    )))
                }
                Ok(entry) => Some(Ok(entry)),
                Err(e) if e.kind() == opendal::ErrorKind::NotFound => None,
                Err(e) => Some(Err(map(e, &dir, &name))),
            };
            futures::future::ready(out)
        })
        .boxed())
}

struct Walk {
    op: Operator,
    name: String,
    /// Folders still to list.
    pending: Vec<RemotePath>,
    current: Option<(RemotePath, Entries)>,
    /// Whether the first folder still needs checking.
    verify: bool,
}

/// Every entry below `dir`, at any depth (folders too): through the
/// service's recursive listing where it has one, else level by level.
pub(crate) async fn tree(
    op: &Operator,
    dir: &RemotePath,
    name: &str,
    verify: bool,
) -> Result<Entries> {
    if op.info().capability().list_with_recursive {
        let key = dir_key(dir)?;
        let Some(lister) = open(op, &key, true, verify, dir, name).await? else {
            return Ok(stream::empty().boxed());
        };
        let (dir, name) = (dir.clone(), name.to_owned());
        return Ok(lister
            .filter_map(move |item| {
                let out = match item {
                    Ok(entry) if is_self(&entry, &key) => None,
                    Ok(entry) => Some(Ok(entry)),
                    Err(e) => Some(Err(map(e, &dir, &name))),
                };
                futures::future::ready(out)
            })
            .boxed());
    }
    let walk = Walk {
        op: op.clone(),
        name: name.to_owned(),
        pending: vec![dir.clone()],
        current: None,
        verify,
    };
    Ok(stream::unfold(walk, |mut walk| async move {
        loop {
            if let Some((dir, entries)) = walk.current.as_mut() {
                match entries.next().await {
                    Some(Ok(entry)) => {
                        if is_folder(&entry) {
                            match path_of(entry.path(), dir) {
                                Ok(sub) => walk.pending.push(sub),
                                Err(e) => return Some((Err(e), walk)),
                            }
                        }
                        return Some((Ok(entry), walk));
                    }
                    Some(Err(e)) => return Some((Err(e), walk)),
                    None => walk.current = None,
                }
            }
            let dir = walk.pending.pop()?;
            match level(&walk.op, &dir, &walk.name, walk.verify).await {
                Ok(entries) => {
                    // Folders found by listing are folders.
                    walk.verify = false;
                    walk.current = Some((dir, entries));
                }
                // A folder that cannot be listed is an error item; the
                // walk goes on with the others.
                Err(e) => return Some((Err(e), walk)),
            }
        }
    })
    .boxed())
}

/// The files of a stream of entries (folders and markers left out).
pub(crate) fn files(
    entries: Entries,
    dir: RemotePath,
    quote: bool,
) -> BoxStream<'static, Result<FileInfo>> {
    entries
        .filter_map(move |item| {
            let out = match item {
                Ok(entry) if is_folder(&entry) => None,
                Ok(entry) => {
                    Some(path_of(entry.path(), &dir).map(|p| file_info(p, entry.metadata(), quote)))
                }
                Err(e) => Some(Err(e)),
            };
            futures::future::ready(out)
        })
        .boxed()
}

/// The folders of a stream of entries.
pub(crate) fn folders(entries: Entries, dir: RemotePath) -> BoxStream<'static, Result<RemotePath>> {
    entries
        .filter_map(move |item| {
            let out = match item {
                Ok(entry) if is_folder(&entry) => Some(path_of(entry.path(), &dir)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            };
            futures::future::ready(out)
        })
        .boxed()
}
