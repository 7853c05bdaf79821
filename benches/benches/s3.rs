//! S3 over loopback (s3s-fs, started by `cargo xtask services up`): our
//! `AsyncStore` (bare and under the production layer stack) and sync
//! `Store` against raw `object_store` and OpenDAL's s3 service, and our
//! `AsyncStore` over `OpendalBackend` on that same OpenDAL operator; same
//! server, same run, same part size and concurrency.
//!
//! - 1 GiB streaming put and get (8 MiB parts, 4 in flight, everywhere);
//! - 2,000 × 4 KiB put then get, 16 requests in flight;
//! - listing 20,000 keys;
//! - peak RSS during the 1 GiB transfers, and the client CPU time of every
//!   operation (the server shares the cores).
//!
//! Every path runs once per round (`RS_BENCH_S3_ROUNDS`, default 3), the
//! starting path rotating; the medians count. Report (markdown) to
//! `RS_BENCH_OUT`, else stdout. `RS_BENCH_S3_MIB` shrinks the large object
//! for a quick try.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as OsPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use remote_store::backends::S3Backend;
use remote_store::layers::{MetricsLayer, RetryLayer, TimeoutLayer, TraceLayer};
use remote_store::s3::S3Config;
use remote_store::{AsyncStore, Store};
use remote_store_benches::{peak_rss_mib, process_cpu, reset_peak_rss, service_var as env};

const PART: usize = 8 * 1024 * 1024;
const IN_FLIGHT: usize = 4;
const SMALL: usize = 4096;
const SMALL_COUNT: usize = 2000;
const LIST_COUNT: usize = 20_000;
const CHUNK: usize = 1024 * 1024;

/// Time, peak RSS and the client's CPU time of `f`.
fn measure<T>(f: impl FnOnce() -> T) -> (Duration, f64, Duration, T) {
    reset_peak_rss();
    let cpu = process_cpu();
    let start = Instant::now();
    let out = f();
    (
        start.elapsed(),
        peak_rss_mib(),
        process_cpu().saturating_sub(cpu),
        out,
    )
}

fn chunks(total: u64) -> impl futures::Stream<Item = Bytes> + Send + 'static {
    let block = Bytes::from(vec![0x5au8; CHUNK]);
    futures::stream::iter(0..total.div_ceil(CHUNK as u64)).map(move |i| {
        let left = total - i * CHUNK as u64;
        block.slice(..(left.min(CHUNK as u64) as usize))
    })
}

struct Pattern(u64);

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.0 as usize).min(buf.len());
        buf[..n].fill(0x5a);
        self.0 -= n as u64;
        Ok(n)
    }
}

#[derive(Default)]
struct Row {
    put: Duration,
    get: Duration,
    put_rss: f64,
    get_rss: f64,
    /// Client CPU time of each operation.
    put_cpu: Duration,
    get_cpu: Duration,
    small_put_cpu: Duration,
    small_get_cpu: Duration,
    list_cpu: Duration,
    small_put: Duration,
    small_get: Duration,
    list: Duration,
}

impl Row {
    /// Per figure: the median time over the rounds, the highest peak RSS.
    fn median(runs: &[Row]) -> Row {
        let mid = |f: fn(&Row) -> Duration| {
            let mut v: Vec<Duration> = runs.iter().map(f).collect();
            v.sort();
            v[v.len() / 2]
        };
        let max = |f: fn(&Row) -> f64| runs.iter().map(f).fold(0.0, f64::max);
        Row {
            put: mid(|r| r.put),
            get: mid(|r| r.get),
            put_rss: max(|r| r.put_rss),
            get_rss: max(|r| r.get_rss),
            put_cpu: mid(|r| r.put_cpu),
            get_cpu: mid(|r| r.get_cpu),
            small_put_cpu: mid(|r| r.small_put_cpu),
            small_get_cpu: mid(|r| r.small_get_cpu),
            list_cpu: mid(|r| r.list_cpu),
            small_put: mid(|r| r.small_put),
            small_get: mid(|r| r.small_get),
            list: mid(|r| r.list),
        }
    }
}

