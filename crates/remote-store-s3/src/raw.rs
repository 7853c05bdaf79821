//! Raw keys on S3: `ListObjectsV2` with `encoding-type=url` (so every
//! key, even one with characters XML cannot carry, arrives intact) and
//! `DeleteObjects`, signed with `object_store`'s SigV4 signer.
//!
//! References: <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>,
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html>.

use std::fmt::Write as _;
use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;
use http::Method;
use md5::{Digest as _, Md5};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, AwsAuthorizer, AwsCredentialProvider};
use object_store::client::HttpRequest;
use remote_store_core::{Error, ErrorKind, Result, async_trait};
use remote_store_object_store::raw::{self, RawHttp, RawKeys, RawObject, RawPage};
use serde::Deserialize;

use crate::NAME;

/// Lists and deletes by raw key. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct S3Raw {
    http: RawHttp,
    credentials: AwsCredentialProvider,
    /// `https://host/bucket` (path style) or `https://bucket.host`.
    bucket_url: String,
    region: String,
    sign: bool,
    sign_payload: bool,
}

impl S3Raw {
    /// For the store `builder` configures, signing with `credentials`.
    /// `None` for S3 Express buckets (session credentials the raw client
    /// does not fetch): those list through `object_store`.
    pub(crate) fn new(
        builder: &AmazonS3Builder,
        credentials: AwsCredentialProvider,
        retry: object_store::RetryConfig,
    ) -> Result<Option<Self>> {
        let get = |k: AmazonS3ConfigKey| builder.get_config_value(&k);
        let yes = |k: AmazonS3ConfigKey| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if yes(AmazonS3ConfigKey::S3Express) {
            return Ok(None);
        }
        let bucket = get(AmazonS3ConfigKey::Bucket).unwrap_or_default();
        let region = get(AmazonS3ConfigKey::Region).unwrap_or_else(|| "us-east-1".to_owned());
        let virtual_hosted = yes(AmazonS3ConfigKey::VirtualHostedStyleRequest);
        // As object_store's builder computes its bucket endpoint.
        let bucket_url = match (get(AmazonS3ConfigKey::Endpoint), virtual_hosted) {
            (Some(endpoint), true) => endpoint,
            (Some(endpoint), false) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
            (None, true) => format!("https://{bucket}.s3.{region}.amazonaws.com"),
            (None, false) => format!("https://s3.{region}.amazonaws.com/{bucket}"),
        };
        let options = raw::client_options(|k| get(AmazonS3ConfigKey::Client(k)));
        Ok(Some(S3Raw {
            http: RawHttp::new(&crate::backend::http(), &options, retry, NAME)?,
            credentials,
            bucket_url: bucket_url.trim_end_matches('/').to_owned(),
            region,
            sign: !yes(AmazonS3ConfigKey::SkipSignature),
            sign_payload: !yes(AmazonS3ConfigKey::UnsignedPayload),
        }))
    }

