//! `LocalBackend` against plain `std::fs`, same run, same buffer size:
//! a 1 GiB streaming write with fsync and read, 10k × 4 KiB files written
//! and read, and peak RSS while 1 GiB files are copied.
//!
//! Not criterion: one 1 GiB transfer takes seconds, so each figure is the
//! median of a few alternating runs. The report (markdown) goes to the
//! file named by `RS_BENCH_OUT`, else to stdout; `cargo xtask bench`
//! splices it into `docs/benchmarks.md`. `RS_BENCH_LOCAL_MIB` shrinks the
//! large file for a quick try.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use remote_store::backends::LocalBackend;
use remote_store::{AsyncStore, Store, WriteOptions};
use remote_store_benches::{peak_rss_mib, reset_peak_rss};

/// The buffer both sides stream through (the backend's own write buffer).
const BUF: usize = 256 * 1024;
const REPS: usize = 5;
/// Runs of the sink-only comparison on tmpfs (cheap: no disk).
const SINK_REPS: usize = 9;
const SMALL: usize = 4096;
const SMALL_COUNT: usize = 10_000;

/// A cheap, deterministic source of `left` bytes.
struct Pattern {
    left: u64,
    block: Vec<u8>,
}

impl Pattern {
    fn new(len: u64) -> Self {
        Pattern {
            left: len,
            block: (0..BUF).map(|i| (i % 251) as u8).collect(),
        }
    }
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.left as usize).min(buf.len()).min(self.block.len());
        buf[..n].copy_from_slice(&self.block[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The lowest and highest per-run ratio of `anchor` time to `subject` time
/// (runs paired by index), as `0.97–1.03×`.
fn spread(subject: &[Duration], anchor: &[Duration]) -> String {
    let ratios: Vec<f64> = subject
        .iter()
        .zip(anchor)
        .map(|(s, a)| a.as_secs_f64() / s.as_secs_f64())
        .collect();
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(0.0, f64::max);
    format!("{lo:.2}–{hi:.2}×")
}

fn mib_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / d.as_secs_f64()
}

fn std_write_durable(dir: &Path, name: &str, len: u64) {
    let tmp = dir.join(format!(".std-tmp.{name}"));
    let mut file = File::create(&tmp).unwrap();
    let mut src = Pattern::new(len);
    let mut buf = vec![0u8; BUF];
    loop {
        let n = src.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n]).unwrap();
    }
    file.sync_all().unwrap();
    fs::rename(&tmp, dir.join(name)).unwrap();
    File::open(dir).unwrap().sync_all().unwrap();
}

fn drain(mut r: impl Read) -> u64 {
    let mut buf = vec![0u8; BUF];
    let mut total = 0;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            return total;
        }
        total += n as u64;
    }
}

