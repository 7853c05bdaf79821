//! The conformance suite on both memory backends, each through both faces.

mod sync_backend {
    use remote_store_memory::MemoryBackend;
    remote_store_conformance::conformance_tests!(sync, MemoryBackend::new);
}

mod async_backend {
    use remote_store_memory::AsyncMemoryBackend;
    remote_store_conformance::conformance_tests!(async, AsyncMemoryBackend::new);
}
