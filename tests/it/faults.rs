//! Faults against real servers: bad credentials, a connection reset that
//! retries must survive, a server stopped mid-upload, a server that is not
//! there at all.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use remote_store::backends::{AzureBackend, S3Backend};
use remote_store::{AsyncStore, Bytes, ErrorKind, Store};

use crate::services::var;

/// A two-worker multi-thread runtime (shared by the fault tests).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `f` on its own thread and fails the test if it does not finish
/// within `limit`: a hang or livelock fails instead of stalling CI.
pub(crate) fn watchdog(what: &str, limit: std::time::Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        // Disconnected: the closure panicked; joining surfaces its panic.
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => worker.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no result in {limit:?} (hang or livelock)")
        }
    }
}

pub(crate) fn unique(name: &str) -> String {
    format!("faults-{:016x}/{name}", fastrand_u64())
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

#[test]
fn bad_s3_credentials_are_permission_denied() {
    // s3s-fs checks signatures (moto does not).
    let config = crate::s3::s3s_config().credentials("test", "not-the-secret");
    let store = Store::new(S3Backend::new(config).unwrap());
    let err = store.write_bytes(unique("x"), "x", true).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
    let shown = err.to_string();
    assert!(shown.starts_with("s3: permission denied"), "{shown}");
    assert!(
        !shown.contains("not-the-secret"),
        "the secret leaked: {shown}"
    );
    assert!(!err.is_retryable());
}

#[test]
fn bad_azure_credentials_are_permission_denied() {
    let config = crate::azure::azurite_config().access_key("d3Jvbmcta2V5LXdyb25nLWtleQ==");
    let store = Store::new(AzureBackend::new(config).unwrap());
    let err = store.read_bytes(unique("x")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
    assert!(
        err.to_string().starts_with("azure: permission denied"),
        "{err}"
    );
}

#[test]
fn an_unreachable_server_is_retryable_backend_unavailable() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = crate::s3::moto_config()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .retry(1, Duration::from_secs(2));
    let store = Store::new(S3Backend::new(config).unwrap());
    let err = store.read_bytes("x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{err:?}");
    assert!(err.is_retryable());
}

#[test]
fn a_reset_connection_is_survived_by_retries() {
    let upstream = var("RS_S3_ENDPOINT")
        .trim_start_matches("http://")
        .to_owned();
    let proxy = crate::proxy::Proxy::resetting(upstream, 1);
    let config = crate::s3::moto_config().endpoint(format!("http://127.0.0.1:{}", proxy.port));
    let store = Store::new(S3Backend::new(config).unwrap());
    let key = unique("survivor.txt");
    store.write_bytes(&key, "made it", true).unwrap();
    assert_eq!(store.read_bytes(&key).unwrap(), "made it");
    assert!(
        proxy.accepted() >= 2,
        "the reset connection was not retried"
    );
    store.delete(&key, false).unwrap();
}

/// An s3s-fs server of this test's own, so it can be stopped and started.
pub(crate) struct OwnServer {
    child: Child,
    port: u16,
    data: std::path::PathBuf,
}

impl OwnServer {
    pub(crate) fn start(port: u16, data: &std::path::Path) -> Self {
        std::fs::create_dir_all(data.join("testbucket")).unwrap();
        let child = Command::new(var("RS_S3S_BIN"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "test", "--secret-key", "test"])
            .arg(data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnServer {
            child,
            port,
            data: data.to_path_buf(),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn a_server_stopped_mid_upload_leaves_no_object() {
    let data = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Arc::new(std::sync::Mutex::new(OwnServer::start(port, data.path())));
    let config = remote_store::s3::S3Config::new("testbucket")
        .endpoint(format!("http://127.0.0.1:{port}"))
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test")
        .retry(2, Duration::from_secs(3));
    let store = AsyncStore::new(S3Backend::new(config.clone()).unwrap());
    let key = "big/upload.bin";
    // 64 MiB in 1 MiB chunks; the server dies after 24 MiB went out.
    let killer = server.clone();
    let chunk = Bytes::from(vec![7u8; 1 << 20]);
    let src = futures::stream::iter(0..64).map(move |i| {
        if i == 24 {
            killer.lock().unwrap().stop();
        }
        Ok(chunk.clone())
    });
    let rt = runtime();
    let err = rt.block_on(store.write(key, src, true)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{err:?}");
    assert!(err.is_retryable());
    // Back up on the same data: nothing, partial or whole, is there.
    let restarted = OwnServer::start(port, &server.lock().unwrap().data);
    let store = AsyncStore::new(S3Backend::new(config).unwrap());
    rt.block_on(async {
        assert!(
            !store.exists(key).await.unwrap(),
            "a partial object is visible"
        );
        let files: Vec<_> = store.list_files("", true).await.unwrap().collect().await;
        assert!(files.is_empty(), "{files:?}");
    });
    drop(restarted);
    assert!(server.lock().unwrap().port == port);
}

/// Two writers of one new key, 12 MiB each (multipart), neither allowed
/// to overwrite. Both pass the existence check (a barrier in their sources
/// past it), then A finishes before B commits: only B's conditional commit
/// can refuse it. (Ordered, because moto itself checks-then-acts when
/// commits truly overlap.)
#[test]
fn large_exclusive_writes_race_free_on_s3() {
    let store = AsyncStore::new(S3Backend::new(crate::s3::moto_config()).unwrap());
    runtime().block_on(large_exclusive_writes_race(store));
}

/// As on S3, through Azure's `Put Block List`, whose signature (SharedKey)
/// covers the added header: Azurite checks it.
#[test]
fn large_exclusive_writes_race_free_on_azure() {
    let store = AsyncStore::new(AzureBackend::new(crate::azure::azurite_config()).unwrap());
    runtime().block_on(large_exclusive_writes_race(store));
}

async fn large_exclusive_writes_race(store: AsyncStore) {
    const MIB: usize = 1 << 20;
    {
        let path = unique("race.bin");
        let past_check = Arc::new(tokio::sync::Barrier::new(2));
        let a_done = Arc::new(tokio::sync::Notify::new());
        let writer = |fill: u8, wait_for: Option<Arc<tokio::sync::Notify>>| {
            let (store, path, past_check) = (store.clone(), path.clone(), past_check.clone());
            tokio::spawn(async move {
                // Chunks 0..=8 cover the single-PUT limit and the check.
                let src = futures::stream::unfold(0usize, move |i| {
                    let (past_check, wait_for) = (past_check.clone(), wait_for.clone());
                    async move {
                        if i == 12 {
                            return None;
                        }
                        if i == 9 {
                            past_check.wait().await;
                            if let Some(notify) = wait_for {
                                notify.notified().await;
                            }
                        }
                        Some((Ok(Bytes::from(vec![fill; MIB])), i + 1))
                    }
                });
                store.write(&path, src, false).await
            })
        };
        let a = writer(b'a', None);
        let b = writer(b'b', Some(a_done.clone()));
        a.await.unwrap().unwrap();
        a_done.notify_one();
        let err = b.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err:?}");
        let data = store.read_bytes(&path).await.unwrap();
        assert_eq!(data.len(), 12 * MIB);
        assert!(data.iter().all(|&x| x == b'a'), "B's data leaked in");
        store.delete(&path, false).await.unwrap();
    }
}
