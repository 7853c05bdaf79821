//! [`MemoryBackend`]: the sync in-memory backend.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use bytes::{Buf, Bytes};
use remote_store_core::stream::{FileIter, FolderIter, ReadStream};
use remote_store_core::{
    Backend, ByteRange, Capabilities, CopyOptions, DeleteFolderOptions, DeleteOptions, Error,
    FileInfo, ListOptions, ReadOptions, RemotePath, RenameOptions, Result, WriteOptions,
    WriteResult, glob,
};

use crate::lister;
use crate::state::State;

/// A sync backend that keeps files in memory. Clones share the data.
#[derive(Clone, Default)]
pub struct MemoryBackend {
    state: Arc<State>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBackend").finish_non_exhaustive()
    }
}

/// Reads the whole source: memory is where the file is stored anyway.
fn drain(src: &mut dyn Read) -> Result<Bytes> {
    let mut buf = Vec::new();
    src.read_to_end(&mut buf).map_err(Error::from_source_io)?;
    Ok(Bytes::from(buf))
}

impl Backend for MemoryBackend {
    fn name(&self) -> &str {
        crate::NAME
    }

    fn capabilities(&self) -> Capabilities {
        crate::CAPABILITIES
    }

    /// Every call is a lookup under a lock held only for that lookup.
    fn never_blocks(&self) -> bool {
        true
    }

    fn is_file(&self, path: &RemotePath) -> Result<bool> {
        self.state.is_file(path)
    }

    fn is_folder(&self, path: &RemotePath) -> Result<bool> {
        self.state.is_folder(path)
    }

    fn read(&self, path: &RemotePath, options: &ReadOptions) -> Result<ReadStream> {
        Ok(Box::new(self.read_bytes(path, options)?.reader()))
    }

    /// One lookup: the metadata is of exactly the bytes read.
    fn read_with_info(
        &self,
        path: &RemotePath,
        options: &ReadOptions,
    ) -> Result<(FileInfo, ReadStream)> {
        let (info, data) = self
            .state
            .get_with_info(path, options.if_match.as_deref())?;
        Ok((info, Box::new(slice(data, options.range).reader())))
    }

    fn read_bytes(&self, path: &RemotePath, options: &ReadOptions) -> Result<Bytes> {
        Ok(slice(
            self.state.get(path, options.if_match.as_deref())?,
            options.range,
        ))
    }

    /// Every write is atomic here: the map is updated in one step.
    fn write(
        &self,
        path: &RemotePath,
        src: &mut dyn Read,
        options: &WriteOptions,
    ) -> Result<WriteResult> {
        self.state.check_open()?;
        let data = drain(src)?;
        self.state.put(path, data, options)
    }

    fn delete(&self, path: &RemotePath, options: &DeleteOptions) -> Result<()> {
        self.state.delete(path, options)
    }

    fn delete_folder(&self, path: &RemotePath, options: &DeleteFolderOptions) -> Result<()> {
        self.state
            .delete_folder(path, options.recursive, options.missing_ok)
    }

    fn list_files(&self, path: &RemotePath, options: &ListOptions) -> Result<FileIter> {
        self.state.check_open()?;
        Ok(Box::new(lister::files(
            self.state.clone(),
            path.clone(),
            options.recursive,
        )))
    }

    fn list_folders(&self, path: &RemotePath) -> Result<FolderIter> {
        self.state.check_open()?;
        Ok(Box::new(lister::folders(self.state.clone(), path.clone())))
    }

    fn get_file_info(&self, path: &RemotePath) -> Result<FileInfo> {
        self.state.file_info(path)
    }

    fn rename(&self, src: &RemotePath, dst: &RemotePath, options: &RenameOptions) -> Result<()> {
        self.state.transfer(src, dst, options.overwrite, false)
    }

    fn copy(&self, src: &RemotePath, dst: &RemotePath, options: &CopyOptions) -> Result<()> {
        self.state.transfer(src, dst, options.overwrite, true)
    }

    fn glob(&self, pattern: &str) -> Result<FileIter> {
        self.state.check_open()?;
        glob::glob_files(self, pattern)
    }

    fn close(&self) -> Result<()> {
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

/// The part of `data` that `range` selects (all of it without one), cut at
/// the end.
pub(crate) fn slice(data: Bytes, range: Option<ByteRange>) -> Bytes {
    let Some(ByteRange { offset, len }) = range else {
        return data;
    };
    let size = data.len() as u64;
    let start = offset.min(size);
    let end = len.map_or(size, |len| start.saturating_add(len).min(size));
    // Both bounds are at most `data.len()`, so they fit in usize.
    data.slice(start as usize..end as usize)
}

#[cfg(test)]
mod tests {
    use remote_store_core::{Backend, ErrorKind, ReadOptions, RemotePath, WriteOptions};

    use super::MemoryBackend;

    fn p(s: &str) -> RemotePath {
        RemotePath::new(s).unwrap()
    }

    /// Like a file system (ADR-0002), though it declares no real folders:
    /// no file below a file, none where a folder is.
    #[test]
    fn files_never_clash_with_folders() {
        let b = MemoryBackend::new();
        let new = WriteOptions::new();
        b.write(&p("a"), &mut &b"x"[..], &new).unwrap();
        b.write(&p("d/x"), &mut &b"x"[..], &new).unwrap();
        let replace = WriteOptions::new().overwrite(true);
        for (path, why) in [("a/b", "below a file"), ("d", "where a folder is")] {
            let e = b.write(&p(path), &mut &b"y"[..], &replace).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidPath, "{why}");
        }
        assert_eq!(b.read_bytes(&p("a"), &ReadOptions::new()).unwrap(), "x");
    }
}
