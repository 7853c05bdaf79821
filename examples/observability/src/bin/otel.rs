//! Spans of remote-store operations exported to OpenTelemetry, through the
//! standard bridge (`tracing-opentelemetry`). The exporter here prints
//! each span to standard output (`opentelemetry-stdout`); a service swaps
//! in its OTLP exporter (`opentelemetry-otlp`) and nothing else changes.
//!
//! ```text
//! cargo run --manifest-path examples/observability/Cargo.toml --bin otel
//! ```

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use remote_store::layers::TraceLayer;
use remote_store::{AsyncStore, OpenUrl, Store};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main]
async fn main() -> remote_store::Result<()> {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let tracer = provider.tracer("remote-store-example");
    let subscriber =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
    tracing::subscriber::set_global_default(subscriber).expect("a first subscriber");

    // A store with the trace layer, built in code…
    let store = AsyncStore::open("memory:///reports")?.layer(TraceLayer);
    store
        .write_bytes("2024/q1.csv", "region,total\n", false)
        .await?;
    let text = store.read_bytes("2024/q1.csv").await?;
    println!("read {} bytes", text.len());
    let missing = store.read_bytes("2024/q2.csv").await;
    println!("q2: {}", missing.unwrap_err().kind());

    // …or asked for in a URL (or a configuration file: `trace = true`),
    // on the sync face too.
    let sync = tokio::task::spawn_blocking(|| -> remote_store::Result<usize> {
        let store = Store::open("memory:///logs?trace=true")?;
        store.write_bytes("today.log", "ok\n", false)?;
        Ok(store.list_files("", false)?.count())
    });
    println!("listed {}", sync.await.expect("the blocking task")?);

    // Flush what the exporter holds before the process ends.
    provider.shutdown().expect("the exporter flushes");
    Ok(())
}
