//! Runs one case: builds the store over a fresh random root, runs the case
//! on a multi-thread runtime, and cleans up.

use std::future::Future;
use std::sync::Arc;

use remote_store_core::{AsyncStore, Capability, IntoAsyncBackend, IntoBackend, Store};

use crate::face::Subject;

/// A root no other run uses, so runs can share a server.
fn fresh_root() -> String {
    format!("conformance-{:016x}", fastrand::u64(..))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("cannot start the test runtime")
}

fn run<Fut: Future<Output = ()>>(subject: Subject, case: impl FnOnce(Subject) -> Fut) {
    let rt = runtime();
    rt.block_on(async {
        case(subject.clone()).await;
        // Best effort: the case may have closed the store.
        if subject.capabilities().contains(Capability::Delete) {
            let _ = subject.delete_folder("", true, true).await;
        }
    });
}

/// Runs `case` on a [`Store`] over `backend` (a sync backend directly, an
/// async one through the blocking bridge).
pub fn store<M, Fut: Future<Output = ()>>(
    backend: impl IntoBackend<M>,
    case: impl FnOnce(Subject) -> Fut,
) {
    let store = Store::with_root(backend, &fresh_root()).expect("valid root");
    run(Arc::new(store), case);
}

/// Runs `case` on an [`AsyncStore`] over `backend` (an async backend
/// directly, a sync one through the `SyncBackendAdapter`).
pub fn async_store<M, Fut: Future<Output = ()>>(
    backend: impl IntoAsyncBackend<M>,
    case: impl FnOnce(Subject) -> Fut,
) {
    let store = AsyncStore::with_root(backend, &fresh_root()).expect("valid root");
    run(Arc::new(store), case);
}
