//! [`ObjectStoreBackend`]: any `ObjectStore` as an `AsyncBackend`.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::list::PaginatedListStore;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{CopyMode, GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use remote_store_core::stream::{ByteStream, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, ByteRange, Capabilities, Capability, CopyOptions, DeleteFolderOptions,
    DeleteOptions, Error, ErrorKind, FileInfo, Gated, ListOptions, PresignMethod, PresignOptions,
    PresignedRequest, ReadOptions, RemotePath, RenameOptions, Result, WriteOptions, WriteResult,
    async_trait, glob,
};

use crate::attributes;
use crate::error::{map, map_create};
use crate::raw::{RawKeys, RawObject};
use crate::write::{self, Target};
use crate::{list, read};

/// What every object store gives: everything but atomic moves and
/// persistent folders. `ExclusiveWrite` is added only when the store
/// enforces conditional puts ([`ObjectStoreBackend::with_exclusive_write`]).
const BASE: Capabilities = Capabilities::of(&[
    Capability::Read,
    Capability::Write,
    Capability::Delete,
    Capability::List,
    Capability::Move,
    Capability::Copy,
    Capability::AtomicWrite,
    Capability::Glob,
    Capability::RecursiveList,
    Capability::Metadata,
    Capability::RangeRead,
    Capability::ConditionalRead,
    Capability::ServerSideCopy,
]);

/// What presigning needs: the signer and what the service asks of a
/// request made with its URLs.
#[derive(Clone)]
struct Signing {
    signer: Arc<dyn Signer>,
    put_headers: Vec<(String, String)>,
    max_expiry: Option<Duration>,
}

/// `PreconditionFailed` unless the file `info` describes has the etag
/// `expected` (when given).
fn check_etag(
    path: &RemotePath,
    info: &FileInfo,
    expected: Option<&str>,
    backend: &str,
) -> Result<()> {
    match expected {
        Some(expected) if info.etag.as_deref() != Some(expected) => {
            Err(Error::new(ErrorKind::PreconditionFailed)
                .with_path(path)
                .with_backend(backend.to_owned())
                .with_message("the file was replaced (its etag differs)"))
        }
        _ => Ok(()),
    }
}

/// Turns store paths into object keys (under an optional prefix) and back.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: RemotePath,
    pub(crate) name: Arc<str>,
}

impl Keys {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn key(&self, path: &RemotePath) -> Path {
        let full = if self.prefix.is_root() {
            path.to_string()
        } else if path.is_root() {
            self.prefix.to_string()
        } else {
            format!("{}/{path}", self.prefix)
        };
        // RemotePath's rules are stricter than object_store's, so a valid
        // path is always a valid key.
        Path::parse(&full).unwrap_or_else(|_| Path::from(full.as_str()))
    }

    /// The raw prefix of the keys below `dir`: its key and `/`, or `""`
    /// for the whole bucket.
    pub(crate) fn raw_prefix(&self, dir: &RemotePath) -> String {
        let key = self.key(dir);
        if key.as_ref().is_empty() {
            String::new()
        } else {
            format!("{}/", key.as_ref())
        }
    }

    /// The store path of raw `key`, when the path rules return it
    /// unchanged (so two stored keys never become one path); else why not.
    fn raw_path(&self, key: &str) -> std::result::Result<RemotePath, String> {
        match RemotePath::new(key) {
            Ok(full) if full.as_str() == key => full
                .strip_prefix(&self.prefix)
                .ok_or_else(|| "outside the backend prefix".to_owned()),
            Ok(full) => Err(format!(
                "the path rules would read it as another name ('{full}')"
            )),
            Err(e) => Err(e
                .message()
                .unwrap_or("refused by the path rules")
                .to_owned()),
        }
    }

    fn unlisted(&self, dir: &RemotePath, rel: &str, why: impl fmt::Display) -> Error {
        Error::unlisted(ErrorKind::InvalidPath, dir, rel, why).with_backend(self.name.to_string())
    }

