//! Shared glue between remote-store and the [`object_store`] crate.
//!
//! [`ObjectStoreBackend`] turns any [`ObjectStore`](object_store::ObjectStore)
//! into a native [`AsyncBackend`](remote_store_core::AsyncBackend). The S3
//! and Azure backends are thin configurations of it; any other
//! `object_store` implementation (GCS, HTTP, a decorator) can be exposed the
//! same way.
//!
//! # Model
//!
//! - **Folders are prefixes.** A folder exists while an object exists below
//!   it; empty folders do not exist (no `persistent_folders`).
//!   `list_folders` and non-recursive `list_files` use delimiter listings,
//!   a page at a time where the store supports paginated listing;
//!   recursive listings are one flat listing streamed page by page.
//! - **Writes** buffer up to [`SINGLE_PUT_LIMIT`] bytes and send them in one
//!   `PUT`; larger sources become a multipart upload of
//!   [`PART_SIZE`]-byte parts, at most [`PART_CONCURRENCY`] in flight, and
//!   are aborted on any failure, so no partial object is ever visible.
//!   Every write is atomic by the service's model (`atomic_write`).
//! - **No-overwrite** uses the service's conditional put (`If-None-Match:
//!   *`) for single-`PUT` writes: race-free. A multipart no-overwrite write
//!   checks first and is therefore not race-free against a concurrent
//!   writer of the same key unless the backend has a create-only client
//!   ([`ObjectStoreBackend::with_create_only_store`], which S3 and Azure set
//!   up): then the commit carries `If-None-Match: *` too; see ADR-0007. On a
//!   store that does not enforce
//!   conditional puts ([`ObjectStoreBackend::with_exclusive_write`]`(false)`)
//!   every no-overwrite write checks first.
//! - `copy` is server-side; `rename` is copy + delete (not atomic).
//! - Errors: 404 → `NotFound`, 403/401 → `PermissionDenied`, 409/412 on a
//!   conditional put → `AlreadyExists`, connection failures, timeouts and
//!   5xx → `BackendUnavailable` (retryable); the `object_store` error is
//!   the source.

mod attributes;
mod backend;
mod bulk;
mod create_only;
mod error;
mod etag;
mod io;
mod list;
pub mod raw;
mod read;
mod write;

pub use backend::ObjectStoreBackend;
pub use create_only::{CreateOnlyCommits, Resign};
pub use io::IoConnector;
pub use object_store;

/// Checks a service endpoint: `https://`, or `http://` when `allow_http`.
///
/// # Errors
/// `InvalidConfig` for `backend`, naming the `endpoint` field.
pub fn check_endpoint(
    backend: &'static str,
    endpoint: &str,
    allow_http: bool,
) -> remote_store_core::Result<()> {
    let ok = endpoint.starts_with("https://") || (endpoint.starts_with("http://") && allow_http);
    if ok {
        return Ok(());
    }
    Err(remote_store_core::Error::new(remote_store_core::ErrorKind::InvalidConfig)
        .with_backend(backend)
        .with_message(format!(
            "endpoint: expected an https:// URL (or http:// with allow_http = true), got '{endpoint}'"
        )))
}

/// object_store's retry settings with at most `max` retries and none
/// after `timeout`, where given (its defaults otherwise: 10 retries,
/// 3 minutes).
pub fn retry_config(
    max: Option<usize>,
    timeout: Option<std::time::Duration>,
) -> object_store::RetryConfig {
    let mut retry = object_store::RetryConfig::default();
    if let Some(max) = max {
        retry.max_retries = max;
    }
    if let Some(timeout) = timeout {
        retry.retry_timeout = timeout;
    }
    retry
}

/// `options` (the builder's own, read back with
/// [`raw::client_options`], so settings from the environment stay) with
/// the two HTTP settings S3 and Azure take, where given:
///
/// - `request_timeout`: how long one request may take, its body included;
///   zero disables it (the connect timeout stays), for a caller whose
///   stall limit catches a dead connection instead.
/// - `pool_idle_timeout`: how long an idle connection is kept for reuse.
///   A server closes idle keep-alive connections after its own limit, and
///   a request sent on one it is closing fails with a reset that cannot be
///   retried safely when the request is not idempotent (a no-overwrite
///   write); below the server's limit, that race cannot happen. Zero: no
///   connection is reused.
pub fn client_options(
    options: object_store::ClientOptions,
    request_timeout: Option<std::time::Duration>,
    pool_idle_timeout: Option<std::time::Duration>,
) -> object_store::ClientOptions {
    let options = match request_timeout {
        Some(timeout) if timeout.is_zero() => options.with_timeout_disabled(),
        Some(timeout) => options.with_timeout(timeout),
        None => options,
    };
    match pool_idle_timeout {
        Some(idle) => options.with_pool_idle_timeout(idle),
        None => options,
    }
}

/// Writes up to this size go in a single `PUT` (8 MiB).
pub const SINGLE_PUT_LIMIT: usize = 8 * 1024 * 1024;

/// Part size of multipart uploads (8 MiB; S3's minimum is 5 MiB).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts uploaded at once by one write.
pub const PART_CONCURRENCY: usize = 4;
