//! A writer sink whose backend has given up says so at the next write,
//! not after more chunks went nowhere: on both faces, over a sync and an
//! async backend whose write fails at once, without reading its source.
//!
//! The bound is on the bytes accepted after the backend has failed (it
//! raises a flag as it returns), not on the bytes accepted in all: when
//! the backend's thread or task first runs depends on the machine's load,
//! which a test must not.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use remote_store_core::stream::ReadStream;
use remote_store_core::stream::{ByteStream, FileIter, FileStream, FolderIter, FolderStream};
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, Capabilities, Capability, DeleteFolderOptions,
    DeleteOptions, Error, ErrorKind, FileInfo, ListOptions, ReadOptions, RemotePath, Result,
    SINK_CHUNK_SIZE, Store, WriteOptions, WriteResult, async_trait,
};
use tokio::io::AsyncWriteExt;

const CAPS: Capabilities = Capabilities::of(&[Capability::Read, Capability::Write]);

fn refused(p: &RemotePath) -> Error {
    Error::new(ErrorKind::PermissionDenied).with_path(p)
}

/// Raised by a backend once its write has failed and let go of its
/// source.
type GaveUp = Arc<AtomicBool>;

/// Refuses every write at once; nothing else is called.
#[derive(Debug, Clone, Default)]
struct RefusesWrites(GaveUp);

impl Backend for RefusesWrites {
    fn name(&self) -> &str {
        "refuses"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    fn is_file(&self, _: &RemotePath) -> Result<bool> {
        Ok(false)
    }
    fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        Ok(false)
    }
    fn read(&self, p: &RemotePath, _: &ReadOptions) -> Result<ReadStream> {
        Err(Error::not_found(p))
    }
    fn write(&self, p: &RemotePath, _: &mut dyn Read, _: &WriteOptions) -> Result<WriteResult> {
        // The caller drops the source as this returns.
        self.0.store(true, Ordering::SeqCst);
        Err(refused(p))
    }
    fn delete(&self, p: &RemotePath, _: &DeleteOptions) -> Result<()> {
        Err(Error::not_found(p))
    }
    fn delete_folder(&self, p: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        Err(Error::not_found(p))
    }
    fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileIter> {
        Ok(Box::new(std::iter::empty()))
    }
    fn list_folders(&self, _: &RemotePath) -> Result<FolderIter> {
        Ok(Box::new(std::iter::empty()))
    }
    fn get_file_info(&self, p: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(p))
    }
}

#[derive(Debug, Clone, Default)]
struct RefusesWritesAsync(GaveUp);

#[async_trait]
impl AsyncBackend for RefusesWritesAsync {
    fn name(&self) -> &str {
        "refuses-async"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    async fn is_file(&self, _: &RemotePath) -> Result<bool> {
        Ok(false)
    }
    async fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        Ok(false)
    }
    async fn read(&self, p: &RemotePath, _: &ReadOptions) -> Result<ByteStream> {
        Err(Error::not_found(p))
    }
    async fn write(
        &self,
        p: &RemotePath,
        source: ByteStream,
        _: &WriteOptions,
    ) -> Result<WriteResult> {
        drop(source);
        self.0.store(true, Ordering::SeqCst);
        Err(refused(p))
    }
    async fn delete(&self, p: &RemotePath, _: &DeleteOptions) -> Result<()> {
        Err(Error::not_found(p))
    }
    async fn delete_folder(&self, p: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        Err(Error::not_found(p))
    }
    async fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileStream> {
        Ok(Box::pin(futures::stream::empty()))
    }
    async fn list_folders(&self, _: &RemotePath) -> Result<FolderStream> {
        Ok(Box::pin(futures::stream::empty()))
    }
    async fn get_file_info(&self, p: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(p))
    }
}

const PIECE: [u8; 1024] = [7; 1024];
const DEADLINE: Duration = Duration::from_secs(10);
/// Bytes a writer may still take after its backend failed: the pieces
/// written (3 ms apart) while the backend's thread lets go of its source.
/// The old sinks took up to a whole chunk.
const GRACE: usize = SINK_CHUNK_SIZE / 2;

/// Writes 1 KiB at a time, 3 ms apart, until the writer fails; returns the
/// bytes it accepted after `gave_up` was raised, and the failure.
fn until_refused_sync(store: &Store, gave_up: &GaveUp) -> (usize, Error) {
    let mut writer = store.writer("f.bin", true).expect("writer");
    let until = Instant::now() + DEADLINE;
    let mut after = 0;
    while Instant::now() < until {
        let failed = gave_up.load(Ordering::SeqCst);
        if let Err(e) = writer.write_all(&PIECE) {
            return (after, Error::from_source_io(e));
        }
        if failed {
            after += PIECE.len();
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    panic!("the writer took bytes for {DEADLINE:?}; its backend failed: {gave_up:?}");
}

async fn until_refused_async(store: &AsyncStore, gave_up: &GaveUp) -> (usize, Error) {
    let mut writer = store.writer("f.bin", true).expect("writer");
    let until = Instant::now() + DEADLINE;
    let mut after = 0;
    while Instant::now() < until {
        let failed = gave_up.load(Ordering::SeqCst);
        if let Err(e) = writer.write_all(&PIECE).await {
            return (after, Error::from_source_io(e));
        }
        if failed {
            after += PIECE.len();
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    panic!("the writer took bytes for {DEADLINE:?}; its backend failed: {gave_up:?}");
}

fn check(outcome: (usize, Error), face: &str) {
    let (after, error) = outcome;
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{face}: {error}");
    assert_eq!(error.path(), Some("f.bin"), "{face}: {error}");
    assert!(
        after < GRACE,
        "{face}: {after} bytes accepted after the backend had failed"
    );
}

#[test]
fn sync_face_reports_a_failed_backend_early() {
    let native = RefusesWrites::default();
    let gave_up = native.0.clone();
    let outcome = until_refused_sync(&Store::new(native), &gave_up);
    check(outcome, "Store, sync backend");
    let bridged = RefusesWritesAsync::default();
    let gave_up = bridged.0.clone();
    let outcome = until_refused_sync(&Store::new(bridged), &gave_up);
    check(outcome, "Store, async backend");
}

#[tokio::test(flavor = "multi_thread")]
async fn async_face_reports_a_failed_backend_early() {
    let native = RefusesWritesAsync::default();
    let gave_up = native.0.clone();
    let outcome = until_refused_async(&AsyncStore::new(native), &gave_up).await;
    check(outcome, "AsyncStore, async backend");
    let adapted = RefusesWrites::default();
    let gave_up = adapted.0.clone();
    let outcome = until_refused_async(&AsyncStore::new(adapted), &gave_up).await;
    check(outcome, "AsyncStore, sync backend");
}
