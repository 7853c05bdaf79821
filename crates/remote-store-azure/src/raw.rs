//! Raw keys on Azure Blob: `List Blobs` (names that XML cannot carry come
//! percent-encoded with `Encoded="true"`) and `Delete Blob`, signed with
//! `object_store`'s authorizer (SharedKey, SAS or bearer token).
//!
//! References: <https://learn.microsoft.com/rest/api/storageservices/list-blobs>,
//! <https://learn.microsoft.com/rest/api/storageservices/delete-blob>.

use std::time::SystemTime;

use bytes::Bytes;
use futures::StreamExt;
use http::Method;
use object_store::azure::{
    AzureAuthorizer, AzureConfigKey, AzureCredentialProvider, MicrosoftAzureBuilder,
};
use object_store::client::HttpRequest;
use remote_store_core::{Error, ErrorKind, Result, async_trait};
use remote_store_object_store::raw::{self, RawHttp, RawKeys, RawObject, RawPage};
use serde::Deserialize;

use crate::NAME;

/// The service version raw requests ask for (object_store's own).
const VERSION: &str = "2023-11-03";

/// Deletes in flight at once (Delete Blob takes one name per request).
const DELETE_CONCURRENCY: usize = 16;

/// Lists and deletes by raw key. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct AzureRaw {
    http: RawHttp,
    credentials: AzureCredentialProvider,
    /// `https://account.blob.core.windows.net/container`, or the
    /// emulator's `http://host:port/account/container`.
    container_url: String,
    account: String,
    sign: bool,
}

impl AzureRaw {
    /// For the container `builder` configures, signing with `credentials`.
    pub(crate) fn new(
        builder: &MicrosoftAzureBuilder,
        credentials: AzureCredentialProvider,
        retry: object_store::RetryConfig,
    ) -> Result<Self> {
        let get = |k: AzureConfigKey| builder.get_config_value(&k);
        let yes = |k: AzureConfigKey| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let emulator = yes(AzureConfigKey::UseEmulator);
        let container = get(AzureConfigKey::ContainerName).unwrap_or_default();
        // As object_store's builder computes its service URL.
        let (account, account_url) = if emulator {
            let account =
                get(AzureConfigKey::AccountName).unwrap_or_else(|| "devstoreaccount1".to_owned());
            let base = std::env::var("AZURITE_BLOB_STORAGE_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:10000".to_owned());
            let url = format!("{}/{account}", base.trim_end_matches('/'));
            (account, url)
        } else {
            let account = get(AzureConfigKey::AccountName).unwrap_or_default();
            let url = match get(AzureConfigKey::Endpoint) {
                Some(endpoint) => endpoint,
                None if yes(AzureConfigKey::UseFabricEndpoint) => {
                    format!("https://{account}.blob.fabric.microsoft.com")
                }
                None => format!("https://{account}.blob.core.windows.net"),
            };
            (account, url)
        };
        let mut options = raw::client_options(|k| get(AzureConfigKey::Client(k)));
        if emulator {
            options = options.with_allow_http(true);
        }
        Ok(AzureRaw {
            http: RawHttp::new(&crate::backend::http(), &options, retry, NAME)?,
            credentials,
            container_url: format!("{}/{container}", account_url.trim_end_matches('/')),
            account,
            sign: !yes(AzureConfigKey::SkipSignature),
        })
    }

    /// A request, authorized when the store signs.
    async fn request(&self, method: Method, url: &str) -> Result<HttpRequest> {
        self.request_with(method, url, None).await
    }

    /// A request with an `If-Match` header, signed with it.
    async fn request_with(
        &self,
        method: Method,
        url: &str,
        if_match: Option<&str>,
    ) -> Result<HttpRequest> {
        let mut req = raw::request(method, url, Bytes::new(), NAME)?;
        if let Some(etag) = if_match {
            let value = http::HeaderValue::from_str(etag).map_err(|e| {
                Error::new(ErrorKind::InvalidArgument)
                    .with_message("an etag that cannot be a header value")
                    .with_source(e)
            })?;
            req.headers_mut().insert(http::header::IF_MATCH, value);
        }
        if !self.sign {
            let date = chrono::Utc::now().format("%a, %d %h %Y %T GMT").to_string();
            let headers = req.headers_mut();
            headers.insert("x-ms-version", http::HeaderValue::from_static(VERSION));
            if let Ok(date) = http::HeaderValue::from_str(&date) {
                headers.insert("x-ms-date", date);
            }
            return Ok(req);
        }
        let credential = self
            .credentials
            .get_credential()
            .await
            .map_err(|e| raw::credential_error(e, NAME))?;
        AzureAuthorizer::new(&credential, &self.account)
            .try_authorize(&mut req)
            .map_err(|e| {
                Error::new(ErrorKind::Other)
                    .with_backend(NAME)
                    .with_source(e)
            })?;
        Ok(req)
    }

    async fn delete_one(&self, key: &str) -> Result<()> {
        let url = format!("{}/{}", self.container_url, raw::url_path_of(key, NAME)?);
        self.http
            .delete(|| self.request(Method::DELETE, &url))
            .await
    }
}