fn main() {
    let rounds: usize = std::env::var("RS_BENCH_S3_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mib: u64 = std::env::var("RS_BENCH_S3_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let large = mib * 1024 * 1024;
    let endpoint = env("RS_S3S_ENDPOINT");
    let bucket = env("RS_S3S_BUCKET");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = format!("bench-{}", std::process::id());

    let config = S3Config::new(&bucket)
        .endpoint(&endpoint)
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test")
        .conditional_put(false)
        // As OpenDAL does by default (and we do over https).
        .unsigned_payload(true);
    let async_store = AsyncStore::new(S3Backend::new(config.clone()).unwrap())
        .child(&run)
        .unwrap();
    // The production stack of ADR-0017 (the SDK's retries off, as a
    // configured stack sets them; no subscriber or recorder installed).
    let layered_store =
        AsyncStore::new(S3Backend::new(config.clone().retry(0, Duration::from_secs(30))).unwrap())
            .layer(TimeoutLayer::default())
            .layer(RetryLayer::default())
            .layer(TraceLayer)
            .layer(MetricsLayer)
            .child(&run)
            .unwrap();
    let sync_store = Store::new(S3Backend::new(config).unwrap())
        .child(&run)
        .unwrap();
    let raw: Arc<AmazonS3> = Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_bucket_name(&bucket)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_allow_http(true)
            .with_unsigned_payload(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap(),
    );
    // Without `auto-register-services`, OpenDAL's HTTP transport is
    // installed explicitly.
    opendal::install_default();
    let dal = opendal::Operator::new(
        opendal::services::S3::default()
            .endpoint(&endpoint)
            .bucket(&bucket)
            .region("us-east-1")
            .access_key_id("test")
            .secret_access_key("test")
            .disable_config_load(),
    )
    .unwrap();
    let payload = Bytes::from(vec![7u8; SMALL]);
    // The same operator under our contract (8 MiB parts, 4 in flight).
    let odal_store = AsyncStore::new(remote_store::backends::OpendalBackend::new(dal.clone()))
        .child(&run)
        .unwrap();

    // Shared data for the listing: 20k keys.
    rt.block_on(async {
        futures::stream::iter(0..LIST_COUNT)
            .map(|i| {
                async_store.write_bytes(format!("many/{i:06}"), Bytes::from_static(b"x"), true)
            })
            .buffer_unordered(64)
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
    });

    // Raw object_store (anchor).
    let raw_path = || {
        let mut r = Row::default();
        let key = OsPath::from(format!("{run}/raw/big"));
        (r.put, r.put_rss, r.put_cpu, ()) = measure(|| {
            rt.block_on(async {
                let upload = raw.put_multipart(&key).await.unwrap();
                let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
                let mut src = Box::pin(chunks(large));
                while let Some(c) = src.next().await {
                    w.wait_for_capacity(IN_FLIGHT).await.unwrap();
                    w.put(c);
                }
                w.finish().await.unwrap();
            })
        });
        (r.get, r.get_rss, r.get_cpu, ()) = measure(|| {
            rt.block_on(async {
                let mut s = raw.get(&key).await.unwrap().into_stream();
                let mut n = 0u64;
                while let Some(c) = s.next().await {
                    n += c.unwrap().len() as u64;
                }
                assert_eq!(n, large);
            })
        });
        (r.small_put, _, r.small_put_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| {
                        let (raw, payload) = (raw.clone(), payload.clone());
                        let key = OsPath::from(format!("{run}/raw/s{i}"));
                        async move { raw.put(&key, payload.into()).await }
                    })
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.small_get, _, r.small_get_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| {
                        let raw = raw.clone();
                        let run = run.clone();
                        async move {
                            raw.get(&OsPath::from(format!("{run}/raw/s{i}")))
                                .await?
                                .bytes()
                                .await
                        }
                    })
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.list, _, r.list_cpu, ()) = measure(|| {
            rt.block_on(async {
                let prefix = OsPath::from(format!("{run}/many"));
                assert_eq!(
                    raw.list(Some(&prefix))
                        .try_collect::<Vec<_>>()
                        .await
                        .unwrap()
                        .len(),
                    LIST_COUNT
                );
            })
        });
        r
    };

    // Our AsyncStore (bare, or under the layer stack), in folder `dir`.
    let store_path = |async_store: &AsyncStore, dir: &str| {
        let mut r = Row::default();
        (r.put, r.put_rss, r.put_cpu, ()) = measure(|| {
            rt.block_on(async_store.write(format!("{dir}/big"), chunks(large).map(Ok), true))
                .map(drop)
                .unwrap()
        });
        (r.get, r.get_rss, r.get_cpu, ()) = measure(|| {
            rt.block_on(async {
                let mut s = async_store.read(format!("{dir}/big")).await.unwrap();
                let mut n = 0u64;
                while let Some(c) = s.next().await {
                    n += c.unwrap().len() as u64;
                }
                assert_eq!(n, large);
            })
        });
        (r.small_put, _, r.small_put_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| async_store.write_bytes(format!("{dir}/s{i}"), payload.clone(), true))
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.small_get, _, r.small_get_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| async_store.read_bytes(format!("{dir}/s{i}")))
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.list, _, r.list_cpu, ()) = measure(|| {
            rt.block_on(async {
                let n = async_store
                    .list_files("many", true)
                    .await
                    .unwrap()
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap()
                    .len();
                assert_eq!(n, LIST_COUNT);
            })
        });
        r
    };
    let async_path = || store_path(&async_store, "async");
    let layered_path = || store_path(&layered_store, "layered");
    let odal_path = || store_path(&odal_store, "odal");

    // Our sync Store, from 16 threads for the small files.
    let sync_path = || {
        let mut r = Row::default();
        (r.put, r.put_rss, r.put_cpu, ()) = measure(|| {
            sync_store
                .write("sync/big", Pattern(large), true)
                .map(drop)
                .unwrap()
        });
        (r.get, r.get_rss, r.get_cpu, ()) = measure(|| {
            let mut reader = sync_store.read("sync/big").unwrap();
            let mut buf = vec![0u8; CHUNK];
            let mut n = 0u64;
            loop {
                let k = reader.read(&mut buf).unwrap();
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
            assert_eq!(n, large);
        });
        let threaded = |f: &(dyn Fn(usize) + Sync)| {
            std::thread::scope(|s| {
                for t in 0..16 {
                    s.spawn(move || {
                        for i in (t..SMALL_COUNT).step_by(16) {
                            f(i);
                        }
                    });
                }
            })
        };
        (r.small_put, _, r.small_put_cpu, ()) = measure(|| {
            threaded(&|i| {
                sync_store
                    .write_bytes(format!("sync/s{i}"), &payload, true)
                    .unwrap();
            })
        });
        (r.small_get, _, r.small_get_cpu, ()) =
            measure(|| threaded(&|i| drop(sync_store.read_bytes(format!("sync/s{i}")).unwrap())));
        (r.list, _, r.list_cpu, ()) = measure(|| {
            assert_eq!(
                sync_store.list_files("many", true).unwrap().count(),
                LIST_COUNT
            )
        });
        r
    };

    // OpenDAL.
    let dal_path = || {
        let mut r = Row::default();
        (r.put, r.put_rss, r.put_cpu, ()) = measure(|| {
            rt.block_on(async {
                let mut w = dal
                    .writer_with(&format!("{run}/dal/big"))
                    .chunk(PART)
                    .concurrent(IN_FLIGHT)
                    .await
                    .unwrap();
                let mut src = Box::pin(chunks(large));
                while let Some(c) = src.next().await {
                    w.write(c).await.unwrap();
                }
                w.close().await.unwrap();
            })
        });
        (r.get, r.get_rss, r.get_cpu, ()) = measure(|| {
            rt.block_on(async {
                let reader = dal.reader(&format!("{run}/dal/big")).await.unwrap();
                let mut s = reader.into_bytes_stream(..).await.unwrap();
                let mut n = 0u64;
                while let Some(c) = s.next().await {
                    n += c.unwrap().len() as u64;
                }
                assert_eq!(n, large);
            })
        });
        (r.small_put, _, r.small_put_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| {
                        let (dal, payload) = (dal.clone(), payload.clone());
                        let key = format!("{run}/dal/s{i}");
                        async move { dal.write(&key, payload).await }
                    })
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.small_get, _, r.small_get_cpu, ()) = measure(|| {
            rt.block_on(async {
                futures::stream::iter(0..SMALL_COUNT)
                    .map(|i| {
                        let dal = dal.clone();
                        let run = run.clone();
                        async move { dal.read(&format!("{run}/dal/s{i}")).await }
                    })
                    .buffer_unordered(16)
                    .try_collect::<Vec<_>>()
                    .await
                    .unwrap();
            })
        });
        (r.list, _, r.list_cpu, ()) = measure(|| {
            rt.block_on(async {
                let entries: Vec<_> = dal
                    .lister_with(&format!("{run}/many/"))
                    .recursive(true)
                    .await
                    .unwrap()
                    .try_collect()
                    .await
                    .unwrap();
                assert!(entries.len() >= LIST_COUNT, "{}", entries.len());
            })
        });
        r
    };

    // Every path once per round, the starting path rotating, so drift in
    // the machine or the server's disk spreads over all of them.
    let paths: [(&str, &dyn Fn() -> Row); 6] = [
        ("raw `object_store` (anchor)", &raw_path),
        ("our `AsyncStore`", &async_path),
        (
            "our `AsyncStore`, layer stack (timeout, retry, trace, metrics)",
            &layered_path,
        ),
        ("our sync `Store` (blocking bridge)", &sync_path),
        ("OpenDAL `services::S3`", &dal_path),
        (
            "our `AsyncStore` over `OpendalBackend` (the same OpenDAL operator)",
            &odal_path,
        ),
    ];
    let mut runs: Vec<Vec<Row>> = paths.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for k in 0..paths.len() {
            let i = (k + round) % paths.len();
            runs[i].push((paths[i].1)());
        }
    }
    let rows: Vec<(&str, Row)> = paths
        .iter()
        .zip(runs)
        .map(|((name, _), runs)| (*name, Row::median(&runs)))
        .collect();

    // Clean up.
    rt.block_on(async_store.delete_folder("", true, true))
        .unwrap();

    let anchor = &rows[0].1;
    let mb = |d: Duration| large as f64 / (1024.0 * 1024.0) / d.as_secs_f64();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "s3s-fs 0.14.1 on loopback (objects on tmpfs), {mib} MiB object, 8 MiB parts with 4 in flight and unsigned payloads on every path; small files 16 at a time. Median of {rounds} rounds, each running every path once, the starting path rotating; peak RSS is the highest seen. Ratios are throughput against raw `object_store` (higher is better).\n"
    );
    let _ = writeln!(
        out,
        "| path | {mib} MiB put | {mib} MiB get | 2k × 4 KiB put | 2k × 4 KiB get | list 20k keys | peak RSS put / get |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let ratio = |ours: Duration, base: Duration| base.as_secs_f64() / ours.as_secs_f64();
    for (name, r) in &rows {
        let _ = writeln!(
            out,
            "| {name} | {:.0} MiB/s ({:.2}×) | {:.0} MiB/s ({:.2}×) | {:.2} s ({:.2}×) | {:.2} s ({:.2}×) | {:.2} s ({:.2}×) | {:.0} / {:.0} MiB |",
            mb(r.put),
            ratio(r.put, anchor.put),
            mb(r.get),
            ratio(r.get, anchor.get),
            r.small_put.as_secs_f64(),
            ratio(r.small_put, anchor.small_put),
            r.small_get.as_secs_f64(),
            ratio(r.small_get, anchor.small_get),
            r.list.as_secs_f64(),
            ratio(r.list, anchor.list),
            r.put_rss,
            r.get_rss,
        );
    }
    let _ = writeln!(
        out,
        "\nClient CPU (user + system time of the benchmark process, all threads; medians) per operation, and its ratio to raw `object_store`'s (lower is better). The server shares the two cores, so client CPU is time the server does not get.\n"
    );
    let _ = writeln!(
        out,
        "| path | {mib} MiB put | {mib} MiB get | 2k × 4 KiB put | 2k × 4 KiB get | list 20k keys |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let cpu = |ours: Duration, base: Duration| {
        format!(
            "{:.2} s ({:.2}×)",
            ours.as_secs_f64(),
            ours.as_secs_f64() / base.as_secs_f64()
        )
    };
    for (name, r) in &rows {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} |",
            cpu(r.put_cpu, anchor.put_cpu),
            cpu(r.get_cpu, anchor.get_cpu),
            cpu(r.small_put_cpu, anchor.small_put_cpu),
            cpu(r.small_get_cpu, anchor.small_get_cpu),
            cpu(r.list_cpu, anchor.list_cpu),
        );
    }
    match std::env::var_os("RS_BENCH_OUT") {
        Some(path) => std::fs::write(path, out).unwrap(),
        None => print!("{out}"),
    }
}
