//! [`SftpBackend`]: the sync `Backend` on libssh2.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    Backend, ByteRange, Capabilities, Capability, CopyOptions, DeleteFolderOptions, DeleteOptions,
    Error, ErrorKind, FileInfo, Gated, ListOptions, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, glob,
};
use ssh2::{ErrorCode, FileStat, OpenFlags, OpenType};

use super::conn::{Conn, Pool, map};
use super::io::{Entry, FileReader, READ_BUFFER, Walker, copy_into, file_info, io_error};
use crate::links;
use crate::status::{FAILURE, NO_SUCH_FILE};
use crate::{CAPABILITIES, Settings, SftpConfig};

/// A sync SFTP backend on libssh2 (the `ssh2` crate).
///
/// See the [crate docs](crate) for its behaviour and when to prefer
/// [`AsyncSftpBackend`](crate::AsyncSftpBackend).
#[derive(Debug)]
pub struct SftpBackend {
    settings: Arc<Settings>,
    pool: Pool,
    closed: AtomicBool,
    /// The base path with links resolved, asked of the server once.
    base_real: OnceLock<String>,
}

/// libssh2 cannot send `posix-rename@openssh.com`, so replacing a file is
/// not one atomic step on this engine.
const SSH2_CAPABILITIES: Capabilities = CAPABILITIES.without(Capability::AtomicMove);

fn is_status(e: &ssh2::Error, code: u32) -> bool {
    matches!(e.code(), ErrorCode::SFTP(c) if c >= 0 && c as u32 == code)
}

fn mode(stat: &FileStat) -> u32 {
    stat.perm.unwrap_or(0) & 0o170000
}

fn is_dir(stat: &FileStat) -> bool {
    mode(stat) == 0o040000
}

