//! The retry layer against real servers: connections reset by a loopback
//! proxy are survived on every network backend (S3 with its SDK's own
//! retries off, so the layer is what survives; Azure, whose SDK retry is
//! not configurable yet, on top of it; both SFTP engines, which have no
//! retry of their own), and errors that are not retryable are tried once.

use std::time::Duration;

use remote_store::backends::{AsyncSftpBackend, AzureBackend, S3Backend, SftpBackend};
use remote_store::layers::{FaultLayer, Faults, Op, RetryLayer, RetryPolicy};
use remote_store::sftp::SftpConfig;
use remote_store::{ErrorKind, Store};

use crate::faults::{unique, watchdog};
use crate::proxy::Proxy;
use crate::services::var;

/// Five attempts, short pauses: enough for the two resets below.
fn retry() -> RetryLayer {
    RetryLayer::new(
        RetryPolicy::new()
            .max_attempts(5)
            .backoff(Duration::from_millis(50), Duration::from_millis(400)),
    )
}

/// How many connections each proxy resets before relaying.
const RESETS: usize = 2;

/// The backends under test, each reached through a proxy that resets its
/// first connections: (name, store without layers, proxy).
fn through_resets() -> Vec<(&'static str, Store, Proxy)> {
    let mut all = Vec::new();
    let s3 = Proxy::resetting(
        var("RS_S3_ENDPOINT")
            .trim_start_matches("http://")
            .to_owned(),
        RESETS,
    );
    let config = crate::s3::moto_config()
        .endpoint(format!("http://127.0.0.1:{}", s3.port))
        // The SDK's own retries off: the layer is the one place.
        .retry(0, Duration::from_secs(30));
    all.push(("s3", Store::new(S3Backend::new(config).unwrap()), s3));
    let endpoint = var("RS_AZURE_ENDPOINT");
    let address = endpoint.trim_start_matches("http://");
    let (upstream, path) = address.split_once('/').unwrap_or((address, ""));
    let azure = Proxy::resetting(upstream.to_owned(), RESETS);
    let endpoint = format!("http://127.0.0.1:{}/{path}", azure.port);
    let config = crate::azure::config_for(&endpoint);
    all.push((
        "azure",
        Store::new(AzureBackend::new(config).unwrap()),
        azure,
    ));
    for engine in ["sftp-ssh2", "sftp-russh"] {
        let sftp_port = var("RS_SFTP_PORT");
        let proxy = Proxy::resetting(format!("{}:{sftp_port}", var("RS_SFTP_HOST")), RESETS);
        let config = sftp_config(proxy.port);
        let store = match engine {
            "sftp-ssh2" => Store::new(SftpBackend::new(config).unwrap()),
            _ => Store::new(AsyncSftpBackend::new(config).unwrap()),
        };
        all.push((engine, store, proxy));
    }
    all
}

/// The test server's SFTP config, reached at `port` (its host key listed
/// for that port too).
fn sftp_config(port: u16) -> SftpConfig {
    let known = std::fs::read_to_string(var("RS_SFTP_KNOWN_HOSTS")).unwrap();
    let host = var("RS_SFTP_HOST");
    let listed = format!("[{host}]:{}", var("RS_SFTP_PORT"));
    let moved = known.replace(&listed, &format!("[{host}]:{port}"));
    let dir = std::env::temp_dir().join(format!("rs-retry-known-hosts-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("known_hosts");
    std::fs::write(&file, moved).unwrap();
    crate::sftp::config().port(port).known_hosts(file)
}

#[test]
fn reset_connections_are_survived_by_the_retry_layer() {
    watchdog("retry through resets", Duration::from_secs(300), || {
        for (name, plain, proxy) in through_resets() {
            let store = plain.layer(retry());
            let key = unique("through-resets.txt");
            store
                .write_bytes(&key, "made it", true)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(store.read_bytes(&key).unwrap(), "made it", "{name}");
            assert!(
                proxy.accepted() > RESETS,
                "{name}: {} connections; the resets were not retried",
                proxy.accepted()
            );
            store.delete(&key, false).unwrap();
        }
    });
}

/// The control: without the layer, the same resets fail the first call
/// on the backends that have no retry of their own.
#[test]
fn without_the_layer_a_reset_fails_the_call() {
    watchdog("no retry through resets", Duration::from_secs(300), || {
        for (name, store, _proxy) in through_resets() {
            if name == "azure" {
                continue; // object_store retries Azure itself
            }
            let err = store
                .write_bytes(unique("unretried.txt"), "x", true)
                .expect_err(name);
            assert!(err.is_retryable(), "{name}: {err}");
        }
    });
}

#[test]
fn errors_that_are_not_retryable_are_tried_once() {
    watchdog("not retried", Duration::from_secs(120), || {
        for (name, plain, _proxy) in through_resets() {
            // Past the resets first, so only the backend's answer counts.
            let warm = plain.clone().layer(retry());
            let _ = warm.exists("warm-up");
            let faults = Faults::new();
            let store = plain.layer(FaultLayer::new(faults.clone())).layer(retry());
            let err = store.get_file_info(unique("missing.txt")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{name}: {err}");
            assert_eq!(faults.calls(Op::GetFileInfo), 1, "{name}");
        }
    });
}
