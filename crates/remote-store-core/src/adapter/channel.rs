//! Bounded channels that carry content and listings between a sync side
//! and an async side.
//!
//! Every stream ends with an explicit [`Msg::End`]. A channel that closes
//! without it means the producer was cancelled or panicked, and the
//! consumer reports an error instead of a silently truncated file or
//! listing: a cancelled write must never commit half a file.

use std::io::{self, Read};

use super::wait::block_on;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::stream::{ByteStream, CHANNEL_DEPTH, CHUNK_SIZE};

/// Listing entries travel in batches of up to this many, which keeps the
/// per-entry cost of crossing threads low.
const LIST_BATCH: usize = 256;

pub(crate) enum Msg<T> {
    Item(T),
    Fail(Error),
    End,
}

pub(crate) type Tx<T> = mpsc::Sender<Msg<T>>;
pub(crate) type Rx<T> = mpsc::Receiver<Msg<T>>;
type Batch<T> = Vec<Result<T>>;

pub(crate) fn channel<T>() -> (Tx<T>, Rx<T>) {
    mpsc::channel(CHANNEL_DEPTH)
}

fn truncated() -> Error {
    Error::other("the producing side stopped before the end of the stream")
}

/// Reads up to one chunk ([`CHUNK_SIZE`]) from `reader`, and whether the
/// source ended within it (then the chunk is all there is).
pub(crate) fn read_head(reader: &mut dyn Read) -> io::Result<(Bytes, bool)> {
    let mut buf = BytesMut::zeroed(CHUNK_SIZE);
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok((buf.freeze(), true));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((buf.freeze(), false))
}

/// The next chunk of `reader` (up to [`CHUNK_SIZE`], one `read`), `None`
/// at its end; an interrupted read is tried again.
pub(crate) fn read_chunk(reader: &mut dyn Read) -> Option<Result<Bytes>> {
    let mut buf = BytesMut::zeroed(CHUNK_SIZE);
    loop {
        return match reader.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some(Ok(buf.freeze()))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Some(Err(Error::from_source_io(e))),
        };
    }
}

/// Sync producer: sends what `reader` yields, chunk by chunk. Stops early,
/// without error, when the consumer goes away.
pub(crate) fn send_reader(reader: &mut dyn Read, tx: &Tx<Bytes>) {
    loop {
        let msg = match read_chunk(reader) {
            None => Msg::End,
            Some(Ok(chunk)) => Msg::Item(chunk),
            Some(Err(e)) => Msg::Fail(e),
        };
        let last = !matches!(msg, Msg::Item(_));
        if block_on(tx.send(msg)).is_err() || last {
            return;
        }
    }
}

/// What an async producer pulled from its source.
enum Pulled<T> {
    Item(T),
    Ended,
    /// The consumer went away while the producer waited on the source.
    Gone,
}

/// The next item of `stream`, unless the consumer behind `tx` goes away
/// first: a producer waiting on a slow or idle source (a network read, a
/// writer sink the caller has not fed yet) lets go of it at once, so the
/// source's owner sees the consumer fail now, not at its next send.
async fn pull<S: Stream + Unpin, T>(stream: &mut S, tx: &Tx<T>) -> Pulled<S::Item> {
    let gone = std::pin::pin!(tx.closed());
    match futures::future::select(stream.next(), gone).await {
        futures::future::Either::Left((Some(item), _)) => Pulled::Item(item),
        futures::future::Either::Left((None, _)) => Pulled::Ended,
        futures::future::Either::Right(_) => Pulled::Gone,
    }
}

/// Async producer: sends what `stream` yields. Stops early, dropping the
/// stream, when the consumer goes away.
pub(crate) async fn send_stream(mut stream: ByteStream, tx: &Tx<Bytes>) {
    loop {
        let msg = match pull(&mut stream, tx).await {
            Pulled::Gone => return,
            Pulled::Ended => break,
            Pulled::Item(Ok(chunk)) if chunk.is_empty() => continue,
            Pulled::Item(Ok(chunk)) => Msg::Item(chunk),
            Pulled::Item(Err(e)) => Msg::Fail(e),
        };
        let failed = matches!(msg, Msg::Fail(_));
        if tx.send(msg).await.is_err() || failed {
            return;
        }
    }
    let _ = tx.send(Msg::End).await;
}

