//! Both memory backends, each through both faces: four runs of the suite.
//! (Here rather than in the workspace's integration binary, so that
//! `cargo xtask mutants` can run the suite against this crate alone.)
//!
//! - `sync_backend::store`: `MemoryBackend` through `Store` (native).
//! - `sync_backend::async_store`: through `AsyncStore` (`SyncBackendAdapter`).
//! - `async_backend::async_store`: `AsyncMemoryBackend` through `AsyncStore`.
//! - `async_backend::store`: through `Store` (blocking bridge).

mod sync_backend {
    use remote_store_memory::MemoryBackend;
    remote_store_conformance::conformance_tests!(sync, MemoryBackend::new);
}

mod async_backend {
    use remote_store_memory::AsyncMemoryBackend;
    remote_store_conformance::conformance_tests!(async, AsyncMemoryBackend::new);
}
