//! Keys as the service stores them, below `object_store`'s [`Path`].
//!
//! `Path::parse` refuses keys other tools write (`x//y`, `./x`, a `..`
//! segment) and fails a whole listing page on one of them, and it drops the
//! trailing `/` of a folder marker (`m/` becomes the object `m`, which then
//! cannot be deleted). A service crate that can list and delete by raw key
//! implements [`RawKeys`]; the backend then lists through it (reporting
//! each key it cannot return as an error item, hiding folder markers) and
//! deletes those keys through it (ADR-0010).
//!
//! [`RawHttp`] is the shared HTTP half: one client, the configured retry
//! budget, and status mapping.
//!
//! [`Path`]: object_store::path::Path

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use object_store::RetryConfig;
use object_store::client::{
    ClientConfigKey, ClientOptions, HttpClient, HttpConnector, HttpRequest, HttpRequestBody,
};
use remote_store_core::{Capability, Error, ErrorKind, Result, async_trait};

/// One object of a raw listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawObject {
    /// The key exactly as stored.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, when the service reports it.
    pub modified: Option<SystemTime>,
    /// The entity tag, when the service reports one.
    pub etag: Option<String>,
    /// Whether the service itself says this is a folder (e.g. a directory
    /// entry of an Azure account with a hierarchical namespace).
    pub is_folder: bool,
}

/// One page of a raw listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPage {
    /// The objects of the page, in the service's order.
    pub objects: Vec<RawObject>,
    /// With a delimiter: the common prefixes, each ending in `/`.
    pub prefixes: Vec<String>,
    /// The token of the next page; `None` on the last page.
    pub next: Option<String>,
}

/// Listing and deleting by raw key. See the [module docs](self).
#[async_trait]
pub trait RawKeys: Send + Sync + fmt::Debug + 'static {
    /// One page of the keys starting with `prefix` (`""`: every key), at
    /// most `max_keys` entries. With `delimiter`, keys holding a `/` after
    /// the prefix are rolled up into common prefixes. `token` is the
    /// [`RawPage::next`] of the previous page.
    ///
    /// # Errors
    /// As [`RawHttp::send`].
    async fn list_page(
        &self,
        prefix: &str,
        delimiter: bool,
        max_keys: usize,
        token: Option<String>,
    ) -> Result<RawPage>;

    /// Deletes each of `keys` exactly as written (a missing key is not an
    /// error). At most 1000 keys per call.
    ///
    /// # Errors
    /// As [`RawHttp::send`]; `InvalidPath` for a key the service's API
    /// cannot address (the other keys may be deleted).
    async fn delete_keys(&self, keys: &[String]) -> Result<()>;

    /// Deletes `key` only while its etag is `etag` (`If-Match` on the
    /// service's `DELETE`; S3 and Azure honour it). The default refuses.
    ///
    /// # Errors
    /// `PreconditionFailed` when the etag differs or the key is gone;
    /// `CapabilityNotSupported` where the service crate does not do it;
    /// else as [`RawHttp::send`].
    async fn delete_if_match(&self, key: &str, etag: &str) -> Result<()> {
        let _ = (key, etag);
        Err(Error::unsupported(Capability::ConditionalDelete))
    }
}

/// A conditional request's answer for a key that is gone (404) is the
/// condition failing: the version asked for is gone with it.
pub fn gone_is_precondition(result: Result<Bytes>) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Error::new(ErrorKind::PreconditionFailed)
            .with_message("there is no file")
            .with_source(e)),
        Err(e) => Err(e),
    }
}

/// An HTTP client for raw requests, with `object_store`'s retry budget.
#[derive(Debug)]
pub struct RawHttp {
    client: HttpClient,
    retry: RetryConfig,
    backend: &'static str,
}