    /// What a raw listing of `dir` (keys starting with `prefix`) makes of
    /// `object`: a file; nothing for a folder marker (a zero-byte key
    /// ending in `/`, as consoles, Hadoop and s3fs write, or a folder the
    /// service itself reports); an error item for a key the path rules
    /// cannot return.
    pub(crate) fn raw_file(
        &self,
        dir: &RemotePath,
        prefix: &str,
        object: &RawObject,
    ) -> Option<Result<FileInfo>> {
        let Some(rel) = object.key.strip_prefix(prefix) else {
            return Some(Err(self.unlisted(
                dir,
                &object.key,
                "outside the listed prefix",
            )));
        };
        if object.is_folder {
            return None;
        }
        if rel.is_empty() || rel.ends_with('/') {
            return (object.size > 0).then(|| {
                Err(self.unlisted(
                    dir,
                    rel,
                    format!("a key ending in '/' that holds {} bytes", object.size),
                ))
            });
        }
        Some(match self.raw_path(&object.key) {
            Ok(path) => {
                let mut info = FileInfo::new(path, object.size);
                if let Some(modified) = object.modified {
                    info = info.with_modified(modified);
                }
                if let Some(etag) = &object.etag {
                    info = info.with_etag(etag.clone());
                }
                Ok(info)
            }
            Err(why) => Err(self.unlisted(dir, rel, why)),
        })
    }

    /// The subfolder a common prefix of a raw listing of `dir` names, or
    /// an error item when the path rules cannot return it.
    pub(crate) fn raw_folder(
        &self,
        dir: &RemotePath,
        prefix: &str,
        common: &str,
    ) -> Result<RemotePath> {
        let Some(rel) = common.strip_prefix(prefix) else {
            return Err(self.unlisted(dir, common, "outside the listed prefix"));
        };
        let full = common.strip_suffix('/').unwrap_or(common);
        if rel.len() <= 1 {
            return Err(self.unlisted(dir, rel, "an empty name (a '//' in the key)"));
        }
        self.raw_path(full)
            .map_err(|why| self.unlisted(dir, rel, why))
    }

    pub(crate) fn path_of(&self, key: &Path) -> Result<RemotePath> {
        let full = RemotePath::new(key.as_ref())?;
        full.strip_prefix(&self.prefix).ok_or_else(|| {
            Error::invalid_path(key.as_ref(), "outside the backend prefix")
                .with_backend(self.name.to_string())
        })
    }
}

/// Any [`ObjectStore`] as an [`AsyncBackend`]. See the [crate docs](crate).
pub struct ObjectStoreBackend {
    /// The clients; `None` once closed, which drops them (and with them
    /// their connection pools, unless a caller holds a client too).
    clients: RwLock<Option<Arc<Clients>>>,
    /// What the store is, for `Debug`.
    description: String,
    keys: Keys,
    capabilities: Capabilities,
    bulk_delete: bool,
    storage_id: Option<String>,
    /// The most user metadata the service keeps, in bytes (names plus
    /// values); 0 until [`ObjectStoreBackend::with_attributes`].
    metadata_limit: usize,
    /// The service's etags are MD5s (see
    /// [`with_md5_etags`](ObjectStoreBackend::with_md5_etags)).
    md5_etags: bool,
}

/// The clients a backend talks through.
#[derive(Clone)]
struct Clients {
    store: Arc<dyn ObjectStore>,
    pages: Option<Arc<dyn PaginatedListStore>>,
    /// A client of the same store whose multipart commits carry
    /// `If-None-Match: *` (see [`CreateOnlyCommits`](crate::CreateOnlyCommits)).
    create_only: Option<Arc<dyn ObjectStore>>,
    /// A client of the same store for multipart uploads, when their parts
    /// need retries of their own (see
    /// [`with_upload_store`](ObjectStoreBackend::with_upload_store)).
    uploads: Option<Arc<dyn ObjectStore>>,
    /// Signs presigned URLs, where the service crate gave a signer.
    signer: Option<Signing>,
    /// Listing and deleting by raw key, where the service crate has it.
    raw: Option<Arc<dyn RawKeys>>,
}

/// Deletes in flight at once when bulk delete is off.
const DELETE_CONCURRENCY: usize = 16;

