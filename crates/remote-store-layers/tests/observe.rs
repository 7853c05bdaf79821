//! Tracing and metrics layers: a test subscriber sees a span per
//! operation with its fields (retry attempts included), and a test
//! recorder sees the counters move; over both layer implementations, and
//! for a writer sink too (over the local backend's own sink as well).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use remote_store_core::{ErrorKind, Store};
use remote_store_layers::{
    FaultLayer, Faults, MetricsLayer, Op, RetryLayer, RetryPolicy, TraceLayer,
};
use remote_store_local::LocalBackend;
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The fields of each closed `remote_store` span, in closing order.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields(BTreeMap::new());
        attrs.record(&mut fields);
        ctx.span(id).unwrap().extensions_mut().insert(fields);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut ext = span.extensions_mut();
        values.record(ext.get_mut::<Fields>().unwrap());
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        if span.name() == "remote_store" {
            let fields = span.extensions_mut().remove::<Fields>().unwrap();
            self.0.lock().unwrap().push(fields.0);
        }
    }
}

fn quick() -> RetryLayer {
    RetryLayer::new(RetryPolicy::new().backoff(Duration::from_millis(1), Duration::from_millis(2)))
}

#[test]
fn each_operation_has_a_span_with_its_fields() {
    // Global, as in a program: the blocking bridge runs a stream's calls
    // on its runtime's threads, where a thread-local subscriber is not.
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let dir = tempfile::tempdir().unwrap();
    for (store, backend) in [
        (Store::new(MemoryBackend::new()), "memory"),
        (Store::new(AsyncMemoryBackend::new()), "memory"),
        (Store::new(LocalBackend::new(dir.path()).unwrap()), "local"),
    ] {
        spans.0.lock().unwrap().clear();
        let faults = Faults::new();
        let store = store
            .layer(FaultLayer::new(faults.clone()))
            .layer(quick())
            .layer(TraceLayer);
        {
            store.write_bytes("a.txt", "hello", false).unwrap();
            let mut sink = store.writer("sink.txt", false).unwrap();
            sink.write_all(b"through a sink").unwrap();
            sink.finish().unwrap();
            faults.fail(Op::GetFileInfo, 2);
            store.get_file_info("a.txt").unwrap();
            let mut read = String::new();
            store
                .read("a.txt")
                .unwrap()
                .read_to_string(&mut read)
                .unwrap();
            assert_eq!(store.list_files("", false).unwrap().count(), 2);
            store.get_file_info("missing.txt").unwrap_err();
            faults.fail(Op::DeleteBatch, 1);
            let answers = store
                .delete_batch(&["a.txt", "sink.txt", "nope"], false)
                .unwrap();
            // After a failed attempt, a missing file counts as deleted
            // (the lost attempt may have deleted it).
            assert!(answers.iter().all(Result::is_ok), "{answers:?}");
            let answers = store.delete_batch(&["nope", "nope2"], false).unwrap();
            assert_eq!(answers[0].as_ref().unwrap_err().kind(), ErrorKind::NotFound);
        }
        let spans = spans.0.lock().unwrap().clone();
        let by_op = |op: &str| -> Vec<_> {
            spans
                .iter()
                .filter(|s| s.get("op").map(String::as_str) == Some(op))
                .cloned()
                .collect()
        };
        let writes = by_op("write");
        assert_eq!(writes.len(), 2, "{backend}: {writes:?}");
        let write = &writes[0];
        assert_eq!(write["path"], "a.txt");
        assert_eq!(write["bytes"], "5");
        assert_eq!(write["outcome"], "ok");
        assert_eq!(write["backend"], backend);
        let sink = &writes[1];
        assert_eq!(sink["path"], "sink.txt", "{backend}");
        assert_eq!(sink["bytes"], "14", "{backend}");
        assert_eq!(sink["outcome"], "ok", "{backend}");
        let infos = by_op("get_file_info");
        // Also the retry layer's own stat before the read: the spans are
        // those the backend answered through the layers inside.
        assert!(
            infos
                .iter()
                .any(|s| s.get("attempts").map(String::as_str) == Some("3")),
            "{infos:?}"
        );
        assert!(
            infos.iter().any(|s| s["outcome"] == "not_found"),
            "{infos:?}"
        );
        eprintln!("{spans:?}");
        let read = &by_op("read")[0];
        assert_eq!(read["bytes"], "5", "a stream's span ends with the stream");
        assert_eq!(read["outcome"], "ok");
        assert_eq!(by_op("list_files")[0]["entries"], "2");
        // One span for a batch, however many paths: the first path, the
        // count, the attempts, and the first path's failure as the outcome.
        let batches = by_op("delete_batch");
        assert_eq!(batches.len(), 2, "{backend}: {batches:?}");
        assert_eq!(batches[0]["path"], "a.txt");
        assert_eq!(batches[0]["entries"], "3");
        assert_eq!(batches[0]["attempts"], "2");
        assert_eq!(batches[0]["outcome"], "ok");
        assert_eq!(batches[1]["entries"], "2");
        assert_eq!(batches[1]["outcome"], "not_found");
        assert!(
            by_op("delete").is_empty(),
            "the batch went whole: {spans:?}"
        );
    }
}

#[test]
fn counters_move() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        for store in [
            Store::new(MemoryBackend::new()),
            Store::new(AsyncMemoryBackend::new()),
        ] {
            let store = store.layer(MetricsLayer);
            store.write_bytes("a.txt", "hello", false).unwrap();
            store.read_bytes("a.txt").unwrap();
            store.get_file_info("missing.txt").unwrap_err();
        }
    });
    let mut seen = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{} {}", key.name(), labels.join(","));
        let value = match value {
            DebugValue::Counter(n) => n as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            DebugValue::Histogram(h) => h.len() as f64,
        };
        seen.insert(name, value);
    }
    let get = |name: &str| {
        seen.get(name)
            .copied()
            .unwrap_or_else(|| panic!("no {name} in {seen:#?}"))
    };
    assert_eq!(
        get("remote_store_operations_total backend=memory,op=write,outcome=ok"),
        2.0
    );
    assert_eq!(
        get("remote_store_bytes_total backend=memory,op=write"),
        10.0
    );
    assert_eq!(
        get("remote_store_bytes_total backend=memory,op=read_bytes"),
        10.0
    );
    assert_eq!(
        get("remote_store_errors_total backend=memory,op=get_file_info,kind=not_found"),
        2.0
    );
    assert_eq!(
        get("remote_store_operation_duration_seconds backend=memory,op=write"),
        2.0
    );
    assert_eq!(get("remote_store_in_flight backend=memory,op=write"), 0.0);
}
