//! SFTP beyond the conformance suite, on both engines: host key policies,
//! refused credentials, 32 concurrent callers on one backend, and an sshd
//! killed mid-transfer then restarted.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use remote_store::backends::{AsyncSftpBackend, SftpBackend};
use remote_store::sftp::{HostKeyError, HostKeyPolicy, SftpConfig};
use remote_store::{AsyncStore, Error, ErrorKind, Store};

use crate::faults::unique;
use crate::services::var;
use crate::sftp::config;

#[derive(Debug, Clone, Copy)]
enum Engine {
    Ssh2,
    Russh,
}

const ENGINES: [Engine; 2] = [Engine::Ssh2, Engine::Russh];

/// A sync store on `engine` (the russh engine through the bridge).
fn store(engine: Engine, config: SftpConfig) -> Store {
    match engine {
        Engine::Ssh2 => Store::new(SftpBackend::new(config).unwrap()),
        Engine::Russh => Store::new(AsyncSftpBackend::new(config).unwrap()),
    }
}

fn ssh_dir() -> PathBuf {
    PathBuf::from(var("RS_SSHD_CONFIG"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh ed25519 key pair in `dir`; returns the private key's path.
pub(crate) fn keygen(dir: &Path, name: &str) -> PathBuf {
    let key = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    key
}

fn host_key_error(err: &Error) -> &HostKeyError {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<HostKeyError>())
        .unwrap_or_else(|| panic!("no HostKeyError behind {err:?}"))
}

#[test]
fn strict_refuses_unknown_and_changed_host_keys() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("known_hosts_empty");
    std::fs::write(&empty, "").unwrap();
    let other = keygen(dir.path(), "other_host");
    let public = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let mut fields = public.split_whitespace();
    let changed = dir.path().join("known_hosts_changed");
    std::fs::write(
        &changed,
        format!(
            "[127.0.0.1]:{} {} {}\n",
            var("RS_SFTP_PORT"),
            fields.next().unwrap(),
            fields.next().unwrap()
        ),
    )
    .unwrap();
    for engine in ENGINES {
        let err = store(engine, config().known_hosts(&empty))
            .exists("x")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{engine:?}: {err}");
        assert!(
            matches!(host_key_error(&err), HostKeyError::Unknown { .. }),
            "{engine:?}: {err}"
        );
        assert!(!err.is_retryable());
        let err = store(engine, config().known_hosts(&changed))
            .exists("x")
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{engine:?}: {err}");
        assert!(
            matches!(host_key_error(&err), HostKeyError::Changed { .. }),
            "{engine:?}: {err}"
        );
        assert!(err.to_string().contains("HOST KEY CHANGED"), "{err}");
        // Accept-new never overrides a changed key either.
        let tofu = config()
            .known_hosts(&changed)
            .host_key_policy(HostKeyPolicy::AcceptNew);
        let err = store(engine, tofu).exists("x").unwrap_err();
        assert!(matches!(host_key_error(&err), HostKeyError::Changed { .. }));
        // The explicitly insecure policy does.
        let insecure = config()
            .known_hosts(&changed)
            .host_key_policy(HostKeyPolicy::InsecureAcceptAny);
        store(engine, insecure).exists("x").unwrap();
    }
}

#[test]
fn accept_new_records_then_pins() {
    for engine in ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ssh/known_hosts");
        let tofu = config()
            .known_hosts(&file)
            .host_key_policy(HostKeyPolicy::AcceptNew);
        store(engine, tofu.clone()).exists("x").unwrap();
        let recorded = std::fs::read_to_string(&file).unwrap();
        let host_pub = std::fs::read_to_string(ssh_dir().join("host_ed25519.pub")).unwrap();
        let key = host_pub.split_whitespace().nth(1).unwrap();
        assert!(recorded.contains(key), "{engine:?}: {recorded}");
        assert_eq!(recorded.lines().count(), 1);
        // Recorded: strict now accepts it, and a second run adds nothing.
        store(engine, tofu.clone()).exists("x").unwrap();
        store(engine, config().known_hosts(&file))
            .exists("x")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), recorded);
        // Pinned: a different recorded key is now a changed key.
        let forged = recorded.replace(key, &key.replace('A', "B").replace('a', "A"));
        std::fs::write(&file, forged).unwrap();
        let err = store(engine, tofu).exists("x").unwrap_err();
        assert!(
            matches!(host_key_error(&err), HostKeyError::Changed { .. }),
            "{err}"
        );
    }
}

#[test]
fn pinned_fingerprint_is_checked() {
    // OpenSSH's own fingerprint of the host key: pinning what
    // `ssh-keygen -l` prints must work.
    let listed = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(ssh_dir().join("host_ed25519.pub"))
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let right = listed.split_whitespace().nth(1).unwrap().to_owned();
    assert!(right.starts_with("SHA256:"), "{listed}");
    let wrong = remote_store::sftp::fingerprint(b"another key");
    let nowhere = PathBuf::from("/nonexistent/known_hosts");
    for engine in ENGINES {
        let pinned = config().known_hosts(&nowhere).host_key_fingerprint(&right);
        store(engine, pinned).exists("x").unwrap();
        let pinned = config().known_hosts(&nowhere).host_key_fingerprint(&wrong);
        let err = store(engine, pinned).exists("x").unwrap_err();
        assert!(
            matches!(host_key_error(&err), HostKeyError::Changed { .. }),
            "{err}"
        );
    }
}