impl RawHttp {
    /// A client `connector` builds with `options` (the same options the
    /// service's `object_store` client uses), retrying as `retry` says.
    ///
    /// # Errors
    /// `InvalidConfig` when the HTTP client cannot be built.
    pub fn new(
        connector: &dyn HttpConnector,
        options: &ClientOptions,
        retry: RetryConfig,
        backend: &'static str,
    ) -> Result<Self> {
        let client = connector.connect(options).map_err(|e| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(backend)
                .with_message(format!("cannot build the HTTP client: {e}"))
                .with_source(e)
        })?;
        Ok(RawHttp {
            client,
            retry,
            backend,
        })
    }

    /// The backend name errors carry.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Sends the request `make` builds (again for each attempt, so it is
    /// signed afresh) and returns the body of a 2xx answer.
    ///
    /// Connection failures, 429 and 5xx answers are retried with
    /// exponential backoff and full jitter, within the retry config's
    /// `max_retries` and `retry_timeout`.
    ///
    /// # Errors
    /// `NotFound` (404), `PermissionDenied` (401, 403), `BackendUnavailable`
    /// (transport failure, 429, 5xx, once the retries are spent), `Other`
    /// for any other status; the message carries the service's error body.
    pub async fn send<F, Fut>(&self, make: F) -> Result<Bytes>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<HttpRequest>>,
    {
        let start = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            let request = make().await?;
            let failure = match self.client.execute(request).await {
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_after(response.headers());
                    let body = response.into_body().bytes().await;
                    match body {
                        Ok(body) if status.is_success() => return Ok(body),
                        Ok(body) => Failure::Status(status.as_u16(), body, wait),
                        Err(e) => Failure::Transport(Box::new(e)),
                    }
                }
                Err(e) => Failure::Transport(Box::new(e)),
            };
            let (retryable, asked) = match &failure {
                Failure::Transport(_) => (true, None),
                Failure::Status(status, _, wait) => (*status == 429 || *status >= 500, *wait),
            };
            // The service's own wait, when it gave one, else backoff.
            let delay =
                asked.map_or_else(|| self.backoff(attempt), |w| w.max(self.backoff(attempt)));
            if !retryable
                || attempt as usize >= self.retry.max_retries
                || start.elapsed() + delay > self.retry.retry_timeout
            {
                return Err(failure.into_error(self.backend));
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Like [`send`](Self::send), for a delete: a missing target
    /// (404) is not an error.
    ///
    /// # Errors
    /// As [`send`](Self::send), but never `NotFound`.
    pub async fn delete<F, Fut>(&self, make: F) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<HttpRequest>>,
    {
        match self.send(make).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The wait before retry `attempt` (0-based): full jitter over an
    /// exponentially growing bound.
    fn backoff(&self, attempt: u32) -> Duration {
        let b = &self.retry.backoff;
        let bound = b.init_backoff.as_secs_f64() * b.base.powi(attempt.min(32) as i32);
        let bound = bound.min(b.max_backoff.as_secs_f64());
        Duration::from_secs_f64(bound * fastrand::f64())
    }
}

enum Failure {
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// The status, the body, and the `Retry-After` wait when given.
    Status(u16, Bytes, Option<Duration>),
}

/// A `Retry-After` header in its delay-seconds form (RFC 9110 §10.2.3);
/// the HTTP-date form is not used by S3 or Azure and is ignored.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl Failure {
    fn into_error(self, backend: &'static str) -> Error {
        match self {
            Failure::Transport(e) => Error::new(ErrorKind::BackendUnavailable)
                .with_backend(backend)
                .with_message(format!("the service could not be reached: {e}"))
                .with_source(e),
            Failure::Status(status, body, wait) => {
                let kind = match status {
                    404 => ErrorKind::NotFound,
                    412 => ErrorKind::PreconditionFailed,
                    401 | 403 => ErrorKind::PermissionDenied,
                    429 | 500.. => ErrorKind::BackendUnavailable,
                    _ => ErrorKind::Other,
                };
                let body = String::from_utf8_lossy(&body);
                let body: String = body.chars().take(512).collect();
                let error = Error::new(kind)
                    .with_backend(backend)
                    .with_message(format!("HTTP {status}: {}", body.trim()));
                match wait {
                    Some(wait) => error.with_retry_after(wait),
                    None => error,
                }
            }
        }
    }
}

/// One error for the keys a delete could not remove (`failed`: each key
/// with its error), naming the first few; `Ok` when there are none. Lets
/// [`RawKeys::delete_keys`] remove every key it can before it reports.
///
/// # Errors
/// The kind of the first failure, its message naming the keys.
pub fn undeletable(failed: Vec<(String, Error)>, backend: &'static str) -> Result<()> {
    let Some((_, first)) = failed.first() else {
        return Ok(());
    };
    let kind = first.kind();
    let named: Vec<String> = failed
        .iter()
        .take(3)
        .map(|(key, e)| format!("{key:?} ({})", e.reason()))
        .collect();
    let more = match failed.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    Err(Error::new(kind).with_backend(backend).with_message(format!(
        "{} key(s) could not be deleted: {}{more}",
        failed.len(),
        named.join(", ")
    )))
}

/// The client options an `object_store` builder holds, read back through
/// its `get_config_value` (`get`), so raw requests go out as its own do
/// (proxy, timeouts, `allow_http`, TLS settings, user agent).
pub fn client_options(get: impl Fn(ClientConfigKey) -> Option<String>) -> ClientOptions {
    use ClientConfigKey as K;
    let keys = [
        K::AllowHttp,
        K::AllowInvalidCertificates,
        K::NoSystemCertificates,
        K::ConnectTimeout,
        K::DefaultContentType,
        K::Http1Only,
        K::Http2Only,
        K::Http2KeepAliveInterval,
        K::Http2KeepAliveTimeout,
        K::Http2KeepAliveWhileIdle,
        K::Http2MaxFrameSize,
        K::PoolIdleTimeout,
        K::PoolMaxIdlePerHost,
        K::ProxyUrl,
        K::ProxyCaCertificate,
        K::ProxyExcludes,
        K::RandomizeAddresses,
        K::ReadTimeout,
        K::Timeout,
        K::UserAgent,
    ];
    keys.into_iter()
        .fold(ClientOptions::new(), |options, key| match get(key) {
            Some(value) => options.with_config(key, value),
            None => options,
        })
}

