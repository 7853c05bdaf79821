//! Metrics through the `metrics` facade.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use remote_store_core::layer::Layer;
use remote_store_core::{AsyncBackend, Backend};

use super::{Observer, Outcome};
use crate::op::Op;

/// Counters and histograms per operation, through the
/// [`metrics`](https://docs.rs/metrics) facade (any recorder: Prometheus,
/// StatsD, …; without one installed they cost a check per call).
///
/// Every metric has the labels `backend` and `op`:
///
/// | metric | kind | unit, extra labels |
/// |---|---|---|
/// | `remote_store_operations_total` | counter | `outcome` (`ok`, an error kind, `cancelled`) |
/// | `remote_store_errors_total` | counter | `kind` (an error kind) |
/// | `remote_store_bytes_total` | counter | bytes read or written |
/// | `remote_store_entries_total` | counter | entries listed |
/// | `remote_store_operation_duration_seconds` | histogram | seconds, to the end of the stream for reads and listings |
/// | `remote_store_time_to_first_byte_seconds` | histogram | seconds, reads |
/// | `remote_store_in_flight` | gauge | operations running (streams until they end) |
///
/// Bytes and outcomes of a read are those the backend's stream delivered
/// to the layer above it. Under a `Store` over an async backend the
/// blocking bridge reads ahead (a few chunks) of the caller, so a read the
/// caller dropped early may count bytes it never took, and one whose
/// stream the bridge had already drained counts as `ok`. The same holds
/// for `TraceLayer`'s fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsLayer;

impl Layer for MetricsLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        describe();
        super::wrap(Arc::new(Meter), inner)
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        describe();
        super::wrap_async(Arc::new(Meter), inner)
    }
}

/// Units and help texts for the recorder installed when the layer is
/// applied (Prometheus shows them as `# HELP`).
fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        "remote_store_operations_total",
        "Storage operations, by backend, operation and outcome"
    );
    metrics::describe_counter!(
        "remote_store_errors_total",
        "Failed storage operations, by backend, operation and error kind"
    );
    metrics::describe_counter!(
        "remote_store_bytes_total",
        Unit::Bytes,
        "File content read or written"
    );
    metrics::describe_counter!("remote_store_entries_total", "Entries listed");
    metrics::describe_histogram!(
        "remote_store_operation_duration_seconds",
        Unit::Seconds,
        "Time from the call to its end (a stream's end for reads and listings)"
    );
    metrics::describe_histogram!(
        "remote_store_time_to_first_byte_seconds",
        Unit::Seconds,
        "Time from a read's call to its first bytes"
    );
    metrics::describe_gauge!("remote_store_in_flight", "Storage operations running");
}

pub(crate) struct Meter;

pub(crate) struct Metered {
    backend: &'static str,
    op: &'static str,
    started: Instant,
}

impl Observer for Meter {
    type Call = Metered;

    fn start(&self, backend: &'static str, op: Op, _: &str) -> Metered {
        let call = Metered {
            backend,
            op: op.as_str(),
            started: Instant::now(),
        };
        metrics::gauge!("remote_store_in_flight", "backend" => call.backend, "op" => call.op)
            .increment(1.0);
        call
    }

    fn first_byte(&self, call: &Metered) {
        metrics::histogram!(
            "remote_store_time_to_first_byte_seconds",
            "backend" => call.backend,
            "op" => call.op,
        )
        .record(call.started.elapsed().as_secs_f64());
    }

    fn finish(&self, call: Metered, outcome: Outcome) {
        let Metered {
            backend,
            op,
            started,
        } = call;
        metrics::gauge!("remote_store_in_flight", "backend" => backend, "op" => op).decrement(1.0);
        metrics::counter!(
            "remote_store_operations_total",
            "backend" => backend,
            "op" => op,
            "outcome" => outcome.label(),
        )
        .increment(1);
        if let Some(kind) = outcome.error {
            metrics::counter!(
                "remote_store_errors_total",
                "backend" => backend,
                "op" => op,
                "kind" => kind.code(),
            )
            .increment(1);
        }
        if let Some(bytes) = outcome.bytes {
            metrics::counter!("remote_store_bytes_total", "backend" => backend, "op" => op)
                .increment(bytes);
        }
        if let Some(entries) = outcome.entries {
            metrics::counter!("remote_store_entries_total", "backend" => backend, "op" => op)
                .increment(entries);
        }
        metrics::histogram!("remote_store_operation_duration_seconds", "backend" => backend, "op" => op)
            .record(started.elapsed().as_secs_f64());
    }

    fn scope<R>(&self, _: &Metered, f: impl FnOnce() -> R) -> R {
        f()
    }

    fn instrument<'a, T: 'a>(&self, _: &Metered, future: BoxFuture<'a, T>) -> BoxFuture<'a, T> {
        future
    }
}