#[test]
fn wrong_key_is_permission_denied() {
    let dir = tempfile::tempdir().unwrap();
    let stranger = keygen(dir.path(), "stranger");
    for engine in ENGINES {
        let err = store(engine, config().key_file(&stranger))
            .exists("x")
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::PermissionDenied,
            "{engine:?}: {err:?}"
        );
        assert!(err.to_string().contains("authentication as"), "{err}");
        assert!(!err.is_retryable());
    }
}

#[test]
fn thirty_two_concurrent_callers_on_one_backend() {
    const CALLERS: usize = 32;
    let payload = |i: usize| format!("caller {i} ").repeat(10_000);
    for engine in ENGINES {
        let store = store(engine, config());
        let base = unique("concurrent");
        for i in 0..CALLERS {
            store
                .write_bytes(format!("{base}/seed-{i}"), payload(i), false)
                .unwrap();
        }
        std::thread::scope(|s| {
            for i in 0..CALLERS {
                let (store, base) = (&store, &base);
                s.spawn(move || {
                    let mut got = String::new();
                    store
                        .read(format!("{base}/seed-{i}"))
                        .unwrap()
                        .read_to_string(&mut got)
                        .unwrap();
                    assert_eq!(got, payload(i), "{engine:?} read {i}");
                    store
                        .write_bytes(format!("{base}/new-{i}"), payload(i + 100), false)
                        .unwrap();
                });
            }
        });
        for i in 0..CALLERS {
            let got = store.read_bytes(format!("{base}/new-{i}")).unwrap();
            assert_eq!(got, payload(i + 100).as_bytes(), "{engine:?} write {i}");
        }
        store.delete_folder(&base, true, false).unwrap();
    }
    // And natively async: 32 tasks on one AsyncStore over the russh engine.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = AsyncStore::new(AsyncSftpBackend::new(config()).unwrap());
        let base = unique("concurrent-async");
        let tasks: Vec<_> = (0..CALLERS)
            .map(|i| {
                let (store, path) = (store.clone(), format!("{base}/f-{i}"));
                tokio::spawn(async move {
                    store.write_bytes(&path, payload(i), false).await.unwrap();
                    store.read_bytes(&path).await.unwrap()
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), payload(i).as_bytes());
        }
        store.delete_folder(&base, true, false).await.unwrap();
    });
}

/// A private sshd (same config and keys as the shared one, its own port),
/// so killing it disturbs no other test.
pub(crate) struct Sshd {
    port: u16,
    child: Child,
    alive: bool,
}

impl Sshd {
    pub(crate) fn start(port: u16) -> Sshd {
        Sshd::start_with(port, Path::new(&var("RS_SSHD_CONFIG")))
    }

    fn start_with(port: u16, config: &Path) -> Sshd {
        let pid_file = std::env::temp_dir().join(format!("rs-sshd-{port}.pid"));
        let child = Command::new(var("RS_SSHD_BIN"))
            .args(["-D", "-e", "-f"])
            .arg(config)
            .args(["-o", &format!("Port={port}")])
            .args(["-o", &format!("PidFile={}", pid_file.display())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not open port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Sshd {
            port,
            child,
            alive: true,
        }
    }

    /// SIGKILL to the listener and every session process it forked:
    /// connections drop at once, as when a server dies.
    fn kill(&mut self) {
        if !std::mem::replace(&mut self.alive, false) {
            return;
        }
        let mut doomed = vec![self.child.id()];
        let mut i = 0;
        while i < doomed.len() {
            doomed.extend(children(doomed[i]));
            i += 1;
        }
        for pid in &doomed {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "sshd still listening");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // Field 4, after the parenthesized command name.
                    let rest = stat.rsplit_once(')')?.1;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// A source of `total` bytes that runs `at_half` once half is out.
struct Tripwire<F: FnMut()> {
    left: u64,
    half: u64,
    at_half: Option<F>,
}

impl<F: FnMut()> Read for Tripwire<F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left <= self.half
            && let Some(mut trip) = self.at_half.take()
        {
            trip();
        }
        let n = buf.len().min(self.left as usize);
        buf[..n].fill(b'x');
        self.left -= n as u64;
        Ok(n)
    }
}

#[test]
fn sshd_killed_mid_transfer_then_the_next_call_reconnects() {
    for (engine, port) in [(Engine::Ssh2, 2231), (Engine::Russh, 2232)] {
        let dir = tempfile::tempdir().unwrap();
        let known = dir.path().join("known_hosts");
        let host_pub = std::fs::read_to_string(ssh_dir().join("host_ed25519.pub")).unwrap();
        let mut f = host_pub.split_whitespace();
        std::fs::write(
            &known,
            format!(
                "[127.0.0.1]:{port} {} {}\n",
                f.next().unwrap(),
                f.next().unwrap()
            ),
        )
        .unwrap();
        let sshd = Arc::new(std::sync::Mutex::new(Sshd::start(port)));
        let cfg = config()
            .port(port)
            .known_hosts(&known)
            .connections(1)
            .io_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5));
        let store = store(engine, cfg);
        let path = unique("big.bin");
        store.write_bytes(unique("warm-up"), "x", false).unwrap();
        let killer = sshd.clone();
        let source = Tripwire {
            left: 64 << 20,
            half: 32 << 20,
            at_half: Some(move || killer.lock().unwrap().kill()),
        };
        let err = store.write(&path, source, false).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::BackendUnavailable,
            "{engine:?}: {err:?}"
        );
        assert!(err.is_retryable(), "{engine:?}: {err:?}");
        // While the server is down, calls fail the same way, promptly.
        let err = store.exists("anything").unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::BackendUnavailable,
            "{engine:?}: {err:?}"
        );
        // Back up: the very next call reconnects; nothing partial is visible.
        *sshd.lock().unwrap() = Sshd::start(port);
        assert!(!store.exists(&path).unwrap(), "{engine:?}: partial file");
        store.write_bytes(&path, "after", false).unwrap();
        assert_eq!(store.read_bytes(&path).unwrap(), "after".as_bytes());
        // Reading: killed mid-stream, the read fails; then works again.
        let big = unique("read.bin");
        store
            .write(&big, std::io::repeat(b'y').take(64 << 20), false)
            .unwrap();
        let mut reader = store.read(&big).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        reader.read_exact(&mut buf).unwrap();
        sshd.lock().unwrap().kill();
        let failed = std::io::copy(&mut reader, &mut std::io::sink()).unwrap_err();
        let failed = Error::from_source_io(failed);
        assert_eq!(
            failed.kind(),
            ErrorKind::BackendUnavailable,
            "{engine:?}: {failed:?}"
        );
        *sshd.lock().unwrap() = Sshd::start(port);
        assert_eq!(store.get_file_info(&big).unwrap().size, 64 << 20);
    }
}