/// Percent-encodes `key` for a URL path: every byte but the unreserved
/// ones and `/`.
///
/// # Errors
/// `InvalidPath` when a segment of `key` is `.` or `..`: URL parsers
/// resolve those (even percent-encoded, per the WHATWG URL standard), so
/// the request would reach another key.
pub fn url_path_of(key: &str, backend: &'static str) -> Result<String> {
    if key.split('/').any(|s| s == "." || s == "..") {
        return Err(Error::invalid_path(
            key,
            "a '.' or '..' segment cannot be addressed in a request URL",
        )
        .with_backend(backend));
    }
    Ok(percent_encoding::utf8_percent_encode(key, URL_PATH).to_string())
}

/// What a key percent-encodes in a URL path: every byte but the
/// unreserved ones and `/`.
pub const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// An unsigned request of `method` to `url` carrying `body`.
///
/// # Errors
/// `InvalidConfig` when `url` is not a valid URI.
pub fn request(
    method: http::Method,
    url: &str,
    body: Bytes,
    backend: &'static str,
) -> Result<HttpRequest> {
    let mut req = HttpRequest::new(HttpRequestBody::from(body));
    *req.method_mut() = method;
    *req.uri_mut() = url.parse().map_err(|e| {
        Error::new(ErrorKind::InvalidConfig)
            .with_backend(backend)
            .with_message(format!("cannot make a request URL of '{url}': {e}"))
    })?;
    Ok(req)
}

/// `base` with the query `params` (those with a value), form-encoded.
///
/// # Errors
/// `InvalidConfig` when `base` is not a URL.
pub fn url_with_query<'a>(
    base: &str,
    params: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    backend: &'static str,
) -> Result<String> {
    let mut url = url::Url::parse(base).map_err(|e| {
        Error::new(ErrorKind::InvalidConfig)
            .with_backend(backend)
            .with_message(format!("bad service URL '{base}': {e}"))
    })?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    Ok(url.into())
}

/// A service answer that cannot be parsed, as a store error.
pub fn malformed(what: impl fmt::Display, backend: &'static str) -> Error {
    Error::new(ErrorKind::Other)
        .with_backend(backend)
        .with_message(format!("malformed answer from the service: {what}"))
}

/// A failure to get credentials for signing, as a store error.
pub fn credential_error(e: object_store::Error, backend: &'static str) -> Error {
    Error::new(ErrorKind::PermissionDenied)
        .with_backend(backend)
        .with_message(format!("cannot get credentials: {e}"))
        .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_keep_every_byte_and_refuse_dot_segments() {
        assert_eq!(url_path_of("a b/c\\d\te", "s3").unwrap(), "a%20b/c%5Cd%09e");
        assert_eq!(url_path_of("x//y/", "s3").unwrap(), "x//y/");
        assert_eq!(url_path_of("a.b/.c/d..", "s3").unwrap(), "a.b/.c/d..");
        for key in ["./x", "a/../x", "a/.", ".."] {
            let e = url_path_of(key, "s3").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidPath, "{key}");
        }
    }

    #[test]
    fn undeletable_keys_are_named_with_the_first_kind() {
        assert!(undeletable(Vec::new(), "azure").is_ok());
        let failed: Vec<_> = ["./a", "b/./c", "../d", "e/.."]
            .iter()
            .map(|k| (k.to_string(), url_path_of(k, "azure").unwrap_err()))
            .collect();
        let e = undeletable(failed, "azure").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidPath);
        let text = e.to_string();
        assert!(text.contains("4 key(s) could not be deleted"), "{text}");
        assert!(
            text.contains("\"./a\"") && text.contains("and 1 more"),
            "{text}"
        );
    }

    #[test]
    fn statuses_map_to_kinds() {
        let body = Bytes::from_static(b"<Code>X</Code>");
        let kind = |s| Failure::Status(s, body.clone(), None).into_error("s3");
        assert_eq!(kind(404).kind(), ErrorKind::NotFound);
        assert_eq!(kind(412).kind(), ErrorKind::PreconditionFailed);
        assert_eq!(kind(403).kind(), ErrorKind::PermissionDenied);
        assert_eq!(kind(503).kind(), ErrorKind::BackendUnavailable);
        assert_eq!(kind(429).kind(), ErrorKind::BackendUnavailable);
        assert_eq!(kind(400).kind(), ErrorKind::Other);
        assert!(kind(400).to_string().contains("<Code>X</Code>"));
    }

    #[test]
    fn retry_after_is_read_and_kept() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None, "the date form is ignored");
        let wait = Some(Duration::from_secs(3));
        let error = Failure::Status(503, Bytes::new(), wait).into_error("s3");
        assert_eq!(error.retry_after(), wait);
        assert!(error.is_retryable());
    }
}
