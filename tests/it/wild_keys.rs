//! Keys from the wild on S3 (moto) and Azure Blob (Azurite), written below
//! our API by raw HTTP requests as other tools write them: keys the path
//! rules refuse or would change (`x//y`, `./dot`, `../up`, `a\b`, a tab),
//! zero-byte folder markers (`m/`, an empty folder `empty/`) and a key
//! ending in `/` that holds bytes. The object-store counterpart of
//! `wild_trees.rs`; through both faces.
//!
//! The rules (ADR-0010): a listing never drops a key silently and never
//! fails whole for one; two stored keys never become one path; a marker is
//! a folder, hidden from file listings, and goes with its folder; a
//! recursive delete removes every key below the folder.
//!
//! Azure resolves `.` and `..` segments of a request URL, so no tool can
//! write such a blob name there, and Azurite stores a `\` of a blob name as
//! `/`; those keys are planted on S3 only.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use futures::StreamExt;
use remote_store::{AsyncStore, ErrorKind, Store};
use remote_store_object_store::object_store;

use crate::services::var;

#[derive(Clone, Copy, PartialEq)]
enum Service {
    Moto,
    Azurite,
}

/// Files the listing must return, with their content.
const FILES: [(&str, &str); 4] = [
    ("ok.txt", "ok"),
    ("sub/x.txt", "x"),
    ("m/inside.txt", "i"),
    ("sp ace+plus.txt", "p"),
];
/// Zero-byte folder markers.
const MARKERS: [&str; 2] = ["m/", "empty/"];
/// Keys the listing must report as error items (with content).
const REFUSED: [(&str, &str); 3] = [("fat/", "fat"), ("x//y", "y"), ("tab\there.txt", "t")];
/// Refused keys only S3 can hold (see the module docs).
const REFUSED_S3: [(&str, &str); 3] = [("./dot", "d"), ("../up", "u"), ("back\\slash.txt", "b")];
/// The folders of the planted level; S3 also reports `./` and `../` as
/// error items.
const FOLDERS: [&str; 5] = ["empty", "fat", "m", "sub", "x"];

/// The key bytes as a URL path, `.` segments kept as they are (the
/// server, not the client, decides what they mean).
fn url_path(key: &str) -> String {
    let set = remote_store_object_store::raw::URL_PATH;
    percent_encoding::utf8_percent_encode(key, set).to_string()
}

