//! A writer sink whose backend has given up says so at the next write,
//! not after more chunks went nowhere: on both faces, over a sync and an
//! async backend whose write fails at once, without reading its source.

use std::io::{Read, Write};
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

/// Refuses every write at once; nothing else is called.
#[derive(Debug, Clone, Copy)]
struct RefusesWrites;

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

#[derive(Debug, Clone, Copy)]
struct RefusesWritesAsync;

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
    async fn write(&self, p: &RemotePath, _: ByteStream, _: &WriteOptions) -> Result<WriteResult> {
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

/// Bytes accepted before the first failed write (1 KiB at a time, 3 ms
/// apart), and that failure.
fn until_refused_sync(store: &Store) -> (usize, Error) {
    let mut writer = store.writer("f.bin", true).expect("writer");
    let until = Instant::now() + DEADLINE;
    let mut accepted = 0;
    while Instant::now() < until {
        if let Err(e) = writer.write_all(&PIECE) {
            return (accepted, Error::from_source_io(e));
        }
        accepted += PIECE.len();
        std::thread::sleep(Duration::from_millis(3));
    }
    panic!("the writer took {accepted} bytes for {DEADLINE:?} after its backend had failed");
}

async fn until_refused_async(store: &AsyncStore) -> (usize, Error) {
    let mut writer = store.writer("f.bin", true).expect("writer");
    let until = Instant::now() + DEADLINE;
    let mut accepted = 0;
    while Instant::now() < until {
        if let Err(e) = writer.write_all(&PIECE).await {
            return (accepted, Error::from_source_io(e));
        }
        accepted += PIECE.len();
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    panic!("the writer took {accepted} bytes for {DEADLINE:?} after its backend had failed");
}

/// `limit`: a backend the writer feeds directly fails before the first
/// chunk is full; through an adapter, which hands the backend its source
/// from the first chunk on, before half of the second.
fn check(outcome: (usize, Error), limit: usize, face: &str) {
    let (accepted, error) = outcome;
    assert_eq!(error.kind(), ErrorKind::PermissionDenied, "{face}: {error}");
    assert_eq!(error.path(), Some("f.bin"), "{face}: {error}");
    assert!(
        accepted < limit,
        "{face}: {accepted} bytes accepted after the backend had failed"
    );
}

#[test]
fn sync_face_reports_a_failed_backend_early() {
    let native = Store::new(RefusesWrites);
    check(
        until_refused_sync(&native),
        SINK_CHUNK_SIZE,
        "Store, sync backend",
    );
    let bridged = Store::new(RefusesWritesAsync);
    let limit = SINK_CHUNK_SIZE * 3 / 2;
    check(until_refused_sync(&bridged), limit, "Store, async backend");
}

#[tokio::test(flavor = "multi_thread")]
async fn async_face_reports_a_failed_backend_early() {
    let native = AsyncStore::new(RefusesWritesAsync);
    check(
        until_refused_async(&native).await,
        SINK_CHUNK_SIZE,
        "AsyncStore, async backend",
    );
    let adapted = AsyncStore::new(RefusesWrites);
    let limit = SINK_CHUNK_SIZE * 3 / 2;
    check(
        until_refused_async(&adapted).await,
        limit,
        "AsyncStore, sync backend",
    );
}