impl SftpBackend {
    /// A backend for `config`. Validates the configuration; connects on
    /// first use.
    ///
    /// # Errors
    /// `InvalidConfig`, naming the field.
    pub fn new(config: SftpConfig) -> Result<Self> {
        let settings = Arc::new(Settings::new(config)?);
        Ok(SftpBackend {
            pool: Pool::new(settings.clone()),
            settings,
            closed: AtomicBool::new(false),
            base_real: OnceLock::new(),
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
    fn base_real(&self) -> Result<&str> {
        if let Some(real) = self.base_real.get() {
            return Ok(real);
        }
        let native = self.native(&RemotePath::root());
        let real = self
            .pool
            .run("", |sftp| sftp.realpath(Path::new(&native)))?;
        let real = real.to_string_lossy().into_owned();
        Ok(self.base_real.get_or_init(|| real))
    }

    /// The server's `stat` of `path` (links followed); `None` when absent.
    /// A path that resolves outside the base is refused with
    /// `PermissionDenied` (see [`links`]).
    fn stat(&self, path: &RemotePath) -> Result<Option<FileStat>> {
        self.open()?;
        let native = self.native(path);
        let stat = match self
            .pool
            .run(path.as_str(), |sftp| sftp.stat(Path::new(&native)))
        {
            Ok(stat) => stat,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !path.is_root() {
            let base = self.base_real()?.to_owned();
            let real = match self
                .pool
                .run(path.as_str(), |sftp| sftp.realpath(Path::new(&native)))
            {
                Ok(real) => real,
                // Removed between the two calls: absent now.
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            if !links::inside(&base, &real.to_string_lossy()) {
                return Err(links::escapes(path));
            }
        }
        Ok(Some(stat))
    }

    /// Whether `path` itself is a symbolic link (not followed).
    fn is_link(&self, path: &RemotePath) -> Result<bool> {
        let native = self.native(path);
        let stat = self
            .pool
            .run(path.as_str(), |sftp| sftp.lstat(Path::new(&native)))?;
        Ok(stat.file_type().is_symlink())
    }

    /// Refuses a write whose folder resolves outside the base.
    fn check_parent(&self, path: &RemotePath) -> Result<()> {
        match path.parent().filter(|p| !p.is_root()) {
            Some(parent) => self.stat(&parent).map(drop),
            None => Ok(()),
        }
    }

    /// An existing file's stat, or the right error.
    fn file(&self, path: &RemotePath) -> Result<FileStat> {
        match self.stat(path)? {
            Some(stat) if is_dir(&stat) => {
                Err(Error::invalid_path(path, "is a folder").with_backend(crate::NAME))
            }
            Some(stat) => Ok(stat),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    /// Refuses a destination that is a folder, or exists while `overwrite`
    /// is false (a fast path; the commit is what is race-free).
    fn check_destination(&self, dst: &RemotePath, overwrite: bool) -> Result<()> {
        match self.stat(dst)? {
            Some(stat) if is_dir(&stat) => {
                Err(Error::invalid_path(dst, "a folder exists at this path")
                    .with_backend(crate::NAME))
            }
            Some(_) if !overwrite => Err(Error::already_exists(dst).with_backend(crate::NAME)),
            _ => Ok(()),
        }
    }

    /// Creates the missing folders above `path`; returns those it created
    /// (outermost first), for an operation that fails to remove again
    /// ([`remove_created`](Self::remove_created)). A folder that vanishes
    /// meanwhile (a failed write removing what it had made) is created
    /// again.
    fn make_parents(&self, path: &RemotePath) -> Result<Vec<RemotePath>> {
        let mut created = Vec::new();
        let mut last_refusal = None;
        let Some(parent) = path.parent().filter(|p| !p.is_root()) else {
            return Ok(created);
        };
        'attempt: for _ in 0..=crate::FOLDER_RETRIES {
            if self.stat(&parent)?.is_some_and(|s| is_dir(&s)) {
                return Ok(created);
            }
            let mut dir = RemotePath::root();
            for part in parent.parts() {
                dir = dir.join(part)?;
                let native = self.native(&dir);
                let refused = match self
                    .pool
                    .run(dir.as_str(), |sftp| sftp.mkdir(Path::new(&native), 0o755))
                {
                    Ok(()) => {
                        if !created.contains(&dir) {
                            created.push(dir.clone());
                        }
                        continue;
                    }
                    Err(e) => e,
                };
                let outcome = match self.stat(&dir) {
                    Ok(Some(stat)) if is_dir(&stat) => continue,
                    // Refused, yet not there: a folder on the way went
                    // meanwhile (the refusal was "no such file", or "exists"
                    // about a folder since removed). Start again.
                    Ok(None) if refused.kind() != ErrorKind::PermissionDenied => {
                        last_refusal = Some(refused);
                        continue 'attempt;
                    }
                    Ok(Some(_)) => Err(crate::file_in_the_way(path)),
                    Ok(None) => Err(refused),
                    Err(e) => Err(e),
                };
                self.remove_created(&created);
                return outcome;
            }
            return Ok(created);
        }
        self.remove_created(&created);
        Err(last_refusal.unwrap_or_else(|| crate::folders_keep_vanishing(path)))
    }

    /// Removes the folders an operation that failed had created (deepest
    /// first), while each is empty; stops at the first that stays
    /// (another writer's file is in it, or the link is gone).
    fn remove_created(&self, created: &[RemotePath]) {
        for dir in created.iter().rev() {
            let native = self.native(dir);
            let removed = self
                .pool
                .run(dir.as_str(), |sftp| sftp.rmdir(Path::new(&native)));
            if removed.is_err() {
                break;
            }
        }
    }

    /// Uploads to a temporary file renamed into place; `durable` (an
    /// atomic write) also syncs the file first.
    fn write_file(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        overwrite: bool,
        durable: bool,
    ) -> Result<WriteResult> {
        if !overwrite {
            // Fail before uploading; the commit is what is race-free. With
            // overwrite the commit alone finds a folder in the way.
            self.check_destination(path, false)?;
        }
        self.check_parent(path)?;
        let temp = self.settings.layout.temp_for(path);
        let flags = OpenFlags::WRITE | OpenFlags::EXCLUSIVE;
        let open = || {
            self.pool.run_on(path.as_str(), |sftp| {
                sftp.open_mode(Path::new(&temp), flags, 0o644, OpenType::File)
            })
        };
        // Parents are created only when missing: one round trip saved on
        // the common case.
        let mut created = Vec::new();
        let mut attempt = 0;
        let (conn, mut file) = loop {
            match open() {
                // The folder is missing (or went again, see
                // `make_parents`): create it.
                Err(e) if e.kind() == ErrorKind::NotFound && attempt <= crate::FOLDER_RETRIES => {
                    attempt += 1;
                    for dir in self.make_parents(path)? {
                        if !created.contains(&dir) {
                            created.push(dir);
                        }
                    }
                }
                Err(e) => {
                    self.remove_created(&created);
                    return Err(e);
                }
                Ok(opened) => break opened,
            }
        };
        let staged = copy_into(src, &mut file, &conn, path.as_str())
            .and_then(|size| match durable {
                true => file.fsync().map(|()| size).map_err(|e| {
                    conn.check(&e);
                    map(e, path.as_str())
                }),
                false => Ok(size),
            })
            .and_then(|size| {
                file.close().map(|()| size).map_err(|e| {
                    conn.check(&e);
                    map(e, path.as_str())
                })
            });
        drop(file);
        let committed = staged.and_then(|size| {
            self.commit(&conn, &temp, path, overwrite)
                .map(|()| WriteResult::new(size))
        });
        if committed.is_err() {
            // Never leave the staged data behind (best effort: the link may
            // be gone; listings hide temp files either way), nor the
            // folders made for it.
            let _ = conn.sftp.unlink(Path::new(&temp));
            self.remove_created(&created);
        }
        committed
    }

    /// Moves `from` (a server path) to `path`. Without `overwrite` this is
    /// one SFTP rename, which OpenSSH refuses when the target exists (it
    /// links, then unlinks): race-free. With `overwrite`, a target in the
    /// way is moved aside first and removed after.
    fn commit(&self, conn: &Conn, from: &str, path: &RemotePath, overwrite: bool) -> Result<()> {
        let target = self.native(path);
        let (from_p, target_p) = (Path::new(from), Path::new(&target));
        let mut retries = 0;
        loop {
            let refused = match conn.sftp.rename(from_p, target_p, None) {
                Ok(()) => return Ok(()),
                Err(e) if is_status(&e, FAILURE) => e,
                Err(e) => {
                    conn.check(&e);
                    return Err(map(e, path.as_str()));
                }
            };
            match self.stat(path)? {
                Some(stat) if is_dir(&stat) => {
                    return Err(Error::invalid_path(path, "a folder exists at this path")
                        .with_backend(crate::NAME));
                }
                Some(_) if !overwrite => {
                    return Err(Error::already_exists(path).with_backend(crate::NAME));
                }
                Some(_) => break,
                // Refused for a file that was deleted before we looked:
                // the name is free now, so try again.
                None if retries < crate::COMMIT_RETRIES => retries += 1,
                None => return Err(map(refused, path.as_str())),
            }
        }
        // The old file waits under a hidden temp name while the new one moves in.
        let backup = self.settings.layout.temp_for(path);
        let backup_p = Path::new(&backup);
        match conn.sftp.rename(target_p, backup_p, None) {
            Ok(()) => {}
            // Removed meanwhile: nothing to set aside.
            Err(e) if is_status(&e, NO_SUCH_FILE) => {}
            Err(e) => {
                conn.check(&e);
                return Err(map(e, path.as_str()));
            }
        }
        if let Err(e) = conn.sftp.rename(from_p, target_p, None) {
            conn.check(&e);
            let _ = conn.sftp.rename(backup_p, target_p, None);
            return Err(map(e, path.as_str()));
        }
        let _ = conn.sftp.unlink(backup_p);
        Ok(())
    }

    fn walker(&self, dir: &RemotePath, recursive: bool) -> Result<Walker> {
        let listable = self.stat(dir)?.is_some_and(|s| is_dir(&s));
        let base_real = self.base_real()?.to_owned();
        let (conn, _) = self.pool.get()?;
        Ok(Walker {
            settings: self.settings.clone(),
            base_real,
            conn,
            recursive,
            current: None,
            pending: if listable { vec![dir.clone()] } else { vec![] },
        })
    }

    /// Removes everything below `dir` (links are removed, not followed;
    /// entries of any name, listable or not), then `dir` itself unless it
    /// is the root.
    fn remove_tree(&self, dir: &RemotePath) -> Result<()> {
        self.remove_native_tree(Path::new(&self.native(dir)), dir.as_str())?;
        if !dir.is_root() {
            let native = self.native(dir);
            self.pool
                .run(dir.as_str(), |sftp| sftp.rmdir(Path::new(&native)))?;
        }
        Ok(())
    }

    /// Removes what is inside the server folder `native`, by the names the
    /// server gives (`label`, its store path, names it in errors).
    fn remove_native_tree(&self, native: &Path, label: &str) -> Result<()> {
        let entries = self.pool.run(label, |sftp| sftp.readdir(native))?;
        for (child, stat) in entries {
            if child.file_name().is_none_or(|n| n == "." || n == "..") {
                continue;
            }
            let name = child.file_name().unwrap_or_default().to_string_lossy();
            let child_label = match label {
                "" => name.into_owned(),
                label => format!("{label}/{name}"),
            };
            // READDIR reports links as links (lstat): never descended.
            if stat.file_type().is_dir() {
                self.remove_native_tree(&child, &child_label)?;
                self.pool.run(&child_label, |sftp| sftp.rmdir(&child))?;
            } else {
                self.pool.run(&child_label, |sftp| sftp.unlink(&child))?;
            }
        }
        Ok(())
    }
}

impl Backend for SftpBackend {
    fn name(&self) -> &str {
        crate::NAME
    }

    fn capabilities(&self) -> Capabilities {
        SSH2_CAPABILITIES
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        let stat = links::absent_if_escaping(self.stat(path))?;
        Ok(stat.is_some_and(|s| !is_dir(&s)))
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let stat = links::absent_if_escaping(self.stat(path))?;
        Ok(stat.is_some_and(|s| is_dir(&s)))
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        // Conditions are not declared: refused, never ignored.
        options.check(self.capabilities())?;
        let ByteRange { offset, len } = options.range.unwrap_or(ByteRange {
            offset: 0,
            len: None,
        });
        let stat = self.file(path)?;
        // Past the end reads nothing, however far (servers refuse offsets
        // past `i64::MAX`).
        if stat.size.is_some_and(|size| offset >= size) {
            return Ok(Box::new(std::io::empty()));
        }
        let native = self.native(path);
        let (conn, mut file) = self
            .pool
            .run_on(path.as_str(), |sftp| sftp.open(Path::new(&native)))?;
        if offset > 0 {
            file.seek(SeekFrom::Start(offset))
                .map_err(|e| io_error(e, &conn, path.as_str()))?;
        }
        let reader = BufReader::with_capacity(
            READ_BUFFER,
            FileReader {
                file,
                conn,
                path: path.to_string(),
            },
        );
        Ok(match len {
            Some(len) => Box::new(reader.take(len)),
            None => Box::new(reader),
        })
    }

    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        options.check(self.capabilities())?;
        self.write_file(path, src, options.overwrite, options.atomic)
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(self.capabilities())?;
        let missing_ok = options.missing_ok;
        match self.stat(path)? {
            Some(stat) if is_dir(&stat) => {
                Err(Error::invalid_path(path, "is a folder; use delete_folder")
                    .with_backend(crate::NAME))
            }
            Some(_) => {
                let native = self.native(path);
                match self
                    .pool
                    .run(path.as_str(), |sftp| sftp.unlink(Path::new(&native)))
                {
                    Err(e) if e.kind() == ErrorKind::NotFound && missing_ok => Ok(()),
                    other => other,
                }
            }
            None if missing_ok => Ok(()),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let (recursive, missing_ok) = (options.recursive, options.missing_ok);
        match self.stat(path)? {
            Some(stat) if is_dir(&stat) => {}
            Some(_) => {
                return Err(
                    Error::invalid_path(path, "is a file; use delete").with_backend(crate::NAME)
                );
            }
            None if missing_ok => return Ok(()),
            None => return Err(Error::not_found(path).with_backend(crate::NAME)),
        }
        if !path.is_root() && self.is_link(path)? {
            // A link to a folder inside the base: remove the link only.
            let native = self.native(path);
            return self
                .pool
                .run(path.as_str(), |sftp| sftp.unlink(Path::new(&native)));
        }
        if recursive {
            return self.remove_tree(path);
        }
        let not_empty = || {
            Error::new(ErrorKind::FolderNotEmpty)
                .with_path(path)
                .with_backend(crate::NAME)
        };
        if path.is_root() {
            // The root stays; it must be empty.
            return match self.walker(path, false)?.next() {
                Some(_) => Err(not_empty()),
                None => Ok(()),
            };
        }
        let native = self.native(path);
        match self
            .pool
            .run(path.as_str(), |sftp| sftp.rmdir(Path::new(&native)))
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound && missing_ok => Ok(()),
            // OpenSSH answers a plain failure for a folder with entries.
            Err(e) if e.kind() == ErrorKind::Other && self.is_folder(path)? => {
                Err(not_empty().with_source(e))
            }
            Err(e) => Err(e),
        }
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        let walker = self.walker(path, options.recursive)?;
        Ok(Box::new(walker.filter_map(|item| match item {
            Ok(Entry::File(info)) => Some(Ok(info)),
            Ok(Entry::Folder(_)) => None,
            Err(e) => Some(Err(e)),
        })))
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        let walker = self.walker(path, false)?;
        Ok(Box::new(walker.filter_map(|item| match item {
            Ok(Entry::Folder(p)) => Some(Ok(p)),
            Ok(Entry::File(_)) => None,
            Err(e) => Some(Err(e)),
        })))
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        match self.stat(path)? {
            Some(stat) if is_dir(&stat) => Err(Error::not_found(path)
                .with_backend(crate::NAME)
                .with_message("is a folder")),
            Some(stat) => Ok(file_info(path.clone(), &stat)),
            None => Err(Error::not_found(path).with_backend(crate::NAME)),
        }
    }

    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        let overwrite = options.overwrite;
        self.file(src)?;
        self.check_destination(dst, overwrite)?;
        let mut attempt = 0;
        loop {
            let created = self.make_parents(dst)?;
            let (conn, _) = self.pool.get()?;
            let Err(e) = self.commit(&conn, &self.native(src), dst, overwrite) else {
                return Ok(());
            };
            self.remove_created(&created);
            // The folder went between (see `make_parents`), not the source:
            // again.
            let vanished = e.kind() == ErrorKind::NotFound
                && attempt < crate::FOLDER_RETRIES
                && self.file(src).is_ok();
            if !vanished {
                return Err(e);
            }
            attempt += 1;
        }
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.check_destination(dst, options.overwrite)?;
        let mut source = self.read(src, &ReadOptions::new())?;
        self.write_file(dst, &mut source, options.overwrite, false)
            .map(drop)
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.open()?;
        glob::glob_files(self, pattern)
    }

    fn close(&self) -> Result<()> {
        self.closed.store(true, Ordering::Release);
        self.pool.close();
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
