//! Streaming writes: one `PUT` for small sources, an aborted-on-failure
//! multipart upload for large ones.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    Attributes, ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions, PutPayload,
    PutResult, UpdateVersion, WriteMultipart,
};
use remote_store_core::stream::ByteStream;
use remote_store_core::{Error, ErrorKind, RemotePath, Result, WriteResult};

use crate::create_only::commit_condition;
use crate::error::{map, map_create};
use crate::etag::{PartDigests, matches, single_etag};
use crate::{PART_CONCURRENCY, PART_SIZE, SINGLE_PUT_LIMIT};

pub(crate) struct Target<'a> {
    pub(crate) store: &'a Arc<dyn ObjectStore>,
    pub(crate) key: Path,
    pub(crate) path: &'a RemotePath,
    pub(crate) backend: &'a str,
    /// Whether the store enforces `If-None-Match: *`.
    pub(crate) conditional: bool,
    /// The client whose multipart commits are conditional, if any.
    pub(crate) create_only: Option<&'a Arc<dyn ObjectStore>>,
    /// The client for other multipart uploads, if not `store`.
    pub(crate) uploads: Option<&'a Arc<dyn ObjectStore>>,
    /// Replace only the object with this etag (compare-and-swap).
    pub(crate) if_match: Option<&'a str>,
    /// Content type, cache-control and user metadata to store.
    pub(crate) attributes: Attributes,
    /// Compare the service's etag with the MD5s of the bytes sent (the
    /// write asked to verify, and the service's etags are MD5s).
    pub(crate) verify: bool,
}

/// A failed compare-and-swap: the object was replaced, or is gone.
fn map_update(err: object_store::Error, path: &RemotePath, backend: &str) -> Error {
    match err {
        object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. } => {
            Error::new(ErrorKind::PreconditionFailed)
                .with_path(path)
                .with_backend(backend.to_owned())
                .with_message("the file was replaced or removed (its etag differs)")
                .with_source(err)
        }
        other => map(other, path, backend),
    }
}

/// Fails a compare-and-swap before uploading when the object already
/// differs (the commit's own condition is what makes it race-free).
async fn check_current(t: &Target<'_>, expected: &str) -> Result<()> {
    match t.store.head(&t.key).await {
        Ok(meta) if meta.e_tag.as_deref() == Some(expected) => Ok(()),
        Ok(_) => Err(map_update(
            object_store::Error::Precondition {
                path: t.key.to_string(),
                source: "the etag differs".into(),
            },
            t.path,
            t.backend,
        )),
        Err(e) => Err(map_update(e, t.path, t.backend)),
    }
}

/// Refuses an existing object: the fallback where the service cannot do a
/// conditional write (check, then act: not race-free).
async fn refuse_existing(t: &Target<'_>) -> Result<()> {
    match t.store.head(&t.key).await {
        Ok(_) => Err(Error::already_exists(t.path).with_backend(t.backend.to_owned())),
        Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(map(e, t.path, t.backend)),
    }
}

/// What the service answered to a completed write, with the size counted
/// here.
fn result(size: usize, put: PutResult) -> WriteResult {
    let mut result = WriteResult::new(size as u64);
    if let Some(etag) = put.e_tag {
        result = result.with_etag(etag);
    }
    if let Some(version) = put.version {
        result = result.with_version(version);
    }
    result
}

/// [`result`], `verified` when the service's etag is the `expected` one
/// (computed here over the bytes sent, when the write verifies).
fn checked(size: usize, put: PutResult, expected: Option<String>) -> WriteResult {
    let verified = expected.is_some_and(|expected| matches(put.e_tag.as_deref(), &expected));
    result(size, put).with_verified(verified)
}

