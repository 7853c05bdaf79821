//! Fault injection: a layer that makes chosen calls fail, loses the
//! answers of others, and breaks read streams part-way, on demand. For
//! tests of code that must survive failures (the retry layer above all),
//! on any backend and both faces.
//!
//! ```
//! use remote_store_core::{ErrorKind, Store};
//! use remote_store_layers::{FaultLayer, Faults, Op};
//! use remote_store_memory::MemoryBackend;
//!
//! let faults = Faults::new();
//! let store = Store::new(MemoryBackend::new()).layer(FaultLayer::new(faults.clone()));
//! faults.fail(Op::Write, 1);
//! let err = store.write_bytes("a.txt", "x", false).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::BackendUnavailable);
//! assert!(err.is_retryable());
//! store.write_bytes("a.txt", "x", false)?; // the next one goes through
//! assert_eq!(faults.calls(Op::Write), 2);
//! # Ok::<(), remote_store_core::Error>(())
//! ```

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use futures::{StreamExt, stream};
use remote_store_core::layer::{Layer, LayeredAsyncBackend, LayeredBackend};

use crate::op::Op;
use remote_store_core::stream::{
    ByteStream, FileIter, FileStream, FolderIter, FolderStream, ReadStream,
};
use remote_store_core::{
    AsyncBackend, Backend, CopyOptions, DeleteFolderOptions, DeleteOptions, Error, ErrorKind,
    FileInfo, FolderInfo, ListOptions, PresignOptions, PresignedRequest, ReadOptions, RemotePath,
    RenameOptions, Result, WriteOptions, WriteResult, async_trait,
};

/// The text every injected error carries.
pub const INJECTED: &str = "injected fault";

/// The faults to inject, shared by a [`FaultLayer`] and the test that
/// plans them (clones share one plan).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// Calls to fail before they reach the backend.
    fail: HashMap<Op, u32>,
    /// Calls whose answer to lose after the backend made them.
    lose: HashMap<Op, u32>,
    /// Read streams to break: after how many bytes, and how many streams.
    break_reads: Option<(u64, u32)>,
    /// The `Retry-After` injected errors carry.
    retry_after: Option<std::time::Duration>,
    calls: HashMap<Op, u32>,
}

/// A retryable error, as a dropped connection gives.
fn injected() -> Error {
    Error::new(ErrorKind::BackendUnavailable)
        .with_message(INJECTED)
        .with_retryable(true)
}

impl Faults {
    /// No faults planned.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves a plan that
        // is still coherent: take it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `times` calls of `op` fail before they reach the backend,
    /// with a retryable `BackendUnavailable` (as a refused or reset
    /// connection would).
    pub fn fail(&self, op: Op, times: u32) {
        self.state().fail.insert(op, times);
    }

    /// The next `times` calls of `op` reach the backend, which does what
    /// they ask; then the answer is lost: the caller gets a retryable
    /// `BackendUnavailable` (a response lost after the commit).
    pub fn lose_answer(&self, op: Op, times: u32) {
        self.state().lose.insert(op, times);
    }

    /// The next `times` read streams fail with a retryable
    /// `BackendUnavailable` after delivering `after` bytes.
    pub fn break_reads(&self, after: u64, times: u32) {
        self.state().break_reads = Some((after, times));
    }

    /// Injected errors from now on carry this `Retry-After` wait (as a
    /// throttling service's 429 or 503 does); `None` again clears it.
    pub fn retry_after(&self, wait: Option<std::time::Duration>) {
        self.state().retry_after = wait;
    }

    /// An injected error, with the planned `Retry-After`.
    fn error(&self) -> Error {
        let wait = self.state().retry_after;
        match wait {
            Some(wait) => injected().with_retry_after(wait),
            None => injected(),
        }
    }

    /// How many calls of `op` reached the layer so far.
    pub fn calls(&self, op: Op) -> u32 {
        self.state().calls.get(&op).copied().unwrap_or(0)
    }

