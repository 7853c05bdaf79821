//! The retry layer against real servers: connections reset by a loopback
//! proxy are survived on every network backend (S3 with its SDK's own
//! retries off, so the layer is what survives; Azure, whose SDK retry is
//! not configurable yet, on top of it; both SFTP engines, which have no
//! retry of their own), and errors that are not retryable are tried once.

use std::time::Duration;

use remote_store::backends::{AsyncSftpBackend, AzureBackend, S3Backend, SftpBackend};
use remote_store::layers::{FaultLayer, Faults, Op, RetryLayer, RetryPolicy, TimeoutLayer};
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
pub(crate) fn sftp_config(port: u16) -> SftpConfig {
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

/// Reads through a proxy whose first connection stops sending after
/// 1 MiB: the stall timeout fails the stalled read within seconds (not
/// after the HTTP client's 30 s request timeout), and under the retry
/// layer the read resumes and completes with the right bytes.
#[test]
fn a_stalled_s3_read_fails_fast_and_resumes() {
    watchdog("stalled read", Duration::from_secs(120), || {
        let content: Vec<u8> = (0..4 * 1024 * 1024 + 3).map(|i| (i % 251) as u8).collect();
        let key = unique("stalled.bin");
        let direct = Store::new(S3Backend::new(crate::s3::moto_config()).unwrap());
        direct.write_bytes(&key, content.clone(), true).unwrap();
        let upstream = var("RS_S3_ENDPOINT")
            .trim_start_matches("http://")
            .to_owned();
        let through = |proxy: &Proxy| {
            let config = crate::s3::moto_config()
                .endpoint(format!("http://127.0.0.1:{}", proxy.port))
                .retry(0, Duration::from_secs(30));
            Store::new(S3Backend::new(config).unwrap())
                .layer(TimeoutLayer::new().stall(Duration::from_secs(1)))
        };
        // Alone, the timeout fails the read, retryably, within seconds.
        let proxy = Proxy::stalling(upstream.clone(), 1, 1024 * 1024, true);
        let started = std::time::Instant::now();
        let err = through(&proxy).read_bytes(&key).unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        // Under retry, it resumes.
        let proxy = Proxy::stalling(upstream, 1, 1024 * 1024, true);
        let store = through(&proxy).layer(retry());
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut store.read(&key).unwrap(), &mut read).unwrap();
        assert!(
            read == content,
            "{} bytes read, content differs",
            read.len()
        );
        assert!(proxy.accepted() >= 2, "no second connection");
        direct.delete(&key, false).unwrap();
    });
}

