//! `put_multipart`: one streamed write of the store, fed part by part in
//! the order `put_part` is called. Nothing is visible before `complete`;
//! `abort`, or dropping the upload, fails the write's source, so the
//! store discards it (no partial file, ADR-0006's failing-source rule).

use super::{compat, object_store};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::{MultipartUpload, PutPayload, PutResult, UploadPart};
use remote_store_core::{AsyncStore, Error, RemotePath, WriteOptions, WriteResult};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::error::{STORE, map};

enum Message {
    /// A part, and who waits for it to be taken by the write.
    Part(PutPayload, oneshot::Sender<()>),
    Complete,
    Abort,
}

/// An upload in progress: the write runs as a task, its source is this
/// upload's channel.
#[derive(Debug)]
pub(crate) struct Upload {
    location: String,
    tx: Option<mpsc::UnboundedSender<Message>>,
    task: Option<JoinHandle<remote_store_core::Result<WriteResult>>>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Part(..) => "Part",
            Message::Complete => "Complete",
            Message::Abort => "Abort",
        })
    }
}

impl Upload {
    /// Starts the write of `path` (needs a tokio runtime, as object_store
    /// does).
    pub(crate) fn start(
        store: AsyncStore,
        path: RemotePath,
        options: WriteOptions,
        location: String,
    ) -> object_store::Result<Self> {
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|e| object_store::Error::Generic {
                store: STORE,
                source: format!("put_multipart needs a tokio runtime: {e}").into(),
            })?;
        let (tx, rx) = mpsc::unbounded_channel();
        let task = runtime
            .spawn(async move { store.write_with(path.as_str(), source(rx), &options).await });
        Ok(Self {
            location,
            tx: Some(tx),
            task: Some(task),
        })
    }

    fn failed(&self, why: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: STORE,
            source: format!("multipart upload of '{}': {why}", self.location).into(),
        }
    }

    /// Ends the source with `last` and waits for the write's outcome.
    async fn finish(
        &mut self,
        last: Message,
    ) -> object_store::Result<remote_store_core::Result<WriteResult>> {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(last);
        }
        let Some(task) = self.task.take() else {
            return Err(self.failed("already completed or aborted"));
        };
        task.await
            .map_err(|e| self.failed(&format!("the write task failed: {e}")))
    }
}

/// The write's source: each part's chunks in call order; a part's waiter
/// is told once the write asked for what follows it. Ends cleanly only on
/// `Complete`: `Abort`, or an upload dropped without either, is an error,
/// so the store discards the file.
fn source(
    rx: mpsc::UnboundedReceiver<Message>,
) -> BoxStream<'static, remote_store_core::Result<Bytes>> {
    struct State {
        rx: mpsc::UnboundedReceiver<Message>,
        chunks: std::vec::IntoIter<Bytes>,
        taken: Option<oneshot::Sender<()>>,
        ended: bool,
    }
    let state = State {
        rx,
        chunks: Vec::new().into_iter(),
        taken: None,
        ended: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if state.ended {
                return None;
            }
            if let Some(chunk) = state.chunks.next() {
                return Some((Ok(chunk), state));
            }
            if let Some(taken) = state.taken.take() {
                let _ = taken.send(());
            }
            match state.rx.recv().await {
                Some(Message::Part(payload, taken)) => {
                    state.chunks = payload.into_iter().collect::<Vec<_>>().into_iter();
                    state.taken = Some(taken);
                }
                Some(Message::Complete) => return None,
                Some(Message::Abort) | None => {
                    state.ended = true;
                    return Some((Err(Error::other("the multipart upload was aborted")), state));
                }
            }
        }
    })
    .fuse()
    .boxed()
}

#[async_trait]
impl MultipartUpload for Upload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let (taken_tx, taken_rx) = oneshot::channel();
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Message::Part(data, taken_tx)).is_ok());
        let failed = self.failed(if self.task.is_none() {
            "the upload was already completed or aborted"
        } else {
            "the write stopped; complete() returns its error"
        });
        if !sent {
            return Box::pin(futures::future::ready(Err(failed)));
        }
        Box::pin(async move { taken_rx.await.map_err(|_| failed) })
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let written = self.finish(Message::Complete).await?;
        let written = written.map_err(|e| map(e, &self.location))?;
        Ok(compat::put_result(written.etag))
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        match self.finish(Message::Abort).await? {
            // The aborted source failed the write: nothing was kept.
            Err(_) => Ok(()),
            Ok(_) => Err(self.failed("the write completed before the abort")),
        }
    }
}

impl Drop for Upload {
    /// Dropped without `complete` or `abort`: the write is failed, so the
    /// store discards it.
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Message::Abort);
        }
    }
}