    /// Counts a call of `op` and fails it when planned.
    fn before(&self, op: Op) -> Result<()> {
        let mut state = self.state();
        *state.calls.entry(op).or_default() += 1;
        let fail = take_one(&mut state.fail, op);
        drop(state);
        match fail {
            true => Err(self.error()),
            false => Ok(()),
        }
    }

    /// `result`, or a lost answer when planned.
    fn after<T>(&self, op: Op, result: Result<T>) -> Result<T> {
        let lose = take_one(&mut self.state().lose, op);
        match lose {
            true => Err(self.error()),
            false => result,
        }
    }

    /// After how many bytes the read stream being opened breaks, if it
    /// does.
    fn read_break(&self) -> Option<u64> {
        let mut state = self.state();
        let (after, times) = state.break_reads?;
        state.break_reads = (times > 1).then_some((after, times - 1));
        Some(after)
    }
}

fn take_one(plan: &mut HashMap<Op, u32>, op: Op) -> bool {
    match plan.get_mut(&op) {
        Some(left) if *left > 0 => {
            *left -= 1;
            true
        }
        _ => false,
    }
}

/// Injects the [`Faults`] it was given into the backend it wraps.
#[derive(Debug, Clone)]
pub struct FaultLayer {
    faults: Faults,
}

impl FaultLayer {
    /// A layer injecting `faults`.
    pub fn new(faults: Faults) -> Self {
        FaultLayer { faults }
    }
}

impl Layer for FaultLayer {
    fn layer(&self, inner: Arc<dyn Backend>) -> Arc<dyn Backend> {
        Arc::new(FaultBackend {
            inner,
            faults: self.faults.clone(),
        })
    }

    fn layer_async(&self, inner: Arc<dyn AsyncBackend>) -> Arc<dyn AsyncBackend> {
        Arc::new(AsyncFaultBackend {
            inner,
            faults: self.faults.clone(),
        })
    }
}

struct FaultBackend {
    inner: Arc<dyn Backend>,
    faults: Faults,
}

impl FaultBackend {
    fn call<T>(&self, op: Op, call: impl FnOnce() -> Result<T>) -> Result<T> {
        self.faults.before(op)?;
        self.faults.after(op, call())
    }
}

impl LayeredBackend for FaultBackend {
    type Inner = dyn Backend;
    fn inner(&self) -> &dyn Backend {
        &*self.inner
    }
    fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::Exists, || self.inner.exists(path))
    }
    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::IsFile, || self.inner.is_file(path))
    }
    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::IsFolder, || self.inner.is_folder(path))
    }
    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        let stream = self.call(Op::Read, || self.inner.read(path, options))?;
        Ok(match self.faults.read_break() {
            Some(after) => Box::new(Breaks {
                inner: stream,
                left: after,
            }),
            None => stream,
        })
    }
    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.call(Op::ReadBytes, || self.inner.read_bytes(path, options))
    }
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.call(Op::Write, || self.inner.write(path, src, options))
    }
    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.call(Op::Delete, || self.inner.delete(path, options))
    }
    fn delete_batch(&self, paths: &[RemotePath], missing_ok: bool) -> Result<Vec<Result<()>>> {
        self.call(Op::DeleteBatch, || {
            self.inner.delete_batch(paths, missing_ok)
        })
    }
    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.call(Op::DeleteFolder, || self.inner.delete_folder(path, options))
    }
    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        self.call(Op::ListFiles, || self.inner.list_files(path, options))
    }
    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        self.call(Op::ListFolders, || self.inner.list_folders(path))
    }
    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.call(Op::GetFileInfo, || self.inner.get_file_info(path))
    }
    fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.call(Op::GetFolderInfo, || self.inner.get_folder_info(path))
    }
    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        self.call(Op::Rename, || self.inner.rename(src, dst, options))
    }
    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.call(Op::Copy, || self.inner.copy(src, dst, options))
    }
    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.call(Op::Glob, || self.inner.glob(pattern))
    }
    fn presign(&self, path: &RemotePath, options: &PresignOptions) -> Result<PresignedRequest> {
        self.call(Op::Presign, || self.inner.presign(path, options))
    }
    fn check_health(&self) -> Result<()> {
        self.call(Op::CheckHealth, || self.inner.check_health())
    }
}

