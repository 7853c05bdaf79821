//! [`AsyncMemoryBackend`]: the native-async in-memory backend.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use remote_store_core::stream::{ByteStream, CHUNK_SIZE, FileStream, FolderStream};
use remote_store_core::{
    AsyncBackend, Capabilities, CopyOptions, DeleteFolderOptions, DeleteOptions, FileInfo,
    ListOptions, ReadOptions, RemotePath, RenameOptions, Result, WriteOptions, WriteResult,
    async_trait, glob,
};

use crate::backend::slice;
use crate::lister;
use crate::state::State;

/// A native-async backend that keeps files in memory. Clones share the
/// data. Operations never block: each is one short critical section, so no
/// blocking pool is involved.
#[derive(Clone, Default)]
pub struct AsyncMemoryBackend {
    state: Arc<State>,
}

impl AsyncMemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for AsyncMemoryBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncMemoryBackend").finish_non_exhaustive()
    }
}

/// Serves `data` as zero-copy chunks of [`CHUNK_SIZE`].
fn chunks(data: Bytes) -> ByteStream {
    let len = data.len();
    Box::pin(futures::stream::iter(
        (0..len)
            .step_by(CHUNK_SIZE)
            .map(move |at| Ok(data.slice(at..len.min(at + CHUNK_SIZE)))),
    ))
}

/// Collects the source: memory is where the file is stored anyway.
async fn drain(src: ByteStream) -> Result<Bytes> {
    remote_store_core::stream::collect_bytes(src).await
}

#[async_trait]
impl AsyncBackend for AsyncMemoryBackend {
    fn name(&self) -> &str {
        crate::NAME
    }

    fn capabilities(&self) -> Capabilities {
        crate::CAPABILITIES
    }

    async fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.state.is_file(path)
    }

    async fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.state.is_folder(path)
    }

    async fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ByteStream> {
        Ok(chunks(self.read_bytes(path, options).await?))
    }

    /// One lookup: the metadata is of exactly the bytes read.
    async fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ByteStream)> {
        let (info, data) = self
            .state
            .get_with_info(path, options.if_match.as_deref())?;
        Ok((info, chunks(slice(data, options.range))))
    }

    async fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        Ok(slice(
            self.state.get(path, options.if_match.as_deref())?,
            options.range,
        ))
    }

    /// Every write is atomic here: the map is updated in one step.
    async fn write(
        &self,
        path: &RemotePath,
        src: ByteStream,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.state.check_open()?;
        let data = drain(src).await?;
        self.state.put(path, data, options)
    }

    async fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.state.delete(path, options)
    }

    async fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.state
            .delete_folder(path, options.recursive, options.missing_ok)
    }

    async fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileStream> {
        self.state.check_open()?;
        let files = lister::files(self.state.clone(), path.clone(), options.recursive);
        Ok(futures::stream::iter(files).boxed())
    }

    async fn list_folders(&self, path: &RemotePath) -> Result<FolderStream> {
        self.state.check_open()?;
        let folders = lister::folders(self.state.clone(), path.clone());
        Ok(futures::stream::iter(folders).boxed())
    }

    async fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.state.file_info(path)
    }

    async fn rename(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        options: &RenameOptions,
    ) -> Result<()> {
        self.state.transfer(src, dst, options.overwrite, false)
    }

    async fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.state.transfer(src, dst, options.overwrite, true)
    }

    async fn glob(&self, pattern: &str) -> Result<FileStream> {
        self.state.check_open()?;
        glob::glob_files_async(self, pattern).await
    }

    async fn close(&self) -> Result<()> {
        self.state.close();
        Ok(())
    }

    /// One id per shared state: clones, and a sync and an async backend
    /// over one state, are the same storage.
    fn storage_id(&self) -> Option<String> {
        Some(format!("memory://{:p}", Arc::as_ptr(&self.state)))
    }

    fn native_path(&self, path: &RemotePath) -> String {
        format!("/{path}")
    }
}
