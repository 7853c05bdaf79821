//! Both memory backends, each through both faces: four runs of the suite.
//! (Here rather than in the workspace's integration binary, so that
//! `cargo xtask mutants` can run the suite against this crate alone.)
//!
//! - `sync_backend::store`: `MemoryBackend` through `Store` (native).
//! - `sync_backend::async_store`: through `AsyncStore` (`SyncBackendAdapter`).
//! - `async_backend::async_store`: `AsyncMemoryBackend` through `AsyncStore`.
//! - `async_backend::store`: through `Store` (blocking bridge).
//! - `layered::*`: the same four under a layer that forwards everything.

mod sync_backend {
    use remote_store_memory::MemoryBackend;
    remote_store_conformance::conformance_tests!(sync, MemoryBackend::new);
}

mod async_backend {
    use remote_store_memory::AsyncMemoryBackend;
    remote_store_conformance::conformance_tests!(async, AsyncMemoryBackend::new);
}

/// Both memory backends under a layer that overrides nothing, through
/// both faces: every operation goes through the forwarding traits of
/// `remote_store_core::layer` and must keep the whole contract.
mod layered {
    use remote_store_core::layer::{LayeredAsyncBackend, LayeredBackend};
    use remote_store_core::{AsyncBackend, Backend};

    /// A sync layer that forwards everything.
    pub(crate) struct Forward<B>(pub(crate) B);

    impl<B: Backend> LayeredBackend for Forward<B> {
        type Inner = B;
        fn inner(&self) -> &B {
            &self.0
        }
    }

    /// An async layer that forwards everything.
    pub(crate) struct ForwardAsync<B>(pub(crate) B);

    impl<B: AsyncBackend> LayeredAsyncBackend for ForwardAsync<B> {
        type Inner = B;
        fn inner(&self) -> &B {
            &self.0
        }
    }

    mod sync_backend {
        use super::Forward;
        use remote_store_memory::MemoryBackend;
        remote_store_conformance::conformance_tests!(sync, || Forward(MemoryBackend::new()));
    }

    mod async_backend {
        use super::ForwardAsync;
        use remote_store_memory::AsyncMemoryBackend;
        remote_store_conformance::conformance_tests!(async, || ForwardAsync(
            AsyncMemoryBackend::new()
        ));
    }
}
