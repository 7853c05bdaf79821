//! Errors raised while a returned stream is consumed name store-relative
//! paths, as errors of one-shot calls do: on both faces, over a sync and an
//! async backend (so through both adapters), for reads, range reads and
//! listings.

use std::io::{self, Read};

use futures::StreamExt;
use remote_store_core::stream::{
    ByteStream, FileIter, FileStream, FolderIter, FolderStream, ReadStream,
};
use remote_store_core::{
    AsyncBackend, AsyncStore, Backend, Bytes, Capabilities, Capability, DeleteFolderOptions,
    DeleteOptions, Error, ErrorKind, FileInfo, ListOptions, ReadOptions, RemotePath, Result, Store,
    WriteOptions, WriteResult, async_trait,
};

const CAPS: Capabilities = Capabilities::of(&[
    Capability::Read,
    Capability::RangeRead,
    Capability::List,
    Capability::RecursiveList,
]);

/// Every stream yields one item, then fails naming the backend path.
#[derive(Debug, Clone, Copy)]
struct FailsMidStream;

fn failure(path: &RemotePath) -> Error {
    Error::new(ErrorKind::BackendUnavailable).with_path(path.join("deeper").unwrap())
}

impl Backend for FailsMidStream {
    fn name(&self) -> &str {
        "fails"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    fn is_file(&self, _: &RemotePath) -> Result<bool> {
        Ok(true)
    }
    fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        Ok(true)
    }
    fn read(&self, p: &RemotePath, _: &ReadOptions) -> Result<ReadStream> {
        Ok(Box::new(OneThenFail::new(failure(p))))
    }
    fn write(&self, _: &RemotePath, _: &mut dyn Read, _: &WriteOptions) -> Result<WriteResult> {
        unreachable!()
    }
    fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        unreachable!()
    }
    fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        unreachable!()
    }
    fn list_files(&self, p: &RemotePath, _: &ListOptions) -> Result<FileIter> {
        let first = FileInfo::new(p.join("a").unwrap(), 1);
        Ok(Box::new(vec![Ok(first), Err(failure(p))].into_iter()))
    }
    fn list_folders(&self, p: &RemotePath) -> Result<FolderIter> {
        Ok(Box::new(
            vec![Ok(p.join("a").unwrap()), Err(failure(p))].into_iter(),
        ))
    }
    fn get_file_info(&self, p: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(p))
    }
}

/// One byte, then the error.
struct OneThenFail {
    sent: bool,
    error: Option<Error>,
}

impl OneThenFail {
    fn new(error: Error) -> Self {
        OneThenFail {
            sent: false,
            error: Some(error),
        }
    }
}

impl Read for OneThenFail {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.sent {
            self.sent = true;
            buf[0] = b'x';
            return Ok(1);
        }
        Err(self
            .error
            .take()
            .unwrap_or_else(|| Error::other("again"))
            .into_io())
    }
}

#[derive(Debug, Clone, Copy)]
struct FailsMidStreamAsync;

#[async_trait]
impl AsyncBackend for FailsMidStreamAsync {
    fn name(&self) -> &str {
        "fails-async"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    async fn is_file(&self, _: &RemotePath) -> Result<bool> {
        Ok(true)
    }
    async fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        Ok(true)
    }
    async fn read(&self, p: &RemotePath, _: &ReadOptions) -> Result<ByteStream> {
        let items = vec![Ok(Bytes::from("x")), Err(failure(p))];
        Ok(futures::stream::iter(items).boxed())
    }
    async fn write(&self, _: &RemotePath, _: ByteStream, _: &WriteOptions) -> Result<WriteResult> {
        unreachable!()
    }
    async fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        unreachable!()
    }
    async fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        unreachable!()
    }
    async fn list_files(&self, p: &RemotePath, _: &ListOptions) -> Result<FileStream> {
        let first = FileInfo::new(p.join("a").unwrap(), 1);
        Ok(futures::stream::iter(vec![Ok(first), Err(failure(p))]).boxed())
    }
    async fn list_folders(&self, p: &RemotePath) -> Result<FolderStream> {
        let items = vec![Ok(p.join("a").unwrap()), Err(failure(p))];
        Ok(futures::stream::iter(items).boxed())
    }
    async fn get_file_info(&self, p: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(p))
    }
}

/// The store-relative path every failure must name: the backend's
/// `root/dir/f/deeper` seen from a store rooted at `root`.
const EXPECTED: &str = "dir/f/deeper";

#[track_caller]
fn assert_relative(e: &Error, what: &str) {
    assert_eq!(e.kind(), ErrorKind::BackendUnavailable, "{what}: {e}");
    assert_eq!(e.path(), Some(EXPECTED), "{what}: {e}");
}

fn check_sync(store: Store) {
    let store = store.child("root").unwrap();
    for range in [false, true] {
        let mut reader = if range {
            store.read_range("dir/f", 0, None).unwrap()
        } else {
            store.read("dir/f").unwrap()
        };
        let io = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert_relative(&Error::from_source_io(io), "read");
    }
    let files: Vec<_> = store.list_files("dir/f", true).unwrap().collect();
    assert_relative(files[1].as_ref().unwrap_err(), "list_files");
    let folders: Vec<_> = store.list_folders("dir/f").unwrap().collect();
    assert_relative(folders[1].as_ref().unwrap_err(), "list_folders");
}

async fn check_async(store: AsyncStore) {
    let store = store.child("root").unwrap();
    for range in [false, true] {
        let stream = if range {
            store.read_range("dir/f", 0, None).await.unwrap()
        } else {
            store.read("dir/f").await.unwrap()
        };
        let items: Vec<_> = stream.collect().await;
        assert_relative(items[1].as_ref().unwrap_err(), "read");
    }
    let files: Vec<_> = store
        .list_files("dir/f", true)
        .await
        .unwrap()
        .collect()
        .await;
    assert_relative(files[1].as_ref().unwrap_err(), "list_files");
    let folders: Vec<_> = store.list_folders("dir/f").await.unwrap().collect().await;
    assert_relative(folders[1].as_ref().unwrap_err(), "list_folders");
}

#[test]
fn sync_face_over_both_kinds() {
    check_sync(Store::new(FailsMidStream));
    check_sync(Store::new(FailsMidStreamAsync));
}

#[tokio::test(flavor = "multi_thread")]
async fn async_face_over_both_kinds() {
    check_async(AsyncStore::new(FailsMidStream)).await;
    check_async(AsyncStore::new(FailsMidStreamAsync)).await;
}
