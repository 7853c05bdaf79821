//! [`AzureFactory`]: `type = "azure"` and `az://container/prefix?…` URLs.

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, Error, ErrorKind, OptionSpec, Options, Result, UrlParts, UrlTarget,
};

use crate::{AzureBackend, AzureConfig};

/// Factory of type `azure` (schemes `az://`, `azure://`, `abfs://`:
/// `az://container/prefix?account=…&endpoint=…`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AzureFactory;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::required("container", "a container name"),
    OptionSpec::optional("account", "a storage account name"),
    OptionSpec::optional("prefix", "a blob-name prefix inside the container"),
    OptionSpec::optional("endpoint", "the blob endpoint URL"),
    OptionSpec::optional("allow_http", "true to allow http:// endpoints"),
    OptionSpec::optional("access_key", "the account key").secret(),
    OptionSpec::optional("sas_token", "a SAS token").secret(),
    OptionSpec::optional("connection_string", "an Azure Storage connection string").secret(),
    OptionSpec::optional(
        "bulk_delete",
        "false to delete folders blob by blob (Azurite)",
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

impl BackendFactory for AzureFactory {
    fn kind(&self) -> &'static str {
        crate::NAME
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["az", "azure", "abfs"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn validate(&self, options: &Options) -> Result<()> {
        AzureConfig::from_options(options)
            .map(drop)
            .map_err(|e| Error::new(e.kind()).with_message(e.reason()))
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        let backend = AzureBackend::new(AzureConfig::from_options(options)?)?;
        Ok(AnyBackend::Async(Arc::new(backend)))
    }

    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        let container = url.host.clone().ok_or_else(|| {
            Error::new(ErrorKind::InvalidConfig)
                .with_message("container: missing (az://CONTAINER/prefix)")
        })?;
        url.refuse_parts(&["port"], "az://CONTAINER/prefix?account=…")?;
        let mut options = Options::new().with("container", container);
        if let Some(user) = &url.user {
            options.set("account", user.clone());
        }
        for (k, v) in &url.query {
            options.set(k.clone(), v.clone());
        }
        Ok(UrlTarget {
            options,
            root: url.path.clone(),
        })
    }
}
