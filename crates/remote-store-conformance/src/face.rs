//! [`Face`]: one async interface over both store faces, so each case is
//! written once and runs on [`Store`] and on [`AsyncStore`].
//!
//! The [`Store`] side runs each call on tokio's blocking pool, exactly as a
//! sync caller would make it. Methods that return content or listings
//! collect them (tests compare whole values); [`Face::read_verify`] and
//! [`Face::write_source`] stream, for the large-file cases.

use std::io::{Read, SeekFrom};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::{StreamExt, TryStreamExt};
use remote_store_core::{
    AsyncStore, Capabilities, Capability, DeleteOptions, Error, FileInfo, FolderInfo, ListOptions,
    PresignMethod, PresignOptions, PresignedRequest, ReadOptions, RemotePath, Result, Store,
    WriteOptions, WriteResult,
};

/// The whole file.
fn whole() -> ReadOptions {
    ReadOptions::new()
}

/// A write that replaces.
fn replace() -> WriteOptions {
    WriteOptions::new().overwrite(true)
}

fn missing_ok() -> DeleteOptions {
    DeleteOptions::new().missing_ok(true)
}

use crate::data::{Source, Verifier};

/// The store under test, whichever face it is.
pub type Subject = Arc<dyn Face>;

/// How [`Face::sink`] ends its writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkEnd {
    /// `finish`: commits, and the write result comes back.
    Finish,
    /// Dropped unfinished: discards (on the async face the backend's
    /// clean-up may still be running when the drop returns).
    Drop,
    /// `abort`: discards, and returns once the backend has cleaned up.
    Abort,
}

/// What each call on a writer sink answered (see [`Face::sink_every_call`]).
#[derive(Debug)]
pub struct SinkCalls {
    /// Each `write_all`, in order.
    pub writes: Vec<Result<()>>,
    /// The commit.
    pub commit: Result<()>,
    /// A write after the commit (async face; `None` on the sync face,
    /// whose `finish` consumes the writer).
    pub after_commit: Option<Result<()>>,
}