impl ObjectStoreBackend {
    /// Wraps `store`. Level listings fetch each level whole; prefer
    /// [`paginated`](Self::paginated) for stores that page.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        ObjectStoreBackend {
            description: store.to_string(),
            clients: RwLock::new(Some(Arc::new(Clients {
                store,
                pages: None,
                create_only: None,
                uploads: None,
                signer: None,
                raw: None,
            }))),
            keys: Keys {
                prefix: RemotePath::root(),
                name: Arc::from("object_store"),
            },
            capabilities: BASE,
            bulk_delete: true,
            storage_id: None,
            metadata_limit: 0,
            md5_etags: false,
        }
    }

    /// Wraps a store that also lists page by page (S3, Azure, GCS).
    pub fn paginated<S: ObjectStore + PaginatedListStore>(store: Arc<S>) -> Self {
        let pages: Arc<dyn PaginatedListStore> = store.clone();
        Self::new(store).edit_clients(|c| c.pages = Some(pages))
    }

    /// Changes the clients while building (nothing is shared yet).
    fn edit_clients(mut self, edit: impl FnOnce(&mut Clients)) -> Self {
        let slot = self
            .clients
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(clients) = slot {
            let mut changed = Clients::clone(clients);
            edit(&mut changed);
            *slot = Some(Arc::new(changed));
        }
        self
    }

    /// Sets the name used in errors.
    pub fn with_name(mut self, name: &str) -> Self {
        self.keys.name = Arc::from(name);
        self
    }

    /// Keeps every key under `prefix`.
    ///
    /// # Errors
    /// `InvalidPath` when `prefix` is not a valid path.
    pub fn with_prefix(mut self, prefix: &str) -> Result<Self> {
        self.keys.prefix = RemotePath::new(prefix)?;
        Ok(self)
    }

    /// Signs presigned URLs with `signer` (S3's and Azure's clients are
    /// signers), declaring `Capability::Presign`. A presigned `PUT` must
    /// carry `put_headers` (Azure: `x-ms-blob-type: BlockBlob`); expiries
    /// above `max_expiry` (S3's SigV4: 7 days) are refused with
    /// `InvalidArgument` before signing.
    pub fn with_signer(
        mut self,
        signer: Arc<dyn Signer>,
        put_headers: &[(&str, &str)],
        max_expiry: Option<Duration>,
    ) -> Self {
        self.capabilities = self.capabilities.with(Capability::Presign);
        let signing = Signing {
            signer,
            put_headers: put_headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            max_expiry,
        };
        self.edit_clients(|c| c.signer = Some(signing))
    }

    /// Declares that the store keeps a content type, a cache-control value
    /// and user metadata with each object (S3, Azure, GCS and
    /// object_store's `InMemory` do; `LocalFileSystem` does not), with at
    /// most `metadata_limit` bytes of metadata names plus values (S3: 2 KiB,
    /// Azure: 8 KiB); more is refused with `InvalidArgument` before any I/O.
    pub fn with_attributes(mut self, metadata_limit: usize) -> Self {
        self.capabilities = self
            .capabilities
            .with(Capability::ContentType)
            .with(Capability::CacheControl)
            .with(Capability::UserMetadata);
        self.metadata_limit = metadata_limit;
        self
    }

    /// Declares (or not) that the store honours `If-Match` on a `GET`
    /// (declared by default, as the HTTP standard asks): without it, a
    /// read with `ReadOptions::if_match` is refused before any I/O, never
    /// served unchecked.
    pub fn with_conditional_reads(mut self, enforced: bool) -> Self {
        self.capabilities = if enforced {
            self.capabilities.with(Capability::ConditionalRead)
        } else {
            self.capabilities.without(Capability::ConditionalRead)
        };
        self
    }

    /// Declares (or not) that no-overwrite writes are race-free, which
    /// holds when the store enforces `If-None-Match: *`. When it does not,
    /// a no-overwrite write checks for the object first (not race-free).
    pub fn with_exclusive_write(mut self, enforced: bool) -> Self {
        self.capabilities = if enforced {
            self.capabilities.with(Capability::ExclusiveWrite)
        } else {
            self.capabilities.without(Capability::ExclusiveWrite)
        };
        self
    }

    /// Makes large (multipart) no-overwrite writes race-free: `store` is a
    /// second client of the same service, built with
    /// [`CreateOnlyCommits`](crate::CreateOnlyCommits) as its HTTP
    /// connector, and carries those writes. Without it they check first.
    ///
    /// The same client carries compare-and-swap writes (`if_match`) too
    /// (its commits then ask `If-Match`), so with it the backend declares
    /// `ConditionalWrite`: the service must honour `If-Match` on a `PUT`
    /// and on the commit of a multipart upload (S3, Azure).
    pub fn with_create_only_store(mut self, store: Arc<dyn ObjectStore>) -> Self {
        self.capabilities = self.capabilities.with(Capability::ConditionalWrite);
        self.edit_clients(|c| c.create_only = Some(store))
    }

    /// Carries multipart uploads (writes larger than one `PUT`) through
    /// `store`, a client of the same store with retries of its own. A
    /// part is cut from the caller's stream and cannot be sent again from
    /// above, so only the HTTP client can retry it: with this, the main
    /// client's retries can be turned off (the retry layer then being the
    /// one place that retries every other request, ADR-0017) while parts
    /// keep theirs. Conditional multipart commits still go through the
    /// [create-only client](Self::with_create_only_store).
    pub fn with_upload_store(self, store: Arc<dyn ObjectStore>) -> Self {
        self.edit_clients(|c| c.uploads = Some(store))
    }

    /// Lists and deletes by raw key through `raw` (see [`crate::raw`]):
    /// listings then report keys the path rules cannot return as error
    /// items instead of failing, hide folder markers (zero-byte keys
    /// ending in `/`) and count them as folders, and recursive deletes
    /// remove every key below the folder. Without it, listings go through
    /// `object_store`, which fails a page on a key it refuses.
    pub fn with_raw_keys(self, raw: Arc<dyn RawKeys>) -> Self {
        self.edit_clients(|c| c.raw = Some(raw))
    }

    /// Declares `ConditionalDelete`: deletes with `if_match` go through the
    /// raw-key client ([`with_raw_keys`](Self::with_raw_keys), which must be
    /// set) as a `DELETE` with `If-Match`. Only for a service that honours
    /// it (S3, Azure; not s3rver, which ignores conditions).
    pub fn with_conditional_deletes(mut self) -> Self {
        self.capabilities = self.capabilities.with(Capability::ConditionalDelete);
        self
    }

    /// Whether recursive folder deletes use the service's bulk delete (the
    /// default) or one request per object, 16 at a time
    /// (for emulators whose bulk endpoint is slow, e.g. Azurite's batch).
    pub fn with_bulk_delete(mut self, bulk: bool) -> Self {
        self.bulk_delete = bulk;
        self
    }

    /// Declares that the service answers a write with MD5 etags (S3: the
    /// body's MD5 for one `PUT`, the MD5 of the parts' MD5s and `-N` for a
    /// multipart upload), so a write asked to
    /// [`verify`](remote_store_core::WriteOptions::verify) computes them
    /// over the bytes it sends and sets
    /// [`WriteResult::verified`](remote_store_core::WriteResult::verified)
    /// when the service's etag is the same.
    pub fn with_md5_etags(mut self) -> Self {
        self.md5_etags = true;
        self
    }

    /// Says which storage this is (see
    /// [`AsyncBackend::storage_id`](remote_store_core::AsyncBackend::storage_id)):
    /// e.g. `s3://ENDPOINT/BUCKET`. Native paths are full object keys.
    pub fn with_storage_id(mut self, id: impl Into<String>) -> Self {
        self.storage_id = Some(id.into());
        self
    }

    /// The native `object_store` handle, for what this API does not cover;
    /// `None` once closed.
    pub fn object_store(&self) -> Option<Arc<dyn ObjectStore>> {
        self.clients
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|c| c.store.clone())
    }

    /// The key prefix inside the bucket or container.
    pub fn prefix(&self) -> &RemotePath {
        &self.keys.prefix
    }

    /// The clients, or `Closed`.
    fn clients(&self) -> Result<Arc<Clients>> {
        self.clients
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::closed().with_backend(self.keys.name.to_string()))
    }

    fn open(&self) -> Result<()> {
        self.clients().map(drop)
    }

    /// A raw-key error, about `path`.
    fn located(&self, e: Error, path: &RemotePath) -> Error {
        e.with_path(path).with_backend(self.keys.name.to_string())
    }

    fn fail(&self, path: &RemotePath) -> impl Fn(object_store::Error) -> Error + '_ {
        let path = path.clone();
        move |e| map(e, &path, &self.keys.name)
    }

    /// A whole-object GET.
    async fn get(
        &self,
        path: &RemotePath,
        if_match: Option<&str>,
    ) -> Result<object_store::GetResult> {
        self.open()?;
        let opts = GetOptions {
            if_match: if_match.map(str::to_owned),
            ..Default::default()
        };
        self.clients()?
            .store
            .get_opts(&self.keys.key(path), opts)
            .await
            .map_err(|e| self.read_error(e, path, if_match.is_some()))
    }

    /// A failed GET: with a condition, a missing object is a failed
    /// condition (the version asked for is gone), as HTTP answers it
    /// (412) on some services and not others (404).
    fn read_error(&self, e: object_store::Error, path: &RemotePath, conditional: bool) -> Error {
        match e {
            object_store::Error::NotFound { .. } if conditional => {
                Error::new(ErrorKind::PreconditionFailed)
                    .with_path(path)
                    .with_backend(self.keys.name.to_string())
                    .with_message("there is no file")
                    .with_source(e)
            }
            other => map(other, path, &self.keys.name),
        }
    }

    async fn has_children(&self, path: &RemotePath) -> Result<bool> {
        if let Some(raw) = self.clients()?.raw.clone() {
            // Any key counts: a marker, or one the path rules refuse.
            let page = raw
                .list_page(&self.keys.raw_prefix(path), false, 1, None)
                .await
                .map_err(|e| self.located(e, path))?;
            return Ok(!page.objects.is_empty());
        }
        let mut listing = list::flat(&self.clients()?.store, self.keys.clone(), path);
        match listing.next().await {
            Some(Ok(_)) => Ok(true),
            Some(Err(e)) => Err(e),
            None => Ok(false),
        }
    }

    async fn exists_file(&self, path: &RemotePath) -> Result<bool> {
        match self.clients()?.store.head(&self.keys.key(path)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(map(e, path, &self.keys.name)),
        }
    }

    async fn transfer(&self, src: &RemotePath, dst: &RemotePath, overwrite: bool) -> Result<()> {
        let (from, to) = (self.keys.key(src), self.keys.key(dst));
        if overwrite {
            return self
                .clients()?
                .store
                .copy(&from, &to)
                .await
                .map_err(|e| self.copy_error(e, src, dst));
        }
        let opts = object_store::CopyOptions {
            mode: CopyMode::Create,
            ..Default::default()
        };
        match self.clients()?.store.copy_opts(&from, &to, opts).await {
            Ok(()) => Ok(()),
            // Stores without conditional copy: check, then copy.
            Err(
                object_store::Error::NotSupported { .. }
                | object_store::Error::NotImplemented { .. },
            ) => {
                if self.exists_file(dst).await? {
                    return Err(Error::already_exists(dst).with_backend(self.keys.name.to_string()));
                }
                self.clients()?
                    .store
                    .copy(&from, &to)
                    .await
                    .map_err(|e| self.copy_error(e, src, dst))
            }
            Err(e) => Err(match e {
                object_store::Error::NotFound { .. } => map(e, src, &self.keys.name),
                other => map_create(other, dst, &self.keys.name),
            }),
        }
    }

    fn no_folder(&self, path: &RemotePath, missing_ok: bool) -> Result<()> {
        if path.is_root() || missing_ok {
            Ok(())
        } else {
            Err(Error::not_found(path).with_backend(self.keys.name.to_string()))
        }
    }

    fn not_empty(&self, path: &RemotePath) -> Error {
        Error::new(ErrorKind::FolderNotEmpty)
            .with_path(path)
            .with_backend(self.keys.name.to_string())
    }

    /// Deletes `locations` through object_store: in bulk where the service
    /// has it, else one request per object, a few at a time.
    async fn delete_locations(
        &self,
        locations: futures::stream::BoxStream<'static, object_store::Result<Path>>,
        path: &RemotePath,
    ) -> Result<()> {
        let store = self.clients()?.store.clone();
        if self.bulk_delete {
            return store
                .delete_stream(locations)
                .try_for_each(|_| futures::future::ready(Ok(())))
                .await
                .map_err(self.fail(path));
        }
        locations
            .map_ok(|location| {
                let store = store.clone();
                async move {
                    match store.delete(&location).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                        Err(e) => Err(e),
                    }
                }
            })
            .try_buffer_unordered(DELETE_CONCURRENCY)
            .try_for_each(|()| futures::future::ready(Ok(())))
            .await
            .map_err(self.fail(path))
    }

    /// `delete_folder` by raw key: every key below the folder goes,
    /// whatever its name, and a folder holding only its own marker is
    /// empty.
    async fn delete_folder_raw(
        &self,
        raw: Arc<dyn RawKeys>,
        path: &RemotePath,
        recursive: bool,
        missing_ok: bool,
    ) -> Result<()> {
        let prefix = self.keys.raw_prefix(path);
        // Two keys tell a non-recursive delete all it needs; a recursive
        // one deletes this first page too.
        let first = raw
            .list_page(&prefix, false, if recursive { 1000 } else { 2 }, None)
            .await
            .map_err(|e| self.located(e, path))?;
        if first.objects.is_empty() {
            return self.no_folder(path, missing_ok);
        }
        if !recursive {
            let only_marker = matches!(first.objects.as_slice(),
                [o] if !prefix.is_empty() && o.key == prefix && o.size == 0);
            if !only_marker {
                return Err(self.not_empty(path));
            }
            return raw
                .delete_keys(&[prefix])
                .await
                .map_err(|e| self.located(e, path));
        }
        // Page by page: keys object_store addresses exactly go through it
        // (in bulk where the service has it), the others by raw key. A key
        // no request can address does not stop the others from going.
        let mut page = first;
        let mut undeletable: Option<Error> = None;
        loop {
            let mut plain = Vec::new();
            let mut odd = Vec::new();
            for object in page.objects {
                match Path::parse(&object.key) {
                    Ok(p) if p.as_ref() == object.key => plain.push(Ok(p)),
                    _ => odd.push(object.key),
                }
            }
            self.delete_locations(futures::stream::iter(plain).boxed(), path)
                .await?;
            if !odd.is_empty()
                && let Err(e) = raw.delete_keys(&odd).await
            {
                undeletable.get_or_insert(self.located(e, path));
            }
            let Some(next) = page.next else {
                return undeletable.map_or(Ok(()), Err);
            };
            page = raw
                .list_page(&prefix, false, 1000, Some(next))
                .await
                .map_err(|e| self.located(e, path))?;
        }
    }

    fn copy_error(&self, e: object_store::Error, src: &RemotePath, dst: &RemotePath) -> Error {
        match e {
            object_store::Error::NotFound { .. } => map(e, src, &self.keys.name),
            other => map(other, dst, &self.keys.name),
        }
    }
}