/// Sync consumer of content: a [`Read`] that blocks on the channel.
pub(crate) struct ChannelReader {
    rx: Rx<Bytes>,
    current: Bytes,
    state: ReadState,
}

#[derive(PartialEq)]
enum ReadState {
    Open,
    Ended,
    Failed,
}

impl ChannelReader {
    pub(crate) fn new(rx: Rx<Bytes>) -> Self {
        ChannelReader {
            rx,
            current: Bytes::new(),
            state: ReadState::Open,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            match self.state {
                ReadState::Ended => return Ok(0),
                ReadState::Failed => {
                    return Err(Error::other("the stream failed earlier").into_io());
                }
                ReadState::Open => {}
            }
            match block_on(self.rx.recv()) {
                Some(Msg::Item(chunk)) => self.current = chunk,
                Some(Msg::End) => self.state = ReadState::Ended,
                Some(Msg::Fail(e)) => {
                    self.state = ReadState::Failed;
                    return Err(e.into_io());
                }
                None => {
                    self.state = ReadState::Failed;
                    return Err(truncated().into_io());
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Async consumer of content.
pub(crate) fn receive_stream(rx: Rx<Bytes>) -> ByteStream {
    Box::pin(futures::stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await {
            Some(Msg::Item(chunk)) => Some((Ok(chunk), Some(rx))),
            Some(Msg::Fail(e)) => Some((Err(e), None)),
            Some(Msg::End) => None,
            None => Some((Err(truncated()), None)),
        }
    }))
}

/// Sync producer of a listing, in batches.
pub(crate) fn send_iter<T>(iter: impl Iterator<Item = Result<T>>, tx: &Tx<Batch<T>>) {
    let mut batch = Vec::with_capacity(LIST_BATCH);
    for item in iter {
        batch.push(item);
        if batch.len() == LIST_BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(LIST_BATCH));
            if block_on(tx.send(Msg::Item(full))).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() && block_on(tx.send(Msg::Item(batch))).is_err() {
        return;
    }
    let _ = block_on(tx.send(Msg::End));
}

/// Async producer of a listing: sends whatever is ready, in batches.
pub(crate) async fn send_items<T>(
    stream: impl Stream<Item = Result<T>> + Unpin,
    tx: &Tx<Batch<T>>,
) {
    let mut batches = stream.ready_chunks(LIST_BATCH);
    loop {
        let batch = match pull(&mut batches, tx).await {
            Pulled::Gone => return,
            Pulled::Ended => break,
            Pulled::Item(batch) => batch,
        };
        if tx.send(Msg::Item(batch)).await.is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::End).await;
}

/// Sync consumer of a listing.
pub(crate) struct ChannelIter<T> {
    rx: Option<Rx<Batch<T>>>,
    batch: std::vec::IntoIter<Result<T>>,
}

impl<T> ChannelIter<T> {
    pub(crate) fn new(rx: Rx<Batch<T>>) -> Self {
        ChannelIter {
            rx: Some(rx),
            batch: Vec::new().into_iter(),
        }
    }
}

impl<T> Iterator for ChannelIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.batch.next() {
                return Some(item);
            }
            let rx = self.rx.as_mut()?;
            match block_on(rx.recv()) {
                Some(Msg::Item(batch)) => self.batch = batch.into_iter(),
                Some(Msg::Fail(e)) => {
                    self.rx = None;
                    return Some(Err(e));
                }
                Some(Msg::End) => {
                    self.rx = None;
                    return None;
                }
                None => {
                    self.rx = None;
                    return Some(Err(truncated()));
                }
            }
        }
    }
}

/// Async consumer of a listing.
pub(crate) fn receive_items<T: Send + 'static>(
    rx: Rx<Batch<T>>,
) -> futures::stream::BoxStream<'static, Result<T>> {
    let batches = futures::stream::unfold(Some(rx), |rx| async move {
        let mut rx = rx?;
        match rx.recv().await {
            Some(Msg::Item(batch)) => Some((batch, Some(rx))),
            Some(Msg::Fail(e)) => Some((vec![Err(e)], None)),
            Some(Msg::End) => None,
            None => Some((vec![Err(truncated())], None)),
        }
    });
    Box::pin(batches.flat_map(futures::stream::iter))
}
