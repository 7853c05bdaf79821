//! OpenDAL services over loopback (started by `cargo xtask services up`):
//! our `AsyncStore` over `OpendalBackend` against the raw OpenDAL operator
//! it wraps, same server, same run, for S3 (s3s-fs), WebDAV (wsgidav) and
//! GCS (fake-gcs-server).
//!
//! - a large streaming put and get (`RS_BENCH_OPENDAL_MIB`, default 256);
//! - 1,000 × 4 KiB put then get, 16 requests in flight.
//!
//! Each raw path does what `OpendalBackend` does on that service, the way
//! an OpenDAL user would: 8 MiB parts with 4 in flight on S3; on WebDAV
//! and on fake-gcs-server (no multipart uploads) the file is gathered and
//! sent in one request.
//!
//! Both paths run once per round (`RS_BENCH_OPENDAL_ROUNDS`, default 5),
//! the first of them alternating; a round's ratio compares the two paths
//! of that round, and the report gives the median ratio and its range.
//! `RS_BENCH_OPENDAL_SERVICES` (e.g. `webdav,gcs`) runs only those.
//! Report (markdown) to `RS_BENCH_OUT`, else stdout.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use opendal::Operator;
use remote_store::AsyncStore;
use remote_store::backends::OpendalBackend;
use remote_store::{Capabilities, Capability};
use remote_store_benches::{env_number, median, process_cpu, ratio_spread, service_var as env};

const PART: usize = 8 * 1024 * 1024;
const IN_FLIGHT: usize = 4;
const SMALL: usize = 4096;
const SMALL_COUNT: usize = 1000;
const CHUNK: usize = 1024 * 1024;

fn chunks(total: u64) -> impl futures::Stream<Item = Bytes> + Send + 'static {
    let block = Bytes::from(vec![0x5au8; CHUNK]);
    futures::stream::iter(0..total.div_ceil(CHUNK as u64)).map(move |i| {
        let left = total - i * CHUNK as u64;
        block.slice(..(left.min(CHUNK as u64) as usize))
    })
}

/// The four operations of one path in one round: wall time and the
/// client's CPU time (user + system, all threads).
#[derive(Clone, Copy, Default)]
struct Row {
    time: [Duration; 4],
    cpu: [Duration; 4],
}

impl Row {
    fn set(&mut self, column: usize, since: &Mark) {
        self.time[column] = since.0.elapsed();
        self.cpu[column] = process_cpu().saturating_sub(since.1);
    }
}

/// A start: the wall clock and the process's CPU time.
struct Mark(Instant, Duration);

impl Mark {
    fn now() -> Self {
        Mark(Instant::now(), process_cpu())
    }
}

const COLUMNS: [&str; 4] = ["put", "get", "1k × 4 KiB put", "1k × 4 KiB get"];

/// One service: its raw operator, and how the raw path writes a large file.
struct Service {
    name: &'static str,
    server: &'static str,
    op: Operator,
    /// Gathers the file and sends it in one request (no multipart upload).
    one_shot: bool,
    backend: OpendalBackend,
}