    /// A request, signed when the store signs.
    async fn request(
        &self,
        method: Method,
        url: &str,
        body: Bytes,
        headers: &[(&'static str, String)],
    ) -> Result<HttpRequest> {
        let mut req = raw::request(method, url, body, NAME)?;
        for (name, value) in headers {
            let value = http::HeaderValue::from_str(value)
                .map_err(|e| Error::new(ErrorKind::Other).with_source(e))?;
            req.headers_mut().insert(*name, value);
        }
        if self.sign {
            let credential = self
                .credentials
                .get_credential()
                .await
                .map_err(|e| raw::credential_error(e, NAME))?;
            AwsAuthorizer::new(&credential, "s3", &self.region)
                .with_sign_payload(self.sign_payload)
                .try_authorize(&mut req, None)
                .map_err(|e| {
                    Error::new(ErrorKind::Other)
                        .with_backend(NAME)
                        .with_source(e)
                })?;
        }
        Ok(req)
    }

    /// `DELETE` of one key by URL, for a key XML cannot carry.
    async fn delete_by_url(&self, key: &str) -> Result<()> {
        let url = format!("{}/{}", self.bucket_url, raw::url_path_of(key, NAME)?);
        self.http
            .delete(|| self.request(Method::DELETE, &url, Bytes::new(), &[]))
            .await
    }
}

#[async_trait]
impl RawKeys for S3Raw {
    async fn list_page(
        &self,
        prefix: &str,
        delimiter: bool,
        max_keys: usize,
        token: Option<String>,
    ) -> Result<RawPage> {
        let max_keys = max_keys.to_string();
        let params = [
            ("list-type", Some("2")),
            ("encoding-type", Some("url")),
            ("max-keys", Some(max_keys.as_str())),
            ("prefix", Some(prefix).filter(|p| !p.is_empty())),
            ("delimiter", delimiter.then_some("/")),
            ("continuation-token", token.as_deref()),
        ];
        let url = raw::url_with_query(&self.bucket_url, params, NAME)?;
        let body = self
            .http
            .send(|| self.request(Method::GET, &url, Bytes::new(), &[]))
            .await?;
        parse_list(&body)
    }

    async fn delete_if_match(&self, key: &str, etag: &str) -> Result<()> {
        let url = format!("{}/{}", self.bucket_url, raw::url_path_of(key, NAME)?);
        let headers = [("if-match", etag.to_owned())];
        let answer = self
            .http
            .send(|| self.request(Method::DELETE, &url, Bytes::new(), &headers))
            .await;
        raw::gone_is_precondition(answer)
    }

    async fn delete_keys(&self, keys: &[String]) -> Result<()> {
        // XML 1.0 cannot carry most control characters, even escaped.
        let (xml_safe, other): (Vec<&String>, Vec<&String>) =
            keys.iter().partition(|k| k.chars().all(xml_char));
        // Every key that can go goes; the others are named at the end.
        let mut failed = Vec::new();
        for key in other {
            if let Err(e) = self.delete_by_url(key).await {
                failed.push((key.clone(), e));
            }
        }
        if xml_safe.is_empty() {
            return raw::undeletable(failed, NAME);
        }
        let mut body = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>"#,
        );
        for key in xml_safe {
            let _ = write!(body, "<Object><Key>{}</Key></Object>", escape(key));
        }
        body.push_str("</Delete>");
        let body = Bytes::from(body);
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&body));
        let url = format!("{}?delete", self.bucket_url);
        let headers = [
            ("content-md5", md5),
            ("content-type", "application/xml".to_owned()),
        ];
        let answer = self
            .http
            .send(|| self.request(Method::POST, &url, body.clone(), &headers))
            .await?;
        delete_errors(&answer)?;
        raw::undeletable(failed, NAME)
    }
}

/// Whether XML 1.0 can carry `c` (as itself or a character reference).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `key` as XML text, with `\t`, `\n` and `\r` as character references
/// (XML parsers normalize them when written as themselves).
fn escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListBucketResult {
    #[serde(default)]
    contents: Vec<Contents>,
    #[serde(default)]
    common_prefixes: Vec<CommonPrefix>,
    next_continuation_token: Option<String>,
    #[serde(default)]
    is_truncated: bool,
    encoding_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Contents {
    key: String,
    size: u64,
    last_modified: Option<String>,
    #[serde(rename = "ETag")]
    e_tag: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CommonPrefix {
    prefix: String,
}

fn malformed(what: impl std::fmt::Display) -> Error {
    raw::malformed(what, NAME)
}

fn parse_list(body: &[u8]) -> Result<RawPage> {
    let text = std::str::from_utf8(body).map_err(malformed)?;
    let result: ListBucketResult = quick_xml::de::from_str(text).map_err(malformed)?;
    // Keys are url-encoded only when the service says it applied it.
    let encoded = result.encoding_type.as_deref() == Some("url");
    let decode = |s: String| if encoded { url_decode(&s) } else { Ok(s) };
    if result.is_truncated && result.next_continuation_token.is_none() {
        return Err(malformed("a truncated page without a continuation token"));
    }
    let objects = result
        .contents
        .into_iter()
        .map(|c| {
            Ok(RawObject {
                key: decode(c.key)?,
                size: c.size,
                modified: c.last_modified.as_deref().and_then(parse_time),
                etag: c.e_tag,
                is_folder: false,
            })
        })
        .collect::<Result<_>>()?;
    let prefixes = result
        .common_prefixes
        .into_iter()
        .map(|p| decode(p.prefix))
        .collect::<Result<_>>()?;
    Ok(RawPage {
        objects,
        prefixes,
        next: result
            .next_continuation_token
            .filter(|_| result.is_truncated),
    })
}

/// S3's `encoding-type=url`: `+` for a space, `%XX` for other bytes.
fn url_decode(s: &str) -> Result<String> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| malformed(format!("a key that is not UTF-8 once decoded: {s:?}")))
}

