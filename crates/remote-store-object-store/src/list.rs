//! Listings, streamed page by page.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::{ListResult, ObjectMeta, ObjectStore};
use remote_store_core::stream::{FileStream, FolderStream};
use remote_store_core::{FileInfo, RemotePath, Result};

use crate::backend::Keys;
use crate::error::map;
use crate::raw::{RawKeys, RawPage};

/// One page of a delimiter listing: files and subfolders.
type Level = futures::stream::BoxStream<'static, Result<ListResult>>;

pub(crate) fn file_info(keys: &Keys, meta: &ObjectMeta) -> Result<FileInfo> {
    let mut info = FileInfo::new(keys.path_of(&meta.location)?, meta.size)
        .with_modified(meta.last_modified.into());
    if let Some(etag) = &meta.e_tag {
        info = info.with_etag(etag.clone());
    }
    Ok(info)
}

/// Every object below `dir`, as one flat listing.
pub(crate) fn flat(store: &Arc<dyn ObjectStore>, keys: Keys, dir: &RemotePath) -> FileStream {
    let prefix = keys.key(dir);
    let listing = store.list(Some(&prefix).filter(|p| !p.as_ref().is_empty()));
    let name = keys.name().to_owned();
    let dir = dir.clone();
    listing
        .map(move |item| {
            item.map_err(|e| map(e, &dir, &name))
                .and_then(|meta| file_info(&keys, &meta))
        })
        .boxed()
}

/// The pages of a delimiter listing of `dir`.
pub(crate) fn level(
    store: &Arc<dyn ObjectStore>,
    pages: Option<&Arc<dyn PaginatedListStore>>,
    keys: &Keys,
    dir: &RemotePath,
) -> Level {
    let prefix = keys.key(dir);
    let raw = if prefix.as_ref().is_empty() {
        None
    } else {
        Some(format!("{}/", prefix.as_ref()))
    };
    let name = keys.name().to_owned();
    let dir = dir.clone();
    match pages {
        Some(pages) => {
            let pages = pages.clone();
            // State: the next page token; `None` once the last page is out.
            futures::stream::try_unfold(Some(None::<String>), move |token| {
                let (pages, raw, name, dir) =
                    (pages.clone(), raw.clone(), name.clone(), dir.clone());
                async move {
                    let Some(token) = token else { return Ok(None) };
                    let opts = PaginatedListOptions {
                        delimiter: Some("/".into()),
                        max_keys: Some(1000),
                        page_token: token,
                        ..Default::default()
                    };
                    let page = pages
                        .list_paginated(raw.as_deref(), opts)
                        .await
                        .map_err(|e| map(e, &dir, &name))?;
                    let next = page.page_token.map(Some);
                    Ok(Some((page.result, next)))
                }
            })
            .boxed()
        }
        None => {
            // Stores without paginated listing return one whole level.
            let store = store.clone();
            let prefix = Some(prefix).filter(|p| !p.as_ref().is_empty());
            futures::stream::once(async move {
                store
                    .list_with_delimiter(prefix.as_ref())
                    .await
                    .map_err(|e| map(e, &dir, &name))
            })
            .boxed()
        }
    }
}

pub(crate) fn files_of(level: Level, keys: Keys) -> FileStream {
    level
        .map_ok(move |page| {
            let keys = keys.clone();
            futures::stream::iter(page.objects.into_iter().map(move |m| file_info(&keys, &m)))
        })
        .try_flatten()
        .boxed()
}

pub(crate) fn folders_of(level: Level, keys: Keys) -> FolderStream {
    level
        .map_ok(move |page| {
            let keys = keys.clone();
            futures::stream::iter(
                page.common_prefixes
                    .into_iter()
                    .map(move |p| keys.path_of(&p)),
            )
        })
        .try_flatten()
        .boxed()
}

/// The raw pages of the keys starting with `prefix`, with or without the
/// delimiter.
fn raw_pages(
    raw: Arc<dyn RawKeys>,
    prefix: String,
    delimiter: bool,
    dir: RemotePath,
    name: Arc<str>,
) -> futures::stream::BoxStream<'static, Result<RawPage>> {
    // State: the next page token; `None` once the last page is out.
    futures::stream::try_unfold(Some(None::<String>), move |token| {
        let (raw, prefix, dir, name) = (raw.clone(), prefix.clone(), dir.clone(), name.clone());
        async move {
            let Some(token) = token else { return Ok(None) };
            let page = raw
                .list_page(&prefix, delimiter, 1000, token)
                .await
                .map_err(|e| e.with_path(&dir).with_backend(name.to_string()))?;
            let next = page.next.clone().map(Some);
            Ok(Some((page, next)))
        }
    })
    .boxed()
}

/// The entries `pick` makes of each raw page of `dir` (with the
/// delimiter, or all keys below it), flattened into one stream.
fn raw_entries<T: Send + 'static>(
    raw: Arc<dyn RawKeys>,
    keys: Keys,
    dir: &RemotePath,
    delimiter: bool,
    pick: fn(&Keys, &RemotePath, &str, RawPage) -> Vec<Result<T>>,
) -> futures::stream::BoxStream<'static, Result<T>> {
    let prefix = keys.raw_prefix(dir);
    let pages = raw_pages(
        raw,
        prefix.clone(),
        delimiter,
        dir.clone(),
        keys.name.clone(),
    );
    let dir = dir.clone();
    pages
        .map_ok(move |page| futures::stream::iter(pick(&keys, &dir, &prefix, page)))
        .try_flatten()
        .boxed()
}

/// The files of `dir` (all below it when `recursive`, else one level),
/// listed by raw key: folder markers hidden, keys the path rules cannot
/// return reported as error items.
pub(crate) fn raw_files(
    raw: Arc<dyn RawKeys>,
    keys: Keys,
    dir: &RemotePath,
    recursive: bool,
) -> FileStream {
    raw_entries(raw, keys, dir, !recursive, |keys, dir, prefix, page| {
        page.objects
            .iter()
            .filter_map(|o| keys.raw_file(dir, prefix, o))
            .collect()
    })
}

/// The subfolders of `dir`, listed by raw key.
pub(crate) fn raw_folders(raw: Arc<dyn RawKeys>, keys: Keys, dir: &RemotePath) -> FolderStream {
    raw_entries(raw, keys, dir, true, |keys, dir, prefix, page| {
        page.prefixes
            .iter()
            .map(|p| keys.raw_folder(dir, prefix, p))
            .collect()
    })
}