/// A read stream that fails after `left` more bytes.
struct Breaks {
    inner: ReadStream,
    left: u64,
}

impl Read for Breaks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(injected().into_io());
        }
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..most])?;
        self.left -= n as u64;
        Ok(n)
    }
}

struct AsyncFaultBackend {
    inner: Arc<dyn AsyncBackend>,
    faults: Faults,
}

impl AsyncFaultBackend {
    async fn call<T>(&self, op: Op, call: impl Future<Output = Result<T>>) -> Result<T> {
        self.faults.before(op)?;
        self.faults.after(op, call.await)
    }
}

/// `stream`, failing after `after` bytes.
fn breaking(stream: ByteStream, after: u64) -> ByteStream {
    stream::unfold(
        (stream, after, false),
        |(mut stream, left, done)| async move {
            if done {
                return None;
            }
            if left == 0 {
                return Some((Err(injected()), (stream, 0, true)));
            }
            match stream.next().await? {
                Ok(mut chunk) => {
                    if chunk.len() as u64 > left {
                        chunk.truncate(left as usize);
                    }
                    let left = left - chunk.len() as u64;
                    Some((Ok(chunk), (stream, left, false)))
                }
                Err(e) => Some((Err(e), (stream, left, true))),
            }
        },
    )
    .boxed()
}

#[async_trait]
impl LayeredAsyncBackend for AsyncFaultBackend {
    type Inner = dyn AsyncBackend;
    fn inner(&self) -> &dyn AsyncBackend {
        &*self.inner
    }
    async fn exists(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::Exists, self.inner.exists(path)).await
    }
    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::IsFile, self.inner.is_file(path)).await
    }
    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.call(Op::IsFolder, self.inner.is_folder(path)).await
    }
    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        let stream = self.call(Op::Read, self.inner.read(path, options)).await?;
        Ok(match self.faults.read_break() {
            Some(after) => breaking(stream, after),
            None => stream,
        })
    }
    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        self.call(Op::ReadBytes, self.inner.read_bytes(path, options))
            .await
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.call(Op::Write, self.inner.write(path, src, options))
            .await
    }
    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.call(Op::Delete, self.inner.delete(path, options))
            .await
    }
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        self.call(Op::DeleteBatch, self.inner.delete_batch(paths, missing_ok))
            .await
    }
    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.call(Op::DeleteFolder, self.inner.delete_folder(path, options))
            .await
    }
    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        self.call(Op::ListFiles, self.inner.list_files(path, options))
            .await
    }
    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        self.call(Op::ListFolders, self.inner.list_folders(path))
            .await
    }
    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.call(Op::GetFileInfo, self.inner.get_file_info(path))
            .await
    }
    async fn get_folder_info(&self, path: &RemotePath) -> Result<FolderInfo> {
        self.call(Op::GetFolderInfo, self.inner.get_folder_info(path))
            .await
    }
    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        self.call(Op::Rename, self.inner.rename(src, dst, options))
            .await
    }
    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.call(Op::Copy, self.inner.copy(src, dst, options))
            .await
    }
    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.call(Op::Glob, self.inner.glob(pattern)).await
    }
    async fn presign(
        &self,
        path: &RemotePath,
        options: &PresignOptions,
    ) -> Result<PresignedRequest> {
        self.call(Op::Presign, self.inner.presign(path, options))
            .await
    }
    async fn check_health(&self) -> Result<()> {
        self.call(Op::CheckHealth, self.inner.check_health()).await
    }
}
