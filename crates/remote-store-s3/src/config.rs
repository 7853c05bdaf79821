//! [`S3Config`]: everything needed to reach a bucket.

use std::fmt;

use remote_store_core::{Error, ErrorKind, Options, Result};

/// S3 configuration. Secrets are never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Config {
    /// The bucket (required).
    pub bucket: String,
    /// A key prefix inside the bucket the backend is confined to.
    pub prefix: String,
    /// The region (`us-east-1` when unset and no endpoint says otherwise).
    pub region: Option<String>,
    /// A custom endpoint, for S3-compatible servers (path-style addressing).
    pub endpoint: Option<String>,
    /// Allow plain `http://` endpoints (loopback test servers).
    pub allow_http: bool,
    /// Access key id; with the secret below, explicit credentials. When
    /// unset, the standard environment / profile / instance chain applies.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token of temporary credentials.
    pub session_token: Option<String>,
    /// Whether the server enforces conditional requests: `If-None-Match: *`
    /// and `If-Match` on a `PUT` and on a multipart commit, `If-Match` on a
    /// `GET`; true for AWS and most servers (s3rver ignores them). When
    /// false, no-overwrite writes are not declared race-free and the
    /// conditions (`ConditionalWrite`, `ConditionalRead`) are not declared:
    /// a conditional call is refused before any I/O.
    pub conditional_put: bool,
    /// Retries of a failed request (object_store's default, 10, when unset).
    /// Under `remote_store_layers::RetryLayer` set it to 0, so the layer is
    /// the one place that retries (a registry or URL with a `retry` layer
    /// does so when it is not given; ADR-0017). The parts of a multipart
    /// upload keep object_store's default retries whatever this says: a
    /// part is cut from the caller's stream, so nothing above can send it
    /// again.
    pub retry_max: Option<usize>,
    /// Give up retrying after this long (object_store's default, 3 minutes,
    /// when unset).
    pub retry_timeout: Option<std::time::Duration>,
    /// How long one request may take, its body included, before it is
    /// abandoned (object_store's default, 30 s, when unset). Zero: never —
    /// what a `TimeoutLayer` from a registry or URL sets unless this is
    /// given, as its stall limit catches a dead connection without cutting
    /// a slow reader or a large object (ADR-0017).
    pub request_timeout: Option<std::time::Duration>,
    /// How long an idle connection is kept for reuse (the HTTP client's
    /// default, 90 s, when unset; zero: none is reused). Keep it below the
    /// server's own keep-alive limit: a request sent on a connection the
    /// server is closing fails with a reset, which cannot be retried
    /// safely for a no-overwrite write. Node.js servers (Azurite, s3rver)
    /// close idle connections after 5 s.
    pub pool_idle_timeout: Option<std::time::Duration>,
    /// Whether request bodies go unsigned (`UNSIGNED-PAYLOAD`) instead of
    /// with their SHA-256 in the signature. Unset: unsigned over `https://`
    /// (TLS already guards the body, and hashing costs the client about
    /// as much CPU as the transfer), signed over `http://` — the AWS
    /// SDKs' rule.
    pub unsigned_payload: Option<bool>,
}

impl S3Config {
    /// A configuration for `bucket` with defaults.
    pub fn new(bucket: impl Into<String>) -> Self {
        S3Config {
            bucket: bucket.into(),
            conditional_put: true,
            ..Default::default()
        }
    }

    /// Confines the backend to keys under `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Sets a custom endpoint (path-style addressing).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Allows `http://` endpoints.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Sets explicit credentials.
    pub fn credentials(mut self, key_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.access_key_id = Some(key_id.into());
        self.secret_access_key = Some(secret.into());
        self
    }

    /// Sets how long one request may take (zero: no limit).
    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Sets how long an idle connection is kept for reuse (zero: none is).
    pub fn pool_idle_timeout(mut self, idle: std::time::Duration) -> Self {
        self.pool_idle_timeout = Some(idle);
        self
    }

    /// Bounds retries: at most `max` retries, none after `timeout`.
    pub fn retry(mut self, max: usize, timeout: std::time::Duration) -> Self {
        self.retry_max = Some(max);
        self.retry_timeout = Some(timeout);
        self
    }

    /// Sends request bodies unsigned (or signed); see
    /// [`unsigned_payload`](Self::unsigned_payload) for the default.
    pub fn unsigned_payload(mut self, unsigned: bool) -> Self {
        self.unsigned_payload = Some(unsigned);
        self
    }

    /// Whether request bodies go unsigned: as set, else unsigned exactly
    /// when the endpoint is `https://` (AWS's own endpoints are).
    pub fn payload_unsigned(&self) -> bool {
        self.unsigned_payload.unwrap_or_else(|| {
            self.endpoint.as_deref().is_none_or(|e| {
                e.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            })
        })
    }

