//! [`TaskSink`]: the bridge's writer sink, feeding an async backend's
//! `write` (a task on the bridge's runtime) straight from the caller's
//! thread.

use std::io;

use bytes::{Bytes, BytesMut};
use tokio::task::JoinHandle;

use super::channel::{Msg, Tx};
use super::wait::block_on;
use crate::error::{Error, Result};
use crate::metadata::WriteResult;
use crate::writer::{SINK_CHUNK_SIZE, WriteSink};

/// A [`WriteSink`] over an async backend's `write` running as a task: the
/// bytes go in chunks of [`SINK_CHUNK_SIZE`] through one bounded channel,
/// whose far end is the backend's source stream itself. When the backend
/// gives up (its write failed), it drops that stream, and the next
/// `write` reports the backend's error: no thread in between keeps the
/// channel open until the next chunk.
pub(super) struct TaskSink {
    tx: Option<Tx<Bytes>>,
    task: Option<JoinHandle<Result<WriteResult>>>,
    pending: BytesMut,
    /// What a panic or a cancelled task becomes.
    task_failed: Box<dyn Fn(tokio::task::JoinError) -> Error + Send>,
}

impl TaskSink {
    pub(super) fn new(
        tx: Tx<Bytes>,
        task: JoinHandle<Result<WriteResult>>,
        task_failed: Box<dyn Fn(tokio::task::JoinError) -> Error + Send>,
    ) -> Self {
        TaskSink {
            tx: Some(tx),
            task: Some(task),
            pending: BytesMut::new(),
            task_failed,
        }
    }

    /// Waits for the backend's write and returns its outcome (once).
    fn join(&mut self) -> Result<WriteResult> {
        match self.task.take() {
            Some(task) => block_on(task).unwrap_or_else(|e| Err((self.task_failed)(e))),
            None => Err(Error::other("the write has already ended")),
        }
    }

    /// The backend stopped reading: its write failed, and says why.
    fn backend_failed(&mut self) -> io::Error {
        self.tx = None;
        let error = match self.join() {
            Err(e) => e,
            Ok(_) => Error::other("the backend ended the write early"),
        };
        error.into_io()
    }

    fn send(&mut self, msg: Msg<Bytes>) -> io::Result<()> {
        let Some(tx) = &self.tx else {
            return Err(Error::other("the write has already ended").into_io());
        };
        if block_on(tx.send(msg)).is_ok() {
            return Ok(());
        }
        Err(self.backend_failed())
    }

    fn send_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = self.pending.split().freeze();
        self.send(Msg::Item(chunk))
    }
}

impl io::Write for TaskSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.tx {
            None => return Err(Error::other("the write has already ended").into_io()),
            // The backend gave up (e.g. the file exists): say so now.
            Some(tx) if tx.is_closed() => return Err(self.backend_failed()),
            Some(_) => {}
        }
        if self.pending.len() >= SINK_CHUNK_SIZE {
            self.send_pending()?;
        }
        if self.pending.is_empty() {
            // One allocation per chunk, not a doubling series of them.
            self.pending.reserve(SINK_CHUNK_SIZE);
        }
        let n = buf.len().min(SINK_CHUNK_SIZE - self.pending.len());
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_pending()
    }
}

impl WriteSink for TaskSink {
    fn finish(mut self: Box<Self>) -> Result<WriteResult> {
        self.send_pending().map_err(Error::from_source_io)?;
        self.send(Msg::End).map_err(Error::from_source_io)?;
        self.tx = None;
        self.join()
    }
}

impl Drop for TaskSink {
    /// Unfinished: the source ends without its end marker, so the backend
    /// discards what it staged; waits until it has.
    fn drop(&mut self) {
        self.tx = None;
        if self.task.is_some() {
            let _ = self.join();
        }
    }
}
