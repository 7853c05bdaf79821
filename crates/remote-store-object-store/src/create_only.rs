//! Race-free no-overwrite for multipart uploads.
//!
//! S3 (`CompleteMultipartUpload`) accepts `If-None-Match: *` on the
//! request that makes a multipart upload visible, but `object_store` has no
//! option for it (apache/arrow-rs-object-store#289). SigV4 does not sign
//! that header, so adding it below the signer is sound for S3. (Azure's
//! `Put Block List` takes it too, but SharedKey signs it: a header added
//! after signing is refused, so Azure does not use this.) [`CreateOnlyCommits`] is an HTTP connector that adds the header to
//! exactly those requests; a second client built with it
//! ([`ObjectStoreBackend::with_create_only_store`](crate::ObjectStoreBackend::with_create_only_store))
//! carries the no-overwrite multipart writes.

use async_trait::async_trait;
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpResponse, HttpService, ReqwestConnector,
};

/// An [`HttpConnector`] whose clients send every multipart commit with
/// `If-None-Match: *`, so the service refuses it when the key exists.
#[derive(Debug, Default)]
pub struct CreateOnlyCommits {
    inner: ReqwestConnector,
}

impl HttpConnector for CreateOnlyCommits {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(CreateOnly(self.inner.connect(options)?)))
    }
}

#[derive(Debug)]
struct CreateOnly(HttpClient);

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

#[async_trait]
impl HttpService for CreateOnly {
    async fn call(&self, mut req: HttpRequest) -> Result<HttpResponse, HttpError> {
        if is_commit(&req) {
            req.headers_mut().insert(
                http::header::IF_NONE_MATCH,
                http::HeaderValue::from_static("*"),
            );
        }
        self.0.execute(req).await
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
