//! [`S3Backend`].

use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use remote_store_core::layer::LayeredAsyncBackend;
use remote_store_core::{AsyncBackend, Error, ErrorKind, RemotePath, Result};
use remote_store_object_store::{CreateOnlyCommits, ObjectStoreBackend};

use crate::S3Config;
use crate::raw::S3Raw;

/// An S3 bucket (or a prefix of one) as a native async backend.
#[derive(Debug)]
pub struct S3Backend {
    inner: ObjectStoreBackend,
    /// Weak: the glue owns the client, so `close()` releases it.
    native: std::sync::Weak<AmazonS3>,
    config: S3Config,
}

impl S3Backend {
    /// Builds the backend. No network I/O happens here: the first request
    /// connects.
    ///
    /// # Errors
    /// `InvalidConfig` naming the bad field.
    pub fn new(config: S3Config) -> Result<Self> {
        config.validate()?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&config.bucket);
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        } else if config.endpoint.is_some() {
            builder = builder.with_region("us-east-1");
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        builder = builder
            .with_allow_http(config.allow_http)
            .with_unsigned_payload(config.payload_unsigned());
        if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        if let Some(token) = &config.session_token {
            builder = builder.with_token(token);
        }
        if config.request_timeout.is_some() || config.pool_idle_timeout.is_some() {
            // Client options replace the builder's: start from its own.
            let own = remote_store_object_store::raw::client_options(|k| {
                builder.get_config_value(&AmazonS3ConfigKey::Client(k))
            });
            builder = builder.with_client_options(remote_store_object_store::client_options(
                own,
                config.request_timeout,
                config.pool_idle_timeout,
            ));
        }
        // Requests run on the backends' own runtime, not the caller's
        // (a caller may block its runtime's only thread on the sync face).
        builder = builder.with_http_connector(crate::backend::http());
        let retry = remote_store_object_store::retry_config(config.retry_max, config.retry_timeout);
        builder = builder.with_retry(retry.clone());
        let invalid = |e: object_store::Error| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(crate::NAME)
                .with_message(format!("cannot configure S3: {e}"))
                .with_source(e)
        };
        let native = Arc::new(builder.clone().build().map_err(invalid)?);
        let mut inner = ObjectStoreBackend::paginated(native.clone())
            .with_name(crate::NAME)
            .with_storage_id(format!(
                "s3://{}/{}",
                config
                    .endpoint
                    .as_deref()
                    .map_or("s3.amazonaws.com", |e| e.trim_end_matches('/')),
                config.bucket
            ))
            .with_prefix(&config.prefix)?
            .with_exclusive_write(config.conditional_put)
            .with_conditional_reads(config.conditional_put)
            // S3 keeps at most 2 KiB of user metadata (names plus values).
            .with_attributes(2 * 1024)
            .with_md5_etags();
        // SigV4 query signing allows at most 7 days.
        inner = inner.with_signer(
            native.clone(),
            &[],
            Some(Duration::from_secs(7 * 24 * 3600)),
        );
        // Listings and recursive deletes by raw key (ADR-0010).
        if let Some(raw) = S3Raw::new(&builder, native.credentials().clone(), retry)? {
            inner = inner.with_raw_keys(Arc::new(raw));
            if config.conditional_put {
                // `DELETE` with `If-Match`, where conditions are honoured.
                inner = inner.with_conditional_deletes();
            }
        }
        // Multipart parts cannot be sent again from above: they keep the
        // SDK's retries when the main client's are bounded (ADR-0017).
        let parts = config.retry_max.is_some().then(|| {
            let retry = remote_store_object_store::retry_config(None, config.retry_timeout);
            builder.clone().with_retry(retry)
        });
        if let Some(uploads) = &parts {
            inner = inner.with_upload_store(Arc::new(uploads.clone().build().map_err(invalid)?));
        }
        if config.conditional_put {
            // Multipart commits with `If-None-Match: *`: large no-overwrite
            // writes are race-free too.
            let create_only = parts
                .unwrap_or(builder)
                .with_http_connector(CreateOnlyCommits::new(crate::backend::http()))
                .build()
                .map_err(invalid)?;
            inner = inner.with_create_only_store(Arc::new(create_only));
        }
        Ok(S3Backend {
            inner,
            native: Arc::downgrade(&native),
            config,
        })
    }

    /// The native `object_store` client, for what this API does not cover.
    ///
    /// `None` once the backend is closed (closing drops the client and its
    /// connection pool; a clone taken earlier keeps them alive).
    pub fn native(&self) -> Option<Arc<AmazonS3>> {
        self.native.upgrade()
    }

    /// The configuration the backend was built from.
    pub fn config(&self) -> &S3Config {
        &self.config
    }
}

/// Every operation is the generic backend's; the type adds the service's
/// configuration and native client.
#[remote_store_core::async_trait]
impl LayeredAsyncBackend for S3Backend {
    type Inner = ObjectStoreBackend;
    fn inner(&self) -> &ObjectStoreBackend {
        &self.inner
    }

    /// Forwarded whole, so the service's bulk delete is used.
    async fn delete_batch(
        &self,
        paths: &[RemotePath],
        missing_ok: bool,
    ) -> Result<Vec<Result<()>>> {
        self.inner.delete_batch(paths, missing_ok).await
    }
}

/// The HTTP connector of every client: reqwest's, its requests run on
/// remote-store's background runtime (ADR-0022).
pub(crate) fn http()
-> remote_store_object_store::IoConnector<object_store::client::ReqwestConnector> {
    remote_store_object_store::IoConnector::new(object_store::client::ReqwestConnector::default())
}
