//! The memory backends under the retry layer (default policy), and the
//! async one under timeouts inside retry, pass the whole suite through
//! both faces: the layers keep the contract when nothing fails.

use std::sync::Arc;

use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend};
use remote_store_layers::{RetryLayer, TimeoutLayer};
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

fn sync_backend() -> Arc<dyn Backend> {
    RetryLayer::default().layer(Arc::new(MemoryBackend::new()))
}

fn async_backend() -> Arc<dyn AsyncBackend> {
    RetryLayer::default().layer_async(Arc::new(AsyncMemoryBackend::new()))
}

fn timed_backend() -> Arc<dyn AsyncBackend> {
    let timed = TimeoutLayer::default().layer_async(Arc::new(AsyncMemoryBackend::new()));
    RetryLayer::default().layer_async(timed)
}

mod timeout_retry_async {
    use super::timed_backend;
    remote_store_conformance::conformance_tests!(async, timed_backend);
}

mod retry_sync {
    use super::sync_backend;
    remote_store_conformance::conformance_tests!(sync, sync_backend);
}

mod retry_async {
    use super::async_backend;
    remote_store_conformance::conformance_tests!(async, async_backend);
}
