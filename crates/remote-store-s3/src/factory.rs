//! [`S3Factory`]: `type = "s3"` and `s3://bucket/prefix?…` URLs.

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, Error, ErrorKind, OptionSpec, Options, Result, UrlParts, UrlTarget,
};

use crate::{S3Backend, S3Config};

/// Factory of type `s3` (scheme `s3://bucket/prefix?region=…&endpoint=…`).
#[derive(Debug, Clone, Copy, Default)]
pub struct S3Factory;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::required("bucket", "a bucket name"),
    OptionSpec::optional("prefix", "a key prefix inside the bucket"),
    OptionSpec::optional("region", "an AWS region, e.g. eu-west-1"),
    OptionSpec::optional("endpoint", "the URL of an S3-compatible server"),
    OptionSpec::optional("allow_http", "true to allow http:// endpoints"),
    OptionSpec::optional("access_key_id", "an access key id"),
    OptionSpec::optional("secret_access_key", "a secret access key").secret(),
    OptionSpec::optional("session_token", "a session token").secret(),
    OptionSpec::optional(
        "conditional_put",
        "false if the server ignores conditional requests (If-None-Match, If-Match)",
    ),
    OptionSpec::optional(
        "unsigned_payload",
        "true/false: send bodies unsigned (default: unsigned over https only)",
    ),
    OptionSpec::optional(
        "request_timeout_secs",
        "abandon one request after this many seconds (0: never)",
    ),
    OptionSpec::optional(
        "pool_idle_timeout_secs",
        "reuse an idle connection for at most this many seconds (below the server's keep-alive)",
    ),
    OptionSpec::optional("retry_max", "how many times to retry a failed request"),
    OptionSpec::optional(
        "retry_timeout_secs",
        "stop retrying after this many seconds",
    ),
];

impl BackendFactory for S3Factory {
    fn kind(&self) -> &'static str {
        crate::NAME
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["s3"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn validate(&self, options: &Options) -> Result<()> {
        S3Config::from_options(options)
            .map(drop)
            .map_err(unprefixed)
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        let backend = S3Backend::new(S3Config::from_options(options)?)?;
        Ok(AnyBackend::Async(Arc::new(backend)))
    }

    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        let bucket = url.host.clone().ok_or_else(|| {
            Error::new(ErrorKind::InvalidConfig)
                .with_message("bucket: missing (s3://BUCKET/prefix)")
        })?;
        url.refuse_parts(&["user", "port"], "s3://BUCKET/prefix?endpoint=…")?;
        let mut options = Options::new().with("bucket", bucket);
        for (k, v) in &url.query {
            options.set(k.clone(), v.clone());
        }
        // The URL path is the store root; the backend sees the whole bucket.
        Ok(UrlTarget {
            options,
            root: url.path.clone(),
        })
    }
}

/// Factory errors are prefixed with the key by the registry; drop the
/// backend name so the message reads `backends.x.bucket: …`.
fn unprefixed(e: Error) -> Error {
    Error::new(e.kind()).with_message(e.reason())
}