/// A known_hosts file for a private sshd on `port`, in `dir`.
pub(crate) fn known_hosts_for(dir: &Path, port: u16) -> PathBuf {
    let known = dir.join("known_hosts");
    let host_pub = std::fs::read_to_string(ssh_dir().join("host_ed25519.pub")).unwrap();
    let mut f = host_pub.split_whitespace();
    let (kind, key) = (f.next().unwrap(), f.next().unwrap());
    std::fs::write(&known, format!("[127.0.0.1]:{port} {kind} {key}\n")).unwrap();
    known
}

/// A server whose administrator prohibits `posix-rename@openssh.com`
/// (OpenSSH still advertises it, and refuses each request with "permission
/// denied"): both engines replace files and move onto existing files all
/// the same, and neither declares `AtomicMove` there; on the shared server
/// russh declares it once connected.
#[test]
fn a_server_without_posix_rename_still_replaces_files() {
    let dir = tempfile::tempdir().unwrap();
    let shared = std::fs::read_to_string(var("RS_SSHD_CONFIG")).unwrap();
    assert!(
        shared.contains("Subsystem sftp internal-sftp\n"),
        "{shared}"
    );
    let prohibited = shared.replace(
        "Subsystem sftp internal-sftp\n",
        "Subsystem sftp internal-sftp -P posix-rename\n",
    );
    let cfg_path = dir.path().join("sshd_config");
    std::fs::write(&cfg_path, prohibited).unwrap();
    let port = 2233;
    let _sshd = Sshd::start_with(port, &cfg_path);
    let known = known_hosts_for(dir.path(), port);
    for engine in ENGINES {
        let cfg = config().port(port).known_hosts(&known).connections(1);
        let store = store(engine, cfg);
        let (a, b) = (unique("pr-a.txt"), unique("pr-b.txt"));
        store.write_bytes(&a, "old", false).unwrap();
        store.write_bytes(&a, "new", true).unwrap();
        assert_eq!(
            store.read_bytes(&a).unwrap(),
            "new".as_bytes(),
            "{engine:?}"
        );
        store.write_bytes(&b, "moved", false).unwrap();
        store.rename(&b, &a, true).unwrap();
        assert_eq!(
            store.read_bytes(&a).unwrap(),
            "moved".as_bytes(),
            "{engine:?}"
        );
        assert!(!store.exists(&b).unwrap());
        let err = store.rename(&a, &a, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert!(
            !store.supports(remote_store::Capability::AtomicMove),
            "{engine:?} declares AtomicMove on a server that refuses posix-rename"
        );
        // Nothing staged was left behind.
        let folder = Path::new(&var("RS_SFTP_DIR")).join(Path::new(&a).parent().unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".~tmp."))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        store.delete(&a, false).unwrap();
    }
    // The shared server performs it: russh says so once it has connected.
    let russh = store(Engine::Russh, config());
    // Any call that reaches the server (the root's existence does not).
    russh.is_file(unique("probe.txt")).unwrap();
    assert!(russh.supports(remote_store::Capability::AtomicMove));
}
