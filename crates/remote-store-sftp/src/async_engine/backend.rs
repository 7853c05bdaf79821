//! [`AsyncSftpBackend`]: the native-async `AsyncBackend` on russh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, ByteRange, Capabilities, CopyOptions, DeleteFolderOptions, DeleteOptions, Error,
    ErrorKind, FileInfo, Gated, ListOptions, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, glob,
};
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};
use tokio::io::AsyncWriteExt;

use super::conn::{Conn, Pool, RawHandle, is_status, map, open_detached, posix_rename};
use super::walk::{Entry, Walker, file_info};
use crate::links;
use crate::status::connection_error;
use crate::{CAPABILITIES, Settings, SftpConfig};

/// A native-async SFTP backend on russh + russh-sftp.
///
/// The faster engine: 64 requests in flight each way. Needs a Tokio
/// runtime (the sync `Store` brings its own through the bridge). See the
/// [crate docs](crate) for its behaviour.
#[derive(Debug)]
pub struct AsyncSftpBackend {
    settings: Arc<Settings>,
    pool: Pool,
    closed: AtomicBool,
    /// The base path with links resolved, asked of the server once.
    base_real: tokio::sync::OnceCell<String>,
}

/// An I/O error of a file transfer: the connection is suspect.
fn transfer_error(e: std::io::Error, conn: &Conn, path: &RemotePath) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(path).with_backend(crate::NAME),
        std::io::ErrorKind::PermissionDenied => Error::new(ErrorKind::PermissionDenied)
            .with_path(path)
            .with_backend(crate::NAME)
            .with_source(e),
        _ => {
            conn.mark_broken();
            connection_error("transfer failed", e).with_path(path)
        }
    }
}

impl AsyncSftpBackend {
    /// A backend for `config`. Validates the configuration; connects on
    /// first use.
    ///
    /// # Errors
    /// `InvalidConfig`, naming the field.
    pub fn new(config: SftpConfig) -> Result<Self> {
        let settings = Arc::new(Settings::new(config)?);
        Ok(AsyncSftpBackend {
            pool: Pool::new(settings.clone()),
            settings,
            closed: AtomicBool::new(false),
            base_real: tokio::sync::OnceCell::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SftpConfig {
        &self.settings.config
    }

    fn open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::closed().with_backend(crate::NAME));
        }
        Ok(())
    }

    fn native(&self, path: &RemotePath) -> String {
        self.settings.layout.native(path)
    }

    /// The base path with links resolved.
    async fn base_real(&self) -> Result<&str> {
        let real = self
            .base_real
            .get_or_try_init(|| async {
                let native = self.native(&RemotePath::root());
                let name = self
                    .pool
                    .run("", |c| {
                        let native = native.clone();
                        async move { c.raw.realpath(native).await }
                    })
                    .await?;
                Ok::<_, Error>(real_path(name))
            })
            .await?;
        Ok(real)
    }