impl fmt::Debug for ObjectStoreBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreBackend")
            .field("name", &self.keys.name)
            .field("store", &self.description)
            .field("prefix", &self.keys.prefix)
            .finish()
    }
}

#[async_trait]
impl AsyncBackend for ObjectStoreBackend {
    fn name(&self) -> &str {
        &self.keys.name
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.open()?;
        if path.is_root() {
            // The root is a folder; a HEAD of the empty key would ask the
            // bucket or container instead.
            return Ok(false);
        }
        self.exists_file(path).await
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.open()?;
        if path.is_root() {
            return Ok(true);
        }
        self.has_children(path).await
    }

    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<bytes::Bytes> {
        if options.range.is_some() {
            let stream = self.read(path, options).await?;
            return read::collect(stream).await;
        }
        options.check(self.capabilities)?;
        // object_store sizes the buffer from Content-Length: one allocation,
        // no regrowth, and a one-chunk body is handed over without a copy.
        let result = self.get(path, options.if_match.as_deref()).await?;
        result.bytes().await.map_err(self.fail(path))
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        options.check(self.capabilities)?;
        let if_match = options.if_match.as_deref();
        let Some(ByteRange { offset, len }) = options.range else {
            let result = self.get(path, if_match).await?;
            return Ok(read::body(
                result.into_stream(),
                path.clone(),
                self.keys.name.clone(),
            ));
        };
        self.open()?;
        if len == Some(0) {
            // Still report a missing file, or another version.
            let info = match self.get_file_info(path).await {
                Err(e) if e.kind() == ErrorKind::NotFound && if_match.is_some() => {
                    return Err(Error::new(ErrorKind::PreconditionFailed)
                        .with_path(path)
                        .with_backend(self.keys.name.to_string())
                        .with_message("there is no file"));
                }
                other => other?,
            };
            check_etag(path, &info, if_match, &self.keys.name)?;
            return Ok(futures::stream::empty().boxed());
        }
        let range = match len {
            Some(len) => GetRange::Bounded(offset..offset.saturating_add(len)),
            None => GetRange::Offset(offset),
        };
        let opts = GetOptions {
            range: Some(range),
            if_match: if_match.map(str::to_owned),
            ..Default::default()
        };
        match self
            .clients()?
            .store
            .get_opts(&self.keys.key(path), opts)
            .await
        {
            Ok(result) => Ok(read::body(
                result.into_stream(),
                path.clone(),
                self.keys.name.clone(),
            )),
            Err(
                e @ (object_store::Error::NotFound { .. }
                | object_store::Error::Precondition { .. }),
            ) => Err(self.read_error(e, path, if_match.is_some())),
            Err(e) => {
                // A range that starts at or past the end is refused by the
                // service (416); our contract reads nothing there.
                let info = self.get_file_info(path).await?;
                if offset >= info.size {
                    check_etag(path, &info, if_match, &self.keys.name)?;
                    Ok(futures::stream::empty().boxed())
                } else {
                    Err(map(e, path, &self.keys.name))
                }
            }
        }
    }