#[async_trait]
impl RawKeys for AzureRaw {
    async fn list_page(
        &self,
        prefix: &str,
        delimiter: bool,
        max_keys: usize,
        token: Option<String>,
    ) -> Result<RawPage> {
        let max_keys = max_keys.to_string();
        let params = [
            ("restype", Some("container")),
            ("comp", Some("list")),
            ("maxresults", Some(max_keys.as_str())),
            ("prefix", Some(prefix).filter(|p| !p.is_empty())),
            ("delimiter", delimiter.then_some("/")),
            ("marker", token.as_deref()),
        ];
        let url = raw::url_with_query(&self.container_url, params, NAME)?;
        let body = self.http.send(|| self.request(Method::GET, &url)).await?;
        parse_list(&body)
    }

    async fn delete_if_match(&self, key: &str, etag: &str) -> Result<()> {
        let url = format!("{}/{}", self.container_url, raw::url_path_of(key, NAME)?);
        let answer = self
            .http
            .send(|| self.request_with(Method::DELETE, &url, Some(etag)))
            .await;
        raw::gone_is_precondition(answer)
    }

    async fn delete_keys(&self, keys: &[String]) -> Result<()> {
        // Every key that can go goes; the others are named at the end.
        let failed: Vec<(String, Error)> = futures::stream::iter(keys.iter().cloned())
            .map(|key| async move {
                let result = self.delete_one(&key).await;
                result.err().map(|e| (key, e))
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .filter_map(futures::future::ready)
            .collect()
            .await;
        raw::undeletable(failed, NAME)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnumerationResults {
    #[serde(default)]
    blobs: Blobs,
    next_marker: Option<String>,
}

#[derive(Deserialize, Default)]
struct Blobs {
    #[serde(rename = "Blob", default)]
    blobs: Vec<Blob>,
    #[serde(rename = "BlobPrefix", default)]
    prefixes: Vec<BlobPrefix>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Blob {
    name: Name,
    properties: Properties,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BlobPrefix {
    name: Name,
}

/// A name, percent-encoded when `Encoded="true"`.
#[derive(Deserialize)]
struct Name {
    #[serde(rename = "@Encoded", default)]
    encoded: Option<String>,
    #[serde(rename = "$text", default)]
    text: String,
}

#[derive(Deserialize)]
struct Properties {
    #[serde(rename = "Last-Modified")]
    last_modified: Option<String>,
    #[serde(rename = "Etag")]
    etag: Option<String>,
    #[serde(rename = "Content-Length")]
    content_length: u64,
    /// `directory` for a folder of a hierarchical-namespace account.
    #[serde(rename = "ResourceType")]
    resource_type: Option<String>,
}

fn malformed(what: impl std::fmt::Display) -> Error {
    raw::malformed(what, NAME)
}

impl Name {
    fn decode(self) -> Result<String> {
        if !self.encoded.is_some_and(|e| e.eq_ignore_ascii_case("true")) {
            return Ok(self.text);
        }
        percent_encoding::percent_decode_str(&self.text)
            .decode_utf8()
            .map(|n| n.into_owned())
            .map_err(|_| {
                malformed(format!(
                    "a name that is not UTF-8 once decoded: {:?}",
                    self.text
                ))
            })
    }
}

fn parse_list(body: &[u8]) -> Result<RawPage> {
    let text = std::str::from_utf8(body).map_err(malformed)?;
    let result: EnumerationResults = quick_xml::de::from_str(text).map_err(malformed)?;
    let objects = result
        .blobs
        .blobs
        .into_iter()
        .map(|b| {
            Ok(RawObject {
                key: b.name.decode()?,
                size: b.properties.content_length,
                modified: b
                    .properties
                    .last_modified
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc2822(t).ok())
                    .map(SystemTime::from),
                etag: b.properties.etag,
                is_folder: b.properties.resource_type.as_deref() == Some("directory"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let prefixes = result
        .blobs
        .prefixes
        .into_iter()
        .map(|p| p.name.decode())
        .collect::<Result<Vec<_>>>()?;
    Ok(RawPage {
        objects,
        prefixes,
        next: result.next_marker.filter(|m| !m.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_decoded_when_encoded_and_folders_flagged() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="c"><Prefix>p/</Prefix><Blobs><Blob><Name>p/a b</Name><Properties><Last-Modified>Tue, 01 Dec 2026 03:11:10 GMT</Last-Modified><Etag>0x1</Etag><Content-Length>3</Content-Length></Properties></Blob><BlobPrefix><Name>p/sub/</Name></BlobPrefix><Blob><Name Encoded="true">p/x%01y</Name><Properties><Content-Length>0</Content-Length><ResourceType>directory</ResourceType></Properties></Blob></Blobs><NextMarker>m1</NextMarker></EnumerationResults>"#;
        let page = parse_list(xml.as_bytes()).unwrap();
        assert_eq!(page.objects.len(), 2);
        assert_eq!(page.objects[0].key, "p/a b");
        assert_eq!(page.objects[0].size, 3);
        assert!(page.objects[0].modified.is_some());
        assert_eq!(page.objects[0].etag.as_deref(), Some("0x1"));
        assert_eq!(page.objects[1].key, "p/x\u{1}y");
        assert!(page.objects[1].is_folder);
        assert_eq!(page.prefixes, ["p/sub/"]);
        assert_eq!(page.next.as_deref(), Some("m1"));

        let last = r#"<EnumerationResults><Blobs/><NextMarker/></EnumerationResults>"#;
        let page = parse_list(last.as_bytes()).unwrap();
        assert!(page.objects.is_empty() && page.next.is_none());
    }
}
