//! `delete_batch` and `remote_store::transfer::Batch` against real
//! servers: S3's bulk delete is one request per batch of keys (counted at
//! a relay, against a control that deletes path by path), and batches of
//! deletes, existence checks and copies answer every path on every
//! backend, on both faces. Every test runs under a watchdog.

use std::time::Duration;

use remote_store::backends::S3Backend;
use remote_store::transfer::Batch;
use remote_store::{AsyncStore, CopyOptions, ErrorKind, Store};

use crate::faults::{runtime, unique, watchdog};
use crate::proxy::Proxy;
use crate::services::var;
use crate::transfer::store;

const KINDS: [&str; 6] = ["memory", "local", "s3", "azure", "sftp-russh", "sftp-ssh2"];

/// moto answers each request on its own connection, so a relay's
/// accepted connections count requests.
#[test]
fn s3_deletes_a_batch_in_bulk_requests() {
    watchdog("s3 bulk delete", Duration::from_secs(300), || {
        let root = unique("bulk");
        let direct = Store::new(S3Backend::new(crate::s3::moto_config()).unwrap())
            .child(&root)
            .unwrap();
        let upstream = var("RS_S3_ENDPOINT")
            .trim_start_matches("http://")
            .to_owned();
        let proxy = Proxy::resetting(upstream, 0);
        let relayed = Store::new(
            S3Backend::new(
                crate::s3::moto_config().endpoint(format!("http://127.0.0.1:{}", proxy.port)),
            )
            .unwrap(),
        )
        .child(&root)
        .unwrap();
        let paths: Vec<String> = (0..300).map(|i| format!("k{i:03}")).collect();
        for p in &paths {
            direct.write_bytes(p, "x", false).unwrap();
        }
        // The control: 20 paths one by one (a check and a delete each)
        // when the caller wants to hear about missing files.
        let before = proxy.accepted();
        let answers = relayed.delete_batch(&paths[..20], false).unwrap();
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        let one_by_one = proxy.accepted() - before;
        assert!(one_by_one >= 20, "{one_by_one} requests for 20 deletes");
        // In bulk: 280 keys are two requests (256 keys each at most).
        let before = proxy.accepted();
        let answers = relayed.delete_batch(&paths[20..], true).unwrap();
        assert_eq!(answers.len(), 280);
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        let bulk = proxy.accepted() - before;
        assert!(bulk <= 3, "{bulk} requests for 280 keys in bulk");
        for p in [&paths[20], &paths[275], &paths[299]] {
            assert!(!direct.exists(p).unwrap(), "{p} is still there");
        }
    });
}

#[test]
fn batches_answer_every_path_on_every_backend_and_face() {
    watchdog("batches", Duration::from_secs(600), || {
        for kind in KINDS {
            for face in ["sync", "async"] {
                let store = store(kind);
                let names: Vec<String> = (0..40).map(|i| format!("d/f{i:02}")).collect();
                // d/sub/keep keeps d a folder while its files go.
                for p in names.iter().map(String::as_str).chain(["d/sub/keep"]) {
                    store.write_bytes(p, "x", false).unwrap();
                }
                check(kind, face, &store, &names);
            }
        }
    });
}