    /// A whole-file read is one GET, whose answer carries the object's
    /// metadata and attributes with its body (the same version); ranges
    /// keep the default (their edge cases take requests of their own).
    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        if options.range.is_some() {
            return remote_store_core::described::read_async(self, path, options).await;
        }
        options.check(self.capabilities)?;
        let result = self.get(path, options.if_match.as_deref()).await?;
        let info = list::file_info(&self.keys, &result.meta)?;
        let info = attributes::onto_info(info, &result.attributes);
        let body = read::body(result.into_stream(), path.clone(), self.keys.name.clone());
        Ok((info, body))
    }

    /// Every write commits in one step (PUT, or multipart completion), so
    /// it is atomic whether asked or not.
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        options.check(self.capabilities)?;
        remote_store_core::attributes::check_metadata(&options.metadata, self.metadata_limit)
            .map_err(|e| e.with_path(path).with_backend(self.keys.name.to_string()))?;
        let clients = self.clients()?;
        let target = Target {
            store: &clients.store,
            key: self.keys.key(path),
            path,
            backend: &self.keys.name,
            conditional: self.capabilities.contains(Capability::ExclusiveWrite),
            create_only: clients.create_only.as_ref(),
            uploads: clients.uploads.as_ref(),
            if_match: options.if_match.as_deref(),
            attributes: attributes::of_write(options),
            verify: options.verify && self.md5_etags,
        };
        write::write(target, src, options.overwrite).await
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        options.check(self.capabilities)?;
        let missing_ok = options.missing_ok;
        self.open()?;
        if let Some(etag) = &options.if_match {
            // object_store has no conditional delete; the raw client does.
            let Some(raw) = self.clients()?.raw.clone() else {
                return Err(Error::unsupported(Capability::ConditionalDelete).with_path(path));
            };
            let key = self.keys.key(path);
            return raw
                .delete_if_match(key.as_ref(), etag)
                .await
                .map_err(|e| e.with_path(path).with_backend(self.keys.name.to_string()));
        }
        // Most services answer 204 for a missing key, so check first when
        // the caller wants to hear about it.
        if !missing_ok && !self.exists_file(path).await? {
            return Err(Error::not_found(path).with_backend(self.keys.name.to_string()));
        }
        match self.clients()?.store.delete(&self.keys.key(path)).await {
            Ok(()) => Ok(()),
            // A service that says so (Azure) settles a race the check above
            // cannot: of two concurrent deletes, one hears `NotFound`.
            Err(object_store::Error::NotFound { .. }) if missing_ok => Ok(()),
            Err(e) => Err(map(e, path, &self.keys.name)),
        }
    }

    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        let options = DeleteOptions::new().missing_ok(missing_ok);
        options.check(self.capabilities)?;
        let store = self.clients()?.store.clone();
        if missing_ok && self.bulk_delete {
            return Ok(crate::bulk::delete(store, &self.keys, paths).await);
        }
        // A bulk delete does not say which keys were there (S3), so a
        // caller who wants to hear about missing files gets one check and
        // one delete per file.
        let deletes: Vec<_> = paths.iter().map(|p| self.delete(p, &options)).collect();
        Ok(futures::stream::iter(deletes)
            .buffered(DELETE_CONCURRENCY)
            .collect()
            .await)
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        let (recursive, missing_ok) = (options.recursive, options.missing_ok);
        self.open()?;
        if let Some(raw) = self.clients()?.raw.clone() {
            return self
                .delete_folder_raw(raw, path, recursive, missing_ok)
                .await;
        }
        if !self.has_children(path).await? {
            return self.no_folder(path, missing_ok);
        }
        if !recursive {
            return Err(self.not_empty(path));
        }
        // Fed by the listing, as it streams.
        let prefix = self.keys.key(path);
        let locations = self
            .clients()?
            .store
            .list(Some(&prefix).filter(|p| !p.as_ref().is_empty()))
            .map_ok(|meta| meta.location)
            .boxed();
        self.delete_locations(locations, path).await
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        let recursive = options.recursive;
        self.open()?;
        if let Some(raw) = self.clients()?.raw.clone() {
            return Ok(list::raw_files(raw, self.keys.clone(), path, recursive));
        }
        if recursive {
            return Ok(list::flat(&self.clients()?.store, self.keys.clone(), path));
        }
        let level = {
            let c = self.clients()?;
            list::level(&c.store, c.pages.as_ref(), &self.keys, path)
        };
        Ok(list::files_of(level, self.keys.clone()))
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        self.open()?;
        if let Some(raw) = self.clients()?.raw.clone() {
            return Ok(list::raw_folders(raw, self.keys.clone(), path));
        }
        let level = {
            let c = self.clients()?;
            list::level(&c.store, c.pages.as_ref(), &self.keys, path)
        };
        Ok(list::folders_of(level, self.keys.clone()))
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.open()?;
        // A `HEAD` through `get_opts`, which (unlike `head`) reports the
        // attributes: content type, cache-control, user metadata.
        let options = GetOptions {
            head: true,
            ..Default::default()
        };
        let got = self
            .clients()?
            .store
            .get_opts(&self.keys.key(path), options)
            .await
            .map_err(self.fail(path))?;
        let info = list::file_info(&self.keys, &got.meta)?;
        Ok(attributes::onto_info(info, &got.attributes))
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        let overwrite = options.overwrite;
        self.open()?;
        if src == dst {
            return if overwrite && self.exists_file(src).await? {
                Ok(())
            } else if overwrite {
                Err(Error::not_found(src).with_backend(self.keys.name.to_string()))
            } else {
                Err(Error::already_exists(dst).with_backend(self.keys.name.to_string()))
            };
        }
        self.transfer(src, dst, overwrite).await?;
        self.clients()?
            .store
            .delete(&self.keys.key(src))
            .await
            .map_err(self.fail(src))
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.open()?;
        self.transfer(src, dst, options.overwrite).await
    }

    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        options.check(self.capabilities)?;
        let Some(signing) = self.clients()?.signer.clone() else {
            return Err(Error::unsupported(Capability::Presign));
        };
        let backend = self.keys.name.to_string();
        if let Some(max) = signing.max_expiry.filter(|max| options.expires > *max) {
            return Err(Error::new(ErrorKind::InvalidArgument)
                .with_path(path)
                .with_backend(backend)
                .with_message(format!(
                    "a presigned URL can stay valid for at most {} s here",
                    max.as_secs()
                )));
        }
        let (method, headers) = match options.method {
            PresignMethod::Get => (http::Method::GET, Vec::new()),
            PresignMethod::Put => (http::Method::PUT, signing.put_headers.clone()),
            _ => return Err(Error::unsupported(Capability::Presign).with_path(path)),
        };
        let url = signing
            .signer
            .signed_url(method, &self.keys.key(path), options.expires)
            .await
            .map_err(self.fail(path))?;
        let mut request = PresignedRequest::new(options.method, url.to_string());
        for (name, value) in headers {
            request = request.with_header(name, value);
        }
        Ok(request)
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.open()?;
        glob::glob_files_async(self, pattern).await
    }

    /// Drops the clients: their pooled connections close (streams still
    /// open keep theirs until dropped).
    async fn close(&self) -> Result<()> {
        self.clients
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Ok(())
    }

    fn storage_id(&self) -> Option<String> {
        self.storage_id.clone()
    }

    fn native_path(&self, path: &RemotePath) -> String {
        self.keys.key(path).to_string()
    }

    fn to_key(&self, native: &str) -> Result<RemotePath> {
        let key = Path::parse(native)
            .map_err(|e| Error::invalid_path(native, "not an object key").with_source(e))?;
        self.keys.path_of(&key)
    }
}
