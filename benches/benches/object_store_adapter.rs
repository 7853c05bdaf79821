//! `ObjectStoreAdapter` over our memory and local backends against
//! object_store's own `InMemory` and `LocalFileSystem`, same run, through
//! `Arc<dyn ObjectStore>` as DataFusion calls them:
//!
//! - per call: `put` and `get` of 4 KiB, `head`, and a `list` of 1,000
//!   objects (one call = the whole listing);
//! - a large `put_multipart` (8 MiB parts through `WriteMultipart`, 4 in
//!   flight) and streamed `get` over the local disk
//!   (`RS_BENCH_ADAPTER_MIB`, default 1024; the files go under
//!   `RS_BENCH_ADAPTER_DIR`, default the system's temporary folder).
//!
//! Each pair runs once per round (`RS_BENCH_ADAPTER_ROUNDS`, default 5),
//! the first alternating; a round's ratio compares the pair of that round.
//! Report (markdown) to `RS_BENCH_OUT`, else stdout.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use remote_store::AsyncStore;
use remote_store::backends::{AsyncMemoryBackend, LocalBackend};
use remote_store::object_store_adapter::ObjectStoreAdapter;
use remote_store_benches::{env_number, median, ratio_spread};

const SMALL: usize = 4096;
const CALLS: usize = 2000;
const LISTED: usize = 1000;
const LISTS: usize = 20;
const PART: usize = 8 * 1024 * 1024;
const IN_FLIGHT: usize = 4;
const CHUNK: usize = 1024 * 1024;

const COLUMNS: [&str; 6] = [
    "put 4 KiB",
    "get 4 KiB",
    "head",
    "list 1k",
    "large put",
    "large get",
];

/// Seconds per call (per operation for the large columns), one path, one
/// round; `NaN` where not run.
type Row = [f64; 6];

fn per_call(start: Instant, calls: usize) -> f64 {
    start.elapsed().as_secs_f64() / calls as f64
}

async fn small_calls(store: &dyn ObjectStore, row: &mut Row) {
    let payload = Bytes::from(vec![7u8; SMALL]);
    let start = Instant::now();
    for i in 0..CALLS {
        store
            .put(&Path::from(format!("s/{i}")), payload.clone().into())
            .await
            .unwrap();
    }
    row[0] = per_call(start, CALLS);
    let start = Instant::now();
    for i in 0..CALLS {
        let got = store.get(&Path::from(format!("s/{i}"))).await.unwrap();
        assert_eq!(got.bytes().await.unwrap().len(), SMALL);
    }
    row[1] = per_call(start, CALLS);
    let start = Instant::now();
    for i in 0..CALLS {
        store.head(&Path::from(format!("s/{i}"))).await.unwrap();
    }
    row[2] = per_call(start, CALLS);
    for i in 0..LISTED {
        store
            .put(&Path::from(format!("l/{i}")), payload.clone().into())
            .await
            .unwrap();
    }
    let prefix = Path::from("l");
    let start = Instant::now();
    for _ in 0..LISTS {
        let n = store
            .list(Some(&prefix))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len();
        assert_eq!(n, LISTED);
    }
    row[3] = per_call(start, LISTS);
}

async fn large_calls(store: &dyn ObjectStore, size: u64, row: &mut Row) {
    let location = Path::from("big");
    let block = Bytes::from(vec![0x5au8; CHUNK]);
    let start = Instant::now();
    let upload = store.put_multipart(&location).await.unwrap();
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
    for _ in 0..size / CHUNK as u64 {
        writer.wait_for_capacity(IN_FLIGHT).await.unwrap();
        writer.put(block.clone());
    }
    writer.finish().await.unwrap();
    row[4] = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut stream = store.get(&location).await.unwrap().into_stream();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        n += chunk.unwrap().len() as u64;
    }
    assert_eq!(n, size);
    row[5] = start.elapsed().as_secs_f64();
}

fn main() {
    let var = env_number;
    let rounds = var("RS_BENCH_ADAPTER_ROUNDS", 5) as usize;
    let mib = var("RS_BENCH_ADAPTER_MIB", 1024);
    let size = mib * 1024 * 1024;
    let base = std::env::var_os("RS_BENCH_ADAPTER_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // One fresh pair of stores per round: (anchor, ours).
    type Pair = (Arc<dyn ObjectStore>, Arc<dyn ObjectStore>);
    let memory = |_: &tempfile::TempDir| -> Pair {
        (
            Arc::new(InMemory::new()),
            Arc::new(ObjectStoreAdapter::new(AsyncStore::new(
                AsyncMemoryBackend::new(),
            ))),
        )
    };
    let local = |dir: &tempfile::TempDir| -> Pair {
        let (a, b) = (dir.path().join("os"), dir.path().join("ours"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        (
            Arc::new(LocalFileSystem::new_with_prefix(a).unwrap()),
            Arc::new(ObjectStoreAdapter::new(AsyncStore::new(
                LocalBackend::new(b).unwrap(),
            ))),
        )
    };
    // Name, the anchor's name, the stores of a round, whether the large
    // file runs.
    type Setup<'a> = (
        &'a str,
        &'a str,
        &'a dyn Fn(&tempfile::TempDir) -> Pair,
        bool,
    );
    let setups: [Setup<'_>; 2] = [
        ("memory", "`InMemory`", &memory, false),
        ("local", "`LocalFileSystem`", &local, true),
    ];

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Per call, one call at a time, through `Arc<dyn ObjectStore>`; the large file is {mib} MiB (8 MiB parts, 4 in flight). {rounds} rounds, each running both stores once, the first alternating. Ratios are object_store's own store's time over the adapter's in the same round (higher is better): the median, then the lowest and highest.\n"
    );
    let _ = writeln!(
        out,
        "| backend (anchor) | {} |",
        COLUMNS.map(|c| format!("{c} (anchor / ours)")).join(" | ")
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for (name, anchor_name, setup, large) in setups {
        let (mut anchor_rows, mut our_rows) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let dir = tempfile::tempdir_in(&base).unwrap();
            let (anchor, ours) = setup(&dir);
            let run = |store: Arc<dyn ObjectStore>| {
                let mut row = [f64::NAN; 6];
                rt.block_on(async {
                    small_calls(store.as_ref(), &mut row).await;
                    if large {
                        large_calls(store.as_ref(), size, &mut row).await;
                    }
                });
                row
            };
            if round % 2 == 0 {
                anchor_rows.push(run(anchor));
                our_rows.push(run(ours));
            } else {
                our_rows.push(run(ours));
                anchor_rows.push(run(anchor));
            }
        }
        let cells: Vec<String> = (0..COLUMNS.len())
            .map(|c| {
                if anchor_rows[0][c].is_nan() {
                    return "—".to_owned();
                }
                let ratios: Vec<f64> = anchor_rows
                    .iter()
                    .zip(&our_rows)
                    .map(|(a, o)| a[c] / o[c])
                    .collect();
                let show = |rows: &[Row]| {
                    let t = median(rows.iter().map(|r| r[c]).collect());
                    if c >= 4 {
                        format!("{:.0} MiB/s", mib as f64 / t)
                    } else {
                        format!("{:.1} µs", t * 1e6)
                    }
                };
                format!(
                    "{} / {}: {}",
                    show(&anchor_rows),
                    show(&our_rows),
                    ratio_spread(ratios)
                )
            })
            .collect();
        let _ = writeln!(out, "| {name} ({anchor_name}) | {} |", cells.join(" | "));
    }
    match std::env::var_os("RS_BENCH_OUT") {
        Some(path) => std::fs::write(path, out).unwrap(),
        None => print!("{out}"),
    }
}
