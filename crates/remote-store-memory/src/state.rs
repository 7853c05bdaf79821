//! The shared in-memory state both backends operate on.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use bytes::Bytes;
use remote_store_core::{
    DeleteOptions, Error, ErrorKind, FileInfo, Gated, RemotePath, Result, WriteOptions, WriteResult,
};

#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) data: Bytes,
    modified: SystemTime,
    version: u64,
    /// What the write gave besides bytes; shared by copies.
    attributes: Arc<Attributes>,
}

/// A file's content type, cache-control and user metadata, as written.
#[derive(Debug, Default)]
struct Attributes {
    content_type: Option<String>,
    cache_control: Option<String>,
    metadata: BTreeMap<String, String>,
}

impl Attributes {
    fn of(options: &WriteOptions) -> Arc<Self> {
        Arc::new(Attributes {
            content_type: options.content_type.clone(),
            cache_control: options.cache_control.clone(),
            metadata: options.metadata.clone(),
        })
    }
}

/// Files keyed by their normalized path. Folders are implicit.
#[derive(Default)]
pub(crate) struct State {
    files: RwLock<BTreeMap<String, Entry>>,
    closed: AtomicBool,
    versions: AtomicU64,
}

/// The key range that holds everything below `dir`.
pub(crate) fn folder_prefix(dir: &RemotePath) -> String {
    if dir.is_root() {
        String::new()
    } else {
        format!("{dir}/")
    }
}

/// The first key after every key that starts with `prefix + "/"`:
/// `'0'` is the character right after `'/'`.
pub(crate) fn after_subtree(folder_key: &str) -> String {
    format!("{folder_key}0")
}

fn info(key: &str, entry: &Entry) -> Result<FileInfo> {
    let attributes = &entry.attributes;
    let mut info = FileInfo::new(RemotePath::new(key)?, entry.data.len() as u64)
        .with_modified(entry.modified)
        .with_etag(etag(entry))
        .with_metadata(attributes.metadata.clone());
    if let Some(content_type) = &attributes.content_type {
        info = info.with_content_type(content_type);
    }
    if let Some(cache_control) = &attributes.cache_control {
        info = info.with_cache_control(cache_control);
    }
    Ok(info)
}

fn etag(entry: &Entry) -> String {
    format!("v{}", entry.version)
}

fn precondition(path: &RemotePath, why: &str) -> Error {
    Error::new(ErrorKind::PreconditionFailed)
        .with_path(path)
        .with_message(why.to_owned())
}

fn check_etag(path: &RemotePath, entry: &Entry, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(expected) if etag(entry) != expected => Err(precondition(
            path,
            "the file was replaced (its etag differs)",
        )),
        _ => Ok(()),
    }
}

impl State {
    fn read(&self) -> Result<RwLockReadGuard<'_, BTreeMap<String, Entry>>> {
        self.check_open()?;
        // A poisoned lock only means another thread panicked mid-call; the
        // map itself is always left consistent (every mutation is one step).
        Ok(self.files.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, BTreeMap<String, Entry>>> {
        self.check_open()?;
        Ok(self.files.write().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed().with_backend(crate::NAME));
        }
        Ok(())
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub(crate) fn is_file(&self, path: &RemotePath) -> Result<bool> {
        Ok(self.read()?.contains_key(path.as_str()))
    }

    pub(crate) fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let files = self.read()?;
        Ok(path.is_root() || has_children(&files, path))
    }

    /// The content at `path`; with `if_match`, only while its etag is that
    /// one (`PreconditionFailed` otherwise).
    pub(crate) fn get(&self, path: &RemotePath, if_match: Option<&str>) -> Result<Bytes> {
        match self.read()?.get(path.as_str()) {
            Some(entry) => {
                check_etag(path, entry, if_match)?;
                Ok(entry.data.clone())
            }
            // The version asked for is gone with the file.
            None if if_match.is_some() => Err(precondition(path, "there is no file")),
            None => Err(Error::not_found(path)),
        }
    }

    /// The content at `path` and its metadata, under one lock: the
    /// metadata describes exactly these bytes (`if_match` as for `get`).
    pub(crate) fn get_with_info(
        &self,
        path: &RemotePath,
        if_match: Option<&str>,
    ) -> Result<(FileInfo, Bytes)> {
        match self.read()?.get(path.as_str()) {
            Some(entry) => {
                check_etag(path, entry, if_match)?;
                Ok((info(path.as_str(), entry)?, entry.data.clone()))
            }
            None if if_match.is_some() => Err(precondition(path, "there is no file")),
            None => Err(Error::not_found(path)),
        }
    }

