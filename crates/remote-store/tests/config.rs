//! Configuration, registry and URLs: loading, validation errors that name
//! the key, lazy shared backends, closing, third-party factories.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use remote_store::backends::MemoryBackend;
use remote_store::{
    AnyBackend, BackendFactory, Config, ErrorKind, OpenUrl, OptionSpec, Options, Registry, Result,
    Store,
};

fn config_error(text: &str) -> String {
    let err = Config::from_toml_str(text)
        .and_then(Registry::new)
        .expect_err("configuration must be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    err.to_string()
}

#[test]
fn every_backend_option_round_trips() {
    let config = Config::new()
        .backend("mem", "memory", Options::new().with("async", "true"))
        .backend(
            "disk",
            "local",
            Options::new()
                .with("root", "/srv/data")
                .with("create", "false"),
        )
        .store("a", "mem", "")
        .store("b", "disk", "reports/2024");
    let text = config.to_toml_string();
    assert_eq!(Config::from_toml_str(&text).unwrap(), config, "{text}");
    let json = r#"{"backends": {"mem": {"type": "memory", "async": true},
                   "disk": {"type": "local", "root": "/srv/data", "create": false}},
                   "stores": {"a": {"backend": "mem"}, "b": {"backend": "disk", "root": "reports/2024"}}}"#;
    let from_json = Config::from_json_str(json).unwrap();
    assert_eq!(from_json.backends["disk"], config.backends["disk"]);
    assert_eq!(from_json.stores, config.stores);
    let registry = Registry::new(config).unwrap();
    assert!(
        !format!("{registry:?}").contains("s3cr3t"),
        "secret in Debug"
    );
}

#[test]
fn unknown_backend_type_names_the_key() {
    let msg = config_error("[backends.x]\ntype = \"lokal\"\n");
    assert!(
        msg.contains("backends.x.type: unknown backend type 'lokal' (known: "),
        "{msg}"
    );
}

#[test]
#[cfg(not(feature = "sftp-russh"))]
fn a_disabled_backend_names_its_feature() {
    let msg = config_error("[backends.x]\ntype = \"sftp\"\n");
    assert!(
        msg.contains(
            "backends.x.type: the 'sftp' backend is not compiled in: enable the `sftp` feature"
        ),
        "{msg}"
    );
}

#[test]
fn cloud_urls_build_without_network() {
    let store = Store::open("s3://bucket/some/prefix?region=eu-west-1").unwrap();
    assert_eq!(store.root().as_str(), "some/prefix");
    assert_eq!(store.name(), "s3");
    let store = remote_store::AsyncStore::open("az://container/p?account=acct").unwrap();
    assert_eq!(store.name(), "azure");
    // Every option the factories read is one they declare (Azure's
    // `request_timeout_secs` was read but refused as unknown).
    Store::open(
        "az://container/p?account=acct&request_timeout_secs=5&retry_max=0&retry_timeout_secs=9",
    )
    .unwrap();
    Store::open("s3://bucket/p?region=eu-west-1&retry_max=0&retry_timeout_secs=9").unwrap();
    let err = Store::open("s3://bucket/x?endpoint=http://127.0.0.1:1").unwrap_err();
    assert!(
        err.to_string()
            .contains("endpoint: expected an https:// URL"),
        "{err}"
    );
    let err = Store::open("az://container/p").unwrap_err();
    assert!(err.to_string().contains("account: missing"), "{err}");
    let msg = config_error("[backends.x]\ntype = \"s3\"\nbucket = \"b\"\nretry_max = \"lots\"\n");
    assert!(
        msg.contains("backends.x.retry_max: expected a number of retries, got 'lots'"),
        "{msg}"
    );
}

#[test]
fn a_store_naming_a_missing_backend_names_the_key() {
    let msg = config_error("[backends.mem]\ntype = \"memory\"\n[stores.s]\nbackend = \"nope\"\n");
    assert!(
        msg.contains("stores.s.backend: no backend named 'nope' (defined: mem)"),
        "{msg}"
    );
}

#[test]
fn a_missing_required_option_names_the_key() {
    let msg = config_error("[backends.disk]\ntype = \"local\"\n");
    assert!(
        msg.contains("backends.disk.root: missing (expected the folder to serve"),
        "{msg}"
    );
}

