//! SFTP over loopback (OpenSSH's sshd from `cargo xtask services up`):
//! OpenSSH's own `sftp` client in batch mode against each engine through
//! each face, same server, same run, the cipher pinned on every client
//! (the cipher moves results as much as the engine does).
//!
//! - 256 MiB put and get, local file to server and back, each path run
//!   `ROUNDS` times interleaved; the median counts; the last row copies
//!   through `Transfer`, which reads a large file as ranges several at
//!   once (over the pooled connections);
//! - 1,000 × 4 KiB files put then get, one after another.
//!
//! OpenSSH times are wall time minus the median of a connect-only batch
//! (`pwd`); our stores connect before the clock starts.
//!
//! Report (markdown) to `RS_BENCH_OUT`, else stdout. `RS_BENCH_SFTP_MIB`
//! resizes the large file.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;

use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

use remote_store::backends::{AsyncSftpBackend, LocalBackend, SftpBackend};
use remote_store::sftp::SftpConfig;
use remote_store::transfer::{IfExists, Transfer};
use remote_store::{AsyncStore, Store};
use remote_store_benches::service_var as env;

const ROUNDS: usize = 5;
const SMALL: usize = 4096;
const SMALL_COUNT: usize = 1000;
const CIPHERS: [&str; 2] = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Path_ {
    OpenSsh,
    RusshAsync,
    RusshSync,
    Ssh2Sync,
    Ssh2Async,
    RusshParts,
}

const PATHS: [(Path_, &str); 6] = [
    (Path_::OpenSsh, "OpenSSH `sftp -b` (anchor)"),
    (Path_::RusshAsync, "russh engine, `AsyncStore`"),
    (Path_::RusshSync, "russh engine, sync `Store` (bridge)"),
    (Path_::Ssh2Sync, "ssh2 engine, sync `Store`"),
    (Path_::Ssh2Async, "ssh2 engine, `AsyncStore` (adapter)"),
    (
        Path_::RusshParts,
        "russh engine, `Transfer` to/from local (get: 4 ranged reads in flight)",
    ),
];

struct Env {
    host: String,
    port: String,
    user: String,
    key: String,
    known: String,
    dir: String,
}

impl Env {
    fn config(&self, cipher: &str) -> SftpConfig {
        SftpConfig::new(&self.host, &self.user)
            .port(self.port.parse().unwrap())
            .base_path(&self.dir)
            .key_file(&self.key)
            .known_hosts(&self.known)
            .cipher(cipher)
    }

