//! Writer sinks: a file written through `std::io::Write` ([`FileWriter`])
//! or `tokio::io::AsyncWrite` ([`AsyncFileWriter`]), for serializers and
//! file-format crates that want a sink rather than a source.
//!
//! Both feed the backend's own streaming `write` through a bounded channel
//! (at most [`CHANNEL_DEPTH`](crate::stream::CHANNEL_DEPTH) chunks of
//! [`SINK_CHUNK_SIZE`] bytes in flight), so
//! memory stays bounded whatever the size, large files go up as multipart
//! or staged uploads exactly as `write` sends them, and the guarantee of
//! `write` holds: the file appears, whole, only when the writer is
//! finished. A writer dropped (or aborted) unfinished ends the backend's
//! source with an error, so the backend discards what it staged: the path
//! keeps what it held before.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::thread::JoinHandle;

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;

use crate::adapter::{ChannelReader, Msg, block_on, channel};
use crate::error::{Error, Result};
use crate::metadata::WriteResult;
use crate::stream::CHUNK_SIZE;

/// The bytes a writer sink gathers before handing them to the backend:
/// 256 KiB, four stream chunks, so a backend that copies through a
/// 256 KiB buffer (local) makes one system call per hand-off, and the two
/// threads meet a quarter as often as with 64 KiB chunks.
pub const SINK_CHUNK_SIZE: usize = 4 * CHUNK_SIZE;

/// Sync writer sink from [`Store::writer`](crate::Store::writer).
///
/// Everything written goes to the backend in chunks of
/// [`SINK_CHUNK_SIZE`] bytes as it is written; [`finish`](Self::finish) commits
/// the file and returns what was stored. `flush` only hands buffered bytes
/// to the backend; it commits nothing. Dropped unfinished (an error or a
/// panic in the code writing), the writer discards the upload and the path
/// keeps what it held before; dropping waits for the backend to clean up.
///
/// ```
/// # use remote_store_core::{Store, Result};
/// # fn demo(store: &Store) -> Result<()> {
/// use std::io::Write;
/// let mut out = store.writer("report.csv", false)?;
/// writeln!(out, "region,total")?;
/// writeln!(out, "north,10")?;
/// let written = out.finish()?;
/// assert_eq!(written.size, 22);
/// # Ok(()) }
/// ```
pub struct FileWriter {
    sink: Sink,
    /// Once the write failed: its error again, for every later call (the
    /// first caller got the original).
    failed: Option<Error>,
    /// An error found before the first byte (by a backend's own sink),
    /// given to the first call, as the threaded sink would.
    deferred: Option<Error>,
}

/// Where a [`FileWriter`]'s bytes go.
enum Sink {
    /// A thread running the backend's `write`, fed through a channel.
    Thread {
        tx: Option<mpsc::Sender<Msg<Bytes>>>,
        task: Option<JoinHandle<Result<WriteResult>>>,
        pending: BytesMut,
    },
    /// The backend's own sink ([`Backend::writer`](crate::Backend::writer)),
    /// and how its errors become the store's.
    Native {
        sink: Option<Box<dyn WriteSink>>,
        map: ErrorMap,
    },
}

/// Turns a backend's error into the store's (its paths, its name).
pub(crate) type ErrorMap = Box<dyn Fn(Error) -> Error + Send>;

/// A backend's own writer sink, from
/// [`Backend::writer`](crate::Backend::writer): the bytes written become
/// the file at the path, whole, only on [`finish`](Self::finish). Dropped
/// unfinished, it discards them: the path keeps what it held before.
///
/// Its `io::Write` errors carry the backend's [`Error`]
/// ([`Error::into_io`]), so the store can report them as such.
pub trait WriteSink: io::Write + Send {
    /// Commits the file and returns what was stored.
    ///
    /// # Errors
    /// As for [`Backend::write`](crate::Backend::write).
    fn finish(self: Box<Self>) -> Result<WriteResult>;
}

impl FileWriter {
    /// Starts `write` (given the reader it consumes) on a thread of its own,
    /// fed by the writer.
    pub(crate) fn start(
        write: impl FnOnce(&mut dyn io::Read) -> Result<WriteResult> + Send + 'static,
    ) -> Self {
        let (tx, rx) = channel();
        let task = std::thread::spawn(move || {
            let mut reader = ChannelReader::new(rx);
            write(&mut reader)
        });
        FileWriter {
            sink: Sink::Thread {
                tx: Some(tx),
                task: Some(task),
                pending: BytesMut::new(),
            },
            failed: None,
            deferred: None,
        }
    }

