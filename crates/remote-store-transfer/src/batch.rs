//! [`Batch`]: one operation over many paths of one store (delete, exists,
//! copy), each path answered on its own, never stopping at a failure.

use futures::stream::{BoxStream, Stream, StreamExt};
use remote_store_core::{AsyncStore, CopyOptions, DELETE_BATCH_MAX, Result, Store};

/// One path's answer in a batch.
#[derive(Debug)]
pub struct PathResult<T> {
    /// The path as given.
    pub path: String,
    /// What the operation answered for it.
    pub result: Result<T>,
}

/// One copy's answer in a batch.
#[derive(Debug)]
pub struct CopyResult {
    /// The source path, as given.
    pub src: String,
    /// The destination path, as given.
    pub dst: String,
    /// What the copy answered.
    pub result: Result<()>,
}

/// Operations over many paths of one store, `concurrency` at a time, with
/// one answer per path in the order the paths came (a failure is that
/// path's answer and never stops the others).
///
/// The paths are a stream (a listing can feed them as it goes): memory
/// holds at most a few batches of paths, whatever their number. Deletes go
/// through [`AsyncStore::delete_batch`], [`DELETE_BATCH_MAX`] paths per
/// call, so a service's bulk delete (S3 `DeleteObjects`, Azure Blob
/// Batch) deletes many files per request.
///
/// ```
/// # #[tokio::main] async fn main() -> remote_store_core::Result<()> {
/// use futures::StreamExt;
/// use remote_store_core::AsyncStore;
/// use remote_store_memory::AsyncMemoryBackend;
/// use remote_store_transfer::Batch;
///
/// let store = AsyncStore::new(AsyncMemoryBackend::new());
/// store.write_bytes("logs/a", "a", false).await?;
/// store.write_bytes("logs/b", "b", false).await?;
///
/// let paths = futures::stream::iter(["logs/a", "logs/b", "logs/c"].map(String::from));
/// let answers: Vec<_> = Batch::new().delete(&store, paths, false).collect().await;
/// assert!(answers[0].result.is_ok() && answers[1].result.is_ok());
/// assert_eq!(
///     answers[2].result.as_ref().unwrap_err().kind(),
///     remote_store_core::ErrorKind::NotFound
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Batch {
    concurrency: usize,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            concurrency: Batch::DEFAULT_CONCURRENCY,
        }
    }
}

/// `delete_batch` calls in flight at once: the next batch of paths is
/// gathered while one is deleted.
const DELETE_CALLS_IN_FLIGHT: usize = 2;

impl Batch {
    /// Calls in flight at once by default for `exists` and `copy`.
    pub const DEFAULT_CONCURRENCY: usize = 16;

    /// A batch with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many `exists` or `copy` calls run at once (at least 1). Deletes
    /// go [`DELETE_BATCH_MAX`] paths per store call, two calls at a time,
    /// and the backend decides how many requests each makes (S3 and Azure
    /// in bulk, others 16 files at a time).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// Deletes the files at `paths`: one answer per path, in order, as
    /// [`AsyncStore::delete_batch`] gives it (without `missing_ok`:
    /// `NotFound` for a missing file, `InvalidPath` for a folder; with it
    /// both answer `Ok` and a folder is left alone; `InvalidPath` for a
    /// path the rules refuse). A store call that fails as a whole answers
    /// each of its paths with that error.
    pub fn delete<'a>(
        &self,
        store: &AsyncStore,
        paths: impl Stream<Item = String> + Send + 'a,
        missing_ok: bool,
    ) -> BoxStream<'a, PathResult<()>> {
        let store = store.clone();
        paths
            .chunks(DELETE_BATCH_MAX)
            .map(move |chunk| {
                let store = store.clone();
                async move {
                    let answers = store.delete_batch(&chunk, missing_ok).await;
                    answered(chunk, answers)
                }
            })
            .buffered(DELETE_CALLS_IN_FLIGHT)
            .flat_map(futures::stream::iter)
            .boxed()
    }

    /// Whether each path is a file or a folder, as
    /// [`AsyncStore::exists`] answers it.
    pub fn exists<'a>(
        &self,
        store: &AsyncStore,
        paths: impl Stream<Item = String> + Send + 'a,
    ) -> BoxStream<'a, PathResult<bool>> {
        let store = store.clone();
        paths
            .map(move |path| {
                let store = store.clone();
                async move {
                    let result = store.exists(&path).await;
                    PathResult { path, result }
                }
            })
            .buffered(self.concurrency)
            .boxed()
    }

    /// Copies each `(src, dst)` pair inside the store, as
    /// [`AsyncStore::copy_with`] with `options` does (needs
    /// `Capability::Copy`; to copy between stores, use
    /// [`Transfer`](crate::Transfer)).
    pub fn copy<'a>(
        &self,
        store: &AsyncStore,
        pairs: impl Stream<Item = (String, String)> + Send + 'a,
        options: &CopyOptions,
    ) -> BoxStream<'a, CopyResult> {
        let (store, options) = (store.clone(), options.clone());
        pairs
            .map(move |(src, dst)| {
                let (store, options) = (store.clone(), options.clone());
                async move {
                    let result = store.copy_with(&src, &dst, &options).await;
                    CopyResult { src, dst, result }
                }
            })
            .buffered(self.concurrency)
            .boxed()
    }

    /// [`delete`](Self::delete) on the sync face: the answers as an
    /// iterator, produced on remote-store's background runtime as it is
    /// read (at most a few batches ahead).
    pub fn delete_blocking(
        &self,
        store: &Store,
        paths: impl IntoIterator<Item = String, IntoIter: Send + 'static>,
        missing_ok: bool,
    ) -> Answers<PathResult<()>> {
        let answers = self.delete(&store.to_async(), iter_stream(paths), missing_ok);
        blocking_iter(answers)
    }

    /// [`exists`](Self::exists) on the sync face.
    pub fn exists_blocking(
        &self,
        store: &Store,
        paths: impl IntoIterator<Item = String, IntoIter: Send + 'static>,
    ) -> Answers<PathResult<bool>> {
        blocking_iter(self.exists(&store.to_async(), iter_stream(paths)))
    }

    /// [`copy`](Self::copy) on the sync face.
    pub fn copy_blocking(
        &self,
        store: &Store,
        pairs: impl IntoIterator<Item = (String, String), IntoIter: Send + 'static>,
        options: &CopyOptions,
    ) -> Answers<CopyResult> {
        blocking_iter(self.copy(&store.to_async(), iter_stream(pairs), options))
    }
}

