//! Lazy folder walks over the raw SFTP session: one directory handle open
//! at a time, one `READDIR` batch buffered.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use remote_store_core::{FileInfo, RemotePath, Result};
use russh_sftp::protocol::{FileAttributes, StatusCode};

use super::conn::{Conn, is_status, map};
use crate::Settings;
use crate::layout::hidden;

/// What a walk yields.
pub(super) enum Entry {
    File(FileInfo),
    Folder(RemotePath),
}

pub(super) fn file_info(path: RemotePath, attrs: &FileAttributes) -> FileInfo {
    let mut info = FileInfo::new(path, attrs.size.unwrap_or(0));
    if let Some(mtime) = attrs.mtime {
        info = info.with_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime.into()));
    }
    info
}

struct Open {
    dir: RemotePath,
    handle: String,
    batch: VecDeque<(String, FileAttributes)>,
}

pub(super) struct Walker {
    settings: Arc<Settings>,
    conn: Arc<Conn>,
    recursive: bool,
    current: Option<Open>,
    pending: Vec<RemotePath>,
}

impl Walker {
    pub(super) fn new(
        settings: Arc<Settings>,
        conn: Arc<Conn>,
        start: Option<RemotePath>,
        recursive: bool,
    ) -> Self {
        Walker {
            settings,
            conn,
            recursive,
            current: None,
            pending: start.into_iter().collect(),
        }
    }

    /// The walk as a stream; it ends after the first error.
    pub(super) fn into_stream(self) -> futures::stream::BoxStream<'static, Result<Entry>> {
        Box::pin(futures::stream::try_unfold(self, |mut walker| async move {
            Ok(walker.next().await?.map(|entry| (entry, walker)))
        }))
    }

    async fn next(&mut self) -> Result<Option<Entry>> {
        loop {
            let Some(open) = self.current.as_mut() else {
                let Some(dir) = self.pending.pop() else {
                    return Ok(None);
                };
                self.open(dir).await?;
                continue;
            };
            if let Some((name, attrs)) = open.batch.pop_front() {
                if hidden(&name) {
                    continue;
                }
                let Ok(path) = open.dir.join(&name) else {
                    continue;
                };
                match self.classify(&path, attrs).await? {
                    Some((true, _)) => {
                        if self.recursive {
                            self.pending.push(path.clone());
                        }
                        return Ok(Some(Entry::Folder(path)));
                    }
                    Some((false, attrs)) => return Ok(Some(Entry::File(file_info(path, &attrs)))),
                    None => continue,
                }
            }
            match self.conn.raw.readdir(open.handle.as_str()).await {
                Ok(name) => open
                    .batch
                    .extend(name.files.into_iter().map(|f| (f.filename, f.attrs))),
                Err(e) if is_status(&e, StatusCode::Eof) => {
                    let done = self.current.take().map(|o| o.handle);
                    if let Some(handle) = done {
                        let _ = self.conn.raw.close(handle).await;
                    }
                }
                Err(e) => {
                    self.conn.check(&e);
                    let dir = open.dir.clone();
                    self.current = None;
                    self.pending.clear();
                    return Err(map(e, dir.as_str()));
                }
            }
        }
    }

    async fn open(&mut self, dir: RemotePath) -> Result<()> {
        let native = self.settings.layout.native(&dir);
        match self.conn.raw.opendir(native).await {
            Ok(handle) => {
                self.current = Some(Open {
                    dir,
                    handle: handle.handle,
                    batch: VecDeque::new(),
                });
                Ok(())
            }
            // Removed since it was listed: nothing in it.
            Err(e) if is_status(&e, StatusCode::NoSuchFile) => Ok(()),
            Err(e) => {
                self.conn.check(&e);
                Err(map(e, dir.as_str()))
            }
        }
    }

    /// Whether an entry is a folder, following symlinks; `None` for
    /// dangling links and special files.
    async fn classify(
        &self,
        path: &RemotePath,
        attrs: FileAttributes,
    ) -> Result<Option<(bool, FileAttributes)>> {
        let kind = attrs.file_type();
        if kind.is_symlink() {
            let native = self.settings.layout.native(path);
            return match self.conn.raw.stat(native).await {
                Ok(target) => Ok(Some((target.attrs.file_type().is_dir(), target.attrs))),
                Err(e) if is_status(&e, StatusCode::NoSuchFile) => Ok(None),
                Err(e) => Err(map(e, path.as_str())),
            };
        }
        if kind.is_dir() || kind.is_file() {
            return Ok(Some((kind.is_dir(), attrs)));
        }
        Ok(None)
    }
}

impl Drop for Walker {
    fn drop(&mut self) {
        // An abandoned walk still holds a directory handle; close it in the
        // background (the server frees it with the session otherwise).
        if let Some(open) = self.current.take() {
            let conn = self.conn.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = conn.raw.close(open.handle).await;
                });
            }
        }
    }
}