    /// Writes through the backend's own sink (or, when opening it
    /// failed, answers that error to the first call).
    pub(crate) fn native(opened: Result<Box<dyn WriteSink>>, map: ErrorMap) -> Self {
        let (sink, deferred) = match opened {
            Ok(sink) => (Some(sink), None),
            Err(e) => (None, Some(map(e))),
        };
        FileWriter {
            sink: Sink::Native { sink, map },
            failed: None,
            deferred,
        }
    }

    /// The error that ended the write: the deferred one the first time,
    /// then the same again.
    fn refusal(&mut self) -> Option<Error> {
        if let Some(e) = self.deferred.take() {
            self.failed = Some(echo(&e));
            return Some(e);
        }
        self.failed.as_ref().map(echo)
    }

    /// Keeps a copy of `error` for later calls and returns it.
    fn fail(&mut self, error: Error) -> Error {
        self.failed = Some(echo(&error));
        error
    }

    /// Sends the buffered bytes; when the backend is gone (its write
    /// failed), returns the backend's error.
    fn send_pending(&mut self) -> io::Result<()> {
        let Sink::Thread { pending, .. } = &mut self.sink else {
            return Ok(());
        };
        if pending.is_empty() {
            return Ok(());
        }
        let chunk = pending.split().freeze();
        self.send(Msg::Item(chunk))
    }

    fn send(&mut self, msg: Msg<Bytes>) -> io::Result<()> {
        let Sink::Thread { tx: Some(tx), .. } = &self.sink else {
            return Err(self.earlier().into_io());
        };
        if block_on(tx.send(msg)).is_ok() {
            return Ok(());
        }
        Err(self.backend_failed().into_io())
    }

    /// The backend stopped reading: its write failed, and its error says
    /// why. Keeps a copy for later calls.
    fn backend_failed(&mut self) -> Error {
        if let Sink::Thread { tx, .. } = &mut self.sink {
            *tx = None;
        }
        let error = match self.join() {
            Err(e) => e,
            Ok(_) => Error::other("the backend ended the write early"),
        };
        self.fail(error)
    }

    /// Why the writer takes no more: the earlier failure, or finished.
    fn earlier(&self) -> Error {
        self.failed.as_ref().map_or_else(finished, echo)
    }

    fn join(&mut self) -> Result<WriteResult> {
        let Sink::Thread { task, .. } = &mut self.sink else {
            return Err(finished());
        };
        match task.take() {
            Some(task) => task
                .join()
                .unwrap_or_else(|_| Err(Error::other("the backend panicked during the write"))),
            None => Err(finished()),
        }
    }

    /// Commits the file: sends what is buffered, ends the source, and
    /// waits for the backend's write to complete.
    ///
    /// # Errors
    /// As for `write`: `AlreadyExists`, `InvalidPath`, `PreconditionFailed`
    /// (a condition), or the failure of the storage; the path then holds
    /// what it held before.
    pub fn finish(mut self) -> Result<WriteResult> {
        if let Some(refused) = self.refusal() {
            return Err(refused);
        }
        if let Sink::Native { sink, map } = &mut self.sink {
            let Some(sink) = sink.take() else {
                return Err(finished());
            };
            return sink.finish().map_err(map);
        }
        self.send_pending().map_err(Error::from_source_io)?;
        self.send(Msg::End).map_err(Error::from_source_io)?;
        if let Sink::Thread { tx, .. } = &mut self.sink {
            *tx = None;
        }
        self.join()
    }

    /// Discards everything written and waits until the backend has
    /// cleaned up (dropping the writer does the same).
    pub fn abort(self) {}
}