    /// Runs an OpenSSH `sftp` batch; returns its wall time.
    fn batch(&self, cipher: &str, commands: &str) -> Duration {
        let file = std::env::temp_dir().join(format!("rs-bench-batch-{}", std::process::id()));
        std::fs::write(&file, commands).unwrap();
        let start = Instant::now();
        let out = Command::new("sftp")
            .arg("-q")
            .arg("-b")
            .arg(&file)
            .args(["-c", cipher, "-i", &self.key, "-P", &self.port])
            .args(["-o", &format!("UserKnownHostsFile={}", self.known)])
            .args(["-o", "BatchMode=yes"])
            .arg(format!("{}@{}", self.user, self.host))
            .output()
            .expect("OpenSSH sftp client");
        let took = start.elapsed();
        assert!(
            out.status.success(),
            "sftp batch failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        took
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Stores {
    russh_async: AsyncStore,
    russh_sync: Store,
    ssh2_sync: Store,
    ssh2_async: AsyncStore,
    /// The local folder holding the large file, for the transfer rows.
    local: AsyncStore,
}

fn stores(
    env: &Env,
    cipher: &str,
    run: &str,
    rt: &tokio::runtime::Runtime,
    scratch: &Path,
) -> Stores {
    let config = env.config(cipher);
    let connections = config.connections;
    let s = Stores {
        russh_async: AsyncStore::new(AsyncSftpBackend::new(config.clone()).unwrap()),
        russh_sync: Store::new(AsyncSftpBackend::new(config.clone()).unwrap()),
        ssh2_sync: Store::new(SftpBackend::new(config.clone()).unwrap()),
        ssh2_async: AsyncStore::new(SftpBackend::new(config).unwrap()),
        local: AsyncStore::new(LocalBackend::new(scratch).unwrap()),
    };
    // Connect (and create the run folder) before any clock starts: every
    // pooled connection of the russh store (handed out in turn).
    for _ in 0..connections {
        rt.block_on(s.russh_async.exists(run)).unwrap();
    }
    rt.block_on(s.ssh2_async.exists(run)).unwrap();
    s.russh_sync.exists(run).unwrap();
    s.ssh2_sync
        .write_bytes(format!("{run}/marker"), "", true)
        .unwrap();
    s
}

/// One put (local file → server) and one get (server → local file).
#[expect(
    clippy::too_many_arguments,
    reason = "a flat benchmark helper; a struct would only rename them"
)]
fn transfer(
    path: Path_,
    s: &Stores,
    env: &Env,
    cipher: &str,
    rt: &tokio::runtime::Runtime,
    local: &Path,
    back: &Path,
    remote: &str,
) -> (Duration, Duration) {
    let absolute = format!("{}/{remote}", env.dir);
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let sync_put = |store: &Store| {
        store
            .write(remote, File::open(local).unwrap(), true)
            .unwrap();
    };
    let sync_get = |store: &Store| {
        let mut out = File::create(back).unwrap();
        std::io::copy(&mut store.read(remote).unwrap(), &mut out).unwrap();
    };
    let async_put = |store: &AsyncStore| {
        rt.block_on(async {
            let file = tokio::fs::File::open(local).await.unwrap();
            let src = remote_store::stream::byte_stream_from_async_read(file);
            store.write(remote, src, true).await.unwrap();
        })
    };
    let async_get = |store: &AsyncStore| {
        rt.block_on(async {
            let mut out = tokio::fs::File::create(back).await.unwrap();
            let mut src = store.read(remote).await.unwrap();
            while let Some(chunk) = src.next().await {
                out.write_all(&chunk.unwrap()).await.unwrap();
            }
            out.flush().await.unwrap();
        })
    };
    match path {
        Path_::OpenSsh => (
            env.batch(cipher, &format!("put {} {absolute}\n", local.display())),
            env.batch(cipher, &format!("get {absolute} {}\n", back.display())),
        ),
        Path_::RusshAsync => (
            timed(&mut || async_put(&s.russh_async)),
            timed(&mut || async_get(&s.russh_async)),
        ),
        Path_::Ssh2Async => (
            timed(&mut || async_put(&s.ssh2_async)),
            timed(&mut || async_get(&s.ssh2_async)),
        ),
        Path_::RusshSync => (
            timed(&mut || sync_put(&s.russh_sync)),
            timed(&mut || sync_get(&s.russh_sync)),
        ),
        Path_::RusshParts => {
            let copy = |from: &AsyncStore, src: &str, to: &AsyncStore, dst: &str| {
                rt.block_on(
                    Transfer::new()
                        .if_exists(IfExists::Overwrite)
                        .copy_file(from, src, to, dst),
                )
                .unwrap();
            };
            (
                timed(&mut || copy(&s.local, "large.bin", &s.russh_async, remote)),
                timed(&mut || copy(&s.russh_async, remote, &s.local, "back.bin")),
            )
        }
        Path_::Ssh2Sync => (
            timed(&mut || sync_put(&s.ssh2_sync)),
            timed(&mut || sync_get(&s.ssh2_sync)),
        ),
    }
}

fn main() {
    let mib: u64 = std::env::var("RS_BENCH_SFTP_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let env = Env {
        host: env("RS_SFTP_HOST"),
        port: env("RS_SFTP_PORT"),
        user: env("RS_SFTP_USER"),
        key: env("RS_SFTP_KEY"),
        known: env("RS_SFTP_KNOWN_HOSTS"),
        dir: env("RS_SFTP_DIR"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = format!("bench-{}", std::process::id());
    let scratch = tempfile::tempdir().unwrap();
    let local: PathBuf = scratch.path().join("large.bin");
    let back: PathBuf = scratch.path().join("back.bin");
    {
        let mut f = File::create(&local).unwrap();
        let mut block = vec![0u8; 1 << 20];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..mib {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    let bytes = (mib << 20) as f64;
    let mut report = String::new();
    writeln!(
        report,
        "{mib} MiB put and get over loopback, median of {ROUNDS} interleaved rounds; \
         ratio = OpenSSH's time / ours with the same cipher (higher is better).\n"
    )
    .unwrap();
    for cipher in CIPHERS {
        let s = stores(&env, cipher, &run, &rt, scratch.path());
        let connect = median(
            (0..3)
                .map(|_| env.batch(cipher, "pwd\n"))
                .collect::<Vec<_>>(),
        );
        let mut times: Vec<(Vec<Duration>, Vec<Duration>)> = vec![Default::default(); PATHS.len()];
        for round in 0..ROUNDS {
            for (i, (path, _)) in PATHS.iter().enumerate() {
                let remote = format!("{run}/large-{i}-{round}.bin");
                let (mut put, mut get) =
                    transfer(*path, &s, &env, cipher, &rt, &local, &back, &remote);
                if *path == Path_::OpenSsh {
                    put = put.saturating_sub(connect);
                    get = get.saturating_sub(connect);
                }
                assert_eq!(std::fs::metadata(&back).unwrap().len(), mib << 20);
                times[i].0.push(put);
                times[i].1.push(get);
                s.ssh2_sync.delete(&remote, false).unwrap();
            }
        }
        let anchor = (median(times[0].0.clone()), median(times[0].1.clone()));
        writeln!(
            report,
            "Cipher `{cipher}` (OpenSSH connect+teardown {:.2} s, subtracted):\n",
            connect.as_secs_f64()
        )
        .unwrap();
        writeln!(
            report,
            "| path | put MB/s | put ratio | get MB/s | get ratio |"
        )
        .unwrap();
        writeln!(report, "|---|---|---|---|---|").unwrap();
        for (i, (_, name)) in PATHS.iter().enumerate() {
            let (put, get) = (median(times[i].0.clone()), median(times[i].1.clone()));
            writeln!(
                report,
                "| {name} | {:.0} | {:.2}x | {:.0} | {:.2}x |",
                bytes / put.as_secs_f64() / 1e6,
                anchor.0.as_secs_f64() / put.as_secs_f64(),
                bytes / get.as_secs_f64() / 1e6,
                anchor.1.as_secs_f64() / get.as_secs_f64(),
            )
            .unwrap();
        }
        writeln!(report).unwrap();
    }
    small_files(&env, &run, &rt, scratch.path(), &mut report);
    long_link(&env, &run, &rt, scratch.path(), mib, &mut report);
    let store = Store::new(SftpBackend::new(env.config(CIPHERS[0])).unwrap());
    store.delete_folder(&run, true, true).unwrap();
    match std::env::var("RS_BENCH_OUT") {
        Ok(path) => std::fs::write(path, &report).unwrap(),
        Err(_) => print!("{report}"),
    }
}

/// One-way delay of the long link: 20 ms round trip, a link across a
/// continent.
const LINK_DELAY: Duration = Duration::from_millis(10);

/// The large file fetched over a relay that delays every byte by
/// [`LINK_DELAY`] each way (aes128-gcm): OpenSSH's `sftp` against one
/// stream of the russh engine and against `Transfer`, which reads it as
/// ranges over the engine's pooled connections. Round trips, not the
/// cipher, bound a stream there.
fn long_link(
    env: &Env,
    run: &str,
    rt: &tokio::runtime::Runtime,
    scratch: &Path,
    mib: u64,
    report: &mut String,
) {
    let cipher = CIPHERS[1];
    let port = remote_store_benches::delay_relay(&format!("{}:{}", env.host, env.port), LINK_DELAY);
    // The server's key, known under the relay's port.
    let known = scratch.join("known_hosts_relay");
    let hosts = std::fs::read_to_string(&env.known).unwrap();
    let hosts = hosts.replace(&format!("]:{} ", env.port), &format!("]:{port} "));
    std::fs::write(&known, hosts).unwrap();
    let far = Env {
        host: env.host.clone(),
        port: port.to_string(),
        user: env.user.clone(),
        key: env.key.clone(),
        known: known.display().to_string(),
        dir: env.dir.clone(),
    };
    let s = stores(&far, cipher, run, rt, scratch);
    let remote = format!("{run}/far.bin");
    rt.block_on(Transfer::new().if_exists(IfExists::Overwrite).copy_file(
        &s.local,
        "large.bin",
        &s.russh_async,
        &remote,
    ))
    .unwrap();
    let back = scratch.join("back.bin");
    let connect = median((0..3).map(|_| far.batch(cipher, "pwd\n")).collect());
    let absolute = format!("{}/{remote}", far.dir);
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..3 {
        let ossh = far.batch(cipher, &format!("get {absolute} {}\n", back.display()));
        times[0].push(ossh.saturating_sub(connect));
        times[1].push(timed(&mut || {
            rt.block_on(async {
                let mut out = tokio::fs::File::create(&back).await.unwrap();
                let mut src = s.russh_async.read(&remote).await.unwrap();
                while let Some(chunk) = src.next().await {
                    out.write_all(&chunk.unwrap()).await.unwrap();
                }
                out.flush().await.unwrap();
            })
        }));
        times[2].push(timed(&mut || {
            rt.block_on(Transfer::new().if_exists(IfExists::Overwrite).copy_file(
                &s.russh_async,
                &remote,
                &s.local,
                "back.bin",
            ))
            .unwrap();
        }));
        assert_eq!(std::fs::metadata(&back).unwrap().len(), mib << 20);
    }
    let bytes = (mib << 20) as f64;
    let anchor = median(times[0].clone());
    writeln!(
        report,
        "\n{mib} MiB get over a relay adding {} ms each way (cipher `{cipher}`, median of 3; \
         OpenSSH connect+teardown {:.2} s subtracted):\n\n\
         | path | get MB/s | get ratio |\n|---|---|---|",
        LINK_DELAY.as_millis(),
        connect.as_secs_f64()
    )
    .unwrap();
    let names = [
        "OpenSSH `sftp -b` (anchor)",
        "russh engine, `AsyncStore` read (one stream)",
        "russh engine, `Transfer` (4 ranged reads in flight)",
    ];
    for (name, took) in names.iter().zip(times) {
        let took = median(took);
        writeln!(
            report,
            "| {name} | {:.0} | {:.2}x |",
            bytes / took.as_secs_f64() / 1e6,
            anchor.as_secs_f64() / took.as_secs_f64()
        )
        .unwrap();
    }
}

/// 1,000 × 4 KiB files put then get, one after another, chacha20.
fn small_files(
    env: &Env,
    run: &str,
    rt: &tokio::runtime::Runtime,
    scratch: &Path,
    report: &mut String,
) {
    let cipher = CIPHERS[0];
    let s = stores(env, cipher, run, rt, scratch);
    let src = scratch.join("small");
    let dst = scratch.join("small-back");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&dst).unwrap();
    let payload = vec![0x42u8; SMALL];
    for i in 0..SMALL_COUNT {
        std::fs::write(src.join(format!("f{i}")), &payload).unwrap();
    }
    let remote_dir = format!("{}/{run}/small-openssh", env.dir);
    let mut put = format!("mkdir {remote_dir}\n");
    let mut get = String::new();
    for i in 0..SMALL_COUNT {
        writeln!(put, "put {}/f{i} {remote_dir}/f{i}", src.display()).unwrap();
        writeln!(get, "get {remote_dir}/f{i} {}/f{i}", dst.display()).unwrap();
    }
    let connect = env.batch(cipher, "pwd\n");
    let ossh = (
        env.batch(cipher, &put).saturating_sub(connect),
        env.batch(cipher, &get).saturating_sub(connect),
    );
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let sync_round = |store: &Store, name: &str| {
        let put = timed(&mut || {
            for i in 0..SMALL_COUNT {
                let data = std::fs::read(src.join(format!("f{i}"))).unwrap();
                store
                    .write_bytes(format!("{run}/{name}/f{i}"), data, true)
                    .unwrap();
            }
        });
        let get = timed(&mut || {
            for i in 0..SMALL_COUNT {
                let data = store.read_bytes(format!("{run}/{name}/f{i}")).unwrap();
                std::fs::write(dst.join(format!("f{i}")), data).unwrap();
            }
        });
        (put, get)
    };
    let async_round = |store: &AsyncStore, name: &str| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..SMALL_COUNT {
                let data = tokio::fs::read(src.join(format!("f{i}"))).await.unwrap();
                store
                    .write_bytes(format!("{run}/{name}/f{i}"), data, true)
                    .await
                    .unwrap();
            }
            let put = start.elapsed();
            let start = Instant::now();
            for i in 0..SMALL_COUNT {
                let data = store
                    .read_bytes(format!("{run}/{name}/f{i}"))
                    .await
                    .unwrap();
                tokio::fs::write(dst.join(format!("f{i}")), data)
                    .await
                    .unwrap();
            }
            (put, start.elapsed())
        })
    };
    let rows = [
        (PATHS[0].1, ossh),
        (PATHS[1].1, async_round(&s.russh_async, "ra")),
        (PATHS[2].1, sync_round(&s.russh_sync, "rs")),
        (PATHS[3].1, sync_round(&s.ssh2_sync, "ss")),
        (PATHS[4].1, async_round(&s.ssh2_async, "sa")),
    ];
    writeln!(
        report,
        "{SMALL_COUNT} x 4 KiB files, put then get one after another, `{cipher}` (one round):\n"
    )
    .unwrap();
    writeln!(
        report,
        "| path | put files/s | put ratio | get files/s | get ratio |"
    )
    .unwrap();
    writeln!(report, "|---|---|---|---|---|").unwrap();
    for (name, (put, get)) in rows {
        writeln!(
            report,
            "| {name} | {:.0} | {:.2}x | {:.0} | {:.2}x |",
            SMALL_COUNT as f64 / put.as_secs_f64(),
            ossh.0.as_secs_f64() / put.as_secs_f64(),
            SMALL_COUNT as f64 / get.as_secs_f64(),
            ossh.1.as_secs_f64() / get.as_secs_f64(),
        )
        .unwrap();
    }
    writeln!(report).unwrap();
}