    /// Declares whether the server enforces conditional puts.
    pub fn conditional_put(mut self, enforced: bool) -> Self {
        self.conditional_put = enforced;
        self
    }

    /// Checks the configuration without any I/O.
    ///
    /// # Errors
    /// `InvalidConfig` naming the field.
    pub fn validate(&self) -> Result<()> {
        let invalid = |m: String| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(crate::NAME)
                .with_message(m)
        };
        if self.bucket.is_empty() {
            return Err(invalid("bucket: missing (expected a bucket name)".into()));
        }
        if self.bucket.contains('/') {
            return Err(invalid(format!(
                "bucket: expected a bucket name without '/', got '{}'",
                self.bucket
            )));
        }
        if let Some(endpoint) = &self.endpoint {
            remote_store_object_store::check_endpoint(crate::NAME, endpoint, self.allow_http)?;
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return Err(invalid(
                "access_key_id and secret_access_key: expected both or neither".into(),
            ));
        }
        remote_store_core::RemotePath::new(&self.prefix)
            .map_err(|e| invalid(format!("prefix: {}", e.reason())))?;
        Ok(())
    }

    /// Reads the configuration from factory options (keys as the fields).
    pub fn from_options(options: &Options) -> Result<Self> {
        let mut c = S3Config::new(options.require("bucket")?);
        c.prefix = options.get("prefix").unwrap_or_default().to_owned();
        c.region = options.get("region").map(str::to_owned);
        c.endpoint = options.get("endpoint").map(str::to_owned);
        c.allow_http = options.bool("allow_http")?.unwrap_or(false);
        c.access_key_id = options.get("access_key_id").map(str::to_owned);
        c.secret_access_key = options.get("secret_access_key").map(str::to_owned);
        c.session_token = options.get("session_token").map(str::to_owned);
        c.conditional_put = options.bool("conditional_put")?.unwrap_or(true);
        c.retry_max = options.parse("retry_max", "a number of retries")?;
        c.retry_timeout = options
            .parse::<u64>("retry_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.request_timeout = options
            .parse::<u64>("request_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.pool_idle_timeout = options
            .parse::<u64>("pool_idle_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.unsigned_payload = options.bool("unsigned_payload")?;
        c.validate()?;
        Ok(c)
    }
}

fn redact(v: &Option<String>) -> &'static str {
    if v.is_some() { "<redacted>" } else { "None" }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("allow_http", &self.allow_http)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &redact(&self.secret_access_key))
            .field("session_token", &redact(&self.session_token))
            .field("conditional_put", &self.conditional_put)
            .field("retry_max", &self.retry_max)
            .field("retry_timeout", &self.retry_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("unsigned_payload", &self.unsigned_payload)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (S3Config::new(""), "bucket: missing"),
            (
                S3Config::new("a/b"),
                "bucket: expected a bucket name without '/'",
            ),
            (
                S3Config::new("b").endpoint("http://x"),
                "endpoint: expected an https:// URL",
            ),
            (
                S3Config::new("b").endpoint("ftp://x").allow_http(true),
                "endpoint:",
            ),
            (S3Config::new("b").prefix("../x"), "prefix:"),
            (
                S3Config {
                    access_key_id: Some("k".into()),
                    ..S3Config::new("b")
                },
                "access_key_id and secret_access_key",
            ),
        ];
        for (config, want) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(err.to_string().contains(want), "{err} (wanted {want})");
        }
        S3Config::new("b")
            .endpoint("http://127.0.0.1:9")
            .allow_http(true)
            .validate()
            .unwrap();
    }

    #[test]
    fn payloads_go_unsigned_only_under_tls_unless_set() {
        assert!(
            S3Config::new("b").payload_unsigned(),
            "AWS endpoints are https"
        );
        assert!(
            S3Config::new("b")
                .endpoint("HTTPS://s3.example")
                .payload_unsigned()
        );
        let http = S3Config::new("b")
            .endpoint("http://127.0.0.1:9")
            .allow_http(true);
        assert!(!http.payload_unsigned());
        assert!(http.unsigned_payload(true).payload_unsigned());
        assert!(
            !S3Config::new("b")
                .unsigned_payload(false)
                .payload_unsigned()
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let mut c = S3Config::new("b").credentials("AKIDEXAMPLE", "wJalrXUtnFEMI");
        c.session_token = Some("FwoGZXIvYXdzE".into());
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("wJalrXUtnFEMI") && !shown.contains("FwoGZXIvYXdzE"),
            "{shown}"
        );
    }
}