impl io::Write for FileWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(refused) = self.refusal() {
            return Err(refused.into_io());
        }
        let pending = match &mut self.sink {
            Sink::Native { sink, map } => {
                let Some(open) = sink else {
                    return Err(finished().into_io());
                };
                return match open.write(buf) {
                    Ok(n) => Ok(n),
                    Err(e) => {
                        // What was staged goes now, not when dropped.
                        *sink = None;
                        let error = map(Error::from_source_io(e));
                        Err(self.fail(error).into_io())
                    }
                };
            }
            Sink::Thread { tx: None, .. } => return Err(finished().into_io()),
            // The backend gave up (e.g. the file exists): say so now, not
            // after the caller has written everything.
            Sink::Thread { tx: Some(tx), .. } if tx.is_closed() => {
                return Err(self.backend_failed().into_io());
            }
            Sink::Thread { pending, .. } => pending,
        };
        if pending.len() >= SINK_CHUNK_SIZE {
            self.send_pending()?;
        }
        let Sink::Thread { pending, .. } = &mut self.sink else {
            unreachable!("a threaded sink stays one");
        };
        if pending.is_empty() {
            // One allocation per chunk, not a doubling series of them.
            pending.reserve(SINK_CHUNK_SIZE);
        }
        let n = buf.len().min(SINK_CHUNK_SIZE - pending.len());
        pending.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// Hands the buffered bytes to the backend; commits nothing.
    fn flush(&mut self) -> io::Result<()> {
        if let Some(refused) = self.refusal() {
            return Err(refused.into_io());
        }
        if let Sink::Native { sink, map } = &mut self.sink {
            let Some(open) = sink else {
                return Err(finished().into_io());
            };
            return match open.flush() {
                Ok(()) => Ok(()),
                Err(e) => {
                    *sink = None;
                    let error = map(Error::from_source_io(e));
                    Err(self.fail(error).into_io())
                }
            };
        }
        self.send_pending()
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        // Without the end marker the backend's source fails, so it
        // discards the upload; wait for that to be done. A backend's own
        // sink discards when dropped.
        if let Sink::Thread { tx, task, .. } = &mut self.sink {
            *tx = None;
            if task.is_some() {
                let _ = self.join();
            }
        }
    }
}

impl std::fmt::Debug for FileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("FileWriter");
        match &self.sink {
            Sink::Thread { tx, pending, .. } => d
                .field("buffered", &pending.len())
                .field("open", &tx.is_some()),
            Sink::Native { sink, .. } => d.field("native", &true).field("open", &sink.is_some()),
        };
        d.field("failed", &self.failed.is_some()).finish()
    }
}

fn finished() -> Error {
    Error::new(crate::ErrorKind::InvalidArgument).with_message("the writer is already finished")
}

/// `error` again, for a call after the one that reported it: same kind,
/// path and backend, its words once (an echo of an echo says no more).
fn echo(error: &Error) -> Error {
    const EARLIER: &str = "the write failed earlier: ";
    let reason = error.reason();
    let message = match reason.starts_with(EARLIER) {
        true => reason,
        false => format!("{EARLIER}{reason}"),
    };
    let mut echoed = Error::new(error.kind()).with_message(message);
    if let Some(path) = error.path() {
        echoed = echoed.with_path(path);
    }
    if let Some(backend) = error.backend() {
        echoed = echoed.with_backend(backend.to_owned());
    }
    echoed
}

/// Async writer sink from [`AsyncStore::writer`](crate::AsyncStore::writer):
/// a `tokio::io::AsyncWrite`.
///
/// Bytes go to the backend in chunks of [`SINK_CHUNK_SIZE`] as they are
/// written. `shutdown` (or [`finish`](Self::finish), which also returns
/// what was stored) commits the file; `flush` only hands buffered bytes
/// on. Dropped or [`abort`](Self::abort)ed before that, the upload is
/// discarded and the path keeps what it held before. `abort` returns once
/// the backend has cleaned up (staged data, multipart parts, folders the
/// write created); a drop cannot wait, so that clean-up finishes in the
/// background after the drop returns.
pub struct AsyncFileWriter {
    tx: Option<PollSender<Msg<Bytes>>>,
    task: Option<tokio::task::JoinHandle<Result<WriteResult>>>,
    pending: BytesMut,
    result: Option<Result<WriteResult>>,
}

impl AsyncFileWriter {
    /// Spawns `write` (given the stream it consumes) on the current tokio
    /// runtime (or the shared one outside any), fed by the writer.
    pub(crate) fn start<F>(write: impl FnOnce(crate::stream::ByteStream) -> F) -> Self
    where
        F: Future<Output = Result<WriteResult>> + Send + 'static,
    {
        let (tx, rx) = channel();
        let stream = crate::adapter::receive_stream(rx);
        let task = crate::adapter::blocking_handle().spawn(write(stream));
        AsyncFileWriter {
            tx: Some(PollSender::new(tx)),
            task: Some(task),
            pending: BytesMut::new(),
            result: None,
        }
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, msg: Msg<Bytes>) -> Poll<io::Result<()>> {
        let Some(tx) = &mut self.tx else {
            return Poll::Ready(Err(finished().into_io()));
        };
        if ready!(tx.poll_reserve(cx)).is_ok() && tx.send_item(msg).is_ok() {
            return Poll::Ready(Ok(()));
        }
        // The backend stopped reading: its write failed. Its error says why.
        self.tx = None;
        ready!(self.poll_task(cx));
        Poll::Ready(Err(self.take_error()))
    }

