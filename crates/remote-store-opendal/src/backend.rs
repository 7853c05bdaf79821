//! [`OpendalBackend`]: our contract over an `opendal::Operator`.

use std::fmt;
use std::sync::{PoisonError, RwLock};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use opendal::Operator;
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, Capabilities, Capability, CopyOptions, DeleteFolderOptions, DeleteOptions, Error,
    ErrorKind, FileInfo, Gated, ListOptions, ReadOptions, RemotePath, RenameOptions, Result,
    WriteOptions, WriteResult, async_trait, glob,
};

use crate::capabilities::{self, FolderModel};
use crate::error::{map, map_io};
use crate::info::file_info;
use crate::list::{self, absent, dir_key, file_key};

/// The part size of a write in parts, where the service has a minimum:
/// 8 MiB (or the service's minimum, if larger), held in memory per write.
const PART_SIZE: usize = 8 << 20;

/// Parts of one write in flight at once (so at most 4 × 8 MiB held).
const PARTS_IN_FLIGHT: usize = 4;

/// One-shot writes up to this size (bytes) are sent before their parent
/// folders are checked, where that is safe (see `write`).
const OPTIMISTIC_ONE_SHOT: u64 = 1 << 20;

/// The default of [`OpendalBackend::with_one_shot_limit`]: 256 MiB.
pub const DEFAULT_ONE_SHOT_LIMIT: u64 = 256 << 20;

/// Any OpenDAL service as a native [`AsyncBackend`].
///
/// Capabilities come from the operator's own capability struct (see
/// [`OpendalBackend::new`]); paths are keys below the operator's root.
/// Construction does no I/O.
pub struct OpendalBackend {
    name: String,
    scheme: &'static str,
    root: String,
    /// The operator's name (a bucket, an endpoint).
    service_name: String,
    folders: FolderModel,
    capabilities: Capabilities,
    /// What [`without`](Self::without) removed (kept when the folder
    /// model changes the mapping).
    removed: Capabilities,
    /// The largest write a one-shot service takes (held in memory).
    one_shot_limit: u64,
    /// Writes go in one request even where the service takes parts.
    one_shot: bool,
    /// `None` once closed.
    op: RwLock<Option<Operator>>,
}

impl OpendalBackend {
    /// A backend over `op`, with the folder model of its scheme
    /// ([`FolderModel::of_scheme`]) and the capabilities its
    /// `info().capability()` declares, one rule each, never more:
    ///
    /// - `Read`, `RangeRead`: `read` and `stat`. `Metadata`: `stat` and
    ///   `list` (it promises folder totals: plain HTTP has none).
    /// - `Write`: `write` that can store an empty file. `Delete`, `List`;
    ///   `RecursiveList` and `Glob` with `list` (walked here if needed).
    /// - `Copy`, `ServerSideCopy`: `copy`. `Move`: `rename`, or `copy` and
    ///   `delete`. `AtomicMove`: `rename` on `fs` only.
    /// - `ExclusiveWrite`: `write_with_if_not_exists`. `ConditionalWrite`,
    ///   `ConditionalRead`, `ConditionalDelete`: the `*_with_if_match` flags.
    /// - `ContentType`, `CacheControl`, `UserMetadata`: the `write_with_*`
    ///   flags (not `UserMetadata` on WebDAV: a write merges it).
    /// - `AtomicWrite`: object stores and memory (one commit).
    /// - `PersistentFolders`: real folders ([`FolderModel::Folders`]) with
    ///   `create_dir`.
    ///
    /// Installs OpenDAL's default HTTP transport (reqwest) for the
    /// process, unless one was installed before (OpenDAL keeps the first).
    pub fn new(op: Operator) -> Self {
        opendal::install_default();
        let info = op.info();
        let scheme = info.scheme();
        let folders = FolderModel::of_scheme(scheme);
        OpendalBackend {
            name: format!("opendal-{scheme}"),
            scheme,
            root: info.root(),
            service_name: info.name(),
            folders,
            capabilities: capabilities::map(&info.capability(), scheme, folders),
            removed: Capabilities::empty(),
            one_shot_limit: DEFAULT_ONE_SHOT_LIMIT,
            one_shot: false,
            op: RwLock::new(Some(op)),
        }
    }

