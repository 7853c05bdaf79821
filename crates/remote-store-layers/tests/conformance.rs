//! The memory backends under the retry layer (default policy), the async
//! one under timeouts inside retry, and both under a concurrency limit of
//! one call at a time with a bandwidth limit, pass the whole suite through
//! both faces: the layers keep the contract when nothing fails, and the
//! limit serialises the concurrent cases without deadlocking them.

use std::sync::Arc;

use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend};
use remote_store_layers::{BandwidthLimitLayer, ConcurrencyLimitLayer, RetryLayer, TimeoutLayer};
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

/// One call at a time, 1 GiB/s.
fn limits() -> (ConcurrencyLimitLayer, BandwidthLimitLayer) {
    (
        ConcurrencyLimitLayer::new(1),
        BandwidthLimitLayer::new(1 << 30),
    )
}

fn limited_sync_backend() -> Arc<dyn Backend> {
    let (one, bandwidth) = limits();
    one.layer(bandwidth.layer(Arc::new(MemoryBackend::new())))
}

fn limited_async_backend() -> Arc<dyn AsyncBackend> {
    let (one, bandwidth) = limits();
    one.layer_async(bandwidth.layer_async(Arc::new(AsyncMemoryBackend::new())))
}

mod limited_sync {
    use super::limited_sync_backend;
    remote_store_conformance::conformance_tests!(sync, limited_sync_backend);
}

mod limited_async {
    use super::limited_async_backend;
    remote_store_conformance::conformance_tests!(async, limited_async_backend);
}
