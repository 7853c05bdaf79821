//! The production stack of ADR-0017 — timeouts inside retry, tracing and
//! metrics outside — over a real backend, for the conformance suite: the
//! layers keep the whole contract on every backend, not only on memory:
//! S3, Azure and both SFTP engines (in their modules), and local disk
//! here. (Retry over S3 and Azure runs with the SDK's own retries off,
//! as a configured stack sets them.)

use std::sync::Arc;

use remote_store::layer::Layer;
use remote_store::layers::{MetricsLayer, RetryLayer, TimeoutLayer, TraceLayer};
use remote_store::{AsyncBackend, Backend};

/// `backend` under the production stack, on the async trait.
pub(crate) fn production_async(backend: impl AsyncBackend + 'static) -> Arc<dyn AsyncBackend> {
    let timed = TimeoutLayer::default().layer_async(Arc::new(backend));
    let retried = RetryLayer::default().layer_async(timed);
    MetricsLayer.layer_async(TraceLayer.layer_async(retried))
}

/// `backend` under the production stack, on the sync trait (the timeout
/// layer forwards: a blocking call cannot be interrupted).
pub(crate) fn production_sync(backend: impl Backend + 'static) -> Arc<dyn Backend> {
    let timed = TimeoutLayer::default().layer(Arc::new(backend));
    let retried = RetryLayer::default().layer(timed);
    MetricsLayer.layer(TraceLayer.layer(retried))
}

/// The local file system under the production stack.
mod local_layered {
    fn backend() -> std::sync::Arc<dyn remote_store::Backend> {
        let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("local-layered");
        let backend = remote_store::backends::LocalBackend::create(root).expect("local root");
        super::production_sync(backend)
    }
    remote_store_conformance::conformance_tests!(sync, backend);
}
