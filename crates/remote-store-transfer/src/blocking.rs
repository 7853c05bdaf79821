//! The sync face: the same engine, run on remote-store's background
//! runtime.

use std::future::Future;

use remote_store_core::{AsyncStore, Error, ErrorKind, Result, Store};

use crate::report::{Outcome, Report};
use crate::sync::SyncOptions;
use crate::transfer::Transfer;

/// Runs `work` on remote-store's background runtime (which lives for the
/// process, so connections a backend opens there outlive each call) and
/// waits for it on this thread (any thread, inside a runtime or not).
fn run<T: Send + 'static>(work: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
    let task = remote_store_core::background_runtime().spawn(work);
    // Unconstrained: a caller inside a tokio task has a cooperative
    // budget that a plain `block_on` would spend and never get back.
    futures::executor::block_on(tokio::task::unconstrained(task)).unwrap_or_else(|e| {
        Err(Error::new(ErrorKind::Other).with_message(format!("the transfer task failed: {e}")))
    })
}

/// Both stores on the async face. Two stores on one backend stay on one
/// backend (so a copy inside it is still possible).
fn async_ends(src: &Store, dst: &Store) -> Result<(AsyncStore, AsyncStore)> {
    let a = src.to_async();
    let b = match src.shares_backend(dst) {
        true => AsyncStore::new(a.backend().clone()).child(dst.root().as_str())?,
        false => dst.to_async(),
    };
    Ok((a, b))
}

impl Transfer {
    /// [`copy_file`](Self::copy_file) on the sync face.
    ///
    /// # Errors
    /// As for [`copy_file`](Self::copy_file).
    pub fn copy_file_blocking(
        &self,
        src: &Store,
        src_path: &str,
        dst: &Store,
        dst_path: &str,
    ) -> Result<Outcome> {
        let (a, b) = async_ends(src, dst)?;
        let (this, from, to) = (self.clone(), src_path.to_owned(), dst_path.to_owned());
        run(async move { this.copy_file(&a, &from, &b, &to).await })
    }

    /// [`copy_tree`](Self::copy_tree) on the sync face.
    ///
    /// # Errors
    /// As for [`copy_tree`](Self::copy_tree).
    pub fn copy_tree_blocking(
        &self,
        src: &Store,
        src_path: &str,
        dst: &Store,
        dst_path: &str,
    ) -> Result<Report> {
        let (a, b) = async_ends(src, dst)?;
        let (this, from, to) = (self.clone(), src_path.to_owned(), dst_path.to_owned());
        run(async move { this.copy_tree(&a, &from, &b, &to).await })
    }

    /// [`sync_tree`](Self::sync_tree) on the sync face.
    ///
    /// # Errors
    /// As for [`sync_tree`](Self::sync_tree).
    pub fn sync_tree_blocking(
        &self,
        src: &Store,
        src_path: &str,
        dst: &Store,
        dst_path: &str,
        options: &SyncOptions,
    ) -> Result<Report> {
        let (a, b) = async_ends(src, dst)?;
        let (this, from, to, options) = (
            self.clone(),
            src_path.to_owned(),
            dst_path.to_owned(),
            *options,
        );
        run(async move { this.sync_tree(&a, &from, &b, &to, &options).await })
    }
}
