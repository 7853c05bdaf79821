//! Idle connections and the server's keep-alive limit, on S3 and Azure.
//!
//! A server closes an idle keep-alive connection after a limit of its own
//! (Node.js servers such as Azurite and s3rver: 5 s). A request the client
//! sends on a connection the server is closing at that instant fails with
//! a reset, which object_store cannot retry for a request that is not
//! idempotent (a no-overwrite write), so it reaches the caller: one of 10k
//! writes to Azurite failed this way now and then. `pool_idle_timeout`
//! keeps the client's reuse below the server's limit; the test servers'
//! configs set it. Here: the setting reaches the HTTP client, from a config
//! (S3) and from a URL (Azure), and the default keeps reusing connections
//! (the control, so the check can fail).

use std::time::Duration;

use remote_store::backends::S3Backend;
use remote_store::{OpenUrl, Store};

use crate::faults::watchdog;
use crate::proxy::Proxy;
use crate::services::var;

/// A relay to `endpoint`'s host (no resets): it counts connections.
fn relay(endpoint: &str) -> (Proxy, String) {
    let address = endpoint.trim_start_matches("http://");
    let (upstream, path) = address.split_once('/').unwrap_or((address, ""));
    (Proxy::resetting(upstream.to_owned(), 0), path.to_owned())
}

/// An S3 store (s3rver: moto closes every connection after its answer)
/// through `proxy`, with `idle` as its pool limit.
fn s3(proxy: &Proxy, idle: Option<Duration>) -> Store {
    let mut config =
        crate::s3::s3rver_config().endpoint(format!("http://127.0.0.1:{}", proxy.port));
    config.pool_idle_timeout = idle;
    Store::new(S3Backend::new(config).unwrap())
}

/// An Azure store (the shared Azurite) through `proxy`, from a URL.
fn azure(proxy: &Proxy, path: &str, idle: Option<Duration>) -> Store {
    let idle = idle.map_or(String::new(), |d| {
        format!("&pool_idle_timeout_secs={}", d.as_secs())
    });
    let url = format!(
        "az://{}/?account={}&access_key={}&endpoint=http://127.0.0.1:{}/{path}\
         &allow_http=true{idle}",
        var("RS_AZURE_CONTAINER"),
        var("RS_AZURE_ACCOUNT"),
        percent_encoding::utf8_percent_encode(
            &var("RS_AZURE_KEY"),
            percent_encoding::NON_ALPHANUMERIC
        ),
        proxy.port
    );
    Store::open(&url).unwrap()
}

#[test]
fn an_idle_connection_is_not_reused_past_the_pool_limit() {
    watchdog("pool idle timeout", Duration::from_secs(120), || {
        for name in ["s3", "azure"] {
            for idle in [None, Some(Duration::from_secs(1))] {
                let (proxy, store) = match name {
                    "s3" => {
                        let (proxy, _) = relay(&var("RS_S3RVER_ENDPOINT"));
                        let store = s3(&proxy, idle);
                        (proxy, store)
                    }
                    _ => {
                        let (proxy, path) = relay(&var("RS_AZURE_ENDPOINT"));
                        let store = azure(&proxy, &path, idle);
                        (proxy, store)
                    }
                };
                let probe = "keep-alive-probe.txt";
                assert!(!store.exists(probe).unwrap(), "{name}");
                let first = proxy.accepted();
                std::thread::sleep(Duration::from_millis(1600));
                assert!(!store.exists(probe).unwrap(), "{name}");
                let opened = proxy.accepted() - first;
                match idle {
                    None => assert_eq!(opened, 0, "{name}: the default reuses the connection"),
                    // Some calls use two clients (object_store's and the
                    // raw one for listings): one or two new connections.
                    Some(_) => assert!(opened > 0, "{name}: a connection idle past 1 s reused"),
                }
            }
        }
    });
}
