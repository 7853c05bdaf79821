//! Race-free no-overwrite for multipart uploads.
//!
//! S3 (`CompleteMultipartUpload`) and Azure (`Put Block List`) accept
//! `If-None-Match: *` on the request that makes a multipart upload visible,
//! but `object_store` has no option for it
//! (apache/arrow-rs-object-store#289). [`CreateOnlyCommits`] is an HTTP
//! connector that adds the header to exactly those requests; a second
//! client built with it
//! ([`ObjectStoreBackend::with_create_only_store`](crate::ObjectStoreBackend::with_create_only_store))
//! carries the no-overwrite multipart writes.
//!
//! The header is added after `object_store` signed the request. SigV4 does
//! not sign it, so S3 needs nothing more; Azure's SharedKey does, so Azure
//! installs a [`Resign`] hook that signs the request again.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpService,
};

/// Signs a commit request again after `If-None-Match: *` was added to it,
/// for services whose signature covers that header.
pub type Resign = Arc<dyn Fn(&mut HttpRequest) -> Result<(), HttpError> + Send + Sync>;

/// An [`HttpConnector`] whose clients send every multipart commit with
/// `If-None-Match: *`, so the service refuses it when the key exists.
pub struct CreateOnlyCommits {
    inner: Box<dyn HttpConnector>,
    resign: Option<Resign>,
}

impl CreateOnlyCommits {
    /// Wraps the clients `inner` makes (usually object_store's
    /// `ReqwestConnector`, which the cloud features of object_store carry).
    pub fn new(inner: impl HttpConnector) -> Self {
        CreateOnlyCommits {
            inner: Box::new(inner),
            resign: None,
        }
    }

    /// Signs each commit again (through `resign`) after adding the header.
    pub fn with_resign(mut self, resign: Resign) -> Self {
        self.resign = Some(resign);
        self
    }
}

impl fmt::Debug for CreateOnlyCommits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateOnlyCommits")
            .field("resign", &self.resign.is_some())
            .finish()
    }
}

impl HttpConnector for CreateOnlyCommits {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(CreateOnly {
            client: self.inner.connect(options)?,
            resign: self.resign.clone(),
        }))
    }
}

struct CreateOnly {
    client: HttpClient,
    resign: Option<Resign>,
}

impl fmt::Debug for CreateOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateOnly").finish_non_exhaustive()
    }
}

/// Whether `req` makes a multipart upload visible: S3's
/// `POST …?uploadId=…` or Azure's `PUT …?comp=blocklist`.
fn is_commit(req: &HttpRequest) -> bool {
    let query = req.uri().query().unwrap_or("");
    let has = |key: &str| {
        query
            .split('&')
            .any(|pair| pair == key || pair.starts_with(&format!("{key}=")))
    };
    (req.method() == http::Method::POST && has("uploadId"))
        || (req.method() == http::Method::PUT && query.split('&').any(|p| p == "comp=blocklist"))
}

tokio::task_local! {
    /// The etag a compare-and-swap commit must still find: set around the
    /// commit by [`commit_condition`], read by the connector.
    static IF_MATCH: String;
}

/// Runs `commit` so that a multipart commit it sends through a
/// [`CreateOnlyCommits`] client asks `If-Match: etag` instead of
/// `If-None-Match: *` (a compare-and-swap instead of a create).
pub(crate) async fn commit_condition<F: Future>(etag: Option<String>, commit: F) -> F::Output {
    match etag {
        Some(etag) => IF_MATCH.scope(etag, commit).await,
        None => commit.await,
    }
}

#[async_trait]
impl HttpService for CreateOnly {
    async fn call(&self, mut req: HttpRequest) -> Result<HttpResponse, HttpError> {
        if is_commit(&req) {
            let (name, value) = match IF_MATCH.try_with(Clone::clone) {
                Ok(etag) => (
                    http::header::IF_MATCH,
                    http::HeaderValue::from_str(&etag)
                        .map_err(|e| HttpError::new(HttpErrorKind::Request, e))?,
                ),
                Err(_) => (
                    http::header::IF_NONE_MATCH,
                    http::HeaderValue::from_static("*"),
                ),
            };
            req.headers_mut().insert(name, value);
            if let Some(resign) = &self.resign {
                resign(&mut req)?;
            }
        }
        self.client.execute(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: http::Method, uri: &str) -> HttpRequest {
        let mut r = HttpRequest::new(object_store::client::HttpRequestBody::empty());
        *r.method_mut() = method;
        *r.uri_mut() = uri.parse().unwrap();
        r
    }

    #[test]
    fn only_commits_are_conditional() {
        use http::Method;
        assert!(is_commit(&req(Method::POST, "http://h/b/k?uploadId=abc")));
        assert!(is_commit(&req(
            Method::PUT,
            "http://h/a/c/k?comp=blocklist"
        )));
        // Starting an upload, uploading parts, plain puts: untouched.
        assert!(!is_commit(&req(Method::POST, "http://h/b/k?uploads")));
        assert!(!is_commit(&req(
            Method::PUT,
            "http://h/b/k?partNumber=1&uploadId=abc"
        )));
        assert!(!is_commit(&req(
            Method::PUT,
            "http://h/a/c/k?comp=block&blockid=x"
        )));
        assert!(!is_commit(&req(Method::PUT, "http://h/b/k")));
    }
}