    /// The same backend with `model` as its folder model, for a service
    /// this crate does not know.
    pub fn with_folder_model(mut self, model: FolderModel) -> Self {
        let op = self.operator();
        self.folders = model;
        if let Some(op) = op {
            self.capabilities = capabilities::map(&op.info().capability(), self.scheme, model)
                .without_all(self.removed);
        }
        self
    }

    /// The same backend without `removed`: for a server that deviates from
    /// its service (an emulator that ignores preconditions), so the
    /// capabilities say what this configuration really does.
    pub fn without(mut self, removed: Capabilities) -> Self {
        self.removed = removed.iter().fold(self.removed, Capabilities::with);
        self.capabilities = self.capabilities.without_all(removed);
        self
    }

    /// The largest file, in bytes, written to a service that takes a
    /// write in one request (OpenDAL's one-shot writers, where
    /// `write_can_multi` is false: WebDAV, for one). Such a write is held
    /// in memory whole before it is sent; a larger one is refused with
    /// `InvalidArgument` before any request. Default:
    /// [`DEFAULT_ONE_SHOT_LIMIT`]. Services that take a write in parts
    /// stream it and ignore this.
    pub fn with_one_shot_limit(mut self, bytes: u64) -> Self {
        self.one_shot_limit = bytes;
        self
    }

