//! Layers for remote-store backends (ADR-0017): wrappers a
//! [`Store`](remote_store_core::Store) or
//! [`AsyncStore`](remote_store_core::AsyncStore) puts around its backend
//! with `layer`, the same for every backend and both faces.
//!
//! - [`RetryLayer`]: retries what is safe to repeat, with exponential
//!   backoff and full jitter under an attempt count and a time budget;
//!   streamed reads resume where they broke, pinned to the version first
//!   read.
//! - [`TimeoutLayer`]: a deadline for one-shot calls and a stall timeout
//!   for streams, which catches a dead connection without cutting a long
//!   transfer or a slow consumer.
//! - [`TraceLayer`]: a `tracing` span per operation (backend, op, path,
//!   outcome, bytes, entries, attempts), kept by streams until they end.
//! - [`MetricsLayer`]: counters and histograms through the `metrics`
//!   facade (operations, errors by kind, bytes, durations, time to first
//!   byte, in flight).
//! - [`ConcurrencyLimitLayer`] and [`BandwidthLimitLayer`]: how many
//!   calls run at once and how many bytes move per second, shared by the
//!   stores they are applied to.
//! - [`FaultLayer`]: injects failures on demand, for tests of code that
//!   must survive them (retry above all), next to the conformance suite.

mod clock;
pub mod faults;
pub mod limit;
mod observe;
mod op;
pub mod retry;
pub mod timeout;

pub use faults::{FaultLayer, Faults};
pub use limit::{BandwidthLimitLayer, ConcurrencyLimitLayer};
pub use observe::metrics::MetricsLayer;
pub use observe::trace::TraceLayer;
pub use op::Op;
/// The mechanism the layers are built on (core's `layer` module).
pub use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};
pub use retry::{RetryLayer, RetryPolicy};
pub use timeout::TimeoutLayer;
