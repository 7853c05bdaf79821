//! Both memory backends, each through both faces: four runs of the suite.
//!
//! - `sync_backend::store`: `MemoryBackend` through `Store` (native).
//! - `sync_backend::async_store`: through `AsyncStore` (`SyncBackendAdapter`).
//! - `async_backend::async_store`: `AsyncMemoryBackend` through `AsyncStore`.
//! - `async_backend::store`: through `Store` (blocking bridge).

mod sync_backend {
    use remote_store::backends::MemoryBackend;
    remote_store_conformance::conformance_tests!(sync, MemoryBackend::new);
}

mod async_backend {
    use remote_store::backends::AsyncMemoryBackend;
    remote_store_conformance::conformance_tests!(async, AsyncMemoryBackend::new);
}
