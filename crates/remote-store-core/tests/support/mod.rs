//! Test backends that produce and consume without end, counting bytes and
//! entries, so tests can prove the adapters stream instead of buffering.

#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use futures::StreamExt;
use remote_store_core::stream::{
    ByteStream, FileIter, FileStream, FolderIter, FolderStream, ReadStream,
};
use remote_store_core::{
    AsyncBackend, Backend, Bytes, Capabilities, Capability, DeleteFolderOptions, DeleteOptions,
    Error, FileInfo, ListOptions, ReadOptions, RemotePath, Result, WriteOptions, WriteResult,
    async_trait,
};

/// Shared counters of an endless backend.
#[derive(Default, Debug)]
pub struct Counters {
    /// Bytes the backend produced for reads.
    pub produced: AtomicU64,
    /// Listing entries the backend produced.
    pub listed: AtomicU64,
    /// Bytes the backend consumed from write sources.
    pub consumed: AtomicU64,
    /// Set when a write committed (its source ended cleanly).
    pub committed: AtomicBool,
    /// Set when a write saw its source fail.
    pub aborted: AtomicBool,
}

pub const CAPS: Capabilities = Capabilities::of(&[
    Capability::Read,
    Capability::Write,
    Capability::List,
    Capability::Delete,
    Capability::Metadata,
]);

/// Endless sync backend.
#[derive(Clone, Default, Debug)]
pub struct Endless(pub Arc<Counters>);

struct EndlessReader(Arc<Counters>);

impl Read for EndlessReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(7);
        self.0
            .produced
            .fetch_add(buf.len() as u64, Ordering::SeqCst);
        Ok(buf.len())
    }
}

fn entry(counters: &Counters) -> Result<FileInfo> {
    let n = counters.listed.fetch_add(1, Ordering::SeqCst);
    Ok(FileInfo::new(RemotePath::new(&format!("f{n}"))?, n))
}

impl Endless {
    fn consume(&self, src: &mut dyn Read) -> Result<WriteResult> {
        let mut buf = vec![0; 8192];
        let mut size = 0;
        loop {
            match src.read(&mut buf) {
                Ok(0) => {
                    self.0.committed.store(true, Ordering::SeqCst);
                    return Ok(WriteResult::new(size));
                }
                Ok(n) => {
                    size += n as u64;
                    self.0.consumed.fetch_add(n as u64, Ordering::SeqCst);
                }
                Err(e) => {
                    self.0.aborted.store(true, Ordering::SeqCst);
                    return Err(Error::from_source_io(e));
                }
            }
        }
    }
}

impl Backend for Endless {
    fn name(&self) -> &str {
        "endless"
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
    fn read(&self, _: &RemotePath, _: &ReadOptions) -> Result<ReadStream> {
        Ok(Box::new(EndlessReader(self.0.clone())))
    }
    fn write(&self, _: &RemotePath, src: &mut dyn Read, _: &WriteOptions) -> Result<WriteResult> {
        self.consume(src)
    }
    fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        Ok(())
    }
    fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        Ok(())
    }
    fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileIter> {
        let c = self.0.clone();
        Ok(Box::new(std::iter::repeat_with(move || entry(&c))))
    }
    fn list_folders(&self, _: &RemotePath) -> Result<FolderIter> {
        Ok(Box::new(std::iter::empty()))
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(path))
    }
}

/// Endless native-async backend.
#[derive(Clone, Default, Debug)]
pub struct EndlessAsync(pub Arc<Counters>);