#[test]
fn a_bad_value_names_the_key_and_what_was_expected() {
    let msg = config_error("[backends.m]\ntype = \"memory\"\nasync = \"maybe\"\n");
    assert!(
        msg.contains("backends.m.async: expected true or false, got 'maybe'"),
        "{msg}"
    );
    let msg = config_error("[backends.m]\ntype = \"memory\"\nasync = [1, 2]\n");
    assert!(
        msg.contains("backends.m.async: expected a string, number or boolean"),
        "{msg}"
    );
}

#[test]
fn an_unknown_option_names_the_key() {
    let msg = config_error("[backends.m]\ntype = \"memory\"\nflavour = \"x\"\n");
    assert!(
        msg.contains("backends.m.flavour: unknown option (expected one of: async)"),
        "{msg}"
    );
}

#[test]
fn structural_errors_name_the_key() {
    assert!(config_error("[backend.x]\ntype = \"memory\"\n").contains("backend: unknown key"));
    assert!(config_error("[backends.x]\nroot = \"/\"\n").contains("backends.x.type: missing"));
    assert!(config_error("[stores.s]\nroot = \"x\"\n").contains("stores.s.backend: missing"));
    assert!(
        config_error(
            "[backends.m]\ntype = \"memory\"\n[stores.s]\nbackend = \"m\"\nroot = \"../up\"\n"
        )
        .contains("stores.s.root: invalid path")
    );
    assert!(config_error("not = [valid").contains("not valid TOML"));
}

#[test]
fn environment_variables_are_interpolated() {
    let home = std::env::var("HOME").unwrap();
    let config = Config::from_toml_str(
        "[backends.d]\ntype = \"local\"\nroot = \"${HOME}/x\"\ncreate = \"${RS_UNSET_FLAG:-false}\"\n",
    )
    .unwrap();
    let opts = &config.backends["d"].options;
    assert_eq!(opts.get("root"), Some(format!("{home}/x").as_str()));
    assert_eq!(opts.get("create"), Some("false"));
    let msg = config_error("[backends.d]\ntype = \"local\"\nroot = \"${RS_UNSET_DIR}\"\n");
    assert!(
        msg.contains("backends.d.root: environment variable 'RS_UNSET_DIR' is not set"),
        "{msg}"
    );
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("remote-store.toml");
    std::fs::write(&path, "[backends.x]\ntype = \"lokal\"\n").unwrap();
    let err = Registry::from_file(&path).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("remote-store.toml: backends.x.type: unknown backend type"),
        "{msg}"
    );
    let json = dir.path().join("c.json");
    std::fs::write(&json, "{\"backends\": 3}").unwrap();
    let msg = Registry::from_file(&json).unwrap_err().to_string();
    assert!(msg.contains("c.json: backends: expected a table"), "{msg}");
    let msg = Registry::from_file(dir.path().join("missing.toml"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("missing.toml"), "{msg}");
}

#[test]
fn secrets_are_redacted() {
    let config = Config::from_toml_str(
        "[backends.m]\ntype = \"memory\"\npassword = \"hunter2\"\napi_token = \"t0k3n\"\n",
    )
    .unwrap();
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("t0k3n"),
        "{shown}"
    );
    assert!(shown.contains("<redacted>"));
    // The memory backend has no such options: the error names the key, not the value.
    let msg = Registry::new(config).unwrap_err().to_string();
    assert!(!msg.contains("hunter2") && !msg.contains("t0k3n"), "{msg}");
}

#[test]
fn backends_are_lazy_shared_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-yet");
    let config = Config::new()
        .backend("mem", "memory", Options::new())
        .backend(
            "disk",
            "local",
            Options::new().with("root", missing.to_str().unwrap()),
        )
        .store("a", "mem", "a")
        .store("b", "mem", "")
        .store("d", "disk", "");
    // The local root does not exist: loading succeeds (nothing is built)…
    let registry = Registry::new(config).unwrap();
    // …and the first use fails, naming the root.
    let err = registry.store("d").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("not-yet"), "{err}");
    // One backend instance behind both stores.
    registry
        .store("a")
        .unwrap()
        .write_bytes("f.txt", "x", false)
        .unwrap();
    assert_eq!(
        registry.store("b").unwrap().read_bytes("a/f.txt").unwrap(),
        "x"
    );
    assert_eq!(registry.async_store("a").unwrap().root().as_str(), "a");
    let unknown = registry.store("zzz").unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("no store named 'zzz' (defined: a, b, d)")
    );
    let store = registry.store("a").unwrap();
    registry.close().unwrap();
    assert_eq!(
        store.read_bytes("f.txt").unwrap_err().kind(),
        ErrorKind::Closed
    );
    assert_eq!(registry.store("a").unwrap_err().kind(), ErrorKind::Closed);
}

