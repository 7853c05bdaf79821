//! OpenDAL services through `OpendalBackend`, on servers that `cargo xtask
//! services up` starts on loopback: WebDAV (wsgidav), GCS
//! (fake-gcs-server) and HTTP (nginx, read-only), each through both faces.
//! What a server does not keep of its service is removed from the
//! capabilities of its configuration (`without`), with the reason here,
//! so the suite checks only what is declared.

use remote_store::backends::OpendalBackend;
use remote_store::opendal::opendal;
use remote_store::{Capabilities, Capability};

use crate::services::var;

mod webdav {
    use super::*;

    /// (wsgidav 4.4's etags are `inode-mtime-size`, the time in whole
    /// seconds: the backend declares no conditions on WebDAV for that.)
    pub(crate) fn backend() -> OpendalBackend {
        let builder = opendal::services::Webdav::default().endpoint(&var("RS_WEBDAV_ENDPOINT"));
        OpendalBackend::new(opendal::Operator::new(builder).expect("webdav operator"))
    }
    remote_store_conformance::conformance_tests!(async, backend, skip: {
        list_10k_entries =>
            "10,000 writes take over 5 min per face on this emulator (10-15 ms a request on two \
             cores), beyond the CI budget; the listing code is the same on every service and \
             passes at 10k on OpenDAL's memory service (remote-store-opendal's own tests)",
    });

    /// One plain HTTP request to the server (what another client does).
    fn raw(method: &str, path: &str, body: &[u8]) -> String {
        use std::io::{Read, Write};
        let endpoint = var("RS_WEBDAV_ENDPOINT");
        let host = endpoint.trim_start_matches("http://");
        let mut conn = std::net::TcpStream::connect(host).expect("connect");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).expect("send");
        conn.write_all(body).expect("send");
        let mut answer = String::new();
        conn.read_to_string(&mut answer).expect("answer");
        answer
    }

    /// A name the server holds but OpenDAL would trim (`tr `, put there
    /// by another client) is an error item of a listing, never a file
    /// that no call could then use.
    #[test]
    fn names_opendal_would_trim_are_error_items() {
        use remote_store::{ErrorKind, Store};
        let dir = format!("trim-{:x}", std::process::id());
        assert!(raw("MKCOL", &format!("/{dir}"), b"").starts_with("HTTP/1.1 201"));
        assert!(raw("PUT", &format!("/{dir}/tr%20"), b"x").starts_with("HTTP/1.1 201"));
        assert!(raw("PUT", &format!("/{dir}/ok"), b"y").starts_with("HTTP/1.1 201"));
        let store = Store::new(backend()).child(&dir).expect("child");
        let items: Vec<_> = store.list_files("", false).expect("list").collect();
        let _ = store.delete_folder("", true, true);
        assert_eq!(items.len(), 2, "{items:?}");
        let listed: Vec<_> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
        assert_eq!(listed.len(), 1, "{items:?}");
        assert_eq!(listed[0].path.as_str(), "ok");
        let refused = items
            .iter()
            .find_map(|i| i.as_ref().err())
            .expect("an error item");
        assert!(refused.is_unlisted(), "{refused}");
        assert_eq!(refused.kind(), ErrorKind::InvalidPath, "{refused}");
    }
}

mod gcs {
    use super::*;

    /// fake-gcs-server 1.54 ignores preconditions (`ifGenerationMatch=0`,
    /// `If-Match`): a no-overwrite write or a pinned read is not kept
    /// there, so this configuration does not declare them.
    const FAKE_GCS_DEVIATIONS: Capabilities =
        Capabilities::of(&[Capability::ExclusiveWrite, Capability::ConditionalRead]);

