//! Seekable readers: a file read through `Read + Seek`
//! ([`SeekableReader`]) or `AsyncRead + AsyncSeek`
//! ([`AsyncSeekableReader`]), for crates that jump around a file (zip
//! archives, Parquet footers), built on range reads.
//!
//! A reader keeps one window of the file in memory: a miss fetches the
//! range that starts at the position, [`MIN_WINDOW`] bytes after a seek and
//! twice as much on each further sequential miss, up to [`MAX_WINDOW`]; so
//! memory stays bounded and a sequential read needs few requests.
//!
//! **Pinned to one version.** The reader records the file's size and etag
//! when it opens. Where the backend declares
//! [`ConditionalRead`](crate::Capability::ConditionalRead), every range it
//! fetches asks for that etag, so a file replaced (or removed) while it is
//! read fails the read with `PreconditionFailed` instead of mixing two
//! versions. Elsewhere (SFTP: no etag) [`is_pinned`](SeekableReader::is_pinned)
//! is false and a file replaced mid-read is not detected.
//!
//! **Errors** of `read` and `seek` are `io::Error`s (the traits say so);
//! one from the store carries its [`Error`], kind included:
//! [`Error::from_source_io`] gives it back, e.g. to tell a file replaced
//! mid-read (`PreconditionFailed`) from a broken connection.

use std::io::{self, Read, Seek, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::future::BoxFuture;

use crate::async_store::AsyncStore;
use crate::error::{Error, ErrorKind, Result};
use crate::options::ReadOptions;
use crate::store::Store;

/// The first window after opening or a seek, in bytes.
pub const MIN_WINDOW: u64 = 64 * 1024;
/// The largest window, in bytes: the most a reader holds in memory.
pub const MAX_WINDOW: u64 = 8 * 1024 * 1024;

/// What both readers share: the version, the position and the window.
#[derive(Debug)]
struct Cursor {
    path: String,
    size: u64,
    etag: Option<String>,
    pos: u64,
    window: Bytes,
    window_start: u64,
    next_len: u64,
}

impl Cursor {
    fn new(path: String, size: u64, etag: Option<String>) -> Self {
        Cursor {
            path,
            size,
            etag,
            pos: 0,
            window: Bytes::new(),
            window_start: 0,
            next_len: MIN_WINDOW,
        }
    }

    /// Copies what the window holds at the position; `None` on a miss.
    fn serve(&mut self, buf: &mut [u8]) -> Option<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Some(0);
        }
        let end = self.window_start + self.window.len() as u64;
        if self.pos < self.window_start || self.pos >= end {
            return None;
        }
        let at = (self.pos - self.window_start) as usize;
        let n = buf.len().min(self.window.len() - at);
        buf[..n].copy_from_slice(&self.window[at..at + n]);
        self.pos += n as u64;
        Some(n)
    }

    /// The range to fetch for a miss at the position, growing the window
    /// when the miss continues the previous one.
    fn next_range(&mut self) -> ReadOptions {
        let sequential = self.pos == self.window_start + self.window.len() as u64;
        self.next_len = if sequential && !self.window.is_empty() {
            (self.next_len * 2).min(MAX_WINDOW)
        } else {
            MIN_WINDOW
        };
        let mut options = ReadOptions::new().range(self.pos, Some(self.next_len));
        if let Some(etag) = &self.etag {
            options = options.if_match(etag);
        }
        options
    }

    fn fill(&mut self, start: u64, window: Bytes) -> io::Result<()> {
        if window.is_empty() {
            // The file is shorter than when it was opened.
            return Err(Error::new(ErrorKind::PreconditionFailed)
                .with_path(self.path.as_str())
                .with_message("the file shrank while it was read")
                .into_io());
        }
        self.window_start = start;
        self.window = window;
        Ok(())
    }

    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = match to {
            SeekFrom::Start(n) => {
                self.pos = n;
                return Ok(n);
            }
            SeekFrom::End(delta) => (self.size, delta),
            SeekFrom::Current(delta) => (self.pos, delta),
        };
        match base.0.checked_add_signed(base.1) {
            Some(pos) => {
                self.pos = pos;
                Ok(pos)
            }
            None => Err(Error::new(ErrorKind::InvalidArgument)
                .with_path(self.path.as_str())
                .with_message(if base.1 < 0 {
                    "a seek before the start of the file"
                } else {
                    "a seek past the largest offset (2^64 - 1)"
                })
                .into_io()),
        }
    }
}

/// Opens the cursor of a reader: size and etag of the file now; the etag
/// is kept only where range reads can ask for it.
fn cursor(path: &str, size: u64, etag: Option<String>, pinnable: bool) -> Cursor {
    Cursor::new(path.to_owned(), size, etag.filter(|_| pinnable))
}