fn parse_time(s: &str) -> Option<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(SystemTime::from)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteResult {
    #[serde(default, rename = "Error")]
    errors: Vec<DeleteError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteError {
    key: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// The per-key failures of a `DeleteObjects` answer, as one error.
fn delete_errors(body: &[u8]) -> Result<()> {
    let text = std::str::from_utf8(body).map_err(malformed)?;
    let result: DeleteResult = quick_xml::de::from_str(text).map_err(malformed)?;
    let Some(first) = result.errors.first() else {
        return Ok(());
    };
    let code = first.code.as_deref().unwrap_or("");
    let kind = match code {
        "AccessDenied" => ErrorKind::PermissionDenied,
        "SlowDown" | "InternalError" | "ServiceUnavailable" => ErrorKind::BackendUnavailable,
        _ => ErrorKind::Other,
    };
    Err(Error::new(kind).with_backend(NAME).with_message(format!(
        "{} of the keys could not be deleted; the first, {:?}: {code} {}",
        result.errors.len(),
        first.key.as_deref().unwrap_or(""),
        first.message.as_deref().unwrap_or("")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_keys_are_decoded_and_plain_ones_kept() {
        let xml = r#"<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a%20b+c%2Bd/tab%09/x%2F%2Fy</Key><Size>3</Size><LastModified>2026-12-01T03:11:10.000Z</LastModified><ETag>"e"</ETag></Contents><CommonPrefixes><Prefix>p%5Cq/</Prefix></CommonPrefixes><NextContinuationToken>t+1</NextContinuationToken><EncodingType>url</EncodingType></ListBucketResult>"#;
        let page = parse_list(xml.as_bytes()).unwrap();
        assert_eq!(page.objects[0].key, "a b c+d/tab\t/x//y");
        assert_eq!(page.objects[0].size, 3);
        assert!(page.objects[0].modified.is_some());
        assert_eq!(page.prefixes, ["p\\q/"]);
        assert_eq!(page.next.as_deref(), Some("t+1"));

        let plain = r#"<ListBucketResult><Contents><Key>a%20b+c</Key><Size>0</Size></Contents></ListBucketResult>"#;
        let page = parse_list(plain.as_bytes()).unwrap();
        assert_eq!(page.objects[0].key, "a%20b+c");
        assert_eq!(page.next, None);
    }

    #[test]
    fn a_truncated_page_without_a_token_is_an_error_not_the_end() {
        let xml = r#"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"#;
        assert!(parse_list(xml.as_bytes()).is_err());
    }

    #[test]
    fn keys_are_escaped_so_the_service_reads_them_back_exactly() {
        assert_eq!(
            escape("a&b<c>\"'\t\n\r"),
            "a&amp;b&lt;c&gt;&quot;&apos;&#9;&#10;&#13;"
        );
        assert!(!xml_char('\u{1}'));
        assert!(xml_char('\t'));
    }

    #[test]
    fn a_per_key_failure_is_an_error() {
        let xml = r#"<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>"#;
        let e = delete_errors(xml.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(delete_errors(b"<DeleteResult></DeleteResult>").is_ok());
    }
}