fn services() -> Vec<Service> {
    // Without `auto-register-services`, OpenDAL's HTTP transport is
    // installed explicitly.
    opendal::install_default();
    let s3 = Operator::new(
        opendal::services::S3::default()
            .endpoint(&env("RS_S3S_ENDPOINT"))
            .bucket(&env("RS_S3S_BUCKET"))
            .region("us-east-1")
            .access_key_id("test")
            .secret_access_key("test")
            .disable_config_load(),
    )
    .unwrap();
    let webdav =
        Operator::new(opendal::services::Webdav::default().endpoint(&env("RS_WEBDAV_ENDPOINT")))
            .unwrap();
    let gcs = Operator::new(
        opendal::services::Gcs::default()
            .endpoint(&env("RS_GCS_ENDPOINT"))
            .bucket(&env("RS_GCS_BUCKET"))
            .skip_signature()
            .disable_vm_metadata()
            .disable_config_load(),
    )
    .unwrap();
    vec![
        Service {
            name: "S3",
            server: "s3s-fs 0.14.1 (tmpfs)",
            backend: OpendalBackend::new(s3.clone()),
            op: s3,
            one_shot: false,
        },
        Service {
            name: "WebDAV",
            server: "wsgidav 4.4",
            backend: OpendalBackend::new(webdav.clone()),
            op: webdav,
            one_shot: true,
        },
        Service {
            name: "GCS",
            server: "fake-gcs-server 1.54",
            backend: OpendalBackend::new(gcs.clone())
                .without(Capabilities::of(&[
                    Capability::ExclusiveWrite,
                    Capability::ConditionalRead,
                ]))
                .with_one_shot_writes(),
            op: gcs,
            one_shot: true,
        },
    ]
}

