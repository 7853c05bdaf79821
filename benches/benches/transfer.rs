//! `rstore` against rclone on the same loopback servers, same run: tree
//! copies local → S3 (s3s-fs), local → SFTP (sshd), SFTP → local, and
//! S3 → S3 inside the server (moto: s3s-fs answers a `HEAD` of a folder
//! with 500); many small files and a few large ones; with
//! integrity checks off and on for both tools; the two tools alternate
//! which goes first, each case `ROUNDS` times, medians reported, with the
//! peak RSS of each process.
//!
//! - rstore: `cp -r -j 4` (`--checksum --hash md5` with integrity on: the
//!   MD5 of the bytes sent compared with the S3 etag where it is one, else
//!   with the copy read back);
//! - rclone: `copy --transfers 4` (integrity off: `--ignore-checksum
//!   --no-update-modtime`; on: its defaults, which compare the hashes the
//!   services report where both ends have one — MD5 for local and S3).
//!
//! Inputs: `RS_BENCH_RSTORE`, `RS_BENCH_RCLONE` (binaries),
//! `RS_BENCH_TRANSFER_SMALL` (count of 4 KiB files, default 2000),
//! `RS_BENCH_TRANSFER_LARGE` (count of large files, default 4),
//! `RS_BENCH_TRANSFER_MIB` (their size, default 256), `RS_BENCH_ROUNDS`
//! (default 3). Report (markdown) to `RS_BENCH_OUT`, else stdout.

#![allow(missing_docs)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use remote_store_benches::service_var as var;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where the servers are, and how each tool names them.
struct Servers {
    s3_bucket: String,
    s3_endpoint: String,
    moto_bucket: String,
    moto_endpoint: String,
    sftp_host: String,
    sftp_port: String,
    sftp_user: String,
    sftp_key: String,
    sftp_known: String,
    sftp_dir: String,
}

impl Servers {
    fn from_env() -> Self {
        Servers {
            s3_bucket: var("RS_S3S_BUCKET"),
            s3_endpoint: var("RS_S3S_ENDPOINT"),
            moto_bucket: var("RS_S3_BUCKET"),
            moto_endpoint: var("RS_S3_ENDPOINT"),
            sftp_host: var("RS_SFTP_HOST"),
            sftp_port: var("RS_SFTP_PORT"),
            sftp_user: var("RS_SFTP_USER"),
            sftp_key: var("RS_SFTP_KEY"),
            sftp_known: var("RS_SFTP_KNOWN_HOSTS"),
            sftp_dir: var("RS_SFTP_DIR"),
        }
    }

    /// rstore's URL of `path` on the S3 server.
    fn s3_url(&self, path: &str) -> String {
        format!(
            "s3://{}/{path}?endpoint={}&allow_http=true&region=us-east-1\
             &access_key_id=test&secret_access_key=test&conditional_put=false",
            self.s3_bucket, self.s3_endpoint
        )
    }

    /// rstore's URL of `path` on moto, which answers a `HEAD` of a folder
    /// 404 as S3 does (s3s-fs answers 500, and rclone's and rstore's
    /// checks of a source folder need the 404).
    fn moto_url(&self, path: &str) -> String {
        format!(
            "s3://{}/{path}?endpoint={}&allow_http=true&region=us-east-1\
             &access_key_id=test&secret_access_key=test",
            self.moto_bucket, self.moto_endpoint
        )
    }

    /// rstore's URL of `path` on the SFTP server (AES-GCM, as rclone's
    /// first choice).
    fn sftp_url(&self, path: &str) -> String {
        format!(
            "sftp://{}@{}:{}{}/{path}?key_file={}&known_hosts={}&cipher=aes128-gcm@openssh.com",
            self.sftp_user,
            self.sftp_host,
            self.sftp_port,
            self.sftp_dir.trim_end_matches('/'),
            self.sftp_key,
            self.sftp_known
        )
    }

