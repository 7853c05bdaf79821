//! Metrics through the `metrics` facade.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use metrics::{Key, Label, Level, Metadata};
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
        super::wrap(Arc::new(Meter::new(inner.name())), inner)
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        describe();
        super::wrap_async(Arc::new(Meter::new(inner.name())), inner)
    }
}

/// Units and help texts for the recorder installed when the layer is
/// applied (Prometheus shows them as `# HELP`).
fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        OPERATIONS,
        "Storage operations, by backend, operation and outcome"
    );
    metrics::describe_counter!(
        ERRORS,
        "Failed storage operations, by backend, operation and error kind"
    );
    metrics::describe_counter!(BYTES, Unit::Bytes, "File content read or written");
    metrics::describe_counter!(ENTRIES, "Entries listed");
    metrics::describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Time from the call to its end (a stream's end for reads and listings)"
    );
    metrics::describe_histogram!(
        FIRST_BYTE,
        Unit::Seconds,
        "Time from a read's call to its first bytes"
    );
    metrics::describe_gauge!(IN_FLIGHT, "Storage operations running");
}

/// Where the metrics go: the macros' target and level.
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The keys of one backend's metrics, built once when the layer is
/// applied: a call then costs a recorder lookup per metric, with no key
/// to allocate or hash (the macros build one per use, recorder or not).
/// Error outcomes, which are rare, build theirs when they happen.
pub(crate) struct Meter {
    backend: &'static str,
    by_op: Vec<OpKeys>,
}

struct OpKeys {
    in_flight: Key,
    ok: Key,
    cancelled: Key,
    bytes: Key,
    entries: Key,
    duration: Key,
    first_byte: Key,
}

impl Meter {
    pub(crate) fn new(backend: &str) -> Self {
        let backend = super::intern(backend);
        let by_op = Op::ALL
            .iter()
            .map(|op| {
                let key = |name: &'static str, extra: &[(&'static str, &'static str)]| {
                    let mut labels = vec![Label::from_static_parts("backend", backend)];
                    labels.push(Label::from_static_parts("op", op.as_str()));
                    labels.extend(extra.iter().map(|(k, v)| Label::from_static_parts(k, v)));
                    Key::from_parts(name, labels)
                };
                OpKeys {
                    in_flight: key(IN_FLIGHT, &[]),
                    ok: key(OPERATIONS, &[("outcome", "ok")]),
                    cancelled: key(OPERATIONS, &[("outcome", "cancelled")]),
                    bytes: key(BYTES, &[]),
                    entries: key(ENTRIES, &[]),
                    duration: key(DURATION, &[]),
                    first_byte: key(FIRST_BYTE, &[]),
                }
            })
            .collect();
        Meter { backend, by_op }
    }
}

const OPERATIONS: &str = "remote_store_operations_total";
const ERRORS: &str = "remote_store_errors_total";
const BYTES: &str = "remote_store_bytes_total";
const ENTRIES: &str = "remote_store_entries_total";
const DURATION: &str = "remote_store_operation_duration_seconds";
const FIRST_BYTE: &str = "remote_store_time_to_first_byte_seconds";
const IN_FLIGHT: &str = "remote_store_in_flight";

fn counter(key: &Key, n: u64) {
    metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(n));
}

fn histogram(key: &Key, seconds: f64) {
    metrics::with_recorder(|r| r.register_histogram(key, &METADATA).record(seconds));
}

fn gauge_up(key: &Key) {
    metrics::with_recorder(|r| r.register_gauge(key, &METADATA).increment(1.0));
}

fn gauge_down(key: &Key) {
    metrics::with_recorder(|r| r.register_gauge(key, &METADATA).decrement(1.0));
}

/// The keys of an error outcome.
fn error_keys(backend: &'static str, op: &'static str, kind: &'static str) -> [Key; 2] {
    let labels = |name: &'static str| {
        vec![
            Label::from_static_parts("backend", backend),
            Label::from_static_parts("op", op),
            Label::from_static_parts(name, kind),
        ]
    };
    [
        Key::from_parts(OPERATIONS, labels("outcome")),
        Key::from_parts(ERRORS, labels("kind")),
    ]
}

pub(crate) struct Metered {
    op: Op,
    started: Instant,
}

impl Observer for Meter {
    type Call = Metered;

    fn start(&self, _: &'static str, op: Op, _: &str) -> Metered {
        gauge_up(&self.by_op[op as usize].in_flight);
        Metered {
            op,
            started: Instant::now(),
        }
    }

    fn first_byte(&self, call: &Metered) {
        let keys = &self.by_op[call.op as usize];
        histogram(&keys.first_byte, call.started.elapsed().as_secs_f64());
    }

    fn finish(&self, call: Metered, outcome: Outcome) {
        let keys = &self.by_op[call.op as usize];
        gauge_down(&keys.in_flight);
        match outcome.error {
            Some(kind) => {
                let [operations, errors] = error_keys(self.backend, call.op.as_str(), kind.code());
                counter(&operations, 1);
                counter(&errors, 1);
            }
            None if outcome.cancelled => counter(&keys.cancelled, 1),
            None => counter(&keys.ok, 1),
        }
        if let Some(bytes) = outcome.bytes {
            counter(&keys.bytes, bytes);
        }
        if let Some(entries) = outcome.entries {
            counter(&keys.entries, entries);
        }
        histogram(&keys.duration, call.started.elapsed().as_secs_f64());
    }

    fn scope<R>(&self, _: &Metered, f: impl FnOnce() -> R) -> R {
        f()
    }

    fn instrument<'a, T: 'a>(&self, _: &Metered, future: BoxFuture<'a, T>) -> BoxFuture<'a, T> {
        future
    }
}
