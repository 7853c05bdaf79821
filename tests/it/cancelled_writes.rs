//! A write whose future is dropped mid-upload (the caller cancelled it, a
//! timeout fired) leaves nothing behind: no object, no stored multipart
//! upload on S3 (moto, listed with `ListMultipartUploads`), no staged temp
//! file on local disk or SFTP (both engines). Through `AsyncStore`, the
//! face where a write can be dropped half-way.
//!
//! (Azure has no abort: uncommitted blocks are never visible and the
//! service discards them after a week.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use remote_store::backends::{AsyncSftpBackend, LocalBackend, S3Backend, SftpBackend};
use remote_store::{AsyncStore, Bytes};

use crate::services::var;

/// Writes 24 MiB of a source that then never ends, and drops the write
/// once that much has been handed over (and a moment more, for parts in
/// flight to land).
async fn cancel_a_write(store: &AsyncStore, path: &str) {
    let (sent_tx, sent_rx) = tokio::sync::oneshot::channel();
    let mut sent_tx = Some(sent_tx);
    let chunk = Bytes::from(vec![5u8; 1 << 20]);
    let src = futures::stream::iter(0..24)
        .map(move |_| Ok(chunk.clone()))
        .chain(futures::stream::poll_fn(move |_| {
            if let Some(tx) = sent_tx.take() {
                let _ = tx.send(());
            }
            std::task::Poll::Pending
        }))
        .boxed();
    let write = store.write(path, src, true);
    tokio::select! {
        result = write => panic!("the write cannot end: {result:?}"),
        _ = async {
            let _ = sent_rx.await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        } => {}
    }
}

/// Polls `done` for up to 20 s.
async fn eventually(what: &str, mut done: impl FnMut() -> Result<(), String>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match done() {
            Ok(()) => return,
            Err(e) if Instant::now() > deadline => panic!("{what}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Names in `folder` that a staged write leaves (`.~tmp.*`).
fn staged_files(folder: &Path) -> Result<(), String> {
    let left: Vec<String> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".~tmp."))
            .collect(),
        Err(_) => Vec::new(),
    };
    match left.is_empty() {
        true => Ok(()),
        false => Err(format!("staged files left: {left:?}")),
    }
}

use crate::faults::runtime;

/// The uploads moto holds under `prefix` (moto takes unsigned requests).
fn multipart_uploads(prefix: &str) -> Result<(), String> {
    let endpoint = var("RS_S3_ENDPOINT");
    let host = endpoint.trim_start_matches("http://");
    let bucket = var("RS_S3_BUCKET");
    let mut conn = TcpStream::connect(host).map_err(|e| e.to_string())?;
    write!(
        conn,
        "GET /{bucket}?uploads&prefix={prefix} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    conn.read_to_string(&mut answer)
        .map_err(|e| e.to_string())?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    match answer.contains("<UploadId>") {
        false => Ok(()),
        true => Err(format!("uploads left: {answer}")),
    }
}

#[test]
fn s3_cancelled_write_leaves_no_upload() {
    let config = crate::s3::moto_config();
    runtime().block_on(async {
        let store = AsyncStore::new(S3Backend::new(config).unwrap());
        let key = crate::faults::unique("cancelled.bin");
        cancel_a_write(&store, &key).await;
        eventually("s3", || multipart_uploads(&key)).await;
        assert!(!store.exists(&key).await.unwrap());
    });
}

#[test]
fn local_cancelled_write_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = AsyncStore::new(LocalBackend::new(dir.path()).unwrap());
        cancel_a_write(&store, "sub/cancelled.bin").await;
        eventually("local", || staged_files(&dir.path().join("sub"))).await;
        assert!(!store.exists("sub/cancelled.bin").await.unwrap());
    });
}

#[test]
fn sftp_cancelled_write_leaves_no_temp_file() {
    runtime().block_on(async {
        for (engine, store) in [
            (
                "russh",
                AsyncStore::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap()),
            ),
            (
                "ssh2",
                AsyncStore::new(SftpBackend::new(crate::sftp::config()).unwrap()),
            ),
        ] {
            let path = crate::faults::unique("cancelled.bin");
            cancel_a_write(&store, &path).await;
            let folder = Path::new(&var("RS_SFTP_DIR")).join(Path::new(&path).parent().unwrap());
            eventually(engine, || staged_files(&folder)).await;
            assert!(!store.exists(&path).await.unwrap(), "{engine}");
        }
    });
}
