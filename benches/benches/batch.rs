//! Batch deletes on S3 (s3s-fs and moto on loopback): `delete_batch`,
//! which sends `DeleteObjects` requests, against deleting the same keys
//! one request each, 16 at a time (what deleting many files cost before),
//! and against raw object_store's `delete_stream` (the anchor: the same
//! bulk requests with nothing of ours around them). Each round writes the
//! keys again and runs every path once, the first path rotating.
//!
//! `RS_BENCH_BATCH_KEYS` (default 2000), `RS_BENCH_ROUNDS` (default 5);
//! `RS_BENCH_OUT` receives the table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use remote_store::backends::S3Backend;
use remote_store::s3::S3Config;
use remote_store::{AsyncStore, Bytes};
use remote_store_benches::{env_number, median, ratio_spread, service_var};

const PATHS: [&str; 3] = ["raw delete_stream", "delete_batch", "one delete per key"];

fn main() {
    let keys = env_number("RS_BENCH_BATCH_KEYS", 2000) as usize;
    let rounds = env_number("RS_BENCH_ROUNDS", 5) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut table = format!(
        "{keys} keys per run, {rounds} rounds; each round writes the keys and deletes them \
         once per path, the first path rotating. Times are medians; ratios are the anchor's \
         time over the path's (higher is better), the median with the lowest and highest.\n\n\
         | server | {} (anchor) | {} | {} |\n|---|---:|---:|---:|\n",
        PATHS[0], PATHS[1], PATHS[2]
    );
    for (server, endpoint, bucket) in [
        ("s3s-fs", "RS_S3S_ENDPOINT", "RS_S3S_BUCKET"),
        ("moto", "RS_S3_ENDPOINT", "RS_S3_BUCKET"),
    ] {
        let (endpoint, bucket) = (service_var(endpoint), service_var(bucket));
        let times = rt.block_on(measure(&endpoint, &bucket, keys, rounds));
        let anchor = median(times[0].iter().map(Duration::as_secs_f64).collect());
        let cells: Vec<String> = (0..PATHS.len())
            .map(|p| {
                let secs = median(times[p].iter().map(Duration::as_secs_f64).collect());
                let ratios = times[0]
                    .iter()
                    .zip(&times[p])
                    .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
                    .collect();
                match p {
                    0 => format!("{:.0} ms", anchor * 1000.0),
                    _ => format!("{:.0} ms: {}", secs * 1000.0, ratio_spread(ratios)),
                }
            })
            .collect();
        table.push_str(&format!("| {server} | {} |\n", cells.join(" | ")));
    }
    print!("{table}");
    if let Ok(out) = std::env::var("RS_BENCH_OUT") {
        std::fs::write(out, table).unwrap();
    }
}

/// Per path, the time of each round.
async fn measure(endpoint: &str, bucket: &str, keys: usize, rounds: usize) -> Vec<Vec<Duration>> {
    let run = format!("bench-batch-{}", std::process::id());
    let config = S3Config::new(bucket)
        .endpoint(endpoint)
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test");
    let store = AsyncStore::new(S3Backend::new(config).unwrap())
        .child(&run)
        .unwrap();
    let raw: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap(),
    );
    let names: Vec<String> = (0..keys).map(|i| format!("k{i:06}")).collect();
    let mut times = vec![Vec::new(); PATHS.len()];
    for round in 0..rounds {
        for step in 0..PATHS.len() {
            let path = (round + step) % PATHS.len();
            futures::stream::iter(&names)
                .map(|n| store.write_bytes(n, Bytes::from_static(b"x"), true))
                .buffer_unordered(32)
                .try_collect::<Vec<_>>()
                .await
                .unwrap();
            let started = Instant::now();
            match path {
                0 => {
                    let locations = names
                        .iter()
                        .map(|n| Ok(Path::from(format!("{run}/{n}"))))
                        .collect::<Vec<_>>();
                    raw.delete_stream(futures::stream::iter(locations).boxed())
                        .try_collect::<Vec<_>>()
                        .await
                        .unwrap();
                }
                1 => {
                    for chunk in names.chunks(remote_store::DELETE_BATCH_MAX) {
                        let answers = store.delete_batch(chunk, true).await.unwrap();
                        assert!(answers.iter().all(Result::is_ok));
                    }
                }
                _ => {
                    futures::stream::iter(&names)
                        .map(|n| store.delete(n, true))
                        .buffer_unordered(16)
                        .try_collect::<Vec<_>>()
                        .await
                        .unwrap();
                }
            }
            times[path].push(started.elapsed());
            assert!(
                !store.exists(&names[keys - 1]).await.unwrap(),
                "{}",
                PATHS[path]
            );
        }
    }
    times
}
