//! [`ObjectStoreAdapter`]: the `ObjectStore` trait over an `AsyncStore`.

use super::{compat, object_store};
use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyMode, CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
    RenameTargetMode,
};
use remote_store_core::{AsyncStore, Capability, DeleteOptions, RemotePath};

use super::error::{map, map_object, not_implemented};
use super::path::to_remote;

/// Deletes of one `delete_stream` in flight at once.
const DELETES_IN_FLIGHT: usize = 8;

/// An [`AsyncStore`] as an [`object_store::ObjectStore`]: any backend
/// (SFTP, local, memory, a third-party one, under any layers) for the
/// crates that speak object_store (DataFusion, Polars, delta-rs, arrow's
/// parquet reader).
///
/// Keys are paths below the store's root, unchanged: a key the path rules
/// would rewrite or refuse is an error, never another key (see the crate
/// docs for what each method does and refuses).
#[derive(Clone)]
pub struct ObjectStoreAdapter {
    store: AsyncStore,
}

impl ObjectStoreAdapter {
    /// The adapter over `store` (no I/O).
    pub fn new(store: AsyncStore) -> Self {
        Self { store }
    }

    /// The store underneath.
    pub fn store(&self) -> &AsyncStore {
        &self.store
    }

    /// `src` copied to `dst` only if `dst` does not exist, race-free: the
    /// bytes go through a no-overwrite write, which is race-free where
    /// the store declares `ExclusiveWrite` (our `copy` without overwrite
    /// promises no more than a check on some backends).
    async fn copy_exclusive(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        if !self.store.supports(Capability::ExclusiveWrite) {
            return Err(not_implemented(
                "copy or rename if not exists (the store has no race-free no-overwrite write)",
            ));
        }
        let (src, dst) = (to_remote(from)?, to_remote(to)?);
        // The copy keeps what the source carries (as `copy` does): its
        // attributes, and the bytes of the version they describe where
        // the store can pin a read to it.
        let info = self
            .store
            .get_file_info(src.as_str())
            .await
            .map_err(|e| map_object(e, from.as_ref()))?;
        let read = super::get::pinned_read(&self.store, info.etag.as_deref());
        let bytes = self
            .store
            .read_with(src.as_str(), &read)
            .await
            .map_err(|e| map_object(e, from.as_ref()))?;
        self.store
            .write_with(dst.as_str(), bytes, &super::put::keeping_attributes(&info))
            .await
            .map_err(|e| map(e, to.as_ref()))
            .map(drop)
    }
}

impl fmt::Display for ObjectStoreAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ObjectStoreAdapter({}:/{})",
            self.store.name(),
            self.store.root().as_str()
        )
    }
}

impl fmt::Debug for ObjectStoreAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStoreAdapter")
            .field("backend", &self.store.name())
            .field("root", &self.store.root().as_str())
            .finish()
    }
}

#[async_trait]
impl ObjectStore for ObjectStoreAdapter {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let path = to_remote(location)?;
        let options = super::put::write_options(
            self.store.capabilities(),
            &opts.mode,
            &opts.attributes,
            &opts.tags,
        )?;
        let chunks: Vec<Bytes> = payload.into_iter().collect();
        let written = self
            .store
            .write_with(
                path.as_str(),
                futures::stream::iter(chunks.into_iter().map(Ok)),
                &options,
            )
            .await
            .map_err(|e| map(e, location.as_ref()))?;
        Ok(compat::put_result(written.etag))
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        let path = to_remote(location)?;
        let options = super::put::write_options(
            self.store.capabilities(),
            &PutMode::Overwrite,
            &opts.attributes,
            &opts.tags,
        )?;
        let upload = super::multipart::Upload::start(
            self.store.clone(),
            path,
            options,
            location.as_ref().to_owned(),
        )?;
        Ok(Box::new(upload))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let path = to_remote(location)?;
        super::get::get(&self.store, location, &path, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let store = self.store.clone();
        locations
            .map(move |location| {
                let store = store.clone();
                async move {
                    let location = location?;
                    let path: RemotePath = to_remote(&location)?;
                    // As object stores do: deleting no object succeeds.
                    let options = DeleteOptions::new().missing_ok(true);
                    store
                        .delete_with(path.as_str(), &options)
                        .await
                        .map_err(|e| map_object(e, location.as_ref()))?;
                    Ok(location)
                }
            })
            .buffered(DELETES_IN_FLIGHT)
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        super::list::list(self.store.clone(), prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        super::list::list_with_delimiter(&self.store, prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        match options.mode {
            CopyMode::Overwrite => {
                let (src, dst) = (to_remote(from)?, to_remote(to)?);
                let options = remote_store_core::CopyOptions::new().overwrite(true);
                self.store
                    .copy_with(src.as_str(), dst.as_str(), &options)
                    .await
                    .map_err(|e| map_transfer(e, from, to))
            }
            CopyMode::Create => self.copy_exclusive(from, to).await,
        }
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        match options.target_mode {
            RenameTargetMode::Overwrite => {
                let (src, dst) = (to_remote(from)?, to_remote(to)?);
                let options = remote_store_core::RenameOptions::new().overwrite(true);
                self.store
                    .rename_with(src.as_str(), dst.as_str(), &options)
                    .await
                    .map_err(|e| map_transfer(e, from, to))
            }
            // As object_store's default: a copy that refuses to replace,
            // then the source goes.
            RenameTargetMode::Create => {
                self.copy_exclusive(from, to).await?;
                let src = to_remote(from)?;
                self.store
                    .delete(src.as_str(), false)
                    .await
                    .map_err(|e| map_object(e, from.as_ref()))
            }
        }
    }
}

/// A copy's or rename's error: about the source when it is missing (our
/// stores check it first), about the destination otherwise.
fn map_transfer(e: remote_store_core::Error, from: &Path, to: &Path) -> object_store::Error {
    if e.path() == Some(from.as_ref()) || e.kind() == remote_store_core::ErrorKind::NotFound {
        map_object(e, from.as_ref())
    } else {
        map(e, to.as_ref())
    }
}