/// A batch's answers, or its failure given to each of its paths.
fn answered(chunk: Vec<String>, answers: Result<Vec<Result<()>>>) -> Vec<PathResult<()>> {
    match answers {
        Ok(answers) => chunk
            .into_iter()
            .zip(answers)
            .map(|(path, result)| PathResult { path, result })
            .collect(),
        Err(e) => chunk
            .into_iter()
            .map(|path| PathResult {
                result: Err(e.duplicate().with_path(&path)),
                path,
            })
            .collect(),
    }
}

/// An iterator as a stream. The iterator is pulled on a thread of its
/// own, a few items ahead: it may block or call a `Store` (a listing, a
/// check per path), which on one of the background runtime's workers
/// would wait for the very workers the batch's calls need. The thread ends
/// with the iterator, or once the stream is dropped.
fn iter_stream<T: Send + 'static>(
    items: impl IntoIterator<Item = T, IntoIter: Send + 'static>,
) -> BoxStream<'static, T> {
    let (tx, rx) = tokio::sync::mpsc::channel(FEED_AHEAD);
    let items = std::sync::Arc::new(std::sync::Mutex::new(Some(items.into_iter())));
    let feeding = items.clone();
    let spawned = std::thread::Builder::new()
        .name("remote-store-batch-feed".to_owned())
        .spawn(move || {
            let Some(items) = feeding.lock().unwrap_or_else(|e| e.into_inner()).take() else {
                return;
            };
            for item in items {
                if tx.blocking_send(item).is_err() {
                    return; // The batch is gone.
                }
            }
        });
    let feeder = match spawned {
        Ok(feeder) => feeder,
        Err(_) => {
            // No thread to be had (the process is out of them): pulled on
            // the runtime as it streams, every item still answered.
            let items = items.lock().unwrap_or_else(|e| e.into_inner()).take();
            return futures::stream::iter(items.into_iter().flatten()).boxed();
        }
    };
    futures::stream::unfold((rx, Some(feeder)), |(mut rx, mut feeder)| async move {
        match rx.recv().await {
            Some(item) => Some((item, (rx, feeder))),
            None => {
                // The feed ended: by the iterator's end, or by its panic,
                // which goes on to the caller rather than end the batch
                // short as if every path had been given.
                if let Some(Err(panic)) = feeder.take().map(std::thread::JoinHandle::join) {
                    std::panic::resume_unwind(panic);
                }
                None
            }
        }
    })
    .boxed()
}

/// Items a feed thread pulls ahead of the batch.
const FEED_AHEAD: usize = 64;

/// The answers of a batch on the sync face, as they come: an iterator
/// over a stream driven on remote-store's background runtime (where the
/// stores' connections live, ADR-0022), a few items ahead of the reader.
/// Dropping it stops the batch (calls already under way may complete).
pub struct Answers<T> {
    rx: tokio::sync::mpsc::Receiver<T>,
    /// The task driving the batch, joined at the end so that a panic in
    /// it (or in the iterator feeding it) reaches the reader.
    task: Option<tokio::task::JoinHandle<()>>,
}

impl<T> std::fmt::Debug for Answers<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").finish_non_exhaustive()
    }
}

impl<T> Iterator for Answers<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        // Unconstrained: called from inside a tokio task (a sync caller
        // under `#[tokio::main]`), `recv` would otherwise spend that
        // task's cooperative budget and, once it is gone, answer
        // `Pending` forever to a `block_on` that never yields.
        let received = futures::executor::block_on(tokio::task::unconstrained(self.rx.recv()));
        if received.is_none()
            && let Some(task) = self.task.take()
            && let Err(e) = futures::executor::block_on(tokio::task::unconstrained(task))
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
        received
    }
}

/// Drives `stream` on the background runtime into an [`Answers`].
fn blocking_iter<T: Send + 'static>(stream: BoxStream<'static, T>) -> Answers<T> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let task = remote_store_core::background_runtime().spawn(async move {
        let mut stream = stream;
        while let Some(item) = stream.next().await {
            if tx.send(item).await.is_err() {
                return; // The reader is gone.
            }
        }
    });
    Answers {
        rx,
        task: Some(task),
    }
}