    pub(crate) fn backend() -> OpendalBackend {
        let builder = opendal::services::Gcs::default()
            .endpoint(&var("RS_GCS_ENDPOINT"))
            .bucket(&var("RS_GCS_BUCKET"))
            .skip_signature()
            .disable_vm_metadata()
            .disable_config_load();
        OpendalBackend::new(opendal::Operator::new(builder).expect("gcs operator"))
            .without(FAKE_GCS_DEVIATIONS)
            // It has no XML multipart uploads (`POST ?uploads` answers 400).
            .with_one_shot_writes()
    }
    remote_store_conformance::conformance_tests!(async, backend, skip: {
        list_10k_entries =>
            "10,000 writes take over 5 min per face on this emulator (10-15 ms a request on two \
             cores), beyond the CI budget; the listing code is the same on every service and \
             passes at 10k on OpenDAL's memory service (remote-store-opendal's own tests)",
    });
}

/// HTTP, read-only: nginx serves files the test puts in its folder;
/// reads, ranges and stats go through OpenDAL's HTTP service, and every
/// write, delete and listing is refused by capability before any request.
mod http {
    use super::*;
    use remote_store::{AsyncStore, ErrorKind, Store};

    fn operator(root: &str) -> opendal::Operator {
        let builder = opendal::services::Http::default()
            .endpoint(&var("RS_HTTP_ENDPOINT"))
            .root(root);
        opendal::Operator::new(builder).expect("http operator")
    }

    pub(crate) fn backend() -> OpendalBackend {
        OpendalBackend::new(operator("/"))
    }
    remote_store_conformance::conformance_tests!(async, backend);

    /// A fresh folder of the served tree holding `files`; its URL root.
    fn served(files: &[(&str, &[u8])]) -> String {
        let name = format!("t-{:016x}", fastrand_u64());
        let dir = std::path::Path::new(&var("RS_HTTP_DIR")).join(&name);
        for (path, data) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().expect("a parent")).expect("mkdir");
            std::fs::write(file, data).expect("write a served file");
        }
        format!("/{name}/")
    }

    fn fastrand_u64() -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::time::SystemTime::now())
    }

    #[test]
    fn reads_ranges_and_stats_and_refuses_the_rest() {
        let data: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let root = served(&[("a.bin", &data), ("sub/b.txt", b"bee")]);
        let backend = OpendalBackend::new(operator(&root));
        let caps = remote_store::AsyncBackend::capabilities(&backend);
        for cap in [Capability::Read, Capability::RangeRead] {
            assert!(caps.contains(cap), "{cap} missing from {caps:?}");
        }
        // `Metadata` promises folder totals too, which need a listing.
        for cap in [
            Capability::Write,
            Capability::Delete,
            Capability::List,
            Capability::Move,
            Capability::Copy,
            Capability::Metadata,
        ] {
            assert!(!caps.contains(cap), "{cap} declared over plain HTTP");
        }
        let store = Store::new(backend);
        assert_eq!(store.read_bytes("a.bin").expect("read").as_ref(), &data[..]);
        assert_eq!(
            store.read_bytes("sub/b.txt").expect("read").as_ref(),
            b"bee"
        );
        let options = remote_store::ReadOptions::new().range(99_990, Some(100));
        let range = store
            .read_bytes_with("a.bin", &options)
            .expect("range read");
        assert_eq!(range.as_ref(), &data[99_990..]);
        assert!(store.is_file("a.bin").expect("is_file"));
        assert!(!store.is_file("nope.bin").expect("is_file"));
        assert!(store.exists("sub/b.txt").expect("exists"));
        let missing = store.read_bytes("nope.bin").expect_err("a missing file");
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");
        let refused = store
            .write_bytes("new.bin", b"x", true)
            .expect_err("no writes");
        assert_eq!(
            refused.kind(),
            ErrorKind::CapabilityNotSupported,
            "{refused}"
        );
        let refused = store.delete("a.bin", false).expect_err("no deletes");
        assert_eq!(
            refused.kind(),
            ErrorKind::CapabilityNotSupported,
            "{refused}"
        );
        let refused = store.list_files("", false).err().expect("no listings");
        assert_eq!(
            refused.kind(),
            ErrorKind::CapabilityNotSupported,
            "{refused}"
        );
    }

    #[test]
    fn the_async_face_reads_too() {
        let root = served(&[("c.txt", b"hello, http")]);
        let store = AsyncStore::new(OpendalBackend::new(operator(&root)));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            assert_eq!(
                store.read_bytes("c.txt").await.expect("read").as_ref(),
                b"hello, http"
            );
            assert!(store.is_file("c.txt").await.expect("is_file"));
            let tail = remote_store::ReadOptions::new().range(7, None);
            let tail = store.read_bytes_with("c.txt", &tail).await.expect("range");
            assert_eq!(tail.as_ref(), b"http");
        });
    }
}