    /// Names the storage in [`storage_id`](AsyncBackend::storage_id)
    /// (which `rstore` compares to refuse overlapping copies) where
    /// OpenDAL reports no name for the service: WebDAV, HTTP and FTP
    /// name none, so two servers would look alike. The factory sets the
    /// endpoint.
    pub fn with_service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = name.into();
        self
    }

    /// Sends every write in one request, held in memory up to
    /// [`with_one_shot_limit`](Self::with_one_shot_limit), even where the
    /// service takes a write in parts: for a server without multipart
    /// uploads (an emulator).
    pub fn with_one_shot_writes(mut self) -> Self {
        self.one_shot = true;
        self
    }

    /// The OpenDAL operator, for what this crate does not cover; `None`
    /// once closed.
    pub fn operator(&self) -> Option<Operator> {
        self.op
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The OpenDAL scheme (`webdav`, `ftp`, `gcs`, …).
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// How the service keeps folders.
    pub fn folder_model(&self) -> FolderModel {
        self.folders
    }

    fn op(&self) -> Result<Operator> {
        self.operator()
            .ok_or_else(|| Error::closed().with_backend(self.name.clone()))
    }

    fn fail(&self, path: &RemotePath) -> impl Fn(opendal::Error) -> Error + '_ {
        let path = path.clone();
        move |e| map(e, &path, &self.name)
    }

    /// A condition on a file that is gone, or on another version of it.
    fn no_such_version(&self, path: &RemotePath) -> Error {
        Error::new(ErrorKind::PreconditionFailed)
            .with_path(path)
            .with_backend(self.name.clone())
            .with_message("there is no such version of the file")
    }

    fn is_a_folder(&self, path: &RemotePath) -> Error {
        Error::invalid_path(path, "is a folder").with_backend(self.name.clone())
    }

    /// Whether a failed write's parent folder is gone (real folders only).
    async fn parent_vanished(&self, op: &Operator, path: &RemotePath, e: &Error) -> bool {
        if self.folders != FolderModel::Folders || is_condition(e) {
            return false;
        }
        match path.parent() {
            Some(parent) if !parent.is_root() => {
                matches!(self.folder_exists(op, &parent).await, Ok(false))
                    && matches!(self.stat_file(op, &parent).await, Ok(None))
            }
            _ => false,
        }
    }

    /// A failed write onto a folder or below a file is `InvalidPath`
    /// (ADR-0011), whatever the service answered.
    async fn diagnose_write(&self, op: &Operator, path: &RemotePath, e: Error) -> Error {
        if self.folders != FolderModel::Folders
            || matches!(
                e.kind(),
                ErrorKind::PreconditionFailed
                    | ErrorKind::AlreadyExists
                    | ErrorKind::InvalidArgument
                    | ErrorKind::InvalidPath
            )
        {
            return e;
        }
        if matches!(self.folder_exists(op, path).await, Ok(true)) {
            return self.is_a_folder(path).with_source(e);
        }
        let mut parent = path.parent();
        while let Some(dir) = parent.filter(|d| !d.is_root()) {
            if matches!(self.stat_file(op, &dir).await, Ok(Some(_))) {
                return Error::invalid_path(path, "a parent is a file")
                    .with_backend(self.name.clone())
                    .with_source(e);
            }
            parent = dir.parent();
        }
        e
    }

    fn quote_etags(&self) -> bool {
        crate::info::quotes_etags(self.scheme)
    }

    /// Whether a folder must be checked before it is listed.
    fn verifies(&self) -> bool {
        self.folders == FolderModel::Folders
    }

    fn has(&self, cap: Capability) -> bool {
        self.capabilities.contains(cap)
    }

    /// The file's metadata, `None` when there is no file (nothing, or a
    /// folder).
    async fn stat_file(
        &self,
        op: &Operator,
        path: &RemotePath,
    ) -> Result<Option<opendal::Metadata>> {
        if path.is_root() {
            return Ok(None);
        }
        match op.stat(file_key(path)?).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta)),
            Ok(_) => Ok(None),
            Err(e) if absent(&e) => Ok(None),
            Err(e) => Err(map(e, path, &self.name)),
        }
    }

    async fn folder_exists(&self, op: &Operator, path: &RemotePath) -> Result<bool> {
        if path.is_root() {
            return Ok(true);
        }
        if self.folders == FolderModel::Folders {
            return match op.stat(&dir_key(path)?).await {
                Ok(meta) => Ok(meta.is_dir()),
                Err(e) if absent(&e) => Ok(false),
                Err(e) => Err(map(e, path, &self.name)),
            };
        }
        if !op.info().capability().list {
            // Nothing to list with and no folders of its own (plain HTTP,
            // whose stat calls any path ending in `/` a folder without
            // asking): the root is the only folder there is.
            return Ok(false);
        }
        // A prefix: anything below it, its marker included.
        let options = opendal::options::ListOptions {
            limit: Some(1),
            recursive: true,
            ..Default::default()
        };
        let mut lister = match op.lister_options(&dir_key(path)?, options).await {
            Ok(lister) => lister,
            Err(e) if absent(&e) => return Ok(false),
            Err(e) => return Err(map(e, path, &self.name)),
        };
        match lister.next().await {
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) if absent(&e) => Ok(false),
            Some(Err(e)) => Err(map(e, path, &self.name)),
            None => Ok(false),
        }
    }

    /// The ancestors of `path` that do not exist yet (deepest first), for
    /// a service with real folders.
    async fn missing_parents(&self, op: &Operator, path: &RemotePath) -> Result<Vec<RemotePath>> {
        let mut missing = Vec::new();
        if self.folders != FolderModel::Folders {
            return Ok(missing);
        }
        let mut parent = path.parent();
        while let Some(dir) = parent.filter(|d| !d.is_root()) {
            if self.folder_exists(op, &dir).await? {
                break;
            }
            if self.stat_file(op, &dir).await?.is_some() {
                return Err(
                    Error::invalid_path(path, "a parent is a file").with_backend(self.name.clone())
                );
            }
            parent = dir.parent();
            missing.push(dir);
        }
        Ok(missing)
    }

    async fn create_parents(&self, op: &Operator, path: &RemotePath) -> Result<Vec<RemotePath>> {
        let missing = self.missing_parents(op, path).await?;
        let Some(parent) = missing.first() else {
            return Ok(missing);
        };
        let key = dir_key(parent)?;
        // Creating folders is idempotent: another writer creating the same
        // ones at once (wsgidav fails the loser of two racing `MKCOL`s
        // with a 500) leaves them there, or some of them, for the next try.
        let mut tries = 0;
        while let Err(e) = op.create_dir(&key).await {
            tries += 1;
            if self.folder_exists(op, parent).await? {
                break;
            }
            if tries == 3 {
                return Err(map(e, path, &self.name));
            }
        }
        Ok(missing)
    }

    /// Whether a server-side copy or move to `dst` may land elsewhere:
    /// WebDAV names the destination in a `Destination` header, and
    /// servers that decode it before parsing it as a URL (wsgidav 4.4)
    /// cut the name at `?`, `;` or `#`, or decode a `%` escape twice.
    fn cut_destination(&self, dst: &RemotePath) -> bool {
        self.scheme == "webdav" && dst.as_str().contains(['?', ';', '#', '%'])
    }

    /// A copy made by reading `src` and writing `dst` (whose URL carries
    /// the name intact), for destinations a server would cut.
    async fn transfer_through_client(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        overwrite: bool,
    ) -> Result<()> {
        let bytes = self.read(src, &ReadOptions::default()).await?;
        let options = WriteOptions::new().overwrite(overwrite);
        self.write(dst, bytes, &options).await.map(drop)
    }

    /// Whether a failed write removes the folders it created.
    fn removes_created_folders(&self) -> bool {
        !crate::capabilities::RECURSIVE_FOLDER_DELETE.contains(&self.scheme)
    }

    /// Removes the folders a failed write created, where still empty.
    ///
    /// Not on WebDAV, whose `DELETE` of a collection takes its contents:
    /// a file another writer put there after the check would go with it.
    /// An empty folder left after a failed request is the lesser harm (a
    /// failing source fails there before any folder is made).
    async fn remove_created(&self, op: &Operator, created: &[RemotePath]) {
        if !self.removes_created_folders() {
            return;
        }
        for dir in created {
            let empty = match list::level(op, dir, &self.name, self.verifies()).await {
                Ok(mut entries) => entries.next().await.is_none(),
                Err(_) => false,
            };
            let Ok(key) = dir_key(dir) else {
                return;
            };
            if !empty || op.delete(&key).await.is_err() {
                return;
            }
        }
    }

    /// Refuses a destination that is a folder (with real folders) or an
    /// existing file without `overwrite`.
    async fn check_destination(
        &self,
        op: &Operator,
        dst: &RemotePath,
        overwrite: bool,
    ) -> Result<()> {
        if self.folders == FolderModel::Folders && self.folder_exists(op, dst).await? {
            return Err(self.is_a_folder(dst));
        }
        if !overwrite && self.stat_file(op, dst).await?.is_some() {
            return Err(Error::already_exists(dst).with_backend(self.name.clone()));
        }
        Ok(())
    }

    async fn source_file(&self, op: &Operator, src: &RemotePath) -> Result<opendal::Metadata> {
        self.stat_file(op, src)
            .await?
            .ok_or_else(|| Error::not_found(src).with_backend(self.name.clone()))
    }

    async fn open_read(
        &self,
        op: &Operator,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<ByteStream> {
        let if_match = options.if_match.clone();
        let condition_failed = |path: &RemotePath| self.no_such_version(path);
        let Some(r) = options.range else {
            if self.folders != FolderModel::Folders {
                return self.open_body(op, path, 0..u64::MAX, &if_match).await;
            }
            // Real folders: a GET of a folder may answer a page about it
            // (wsgidav's folder listing in HTML), so the path is checked
            // to be a file first. (Not at the same time as the GET: that
            // doubles the connections a busy caller holds, and wsgidav
            // then stalled for seconds.)
            return match self.stat_file(op, path).await? {
                Some(_) => self.open_body(op, path, 0..u64::MAX, &if_match).await,
                None if if_match.is_some() => Err(condition_failed(path)),
                None => Err(Error::not_found(path).with_backend(self.name.clone())),
            };
        };
        // A range needs the size.
        let meta = match self.stat_file(op, path).await? {
            Some(meta) => meta,
            None if if_match.is_some() => return Err(condition_failed(path)),
            None => return Err(Error::not_found(path).with_backend(self.name.clone())),
        };
        let size = meta.content_length();
        if let Some(etag) = &if_match
            && crate::info::file_info(path.clone(), &meta, self.quote_etags())
                .etag
                .is_some_and(|e| &e != etag)
        {
            return Err(condition_failed(path));
        }
        if r.offset >= size || r.len == Some(0) {
            return Ok(stream::empty().boxed());
        }
        // A range open at its end stays open: a file replaced by a longer
        // one since the stat is read whole, never cut at the old size.
        let end = r
            .len
            .map_or(u64::MAX, |len| size.min(r.offset.saturating_add(len)));
        self.open_body(op, path, r.offset..end, &if_match).await
    }

    /// The bytes of `range` (`..u64::MAX`: to the end), the first chunk
    /// already read: a missing file or a failed condition is the answer
    /// of `read`, not of the stream's first poll.
    async fn open_body(
        &self,
        op: &Operator,
        path: &RemotePath,
        range: std::ops::Range<u64>,
        if_match: &Option<String>,
    ) -> Result<ByteStream> {
        let reader_options = opendal::options::ReaderOptions {
            if_match: if_match.clone(),
            ..Default::default()
        };
        let fail = |e: opendal::Error| {
            if if_match.is_some() && e.kind() == opendal::ErrorKind::NotFound {
                self.no_such_version(path)
            } else {
                map(e, path, &self.name)
            }
        };
        let reader = op
            .reader_options(file_key(path)?, reader_options)
            .await
            .map_err(fail)?;
        let bytes = if range.end == u64::MAX {
            reader.into_bytes_stream(range.start..).await
        } else {
            reader.into_bytes_stream(range).await
        }
        .map_err(fail)?;
        let (at, name) = (path.clone(), self.name.clone());
        let mut body: BoxStream<'static, Result<Bytes>> = bytes
            .map(move |item| item.map_err(|e| map_io(e, &at, &name)))
            .boxed();
        match body.next().await {
            None => Ok(stream::empty().boxed()),
            Some(Err(e)) if if_match.is_some() && e.kind() == ErrorKind::NotFound => {
                Err(self.no_such_version(path))
            }
            Some(Err(e)) => Err(e),
            Some(Ok(first)) => Ok(stream::once(async { Ok(first) }).chain(body).boxed()),
        }
    }
}