    pub(crate) fn file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        match self.read()?.get(path.as_str()) {
            Some(entry) => info(path.as_str(), entry),
            None => Err(Error::not_found(path)),
        }
    }

    /// Stores `data` at `path`; the result carries the new entry's size,
    /// modification time and etag (as `get_file_info` will show them).
    /// With `if_match`, only over the entry with that etag (a
    /// compare-and-swap under the map's lock: exact).
    pub(crate) fn put(
        &self,
        path: &RemotePath,
        data: Bytes,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        // The stores check the options; a caller of the backend itself
        // gets the same rules on metadata here.
        options.validate()?;
        let (overwrite, if_match) = (options.overwrite, options.if_match.as_deref());
        let mut files = self.write()?;
        check_file_slot(&files, path)?;
        if let Some(expected) = if_match {
            match files.get(path.as_str()) {
                Some(entry) => check_etag(path, entry, Some(expected))?,
                None => return Err(precondition(path, "there is no file")),
            }
        }
        if !overwrite && files.contains_key(path.as_str()) {
            return Err(Error::already_exists(path));
        }
        let entry = self.entry(data, Attributes::of(options));
        let result = WriteResult::new(entry.data.len() as u64)
            .with_modified(entry.modified)
            .with_etag(etag(&entry));
        files.insert(path.to_string(), entry);
        Ok(result)
    }

    fn entry(&self, data: Bytes, attributes: Arc<Attributes>) -> Entry {
        Entry {
            data,
            attributes,
            modified: SystemTime::now(),
            version: self.versions.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub(crate) fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.validate()?;
        let mut files = self.write()?;
        if let Some(expected) = options.if_match.as_deref() {
            // Checked and removed under one lock: exact.
            match files.get(path.as_str()) {
                Some(entry) => check_etag(path, entry, Some(expected))?,
                None => return Err(precondition(path, "there is no file")),
            }
        }
        let missing_ok = options.missing_ok;
        let removed = files.remove(path.as_str());
        match removed {
            Some(_) => Ok(()),
            None if missing_ok => Ok(()),
            None => Err(Error::not_found(path)),
        }
    }

    pub(crate) fn delete_folder(
        &self,
        path: &RemotePath,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()> {
        let mut files = self.write()?;
        let prefix = folder_prefix(path);
        let keys: Vec<String> = files
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        if keys.is_empty() {
            // An empty folder does not exist in this model, except the root.
            return if path.is_root() || missing_ok {
                Ok(())
            } else {
                Err(Error::not_found(path))
            };
        }
        if !recursive {
            return Err(Error::new(ErrorKind::FolderNotEmpty).with_path(path));
        }
        for key in keys {
            files.remove(&key);
        }
        Ok(())
    }

    pub(crate) fn transfer(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        overwrite: bool,
        keep_source: bool,
    ) -> Result<()> {
        let mut files = self.write()?;
        // A copy keeps the source's content type and metadata, as object
        // stores' server-side copies do.
        let (data, attributes) = match files.get(src.as_str()) {
            Some(entry) => (entry.data.clone(), entry.attributes.clone()),
            None => return Err(Error::not_found(src)),
        };
        if src == dst {
            return if overwrite {
                Ok(())
            } else {
                Err(Error::already_exists(dst))
            };
        }
        check_file_slot(&files, dst)?;
        if !overwrite && files.contains_key(dst.as_str()) {
            return Err(Error::already_exists(dst));
        }
        let entry = self.entry(data, attributes);
        files.insert(dst.to_string(), entry);
        if !keep_source {
            files.remove(src.as_str());
        }
        Ok(())
    }

    /// Up to `limit` entries of `dir` from `start`, and where to go on.
    /// Files when `folders` is false, else direct subfolders.
    pub(crate) fn page(
        &self,
        dir: &RemotePath,
        recursive: bool,
        folders: bool,
        start: Bound<String>,
        limit: usize,
    ) -> Result<Page> {
        let files = self.read()?;
        let prefix = folder_prefix(dir);
        let mut out = Vec::new();
        let mut start = start;
        'restart: loop {
            let range = files.range::<str, _>((bound_as_str(&start), Bound::Unbounded));
            for (key, entry) in range {
                if !key.starts_with(&prefix) {
                    return Ok((out, None));
                }
                if out.len() == limit {
                    return Ok((out, Some(Bound::Included(key.clone()))));
                }
                let rest = &key[prefix.len()..];
                match (rest.find('/'), recursive && !folders) {
                    (Some(slash), false) => {
                        // A subfolder: report it once, then jump past it.
                        let folder = &key[..prefix.len() + slash];
                        if folders {
                            out.push(RemotePath::new(folder).map(Listed::Folder));
                        }
                        start = Bound::Included(after_subtree(folder));
                        continue 'restart;
                    }
                    _ if folders => {}
                    _ => out.push(info(key, entry).map(Listed::File)),
                }
            }
            return Ok((out, None));
        }
    }
}

/// A page of a listing, and where the next one starts (`None` at the end).
pub(crate) type Page = (Vec<Result<Listed>>, Option<Bound<String>>);

/// One listed entry.
pub(crate) enum Listed {
    File(FileInfo),
    Folder(RemotePath),
}

fn bound_as_str(b: &Bound<String>) -> Bound<&str> {
    match b {
        Bound::Included(s) => Bound::Included(s.as_str()),
        Bound::Excluded(s) => Bound::Excluded(s.as_str()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn has_children(files: &BTreeMap<String, Entry>, dir: &RemotePath) -> bool {
    let prefix = folder_prefix(dir);
    files
        .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
        .next()
        .is_some_and(|(k, _)| k.starts_with(&prefix))
}

/// A file may not sit below another file, nor where a folder is, so the
/// memory backend behaves like a file system to the code it stands in for.
fn check_file_slot(files: &BTreeMap<String, Entry>, path: &RemotePath) -> Result<()> {
    let mut parent = path.parent();
    while let Some(p) = parent {
        if p.is_root() {
            break;
        }
        if files.contains_key(p.as_str()) {
            return Err(Error::invalid_path(
                path,
                format!("'{p}' is a file, not a folder"),
            ));
        }
        parent = p.parent();
    }
    if has_children(files, path) {
        return Err(Error::invalid_path(path, "a folder exists at this path"));
    }
    Ok(())
}