/// One async interface over [`Store`] and [`AsyncStore`].
#[allow(missing_docs)] // each method is the store method of the same name
#[async_trait]
pub trait Face: Send + Sync {
    /// `"Store"` or `"AsyncStore"`, for messages.
    fn face(&self) -> &'static str;
    fn capabilities(&self) -> Capabilities;
    /// The backend's `name()`.
    fn name(&self) -> String;
    /// The backend's `storage_id()`.
    fn storage_id(&self) -> Option<String>;
    fn child(&self, sub: &str) -> Result<Subject>;
    async fn exists(&self, path: &str) -> Result<bool>;
    async fn is_file(&self, path: &str) -> Result<bool>;
    async fn is_folder(&self, path: &str) -> Result<bool>;
    async fn read_bytes(&self, path: &str) -> Result<Bytes>;
    /// Reads through the streaming `read` and collects.
    async fn read(&self, path: &str) -> Result<Bytes>;
    /// Streams the file through `verifier`, chunk by chunk.
    async fn read_verify(&self, path: &str, verifier: Verifier) -> Result<Verifier>;
    async fn read_range(&self, path: &str, offset: u64, len: Option<u64>) -> Result<Bytes>;
    /// Opens `read` (or `read_range(offset, len)` when `range` is given),
    /// takes the first chunk and drops the stream; returns the chunk's
    /// length.
    async fn read_first_chunk(
        &self,
        path: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<usize>;
    /// Opens `read`, takes the first chunk, closes the store and then
    /// drains the stream: returns the first chunk and what the rest of the
    /// stream gave (its bytes, or the error that ended it).
    async fn read_across_close(&self, path: &str) -> Result<(Bytes, Result<Bytes>)>;
    /// `read_with_info` with `options`; with `replacement`, the file is
    /// overwritten with it once the read is open, before it is drained.
    /// Returns the metadata and what the stream gave (its bytes, or the
    /// error that ended it).
    async fn read_with_info(
        &self,
        path: &str,
        options: ReadOptions,
        replacement: Option<Bytes>,
    ) -> Result<(FileInfo, Result<Bytes>)>;
    async fn write(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult>;
    async fn write_atomic(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult>;
    /// `write_with` an `if_match` condition (a compare-and-swap).
    async fn write_if_match(&self, path: &str, data: Bytes, etag: &str) -> Result<WriteResult> {
        self.write_with(path, data, WriteOptions::new().if_match(etag))
            .await
    }
    /// `delete_with` an `if_match` condition.
    async fn delete_if_match(&self, path: &str, etag: &str) -> Result<()>;
    /// `write_with` any options.
    async fn write_with(
        &self,
        path: &str,
        data: Bytes,
        options: WriteOptions,
    ) -> Result<WriteResult>;
    /// `read_with` an `if_match` condition (and a range when given),
    /// streamed and collected.
    async fn read_if_match(
        &self,
        path: &str,
        etag: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Bytes>;
    /// Writes `pieces` one after the other through the store's writer sink
    /// (`writer`), then ends it as `end` says: the write result when
    /// finished, `None` when dropped or aborted.
    async fn sink(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
        end: SinkEnd,
    ) -> Result<Option<WriteResult>>;
    /// Writes each piece through a writer sink, going on after errors:
    /// each `write_all`'s result, then the commit's (`finish`; on the
    /// async face `shutdown`), then (async face only) a write after the
    /// commit.
    async fn sink_every_call(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
    ) -> Result<SinkCalls>;
    /// Opens `open_seekable`, and for each `(to, n)` seeks to `to` and
    /// reads up to `n` bytes (fewer only at the end): the bytes each read
    /// gave, and whether the reader is pinned.
    async fn seek_reads(
        &self,
        path: &str,
        reads: Vec<(SeekFrom, usize)>,
    ) -> Result<(bool, Vec<Bytes>)>;
    /// Opens `open_seekable`, reads `first` bytes, lets `meanwhile` run
    /// (the store replaces the file), then seeks to `then` and reads one
    /// byte: whether the reader is pinned, and what that last read gave.
    async fn seek_across_replace(
        &self,
        path: &str,
        first: usize,
        replacement: Bytes,
        then: u64,
    ) -> Result<(bool, Result<Bytes>)>;
    /// `presign(path, method, expires)`.
    async fn presign(
        &self,
        path: &str,
        method: PresignMethod,
        expires: Duration,
    ) -> Result<PresignedRequest>;
    /// Streams `source` into `write` (or `write_atomic`).
    async fn write_source(
        &self,
        path: &str,
        source: Source,
        atomic: bool,
        overwrite: bool,
    ) -> Result<WriteResult>;
    /// Streams `source` into `write_with` with `options`.
    async fn write_source_with(
        &self,
        path: &str,
        source: Source,
        options: WriteOptions,
    ) -> Result<WriteResult>;
    async fn delete(&self, path: &str, missing_ok: bool) -> Result<()>;
    async fn delete_batch(&self, paths: Vec<String>, missing_ok: bool) -> Result<Vec<Result<()>>>;
    async fn delete_folder(&self, path: &str, recursive: bool, missing_ok: bool) -> Result<()>;
    async fn list_files(&self, path: &str, recursive: bool) -> Result<Vec<FileInfo>>;
    /// `list_files_with` any options, collected.
    async fn list_files_with(&self, path: &str, options: ListOptions) -> Result<Vec<FileInfo>>;
    /// Counts a listing while streaming it.
    async fn count_files(&self, path: &str, recursive: bool) -> Result<usize>;
    /// Takes the first `n` entries of a listing and drops the rest.
    async fn first_files(&self, path: &str, recursive: bool, n: usize) -> Result<Vec<FileInfo>>;
    async fn list_folders(&self, path: &str) -> Result<Vec<RemotePath>>;
    async fn get_file_info(&self, path: &str) -> Result<FileInfo>;
    async fn get_folder_info(&self, path: &str) -> Result<FolderInfo>;
    async fn rename(&self, src: &str, dst: &str, overwrite: bool) -> Result<()>;
    async fn copy(&self, src: &str, dst: &str, overwrite: bool) -> Result<()>;
    async fn glob(&self, pattern: &str) -> Result<Vec<FileInfo>>;
    fn to_key(&self, native: &str) -> Result<RemotePath>;
    fn native_path(&self, path: &str) -> Result<String>;
    async fn close(&self) -> Result<()>;
    async fn check_health(&self) -> Result<()>;
    /// Calls each I/O method of the backend itself, bypassing the store's
    /// checks, on `file` and `dir` (store paths) and returns what each
    /// answered: for cases that check the backend's own contract (a store
    /// would hide a backend that ignores `close`). A call that returns a
    /// stream counts as failed when the stream's first item fails.
    async fn backend_probe(&self, file: &str, dir: &str) -> Vec<(&'static str, Result<()>)>;
    /// Calls the backend itself, bypassing the store's checks, with each
    /// option that needs a capability (a range, an atomic write, a
    /// recursive listing) on `file` (a store path), and returns what each
    /// answered with the capability it needs: a backend must refuse an
    /// option it does not declare, never ignore it.
    async fn backend_option_probe(&self, file: &str) -> Vec<(Capability, Result<()>)>;
    /// `exists`, `is_file` and `is_folder` of the backend's own root, asked
    /// of the backend itself (a store answers for its root without asking).
    async fn backend_root(&self) -> Result<[bool; 3]>;
    /// The backend's own `to_key`.
    fn backend_to_key(&self, native: &str) -> Result<RemotePath>;
    /// The backend's native form of its own root.
    fn backend_native_root(&self) -> String;
    /// A store of the same face over the same backend, at the backend's
    /// root. Cases use it only for calls refused before any I/O.
    fn at_backend_root(&self) -> Subject;
}

/// The backend paths a probe uses: `file`, `dir` and a sibling of `file`
/// that only the atomic-write probe writes (the case checks that a refused
/// atomic write left it absent; the attribute probes overwrite `file`).
fn probe_paths(root: &RemotePath, file: &str, dir: &str) -> [RemotePath; 3] {
    [
        backend_path(root, file),
        backend_path(root, dir),
        backend_path(root, &format!("{file}.probe")),
    ]
}

/// A declared condition that does not hold answers `PreconditionFailed`:
/// for a probe, that is the option honoured.
fn stale_is_fine(e: Error) -> Result<()> {
    match e.kind() {
        remote_store_core::ErrorKind::PreconditionFailed => Ok(()),
        _ => Err(e),
    }
}

/// A call that returned a stream: failed when the call or its first item
/// did.
async fn first_of_stream<T>(
    call: Result<futures::stream::BoxStream<'static, Result<T>>>,
) -> Result<()> {
    call?.next().await.map_or(Ok(()), |item| item.map(drop))
}

/// A call that returned an iterator: failed when the call or its first
/// item did.
fn first_of_iter<T>(call: Result<Box<dyn Iterator<Item = Result<T>> + Send>>) -> Result<()> {
    call?.next().map_or(Ok(()), |item| item.map(drop))
}

/// A store path as a path of the backend under a store rooted at `root`.
fn backend_path(root: &RemotePath, path: &str) -> RemotePath {
    if root.is_root() {
        RemotePath::new(path).expect("a valid path")
    } else {
        RemotePath::new(&format!("{root}/{path}")).expect("a valid path")
    }
}

#[async_trait]
impl Face for AsyncStore {
    fn face(&self) -> &'static str {
        "AsyncStore"
    }
    fn capabilities(&self) -> Capabilities {
        AsyncStore::capabilities(self)
    }
    fn name(&self) -> String {
        AsyncStore::name(self).to_owned()
    }
    fn storage_id(&self) -> Option<String> {
        AsyncStore::storage_id(self)
    }
    fn child(&self, sub: &str) -> Result<Subject> {
        Ok(Arc::new(AsyncStore::child(self, sub)?))
    }
    async fn exists(&self, path: &str) -> Result<bool> {
        AsyncStore::exists(self, path).await
    }
    async fn is_file(&self, path: &str) -> Result<bool> {
        AsyncStore::is_file(self, path).await
    }
    async fn is_folder(&self, path: &str) -> Result<bool> {
        AsyncStore::is_folder(self, path).await
    }
    async fn read_bytes(&self, path: &str) -> Result<Bytes> {
        AsyncStore::read_bytes(self, path).await
    }
    async fn read(&self, path: &str) -> Result<Bytes> {
        let stream = AsyncStore::read(self, path).await?;
        collect(stream).await
    }
    async fn read_verify(&self, path: &str, mut verifier: Verifier) -> Result<Verifier> {
        let mut stream = AsyncStore::read(self, path).await?;
        while let Some(chunk) = stream.next().await {
            verifier.feed(&chunk?);
        }
        Ok(verifier)
    }
    async fn read_range(&self, path: &str, offset: u64, len: Option<u64>) -> Result<Bytes> {
        collect(AsyncStore::read_range(self, path, offset, len).await?).await
    }
    async fn read_first_chunk(
        &self,
        path: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<usize> {
        let mut stream = match range {
            None => AsyncStore::read(self, path).await?,
            Some((offset, len)) => AsyncStore::read_range(self, path, offset, len).await?,
        };
        let first = stream.next().await.transpose()?;
        Ok(first.map_or(0, |chunk| chunk.len()))
    }
    async fn read_across_close(&self, path: &str) -> Result<(Bytes, Result<Bytes>)> {
        let mut stream = AsyncStore::read(self, path).await?;
        let first = stream.next().await.transpose()?.unwrap_or_default();
        AsyncStore::close(self).await?;
        let rest = stream
            .try_fold(BytesMut::new(), |mut acc, chunk| async move {
                acc.extend_from_slice(&chunk);
                Ok(acc)
            })
            .await
            .map(BytesMut::freeze);
        Ok((first, rest))
    }
    async fn read_with_info(
        &self,
        path: &str,
        options: ReadOptions,
        replacement: Option<Bytes>,
    ) -> Result<(FileInfo, Result<Bytes>)> {
        let (info, stream) = AsyncStore::read_with_info(self, path, &options).await?;
        if let Some(data) = replacement {
            AsyncStore::write_bytes(self, path, data, true).await?;
        }
        Ok((info, collect(stream).await))
    }
    async fn write(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult> {
        AsyncStore::write_bytes(self, path, data, overwrite).await
    }
    async fn write_atomic(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult> {
        let src = futures::stream::iter([Ok(data)]);
        AsyncStore::write_atomic(self, path, src, overwrite).await
    }
    async fn sink(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
        end: SinkEnd,
    ) -> Result<Option<WriteResult>> {
        use tokio::io::AsyncWriteExt;
        let mut writer = AsyncStore::writer(self, path, overwrite)?;
        for piece in pieces {
            writer.write_all(&piece).await?;
        }
        match end {
            SinkEnd::Finish => writer.finish().await.map(Some),
            SinkEnd::Drop => {
                drop(writer);
                Ok(None)
            }
            SinkEnd::Abort => {
                writer.abort().await;
                Ok(None)
            }
        }
    }
    async fn sink_every_call(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
    ) -> Result<SinkCalls> {
        use tokio::io::AsyncWriteExt;
        let mut writer = AsyncStore::writer(self, path, overwrite)?;
        let mut writes = Vec::new();
        for piece in pieces {
            writes.push(
                writer
                    .write_all(&piece)
                    .await
                    .map_err(Error::from_source_io),
            );
        }
        let commit = writer.shutdown().await.map_err(Error::from_source_io);
        let after = writer
            .write_all(b"late")
            .await
            .map_err(Error::from_source_io);
        Ok(SinkCalls {
            writes,
            commit,
            after_commit: Some(after),
        })
    }
    async fn seek_reads(
        &self,
        path: &str,
        reads: Vec<(SeekFrom, usize)>,
    ) -> Result<(bool, Vec<Bytes>)> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut reader = AsyncStore::open_seekable(self, path).await?;
        let mut got = Vec::new();
        for (to, n) in reads {
            reader.seek(to).await?;
            let mut buf = Vec::new();
            (&mut reader).take(n as u64).read_to_end(&mut buf).await?;
            got.push(Bytes::from(buf));
        }
        Ok((reader.is_pinned(), got))
    }
    async fn seek_across_replace(
        &self,
        path: &str,
        first: usize,
        replacement: Bytes,
        then: u64,
    ) -> Result<(bool, Result<Bytes>)> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut reader = AsyncStore::open_seekable(self, path).await?;
        let mut buf = vec![0; first];
        reader.read_exact(&mut buf).await?;
        AsyncStore::write_bytes(self, path, replacement, true).await?;
        reader.seek(SeekFrom::Start(then)).await?;
        let mut one = [0u8; 1];
        let last = match reader.read(&mut one).await {
            Ok(n) => Ok(Bytes::copy_from_slice(&one[..n])),
            Err(e) => Err(Error::from(e)),
        };
        Ok((reader.is_pinned(), last))
    }
    async fn presign(
        &self,
        path: &str,
        method: PresignMethod,
        expires: Duration,
    ) -> Result<PresignedRequest> {
        AsyncStore::presign(self, path, &PresignOptions::new(method, expires)).await
    }
    async fn delete_if_match(&self, path: &str, etag: &str) -> Result<()> {
        AsyncStore::delete_with(self, path, &DeleteOptions::new().if_match(etag)).await
    }
    async fn write_with(
        &self,
        path: &str,
        data: Bytes,
        options: WriteOptions,
    ) -> Result<WriteResult> {
        let src = futures::stream::iter([Ok(data)]);
        AsyncStore::write_with(self, path, src, &options).await
    }
    async fn read_if_match(
        &self,
        path: &str,
        etag: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Bytes> {
        let mut options = ReadOptions::new().if_match(etag);
        if let Some((offset, len)) = range {
            options = options.range(offset, len);
        }
        collect(AsyncStore::read_with(self, path, &options).await?).await
    }
    async fn write_source(
        &self,
        path: &str,
        source: Source,
        atomic: bool,
        overwrite: bool,
    ) -> Result<WriteResult> {
        let src = source.into_stream();
        if atomic {
            AsyncStore::write_atomic(self, path, src, overwrite).await
        } else {
            AsyncStore::write(self, path, src, overwrite).await
        }
    }
    async fn write_source_with(
        &self,
        path: &str,
        source: Source,
        options: WriteOptions,
    ) -> Result<WriteResult> {
        AsyncStore::write_with(self, path, source.into_stream(), &options).await
    }
    async fn delete(&self, path: &str, missing_ok: bool) -> Result<()> {
        AsyncStore::delete(self, path, missing_ok).await
    }
    async fn delete_batch(&self, paths: Vec<String>, missing_ok: bool) -> Result<Vec<Result<()>>> {
        AsyncStore::delete_batch(self, &paths, missing_ok).await
    }
    async fn delete_folder(&self, path: &str, recursive: bool, missing_ok: bool) -> Result<()> {
        AsyncStore::delete_folder(self, path, recursive, missing_ok).await
    }
    async fn list_files(&self, path: &str, recursive: bool) -> Result<Vec<FileInfo>> {
        AsyncStore::list_files(self, path, recursive)
            .await?
            .try_collect()
            .await
    }
    async fn list_files_with(&self, path: &str, options: ListOptions) -> Result<Vec<FileInfo>> {
        AsyncStore::list_files_with(self, path, &options)
            .await?
            .try_collect()
            .await
    }
    async fn count_files(&self, path: &str, recursive: bool) -> Result<usize> {
        AsyncStore::list_files(self, path, recursive)
            .await?
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await
    }
    async fn first_files(&self, path: &str, recursive: bool, n: usize) -> Result<Vec<FileInfo>> {
        AsyncStore::list_files(self, path, recursive)
            .await?
            .take(n)
            .try_collect()
            .await
    }
    async fn list_folders(&self, path: &str) -> Result<Vec<RemotePath>> {
        AsyncStore::list_folders(self, path)
            .await?
            .try_collect()
            .await
    }
    async fn get_file_info(&self, path: &str) -> Result<FileInfo> {
        AsyncStore::get_file_info(self, path).await
    }
    async fn get_folder_info(&self, path: &str) -> Result<FolderInfo> {
        AsyncStore::get_folder_info(self, path).await
    }
    async fn rename(&self, src: &str, dst: &str, overwrite: bool) -> Result<()> {
        AsyncStore::rename(self, src, dst, overwrite).await
    }
    async fn copy(&self, src: &str, dst: &str, overwrite: bool) -> Result<()> {
        AsyncStore::copy(self, src, dst, overwrite).await
    }
    async fn glob(&self, pattern: &str) -> Result<Vec<FileInfo>> {
        AsyncStore::glob(self, pattern).await?.try_collect().await
    }
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        AsyncStore::to_key(self, native)
    }
    fn native_path(&self, path: &str) -> Result<String> {
        AsyncStore::native_path(self, path)
    }
    async fn close(&self) -> Result<()> {
        AsyncStore::close(self).await
    }
    async fn check_health(&self) -> Result<()> {
        AsyncStore::check_health(self).await
    }
    async fn backend_probe(&self, file: &str, dir: &str) -> Vec<(&'static str, Result<()>)> {
        let b = self.backend().clone();
        let [f, d, g] = probe_paths(self.root(), file, dir);
        let one = || futures::stream::iter([Ok(Bytes::from("x"))]).boxed();
        vec![
            ("is_file", b.is_file(&f).await.map(drop)),
            ("is_folder", b.is_folder(&d).await.map(drop)),
            ("exists", b.exists(&f).await.map(drop)),
            ("read", first_of_stream(b.read(&f, &whole()).await).await),
            ("read_bytes", b.read_bytes(&f, &whole()).await.map(drop)),
            ("get_file_info", b.get_file_info(&f).await.map(drop)),
            ("write", b.write(&g, one(), &replace()).await.map(drop)),
            (
                "list_files",
                first_of_stream(b.list_files(&d, &ListOptions::new()).await).await,
            ),
            (
                "list_folders",
                first_of_stream(b.list_folders(&d).await).await,
            ),
            ("delete", b.delete(&f, &missing_ok()).await),
            ("check_health", b.check_health().await),
        ]
    }
    async fn backend_option_probe(&self, file: &str) -> Vec<(Capability, Result<()>)> {
        let b = self.backend().clone();
        let [f, _, g] = probe_paths(self.root(), file, file);
        let one = || futures::stream::iter([Ok(Bytes::from("x"))]).boxed();
        let range = ReadOptions::new().range(0, Some(2));
        let etag = b.get_file_info(&f).await.ok().and_then(|i| i.etag);
        let etag = etag.unwrap_or_else(|| "\"none\"".into());
        let pinned = ReadOptions::new().if_match(&etag);
        vec![
            (
                Capability::RangeRead,
                first_of_stream(b.read(&f, &range).await).await,
            ),
            (
                Capability::RangeRead,
                b.read_bytes(&f, &range).await.map(drop),
            ),
            (
                Capability::AtomicWrite,
                b.write(&g, one(), &replace().atomic(true)).await.map(drop),
            ),
            (
                Capability::ConditionalRead,
                first_of_stream(b.read(&f, &pinned).await).await,
            ),
            (
                Capability::ConditionalWrite,
                b.write(&f, one(), &WriteOptions::new().if_match(&etag))
                    .await
                    .map(drop),
            ),
            (
                Capability::RecursiveList,
                first_of_stream(b.list_files(&f, &ListOptions::new().recursive(true)).await).await,
            ),
            (
                Capability::ConditionalDelete,
                b.delete(&g, &DeleteOptions::new().if_match("\"stale\""))
                    .await
                    .or_else(stale_is_fine),
            ),
            (
                Capability::ContentType,
                b.write(&f, one(), &replace().content_type("text/plain"))
                    .await
                    .map(drop),
            ),
            (
                Capability::CacheControl,
                b.write(&f, one(), &replace().cache_control("no-cache"))
                    .await
                    .map(drop),
            ),
            (
                Capability::UserMetadata,
                b.write(&f, one(), &replace().metadata("probe", "1"))
                    .await
                    .map(drop),
            ),
        ]
    }
    async fn backend_root(&self) -> Result<[bool; 3]> {
        let b = self.backend().clone();
        let root = RemotePath::root();
        Ok([
            b.exists(&root).await?,
            b.is_file(&root).await?,
            b.is_folder(&root).await?,
        ])
    }
    fn backend_to_key(&self, native: &str) -> Result<RemotePath> {
        self.backend().to_key(native)
    }
    fn backend_native_root(&self) -> String {
        self.backend().native_path(&RemotePath::root())
    }
    fn at_backend_root(&self) -> Subject {
        Arc::new(Self::new(self.backend().clone()))
    }
}

async fn collect(stream: remote_store_core::stream::ByteStream) -> Result<Bytes> {
    remote_store_core::stream::collect_bytes(stream).await
}

/// Runs a sync call on the blocking pool, as sync code would make it.
async fn blocking<T: Send + 'static>(
    store: &Store,
    call: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|e| Error::other("the sync call panicked").with_source(e))?
}

fn read_all(mut r: impl Read) -> Result<Bytes> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf)?;
    Ok(Bytes::from(buf))
}

#[async_trait]
impl Face for Store {
    fn face(&self) -> &'static str {
        "Store"
    }
    fn capabilities(&self) -> Capabilities {
        Store::capabilities(self)
    }
    fn name(&self) -> String {
        Store::name(self).to_owned()
    }
    fn storage_id(&self) -> Option<String> {
        Store::storage_id(self)
    }
    fn child(&self, sub: &str) -> Result<Subject> {
        Ok(Arc::new(Store::child(self, sub)?))
    }
    async fn exists(&self, path: &str) -> Result<bool> {
        let path = path.to_owned();
        blocking(self, move |s| s.exists(path)).await
    }
    async fn is_file(&self, path: &str) -> Result<bool> {
        let path = path.to_owned();
        blocking(self, move |s| s.is_file(path)).await
    }
    async fn is_folder(&self, path: &str) -> Result<bool> {
        let path = path.to_owned();
        blocking(self, move |s| s.is_folder(path)).await
    }
    async fn read_bytes(&self, path: &str) -> Result<Bytes> {
        let path = path.to_owned();
        blocking(self, move |s| s.read_bytes(path)).await
    }
    async fn read(&self, path: &str) -> Result<Bytes> {
        let path = path.to_owned();
        blocking(self, move |s| read_all(s.read(path)?)).await
    }
    async fn read_verify(&self, path: &str, mut verifier: Verifier) -> Result<Verifier> {
        let path = path.to_owned();
        blocking(self, move |s| {
            let mut reader = s.read(path)?;
            let mut buf = vec![0; 64 * 1024];
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    return Ok(verifier);
                }
                verifier.feed(&buf[..n]);
            }
        })
        .await
    }
    async fn read_range(&self, path: &str, offset: u64, len: Option<u64>) -> Result<Bytes> {
        let path = path.to_owned();
        blocking(self, move |s| read_all(s.read_range(path, offset, len)?)).await
    }
    async fn read_first_chunk(
        &self,
        path: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<usize> {
        let path = path.to_owned();
        blocking(self, move |s| {
            let mut stream = match range {
                None => s.read(path)?,
                Some((offset, len)) => s.read_range(path, offset, len)?,
            };
            let mut buf = vec![0; 64 * 1024];
            Ok(stream.read(&mut buf)?)
        })
        .await
    }
    async fn read_with_info(
        &self,
        path: &str,
        options: ReadOptions,
        replacement: Option<Bytes>,
    ) -> Result<(FileInfo, Result<Bytes>)> {
        let path = path.to_owned();
        blocking(self, move |s| {
            let (info, stream) = s.read_with_info(&path, &options)?;
            if let Some(data) = replacement {
                s.write_bytes(&path, data, true)?;
            }
            Ok((info, read_all(stream)))
        })
        .await
    }
    async fn read_across_close(&self, path: &str) -> Result<(Bytes, Result<Bytes>)> {
        let path = path.to_owned();
        blocking(self, move |s| {
            let mut stream = s.read(path)?;
            let mut first = vec![0; 64 * 1024];
            let n = stream.read(&mut first)?;
            first.truncate(n);
            s.close()?;
            let mut rest = Vec::new();
            let rest = stream
                .read_to_end(&mut rest)
                .map(|_| Bytes::from(rest))
                .map_err(Error::from);
            Ok((Bytes::from(first), rest))
        })
        .await
    }
    async fn write(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult> {
        let path = path.to_owned();
        blocking(self, move |s| s.write_bytes(path, data, overwrite)).await
    }
    async fn write_atomic(&self, path: &str, data: Bytes, overwrite: bool) -> Result<WriteResult> {
        let path = path.to_owned();
        blocking(self, move |s| s.write_atomic(path, &data[..], overwrite)).await
    }
    async fn sink(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
        end: SinkEnd,
    ) -> Result<Option<WriteResult>> {
        let path = path.to_owned();
        blocking(self, move |s| {
            use std::io::Write;
            let mut writer = s.writer(path, overwrite)?;
            for piece in pieces {
                writer.write_all(&piece)?;
            }
            match end {
                SinkEnd::Finish => writer.finish().map(Some),
                SinkEnd::Drop => {
                    drop(writer);
                    Ok(None)
                }
                SinkEnd::Abort => {
                    writer.abort();
                    Ok(None)
                }
            }
        })
        .await
    }
    async fn sink_every_call(
        &self,
        path: &str,
        pieces: Vec<Bytes>,
        overwrite: bool,
    ) -> Result<SinkCalls> {
        let path = path.to_owned();
        blocking(self, move |s| {
            use std::io::Write;
            let mut writer = s.writer(path, overwrite)?;
            let mut writes = Vec::new();
            for piece in pieces {
                writes.push(writer.write_all(&piece).map_err(Error::from_source_io));
            }
            Ok(SinkCalls {
                writes,
                commit: writer.finish().map(drop),
                after_commit: None,
            })
        })
        .await
    }
    async fn seek_reads(
        &self,
        path: &str,
        reads: Vec<(SeekFrom, usize)>,
    ) -> Result<(bool, Vec<Bytes>)> {
        let path = path.to_owned();
        blocking(self, move |s| {
            use std::io::Seek;
            let mut reader = s.open_seekable(path)?;
            let mut got = Vec::new();
            for (to, n) in reads {
                reader.seek(to)?;
                let mut buf = Vec::new();
                (&mut reader).take(n as u64).read_to_end(&mut buf)?;
                got.push(Bytes::from(buf));
            }
            Ok((reader.is_pinned(), got))
        })
        .await
    }
    async fn seek_across_replace(
        &self,
        path: &str,
        first: usize,
        replacement: Bytes,
        then: u64,
    ) -> Result<(bool, Result<Bytes>)> {
        let path = path.to_owned();
        blocking(self, move |s| {
            use std::io::Seek;
            let mut reader = s.open_seekable(&path)?;
            let mut buf = vec![0; first];
            reader.read_exact(&mut buf)?;
            s.write_bytes(&path, &replacement, true)?;
            reader.seek(SeekFrom::Start(then))?;
            let mut one = [0u8; 1];
            let last = match reader.read(&mut one) {
                Ok(n) => Ok(Bytes::copy_from_slice(&one[..n])),
                Err(e) => Err(Error::from(e)),
            };
            Ok((reader.is_pinned(), last))
        })
        .await
    }
    async fn presign(
        &self,
        path: &str,
        method: PresignMethod,
        expires: Duration,
    ) -> Result<PresignedRequest> {
        let (path, options) = (path.to_owned(), PresignOptions::new(method, expires));
        blocking(self, move |s| s.presign(path, &options)).await
    }
    async fn delete_if_match(&self, path: &str, etag: &str) -> Result<()> {
        let (path, options) = (path.to_owned(), DeleteOptions::new().if_match(etag));
        blocking(self, move |s| s.delete_with(path, &options)).await
    }
    async fn write_with(
        &self,
        path: &str,
        data: Bytes,
        options: WriteOptions,
    ) -> Result<WriteResult> {
        let path = path.to_owned();
        blocking(self, move |s| s.write_with(path, &data[..], &options)).await
    }
    async fn read_if_match(
        &self,
        path: &str,
        etag: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<Bytes> {
        let mut options = ReadOptions::new().if_match(etag);
        if let Some((offset, len)) = range {
            options = options.range(offset, len);
        }
        let path = path.to_owned();
        blocking(self, move |s| {
            let mut buf = Vec::new();
            s.read_with(path, &options)?.read_to_end(&mut buf)?;
            Ok(Bytes::from(buf))
        })
        .await
    }
    async fn write_source(
        &self,
        path: &str,
        source: Source,
        atomic: bool,
        overwrite: bool,
    ) -> Result<WriteResult> {
        let path = path.to_owned();
        blocking(self, move |s| {
            let src = source.into_reader();
            if atomic {
                s.write_atomic(path, src, overwrite)
            } else {
                s.write(path, src, overwrite)
            }
        })
        .await
    }
    async fn write_source_with(
        &self,
        path: &str,
        source: Source,
        options: WriteOptions,
    ) -> Result<WriteResult> {
        let path = path.to_owned();
        blocking(self, move |s| {
            s.write_with(path, source.into_reader(), &options)
        })
        .await
    }
    async fn delete(&self, path: &str, missing_ok: bool) -> Result<()> {
        let path = path.to_owned();
        blocking(self, move |s| s.delete(path, missing_ok)).await
    }
    async fn delete_batch(&self, paths: Vec<String>, missing_ok: bool) -> Result<Vec<Result<()>>> {
        blocking(self, move |s| s.delete_batch(&paths, missing_ok)).await
    }
    async fn delete_folder(&self, path: &str, recursive: bool, missing_ok: bool) -> Result<()> {
        let path = path.to_owned();
        blocking(self, move |s| s.delete_folder(path, recursive, missing_ok)).await
    }
    async fn list_files(&self, path: &str, recursive: bool) -> Result<Vec<FileInfo>> {
        let path = path.to_owned();
        blocking(self, move |s| s.list_files(path, recursive)?.collect()).await
    }
    async fn list_files_with(&self, path: &str, options: ListOptions) -> Result<Vec<FileInfo>> {
        let path = path.to_owned();
        blocking(self, move |s| s.list_files_with(path, &options)?.collect()).await
    }
    async fn count_files(&self, path: &str, recursive: bool) -> Result<usize> {
        let path = path.to_owned();
        blocking(self, move |s| {
            s.list_files(path, recursive)?
                .try_fold(0, |n, item| item.map(|_| n + 1))
        })
        .await
    }
    async fn first_files(&self, path: &str, recursive: bool, n: usize) -> Result<Vec<FileInfo>> {
        let path = path.to_owned();
        blocking(self, move |s| {
            s.list_files(path, recursive)?.take(n).collect()
        })
        .await
    }
    async fn list_folders(&self, path: &str) -> Result<Vec<RemotePath>> {
        let path = path.to_owned();
        blocking(self, move |s| s.list_folders(path)?.collect()).await
    }
    async fn get_file_info(&self, path: &str) -> Result<FileInfo> {
        let path = path.to_owned();
        blocking(self, move |s| s.get_file_info(path)).await
    }
    async fn get_folder_info(&self, path: &str) -> Result<FolderInfo> {
        let path = path.to_owned();
        blocking(self, move |s| s.get_folder_info(path)).await
    }
    async fn rename(&self, src: &str, dst: &str, overwrite: bool) -> Result<()> {
        let (src, dst) = (src.to_owned(), dst.to_owned());
        blocking(self, move |s| s.rename(src, dst, overwrite)).await
    }
    async fn copy(&self, src: &str, dst: &str, overwrite: bool) -> Result<()> {
        let (src, dst) = (src.to_owned(), dst.to_owned());
        blocking(self, move |s| s.copy(src, dst, overwrite)).await
    }
    async fn glob(&self, pattern: &str) -> Result<Vec<FileInfo>> {
        let pattern = pattern.to_owned();
        blocking(self, move |s| s.glob(&pattern)?.collect()).await
    }
    fn to_key(&self, native: &str) -> Result<RemotePath> {
        Store::to_key(self, native)
    }
    fn native_path(&self, path: &str) -> Result<String> {
        Store::native_path(self, path)
    }
    async fn close(&self) -> Result<()> {
        blocking(self, |s| s.close()).await
    }
    async fn check_health(&self) -> Result<()> {
        blocking(self, |s| s.check_health()).await
    }
    async fn backend_probe(&self, file: &str, dir: &str) -> Vec<(&'static str, Result<()>)> {
        let b = self.backend().clone();
        let [f, d, g] = probe_paths(self.root(), file, dir);
        tokio::task::spawn_blocking(move || {
            let read_one = |mut r: remote_store_core::stream::ReadStream| {
                r.read(&mut [0u8; 1]).map(drop).map_err(Error::from)
            };
            vec![
                ("is_file", b.is_file(&f).map(drop)),
                ("is_folder", b.is_folder(&d).map(drop)),
                ("exists", b.exists(&f).map(drop)),
                ("read", b.read(&f, &whole()).and_then(read_one)),
                ("read_bytes", b.read_bytes(&f, &whole()).map(drop)),
                ("get_file_info", b.get_file_info(&f).map(drop)),
                ("write", b.write(&g, &mut &b"x"[..], &replace()).map(drop)),
                (
                    "list_files",
                    first_of_iter(b.list_files(&d, &ListOptions::new())),
                ),
                ("list_folders", first_of_iter(b.list_folders(&d))),
                ("delete", b.delete(&f, &missing_ok())),
                ("check_health", b.check_health()),
            ]
        })
        .await
        .unwrap_or_else(|_| {
            vec![(
                "backend_probe",
                Err(Error::other("a backend call panicked")),
            )]
        })
    }
    async fn backend_option_probe(&self, file: &str) -> Vec<(Capability, Result<()>)> {
        let b = self.backend().clone();
        let [f, _, g] = probe_paths(self.root(), file, file);
        tokio::task::spawn_blocking(move || {
            let read_one = |mut r: remote_store_core::stream::ReadStream| {
                r.read(&mut [0u8; 1]).map(drop).map_err(Error::from)
            };
            let range = ReadOptions::new().range(0, Some(2));
            let recursive = ListOptions::new().recursive(true);
            let etag = b.get_file_info(&f).ok().and_then(|i| i.etag);
            let etag = etag.unwrap_or_else(|| "\"none\"".into());
            let pinned = ReadOptions::new().if_match(&etag);
            vec![
                (Capability::RangeRead, b.read(&f, &range).and_then(read_one)),
                (Capability::RangeRead, b.read_bytes(&f, &range).map(drop)),
                (
                    Capability::AtomicWrite,
                    b.write(&g, &mut &b"x"[..], &replace().atomic(true))
                        .map(drop),
                ),
                (
                    Capability::ConditionalRead,
                    b.read(&f, &pinned).and_then(read_one),
                ),
                (
                    Capability::ConditionalWrite,
                    b.write(&f, &mut &b"x"[..], &WriteOptions::new().if_match(&etag))
                        .map(drop),
                ),
                (
                    Capability::RecursiveList,
                    first_of_iter(b.list_files(&f, &recursive)),
                ),
                (
                    Capability::ConditionalDelete,
                    b.delete(&g, &DeleteOptions::new().if_match("\"stale\""))
                        .or_else(stale_is_fine),
                ),
                (
                    Capability::ContentType,
                    b.write(&f, &mut &b"x"[..], &replace().content_type("text/plain"))
                        .map(drop),
                ),
                (
                    Capability::CacheControl,
                    b.write(&f, &mut &b"x"[..], &replace().cache_control("no-cache"))
                        .map(drop),
                ),
                (
                    Capability::UserMetadata,
                    b.write(&f, &mut &b"x"[..], &replace().metadata("probe", "1"))
                        .map(drop),
                ),
            ]
        })
        .await
        .unwrap_or_else(|_| {
            vec![(
                Capability::Read,
                Err(Error::other("a backend call panicked")),
            )]
        })
    }
    async fn backend_root(&self) -> Result<[bool; 3]> {
        let b = self.backend().clone();
        tokio::task::spawn_blocking(move || {
            let root = RemotePath::root();
            Ok([b.exists(&root)?, b.is_file(&root)?, b.is_folder(&root)?])
        })
        .await
        .map_err(|e| Error::other("a backend call panicked").with_source(e))?
    }
    fn backend_to_key(&self, native: &str) -> Result<RemotePath> {
        self.backend().to_key(native)
    }
    fn backend_native_root(&self) -> String {
        self.backend().native_path(&RemotePath::root())
    }
    fn at_backend_root(&self) -> Subject {
        Arc::new(Self::new(self.backend().clone()))
    }
}
