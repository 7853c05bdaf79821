//! Layers from configuration: `[backends.NAME.retry]`, `.timeout`,
//! `trace`, `metrics` are parsed, checked with errors that name the key,
//! written back, and applied to the backend's stores on both faces.

use std::time::Duration;

use remote_store::backends::MemoryBackend;
use remote_store::{AsyncStore, Config, ErrorKind, OpenUrl, Registry, Store};

const LAYERED: &str = r#"
[backends.mem]
type = "memory"
trace = true
metrics = true

[backends.mem.retry]
attempts = 5
initial_backoff = 0.1
max_backoff = "${RS_TEST_UNSET_BACKOFF:-2}"
budget = 30

[backends.mem.timeout]
operation = 10
stall = 5

[backends.mem.limits]
concurrency = 4
bandwidth = 1048576

[backends.plain]
type = "memory"

[stores.layered]
backend = "mem"
root = "data"

[stores.bare]
backend = "plain"
"#;

#[test]
fn layer_tables_are_parsed_and_written_back() {
    let config = Config::from_toml_str(LAYERED).unwrap();
    let layers = &config.backends["mem"].layers;
    let retry = layers.retry.as_ref().unwrap();
    assert_eq!(retry.attempts, Some(5));
    assert_eq!(retry.initial_backoff, Some(Duration::from_millis(100)));
    assert_eq!(retry.max_backoff, Some(Duration::from_secs(2)));
    assert_eq!(retry.budget, Some(Duration::from_secs(30)));
    let timeout = layers.timeout.as_ref().unwrap();
    assert_eq!(timeout.operation, Some(Duration::from_secs(10)));
    assert_eq!(timeout.stall, Some(Duration::from_secs(5)));
    assert!(layers.trace && layers.metrics);
    let limits = layers.limits.as_ref().unwrap();
    assert_eq!(
        (limits.concurrency, limits.bandwidth),
        (Some(4), Some(1 << 20))
    );
    assert!(config.backends["plain"].layers.is_empty());
    // Not taken for backend options.
    assert!(config.backends["mem"].options.iter().next().is_none());
    let again = Config::from_toml_str(&config.to_toml_string()).unwrap();
    assert_eq!(
        again.backends,
        config.backends,
        "{}",
        config.to_toml_string()
    );
}

#[test]
fn stores_get_their_backends_layers_on_both_faces() {
    let registry = Registry::new(Config::from_toml_str(LAYERED).unwrap()).unwrap();
    let layered = registry.store("layered").unwrap();
    assert!(
        layered.backend_as::<MemoryBackend>().is_none(),
        "the store's backend is the layer stack"
    );
    assert_eq!(layered.root().as_str(), "data", "the root stays");
    layered.write_bytes("a.txt", "x", false).unwrap();
    assert_eq!(layered.read_bytes("a.txt").unwrap(), "x");
    let bare = registry.store("bare").unwrap();
    assert!(bare.backend_as::<MemoryBackend>().is_some());
    let async_layered = registry.async_store("layered").unwrap();
    assert!(async_layered.backend_as::<MemoryBackend>().is_none());
    let read = remote_store_core_block_on(async_layered.read_bytes("a.txt"));
    assert_eq!(read.unwrap(), "x", "both faces share the backend");
}