    /// The server's `stat` of `path` (links followed); `None` when absent.
    /// A path that resolves outside the base is refused with
    /// `PermissionDenied` (see [`links`]); the `REALPATH` that checks it
    /// is sent alongside the `STAT`, so it costs no round trip.
    async fn stat(&self, path: &RemotePath) -> Result<Option<FileAttributes>> {
        self.open()?;
        let base = match path.is_root() {
            true => None,
            false => Some(self.base_real().await?.to_owned()),
        };
        let native = self.native(path);
        let stat = self
            .pool
            .run(path.as_str(), |c| {
                let native = native.clone();
                let check = base.is_some();
                async move {
                    if !check {
                        return c.raw.stat(native).await.map(|a| (a.attrs, None));
                    }
                    let (attrs, real) =
                        futures::join!(c.raw.stat(native.clone()), c.raw.realpath(native));
                    // A missing path has no real path: its stat says so.
                    let attrs = attrs?.attrs;
                    Ok((attrs, Some(real_path(real?))))
                }
            })
            .await;
        match stat {
            Ok((_, Some(real))) if !base.as_deref().is_some_and(|b| links::inside(b, &real)) => {
                Err(links::escapes(path))
            }
            Ok((attrs, _)) => Ok(Some(attrs)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `path` itself is a symbolic link (not followed).
    async fn is_link(&self, path: &RemotePath) -> Result<bool> {
        let native = self.native(path);
        let attrs = self
            .pool
            .run(path.as_str(), |c| {
                let native = native.clone();
                async move { c.raw.lstat(native).await.map(|a| a.attrs) }
            })
            .await?;
        Ok(attrs.file_type().is_symlink())
    }

    /// Refuses a write whose folder resolves outside the base.
    async fn check_parent(&self, path: &RemotePath) -> Result<()> {
        match path.parent().filter(|p| !p.is_root()) {
            Some(parent) => self.stat(&parent).await.map(drop),
            None => Ok(()),
        }
    }

    async fn is_dir(&self, path: &RemotePath) -> Result<Option<bool>> {
        Ok(self.stat(path).await?.map(|a| a.file_type().is_dir()))
    }

    /// The attributes of the file at `path`; refuses a folder or a
    /// missing file.
    async fn file(&self, path: &RemotePath) -> Result<FileAttributes> {
        match self.stat(path).await? {
            Some(attrs) if attrs.file_type().is_dir() => {
                Err(Error::invalid_path(path, "is a folder").with_backend(crate::NAME))
            }
            Some(attrs) => Ok(attrs),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    async fn check_destination(&self, dst: &RemotePath, overwrite: bool) -> Result<()> {
        match self.is_dir(dst).await? {
            Some(true) => {
                Err(Error::invalid_path(dst, "a folder exists at this path")
                    .with_backend(crate::NAME))
            }
            Some(false) if !overwrite => Err(Error::already_exists(dst).with_backend(crate::NAME)),
            _ => Ok(()),
        }
    }

    async fn make_parents(&self, path: &RemotePath) -> Result<Vec<RemotePath>> {
        let mut created = Vec::new();
        let mut last_refusal = None;
        let Some(parent) = path.parent().filter(|p| !p.is_root()) else {
            return Ok(created);
        };
        'attempt: for _ in 0..=crate::FOLDER_RETRIES {
            if self.is_dir(&parent).await? == Some(true) {
                return Ok(created);
            }
            let mut dir = RemotePath::root();
            for part in parent.parts() {
                dir = dir.join(part)?;
                let native = self.native(&dir);
                let made = self
                    .pool
                    .run(dir.as_str(), |c| {
                        let native = native.clone();
                        async move { c.raw.mkdir(native, FileAttributes::empty()).await }
                    })
                    .await;
                let refused = match made {
                    Ok(_) if !created.contains(&dir) => {
                        created.push(dir.clone());
                        continue;
                    }
                    Ok(_) => continue,
                    Err(e) => e,
                };
                let outcome = match self.is_dir(&dir).await {
                    Ok(Some(true)) => continue,
                    // Refused, yet not there: a folder on the way went
                    // meanwhile (the refusal was "no such file", or "exists"
                    // about a folder since removed). Start again.
                    Ok(None) if refused.kind() != ErrorKind::PermissionDenied => {
                        last_refusal = Some(refused);
                        continue 'attempt;
                    }
                    Ok(Some(false)) => Err(crate::file_in_the_way(path)),
                    Ok(None) => Err(refused),
                    Err(e) => Err(e),
                };
                self.remove_created(&created).await;
                return outcome;
            }
            return Ok(created);
        }
        self.remove_created(&created).await;
        Err(last_refusal.unwrap_or_else(|| crate::folders_keep_vanishing(path)))
    }

    /// Removes the folders an operation that failed had created (deepest
    /// first), while they are empty: best effort, as the link may be gone.
    async fn remove_created(&self, created: &[RemotePath]) {
        if created.is_empty() {
            return;
        }
        if let Ok((conn, _)) = self.pool.get().await {
            remove_folders(&conn, self.natives(created)).await;
        }
    }

    fn natives(&self, dirs: &[RemotePath]) -> Vec<String> {
        dirs.iter().map(|d| self.native(d)).collect()
    }

    /// Uploads to a temporary file renamed into place; `durable` (an
    /// atomic write) also syncs the file first.
    async fn write_file(
        &self,
        path: &RemotePath,
        src: ByteStream,
        overwrite: bool,
        durable: bool,
    ) -> Result<WriteResult> {
        refuse_lossy(path)?;
        // Fail before uploading: on a folder, on an existing file without
        // `overwrite` (the commit is what is race-free), and on a path that
        // leads out of the base (posix-rename would replace a link to the
        // outside rather than follow it).
        self.check_destination(path, overwrite).await?;
        self.check_parent(path).await?;
        let temp = self.settings.layout.temp_for(path);
        let flags = OpenFlags::CREATE | OpenFlags::EXCLUDE | OpenFlags::WRITE;
        let open = || {
            self.pool.run_on(path.as_str(), |c| {
                let temp = temp.clone();
                open_detached(
                    async move { c.files.open_with_flags(temp, flags).await },
                    |file| async { drop(file) },
                )
            })
        };
        // Parents are created only when missing: one round trip saved on
        // the common case.
        let mut created = Vec::new();
        let mut attempt = 0;
        let (conn, file) = loop {
            match open().await {
                // The folder is missing (or went again, see
                // `make_parents`): create it.
                Err(e) if e.kind() == ErrorKind::NotFound && attempt <= crate::FOLDER_RETRIES => {
                    attempt += 1;
                    for dir in self.make_parents(path).await? {
                        if !created.contains(&dir) {
                            created.push(dir);
                        }
                    }
                }
                Err(e) => {
                    self.remove_created(&created).await;
                    return Err(e);
                }
                Ok(opened) => break opened,
            }
        };
        // Cancelled (the caller's future dropped) before the outcome is
        // known, the guard removes the staged file and the folders made
        // for it in a task of its own.
        let folders = self.natives(&created);
        let mut guard = RemoveOnDrop(Some((conn.clone(), temp.clone(), folders)));
        let staged = stage(file, src, durable, &conn, path).await;
        // The guard covers the upload only: a commit cancelled half-way (the
        // old file set aside) must not lose the new data with it.
        guard.0 = None;
        let committed = match staged {
            Ok(size) => self
                .commit(&conn, &temp, path, overwrite)
                .await
                .map(|()| WriteResult::new(size)),
            Err(e) => Err(e),
        };
        if committed.is_err() {
            let _ = conn.raw.remove(temp).await;
            remove_folders(&conn, self.natives(&created)).await;
        }
        committed
    }

    /// Moves `from` (a server path) to `path`: a plain SFTP rename without
    /// `overwrite` (OpenSSH refuses an existing target: race-free),
    /// `posix-rename@openssh.com` with it (atomic replace).
    async fn commit(
        &self,
        conn: &Conn,
        from: &str,
        path: &RemotePath,
        overwrite: bool,
    ) -> Result<()> {
        let target = self.native(path);
        if overwrite && self.settings.posix_rename.worth_trying() {
            match posix_rename(conn, from, &target).await {
                Ok(()) => return Ok(()),
                Err(e) if is_status(&e, StatusCode::OpUnsupported) => {
                    self.settings.posix_rename.refused();
                }
                Err(e) if is_status(&e, StatusCode::Failure) => {
                    return match self.is_dir(path).await? {
                        Some(true) => {
                            Err(Error::invalid_path(path, "a folder exists at this path")
                                .with_backend(crate::NAME))
                        }
                        _ => Err(map(e, path.as_str())),
                    };
                }
                Err(e) => {
                    conn.check(&e);
                    return Err(map(e, path.as_str()));
                }
            }
        }
        let mut retries = 0;
        loop {
            let refused = match conn.raw.rename(from, target.clone()).await {
                Ok(_) => return Ok(()),
                Err(e) if is_status(&e, StatusCode::Failure) => e,
                Err(e) => {
                    conn.check(&e);
                    return Err(map(e, path.as_str()));
                }
            };
            return match self.is_dir(path).await? {
                Some(true) => Err(Error::invalid_path(path, "a folder exists at this path")
                    .with_backend(crate::NAME)),
                Some(false) if overwrite => self.replace_aside(conn, from, &target, path).await,
                Some(false) => Err(Error::already_exists(path).with_backend(crate::NAME)),
                // Refused for a file that was deleted before we looked:
                // the name is free now, so try again.
                None if retries < crate::COMMIT_RETRIES => {
                    retries += 1;
                    continue;
                }
                None => Err(map(refused, path.as_str())),
            };
        }
    }

    /// Replaces the file at `target` without `posix-rename` (as the ssh2
    /// engine does): the old file waits under a hidden temp name while the
    /// new one moves in, and is put back if that fails. Readers never see
    /// partial content, but may briefly see no file.
    async fn replace_aside(
        &self,
        conn: &Conn,
        from: &str,
        target: &str,
        path: &RemotePath,
    ) -> Result<()> {
        let backup = self.settings.layout.temp_for(path);
        match conn.raw.rename(target, backup.clone()).await {
            Ok(_) => {}
            // Removed meanwhile: nothing to set aside.
            Err(e) if is_status(&e, StatusCode::NoSuchFile) => {}
            Err(e) => {
                conn.check(&e);
                return Err(map(e, path.as_str()));
            }
        }
        if let Err(e) = conn.raw.rename(from, target).await {
            conn.check(&e);
            let _ = conn.raw.rename(backup, target).await;
            return Err(map(e, path.as_str()));
        }
        let _ = conn.raw.remove(backup).await;
        Ok(())
    }

    async fn walker(&self, dir: &RemotePath, recursive: bool) -> Result<Walker> {
        let listable = self.is_dir(dir).await? == Some(true);
        let base_real = self.base_real().await?.to_owned();
        let (conn, _) = self.pool.get().await?;
        Ok(Walker::new(
            self.settings.clone(),
            base_real,
            conn,
            listable.then(|| dir.clone()),
            recursive,
        ))
    }

    /// Removes everything below `dir` (links removed, not followed;
    /// entries of any name, listable or not), then `dir` unless it is the
    /// root. Reads one folder at a time, by the names the server gives.
    async fn remove_tree(&self, dir: &RemotePath) -> Result<()> {
        // (server path, store path for errors, visited)
        let mut stack = vec![(self.native(dir), dir.to_string(), false)];
        while let Some((native, label, visited)) = stack.pop() {
            if visited {
                if label != dir.as_str() || !dir.is_root() {
                    self.pool
                        .run(&label, |c| {
                            let native = native.clone();
                            async move { c.raw.rmdir(native).await }
                        })
                        .await?;
                }
                continue;
            }
            stack.push((native.clone(), label.clone(), true));
            let (conn, handle) = self
                .pool
                .run_on(&label, |c| {
                    let native = native.clone();
                    RawHandle::open_dir(c, native)
                })
                .await?;
            let mut entries = Vec::new();
            loop {
                match conn.raw.readdir(handle.as_str()).await {
                    Ok(name) => entries.extend(name.files),
                    Err(e) if is_status(&e, StatusCode::Eof) => break,
                    Err(e) => {
                        conn.check(&e);
                        return Err(map(e, &label));
                    }
                }
            }
            handle.close().await;
            for entry in entries {
                if entry.filename == "." || entry.filename == ".." {
                    continue;
                }
                if entry.filename.contains(char::REPLACEMENT_CHARACTER) {
                    let why = "the name is not valid UTF-8, which this engine (russh) cannot \
                               address; remove it with the ssh2 engine or on the server";
                    return Err(Error::unlisted(
                        ErrorKind::InvalidPath,
                        &label,
                        &entry.filename,
                        why,
                    )
                    .with_backend(crate::NAME));
                }
                let child = format!("{}/{}", native.trim_end_matches('/'), entry.filename);
                let child_label = match label.as_str() {
                    "" => entry.filename.clone(),
                    label => format!("{label}/{}", entry.filename),
                };
                // READDIR reports links as links (lstat): never descended.
                if entry.attrs.file_type().is_dir() {
                    stack.push((child, child_label, false));
                } else {
                    self.pool
                        .run(&child_label, |c| {
                            let child = child.clone();
                            async move { c.raw.remove(child).await }
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// Removes a staged temp file whose write was cancelled.
struct RemoveOnDrop(Option<(Arc<Conn>, String, Vec<String>)>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let (Some((conn, temp, folders)), Ok(runtime)) =
            (self.0.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(async move {
                let _ = conn.raw.remove(temp).await;
                remove_folders(&conn, folders).await;
            });
        }
    }
}

/// Removes `folders` (server paths, outermost first) deepest first, while
/// each is empty; stops at the first that stays (another writer's file is
/// in it, or the link is gone).
async fn remove_folders(conn: &Conn, folders: Vec<String>) {
    for dir in folders.into_iter().rev() {
        if conn.raw.rmdir(dir).await.is_err() {
            break;
        }
    }
}

/// The path of a `REALPATH` answer.
fn real_path(name: russh_sftp::protocol::Name) -> String {
    name.files
        .into_iter()
        .next()
        .map(|f| f.filename)
        .unwrap_or_default()
}

/// Streams `src` into the staged `file`, flushing it to disk when
/// `durable`, and closes it.
async fn stage(
    file: russh_sftp::client::fs::File,
    mut src: ByteStream,
    durable: bool,
    conn: &Conn,
    path: &RemotePath,
) -> Result<u64> {
    // `File` sends one WRITE per `poll_write`: gather the source's chunks
    // into requests of OpenSSH's size. (`BufWriter::shutdown` writes the
    // rest without `flush`, which for `File` would also mean fsync.)
    let mut file = tokio::io::BufWriter::with_capacity(super::conn::WRITE_LEN, file);
    let mut size = 0;
    while let Some(chunk) = src.next().await {
        let chunk = chunk?;
        file.write_all(&chunk)
            .await
            .map_err(|e| transfer_error(e, conn, path))?;
        size += chunk.len() as u64;
    }
    if durable {
        // Drains the writes in flight, then fsync@openssh.com.
        file.flush()
            .await
            .map_err(|e| transfer_error(e, conn, path))?;
    }
    file.shutdown()
        .await
        .map(|()| size)
        .map_err(|e| transfer_error(e, conn, path))
}

/// This engine cannot list a name holding U+FFFD back (see
/// [`links::lossy`]), so it does not create one.
fn refuse_lossy(path: &RemotePath) -> Result<()> {
    if path.parts().any(links::lossy) {
        return Err(Error::invalid_path(
            path,
            "the russh engine cannot list a name holding U+FFFD back (it reads names \
             lossily); use the ssh2 engine for such names",
        )
        .with_backend(crate::NAME));
    }
    Ok(())
}

#[async_trait]
impl AsyncBackend for AsyncSftpBackend {
    fn name(&self) -> &str {
        crate::NAME
    }

    /// `AtomicMove` only once a connection has confirmed that the server
    /// performs `posix-rename@openssh.com`.
    fn capabilities(&self) -> Capabilities {
        match self.settings.posix_rename.known() {
            Some(true) => CAPABILITIES,
            _ => CAPABILITIES.without(remote_store_core::Capability::AtomicMove),
        }
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        let stat = links::absent_if_escaping(self.stat(path).await)?;
        Ok(stat.is_some_and(|a| !a.file_type().is_dir()))
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let stat = links::absent_if_escaping(self.stat(path).await)?;
        Ok(stat.is_some_and(|a| a.file_type().is_dir()))
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        // Conditions are not declared: refused, never ignored.
        options.check(self.capabilities())?;
        let ByteRange { offset, len } = options.range.unwrap_or(ByteRange {
            offset: 0,
            len: None,
        });
        let native = self.native(path);
        let open = || {
            self.pool
                .run_on(path.as_str(), |c| RawHandle::open_file(c, native.clone()))
        };
        let Some(len) = len else {
            // To the end of the file: its stat and the open travel
            // together, one round trip where there were two (a folder the
            // server let us open is closed again, unread). The stat's
            // answer wins: it names a folder or a missing file correctly,
            // and its size bounds the READs.
            let (attrs, opened) = tokio::join!(self.file(path), open());
            let size = attrs?.size;
            let (conn, handle) = opened?;
            if offset > 0 && size.is_some_and(|size| offset >= size) {
                // Past the end reads nothing, however far (servers refuse
                // offsets past `i64::MAX`).
                return Ok(futures::stream::empty().boxed());
            }
            let size = size.unwrap_or(offset);
            return Ok(super::ranged::to_end(
                conn,
                handle,
                offset,
                size,
                path.clone(),
            ));
        };
        let size = self.file(path).await?.size;
        if offset > 0 && size.is_some_and(|size| offset >= size) {
            return Ok(futures::stream::empty().boxed());
        }
        // Only the range's bytes, not russh-sftp's read-ahead.
        let (conn, handle) = open().await?;
        Ok(super::ranged::ranged(
            conn,
            handle,
            offset,
            len,
            path.clone(),
        ))
    }

    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        options.check(self.capabilities())?;
        self.write_file(path, src, options.overwrite, options.atomic)
            .await
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(self.capabilities())?;
        let missing_ok = options.missing_ok;
        match self.is_dir(path).await? {
            Some(true) => Err(Error::invalid_path(path, "is a folder; use delete_folder")
                .with_backend(crate::NAME)),
            Some(false) => {
                let native = self.native(path);
                let removed = self
                    .pool
                    .run(path.as_str(), |c| {
                        let native = native.clone();
                        async move { c.raw.remove(native).await }
                    })
                    .await;
                match removed {
                    Err(e) if e.kind() == ErrorKind::NotFound && missing_ok => Ok(()),
                    other => other.map(drop),
                }
            }
            None if missing_ok => Ok(()),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let (recursive, missing_ok) = (options.recursive, options.missing_ok);
        match self.is_dir(path).await? {
            Some(true) => {}
            Some(false) => {
                return Err(
                    Error::invalid_path(path, "is a file; use delete").with_backend(crate::NAME)
                );
            }
            None if missing_ok => return Ok(()),
            None => return Err(Error::not_found(path).with_backend(crate::NAME)),
        }
        if !path.is_root() && self.is_link(path).await? {
            // A link to a folder inside the base: remove the link only.
            let native = self.native(path);
            return self
                .pool
                .run(path.as_str(), |c| {
                    let native = native.clone();
                    async move { c.raw.remove(native).await }
                })
                .await
                .map(drop);
        }
        if recursive {
            return self.remove_tree(path).await;
        }
        let not_empty = || {
            Error::new(ErrorKind::FolderNotEmpty)
                .with_path(path)
                .with_backend(crate::NAME)
        };
        if path.is_root() {
            let mut entries = self.walker(path, false).await?.into_stream();
            return match entries.next().await {
                Some(_) => Err(not_empty()),
                None => Ok(()),
            };
        }
        let native = self.native(path);
        let removed = self
            .pool
            .run(path.as_str(), |c| {
                let native = native.clone();
                async move { c.raw.rmdir(native).await }
            })
            .await;
        match removed {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound && missing_ok => Ok(()),
            // OpenSSH answers a plain failure for a folder with entries.
            Err(e) if e.kind() == ErrorKind::Other && self.is_folder(path).await? => {
                Err(not_empty().with_source(e))
            }
            Err(e) => Err(e),
        }
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        let walk = self.walker(path, options.recursive).await?.into_stream();
        Ok(Box::pin(walk.try_filter_map(|entry| async move {
            Ok(match entry {
                Entry::File(info) => Some(info),
                Entry::Folder(_) => None,
            })
        })))
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        let walk = self.walker(path, false).await?.into_stream();
        Ok(Box::pin(walk.try_filter_map(|entry| async move {
            Ok(match entry {
                Entry::Folder(path) => Some(path),
                Entry::File(_) => None,
            })
        })))
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        match self.stat(path).await? {
            Some(attrs) if attrs.file_type().is_dir() => Err(Error::not_found(path)
                .with_backend(crate::NAME)
                .with_message("is a folder")),
            Some(attrs) => Ok(file_info(path.clone(), &attrs)),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        let overwrite = options.overwrite;
        refuse_lossy(dst)?;
        self.file(src).await?;
        self.check_destination(dst, overwrite).await?;
        let mut attempt = 0;
        loop {
            let created = self.make_parents(dst).await?;
            let (conn, _) = self.pool.get().await?;
            let moved = self.commit(&conn, &self.native(src), dst, overwrite).await;
            let Err(e) = moved else {
                return Ok(());
            };
            remove_folders(&conn, self.natives(&created)).await;
            // The folder went between (see `make_parents`), not the source:
            // again.
            let vanished = e.kind() == ErrorKind::NotFound
                && attempt < crate::FOLDER_RETRIES
                && self.file(src).await.is_ok();
            if !vanished {
                return Err(e);
            }
            attempt += 1;
        }
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.check_destination(dst, options.overwrite).await?;
        let source = self.read(src, &ReadOptions::new()).await?;
        self.write_file(dst, source, options.overwrite, false)
            .await
            .map(drop)
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.open()?;
        glob::glob_files_async(self, pattern).await
    }

    async fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        self.pool.close().await;
        Ok(())
    }

    fn storage_id(&self) -> Option<String> {
        Some(self.settings.storage_id())
    }

    fn native_path(&self, path: &RemotePath) -> String {
        self.native(path)
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        self.settings.layout.to_key(native)
    }
}