/// The raw operator: writes, then reads, under `dir`.
async fn raw_round(op: &Operator, one_shot: bool, dir: &str, large: u64) -> Row {
    let mut row = Row::default();
    let payload = Bytes::from(vec![7u8; SMALL]);
    let big = format!("{dir}/big");
    let m = Mark::now();
    if one_shot {
        let parts: Vec<Bytes> = chunks(large).collect().await;
        op.write(&big, opendal::Buffer::from(parts)).await.unwrap();
    } else {
        let mut w = op
            .writer_with(&big)
            .chunk(PART)
            .concurrent(IN_FLIGHT)
            .await
            .unwrap();
        let mut src = Box::pin(chunks(large));
        while let Some(c) = src.next().await {
            w.write(c).await.unwrap();
        }
        w.close().await.unwrap();
    }
    row.set(0, &m);
    let m = Mark::now();
    let mut s = op
        .reader(&big)
        .await
        .unwrap()
        .into_bytes_stream(..)
        .await
        .unwrap();
    let mut n = 0u64;
    while let Some(c) = s.next().await {
        n += c.unwrap().len() as u64;
    }
    assert_eq!(n, large);
    row.set(1, &m);
    let m = Mark::now();
    futures::stream::iter(0..SMALL_COUNT)
        .map(|i| {
            let key = format!("{dir}/s{i}");
            let payload = payload.clone();
            async move { op.write(&key, payload).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    row.set(2, &m);
    let m = Mark::now();
    futures::stream::iter(0..SMALL_COUNT)
        .map(|i| {
            let key = format!("{dir}/s{i}");
            async move { op.read(&key).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    row.set(3, &m);
    row
}

/// Our `AsyncStore` over `OpendalBackend`: the same, under `dir`.
async fn store_round(store: &AsyncStore, dir: &str, large: u64) -> Row {
    let mut row = Row::default();
    let payload = Bytes::from(vec![7u8; SMALL]);
    let big = format!("{dir}/big");
    let m = Mark::now();
    store
        .write(big.as_str(), chunks(large).map(Ok), true)
        .await
        .unwrap();
    row.set(0, &m);
    let m = Mark::now();
    let mut s = store.read(big.as_str()).await.unwrap();
    let mut n = 0u64;
    while let Some(c) = s.next().await {
        n += c.unwrap().len() as u64;
    }
    assert_eq!(n, large);
    row.set(1, &m);
    let m = Mark::now();
    futures::stream::iter(0..SMALL_COUNT)
        .map(|i| store.write_bytes(format!("{dir}/s{i}"), payload.clone(), true))
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    row.set(2, &m);
    let m = Mark::now();
    futures::stream::iter(0..SMALL_COUNT)
        .map(|i| store.read_bytes(format!("{dir}/s{i}")))
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    row.set(3, &m);
    row
}

fn main() {
    let var = env_number;
    let rounds = var("RS_BENCH_OPENDAL_ROUNDS", 5) as usize;
    let mib = var("RS_BENCH_OPENDAL_MIB", 256);
    let large = mib * 1024 * 1024;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = format!("bench-{}", std::process::id());

    let mut out = String::new();
    let mut cpu_out = String::new();
    let _ = writeln!(
        out,
        "Loopback servers, {mib} MiB object, 1,000 × 4 KiB files 16 at a time. {rounds} rounds, each running both paths once, the first alternating. Ratios are throughput of our `AsyncStore` over `OpendalBackend` against the raw OpenDAL operator it wraps, in the same round (higher is better): the median, then the lowest and highest of the rounds.\n"
    );
    let _ = writeln!(
        out,
        "| service (server) | raw OpenDAL {mib} MiB put / get | ours {mib} MiB put / get | {} |",
        COLUMNS.join(" | ")
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    // `RS_BENCH_OPENDAL_SERVICES=webdav,gcs` runs only those.
    let only = std::env::var("RS_BENCH_OPENDAL_SERVICES").unwrap_or_default();
    let chosen = |name: &str| {
        only.is_empty() || only.split(',').any(|s| s.trim().eq_ignore_ascii_case(name))
    };
    for service in services().into_iter().filter(|s| chosen(s.name)) {
        let store = AsyncStore::new(service.backend).child(&run).unwrap();
        let (mut raw, mut ours) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let raw_dir = format!("{run}/raw{round}");
            let ours_dir = format!("ours{round}");
            rt.block_on(async {
                if round % 2 == 0 {
                    raw.push(raw_round(&service.op, service.one_shot, &raw_dir, large).await);
                    ours.push(store_round(&store, &ours_dir, large).await);
                } else {
                    ours.push(store_round(&store, &ours_dir, large).await);
                    raw.push(raw_round(&service.op, service.one_shot, &raw_dir, large).await);
                }
                // The round's files go, so the servers hold one round's.
                // (Through our backend: OpenDAL's batch delete is refused by s3s-fs.)
                store
                    .delete_folder(format!("raw{round}"), true, true)
                    .await
                    .unwrap();
                store.delete_folder(ours_dir, true, true).await.unwrap();
            });
        }
        let mbps = |rows: &[Row], c: usize| {
            median(
                rows.iter()
                    .map(|r| large as f64 / 1048576.0 / r.time[c].as_secs_f64())
                    .collect(),
            )
        };
        // Per column: the median over the rounds of a per-round ratio,
        // with its lowest and highest.
        let spread = |ratio: &dyn Fn(&Row, &Row, usize) -> f64| -> String {
            (0..COLUMNS.len())
                .map(|c| ratio_spread(raw.iter().zip(&ours).map(|(r, o)| ratio(r, o, c)).collect()))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let speed = spread(&|r, o, c| r.time[c].as_secs_f64() / o.time[c].as_secs_f64());
        // CPU ticks are 10 ms: a floor of one tick keeps a ratio finite.
        let tick = |d: Duration| d.as_secs_f64().max(0.01);
        let cpu = spread(&|r, o, c| tick(o.cpu[c]) / tick(r.cpu[c]));
        let _ = writeln!(
            out,
            "| {} ({}) | {:.0} / {:.0} MiB/s | {:.0} / {:.0} MiB/s | {speed} |",
            service.name,
            service.server,
            mbps(&raw, 0),
            mbps(&raw, 1),
            mbps(&ours, 0),
            mbps(&ours, 1),
        );
        let _ = writeln!(cpu_out, "| {} | {cpu} |", service.name);
    }
    let _ = writeln!(
        out,
        "\nClient CPU (user + system time of the benchmark process, all threads) of ours against the raw operator's, per round (lower is better): the median, then the lowest and highest. The servers share the two cores.\n"
    );
    let _ = writeln!(out, "| service | {} |", COLUMNS.join(" | "));
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    out.push_str(&cpu_out);
    match std::env::var_os("RS_BENCH_OUT") {
        Some(path) => std::fs::write(path, out).unwrap(),
        None => print!("{out}"),
    }
}
