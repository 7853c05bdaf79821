//! Runs one case: builds the store over a fresh random root, runs the case
//! on a multi-thread runtime, and cleans up.

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, mpsc};
use std::time::Duration;

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

/// How long one case may run: `RS_CONFORMANCE_CASE_TIMEOUT` seconds, or
/// 900 (the 10 000-entry listing on a slow emulator takes minutes).
fn case_timeout() -> Duration {
    let secs = std::env::var("RS_CONFORMANCE_CASE_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(900);
    Duration::from_secs(secs)
}

/// Runs the case on a thread of its own and waits at most
/// [`case_timeout`]: a backend that hangs (a listing that never ends, a
/// lock never released) fails its test instead of stalling the suite. A
/// panic in the case is the test's panic.
fn run<Fut: Future<Output = ()> + 'static>(
    subject: Subject,
    case: impl FnOnce(Subject) -> Fut + Send + 'static,
) {
    let (done, outcome) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("conformance-case".into())
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                let rt = runtime();
                rt.block_on(async {
                    case(subject.clone()).await;
                    // Best effort: the case may have closed the store.
                    if subject.capabilities().contains(Capability::Delete) {
                        let _ = subject.delete_folder("", true, true).await;
                    }
                });
            }));
            let _ = done.send(result);
        })
        .expect("cannot start the case thread");
    let limit = case_timeout();
    match outcome.recv_timeout(limit) {
        Ok(Ok(())) => {
            let _ = worker.join();
        }
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!(
            "the case did not finish within {} s (a hang?); RS_CONFORMANCE_CASE_TIMEOUT sets the limit",
            limit.as_secs()
        ),
    }
}

/// Runs `case` on a [`Store`] over `backend` (a sync backend directly, an
/// async one through the blocking bridge).
pub fn store<M, Fut: Future<Output = ()> + 'static>(
    backend: impl IntoBackend<M>,
    case: impl FnOnce(Subject) -> Fut + Send + 'static,
) {
    let store = Store::with_root(backend, &fresh_root()).expect("valid root");
    run(Arc::new(store), case);
}

/// Runs `case` on an [`AsyncStore`] over `backend` (an async backend
/// directly, a sync one through the `SyncBackendAdapter`).
pub fn async_store<M, Fut: Future<Output = ()> + 'static>(
    backend: impl IntoAsyncBackend<M>,
    case: impl FnOnce(Subject) -> Fut + Send + 'static,
) {
    let store = AsyncStore::with_root(backend, &fresh_root()).expect("valid root");
    run(Arc::new(store), case);
}
