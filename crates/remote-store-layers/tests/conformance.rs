//! The memory backends under the retry layer (default policy) pass the
//! whole suite through both faces: the layer keeps the contract when
//! nothing fails.

use std::sync::Arc;

use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend};
use remote_store_layers::RetryLayer;
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

fn sync_backend() -> Arc<dyn Backend> {
    RetryLayer::default().layer(Arc::new(MemoryBackend::new()))
}

fn async_backend() -> Arc<dyn AsyncBackend> {
    RetryLayer::default().layer_async(Arc::new(AsyncMemoryBackend::new()))
}

mod retry_sync {
    use super::sync_backend;
    remote_store_conformance::conformance_tests!(sync, sync_backend);
}

mod retry_async {
    use super::async_backend;
    remote_store_conformance::conformance_tests!(async, async_backend);
}
