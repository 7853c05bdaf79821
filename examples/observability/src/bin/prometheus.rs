//! Metrics of remote-store operations exposed to Prometheus through
//! `metrics-exporter-prometheus`: the store counts through the `metrics`
//! facade, the exporter serves `/metrics` for Prometheus to scrape.
//!
//! ```text
//! cargo run --manifest-path examples/observability/Cargo.toml --bin prometheus [-- --serve]
//! ```
//!
//! Without `--serve` it makes a few calls, scrapes its own endpoint once
//! and prints what Prometheus would see; with it, it keeps serving on
//! `127.0.0.1:9898` until stopped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use metrics_exporter_prometheus::PrometheusBuilder;
use remote_store::layers::MetricsLayer;
use remote_store::{AsyncStore, OpenUrl};

#[tokio::main]
async fn main() -> remote_store::Result<()> {
    let serve = std::env::args().any(|a| a == "--serve");
    let addr: SocketAddr = if serve {
        "127.0.0.1:9898".parse().expect("an address")
    } else {
        // Any free port, for a one-off run.
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
    };
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .install()
        .expect("the exporter starts");

    let store = AsyncStore::open("memory:///data")?.layer(MetricsLayer);
    for i in 0..3 {
        store
            .write_bytes(format!("part-{i}.bin"), vec![0u8; 1024], false)
            .await?;
    }
    store.read_bytes("part-0.bin").await?;
    let _ = store.read_bytes("missing.bin").await; // counted as not_found

    if serve {
        println!("serving http://{addr}/metrics (Ctrl-C to stop)");
        tokio::signal::ctrl_c().await.ok();
        return Ok(());
    }
    let body = tokio::task::spawn_blocking(move || scrape(addr))
        .await
        .expect("the scrape task");
    print!("{body}");
    Ok(())
}

/// `GET /metrics`, as Prometheus would.
fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).expect("the exporter listens");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("a request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("a response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or(response)
}