/// exists, copy and delete over `names` (all files), a missing path and
/// a folder, through `face`.
fn check(kind: &str, face: &str, store: &Store, names: &[String]) {
    let batch = Batch::new().concurrency(8);
    let mut probe = names.to_vec();
    probe.extend(["d/missing".to_owned(), "d".to_owned()]);
    let pairs: Vec<(String, String)> = names[..4]
        .iter()
        .map(|p| (p.clone(), format!("c/{}", &p[2..])))
        .collect();
    let (exists, copies, deletes) = match face {
        "sync" => (
            batch
                .exists_blocking(store, probe.clone())
                .collect::<Vec<_>>(),
            batch
                .copy_blocking(store, pairs.clone(), &CopyOptions::new())
                .collect::<Vec<_>>(),
            batch
                .delete_blocking(store, probe.clone(), false)
                .collect::<Vec<_>>(),
        ),
        _ => {
            use futures::StreamExt as _;
            let a: AsyncStore = store.to_async();
            let rt = runtime();
            rt.block_on(async {
                let exists = batch
                    .exists(&a, futures::stream::iter(probe.clone()))
                    .collect()
                    .await;
                let copies = batch
                    .copy(
                        &a,
                        futures::stream::iter(pairs.clone()),
                        &CopyOptions::new(),
                    )
                    .collect()
                    .await;
                let deletes = batch
                    .delete(&a, futures::stream::iter(probe.clone()), false)
                    .collect()
                    .await;
                (exists, copies, deletes)
            })
        }
    };
    let at = format!("{kind}/{face}");
    assert_eq!(exists.len(), probe.len(), "{at}");
    for (answer, path) in exists.iter().zip(&probe) {
        assert_eq!(&answer.path, path, "{at}: answers in order");
        let expected = path != "d/missing";
        assert_eq!(answer.result.as_ref().ok(), Some(&expected), "{at}: {path}");
    }
    assert_eq!(copies.len(), pairs.len(), "{at}");
    let can_copy = store
        .capabilities()
        .contains(remote_store::Capability::Copy);
    for (answer, (src, dst)) in copies.iter().zip(&pairs) {
        assert_eq!((&answer.src, &answer.dst), (src, dst), "{at}");
        match &answer.result {
            Ok(()) => assert_eq!(store.read_bytes(dst).unwrap(), "x", "{at}: {dst}"),
            Err(e) => {
                assert!(!can_copy, "{at}: {dst}: {e}");
                assert_eq!(e.kind(), ErrorKind::CapabilityNotSupported, "{at}");
            }
        }
    }
    assert_eq!(deletes.len(), probe.len(), "{at}");
    for (answer, path) in deletes.iter().zip(&probe) {
        assert_eq!(&answer.path, path, "{at}: answers in order");
        match path.as_str() {
            "d/missing" => assert_eq!(
                answer.result.as_ref().unwrap_err().kind(),
                ErrorKind::NotFound,
                "{at}"
            ),
            "d" => assert_eq!(
                answer.result.as_ref().unwrap_err().kind(),
                ErrorKind::InvalidPath,
                "{at}: a folder named as a file"
            ),
            _ => assert!(answer.result.is_ok(), "{at}: {path}: {:?}", answer.result),
        }
    }
    for p in names {
        assert!(!store.exists(p).unwrap(), "{at}: {p} is still there");
    }
    assert!(
        store.is_file("d/sub/keep").unwrap(),
        "{at}: a file not named went"
    );
}

/// The iterator given to a `_blocking` batch may itself call the stores
/// (a listing, a check per path), from several threads at once: it is
/// pulled on a thread of its own, never on a runtime worker the stores'
/// calls need.
#[test]
fn blocking_batches_fed_by_store_calls_do_not_stall() {
    watchdog("blocking batch feeds", Duration::from_secs(120), || {
        let store = store("s3");
        for i in 0..40 {
            store
                .write_bytes(format!("feed/f{i:02}"), "x", false)
                .unwrap();
        }
        // One feed that calls the store for each path it yields.
        let probe = store.clone();
        let feed = (0..3).map(move |i| {
            let path = format!("feed/f{i:02}");
            assert!(probe.exists(&path).unwrap());
            path
        });
        let answers: Vec<_> = Batch::new().exists_blocking(&store, feed).collect();
        assert_eq!(answers.len(), 3);
        // Three at once, each fed by a listing of the same store.
        std::thread::scope(|scope| {
            for _ in 0..3 {
                let store = store.clone();
                scope.spawn(move || {
                    let listing = store.list_files("feed", true).unwrap();
                    let feed = listing.map(|f| f.unwrap().path.to_string());
                    let answers: Vec<_> = Batch::new().exists_blocking(&store, feed).collect();
                    assert_eq!(answers.len(), 40);
                    assert!(answers.iter().all(|a| matches!(a.result, Ok(true))));
                });
            }
        });
    });
}
