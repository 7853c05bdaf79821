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
        // Azurite is single-threaded; under a loaded CI machine a request
        // can wait far longer than the 30 s default. Abandoning it would
        // only leave Azurite a backlog to chew on while the next test waits.
        .request_timeout(std::time::Duration::from_secs(600))
}

fn backend() -> AzureBackend {
    AzureBackend::new(azurite_config()).expect("Azure config")
}

remote_store_conformance::conformance_tests!(async, backend);
