//! Tracing: a span per operation.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend};
use tracing::Instrument;
use tracing::field::Empty;

use super::{Observer, Outcome};
use crate::op::Op;

/// A span per operation (see the [crate docs](crate)).
///
/// Each call of the backend runs in an `INFO` span named `remote_store`
/// with the fields `backend`, `op` (`read`, `get_file_info`, …), `path`
/// and, when it ends, `outcome` (`ok`, an error kind such as
/// `not_found`, or `cancelled` for a stream dropped before its end),
/// `bytes` (read or written), `entries` (listed), `elapsed_ms`, and
/// `attempts` when a [`RetryLayer`](crate::RetryLayer) inside it made more
/// than one call (recorded once, when the call ends; a stream's resumes
/// are not counted there). A read or listing keeps its span until its stream ends, and
/// the stream's polls run inside it. With no subscriber interested, a
/// span is never built: the cost is a check per call.
///
/// Put it outside the retry layer, so that one span covers all attempts:
/// `store.layer(RetryLayer::default()).layer(TraceLayer)`.
///
/// Install the subscriber globally (`tracing::subscriber::set_global_default`
/// or a `tracing_subscriber` `init`): a `Store` over an async backend runs
/// streamed calls on the blocking bridge's threads, which a thread-local
/// subscriber (`with_default`) does not reach.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl Layer for TraceLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        super::wrap(Arc::new(Tracer), inner)
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        super::wrap_async(Arc::new(Tracer), inner)
    }
}

pub(crate) struct Tracer;

pub(crate) struct Traced {
    span: tracing::Span,
    /// Set only when the span is enabled.
    started: Option<Instant>,
}

impl Observer for Tracer {
    type Call = Traced;

    fn start(&self, backend: &'static str, op: Op, path: &str) -> Traced {
        let span = tracing::info_span!(
            "remote_store",
            backend,
            op = op.as_str(),
            path,
            outcome = Empty,
            bytes = Empty,
            entries = Empty,
            elapsed_ms = Empty,
            attempts = Empty,
            otel.status_code = Empty,
        );
        let started = (!span.is_disabled()).then(Instant::now);
        Traced { span, started }
    }

    fn first_byte(&self, _: &Traced) {}

    fn finish(&self, call: Traced, outcome: Outcome) {
        let Some(started) = call.started else {
            return;
        };
        let span = &call.span;
        span.record("outcome", outcome.label());
        if outcome.error.is_some() {
            // The OpenTelemetry bridge's convention for a failed span.
            span.record("otel.status_code", "ERROR");
        }
        // As i64: OpenTelemetry has no unsigned integers, and the bridge
        // would turn a u64 into a string.
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        if let Some(bytes) = outcome.bytes {
            span.record("bytes", signed(bytes));
        }
        if let Some(entries) = outcome.entries {
            span.record("entries", signed(entries));
        }
        // Whole microseconds, so logs show 0.079 rather than 0.07936900000000001.
        let micros = started.elapsed().as_micros() as f64;
        span.record("elapsed_ms", micros / 1000.0);
    }

    fn scope<R>(&self, call: &Traced, f: impl FnOnce() -> R) -> R {
        call.span.in_scope(f)
    }

    fn instrument<'a, T: 'a>(&self, call: &Traced, future: BoxFuture<'a, T>) -> BoxFuture<'a, T> {
        if call.started.is_none() {
            return future;
        }
        Box::pin(future.instrument(call.span.clone()))
    }
}