/// One raw HTTP/1.1 request; returns the status code.
fn send(addr: &str, head: &str, body: &[u8]) -> u16 {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Writes `key` with `body` as another tool would.
fn put(service: Service, key: &str, body: &[u8]) {
    let status = match service {
        Service::Moto => {
            let endpoint = var("RS_S3_ENDPOINT");
            let addr = endpoint.trim_start_matches("http://");
            // moto does not check signatures, but wants one.
            let head = format!(
                "PUT /{}/{} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: AWS4-HMAC-SHA256 \
                 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, \
                 Signature=0\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                var("RS_S3_BUCKET"),
                url_path(key),
                body.len()
            );
            send(addr, &head, body)
        }
        Service::Azurite => put_azurite(key, body),
    };
    assert!((200..300).contains(&status), "PUT {key:?}: HTTP {status}");
}

/// A SharedKey-signed `Put Blob`, sent byte for byte.
fn put_azurite(key: &str, body: &[u8]) -> u16 {
    use object_store::azure::{AzureAccessKey, AzureAuthorizer, AzureCredential};
    use object_store::client::{HttpRequest, HttpRequestBody};
    let endpoint = var("RS_AZURE_ENDPOINT");
    let url = format!("{endpoint}/{}/{}", var("RS_AZURE_CONTAINER"), url_path(key));
    let mut req = HttpRequest::new(HttpRequestBody::from(body.to_vec()));
    *req.method_mut() = http::Method::PUT;
    *req.uri_mut() = url.parse().unwrap();
    let headers = req.headers_mut();
    headers.insert("x-ms-blob-type", "BlockBlob".parse().unwrap());
    headers.insert("content-length", body.len().into());
    let key_ = AzureAccessKey::try_new(&var("RS_AZURE_KEY")).unwrap();
    AzureAuthorizer::new(&AzureCredential::AccessKey(key_), &var("RS_AZURE_ACCOUNT"))
        .try_authorize(&mut req)
        .unwrap();
    let addr = endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut head = format!(
        "PUT {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
        req.uri().path_and_query().unwrap()
    );
    for (name, value) in req.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    send(&addr, &head, body)
}

fn refused(service: Service) -> Vec<(&'static str, &'static str)> {
    let mut all = REFUSED.to_vec();
    if service == Service::Moto {
        all.extend(REFUSED_S3);
    }
    all
}

/// Plants the tree under a fresh folder; returns its name.
fn plant(service: Service) -> String {
    let dir = crate::faults::unique("wild-keys");
    for (name, body) in FILES.iter().chain(refused(service).iter()) {
        put(service, &format!("{dir}/{name}"), body.as_bytes());
    }
    for marker in MARKERS {
        put(service, &format!("{dir}/{marker}"), b"");
    }
    dir
}

fn relative(path: &str, dir: &str) -> String {
    path.strip_prefix(dir)
        .map(|p| p.trim_start_matches('/').to_owned())
        .unwrap_or_else(|| path.to_owned())
}

/// Sorts listing items into names and error items, and checks both.
fn check(items: Vec<remote_store::Result<String>>, want: &[&str], refused: &[&str], what: &str) {
    let mut names = BTreeSet::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(name) => assert!(names.insert(name.clone()), "{what}: {name} twice"),
            Err(e) => errors.push(e),
        }
    }
    let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
    assert_eq!(names, want, "{what}");
    for name in refused {
        let hits: Vec<_> = errors
            .iter()
            .filter(|e| e.to_string().contains(&format!("entry {name:?}")))
            .collect();
        assert_eq!(hits.len(), 1, "{what}: {name:?} reported once: {errors:#?}");
        assert!(hits[0].is_unlisted(), "{}", hits[0]);
        assert_eq!(hits[0].kind(), ErrorKind::InvalidPath, "{}", hits[0]);
    }
    assert_eq!(errors.len(), refused.len(), "{what}: {errors:#?}");
}

fn expected_files() -> Vec<&'static str> {
    FILES.iter().map(|(name, _)| *name).collect()
}

fn expected_folders(service: Service) -> (Vec<&'static str>, Vec<&'static str>) {
    let bad = if service == Service::Moto {
        vec!["./", "../"]
    } else {
        vec![]
    };
    (FOLDERS.to_vec(), bad)
}

fn sync_rules(store: &Store, service: Service) {
    let dir = plant(service);
    let refused_names: Vec<_> = refused(service).iter().map(|(n, _)| *n).collect();
    let files = store
        .list_files(&dir, true)
        .unwrap()
        .map(|f| f.map(|f| relative(f.path.as_str(), &dir)))
        .collect();
    check(files, &expected_files(), &refused_names, "recursive files");
    // One level: the files of the level, and its folders.
    let level = store
        .list_files(&dir, false)
        .unwrap()
        .map(|f| f.map(|f| relative(f.path.as_str(), &dir)))
        .collect();
    let level_refused: &[&str] = match service {
        Service::Moto => &["back\\slash.txt", "tab\there.txt"],
        Service::Azurite => &["tab\there.txt"],
    };
    check(
        level,
        &["ok.txt", "sp ace+plus.txt"],
        level_refused,
        "level files",
    );
    let folders = store
        .list_folders(&dir)
        .unwrap()
        .map(|p| p.map(|p| relative(p.as_str(), &dir)))
        .collect();
    let (want, bad) = expected_folders(service);
    check(folders, &want, &bad, "folders");
    // Content of a name that needs encoding both ways.
    assert_eq!(
        store.read_bytes(format!("{dir}/sp ace+plus.txt")).unwrap(),
        "p"
    );
    // A marker is a folder, not a file.
    assert!(store.is_folder(format!("{dir}/empty")).unwrap());
    assert!(!store.is_file(format!("{dir}/m")).unwrap());
    assert!(store.is_folder(format!("{dir}/m")).unwrap());
    // A folder holding only its marker is empty: a non-recursive delete
    // removes it; a folder with content is not.
    store
        .delete_folder(format!("{dir}/empty"), false, false)
        .unwrap();
    assert!(!store.is_folder(format!("{dir}/empty")).unwrap());
    let e = store
        .delete_folder(format!("{dir}/m"), false, false)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FolderNotEmpty, "{e}");
    // Everything goes with a recursive delete, refused keys and markers
    // included.
    store.delete_folder(&dir, true, false).unwrap();
    let left: Vec<_> = store.list_files(&dir, true).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!store.is_folder(&dir).unwrap(), "a key is left below {dir}");
}