#[async_trait]
impl AsyncBackend for EndlessAsync {
    fn name(&self) -> &str {
        "endless-async"
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
    async fn read(&self, _: &RemotePath, _: &ReadOptions) -> Result<ByteStream> {
        let c = self.0.clone();
        Ok(futures::stream::repeat_with(move || {
            c.produced.fetch_add(65536, Ordering::SeqCst);
            Ok(Bytes::from(vec![7u8; 65536]))
        })
        .boxed())
    }
    async fn write(
        &self,
        _: &RemotePath,
        mut src: ByteStream,
        _: &WriteOptions,
    ) -> Result<WriteResult> {
        let mut size = 0;
        while let Some(chunk) = src.next().await {
            match chunk {
                Ok(chunk) => {
                    size += chunk.len() as u64;
                    self.0
                        .consumed
                        .fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
                Err(e) => {
                    self.0.aborted.store(true, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        self.0.committed.store(true, Ordering::SeqCst);
        Ok(WriteResult::new(size))
    }
    async fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        Ok(())
    }
    async fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        Ok(())
    }
    async fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileStream> {
        let c = self.0.clone();
        Ok(futures::stream::repeat_with(move || entry(&c)).boxed())
    }
    async fn list_folders(&self, _: &RemotePath) -> Result<FolderStream> {
        Ok(futures::stream::empty().boxed())
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        Err(Error::not_found(path))
    }
}

/// A reader of `len` bytes that records how far it has been read.
pub struct CountingSource {
    pub left: u64,
    pub counters: Arc<Counters>,
}

impl Read for CountingSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.left as usize).min(buf.len());
        buf[..n].fill(1);
        self.left -= n as u64;
        self.counters.produced.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
}

/// A finite native-async backend whose futures need a tokio runtime (timer
/// and spawn) to make progress: the bridge must supply one, whatever
/// context the sync caller is in.
#[derive(Clone, Default, Debug)]
pub struct Timed(pub Arc<Counters>);

pub const TIMED_FILE: usize = 1024 * 1024;
pub const TIMED_ENTRIES: u64 = 1000;

async fn tick() {
    tokio::time::sleep(std::time::Duration::from_micros(200)).await;
    tokio::spawn(async {}).await.expect("spawned task");
}

#[async_trait]
impl AsyncBackend for Timed {
    fn name(&self) -> &str {
        "timed"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    async fn is_file(&self, _: &RemotePath) -> Result<bool> {
        tick().await;
        Ok(true)
    }
    async fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        tick().await;
        Ok(true)
    }
    async fn read(&self, _: &RemotePath, _: &ReadOptions) -> Result<ByteStream> {
        tick().await;
        Ok(futures::stream::iter(0..16)
            .then(|_| async {
                tick().await;
                Ok(Bytes::from(vec![3u8; TIMED_FILE / 16]))
            })
            .boxed())
    }
    async fn write(
        &self,
        _: &RemotePath,
        mut src: ByteStream,
        _: &WriteOptions,
    ) -> Result<WriteResult> {
        let mut size = 0;
        while let Some(chunk) = src.next().await {
            tick().await;
            let n = chunk?.len() as u64;
            size += n;
            self.0.consumed.fetch_add(n, Ordering::SeqCst);
        }
        self.0.committed.store(true, Ordering::SeqCst);
        Ok(WriteResult::new(size))
    }
    async fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        tick().await;
        Ok(())
    }
    async fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        tick().await;
        Ok(())
    }
    async fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileStream> {
        tick().await;
        let c = self.0.clone();
        Ok(futures::stream::iter(0..TIMED_ENTRIES)
            .then(move |i| {
                let c = c.clone();
                async move {
                    if i % 100 == 0 {
                        tick().await;
                    }
                    entry(&c)
                }
            })
            .boxed())
    }
    async fn list_folders(&self, _: &RemotePath) -> Result<FolderStream> {
        Ok(futures::stream::empty().boxed())
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        tick().await;
        Ok(FileInfo::new(path.clone(), TIMED_FILE as u64))
    }
}

/// A native-async backend whose one-shot calls panic after yielding once
/// (so the panic happens on a later poll, as a real bug would).
#[derive(Clone, Default, Debug)]
pub struct Panicking;

async fn explode() -> ! {
    tokio::task::yield_now().await;
    panic!("backend bug");
}

#[async_trait]
impl AsyncBackend for Panicking {
    fn name(&self) -> &str {
        "panicking"
    }
    fn capabilities(&self) -> Capabilities {
        CAPS
    }
    async fn is_file(&self, _: &RemotePath) -> Result<bool> {
        explode().await
    }
    async fn is_folder(&self, _: &RemotePath) -> Result<bool> {
        explode().await
    }
    async fn read(&self, _: &RemotePath, _: &ReadOptions) -> Result<ByteStream> {
        explode().await
    }
    async fn write(&self, _: &RemotePath, _: ByteStream, _: &WriteOptions) -> Result<WriteResult> {
        explode().await
    }
    async fn delete(&self, _: &RemotePath, _: &DeleteOptions) -> Result<()> {
        explode().await
    }
    async fn delete_folder(&self, _: &RemotePath, _: &DeleteFolderOptions) -> Result<()> {
        explode().await
    }
    async fn list_files(&self, _: &RemotePath, _: &ListOptions) -> Result<FileStream> {
        explode().await
    }
    async fn list_folders(&self, _: &RemotePath) -> Result<FolderStream> {
        explode().await
    }
    async fn get_file_info(&self, _: &RemotePath) -> Result<FileInfo> {
        explode().await
    }
}
