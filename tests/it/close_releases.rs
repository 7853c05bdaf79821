//! `close()` releases connections on every networked backend: S3 and Azure
//! (their HTTP pools) and both SFTP engines, through both faces. Each runs
//! against a server of its own, and counts this process's established TCP
//! connections to that server's port (sockets of `/proc/self/fd` matched
//! with `/proc/net/tcp`).

use std::collections::HashSet;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use futures::StreamExt;
use remote_store::backends::{AsyncSftpBackend, AzureBackend, S3Backend, SftpBackend};
use remote_store::{AsyncStore, Bytes, ErrorKind};

use crate::faults::OwnServer;
use crate::sftp_faults::{Sshd, known_hosts_for};

/// This process's established TCP connections to `port` on loopback.
fn connections_to(port: u16) -> usize {
    let mine: HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let want = format!(":{port:04X}");
    ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
        .iter()
        .filter_map(|t| std::fs::read_to_string(t).ok())
        .flat_map(|t| t.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // remote address, state (01 = established), inode
            f.len() > 9 && f[2].ends_with(&want) && f[3] == "01" && mine.contains(f[9])
        })
        .count()
}

/// Waits until no connection to `port` is left (teardown is asynchronous),
/// and says how many were still open when time ran out.
fn settle(port: u16) -> usize {
    // Short enough that a server's idle timeout (Node's 5 s) cannot pass for ours.
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let n = connections_to(port);
        if n == 0 || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Opens several connections (concurrent reads), closes, and checks they
/// are gone and the store refuses I/O.
async fn exercise(store: AsyncStore, port: u16, what: &str) {
    let dir = crate::faults::unique("close");
    store
        .write_bytes(format!("{dir}/f"), Bytes::from(vec![1u8; 1 << 20]), true)
        .await
        .unwrap();
    let reads = (0..8).map(|_| {
        let store = store.clone();
        let path = format!("{dir}/f");
        async move {
            let mut s = store.read(&path).await.unwrap();
            while let Some(chunk) = s.next().await {
                chunk.unwrap();
            }
        }
    });
    futures::future::join_all(reads).await;
    store.delete_folder(&dir, true, true).await.unwrap();
    let open = connections_to(port);
    assert!(
        open > 0,
        "{what}: the test opened no connection to port {port}"
    );
    store.close().await.unwrap();
    let left = settle(port);
    assert_eq!(
        left, 0,
        "{what}: {left} of {open} connections still open after close()"
    );
    let err = store.exists("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
}

/// A loopback port nothing listens on.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

use crate::faults::runtime;

#[test]
fn s3_close_releases_connections() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = OwnServer::start(port, data.path());
    let config = remote_store::s3::S3Config::new("testbucket")
        .endpoint(format!("http://127.0.0.1:{port}"))
        .allow_http(true)
        .region("us-east-1")
        .credentials("test", "test");
    runtime().block_on(async {
        let backend = S3Backend::new(config.clone()).unwrap();
        exercise(AsyncStore::new(backend), port, "s3, AsyncStore").await;
    });
    // The sync face, over the bridge.
    let store = remote_store::Store::new(S3Backend::new(config).unwrap());
    store.write_bytes("close-sync/f", "x", true).unwrap();
    assert!(connections_to(port) > 0);
    store.close().unwrap();
    assert_eq!(settle(port), 0, "s3, Store");
}

#[test]
fn azure_close_releases_connections() {
    let (endpoint, _azurite) = crate::azure::start_azurite();
    let port: u16 = endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    runtime().block_on(async {
        let backend = AzureBackend::new(crate::azure::config_for(&endpoint)).unwrap();
        exercise(AsyncStore::new(backend), port, "azure").await;
    });
}

#[test]
fn sftp_close_releases_connections() {
    let port = 2234;
    let _sshd = Sshd::start(port);
    let dir = tempfile::tempdir().unwrap();
    let known = known_hosts_for(dir.path(), port);
    let config = || {
        crate::sftp::config()
            .port(port)
            .known_hosts(&known)
            .connections(4)
    };
    runtime().block_on(async {
        let russh = AsyncStore::new(AsyncSftpBackend::new(config()).unwrap());
        exercise(russh, port, "sftp russh").await;
        let ssh2 = AsyncStore::new(SftpBackend::new(config()).unwrap());
        exercise(ssh2, port, "sftp ssh2").await;
    });
}
