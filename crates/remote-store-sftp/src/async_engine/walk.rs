//! Lazy folder walks over the raw SFTP session: one directory handle open
//! at a time, one `READDIR` batch buffered.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use remote_store_core::{FileInfo, RemotePath, Result};
use russh_sftp::protocol::{FileAttributes, StatusCode};

use super::conn::{Conn, RawHandle, is_status, map};
use crate::Settings;
use crate::layout::hidden;
use crate::links::{self, Kind, Listed, Target};

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
    /// The base path with links resolved, for containment.
    base_real: String,
    conn: Arc<Conn>,
    recursive: bool,
    current: Option<Open>,
    pending: Vec<RemotePath>,
}

impl Walker {
    pub(super) fn new(
        settings: Arc<Settings>,
        base_real: String,
        conn: Arc<Conn>,
        start: Option<RemotePath>,
        recursive: bool,
    ) -> Self {
        Walker {
            settings,
            base_real,
            conn,
            recursive,
            current: None,
            pending: start.into_iter().collect(),
        }
    }

    /// The walk as a stream. An entry that cannot be listed is an error
    /// item and the walk goes on; a failure of the walk itself (a folder
    /// that cannot be read, a lost connection) ends it.
    pub(super) fn into_stream(self) -> futures::stream::BoxStream<'static, Result<Entry>> {
        Box::pin(futures::stream::unfold(Some(self), |walker| async move {
            let mut walker = walker?;
            match walker.next().await {
                Ok(Some(Step::Entry(entry))) => Some((Ok(entry), Some(walker))),
                Ok(Some(Step::Refused(e))) => Some((Err(e), Some(walker))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        }))
    }

    async fn next(&mut self) -> Result<Option<Step>> {
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
                let dir = open.dir.clone();
                return self.entry(&dir, &name, attrs).await.map(Some);
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
        match RawHandle::open_dir(self.conn.clone(), native).await {
            Ok(handle) => {
                self.current = Some(Open {
                    dir,
                    handle: handle.into_inner(),
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

    /// What a link named `name` in `dir` leads to, and the target's
    /// attributes: `STAT` and `REALPATH` sent together.
    async fn resolve(
        &self,
        dir: &RemotePath,
        name: &str,
    ) -> Result<(Target, Option<FileAttributes>)> {
        let native = format!("{}/{name}", self.settings.layout.native(dir));
        let label = format!("{dir}/{name}");
        let (target, real) = futures::join!(
            self.conn.raw.stat(native.clone()),
            self.conn.raw.realpath(native)
        );
        let target = match target {
            Ok(target) => target.attrs,
            // Dangling, or a loop of links.
            Err(e)
                if is_status(&e, StatusCode::NoSuchFile) || is_status(&e, StatusCode::Failure) =>
            {
                return Ok((Target::Missing, None));
            }
            Err(e) => return Err(map(e, &label)),
        };
        let real = real.map_err(|e| map(e, &label))?;
        let real = real
            .files
            .into_iter()
            .next()
            .map(|f| f.filename)
            .unwrap_or_default();
        if !links::inside(&self.base_real, &real) {
            return Ok((Target::Outside, None));
        }
        Ok((Target::Inside(kind_of(&target)), Some(target)))
    }

    /// One entry of `dir`: listed, or refused (an error item).
    async fn entry(&mut self, dir: &RemotePath, name: &str, attrs: FileAttributes) -> Result<Step> {
        if links::lossy(name) {
            return Ok(Step::Refused(
                remote_store_core::Error::unlisted(
                    remote_store_core::ErrorKind::InvalidPath,
                    dir,
                    name,
                    "the name is not valid UTF-8",
                )
                .with_backend(crate::NAME),
            ));
        }
        let kind = kind_of(&attrs);
        let (target, attrs) = if kind == Kind::Link && links::representable(dir, name).is_ok() {
            match self.resolve(dir, name).await {
                Ok((target, target_attrs)) => (Some(target), target_attrs.unwrap_or(attrs)),
                // The server would not resolve this link (e.g. permission
                // denied on its target): one entry, reported; the walk goes
                // on (a lost connection ends it at the next READDIR).
                Err(e) => {
                    let why = e.to_string();
                    return Ok(Step::Refused(
                        remote_store_core::Error::unlisted(e.kind(), dir, name, why)
                            .with_backend(crate::NAME),
                    ));
                }
            }
        } else {
            (None, attrs)
        };
        Ok(
            match (
                links::classify(dir, name, kind, target),
                links::representable(dir, name),
            ) {
                (Listed::Refused(e), _) | (_, Err(e)) => Step::Refused(e),
                (Listed::File, Ok(path)) => Step::Entry(Entry::File(file_info(path, &attrs))),
                (Listed::Folder { descend }, Ok(path)) => {
                    if self.recursive && descend {
                        self.pending.push(path.clone());
                    }
                    Step::Entry(Entry::Folder(path))
                }
            },
        )
    }
}

/// One step of a walk.
enum Step {
    Entry(Entry),
    Refused(remote_store_core::Error),
}

fn kind_of(attrs: &FileAttributes) -> Kind {
    let t = attrs.file_type();
    Kind::of(t.is_symlink(), t.is_dir(), t.is_file())
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