/// The same services from configuration (`type = "opendal"`) and URLs
/// (`webdav://`, `gcs://`, `http://`), through the registry.
mod configured {
    use remote_store::{Config, ErrorKind, OpenUrl, Registry, Store};

    use crate::services::var;

    fn round_trip(store: &Store, path: &str) {
        store.write_bytes(path, b"configured", true).expect("write");
        assert_eq!(
            store.read_bytes(path).expect("read").as_ref(),
            b"configured"
        );
        store.delete(path, false).expect("delete");
    }

    #[test]
    fn webdav_and_gcs_from_toml() {
        let text = format!(
            "[backends.dav]\ntype = \"opendal\"\nscheme = \"webdav\"\nendpoint = \"{}\"\n\
             [backends.gcs]\ntype = \"opendal\"\nscheme = \"gcs\"\nendpoint = \"{}\"\nbucket = \"{}\"\n\
             skip_signature = true\ndisable_vm_metadata = true\ndisable_config_load = true\n\
             one_shot_writes = true\nwithout = \"exclusive_write, conditional_read\"\n\
             [stores.dav]\nbackend = \"dav\"\nroot = \"configured\"\n\
             [stores.gcs]\nbackend = \"gcs\"\nroot = \"configured\"\n",
            var("RS_WEBDAV_ENDPOINT"),
            var("RS_GCS_ENDPOINT"),
            var("RS_GCS_BUCKET"),
        );
        let registry =
            Registry::new(Config::from_toml_str(&text).expect("config")).expect("registry");
        round_trip(&registry.store("dav").expect("dav"), "toml.txt");
        let gcs = registry.store("gcs").expect("gcs");
        round_trip(&gcs, "toml.txt");
        let caps = gcs.capabilities();
        assert!(
            !caps.contains(remote_store::Capability::ExclusiveWrite),
            "{caps:?}"
        );
    }

    #[test]
    fn a_key_the_service_does_not_take_is_named() {
        let text = "[backends.dav]\ntype = \"opendal\"\nscheme = \"webdav\"\n\
                    endpoint = \"http://127.0.0.1:1\"\nbucket = \"b\"\n";
        let err = Config::from_toml_str(text)
            .and_then(Registry::new)
            .expect_err("webdav takes no bucket");
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
        assert!(err.to_string().contains("backends.dav.bucket"), "{err}");
    }

    /// Two WebDAV servers are two storages (OpenDAL names no WebDAV
    /// service, so the endpoint names it), which `rstore` tells apart
    /// when it refuses overlapping copies.
    #[test]
    fn webdav_servers_have_their_own_storage_ids() {
        let dav = var("RS_WEBDAV_ENDPOINT").replacen("http://", "webdav://", 1);
        let other = dav.replacen("127.0.0.1", "localhost", 1);
        let a = Store::open(&format!("{dav}/ids")).expect("webdav URL");
        let b = Store::open(&format!("{other}/ids")).expect("webdav URL");
        let (a, b) = (
            a.storage_id().expect("an id"),
            b.storage_id().expect("an id"),
        );
        assert_ne!(a, b, "two servers, one storage id");
        assert!(a.contains("127.0.0.1:9400"), "{a}");
    }