async fn async_rules(store: &AsyncStore, service: Service) {
    let dir = plant(service);
    let refused_names: Vec<_> = refused(service).iter().map(|(n, _)| *n).collect();
    let files = store
        .list_files(&dir, true)
        .await
        .unwrap()
        .map(|f| f.map(|f| relative(f.path.as_str(), &dir)))
        .collect()
        .await;
    check(files, &expected_files(), &refused_names, "recursive files");
    let folders = store
        .list_folders(&dir)
        .await
        .unwrap()
        .map(|p| p.map(|p| relative(p.as_str(), &dir)))
        .collect()
        .await;
    let (want, bad) = expected_folders(service);
    check(folders, &want, &bad, "folders");
    store.delete_folder(&dir, true, false).await.unwrap();
    let left: Vec<_> = store.list_files(&dir, true).await.unwrap().collect().await;
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!store.is_folder(&dir).await.unwrap());
}

/// A store rooted inside a marked folder lists its files, and no file with
/// an empty path for the marker.
fn rooted_at_marker(make: impl Fn(String) -> Store, service: Service) {
    let dir = plant(service);
    let inner = make(format!("{dir}/m"));
    let files: Vec<_> = inner
        .list_files("", true)
        .unwrap()
        .map(|f| f.unwrap().path.to_string())
        .collect();
    assert_eq!(files, ["inside.txt"]);
    let outer = make(String::new());
    outer.delete_folder(&dir, true, false).unwrap();
}

fn watchdog(f: impl FnOnce() + Send + 'static) {
    crate::faults::watchdog("a raw listing or delete hung", Duration::from_secs(300), f);
}

mod s3 {
    use super::*;
    use remote_store::backends::S3Backend;

    fn store(prefix: String) -> Store {
        Store::new(S3Backend::new(crate::s3::moto_config().prefix(prefix)).unwrap())
    }

    #[test]
    fn store_rules() {
        watchdog(|| sync_rules(&store(String::new()), Service::Moto));
    }

    #[test]
    fn async_store_rules() {
        watchdog(|| {
            let s = AsyncStore::new(S3Backend::new(crate::s3::moto_config()).unwrap());
            crate::faults::runtime().block_on(async_rules(&s, Service::Moto));
        });
    }

    #[test]
    fn a_store_rooted_at_a_marker() {
        watchdog(|| rooted_at_marker(store, Service::Moto));
    }
}

mod azure {
    use super::*;
    use remote_store::backends::AzureBackend;

    fn store(prefix: String) -> Store {
        Store::new(AzureBackend::new(crate::azure::azurite_config().prefix(prefix)).unwrap())
    }

    #[test]
    fn store_rules() {
        watchdog(|| sync_rules(&store(String::new()), Service::Azurite));
    }

    #[test]
    fn async_store_rules() {
        watchdog(|| {
            let s = AsyncStore::new(AzureBackend::new(crate::azure::azurite_config()).unwrap());
            crate::faults::runtime().block_on(async_rules(&s, Service::Azurite));
        });
    }

    #[test]
    fn a_store_rooted_at_a_marker() {
        watchdog(|| rooted_at_marker(store, Service::Azurite));
    }
}
