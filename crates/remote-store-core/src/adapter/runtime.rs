//! The runtime the adapters run work on when the caller gives them none.

use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

/// The shared runtime of the blocking bridge.
///
/// Multi-thread, so that a future spawned on it makes progress while the
/// calling thread blocks, whatever runtime (if any) that thread belongs to.
/// It lives for the whole process: a runtime dropped inside async code
/// panics, and a process-wide one is never dropped.
pub(crate) fn bridge_runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get().clamp(2, 8))
            .unwrap_or(2);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("remote-store-bridge")
            .enable_all()
            .build()
            .expect("remote-store: cannot start the bridge runtime (out of threads?)")
    })
}

/// The process-wide runtime remote-store runs its own background work on:
/// the blocking bridge's calls, backends' network connections (made here
/// rather than on a caller's runtime, which the caller may block or drop:
/// ADR-0022) and the sync face of transfers. Multi-thread (2 to 8
/// workers, by the machine's parallelism), started on first use, never
/// dropped.
///
/// # Panics
/// When the runtime cannot be started (the process is out of threads).
pub fn background_runtime() -> &'static Runtime {
    bridge_runtime()
}

/// Where blocking work goes: the caller's runtime when there is one, the
/// bridge runtime otherwise (so the adapter also works under other
/// executors).
pub(crate) fn blocking_handle() -> Handle {
    Handle::try_current().unwrap_or_else(|_| bridge_runtime().handle().clone())
}