    /// rclone's remotes, configured through its environment variables.
    fn rclone_env(&self) -> Vec<(String, String)> {
        let pairs = [
            ("RCLONE_CONFIG_S3_TYPE", "s3".to_owned()),
            ("RCLONE_CONFIG_S3_PROVIDER", "Other".to_owned()),
            ("RCLONE_CONFIG_S3_ENDPOINT", self.s3_endpoint.clone()),
            ("RCLONE_CONFIG_S3_ACCESS_KEY_ID", "test".to_owned()),
            ("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "test".to_owned()),
            ("RCLONE_CONFIG_S3_REGION", "us-east-1".to_owned()),
            ("RCLONE_CONFIG_MOTO_TYPE", "s3".to_owned()),
            ("RCLONE_CONFIG_MOTO_PROVIDER", "Other".to_owned()),
            ("RCLONE_CONFIG_MOTO_ENDPOINT", self.moto_endpoint.clone()),
            ("RCLONE_CONFIG_MOTO_ACCESS_KEY_ID", "test".to_owned()),
            ("RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY", "test".to_owned()),
            ("RCLONE_CONFIG_MOTO_REGION", "us-east-1".to_owned()),
            ("RCLONE_CONFIG_SFTP_TYPE", "sftp".to_owned()),
            ("RCLONE_CONFIG_SFTP_HOST", self.sftp_host.clone()),
            ("RCLONE_CONFIG_SFTP_PORT", self.sftp_port.clone()),
            ("RCLONE_CONFIG_SFTP_USER", self.sftp_user.clone()),
            ("RCLONE_CONFIG_SFTP_KEY_FILE", self.sftp_key.clone()),
            (
                "RCLONE_CONFIG_SFTP_KNOWN_HOSTS_FILE",
                self.sftp_known.clone(),
            ),
            (
                "RCLONE_CONFIG_SFTP_CIPHERS",
                "aes128-gcm@openssh.com".to_owned(),
            ),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// With a trailing `/`: rclone otherwise asks whether the path is an
    /// object (a `HEAD`), which s3s-fs answers 200 for a folder.
    fn rclone_s3(&self, path: &str) -> String {
        format!("s3:{}/{path}/", self.s3_bucket)
    }

    fn rclone_moto(&self, path: &str) -> String {
        format!("moto:{}/{path}/", self.moto_bucket)
    }

    fn rclone_sftp(&self, path: &str) -> String {
        format!("sftp:{}/{path}", self.sftp_dir.trim_end_matches('/'))
    }
}

/// Runs `cmd`, returning its wall time and peak RSS (MiB), or why it
/// failed.
fn run(mut cmd: Command) -> Result<(Duration, f64), String> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0.0f64;
    loop {
        let status = std::fs::read_to_string(&status_path).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let took = started.elapsed();
            if !status.success() {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                return Err(format!("{cmd:?} failed ({status}): {err}"));
            }
            return Ok((took, peak_kib / 1024.0));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One row: how each tool copies (and how the destination is emptied
/// before each round, untimed).
struct Case {
    name: String,
    bytes: u64,
    files: usize,
    rstore: Vec<String>,
    rclone: Vec<String>,
    /// `rstore` arguments that empty the destination.
    clean: Vec<String>,
}

impl Case {
    /// `rstore cp -r -j 4 FROM TO` against `rclone copy --transfers 4
    /// FROM TO`; `clean` is emptied with `rstore rm -r -f` before each run.
    fn new(name: String, rstore: [String; 2], rclone: [String; 2], clean: String) -> Self {
        let args = |head: &[&str], ends: [String; 2]| -> Vec<String> {
            head.iter().map(|a| a.to_string()).chain(ends).collect()
        };
        Case {
            name,
            bytes: 0,
            files: 0,
            rstore: args(&["cp", "-r", "-j", "4"], rstore),
            rclone: args(&["copy", "--transfers", "4"], rclone),
            clean: ["rm", "-r", "-f", &clean].map(str::to_owned).to_vec(),
        }
    }

    fn sized(self, bytes: u64, files: usize) -> Self {
        Case {
            bytes,
            files,
            ..self
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rstore = PathBuf::from(std::env::var("RS_BENCH_RSTORE").expect("RS_BENCH_RSTORE"));
    let rclone = PathBuf::from(std::env::var("RS_BENCH_RCLONE").expect("RS_BENCH_RCLONE"));
    let small = env_or("RS_BENCH_TRANSFER_SMALL", 2000);
    let large = env_or("RS_BENCH_TRANSFER_LARGE", 4);
    let mib = env_or("RS_BENCH_TRANSFER_MIB", 256);
    let rounds = env_or("RS_BENCH_ROUNDS", 3).max(1);
    let servers = Servers::from_env();
    let shm = Path::new("/dev/shm");
    let tmp = match shm.is_dir() {
        true => tempfile::tempdir_in(shm),
        false => tempfile::tempdir(),
    }
    .unwrap();
    let data = tmp.path();
    let sets = [("small", small, 4096usize), ("large", large, mib << 20)];
    for (set, count, size) in sets {
        let dir = data.join(set);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..count {
            let body: Vec<u8> = (0..size)
                .map(|b| (b as u32 * 31 + i as u32) as u8)
                .collect();
            std::fs::write(dir.join(format!("f{i:05}.bin")), body).unwrap();
        }
    }
    let tag = format!("bench-transfer-{}", std::process::id());
    let rstore_cmd = |args: &[String]| {
        let mut c = Command::new(&rstore);
        c.arg("-q").args(args);
        c
    };
    let rclone_cmd = |args: &[String]| {
        let mut c = Command::new(&rclone);
        c.envs(servers.rclone_env()).args(args);
        c
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Sources on the servers, for the rows that read from them.
    for (set, _, _) in sets {
        let local = data.join(set).display().to_string();
        let from_sftp = servers.sftp_url(&format!("{tag}/src/{set}"));
        let from_moto = servers.moto_url(&format!("{tag}/src/{set}"));
        for to in [from_sftp, from_moto] {
            run(rstore_cmd(&s(&["cp", "-r", "-j", "8", &local, &to]))).unwrap();
        }
    }
    let mut report = String::new();
    let _ = writeln!(
        report,
        "\nrstore (release build of this commit) vs rclone {}; {small} × 4 KiB files, {large} × {mib} MiB files; \
         4 files at a time; {rounds} rounds, medians; integrity off / on as described above.\n",
        rclone_version(&rclone)
    );
    let _ = writeln!(
        report,
        "| case | integrity | rstore | rclone | rstore ÷ rclone throughput | peak RSS rstore / rclone |\n|---|---|---:|---:|---:|---:|"
    );
    for (set, count, size) in sets {
        let local_src = data.join(set).display().to_string();
        let local_dst = data.join(format!("out-{set}")).display().to_string();
        let bytes = (count * size) as u64;
        // -RUNID: a fresh destination per run (s3s-fs answers a HEAD of a
        // folder left by an earlier run with 500).
        let dst_s3 = format!("{tag}/dst/{set}-RUNID");
        let dst_sftp = format!("{tag}/dst/{set}-RUNID");
        let src_path = format!("{tag}/src/{set}");
        let cases = [
            Case::new(
                format!("local → S3, {set}"),
                [local_src.clone(), servers.s3_url(&dst_s3)],
                [local_src.clone(), servers.rclone_s3(&dst_s3)],
                servers.s3_url(&dst_s3),
            ),
            Case::new(
                format!("local → SFTP, {set}"),
                [local_src.clone(), servers.sftp_url(&dst_sftp)],
                [local_src.clone(), servers.rclone_sftp(&dst_sftp)],
                servers.sftp_url(&dst_sftp),
            ),
            Case::new(
                format!("SFTP → local, {set}"),
                [servers.sftp_url(&src_path), local_dst.clone()],
                [servers.rclone_sftp(&src_path), local_dst.clone()],
                local_dst.clone(),
            ),
            Case::new(
                format!("S3 → S3 inside the server (moto), {set}"),
                [
                    servers.moto_url(&src_path),
                    servers.moto_url(&format!("{tag}/copy/{set}")),
                ],
                [
                    servers.rclone_moto(&src_path),
                    servers.rclone_moto(&format!("{tag}/copy/{set}")),
                ],
                servers.moto_url(&format!("{tag}/copy/{set}")),
            ),
        ]
        .map(|case| case.sized(bytes, count));
        for case in &cases {
            for integrity in [false, true] {
                let mut ours = case.rstore.clone();
                let mut theirs = case.rclone.clone();
                if integrity {
                    ours.splice(1..1, s(&["--checksum", "--hash", "md5"]));
                } else {
                    theirs.extend(s(&["--ignore-checksum", "--no-update-modtime"]));
                }
                let (mut ours_t, mut theirs_t, mut ours_m, mut theirs_m) =
                    (Vec::new(), Vec::new(), 0f64, 0f64);
                for round in 0..rounds {
                    for turn in 0..2 {
                        let id = format!("{}{round}{turn}", u8::from(integrity));
                        let fresh = |args: &[String]| -> Vec<String> {
                            args.iter()
                                .map(|a| a.replace("-RUNID", &format!("-{id}")))
                                .collect()
                        };
                        let _ = run(rstore_cmd(&fresh(&case.clean)));
                        let rstore_first = (round + turn) % 2 == 0;
                        let (took, rss) = match rstore_first {
                            true => run(rstore_cmd(&fresh(&ours))),
                            false => run(rclone_cmd(&fresh(&theirs))),
                        }
                        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
                        match rstore_first {
                            true => {
                                ours_t.push(took.as_secs_f64());
                                ours_m = ours_m.max(rss);
                            }
                            false => {
                                theirs_t.push(took.as_secs_f64());
                                theirs_m = theirs_m.max(rss);
                            }
                        }
                    }
                }
                let (a, b) = (median(ours_t), median(theirs_t));
                let rate = |t: f64| match case.files > 10 {
                    true => format!("{t:.2} s ({:.0} files/s)", case.files as f64 / t),
                    false => format!("{t:.2} s ({:.0} MiB/s)", case.bytes as f64 / t / 1048576.0),
                };
                let _ = writeln!(
                    report,
                    "| {} | {} | {} | {} | {:.2}× | {:.0} / {:.0} MiB |",
                    case.name,
                    if integrity { "on" } else { "off" },
                    rate(a),
                    rate(b),
                    b / a,
                    ours_m,
                    theirs_m
                );
                eprintln!("{}", report.lines().last().unwrap_or_default());
            }
        }
    }
    for url in [
        servers.s3_url(&tag),
        servers.moto_url(&tag),
        servers.sftp_url(&tag),
    ] {
        let _ = run(rstore_cmd(&s(&["rm", "-r", "-f", &url])));
    }
    match std::env::var("RS_BENCH_OUT") {
        Ok(out) => std::fs::write(out, report).unwrap(),
        Err(_) => print!("{report}"),
    }
}

fn rclone_version(rclone: &Path) -> String {
    Command::new(rclone)
        .arg("version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| {
            v.lines()
                .next()
                .map(|l| l.trim_start_matches("rclone ").to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}
