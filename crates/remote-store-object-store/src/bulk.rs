//! `delete_batch` through the service's bulk delete (S3 `DeleteObjects`,
//! Azure Blob Batch), which object_store's `delete_stream` sends.
//!
//! object_store cuts the stream into requests of its own size (1,000 keys
//! on S3, 256 on Azure) and answers a request that failed as a whole with
//! one error, so the results of a longer stream cannot be told apart by
//! path. Batches of [`REQUEST_KEYS`] keys (one request on either service)
//! keep every answer attributable.

use futures::StreamExt;
use object_store::ObjectStore;
use remote_store_core::{Error, RemotePath, Result};
use std::sync::Arc;

use crate::backend::Keys;
use crate::error::map;

/// Keys per request: Azure's batch limit (256 sub-requests, from the Blob
/// Batch reference), under S3's 1,000.
const REQUEST_KEYS: usize = 256;

/// Requests in flight at once.
const REQUESTS_IN_FLIGHT: usize = 8;

/// Deletes `paths` in bulk, a missing file counting as deleted; one result
/// per path, in order.
pub(crate) async fn delete(
    store: Arc<dyn ObjectStore>,
    keys: &Keys,
    paths: &[RemotePath],
) -> Vec<Result<()>> {
    let requests: Vec<_> = paths
        .chunks(REQUEST_KEYS)
        .map(|chunk| request(store.clone(), keys, chunk))
        .collect();
    futures::stream::iter(requests)
        .buffered(REQUESTS_IN_FLIGHT)
        .flat_map(futures::stream::iter)
        .collect()
        .await
}

/// One bulk request for `chunk`.
async fn request(
    store: Arc<dyn ObjectStore>,
    keys: &Keys,
    chunk: &[RemotePath],
) -> Vec<Result<()>> {
    let locations = chunk.iter().map(|p| Ok(keys.key(p))).collect::<Vec<_>>();
    let answers: Vec<object_store::Result<_>> = store
        .delete_stream(futures::stream::iter(locations).boxed())
        .collect()
        .await;
    if answers.len() == chunk.len() {
        return chunk
            .iter()
            .zip(answers)
            .map(|(path, answer)| match answer {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(map(e, path, keys.name())),
            })
            .collect();
    }
    // The request failed as a whole: every path of it gets that error.
    let failure = answers
        .into_iter()
        .find_map(|a| a.err())
        .map(|e| map(e, &chunk[0], keys.name()))
        .unwrap_or_else(|| Error::other("the bulk delete gave fewer answers than keys"));
    chunk
        .iter()
        .map(|p| Err(failure.duplicate().with_path(p)))
        .collect()
}
