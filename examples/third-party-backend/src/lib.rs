//! `KvBackend`: a deliberately small third-party backend over a
//! `BTreeMap`, to show what implementing [`Backend`] takes.
//!
//! It declares only read, write, delete, list and metadata, so the
//! conformance suite skips the cases that need more and checks that the
//! store refuses the rest with `CapabilityNotSupported`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    AnyBackend, Backend, BackendFactory, Capabilities, Capability, DeleteFolderOptions,
    DeleteOptions, Error, ErrorKind, FileInfo, Gated, ListOptions, OptionSpec, Options,
    ReadOptions, RemotePath, Result, UrlParts, UrlTarget, WriteOptions, WriteResult,
};

/// One stored file.
#[derive(Clone, Debug)]
struct Stored {
    data: Vec<u8>,
    modified: SystemTime,
}

/// Files in a map, keyed by path; folders are implicit.
#[derive(Clone, Default, Debug)]
pub struct KvBackend {
    files: Arc<Mutex<BTreeMap<String, Stored>>>,
    /// Set by `close`: every I/O call then fails with `Closed`.
    closed: Arc<AtomicBool>,
}

impl KvBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    fn files(&self) -> MutexGuard<'_, BTreeMap<String, Stored>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Closed` once `close` was called.
    fn open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed());
        }
        Ok(())
    }

    /// Keys below `dir` (directly, or at any depth), in order.
    fn below(&self, dir: &RemotePath, recursive: bool) -> Vec<(String, u64)> {
        let prefix = if dir.is_root() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.files()
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| recursive || !k[prefix.len()..].contains('/'))
            .map(|(k, v)| (k.clone(), v.data.len() as u64))
            .collect()
    }
}

impl Backend for KvBackend {
    fn name(&self) -> &str {
        "kv"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::Read,
            Capability::Write,
            Capability::Delete,
            Capability::List,
            Capability::Metadata,
        ])
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.open()?;
        Ok(self.files().contains_key(path.as_str()))
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.open()?;
        Ok(path.is_root() || !self.below(path, true).is_empty())
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        self.open()?;
        // No range reads declared: a range is refused, never ignored.
        options.check(self.capabilities())?;
        match self.files().get(path.as_str()) {
            Some(stored) => Ok(Box::new(Cursor::new(stored.data.clone()))),
            None => Err(Error::not_found(path)),
        }
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.open()?;
        options.check(self.capabilities())?;
        let mut data = Vec::new();
        // A failing source fails the write before anything is stored.
        src.read_to_end(&mut data).map_err(Error::from_source_io)?;
        let mut files = self.files();
        if !options.overwrite && files.contains_key(path.as_str()) {
            return Err(Error::already_exists(path));
        }
        let modified = SystemTime::now();
        let result = WriteResult::new(data.len() as u64).with_modified(modified);
        files.insert(path.to_string(), Stored { data, modified });
        Ok(result)
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(self.capabilities())?; // refuses `if_match`: not declared
        self.open()?;
        match self.files().remove(path.as_str()) {
            Some(_) => Ok(()),
            None if options.missing_ok => Ok(()),
            None => Err(Error::not_found(path)),
        }
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.open()?;
        let keys = self.below(path, true);
        if keys.is_empty() {
            return if path.is_root() || options.missing_ok {
                Ok(())
            } else {
                Err(Error::not_found(path))
            };
        }
        if !options.recursive {
            return Err(Error::new(ErrorKind::FolderNotEmpty).with_path(path));
        }
        let mut files = self.files();
        for (key, _) in keys {
            files.remove(&key);
        }
        Ok(())
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        self.open()?;
        options.check(self.capabilities())?;
        // A snapshot: fine for a toy; real backends walk lazily.
        let entries = self.below(path, options.recursive);
        Ok(Box::new(entries.into_iter().map(|(key, size)| {
            Ok(FileInfo::new(RemotePath::new(&key)?, size))
        })))
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        self.open()?;
        let prefix = if path.is_root() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut folders: Vec<String> = self
            .below(path, true)
            .into_iter()
            .filter_map(|(k, _)| {
                let rest = &k[prefix.len()..];
                rest.find('/').map(|i| format!("{prefix}{}", &rest[..i]))
            })
            .collect();
        folders.dedup();
        Ok(Box::new(folders.into_iter().map(|f| RemotePath::new(&f))))
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.open()?;
        match self.files().get(path.as_str()) {
            Some(stored) => Ok(FileInfo::new(path.clone(), stored.data.len() as u64)
                .with_modified(stored.modified)),
            None => Err(Error::not_found(path)),
        }
    }

    fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        Ok(())
    }
}

/// Builds [`KvBackend`]s by name (`type = "kv"`) and from `kv://` URLs, so
/// configuration files, `Store::open` and the `rstore` tool can use it once
/// registered with `remote_store::register_backend(KvFactory)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KvFactory;

impl BackendFactory for KvFactory {
    fn kind(&self) -> &'static str {
        "kv"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["kv"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        &[]
    }

    fn build(&self, _options: &Options) -> Result<AnyBackend> {
        Ok(AnyBackend::Sync(Arc::new(KvBackend::new())))
    }

    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        Ok(UrlTarget {
            options: Options::new(),
            root: url.path.clone(),
        })
    }
}