fn remote_store_core_block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn refused(text: &str) -> String {
    let err = Config::from_toml_str(text).expect_err("must be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    err.to_string()
}

#[test]
fn bad_layer_settings_name_the_key() {
    let base = "[backends.m]\ntype = \"memory\"\n";
    for (extra, key) in [
        (
            "[backends.m.retry]\nattempts = 0\n",
            "backends.m.retry.attempts",
        ),
        (
            "[backends.m.retry]\nattempts = 2.5\n",
            "backends.m.retry.attempts",
        ),
        ("[backends.m.retry]\ntries = 3\n", "backends.m.retry.tries"),
        (
            "[backends.m.retry]\nbudget = -1\n",
            "backends.m.retry.budget",
        ),
        (
            "[backends.m.retry]\nbudget = \"soon\"\n",
            "backends.m.retry.budget",
        ),
        (
            "[backends.m.timeout]\nstall = 0\n",
            "backends.m.timeout.stall",
        ),
        (
            "[backends.m.timeout]\nidle = 5\n",
            "backends.m.timeout.idle",
        ),
        (
            "[backends.m.retry]\nattempts = true\n",
            "backends.m.retry.attempts",
        ),
        (
            "[backends.m.retry]\ninitial_backoff = 5\nmax_backoff = 1\n",
            "initial_backoff (5 s) is above max_backoff (1 s)",
        ),
        (
            "trace = \"yes\"\n",
            "backends.m.trace: expected true or false",
        ),
        (
            "metrics = 1\n",
            "backends.m.metrics: expected true or false",
        ),
        ("retry = 5\n", "backends.m.retry: expected a table"),
        (
            "[backends.m.limit]\nconcurrency = 2\n",
            "backends.m.limit: unknown table",
        ),
        (
            "[backends.m.timeout]\nstall = 0.0001\n",
            "backends.m.timeout.stall",
        ),
    ] {
        let text = refused(&format!("{base}{extra}"));
        assert!(text.contains(key), "{extra}: {text}");
    }
}

#[test]
fn url_options_give_the_same_layers_as_the_file() {
    let url = "memory:///data?retry.attempts=5&retry.initial_backoff=0.1&retry.max_backoff=2\
               &retry.budget=30&timeout.operation=10&timeout.stall=5&trace=true&metrics=true\
               &limits.concurrency=4&limits.bandwidth=1048576";
    let resolved = remote_store::url::resolve(url).unwrap();
    let file = Config::from_toml_str(LAYERED).unwrap();
    assert_eq!(resolved.layers, file.backends["mem"].layers);
    assert_eq!(resolved.root, "/data");
    // Written back, read again: the same settings.
    let again = format!("memory:///data?{}", resolved.layers.to_url_options());
    assert_eq!(
        remote_store::url::resolve(&again).unwrap().layers,
        resolved.layers
    );

    let store = Store::open(url).unwrap();
    assert!(
        store.backend_as::<MemoryBackend>().is_none(),
        "the store's backend is the layer stack"
    );
    assert_eq!(store.root().as_str(), "data");
    store.write_bytes("a.txt", "x", false).unwrap();
    assert_eq!(store.read_bytes("a.txt").unwrap(), "x");
    let async_store = AsyncStore::open(url).unwrap();
    assert!(async_store.backend_as::<MemoryBackend>().is_none());
    let plain = Store::open("memory:///data").unwrap();
    assert!(
        plain.backend_as::<MemoryBackend>().is_some(),
        "no options, no layers"
    );
}

#[test]
fn bad_url_options_name_the_option() {
    for (query, named) in [
        ("retry.tries=3", "retry.tries"),
        ("retry.attempts=0", "retry.attempts"),
        ("retry.attempts=many", "retry.attempts"),
        ("timeout.stall=0", "timeout.stall"),
        ("timeout.idle=5", "timeout.idle"),
        ("trace=yes", "trace"),
        ("metrics=1", "metrics"),
        ("limits.concurrency=0", "limits.concurrency"),
        ("limits.bandwidth=1.5", "limits.bandwidth"),
        ("limits.connections=2", "limits.connections"),
    ] {
        let err = remote_store::url::resolve(&format!("memory:///?{query}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{query}: {err}");
        assert!(err.to_string().contains(named), "{query}: {err}");
    }
    // Options that are not layers' still reach the backend's factory,
    // which refuses the ones it does not know.
    let err = remote_store::url::resolve("memory:///?retry.attempts=2&colour=red").unwrap_err();
    assert!(err.to_string().contains("colour"), "{err}");
}

#[test]
fn a_backends_stores_share_its_limits() {
    // 4 MiB/s for the backend: two stores of it, on both faces, writing
    // 1 MiB each at once take about half a second together (each alone,
    // on a budget of its own, would take about a quarter).
    let config = Config::from_toml_str(
        "[backends.m]\ntype = \"memory\"\n[backends.m.limits]\nbandwidth = 4194304\n\
         [stores.a]\nbackend = \"m\"\nroot = \"a\"\n[stores.b]\nbackend = \"m\"\nroot = \"b\"\n",
    )
    .unwrap();
    let registry = Registry::new(config).unwrap();
    let (a, b) = (
        registry.store("a").unwrap(),
        registry.async_store("b").unwrap(),
    );
    let data = vec![0u8; 1 << 20];
    let started = std::time::Instant::now();
    let copy = data.clone();
    let sync_write = std::thread::spawn(move || a.write_bytes("x", copy, false).unwrap());
    remote_store_core_block_on(b.write_bytes("x", data, false)).unwrap();
    sync_write.join().unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(
        took >= 0.35,
        "2 MiB at a shared 4 MiB/s took only {took:.2} s"
    );
}

#[test]
fn retry_and_timeout_with_their_defaults_go_through_urls() {
    let resolved = remote_store::url::resolve("memory:///?retry=true&timeout=true").unwrap();
    let layers = &resolved.layers;
    assert_eq!(layers.retry, Some(Default::default()));
    assert_eq!(layers.timeout, Some(Default::default()));
    let again = format!("memory:///?{}", layers.to_url_options());
    assert_eq!(&remote_store::url::resolve(&again).unwrap().layers, layers);
    let off = remote_store::url::resolve("memory:///?retry=false").unwrap();
    assert_eq!(off.layers.retry.unwrap().attempts, Some(1), "one attempt");
}

/// Under a configured retry layer, an SDK that retries its own requests
/// (S3, Azure) is told not to, unless the configuration says otherwise:
/// one place retries (ADR-0017).
#[cfg(feature = "s3")]
#[test]
fn a_configured_retry_layer_turns_the_sdk_retries_off() {
    use remote_store::backends::S3Backend;
    let text = |extra: &str| {
        format!(
            "[backends.s]\ntype = \"s3\"\nbucket = \"b\"\nregion = \"eu-west-1\"\n{extra}\n\
             [backends.s.retry]\nattempts = 3\n"
        )
    };
    let retry_max = |text: String| {
        let registry = Registry::new(Config::from_toml_str(&text).unwrap()).unwrap();
        let remote_store::AnyBackend::Async(backend) = registry.backend("s").unwrap() else {
            panic!("S3 is async");
        };
        let s3 = backend.as_any().downcast_ref::<S3Backend>().unwrap();
        s3.config().retry_max
    };
    assert_eq!(retry_max(text("")), Some(0));
    assert_eq!(retry_max(text("retry_max = 2")), Some(2), "given, kept");
    let without = "[backends.s]\ntype = \"s3\"\nbucket = \"b\"\nregion = \"eu-west-1\"\n";
    assert_eq!(
        retry_max(without.to_owned()),
        None,
        "no layer, the SDK's own"
    );
}

/// Under a configured timeout layer, the SDK's whole-request timeout is
/// turned off (the stall limit catches dead connections) and a blocking
/// engine's per-request limit becomes the stall limit, unless given.
#[cfg(all(feature = "s3", feature = "sftp-ssh2"))]
#[test]
fn a_configured_timeout_layer_is_the_one_place_for_timeouts() {
    use remote_store::backends::{S3Backend, SftpBackend};
    let backend = |text: &str| {
        Registry::new(Config::from_toml_str(text).unwrap())
            .unwrap()
            .backend("b")
            .unwrap()
    };
    let s3 = "[backends.b]\ntype = \"s3\"\nbucket = \"b\"\nregion = \"eu-west-1\"\n";
    let request_timeout = |text: String| {
        let remote_store::AnyBackend::Async(b) = backend(&text) else {
            panic!("S3 is async")
        };
        b.as_any()
            .downcast_ref::<S3Backend>()
            .unwrap()
            .config()
            .request_timeout
    };
    let layer = "[backends.b.timeout]\nstall = 7\n";
    assert_eq!(
        request_timeout(format!("{s3}{layer}")),
        Some(Duration::ZERO)
    );
    assert_eq!(
        request_timeout(format!("{s3}request_timeout_secs = 9\n{layer}")),
        Some(Duration::from_secs(9)),
        "given, kept"
    );
    assert_eq!(
        request_timeout(s3.to_owned()),
        None,
        "no layer, the SDK's own"
    );

    let sftp = "[backends.b]\ntype = \"sftp\"\nengine = \"ssh2\"\nhost = \"h\"\nuser = \"u\"\npassword = \"p\"\n";
    let remote_store::AnyBackend::Sync(b) = backend(&format!("{sftp}{layer}")) else {
        panic!("ssh2 is sync")
    };
    let io = b
        .as_any()
        .downcast_ref::<SftpBackend>()
        .unwrap()
        .config()
        .io_timeout;
    assert_eq!(io, Duration::from_secs(7));
}

#[test]
fn trace_and_metrics_take_variables_like_other_strings() {
    let text = "[backends.m]\ntype = \"memory\"\ntrace = \"${RS_TEST_UNSET_TRACE:-true}\"\n";
    assert!(
        Config::from_toml_str(text).unwrap().backends["m"]
            .layers
            .trace
    );
}

#[test]
fn retry_false_means_one_attempt_and_urls_expand_no_variables() {
    let layers = remote_store::url::resolve("memory:///?retry=false")
        .unwrap()
        .layers;
    assert_eq!(layers.retry.unwrap().attempts, Some(1));
    for (query, says) in [
        ("retry=false&retry.attempts=3", "contradict"),
        ("timeout=false", "cannot be turned off"),
    ] {
        let err = remote_store::url::resolve(&format!("memory:///?{query}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{query}: {err}");
        assert!(err.to_string().contains(says), "{query}: {err}");
    }
    // A URL's values are taken as written, and an error quotes them so,
    // never a variable's value.
    let err = remote_store::url::resolve("memory:///?retry.attempts=${HOME}").unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("${HOME}"), "{shown}");
    if let Ok(home) = std::env::var("HOME") {
        assert!(!shown.contains(&format!("'{home}'")), "{shown}");
    }
}