/// A write refused by its condition (no overwrite, `if_match`): sending
/// it again cannot help.
fn is_condition(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::PreconditionFailed | ErrorKind::AlreadyExists
    )
}

impl fmt::Debug for OpendalBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpendalBackend")
            .field("scheme", &self.scheme)
            .field("root", &self.root)
            .field("folders", &self.folders)
            .finish()
    }
}

#[async_trait]
impl AsyncBackend for OpendalBackend {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        let op = self.op()?;
        Ok(self.stat_file(&op, path).await?.is_some())
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        let op = self.op()?;
        self.folder_exists(&op, path).await
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        self.open_read(&op, path, options).await
    }

    /// A whole file in one call of the operator (no stream to collect)
    /// on key services; through `read` otherwise.
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        if options.range.is_some() || self.folders == FolderModel::Folders {
            return remote_store_core::stream::collect_bytes(self.read(path, options).await?).await;
        }
        options.check(self.capabilities)?;
        let op = self.op()?;
        let read_options = opendal::options::ReadOptions {
            if_match: options.if_match.clone(),
            ..Default::default()
        };
        match op.read_options(file_key(path)?, read_options).await {
            Ok(buffer) => Ok(buffer.to_bytes()),
            Err(e) if options.if_match.is_some() && e.kind() == opendal::ErrorKind::NotFound => {
                Err(self.no_such_version(path))
            }
            Err(e) => Err(map(e, path, &self.name)),
        }
    }

    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        let key = file_key(path)?;
        let exclusive = !options.overwrite && self.has(Capability::ExclusiveWrite);
        if !options.overwrite && !exclusive {
            // Check, then write: not race-free, hence no `ExclusiveWrite`.
            self.check_destination(&op, path, false).await?;
        }
        let cap = op.info().capability();
        let write_options = opendal::options::WriteOptions {
            // Parts of a bounded size where the service has a minimum
            // (OpenDAL sends each `write` call as a part otherwise).
            chunk: cap.write_multi_min_size.map(|min| min.max(PART_SIZE)),
            concurrent: PARTS_IN_FLIGHT,
            if_not_exists: exclusive,
            if_match: options.if_match.clone(),
            content_type: options.content_type.clone(),
            cache_control: options.cache_control.clone(),
            user_metadata: (!options.metadata.is_empty())
                .then(|| options.metadata.clone().into_iter().collect()),
            ..Default::default()
        };
        let written = if cap.write_can_multi && !self.one_shot {
            // Streamed: folders this write creates go again if it fails.
            if self.folders == FolderModel::Folders && self.folder_exists(&op, path).await? {
                return Err(self.is_a_folder(path));
            }
            let created = self.create_parents(&op, path).await?;
            let written = crate::write::write(&op, key, write_options, src, path, &self.name).await;
            if written.is_err() {
                self.remove_created(&op, &created).await;
            }
            written
        } else {
            // One request: the source is read whole first, so a failing
            // source fails before anything is sent.
            let data = crate::write::buffer(src, self.one_shot_limit, path, &self.name).await?;
            // Where failed writes leave their folders anyway (WebDAV), a
            // small file goes at once: OpenDAL's writer creates missing
            // parents there itself. If that fails (two writers creating
            // the same folder: wsgidav fails the loser's `MKCOL` with a
            // 500; a server configured without it), the parents are made
            // here and the file is sent once more. A larger file waits
            // for its parents, so it is never sent twice.
            let optimistic =
                !self.removes_created_folders() && data.len() as u64 <= OPTIMISTIC_ONE_SHOT;
            let mut created = if optimistic {
                Vec::new()
            } else {
                self.create_parents(&op, path).await?
            };
            let mut recreated = false;
            loop {
                let written = crate::write::write_once(
                    &op,
                    key,
                    opendal::options::WriteOptions {
                        chunk: None,
                        ..write_options.clone()
                    },
                    data.clone(),
                    path,
                    &self.name,
                )
                .await;
                match written {
                    // A parent folder another writer's failed write removed
                    // as this one found it, or not made yet: create it
                    // (again), once.
                    Err(e)
                        if !recreated
                            && (optimistic && !is_condition(&e)
                                || self.parent_vanished(&op, path, &e).await) =>
                    {
                        recreated = true;
                        created = self.create_parents(&op, path).await?;
                    }
                    Err(e) => {
                        self.remove_created(&op, &created).await;
                        break Err(e);
                    }
                    ok => break ok,
                }
            }
        };
        let written = match written {
            Err(e) => Err(self.diagnose_write(&op, path, e).await),
            ok => ok,
        };
        written.map_err(|e| {
            // `if_not_exists` fails as a condition; our contract calls it
            // an existing file.
            if exclusive && options.if_match.is_none() && e.kind() == ErrorKind::PreconditionFailed
            {
                Error::already_exists(path)
                    .with_backend(self.name.clone())
                    .with_source(e)
            } else {
                e
            }
        })
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        // A file only: with real folders a delete of a folder would take
        // its contents, and a service of unknown model may have them.
        if self.stat_file(&op, path).await?.is_none() {
            if options.if_match.is_some() {
                return Err(Error::new(ErrorKind::PreconditionFailed)
                    .with_path(path)
                    .with_backend(self.name.clone())
                    .with_message("there is no file"));
            }
            return if options.missing_ok {
                Ok(())
            } else {
                Err(Error::not_found(path).with_backend(self.name.clone()))
            };
        }
        let delete_options = opendal::options::DeleteOptions {
            if_match: options.if_match.clone(),
            ..Default::default()
        };
        op.delete_options(file_key(path)?, delete_options)
            .await
            .map_err(self.fail(path))
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        if !self.folder_exists(&op, path).await? {
            return if path.is_root() || options.missing_ok {
                Ok(())
            } else {
                Err(Error::not_found(path).with_backend(self.name.clone()))
            };
        }
        let key = dir_key(path)?;
        // Checked to be a folder above: the listings need not check again.
        if !options.recursive {
            let mut below = list::level(&op, path, &self.name, false).await?;
            if below.next().await.transpose()?.is_some() {
                return Err(Error::new(ErrorKind::FolderNotEmpty)
                    .with_path(path)
                    .with_backend(self.name.clone()));
            }
        } else {
            // Files as the walk finds them; folders (and markers) after
            // their contents, deepest first.
            let mut entries = list::tree(&op, path, &self.name, false).await?;
            let mut folders = Vec::new();
            let mut first_error = None;
            while let Some(entry) = entries.next().await {
                match entry {
                    Ok(entry) if list::is_folder(&entry) => folders.push(entry.path().to_owned()),
                    // A listed key OpenDAL would normalize into another
                    // one (`d/x ` into `d/x`, `a//b` into `a/b`) is not
                    // sent: it would delete the other file.
                    Ok(entry) if opendal::raw::normalize_path(entry.path()) != entry.path() => {
                        first_error.get_or_insert(Error::unlisted(
                            ErrorKind::InvalidPath,
                            path,
                            entry.path(),
                            "OpenDAL would delete another key for it (it trims whitespace at the ends \
                             and collapses repeated '/')",
                        ));
                    }
                    Ok(entry) => {
                        if let Err(e) = op.delete(entry.path()).await {
                            first_error.get_or_insert(map(e, path, &self.name));
                        }
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
            folders.sort_by_key(|f| std::cmp::Reverse(f.matches('/').count()));
            for folder in folders {
                let folder = if folder.ends_with('/') {
                    folder
                } else {
                    format!("{folder}/")
                };
                op.delete(&folder).await.map_err(self.fail(path))?;
            }
        }
        if path.is_root() {
            return Ok(());
        }
        match op.delete(&key).await {
            Ok(()) => Ok(()),
            Err(e) if absent(&e) => Ok(()),
            Err(e) => Err(map(e, path, &self.name)),
        }
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        let entries = if options.recursive {
            list::tree(&op, path, &self.name, self.verifies()).await?
        } else {
            list::level(&op, path, &self.name, self.verifies()).await?
        };
        Ok(list::files(entries, path.clone(), self.quote_etags()))
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        let op = self.op()?;
        let entries = list::level(&op, path, &self.name, self.verifies()).await?;
        Ok(list::folders(entries, path.clone()))
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        let op = self.op()?;
        let meta = self
            .stat_file(&op, path)
            .await?
            .ok_or_else(|| Error::not_found(path).with_backend(self.name.clone()))?;
        Ok(file_info(path.clone(), &meta, self.quote_etags()))
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        self.source_file(&op, src).await?;
        self.check_destination(&op, dst, options.overwrite).await?;
        if self.cut_destination(dst) {
            self.transfer_through_client(src, dst, options.overwrite)
                .await?;
            return self.delete(src, &DeleteOptions::default()).await;
        }
        let created = self.create_parents(&op, dst).await?;
        let moved = if op.info().capability().rename {
            op.rename(file_key(src)?, file_key(dst)?)
                .await
                .map_err(self.fail(src))
        } else {
            match op.copy(file_key(src)?, file_key(dst)?).await {
                Ok(_) => op.delete(file_key(src)?).await.map_err(self.fail(src)),
                Err(e) => Err(map(e, src, &self.name)),
            }
        };
        if moved.is_err() {
            self.remove_created(&op, &created).await;
        }
        moved
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        options.check(self.capabilities)?;
        let op = self.op()?;
        self.source_file(&op, src).await?;
        self.check_destination(&op, dst, options.overwrite).await?;
        if self.cut_destination(dst) {
            return self
                .transfer_through_client(src, dst, options.overwrite)
                .await;
        }
        let created = self.create_parents(&op, dst).await?;
        let copied = op
            .copy(file_key(src)?, file_key(dst)?)
            .await
            .map(drop)
            .map_err(self.fail(src));
        if copied.is_err() {
            self.remove_created(&op, &created).await;
        }
        copied
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.op()?;
        glob::glob_files_async(self, pattern).await
    }

    /// One request: a listing of at most one entry (on WebDAV, a
    /// `PROPFIND` of the root's entries), or on plain HTTP a `HEAD` of a
    /// name that need not exist. A missing bucket is `NotFound`, refused
    /// credentials `PermissionDenied`; a WebDAV root that does not exist
    /// yet is an empty store (its first write makes it), not an error.
    async fn check_health(&self) -> Result<()> {
        let op = self.op()?;
        crate::health::check(&op, &self.name).await
    }

    /// Drops the operator: later calls answer `Closed`.
    async fn close(&self) -> Result<()> {
        self.op
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Ok(())
    }

    fn storage_id(&self) -> Option<String> {
        Some(format!(
            "opendal+{}://{}{}",
            self.scheme, self.service_name, self.root
        ))
    }

    fn native_path(&self, path: &RemotePath) -> String {
        format!("{}{}", self.root, path.as_str())
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        let rel = native
            .strip_prefix(&self.root)
            .or_else(|| {
                (native.trim_end_matches('/') == self.root.trim_end_matches('/')).then_some("")
            })
            .ok_or_else(|| Error::invalid_path(native, "not below the backend's root"))?;
        RemotePath::new(rel)
    }
}
