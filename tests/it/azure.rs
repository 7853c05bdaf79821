//! Azure Blob against Azurite on loopback, through both faces.

use remote_store::azure::AzureConfig;
use remote_store::backends::AzureBackend;

use crate::services::var;

pub(crate) fn azurite_config() -> AzureConfig {
    AzureConfig::new(var("RS_AZURE_ACCOUNT"), var("RS_AZURE_CONTAINER"))
        .endpoint(var("RS_AZURE_ENDPOINT"))
        .allow_http(true)
        .access_key(var("RS_AZURE_KEY"))
        // Azurite's batch endpoint stalls it for minutes on 10k blobs.
        .bulk_delete(false)
}

fn backend() -> AzureBackend {
    AzureBackend::new(azurite_config()).expect("Azure config")
}

remote_store_conformance::conformance_tests!(async, backend);
