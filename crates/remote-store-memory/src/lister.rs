//! Lazy listings: the map is read one page at a time, under a short lock,
//! so a listing never copies the whole map and never blocks writers for
//! long.

use std::ops::Bound;
use std::sync::Arc;

use remote_store_core::{Error, FileInfo, RemotePath, Result};

use crate::state::{Listed, State, folder_prefix};

const PAGE: usize = 256;

/// Walks the entries of one folder page by page.
pub(crate) struct Lister<T> {
    state: Arc<State>,
    dir: RemotePath,
    recursive: bool,
    next: Option<Bound<String>>,
    page: std::vec::IntoIter<Result<Listed>>,
    _kind: std::marker::PhantomData<fn() -> T>,
}

impl<T> Lister<T> {
    fn new(state: Arc<State>, dir: RemotePath, recursive: bool) -> Self {
        let start = Bound::Included(folder_prefix(&dir));
        Lister {
            state,
            dir,
            recursive,
            next: Some(start),
            page: Vec::new().into_iter(),
            _kind: std::marker::PhantomData,
        }
    }

    fn next_listed(&mut self, folders: bool) -> Option<Result<Listed>> {
        loop {
            if let Some(item) = self.page.next() {
                return Some(item);
            }
            let start = self.next.take()?;
            match self
                .state
                .page(&self.dir, self.recursive, folders, start, PAGE)
            {
                Ok((page, next)) => {
                    self.page = page.into_iter();
                    self.next = next;
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Files of a folder.
pub(crate) fn files(state: Arc<State>, dir: RemotePath, recursive: bool) -> Lister<FileInfo> {
    Lister::new(state, dir, recursive)
}

/// Direct subfolders of a folder.
pub(crate) fn folders(state: Arc<State>, dir: RemotePath) -> Lister<RemotePath> {
    Lister::new(state, dir, false)
}

impl Iterator for Lister<FileInfo> {
    type Item = Result<FileInfo>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.next_listed(false)? {
            Ok(Listed::File(info)) => Ok(info),
            Ok(Listed::Folder(p)) => Err(Error::other(format!("unexpected folder {p}"))),
            Err(e) => Err(e),
        })
    }
}

impl Iterator for Lister<RemotePath> {
    type Item = Result<RemotePath>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.next_listed(true)? {
            Ok(Listed::Folder(p)) => Ok(p),
            Ok(Listed::File(info)) => Err(Error::other(format!("unexpected file {}", info.path))),
            Err(e) => Err(e),
        })
    }
}