    #[test]
    fn urls_open_webdav_gcs_and_http() {
        let dav = var("RS_WEBDAV_ENDPOINT").replacen("http://", "webdav://", 1);
        let store = Store::open(&format!("{dav}/from-url")).expect("webdav URL");
        round_trip(&store, "url.txt");
        let gcs = format!(
            "gcs://{}/from-url?endpoint={}&skip_signature=true&disable_vm_metadata=true\
             &disable_config_load=true&one_shot_writes=true&without=exclusive_write,conditional_read",
            var("RS_GCS_BUCKET"),
            var("RS_GCS_ENDPOINT"),
        );
        round_trip(&Store::open(&gcs).expect("gcs URL"), "url.txt");
        let dir = std::path::Path::new(&var("RS_HTTP_DIR")).join("from-url");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("page.txt"), b"served").expect("write a served file");
        let http = format!("{}/from-url", var("RS_HTTP_ENDPOINT"));
        let store = Store::open(&http).expect("http URL");
        assert_eq!(
            store.read_bytes("page.txt").expect("read").as_ref(),
            b"served"
        );
        let err = store
            .write_bytes("x.txt", b"x", true)
            .expect_err("read-only");
        assert_eq!(err.kind(), ErrorKind::CapabilityNotSupported, "{err}");
    }
}

/// `check_health` makes one request that reaches the server: it passes
/// against each live server, and fails with the contract's kind against
/// a port nobody listens on and a missing bucket.
mod health {
    use super::*;
    use remote_store::{AsyncStore, ErrorKind};

    /// A loopback port with nothing listening (bound, then released).
    fn dead_endpoint() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        format!("http://127.0.0.1:{port}")
    }

    fn check(builder: impl opendal::Builder) -> remote_store::Result<()> {
        let store = AsyncStore::new(OpendalBackend::new(
            opendal::Operator::new(builder).expect("operator"),
        ));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(30), store.check_health())
                .await
                .expect("check_health hung")
        })
    }

    fn webdav(endpoint: &str, root: &str) -> opendal::services::Webdav {
        opendal::services::Webdav::default()
            .endpoint(endpoint)
            .root(root)
    }

    fn gcs(endpoint: &str, bucket: &str) -> opendal::services::Gcs {
        opendal::services::Gcs::default()
            .endpoint(endpoint)
            .bucket(bucket)
            .skip_signature()
            .disable_vm_metadata()
            .disable_config_load()
    }

    fn http(endpoint: &str) -> opendal::services::Http {
        opendal::services::Http::default().endpoint(endpoint)
    }

    fn expect_kind(result: remote_store::Result<()>, kind: ErrorKind, what: &str) {
        match result {
            Ok(()) => panic!("{what}: check_health passed"),
            Err(e) => assert_eq!(e.kind(), kind, "{what}: {e}"),
        }
    }

    #[test]
    fn passes_against_live_servers() {
        check(webdav(&var("RS_WEBDAV_ENDPOINT"), "/")).expect("webdav");
        check(gcs(&var("RS_GCS_ENDPOINT"), &var("RS_GCS_BUCKET"))).expect("gcs");
        check(http(&var("RS_HTTP_ENDPOINT"))).expect("http");
    }

    #[test]
    fn fails_without_a_server() {
        let dead = dead_endpoint();
        let unavailable = ErrorKind::BackendUnavailable;
        expect_kind(check(webdav(&dead, "/")), unavailable, "webdav");
        expect_kind(check(gcs(&dead, "b")), unavailable, "gcs");
        expect_kind(check(http(&dead)), unavailable, "http");
    }

    #[test]
    fn fails_on_a_missing_bucket() {
        let gcs = gcs(&var("RS_GCS_ENDPOINT"), "never-created-by-any-test");
        expect_kind(check(gcs), ErrorKind::NotFound, "gcs bucket");
    }

    /// A WebDAV root that does not exist yet is an empty store (the
    /// first write makes it, as OpenDAL makes a file's parents): the
    /// health check passes, as a listing finds nothing.
    #[test]
    fn a_missing_webdav_root_is_an_empty_store() {
        let dav = webdav(&var("RS_WEBDAV_ENDPOINT"), "/never-created-by-any-test/");
        check(dav).expect("a missing root is not unhealthy");
    }
}
