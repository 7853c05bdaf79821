//! [`AzureConfig`]: everything needed to reach a container.

use std::fmt;

use remote_store_core::{Error, ErrorKind, Options, Result};

/// Azure Blob configuration. Secrets are never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AzureConfig {
    /// The storage account (required unless a connection string names it).
    pub account: String,
    /// The container (required).
    pub container: String,
    /// A blob-name prefix inside the container the backend is confined to.
    pub prefix: String,
    /// The blob endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`
    /// for Azurite; the public endpoint of the account when unset.
    pub endpoint: Option<String>,
    /// Allow plain `http://` endpoints.
    pub allow_http: bool,
    /// Shared account key.
    pub access_key: Option<String>,
    /// SAS token (query string, with or without the leading `?`).
    pub sas_token: Option<String>,
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
    /// Use the Blob Batch API for recursive folder deletes and for
    /// `delete_batch` with `missing_ok` (default true; Azurite's batch
    /// endpoint is slow enough to stall it, set false there).
    pub bulk_delete: bool,
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
}

fn invalid(m: String) -> Error {
    Error::new(ErrorKind::InvalidConfig)
        .with_backend(crate::NAME)
        .with_message(m)
}

impl AzureConfig {
    /// A configuration for `container` of `account`.
    pub fn new(account: impl Into<String>, container: impl Into<String>) -> Self {
        AzureConfig {
            account: account.into(),
            container: container.into(),
            bulk_delete: true,
            ..Default::default()
        }
    }

    /// Reads account, key and endpoint from a connection string
    /// (`AccountName=…;AccountKey=…;BlobEndpoint=…`).
    ///
    /// # Errors
    /// `InvalidConfig` when a part is malformed or the account is missing.
    pub fn from_connection_string(container: impl Into<String>, cs: &str) -> Result<Self> {
        let mut c = AzureConfig::new("", container);
        for part in cs.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                invalid("connection_string: expected `key=value` parts separated by ';'".into())
            })?;
            match k {
                "AccountName" => c.account = v.to_owned(),
                "AccountKey" => c.access_key = Some(v.to_owned()),
                "BlobEndpoint" => {
                    c.allow_http = v.starts_with("http://");
                    c.endpoint = Some(v.to_owned());
                }
                "SharedAccessSignature" => c.sas_token = Some(v.to_owned()),
                _ => {} // protocol, suffixes, other services
            }
        }
        if c.account.is_empty() {
            return Err(invalid("connection_string: no AccountName".into()));
        }
        Ok(c)
    }

    /// Confines the backend to blobs under `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets the blob endpoint.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Allows `http://` endpoints.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Authenticates with the shared account key.
    pub fn access_key(mut self, key: impl Into<String>) -> Self {
        self.access_key = Some(key.into());
        self
    }

    /// Authenticates with a SAS token.
    pub fn sas_token(mut self, token: impl Into<String>) -> Self {
        self.sas_token = Some(token.into());
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

    /// Chooses batch (true) or one-by-one (false) recursive deletes.
    pub fn bulk_delete(mut self, bulk: bool) -> Self {
        self.bulk_delete = bulk;
        self
    }

    /// Checks the configuration without any I/O.
    ///
    /// # Errors
    /// `InvalidConfig` naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.account.is_empty() {
            return Err(invalid(
                "account: missing (expected a storage account name)".into(),
            ));
        }
        if self.container.is_empty() || self.container.contains('/') {
            return Err(invalid(format!(
                "container: expected a container name without '/', got '{}'",
                self.container
            )));
        }
        if let Some(endpoint) = &self.endpoint {
            remote_store_object_store::check_endpoint(crate::NAME, endpoint, self.allow_http)?;
        }
        if self.access_key.is_some() && self.sas_token.is_some() {
            return Err(invalid(
                "access_key and sas_token: expected one of them, not both".into(),
            ));
        }
        remote_store_core::RemotePath::new(&self.prefix)
            .map_err(|e| invalid(format!("prefix: {}", e.reason())))?;
        Ok(())
    }

    /// Reads the configuration from factory options.
    pub fn from_options(options: &Options) -> Result<Self> {
        let container = options.require("container")?;
        let mut c = match options.get("connection_string") {
            Some(cs) => AzureConfig::from_connection_string(container, cs)?,
            None => AzureConfig::new(options.get("account").unwrap_or_default(), container),
        };
        if let Some(account) = options.get("account") {
            c.account = account.to_owned();
        }
        c.prefix = options.get("prefix").unwrap_or_default().to_owned();
        if let Some(e) = options.get("endpoint") {
            c.endpoint = Some(e.to_owned());
        }
        if let Some(allow) = options.bool("allow_http")? {
            c.allow_http = allow;
        }
        if let Some(k) = options.get("access_key") {
            c.access_key = Some(k.to_owned());
        }
        if let Some(t) = options.get("sas_token") {
            c.sas_token = Some(t.to_owned());
        }
        if let Some(bulk) = options.bool("bulk_delete")? {
            c.bulk_delete = bulk;
        }
        c.request_timeout = options
            .parse::<u64>("request_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.pool_idle_timeout = options
            .parse::<u64>("pool_idle_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.retry_max = options.parse("retry_max", "a number of retries")?;
        c.retry_timeout = options
            .parse::<u64>("retry_timeout_secs", "a number of seconds")?
            .map(std::time::Duration::from_secs);
        c.validate()?;
        Ok(c)
    }
}

impl fmt::Debug for AzureConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| if v.is_some() { "<redacted>" } else { "None" };
        f.debug_struct("AzureConfig")
            .field("account", &self.account)
            .field("container", &self.container)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("allow_http", &self.allow_http)
            .field("access_key", &redact(&self.access_key))
            .field("sas_token", &redact(&self.sas_token))
            .field("bulk_delete", &self.bulk_delete)
            .field("request_timeout", &self.request_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("retry_max", &self.retry_max)
            .field("retry_timeout", &self.retry_timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_are_read() {
        let cs = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;\
                  AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
        let c = AzureConfig::from_connection_string("c", cs).unwrap();
        assert_eq!(c.account, "devstoreaccount1");
        assert_eq!(c.access_key.as_deref(), Some("a2V5"));
        assert!(c.allow_http);
        c.validate().unwrap();
        assert!(!format!("{c:?}").contains("a2V5"));
        let err = AzureConfig::from_connection_string("c", "AccountKey=x").unwrap_err();
        assert!(
            err.to_string()
                .contains("connection_string: no AccountName")
        );
    }

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (AzureConfig::new("", "c"), "account: missing"),
            (AzureConfig::new("a", ""), "container: expected"),
            (
                AzureConfig::new("a", "c").endpoint("http://x"),
                "endpoint: expected an https://",
            ),
            (
                AzureConfig::new("a", "c").access_key("k").sas_token("s"),
                "access_key and sas_token",
            ),
        ];
        for (config, want) in cases {
            let err = config.validate().unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
        }
    }
}