/// A third-party factory: counts how many backends it built.
struct Counting(Arc<AtomicUsize>);

impl BackendFactory for Counting {
    fn kind(&self) -> &'static str {
        "counting-test"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &["counting-test"]
    }
    fn options(&self) -> &'static [OptionSpec] {
        const OPTIONS: &[OptionSpec] = &[OptionSpec::optional("label", "any text")];
        OPTIONS
    }
    fn build(&self, _: &Options) -> Result<AnyBackend> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(AnyBackend::Sync(Arc::new(MemoryBackend::new())))
    }
    fn url_target(&self, url: &remote_store::UrlParts) -> Result<remote_store::UrlTarget> {
        Ok(remote_store::UrlTarget {
            options: Options::new(),
            root: url.path.clone(),
        })
    }
}

#[test]
fn a_registered_factory_serves_configs_and_urls() {
    let built = Arc::new(AtomicUsize::new(0));
    remote_store::register_backend(Counting(built.clone()));
    let registry = Registry::new(
        Config::from_toml_str(
            "[backends.c]\ntype = \"counting-test\"\nlabel = \"x\"\n[stores.one]\nbackend = \"c\"\n[stores.two]\nbackend = \"c\"\n",
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(built.load(Ordering::SeqCst), 0, "built before first use");
    registry.store("one").unwrap();
    registry.store("two").unwrap();
    assert_eq!(built.load(Ordering::SeqCst), 1, "one shared instance");
    let store = Store::open("counting-test:///in/here").unwrap();
    assert_eq!(store.root().as_str(), "in/here");
    assert!(remote_store::backend_types().contains(&"counting-test"));
}

#[test]
fn urls_open_stores() {
    let store = Store::open("memory://").unwrap();
    store.write_bytes("a", "1", false).unwrap();
    let store = remote_store::AsyncStore::open("memory:///deep/root?async=true").unwrap();
    assert_eq!(store.root().as_str(), "deep/root");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/sub%20dir?create=true", dir.path().display());
    let store = Store::open(&url).unwrap();
    store.write_bytes("x.txt", "y", false).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub dir/x.txt")).unwrap(),
        "y"
    );
}

#[test]
#[cfg(feature = "sftp-russh")]
fn sftp_urls_build_without_network() {
    let key = tempfile::NamedTempFile::new().unwrap();
    let url = format!(
        "sftp://me@192.0.2.1:2222/data?key_file={}&connect_timeout_secs=1",
        key.path().display()
    );
    let store = Store::open(&url).unwrap();
    assert_eq!(store.root().as_str(), "data");
    // No auth method: the field is named, before any connection.
    let err = Store::open("sftp://me@192.0.2.1/data").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("auth: missing"), "{err}");
    let err = Store::open(&format!("{url}&engine=telnet")).unwrap_err();
    assert!(
        err.to_string().contains("engine: expected russh or ssh2"),
        "{err}"
    );
}

#[test]
fn bad_urls_say_what_is_wrong() {
    #[cfg(not(feature = "sftp-russh"))]
    {
        let err = Store::open("sftp://me@host:2222/data").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("`sftp` feature"), "{err}");
    }
    let err = Store::open("gopher://x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("unknown URL scheme"), "{err}");
    let err = Store::open("not a url").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let err = Store::open("file://remotehost/x").unwrap_err();
    assert!(err.to_string().contains("host 'remotehost'"), "{err}");
    let err = Store::open("memory://?async=perhaps").unwrap_err();
    assert!(
        err.to_string().contains("async: expected true or false"),
        "{err}"
    );
}

/// Without the `layers` feature, a configuration asking for layers is
/// refused when the registry is built, naming the backend and the feature
/// (never silently unlayered).
#[cfg(not(feature = "layers"))]
#[test]
fn layers_without_the_feature_are_refused() {
    let text = config_error("[backends.m]\ntype = \"memory\"\n[backends.m.retry]\nattempts = 3\n");
    assert!(
        text.contains("backends.m") && text.contains("`layers` feature"),
        "{text}"
    );
    let err = remote_store::url::resolve("memory:///?retry.attempts=3").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.to_string().contains("`layers` feature"), "{err}");
}