    /// The backend's error, taken out of the result (as an `io::Error`
    /// that `Error::from_source_io` turns back into it).
    fn take_error(&mut self) -> io::Error {
        match self.result.take() {
            Some(Err(e)) => {
                // Later calls get the same answer.
                self.result = Some(Err(echo(&e)));
                e.into_io()
            }
            Some(Ok(done)) => {
                self.result = Some(Ok(done));
                Error::other("the backend ended the write early").into_io()
            }
            None => finished().into_io(),
        }
    }

    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_empty() {
            return Poll::Ready(Ok(()));
        }
        ready!(self.poll_reserve_only(cx))?;
        let chunk = self.pending.split().freeze();
        self.poll_send(cx, Msg::Item(chunk))
    }

    /// Waits for room in the channel without sending, so that a chunk is
    /// only split off the buffer once it can go.
    fn poll_reserve_only(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.tx {
            Some(tx) => match ready!(tx.poll_reserve(cx)) {
                Ok(()) => Poll::Ready(Ok(())),
                // Closed: `poll_send` reports the backend's error.
                Err(_) => Poll::Ready(Ok(())),
            },
            None => Poll::Ready(Err(finished().into_io())),
        }
    }

    /// Waits for the backend's write and keeps its result.
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(task) = &mut self.task {
            let result = match ready!(Pin::new(task).poll(cx)) {
                Ok(result) => result,
                Err(e) => Err(Error::other("the backend write task failed").with_source(e)),
            };
            self.task = None;
            self.result = Some(result);
        }
        Poll::Ready(())
    }

    /// Commits the file (as `shutdown` does) and returns what was stored.
    ///
    /// # Errors
    /// As for `write`: `AlreadyExists`, `InvalidPath`, `PreconditionFailed`
    /// (a condition), or the failure of the storage; the path then holds
    /// what it held before.
    pub async fn finish(mut self) -> Result<WriteResult> {
        let shut = std::future::poll_fn(|cx| {
            tokio::io::AsyncWrite::poll_shutdown(Pin::new(&mut self), cx)
        })
        .await;
        match (shut, self.result.take()) {
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(finished()),
            (Err(e), _) => Err(Error::from_source_io(e)),
        }
    }

    /// Discards everything written and waits until the backend has
    /// cleaned up.
    pub async fn abort(mut self) {
        self.tx = None;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl tokio::io::AsyncWrite for AsyncFileWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match &this.tx {
            // Shut down, or failed: nothing more goes anywhere.
            None => {
                // A failure seen by an earlier poll may still be settling:
                // wait for the backend's answer before giving it.
                ready!(this.poll_task(cx));
                return Poll::Ready(Err(match &this.result {
                    Some(Err(_)) => this.take_error(),
                    _ => finished().into_io(),
                }));
            }
            // The backend gave up (e.g. the file exists): say so now.
            // (`PollSender::is_closed` only sees this side close; the
            // sender it holds sees the backend's side go.)
            Some(tx) if tx.is_closed() || tx.get_ref().is_some_and(|s| s.is_closed()) => {
                this.tx = None;
                ready!(this.poll_task(cx));
                return Poll::Ready(Err(this.take_error()));
            }
            Some(_) => {}
        }
        if this.pending.len() >= SINK_CHUNK_SIZE {
            ready!(this.poll_pending(cx))?;
        }
        if this.pending.is_empty() {
            // One allocation per chunk, not a doubling series of them.
            this.pending.reserve(SINK_CHUNK_SIZE);
        }
        let n = buf.len().min(SINK_CHUNK_SIZE - this.pending.len());
        this.pending.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    /// Hands the buffered bytes to the backend; commits nothing.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_pending(cx)
    }

    /// Commits the file: sends what is buffered, ends the source, and
    /// waits for the backend's write; its error, if any, is returned.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.tx.is_some() {
            ready!(this.poll_pending(cx))?;
            ready!(this.poll_send(cx, Msg::End))?;
            this.tx = None;
        }
        ready!(this.poll_task(cx));
        match &this.result {
            Some(Ok(_)) => Poll::Ready(Ok(())),
            _ => Poll::Ready(Err(this.take_error())),
        }
    }
}

impl std::fmt::Debug for AsyncFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncFileWriter")
            .field("buffered", &self.pending.len())
            .field("open", &self.tx.is_some())
            .finish()
    }
}
