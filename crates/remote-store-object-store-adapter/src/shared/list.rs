//! Listings: `list` is one recursive listing of the prefix's folder,
//! streamed; `list_with_delimiter` lists the folder's files and its
//! folders, sorted as object_store's stores answer.

use super::{compat, object_store};
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ListResult, ObjectMeta};
use remote_store_core::{AsyncStore, ListOptions};

use super::error::map;
use super::get::object_meta;
use super::path::{to_folder, to_location};

/// Every object below `prefix` (whole segments, as object_store means
/// it: `foo` lists `foo/x`, not `foo.bar`). A file at `prefix` itself is
/// not below it and is not listed.
pub(crate) fn list(
    store: AsyncStore,
    prefix: Option<&Path>,
) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
    let folder = to_folder(prefix);
    let raw = prefix.map(|p| p.as_ref().to_owned()).unwrap_or_default();
    futures::stream::once(async move {
        let folder = folder?;
        let options = ListOptions::new().recursive(true);
        let files = store
            .list_files_with(folder.as_str(), &options)
            .await
            .map_err(|e| map(e, &raw))?;
        Ok::<_, object_store::Error>(files.map(move |item| {
            let info = item.map_err(|e| map(e, &raw))?;
            Ok(object_meta(&info, to_location(&info.path)?))
        }))
    })
    .try_flatten()
    .boxed()
}

/// The objects directly in `prefix`'s folder and its subfolders, each
/// sorted by key. Where folders persist on their own (local, SFTP), an
/// empty folder is a common prefix too, as with object_store's
/// `LocalFileSystem`.
pub(crate) async fn list_with_delimiter(
    store: &AsyncStore,
    prefix: Option<&Path>,
) -> object_store::Result<ListResult> {
    let folder = to_folder(prefix)?;
    let raw = prefix.map(|p| p.as_ref()).unwrap_or_default();
    let mut objects: Vec<ObjectMeta> = store
        .list_files(folder.as_str(), false)
        .await
        .map_err(|e| map(e, raw))?
        .map(|item| -> object_store::Result<ObjectMeta> {
            let info = item.map_err(|e| map(e, raw))?;
            Ok(object_meta(&info, to_location(&info.path)?))
        })
        .try_collect()
        .await?;
    let mut common_prefixes: Vec<Path> = store
        .list_folders(folder.as_str())
        .await
        .map_err(|e| map(e, raw))?
        .map(|item| to_location(&item.map_err(|e| map(e, raw))?))
        .try_collect()
        .await?;
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    common_prefixes.sort();
    Ok(compat::list_result(common_prefixes, objects))
}