pub(crate) async fn write(
    t: Target<'_>,
    mut src: ByteStream,
    overwrite: bool,
) -> Result<WriteResult> {
    // Gather up to the single-PUT limit.
    let mut head: Vec<Bytes> = Vec::new();
    let mut buffered = 0usize;
    let mut ended = true;
    while let Some(chunk) = src.next().await {
        let chunk = chunk?;
        buffered += chunk.len();
        head.push(chunk);
        if buffered > SINGLE_PUT_LIMIT {
            ended = false;
            break;
        }
    }
    if ended {
        if !overwrite && !t.conditional {
            refuse_existing(&t).await?;
        }
        let mode = match t.if_match {
            Some(etag) => PutMode::Update(UpdateVersion {
                e_tag: Some(etag.to_owned()),
                version: None,
            }),
            None if overwrite => PutMode::Overwrite,
            None => PutMode::Create,
        };
        let opts = PutOptions {
            mode,
            attributes: t.attributes.clone(),
            ..Default::default()
        };
        let expected = t.verify.then(|| single_etag(&head));
        let payload: PutPayload = head.into_iter().collect();
        return t
            .store
            .put_opts(&t.key, payload, opts)
            .await
            .map(|put| checked(buffered, put, expected))
            .map_err(|e| match t.if_match {
                Some(_) => map_update(e, t.path, t.backend),
                None => map_create(e, t.path, t.backend),
            });
    }
    // Check first so the common case fails before uploading anything. With
    // a create-only client the commit itself is conditional too, which is
    // what makes it race-free; without one this check is all there is.
    let conditional_commit = match t.create_only {
        Some(store) if !overwrite && t.conditional => Some(store),
        Some(store) if t.if_match.is_some() => Some(store),
        _ => None,
    };
    if let Some(expected) = t.if_match {
        if conditional_commit.is_none() {
            // Never a compare-and-swap that is not one: the backend
            // declares `ConditionalWrite` only with the commit client.
            return Err(
                Error::unsupported(remote_store_core::Capability::ConditionalWrite)
                    .with_path(t.path)
                    .with_backend(t.backend.to_owned()),
            );
        }
        check_current(&t, expected).await?;
    } else if !overwrite {
        refuse_existing(&t).await?;
    }
    let store = conditional_commit.or(t.uploads).unwrap_or(t.store);
    let opts = PutMultipartOptions {
        attributes: t.attributes.clone(),
        ..Default::default()
    };
    let upload = store
        .put_multipart_opts(&t.key, opts)
        .await
        .map_err(|e| map(e, t.path, t.backend))?;
    // Dropped before the commit (the caller's future cancelled), the
    // guard aborts the upload, so no parts stay stored and billed.
    let mut guard = AbortOnDrop(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
    // Cut where `WriteMultipart` cuts its parts: every `PART_SIZE` bytes.
    let mut digests = t.verify.then(|| PartDigests::new(PART_SIZE));
    let writer = guard.writer();
    for chunk in head {
        if let Some(digests) = &mut digests {
            digests.update(&chunk);
        }
        writer.put(chunk);
    }
    loop {
        let writer = guard.writer();
        if let Err(e) = writer.wait_for_capacity(PART_CONCURRENCY).await {
            let _ = guard.take().abort().await;
            return Err(map(e, t.path, t.backend));
        }
        match src.next().await {
            Some(Ok(chunk)) => {
                buffered += chunk.len();
                if let Some(digests) = &mut digests {
                    digests.update(&chunk);
                }
                guard.writer().put(chunk);
            }
            Some(Err(e)) => {
                // Nothing becomes visible: the upload is aborted.
                let _ = guard.take().abort().await;
                return Err(e);
            }
            None => break,
        }
    }
    // The source has ended: the last part and the commit run in a task of
    // their own, so a caller that stops waiting now cannot strand the
    // upload half-committed (the write completes without it).
    let writer = guard.take();
    let if_match = t.if_match.map(str::to_owned);
    let finishing = commit_condition(if_match, async move { writer.finish().await });
    let finished = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime.spawn(finishing).await.map_err(|e| {
            Error::other("the commit task failed")
                .with_path(t.path)
                .with_backend(t.backend.to_string())
                .with_source(e)
        })?,
        Err(_) => finishing.await,
    };
    let expected = digests.map(PartDigests::multipart_etag);
    finished
        .map(|put| checked(buffered, put, expected))
        .map_err(|e| match (t.if_match, conditional_commit) {
            // The object was replaced (or removed) since its etag was read.
            (Some(_), _) => map_update(e, t.path, t.backend),
            // Another writer committed first: 412 (or 409 while racing).
            (None, Some(_)) => map_create(e, t.path, t.backend),
            (None, None) => map(e, t.path, t.backend),
        })
}

/// Aborts a multipart upload that is dropped unfinished (a cancelled
/// write), in a task on the current runtime: the abort request must
/// outlive the future that was cancelled.
struct AbortOnDrop(Option<WriteMultipart>);

impl AbortOnDrop {
    fn writer(&mut self) -> &mut WriteMultipart {
        self.0.as_mut().expect("the upload is held until taken")
    }

    fn take(&mut self) -> WriteMultipart {
        self.0.take().expect("the upload is taken once")
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let (Some(writer), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(async move {
                let _ = writer.abort().await;
            });
        }
    }
}