/// A consumer slower than the stall limit is not a stall: the clock runs
/// only while the consumer waits for the backend.
#[test]
fn a_slow_consumer_is_not_a_stall() {
    use futures::StreamExt;
    watchdog("slow consumer", Duration::from_secs(120), || {
        let key = unique("slow.bin");
        let direct = Store::new(S3Backend::new(crate::s3::moto_config()).unwrap());
        direct
            .write_bytes(&key, vec![7u8; 512 * 1024], true)
            .unwrap();
        crate::faults::runtime().block_on(async {
            let store =
                remote_store::AsyncStore::new(S3Backend::new(crate::s3::moto_config()).unwrap())
                    .layer(TimeoutLayer::new().stall(Duration::from_millis(300)));
            let mut stream = store.read(&key).await.unwrap();
            let mut total = 0;
            // Three waits longer than the stall limit, then the rest.
            let mut waits = 3;
            while let Some(chunk) = stream.next().await {
                total += chunk.unwrap().len();
                if waits > 0 {
                    waits -= 1;
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
            }
            assert_eq!(total, 512 * 1024);
        });
        direct.delete(&key, false).unwrap();
    });
}

/// An upload whose connection stops taking bytes fails within seconds,
/// retryably, and leaves no object. (4 MiB goes as one `PUT` the backend
/// buffers whole, so the source ends at once and the commit's limit,
/// `operation`, is the one that fires; a multipart upload stalls its
/// source, and `stall` fires.)
#[test]
fn a_stalled_s3_upload_fails_fast_and_leaves_nothing() {
    watchdog("stalled upload", Duration::from_secs(120), || {
        let upstream = var("RS_S3_ENDPOINT")
            .trim_start_matches("http://")
            .to_owned();
        let proxy = Proxy::stalling(upstream, 1, 256 * 1024, false);
        let config = crate::s3::moto_config()
            .endpoint(format!("http://127.0.0.1:{}", proxy.port))
            .retry(0, Duration::from_secs(30));
        let limits = TimeoutLayer::new()
            .stall(Duration::from_secs(1))
            .operation(Duration::from_secs(2));
        let store = Store::new(S3Backend::new(config).unwrap()).layer(limits);
        let key = unique("stalled-upload.bin");
        let started = std::time::Instant::now();
        let err = store
            .write_bytes(&key, vec![1u8; 4 * 1024 * 1024], true)
            .unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
        let direct = Store::new(S3Backend::new(crate::s3::moto_config()).unwrap());
        assert!(
            !direct.exists(&key).unwrap(),
            "a stalled upload left an object"
        );
    });
}

/// One place for retries: a retry layer asked for in a URL (or a
/// configuration) turns the S3 and Azure SDKs' own retries off, so a
/// server that resets every connection sees exactly the layer's attempts,
/// not the layer's times the SDK's.
#[test]
fn a_configured_retry_layer_is_the_one_place_that_retries() {
    watchdog("one place for retries", Duration::from_secs(60), || {
        let layer = "retry.attempts=3&retry.initial_backoff=0.02&retry.max_backoff=0.05";
        let s3 = Proxy::resetting(
            var("RS_S3_ENDPOINT")
                .trim_start_matches("http://")
                .to_owned(),
            usize::MAX,
        );
        let s3_url = format!(
            "s3://{}/?endpoint=http://127.0.0.1:{}&allow_http=true&region=us-east-1\
             &access_key_id=test&secret_access_key=test&{layer}",
            var("RS_S3_BUCKET"),
            s3.port
        );
        let endpoint = var("RS_AZURE_ENDPOINT");
        let address = endpoint.trim_start_matches("http://");
        let (upstream, path) = address.split_once('/').unwrap_or((address, ""));
        let azure = Proxy::resetting(upstream.to_owned(), usize::MAX);
        let azure_url = format!(
            "az://{}/?account={}&access_key={}&endpoint=http://127.0.0.1:{}/{path}\
             &allow_http=true&{layer}",
            var("RS_AZURE_CONTAINER"),
            var("RS_AZURE_ACCOUNT"),
            percent_encoding::utf8_percent_encode(
                &var("RS_AZURE_KEY"),
                percent_encoding::NON_ALPHANUMERIC
            ),
            azure.port
        );
        for (name, url, proxy) in [("s3", s3_url, s3), ("azure", azure_url, azure)] {
            let store = <Store as remote_store::OpenUrl>::open(&url).unwrap();
            let err = store.read_bytes("anything.txt").unwrap_err();
            assert!(err.is_retryable(), "{name}: {err}");
            assert_eq!(
                proxy.accepted(),
                3,
                "{name}: the layer's 3 attempts, each one request"
            );
            // A lazy listing makes its first request on its first item:
            // retried all the same (the SDK's retries being off).
            let first = store
                .list_files("", false)
                .and_then(|mut files| files.next().transpose());
            let err = first.map(drop).expect_err(name);
            assert!(err.is_retryable(), "{name}: {err}");
            assert_eq!(proxy.accepted(), 6, "{name}: 3 attempts at the listing");
        }
    });
}

/// The SDK's whole-request timeout (object_store's, body included) cuts a
/// slow reader that no stall limit would; a timeout layer from a URL or a
/// configuration turns it off, leaving dead connections to the stall
/// limit. Here with a 1 s request timeout against a reader that takes
/// about 2 s: cut when asked for, whole when turned off (0). 16 MiB: the
/// response body reaches the reader through a bounded channel of a few
/// frames (`IoConnector`), so a small body would be read whole before the
/// timeout whatever the reader does.
#[test]
fn a_slow_reader_outlives_the_sdk_request_timeout_only_when_it_is_off() {
    use futures::StreamExt;
    watchdog("slow reader", Duration::from_secs(120), || {
        let key = unique("slow-reader.bin");
        let direct = Store::new(S3Backend::new(crate::s3::moto_config()).unwrap());
        direct.write_bytes(&key, vec![5u8; 16 << 20], true).unwrap();
        let url = |extra: &str| {
            format!(
                "s3://{}/?endpoint={}&allow_http=true&region=us-east-1\
                 &access_key_id=test&secret_access_key=test&{extra}",
                var("RS_S3_BUCKET"),
                var("RS_S3_ENDPOINT")
            )
        };
        let slow_read = |url: String| {
            let key = key.clone();
            crate::faults::runtime().block_on(async move {
                let store = <remote_store::AsyncStore as remote_store::OpenUrl>::open(&url)?;
                let mut stream = store.read(&key).await?;
                let (mut total, mut waits) = (0, 3);
                while let Some(chunk) = stream.next().await {
                    total += chunk?.len();
                    if waits > 0 {
                        waits -= 1;
                        tokio::time::sleep(Duration::from_millis(700)).await;
                    }
                }
                remote_store::Result::Ok(total)
            })
        };
        let cut: remote_store::Error =
            slow_read(url("request_timeout_secs=1&retry_max=0")).unwrap_err();
        assert!(cut.is_retryable(), "{cut}");
        assert_eq!(slow_read(url("request_timeout_secs=0")).unwrap(), 16 << 20);
        // The timeout layer's stall limit does not mind a slow reader.
        assert_eq!(
            slow_read(url("timeout.stall=0.5&retry_max=0")).unwrap(),
            16 << 20
        );
        direct.delete(&key, false).unwrap();
    });
}

/// The stalled read of the S3 test above on Azure and both SFTP engines:
/// through a proxy whose connections each stop sending after 1 MiB, the
/// read fails within seconds, retryably, and under retry it completes
/// with the right bytes. The async backends are stopped by the timeout
/// layer's stall limit; ssh2's blocking calls cannot be interrupted from
/// above, so its own per-request limit (`io_timeout`, which a configured
/// timeout layer sets to the stall limit) is what fires.
#[test]
fn stalled_reads_fail_fast_and_resume_on_azure_and_sftp() {
    watchdog("stalled reads", Duration::from_secs(240), || {
        let content: Vec<u8> = (0..4 * 1024 * 1024 + 3).map(|i| (i % 251) as u8).collect();
        let stall = Duration::from_secs(1);
        let endpoint = var("RS_AZURE_ENDPOINT");
        let address = endpoint.trim_start_matches("http://");
        let (azure_upstream, azure_path) = address.split_once('/').unwrap_or((address, ""));
        let sftp_upstream = format!("{}:{}", var("RS_SFTP_HOST"), var("RS_SFTP_PORT"));
        let through = |name: &str, proxy: &Proxy| -> Store {
            match name {
                "azure" => {
                    let endpoint = format!("http://127.0.0.1:{}/{azure_path}", proxy.port);
                    let config =
                        crate::azure::config_for(&endpoint).retry(0, Duration::from_secs(30));
                    Store::new(AzureBackend::new(config).unwrap())
                        .layer(TimeoutLayer::new().stall(stall))
                }
                "sftp-russh" => {
                    // The engine's per-request limit set to the stall
                    // limit, as a configured timeout layer sets it: a
                    // request on the stalled connection then fails in time
                    // and the pool drops the connection, so the resumed
                    // read gets a fresh one.
                    let config = sftp_config(proxy.port).io_timeout(stall);
                    Store::new(AsyncSftpBackend::new(config).unwrap())
                        .layer(TimeoutLayer::new().stall(stall))
                }
                _ => {
                    let config = sftp_config(proxy.port).io_timeout(stall);
                    Store::new(SftpBackend::new(config).unwrap())
                }
            }
        };
        let direct: [(&str, Store, String); 3] = [
            (
                "azure",
                Store::new(AzureBackend::new(crate::azure::azurite_config()).unwrap()),
                azure_upstream.to_owned(),
            ),
            (
                "sftp-russh",
                Store::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap()),
                sftp_upstream.clone(),
            ),
            (
                "sftp-ssh2",
                Store::new(SftpBackend::new(crate::sftp::config()).unwrap()),
                sftp_upstream,
            ),
        ];
        for (name, direct, upstream) in direct {
            let key = unique("stalled.bin");
            direct.write_bytes(&key, content.clone(), true).unwrap();
            // Alone, the read fails, retryably, within seconds.
            // Every connection stops after 1 MiB: the clients may spread
            // a read's requests over several.
            let proxy = Proxy::stalling(upstream.clone(), usize::MAX, 1024 * 1024, true);
            let started = std::time::Instant::now();
            let err = through(name, &proxy)
                .read_bytes(&key)
                .map(|b| b.len())
                .unwrap_err();
            assert!(err.is_retryable(), "{name}: {err}");
            let took = started.elapsed();
            assert!(took < Duration::from_secs(15), "{name}: took {took:?}");
            // Under retry, it completes, whole.
            let proxy = Proxy::stalling(upstream, usize::MAX, 1024 * 1024, true);
            let store = through(name, &proxy).layer(retry());
            let mut read = Vec::new();
            std::io::Read::read_to_end(&mut store.read(&key).unwrap(), &mut read)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                read == content,
                "{name}: {} bytes read, content differs",
                read.len()
            );
            assert!(proxy.accepted() >= 2, "{name}: no second connection");
            direct.delete(&key, false).unwrap();
        }
    });
}