/// Writes back all dirty data of the system (`sync(1)`).
fn flush() {
    let _ = std::process::Command::new("sync").status();
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// 1 GiB through the writer sink, fed in the same 256 KiB pieces the
/// reader gives `write_atomic`.
fn sink_write(store: &Store, large: u64) {
    let options = WriteOptions::new().overwrite(true).atomic(true);
    let mut sink = store.writer_with("sink.bin", &options).unwrap();
    let mut src = Pattern::new(large);
    let mut buf = vec![0u8; BUF];
    loop {
        let n = src.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        sink.write_all(&buf[..n]).unwrap();
    }
    assert_eq!(sink.finish().unwrap().size, large);
}

/// The writer sink against `write_atomic` from a reader on a store whose
/// disk does not dominate (tmpfs): the sink's own cost. Median ratio and
/// spread over `reps` runs, alternating which side goes first.
fn sink_on_tmpfs(large: u64, reps: usize) -> Option<(f64, f64, String)> {
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("rs-bench-sink")
        .tempdir_in(shm)
        .ok()?;
    let store = Store::new(LocalBackend::new(dir.path()).unwrap());
    let reader = || {
        timed(|| {
            store
                .write_atomic("reader.bin", Pattern::new(large), true)
                .unwrap();
        })
    };
    let (mut r, mut w) = (vec![], vec![]);
    for rep in 0..reps {
        if rep % 2 == 0 {
            r.push(reader());
            w.push(timed(|| sink_write(&store, large)));
        } else {
            w.push(timed(|| sink_write(&store, large)));
            r.push(reader());
        }
    }
    let spread = spread(&w, &r);
    let (r, w) = (median(r), median(w));
    Some((mib_s(large, r), mib_s(large, w), spread))
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let mib: u64 = std::env::var("RS_BENCH_LOCAL_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let large = mib * 1024 * 1024;
    let dir = tempfile::Builder::new()
        .prefix("rs-bench-local")
        .tempdir()
        .unwrap();
    let root = dir.path();
    let store = Store::new(LocalBackend::new(root).unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let async_store = AsyncStore::new(LocalBackend::new(root).unwrap());

    // Large write (fsync) and read, alternating std and Store.
    let (mut w_std, mut w_store, mut r_std, mut r_store, mut r_async) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut w_sink = vec![];
    for rep in 0..REPS {
        // Alternate which side goes first, and flush other dirty data before
        // each timed write, so neither pays for the other's writeback.
        let write_std = || {
            flush();
            timed(|| std_write_durable(root, "std.bin", large))
        };
        let write_store = || {
            flush();
            timed(|| {
                store
                    .write_atomic("store.bin", Pattern::new(large), true)
                    .unwrap();
            })
        };
        let write_sink = || {
            flush();
            timed(|| sink_write(&store, large))
        };
        // Rotate which side goes first.
        match rep % 3 {
            0 => {
                w_std.push(write_std());
                w_store.push(write_store());
                w_sink.push(write_sink());
            }
            1 => {
                w_store.push(write_store());
                w_sink.push(write_sink());
                w_std.push(write_std());
            }
            _ => {
                w_sink.push(write_sink());
                w_std.push(write_std());
                w_store.push(write_store());
            }
        }
        let read_std =
            || timed(|| assert_eq!(drain(File::open(root.join("std.bin")).unwrap()), large));
        let read_store = || timed(|| assert_eq!(drain(store.read("store.bin").unwrap()), large));
        if rep % 2 == 0 {
            r_std.push(read_std());
            r_store.push(read_store());
        } else {
            r_store.push(read_store());
            r_std.push(read_std());
        }
        r_async.push(timed(|| {
            rt.block_on(async {
                let mut s = async_store.read("store.bin").await.unwrap();
                let mut n = 0u64;
                while let Some(c) = s.next().await {
                    n += c.unwrap().len() as u64;
                }
                assert_eq!(n, large);
            })
        }));
    }
    let sink_spread = spread(&w_sink, &w_store);
    let sink_tmpfs = sink_on_tmpfs(large, SINK_REPS);
    let (w_std, w_store, w_sink) = (median(w_std), median(w_store), median(w_sink));
    let (r_std, r_store, r_async) = (median(r_std), median(r_store), median(r_async));

    // 10k small files, write then read.
    let payload = vec![7u8; SMALL];
    let small_std_w = timed(|| {
        fs::create_dir_all(root.join("small-std")).unwrap();
        for i in 0..SMALL_COUNT {
            fs::write(root.join(format!("small-std/{i}.bin")), &payload).unwrap();
        }
    });
    let small_store_w = timed(|| {
        for i in 0..SMALL_COUNT {
            store
                .write_bytes(format!("small/{i}.bin"), &payload, true)
                .unwrap();
        }
    });
    let small_std_r = timed(|| {
        for i in 0..SMALL_COUNT {
            assert_eq!(
                fs::read(root.join(format!("small-std/{i}.bin")))
                    .unwrap()
                    .len(),
                SMALL
            );
        }
    });
    let small_store_r = timed(|| {
        for i in 0..SMALL_COUNT {
            assert_eq!(
                store.read_bytes(format!("small/{i}.bin")).unwrap().len(),
                SMALL
            );
        }
    });

    // Peak RSS while 1 GiB moves: kernel copy, streamed sync copy between
    // two stores, streamed async copy through the adapter.
    let other = Store::new(LocalBackend::create(root.join("other")).unwrap());
    reset_peak_rss();
    let base_rss = peak_rss_mib();
    store.copy("store.bin", "copied.bin", true).unwrap();
    let rss_copy = peak_rss_mib();
    reset_peak_rss();
    other
        .write("streamed.bin", store.read("store.bin").unwrap(), true)
        .unwrap();
    let rss_stream = peak_rss_mib();
    reset_peak_rss();
    rt.block_on(async {
        let src = async_store.read("store.bin").await.unwrap();
        async_store
            .write("async-copied.bin", src, true)
            .await
            .unwrap();
    });
    let rss_async = peak_rss_mib();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Median of {REPS} runs (alternating which side goes first, `sync` before each timed write), {mib} MiB file, {} KiB buffer on both sides.\n",
        BUF / 1024
    );
    let _ = writeln!(
        out,
        "| operation | `std::fs` (anchor) | `Store` over `LocalBackend` | ratio (throughput) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {mib} MiB write + fsync (temp file, rename, fsync folder) | {:.0} MiB/s | {:.0} MiB/s | {:.2}× |",
        mib_s(large, w_std),
        mib_s(large, w_store),
        w_std.as_secs_f64() / w_store.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| {mib} MiB write + fsync through the writer sink (`Store::writer_with`, atomic) vs `write_atomic` from a reader | {:.0} MiB/s (reader) | {:.0} MiB/s (sink) | {:.2}× (runs {sink_spread}) |",
        mib_s(large, w_store),
        mib_s(large, w_sink),
        w_store.as_secs_f64() / w_sink.as_secs_f64()
    );
    if let Some((reader, sink, spread)) = &sink_tmpfs {
        let _ = writeln!(
            out,
            "| {mib} MiB through the writer sink vs `write_atomic` from a reader, on tmpfs (the sink's own cost, no disk), {SINK_REPS} runs | {reader:.0} MiB/s (reader) | {sink:.0} MiB/s (sink) | {:.2}× (runs {spread}) |",
            sink / reader
        );
    }
    let _ = writeln!(
        out,
        "| {mib} MiB streaming read | {:.0} MiB/s | {:.0} MiB/s | {:.2}× |",
        mib_s(large, r_std),
        mib_s(large, r_store),
        r_std.as_secs_f64() / r_store.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| {mib} MiB streaming read, `AsyncStore` (adapter) | {:.0} MiB/s | {:.0} MiB/s | {:.2}× |",
        mib_s(large, r_std),
        mib_s(large, r_async),
        r_std.as_secs_f64() / r_async.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| write {SMALL_COUNT} × 4 KiB (`fs::write` vs `write_bytes`) | {:.0} files/s | {:.0} files/s | {:.2}× |",
        SMALL_COUNT as f64 / small_std_w.as_secs_f64(),
        SMALL_COUNT as f64 / small_store_w.as_secs_f64(),
        small_std_w.as_secs_f64() / small_store_w.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| read {SMALL_COUNT} × 4 KiB (`fs::read` vs `read_bytes`) | {:.0} files/s | {:.0} files/s | {:.2}× |",
        SMALL_COUNT as f64 / small_std_r.as_secs_f64(),
        SMALL_COUNT as f64 / small_store_r.as_secs_f64(),
        small_std_r.as_secs_f64() / small_store_r.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "\nPeak RSS of the whole benchmark process (baseline {base_rss:.1} MiB) while copying {mib} MiB:\n"
    );
    let _ = writeln!(out, "| copy | peak RSS |\n|---|---:|");
    let _ = writeln!(out, "| `Store::copy` (kernel copy) | {rss_copy:.1} MiB |");
    let _ = writeln!(
        out,
        "| `Store::read` streamed into another store's `write` | {rss_stream:.1} MiB |"
    );
    let _ = writeln!(
        out,
        "| `AsyncStore::read` streamed into `AsyncStore::write` (adapter both ways) | {rss_async:.1} MiB |"
    );

    match std::env::var_os("RS_BENCH_OUT") {
        Some(path) => fs::write(path, out).unwrap(),
        None => print!("{out}"),
    }
}
