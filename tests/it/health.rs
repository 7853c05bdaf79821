//! `check_health` against real servers, on every network backend: a
//! reachable one answers `Ok` on both faces; refused credentials are
//! `PermissionDenied`, a missing bucket or container `NotFound`, a port
//! nothing listens on `BackendUnavailable`; and a server that accepts but
//! never answers fails within the timeout layer's deadline instead of
//! hanging.

use std::sync::Arc;
use std::time::{Duration, Instant};

use remote_store::backends::{AsyncSftpBackend, AzureBackend, S3Backend, SftpBackend};
use remote_store::layers::TimeoutLayer;
use remote_store::sftp::SftpConfig;
use remote_store::{AnyBackend, AsyncStore, ErrorKind, Result};

use crate::close_releases::free_port;
use crate::faults::{runtime, watchdog};
use crate::proxy::Proxy;
use crate::services::var;

fn s3(config: remote_store::s3::S3Config) -> AnyBackend {
    // The SDK's own retries off: each case is one request.
    AnyBackend::Async(Arc::new(
        S3Backend::new(config.retry(0, Duration::from_secs(5))).unwrap(),
    ))
}

/// The SDK's own retries off, as for S3.
fn azure(config: remote_store::azure::AzureConfig) -> AnyBackend {
    AnyBackend::Async(Arc::new(
        AzureBackend::new(config.retry(0, Duration::from_secs(5))).unwrap(),
    ))
}

fn sftp(engine: &str, config: SftpConfig) -> AnyBackend {
    match engine {
        "sftp-ssh2" => AnyBackend::Sync(Arc::new(SftpBackend::new(config).unwrap())),
        _ => AnyBackend::Async(Arc::new(AsyncSftpBackend::new(config).unwrap())),
    }
}

/// The health check through both faces.
fn both_faces(backend: &AnyBackend) -> [Result<()>; 2] {
    let sync = backend.store().check_health();
    let store: AsyncStore = backend.async_store();
    let async_ = runtime().block_on(async move { store.check_health().await });
    [sync, async_]
}

fn expect(what: &str, backend: AnyBackend, kind: Option<ErrorKind>) {
    for (face, result) in ["Store", "AsyncStore"].iter().zip(both_faces(&backend)) {
        match (kind, result) {
            (None, Ok(())) => {}
            (Some(kind), Err(e)) => assert_eq!(e.kind(), kind, "{what} on {face}: {e:?}"),
            (want, got) => panic!("{what} on {face}: expected {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn reachable_backends_are_healthy() {
    watchdog("healthy", Duration::from_secs(120), || {
        expect("s3 (moto)", s3(crate::s3::moto_config()), None);
        expect("s3 (s3rver)", s3(crate::s3::s3rver_config()), None);
        expect("azure", azure(crate::azure::azurite_config()), None);
        for engine in ["sftp-ssh2", "sftp-russh"] {
            expect(engine, sftp(engine, crate::sftp::config()), None);
        }
    });
}

#[test]
fn refused_credentials_are_permission_denied() {
    watchdog("credentials", Duration::from_secs(120), || {
        // s3s-fs checks signatures (moto does not).
        let config = crate::s3::s3s_config().credentials("test", "not-the-secret");
        expect("s3", s3(config), Some(ErrorKind::PermissionDenied));
        let config = crate::azure::azurite_config().access_key("d3Jvbmcta2V5LXdyb25nLWtleQ==");
        expect("azure", azure(config), Some(ErrorKind::PermissionDenied));
        let dir = tempfile::tempdir().unwrap();
        let stranger = crate::sftp_faults::keygen(dir.path(), "stranger");
        for engine in ["sftp-ssh2", "sftp-russh"] {
            let config = crate::sftp::config().key_file(&stranger);
            expect(
                engine,
                sftp(engine, config),
                Some(ErrorKind::PermissionDenied),
            );
        }
    });
}

#[test]
fn missing_buckets_and_folders_are_not_found() {
    watchdog("missing", Duration::from_secs(120), || {
        let config = remote_store::s3::S3Config::new("no-such-bucket-rs")
            .endpoint(var("RS_S3_ENDPOINT"))
            .allow_http(true)
            .region("us-east-1")
            .credentials("test", "test");
        expect("s3", s3(config), Some(ErrorKind::NotFound));
        let config =
            remote_store::azure::AzureConfig::new(var("RS_AZURE_ACCOUNT"), "no-such-container-rs")
                .endpoint(var("RS_AZURE_ENDPOINT"))
                .allow_http(true)
                .access_key(var("RS_AZURE_KEY"));
        expect("azure", azure(config), Some(ErrorKind::NotFound));
        for engine in ["sftp-ssh2", "sftp-russh"] {
            let config = crate::sftp::config().base_path("/no/such/folder/rs");
            expect(engine, sftp(engine, config), Some(ErrorKind::NotFound));
        }
    });
}

#[test]
fn nothing_listening_is_backend_unavailable() {
    watchdog("unreachable", Duration::from_secs(120), || {
        let port = free_port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let config = crate::s3::moto_config().endpoint(&endpoint);
        expect("s3", s3(config), Some(ErrorKind::BackendUnavailable));
        let config = crate::azure::config_for(&format!("{endpoint}/devstoreaccount1"));
        expect("azure", azure(config), Some(ErrorKind::BackendUnavailable));
        for engine in ["sftp-ssh2", "sftp-russh"] {
            let config = crate::sftp::config().port(port);
            expect(
                engine,
                sftp(engine, config),
                Some(ErrorKind::BackendUnavailable),
            );
        }
    });
}

/// A server that takes the connection and never answers: with the
/// timeout layer, the check fails with a retryable `BackendUnavailable`
/// within its deadline. (Not ssh2: a blocking libssh2 call cannot be
/// interrupted, ADR-0017.)
#[test]
fn a_server_that_never_answers_fails_within_the_deadline() {
    watchdog("silent", Duration::from_secs(120), || {
        let deadline = Duration::from_secs(1);
        let silent = |upstream: String| Proxy::stalling(upstream, usize::MAX, 0, true);
        let s3_proxy = silent(
            var("RS_S3_ENDPOINT")
                .trim_start_matches("http://")
                .to_owned(),
        );
        let endpoint = format!("http://127.0.0.1:{}", s3_proxy.port);
        let s3_backend = s3(crate::s3::moto_config().endpoint(endpoint));
        let sftp_proxy = silent(format!("{}:{}", var("RS_SFTP_HOST"), var("RS_SFTP_PORT")));
        let config = crate::retry_layer::sftp_config(sftp_proxy.port);
        let sftp_backend = sftp("sftp-russh", config);
        for (what, backend) in [("s3", s3_backend), ("sftp-russh", sftp_backend)] {
            let store = backend
                .async_store()
                .layer(TimeoutLayer::new().operation(deadline));
            let started = Instant::now();
            let err = runtime()
                .block_on(async move { store.check_health().await })
                .unwrap_err();
            let took = started.elapsed();
            assert_eq!(err.kind(), ErrorKind::BackendUnavailable, "{what}: {err:?}");
            assert!(err.is_retryable(), "{what}: {err:?}");
            assert!(took < deadline * 10, "{what}: took {took:?}");
        }
    });
}
