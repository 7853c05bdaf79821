//! Azure Blob against Azurite on loopback, through both faces.
//!
//! Each conformance test gets a private Azurite: Azurite slows down with
//! every blob it has ever held (in memory, deleted ones included), so on
//! one shared server the 10k-entry cases took 60 s on a fresh start but
//! 5–12 min late in a run. nextest runs each test in its own process; the
//! server lives as long as that process.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use remote_store::azure::AzureConfig;
use remote_store::backends::AzureBackend;

use crate::services::var;

/// The shared Azurite `cargo xtask services up` started.
pub(crate) fn azurite_config() -> AzureConfig {
    config_at(&var("RS_AZURE_ENDPOINT"))
}

fn config_at(endpoint: &str) -> AzureConfig {
    AzureConfig::new(var("RS_AZURE_ACCOUNT"), var("RS_AZURE_CONTAINER"))
        .endpoint(endpoint)
        .allow_http(true)
        .access_key(var("RS_AZURE_KEY"))
        // Azurite's batch endpoint stalls it for minutes on 10k blobs.
        .bulk_delete(false)
        // Azurite is single-threaded; under a loaded CI machine a request
        // can wait far longer than the 30 s default. Abandoning it would
        // only leave Azurite a backlog to chew on while the next test waits.
        .request_timeout(Duration::from_secs(600))
        // Azurite closes connections idle for 5 s; one reused at that
        // instant fails a no-overwrite write (tests/it/keep_alive.rs).
        .pool_idle_timeout(Duration::from_secs(2))
}

/// Starts this process's own Azurite (once) and returns its endpoint.
fn private_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let (endpoint, guard) = start_azurite();
        // Kept (with its stdin pipe) until the process ends; never waited
        // for on purpose.
        static KEEP: OnceLock<std::sync::Mutex<std::process::Child>> = OnceLock::new();
        let _ = KEEP.set(std::sync::Mutex::new(guard));
        endpoint
    })
}

/// Starts an Azurite of the caller's own, with the test container, and
/// returns its endpoint, its port and the process that stops it when
/// dropped or when this process exits.
pub(crate) fn start_azurite() -> (String, std::process::Child) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // The shell stops Azurite when its stdin closes, which happens when
    // this process exits (however it exits): no server outlives its test.
    let guard = Command::new("bash")
        .arg("-c")
        .arg(
            r#""$0" --blobHost 127.0.0.1 --blobPort "$1" --inMemoryPersistence \
               --skipApiVersionCheck --loose --disableTelemetry --silent & pid=$!
               cat >/dev/null; kill $pid"#,
        )
        .arg(var("RS_AZURITE_BIN"))
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting Azurite");
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "private Azurite did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let made = Command::new("bash")
        .arg(var("RS_AZURE_MKCONTAINER"))
        .arg(port.to_string())
        .arg(var("RS_AZURE_CONTAINER"))
        .status()
        .expect("creating the container");
    assert!(made.success(), "creating the container failed");
    let _ = std::io::stderr().flush();
    (
        format!("http://127.0.0.1:{port}/{}", var("RS_AZURE_ACCOUNT")),
        guard,
    )
}

/// An Azure config for `endpoint`.
pub(crate) fn config_for(endpoint: &str) -> AzureConfig {
    config_at(endpoint)
}

fn backend() -> AzureBackend {
    AzureBackend::new(config_at(private_endpoint())).expect("Azure config")
}

remote_store_conformance::conformance_tests!(async, backend);

/// Azurite under the production stack of layers.
mod layered {
    fn backend() -> std::sync::Arc<dyn remote_store::AsyncBackend> {
        let config = super::config_at(super::private_endpoint())
            .retry(0, std::time::Duration::from_secs(30));
        crate::stack::production_async(super::AzureBackend::new(config).expect("Azure config"))
    }
    remote_store_conformance::conformance_tests!(async, backend);
}
