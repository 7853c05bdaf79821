//! Reads and listings cancelled at any instant (a timeout, a query that
//! stopped at `LIMIT 1`), while the server is still opening the file or
//! folder or mid-transfer, leave the store as usable as before: nothing
//! they opened stays open. On SFTP a handle opened for a caller that went
//! away stays open for the session's life, and once a session holds more
//! than 127, OpenSSH's handle numbers do not survive russh-sftp (which
//! keeps handles as strings): every later open that gets such a number
//! fails. Every network backend and the local disk, through `AsyncStore`
//! (the face whose calls can be dropped half-way), under a watchdog.

use std::time::Duration;

use futures::StreamExt;
use remote_store::AsyncStore;
use remote_store::backends::{AsyncSftpBackend, LocalBackend, S3Backend, SftpBackend};

use crate::faults::runtime;

const SIZE: usize = 256 * 1024;

/// Calls dropped at every instant of their course (a sweep in 1/100
/// steps of an uncancelled call's duration, 20 times over, for reads and
/// listings); then 100 reads at once and a listing must all succeed.
async fn cancel_many_then_use(store: AsyncStore) {
    let data = vec![7u8; SIZE];
    store
        .write_bytes("c/f.bin", data, true)
        .await
        .expect("write");
    for i in 0..6 {
        store
            .write_bytes(format!("c/d/{i}"), "x", true)
            .await
            .expect("write");
    }
    let read = |store: AsyncStore| async move { drop(store.read_bytes("c/f.bin").await) };
    let list = |store: AsyncStore| async move {
        if let Ok(files) = store.list_files("c/d", false).await {
            drop(files.collect::<Vec<_>>().await);
        }
    };
    let read_took = took(|| read(store.clone())).await;
    let list_took = took(|| list(store.clone())).await;
    for step in (0..100u32).cycle().take(2000) {
        let _ = tokio::time::timeout(read_took * step / 100, read(store.clone())).await;
        let _ = tokio::time::timeout(list_took * step / 100, list(store.clone())).await;
    }
    // As usable as before: 100 files open at once need 100 fresh handles.
    let reads = (0..100).map(|_| store.read_bytes("c/f.bin"));
    for (i, read) in futures::future::join_all(reads)
        .await
        .into_iter()
        .enumerate()
    {
        let got = read.unwrap_or_else(|e| panic!("read {i} after the cancelled calls: {e}"));
        assert_eq!(got.len(), SIZE, "read {i}");
    }
    let listed = store
        .list_files("c/d", false)
        .await
        .expect("a listing after the cancelled calls")
        .collect::<Vec<_>>()
        .await;
    assert_eq!(listed.len(), 6, "{listed:?}");
    assert!(listed.iter().all(Result::is_ok), "{listed:?}");
}

/// The median duration of five uncancelled runs of `call`.
async fn took<F: std::future::Future<Output = ()>>(call: impl Fn() -> F) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = std::time::Instant::now();
        call().await;
        times.push(start.elapsed());
    }
    times.sort();
    times[2]
}

fn run(store: AsyncStore) {
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(180), cancel_many_then_use(store))
            .await
            .expect("the cancelled calls hung the store for 180 s");
    });
}

fn fresh(store: AsyncStore) -> AsyncStore {
    let name = format!("cancelled-opens-{}", std::process::id());
    store.child(name).expect("a child store")
}

/// One connection: every handle a cancelled call leaks stays in it.
#[test]
fn sftp_russh() {
    let config = crate::sftp::config().connections(1);
    let backend = AsyncSftpBackend::new(config).expect("SFTP config");
    run(fresh(AsyncStore::new(backend))
        .child("russh")
        .expect("child"));
}

#[test]
fn sftp_ssh2() {
    let config = crate::sftp::config().connections(1);
    let backend = SftpBackend::new(config).expect("SFTP config");
    run(fresh(AsyncStore::new(backend))
        .child("ssh2")
        .expect("child"));
}

#[test]
fn s3() {
    let backend = S3Backend::new(crate::s3::moto_config()).expect("S3 config");
    run(fresh(AsyncStore::new(backend)));
}

#[test]
fn local() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    run(AsyncStore::new(
        LocalBackend::new(dir.path()).expect("local"),
    ));
}
