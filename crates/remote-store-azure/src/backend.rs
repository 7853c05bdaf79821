//! [`AzureBackend`].

use std::sync::Arc;

use object_store::azure::{AzureConfigKey, MicrosoftAzure, MicrosoftAzureBuilder};
use remote_store_core::layer::LayeredAsyncBackend;
use remote_store_core::{AsyncBackend, Error, ErrorKind, RemotePath, Result};
use remote_store_object_store::ObjectStoreBackend;

use crate::AzureConfig;
use crate::commit::create_only_commits;
use crate::raw::AzureRaw;

/// An Azure Blob container (or a prefix of one) as a native async backend.
#[derive(Debug)]
pub struct AzureBackend {
    inner: ObjectStoreBackend,
    /// Weak: the glue owns the client, so `close()` releases it.
    native: std::sync::Weak<MicrosoftAzure>,
    config: AzureConfig,
}

impl AzureBackend {
    /// Builds the backend. No network I/O happens here.
    ///
    /// # Errors
    /// `InvalidConfig` naming the bad field.
    pub fn new(config: AzureConfig) -> Result<Self> {
        config.validate()?;
        let mut builder = MicrosoftAzureBuilder::from_env()
            .with_account(&config.account)
            .with_container_name(&config.container)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint.clone());
        }
        if config.request_timeout.is_some() || config.pool_idle_timeout.is_some() {
            // Client options replace the builder's: start from its own.
            let own = remote_store_object_store::raw::client_options(|k| {
                builder.get_config_value(&AzureConfigKey::Client(k))
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
        if let Some(key) = &config.access_key {
            builder = builder.with_access_key(key);
        }
        if let Some(sas) = &config.sas_token {
            let pairs: Vec<(String, String)> = sas
                .trim_start_matches('?')
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            builder = builder.with_sas_authorization(pairs);
        }
        let invalid = |e: object_store::Error| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(crate::NAME)
                .with_message(format!("cannot configure Azure Blob: {e}"))
                .with_source(e)
        };
        let native = Arc::new(builder.clone().build().map_err(invalid)?);
        // Block-list commits with `If-None-Match: *` (signed again):
        // large no-overwrite writes are race-free too.
        // Listings and recursive deletes by raw name (ADR-0010).
        let raw = AzureRaw::new(&builder, native.credentials().clone(), retry)?;
        // Multipart parts cannot be sent again from above: they keep the
        // SDK's retries when the main client's are bounded (ADR-0017).
        let parts = config.retry_max.is_some().then(|| {
            let retry = remote_store_object_store::retry_config(None, config.retry_timeout);
            builder.clone().with_retry(retry)
        });
        let uploads = parts
            .clone()
            .map(|b| b.build().map_err(invalid))
            .transpose()?;
        let connector = create_only_commits(&builder);
        let create_only = parts
            .unwrap_or(builder)
            .with_http_connector(connector)
            .build()
            .map_err(invalid)?;
        let endpoint = config.endpoint.as_deref().map_or_else(
            || format!("{}.blob.core.windows.net", config.account),
            |e| e.trim_end_matches('/').to_owned(),
        );
        let mut inner = ObjectStoreBackend::paginated(native.clone())
            .with_name(crate::NAME)
            .with_storage_id(format!(
                "az://{endpoint}/{}/{}",
                config.account, config.container
            ))
            .with_prefix(&config.prefix)?
            .with_exclusive_write(true)
            .with_create_only_store(Arc::new(create_only))
            .with_bulk_delete(config.bulk_delete)
            .with_raw_keys(Arc::new(raw))
            .with_conditional_deletes()
            // Azure keeps at most 8 KiB of metadata (names plus values).
            .with_attributes(8 * 1024);
        if let Some(uploads) = uploads {
            inner = inner.with_upload_store(Arc::new(uploads));
        }
        if config.access_key.is_some() {
            // A service SAS is signed with the account key; without it
            // (a SAS token given, or a bearer token) nothing can sign.
            // A presigned `Put Blob` must say which kind of blob it makes.
            inner = inner.with_signer(native.clone(), &[("x-ms-blob-type", "BlockBlob")], None);
        }
        Ok(AzureBackend {
            inner,
            native: Arc::downgrade(&native),
            config,
        })
    }

    /// The native `object_store` client.
    ///
    /// `None` once the backend is closed (closing drops the client and its
    /// connection pool; a clone taken earlier keeps them alive).
    pub fn native(&self) -> Option<Arc<MicrosoftAzure>> {
        self.native.upgrade()
    }

    /// The configuration the backend was built from.
    pub fn config(&self) -> &AzureConfig {
        &self.config
    }
}

/// Every operation is the generic backend's; the type adds the service's
/// configuration and native client.
#[remote_store_core::async_trait]
impl LayeredAsyncBackend for AzureBackend {
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