/// `Read + Seek` over a stored file, from
/// [`Store::open_seekable`](crate::Store::open_seekable). See the
/// [module docs](self) for the window and the pinning.
#[derive(Debug)]
pub struct SeekableReader {
    store: Store,
    cursor: Cursor,
}

impl SeekableReader {
    pub(crate) fn open(store: Store, path: &str) -> Result<Self> {
        if !store.supports(crate::Capability::RangeRead) {
            return Err(Error::unsupported(crate::Capability::RangeRead));
        }
        let info = store.get_file_info(path)?;
        let pinnable = store.supports(crate::Capability::ConditionalRead);
        let cursor = cursor(path, info.size, info.etag, pinnable);
        Ok(SeekableReader { store, cursor })
    }

    /// The file's size in bytes when the reader opened.
    pub fn len(&self) -> u64 {
        self.cursor.size
    }

    /// Whether the file was empty when the reader opened.
    pub fn is_empty(&self) -> bool {
        self.cursor.size == 0
    }

    /// Whether every read checks that the file is still the version
    /// opened (the backend declares conditional reads and has an etag).
    pub fn is_pinned(&self) -> bool {
        self.cursor.etag.is_some()
    }
}

impl Read for SeekableReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(n) = self.cursor.serve(buf) {
            return Ok(n);
        }
        let start = self.cursor.pos;
        let options = self.cursor.next_range();
        let window = self
            .store
            .read_bytes_with(&self.cursor.path, &options)
            .map_err(Error::into_io)?;
        self.cursor.fill(start, window)?;
        Ok(self.cursor.serve(buf).unwrap_or(0))
    }
}

impl Seek for SeekableReader {
    /// Moves the position; no I/O. A position past the end reads nothing.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.cursor.seek(to)
    }
}

/// `AsyncRead + AsyncSeek` over a stored file, from
/// [`AsyncStore::open_seekable`](crate::AsyncStore::open_seekable). See
/// the [module docs](self) for the window and the pinning.
pub struct AsyncSeekableReader {
    store: AsyncStore,
    cursor: Cursor,
    fetching: Option<(u64, BoxFuture<'static, Result<Bytes>>)>,
}

impl AsyncSeekableReader {
    pub(crate) async fn open(store: AsyncStore, path: &str) -> Result<Self> {
        if !store.supports(crate::Capability::RangeRead) {
            return Err(Error::unsupported(crate::Capability::RangeRead));
        }
        let info = store.get_file_info(path).await?;
        let pinnable = store.supports(crate::Capability::ConditionalRead);
        let cursor = cursor(path, info.size, info.etag, pinnable);
        Ok(AsyncSeekableReader {
            store,
            cursor,
            fetching: None,
        })
    }

    /// The file's size in bytes when the reader opened.
    pub fn len(&self) -> u64 {
        self.cursor.size
    }

    /// Whether the file was empty when the reader opened.
    pub fn is_empty(&self) -> bool {
        self.cursor.size == 0
    }

    /// Whether every read checks that the file is still the version
    /// opened (the backend declares conditional reads and has an etag).
    pub fn is_pinned(&self) -> bool {
        self.cursor.etag.is_some()
    }
}

impl tokio::io::AsyncRead for AsyncSeekableReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.fetching.is_none() {
                let room = buf.initialize_unfilled();
                if let Some(n) = this.cursor.serve(room) {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                let start = this.cursor.pos;
                let options = this.cursor.next_range();
                let (store, path) = (this.store.clone(), this.cursor.path.clone());
                let fetch = async move { store.read_bytes_with(path, &options).await };
                this.fetching = Some((start, Box::pin(fetch)));
            }
            let (start, fetch) = this.fetching.as_mut().expect("set above");
            let fetched = ready!(fetch.as_mut().poll(cx));
            let start = *start;
            this.fetching = None;
            let window = fetched.map_err(Error::into_io)?;
            this.cursor.fill(start, window)?;
        }
    }
}

impl tokio::io::AsyncSeek for AsyncSeekableReader {
    /// Moves the position; no I/O. A position past the end reads nothing.
    fn start_seek(self: Pin<&mut Self>, to: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        // A fetch in flight was for the old position.
        this.fetching = None;
        this.cursor.seek(to).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.cursor.pos))
    }
}

impl std::fmt::Debug for AsyncSeekableReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSeekableReader")
            .field("cursor", &self.cursor)
            .field("fetching", &self.fetching.is_some())
            .finish()
    }
}
