//! `remote_store::transfer` against real servers: trees copied between
//! backends on both faces, copies inside one backend, existing
//! destinations, overlapping trees, a read that breaks, cancellation.
//! Every transfer runs under a watchdog.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use remote_store::backends::{
    AsyncMemoryBackend, AsyncSftpBackend, AzureBackend, LocalBackend, S3Backend, SftpBackend,
};
use remote_store::layers::{FaultLayer, Faults};
use remote_store::transfer::{
    CancelToken, Checksum, Compare, FileStart, IfExists, Observer, Outcome, Report, SyncOptions,
    Transfer, Verified,
};
use remote_store::{AsyncStore, Bytes, ErrorKind, RemotePath, Store};

use crate::faults::{runtime, unique, watchdog};

/// A store of backend `kind`, rooted at a fresh folder.
pub(crate) fn store(kind: &str) -> Store {
    let plain = match kind {
        "memory" => Store::new(AsyncMemoryBackend::new()),
        "local" => {
            let dir = tempfile::tempdir().unwrap().keep();
            Store::new(LocalBackend::new(dir).unwrap())
        }
        "s3" => Store::new(S3Backend::new(crate::s3::moto_config()).unwrap()),
        // Servers that ignore `If-Match` on reads.
        "s3s-fs" => Store::new(S3Backend::new(crate::s3::s3s_config()).unwrap()),
        "s3rver" => Store::new(S3Backend::new(crate::s3::s3rver_config()).unwrap()),
        "azure" => Store::new(AzureBackend::new(crate::azure::azurite_config()).unwrap()),
        "sftp-russh" => Store::new(AsyncSftpBackend::new(crate::sftp::config()).unwrap()),
        "sftp-ssh2" => Store::new(SftpBackend::new(crate::sftp::config()).unwrap()),
        _ => unreachable!("{kind}"),
    };
    plain.child(unique("transfer")).unwrap()
}

/// The tree every test copies: small, empty, nested, a name with a space
/// and a non-ASCII letter, and one file larger than any chunk.
fn tree() -> BTreeMap<&'static str, Bytes> {
    let big: Vec<u8> = (0..(1024 * 1024 + 7u32))
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let mut files = BTreeMap::from([
        ("a.txt", Bytes::from_static(b"alpha")),
        ("empty", Bytes::new()),
        ("deep/er/\u{fc} n.bin", Bytes::from(big)),
        ("deep/x.txt", Bytes::from_static(b"x")),
    ]);
    for (i, name) in ["m/0", "m/1", "m/2", "m/3", "m/4", "m/5"]
        .into_iter()
        .enumerate()
    {
        files.insert(name, Bytes::from(vec![b'0' + i as u8; i * 100]));
    }
    files
}

fn total(files: &BTreeMap<&str, Bytes>) -> u64 {
    files.values().map(|b| b.len() as u64).sum()
}

fn put_tree(store: &Store, base: &str) {
    for (name, body) in tree() {
        store
            .write_bytes(format!("{base}/{name}"), body, true)
            .unwrap();
    }
}

/// Every file of the tree is below `base` of `store`, whole.
fn assert_tree(store: &Store, base: &str, what: &str) {
    for (name, body) in tree() {
        let got = store
            .read_bytes(format!("{base}/{name}"))
            .unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
        assert_eq!(got, body, "{what}: {name}");
    }
}

/// Counts what the observer hears.
#[derive(Default)]
struct Counting {
    started: AtomicUsize,
    finished: AtomicUsize,
    bytes: AtomicU64,
}

impl Observer for Counting {
    fn file_started(&self, _file: &FileStart) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }
    fn bytes_moved(&self, _src: &RemotePath, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }
    fn file_finished(&self, _outcome: &Outcome) {
        self.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// Copies `src/base` to `dst/out` with `transfer`, on the async face or
/// the sync one.
pub(crate) fn copy_tree(transfer: &Transfer, src: &Store, dst: &Store, asynch: bool) -> Report {
    if !asynch {
        return transfer
            .copy_tree_blocking(src, "base", dst, "out")
            .unwrap();
    }
    let (a, b): (AsyncStore, AsyncStore) = (src.to_async(), dst.to_async());
    let transfer = transfer.clone();
    runtime()
        .block_on(async move { transfer.copy_tree(&a, "base", &b, "out").await })
        .unwrap()
}

#[test]
fn trees_copy_between_backends_on_both_faces() {
    watchdog(
        "transfer between backends",
        Duration::from_secs(300),
        || {
            let pairs = [
                ("memory", "local", true),
                ("local", "s3", false),
                ("s3", "sftp-russh", true),
                ("sftp-ssh2", "azure", false),
                ("azure", "sftp-ssh2", true),
                ("sftp-russh", "memory", false),
            ];
            let files = tree();
            for (from, to, asynch) in pairs {
                let what = format!("{from} -> {to} (async: {asynch})");
                let (src, dst) = (store(from), store(to));
                put_tree(&src, "base");
                let observer = Arc::new(Counting::default());
                let transfer = Transfer::new().concurrency(3).observer(observer.clone());
                let report = copy_tree(&transfer, &src, &dst, asynch);
                assert!(report.is_complete(), "{what}: {:?}", report.failed);
                assert_eq!(report.copied.len(), files.len(), "{what}");
                assert_eq!(report.bytes, total(&files), "{what}");
                assert!(report.copied.iter().all(|c| !c.server_side), "{what}");
                assert_tree(&dst, "out", &what);
                assert_eq!(
                    observer.started.load(Ordering::Relaxed),
                    files.len(),
                    "{what}"
                );
                assert_eq!(
                    observer.finished.load(Ordering::Relaxed),
                    files.len(),
                    "{what}"
                );
                assert_eq!(
                    observer.bytes.load(Ordering::Relaxed),
                    total(&files),
                    "{what}"
                );
                for s in [&src, &dst] {
                    s.delete_folder("", true, true).ok();
                }
            }
        },
    );
}

#[test]
fn a_copy_inside_one_backend_happens_there() {
    watchdog(
        "transfer inside a backend",
        Duration::from_secs(120),
        || {
            // SFTP's `copy` streams through the client (no `ServerSideCopy`):
            // the transfer streams it itself, in parts and checked.
            for (kind, asynch, inside) in [
                ("s3", true, true),
                ("local", false, true),
                ("sftp-russh", true, false),
            ] {
                let src = store(kind);
                put_tree(&src, "base");
                // Another store on the same backend, elsewhere in it.
                let dst = src.child("elsewhere").unwrap();
                let report = copy_tree(&Transfer::new(), &src, &dst, asynch);
                assert!(report.is_complete(), "{kind}: {:?}", report.failed);
                assert!(
                    report.copied.iter().all(|c| c.server_side == inside),
                    "{kind}"
                );
                assert_eq!(report.bytes, total(&tree()), "{kind}");
                assert_tree(&dst, "out", kind);
                src.delete_folder("", true, true).ok();
            }
        },
    );
}

#[test]
fn overlapping_trees_are_refused_before_anything_is_copied() {
    watchdog("overlapping transfer", Duration::from_secs(60), || {
        for kind in ["memory", "local", "s3"] {
            let src = store(kind);
            put_tree(&src, "base");
            for (from, to) in [
                ("base", "base/inner"),
                ("base/deep", "base"),
                ("base", "base"),
            ] {
                let err = Transfer::new()
                    .copy_tree_blocking(&src, from, &src, to)
                    .unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{kind}: {err}");
            }
            // The same place reached through another store of the backend.
            let child = src.child("base").unwrap();
            let err = Transfer::new()
                .copy_tree_blocking(&src, "base", &child, "")
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{kind}: {err}");
            assert!(!src.exists("base/inner").unwrap(), "{kind}");
            src.delete_folder("", true, true).ok();
        }
    });
}

#[test]
fn existing_destinations_fail_are_skipped_or_replaced() {
    watchdog("existing destinations", Duration::from_secs(120), || {
        for kind in ["memory", "s3", "sftp-russh"] {
            let src = store("memory");
            put_tree(&src, "base");
            let files = tree().len();
            let dst = store(kind);
            let old = Bytes::from_static(b"old");
            let reset = || dst.write_bytes("out/a.txt", old.clone(), true).unwrap();

            reset();
            let report = copy_tree(&Transfer::new(), &src, &dst, true);
            assert_eq!(report.failed.len(), 1, "{kind}");
            assert_eq!(
                report.failed[0].error.kind(),
                ErrorKind::AlreadyExists,
                "{kind}"
            );
            assert_eq!(report.copied.len(), files - 1, "{kind}");
            assert_eq!(
                dst.read_bytes("out/a.txt").unwrap(),
                old,
                "{kind}: replaced"
            );
            assert_eq!(report.ok().unwrap_err().kind(), ErrorKind::AlreadyExists);

            dst.delete_folder("out", true, true).unwrap();
            reset();
            let skip = Transfer::new().if_exists(IfExists::Skip);
            let report = copy_tree(&skip, &src, &dst, false);
            assert!(report.is_complete(), "{kind}: {:?}", report.failed);
            assert_eq!(report.skipped.len(), 1, "{kind}");
            assert_eq!(report.copied.len(), files - 1, "{kind}");
            assert_eq!(
                dst.read_bytes("out/a.txt").unwrap(),
                old,
                "{kind}: replaced"
            );

            let replace = Transfer::new().if_exists(IfExists::Overwrite);
            let report = copy_tree(&replace, &src, &dst, true);
            assert!(report.is_complete(), "{kind}: {:?}", report.failed);
            assert_eq!(report.copied.len(), files, "{kind}");
            assert_tree(&dst, "out", kind);
            dst.delete_folder("", true, true).ok();
        }
    });
}

#[test]
fn a_read_that_breaks_fails_its_file_only_and_leaves_nothing() {
    watchdog(
        "broken read in a transfer",
        Duration::from_secs(120),
        || {
            for kind in ["local", "s3", "sftp-russh"] {
                let faults = Faults::new();
                let src = store("memory");
                put_tree(&src, "base");
                // The second read breaks after 1 byte: the big file (listed
                // first: "deep/…") or another.
                let src = src.layer(FaultLayer::new(faults.clone()));
                faults.break_reads(1, 1);
                let dst = store(kind);
                let report = copy_tree(&Transfer::new().concurrency(1), &src, &dst, true);
                assert_eq!(report.failed.len(), 1, "{kind}: {:?}", report.failed);
                let failed = &report.failed[0];
                let at = failed.dst.clone().unwrap();
                assert!(
                    !dst.exists(at.as_str()).unwrap(),
                    "{kind}: a partial {at} was kept"
                );
                assert_eq!(report.copied.len(), tree().len() - 1, "{kind}");
                for copied in &report.copied {
                    let want = src.read_bytes(copied.src.as_str()).unwrap();
                    assert_eq!(dst.read_bytes(copied.dst.as_str()).unwrap(), want, "{kind}");
                }
                dst.delete_folder("", true, true).ok();
            }
        },
    );
}

/// Cancels its token once `after` bytes went through.
struct CancelAfter {
    token: CancelToken,
    after: u64,
    seen: AtomicU64,
}

impl Observer for CancelAfter {
    fn bytes_moved(&self, _src: &RemotePath, bytes: u64) {
        if self.seen.fetch_add(bytes, Ordering::Relaxed) + bytes >= self.after {
            self.token.cancel();
        }
    }
}

#[test]
fn a_cancelled_transfer_stops_and_keeps_no_partial_file() {
    watchdog("cancelled transfer", Duration::from_secs(120), || {
        for (kind, asynch) in [("local", true), ("s3", false), ("sftp-russh", true)] {
            let src = store("memory");
            put_tree(&src, "base");
            let dst = store(kind);
            let token = CancelToken::new();
            let observer = Arc::new(CancelAfter {
                token: token.clone(),
                after: 100_000, // inside the big file, listed first
                seen: AtomicU64::new(0),
            });
            let transfer = Transfer::new()
                .concurrency(1)
                .observer(observer)
                .cancel_token(token);
            let report = copy_tree(&transfer, &src, &dst, asynch);
            assert!(report.cancelled, "{kind}");
            assert!(!report.is_complete(), "{kind}");
            assert!(
                report.copied.len() < tree().len(),
                "{kind}: nothing stopped"
            );
            for (name, body) in tree() {
                let path = format!("out/{name}");
                if dst.exists(&path).unwrap() {
                    assert_eq!(
                        dst.read_bytes(&path).unwrap(),
                        body,
                        "{kind}: partial {name}"
                    );
                }
            }
            assert_eq!(report.ok().unwrap_err().kind(), ErrorKind::Other);
            dst.delete_folder("", true, true).ok();
        }
    });
}

#[test]
fn a_single_file_copies_and_reports_its_errors() {
    watchdog("single file transfer", Duration::from_secs(60), || {
        let (src, dst) = (store("memory"), store("s3"));
        put_tree(&src, "base");
        let t = Transfer::new();
        match t
            .copy_file_blocking(&src, "base/a.txt", &dst, "copy.txt")
            .unwrap()
        {
            Outcome::Copied(c) => assert_eq!(c.bytes, 5),
            other => panic!("{other:?}"),
        }
        assert_eq!(dst.read_bytes("copy.txt").unwrap(), "alpha");
        let again = t.copy_file_blocking(&src, "base/a.txt", &dst, "copy.txt");
        assert_eq!(again.unwrap_err().kind(), ErrorKind::AlreadyExists);
        let skip = t.clone().if_exists(IfExists::Skip);
        let skipped = skip
            .copy_file_blocking(&src, "base/a.txt", &dst, "copy.txt")
            .unwrap();
        assert!(matches!(skipped, Outcome::Skipped(_)), "{skipped:?}");
        let missing = t
            .copy_file_blocking(&src, "base/nope", &dst, "x")
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        let folder = t
            .copy_file_blocking(&src, "base/deep", &dst, "x")
            .unwrap_err();
        assert_eq!(folder.kind(), ErrorKind::InvalidPath);
        let tree_of_nothing = t
            .copy_tree_blocking(&src, "nothing", &dst, "x")
            .unwrap_err();
        assert_eq!(tree_of_nothing.kind(), ErrorKind::NotFound);
        dst.delete_folder("", true, true).ok();
    });
}

fn sync(src: &Store, dst: &Store, options: &SyncOptions) -> Report {
    Transfer::new()
        .sync_tree_blocking(src, "base", dst, "out", options)
        .unwrap()
}

#[test]
fn sync_copies_what_changed_and_deletes_extras_when_asked() {
    watchdog("sync", Duration::from_secs(300), || {
        for (from, to) in [("local", "s3"), ("memory", "sftp-russh"), ("s3", "azure")] {
            let what = format!("{from} -> {to}");
            let (src, dst) = (store(from), store(to));
            put_tree(&src, "base");
            let files = tree().len();
            let report = sync(&src, &dst, &SyncOptions::new());
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            assert_eq!(report.copied.len(), files, "{what}");
            assert_tree(&dst, "out", &what);

            // Again: everything is up to date (resuming copies nothing twice).
            let report = sync(&src, &dst, &SyncOptions::new().delete(true));
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            assert_eq!(report.copied.len(), 0, "{what}: {:?}", report.copied);
            assert_eq!(report.skipped.len(), files, "{what}");
            assert!(report.deleted.is_empty(), "{what}");

            // A file grows, one is added, one is extra at the destination.
            src.write_bytes("base/a.txt", "alpha, longer", true)
                .unwrap();
            src.write_bytes("base/new/n.txt", "n", false).unwrap();
            dst.write_bytes("out/extra.txt", "e", false).unwrap();
            let plan = sync(&src, &dst, &SyncOptions::new().delete(true).dry_run(true));
            assert!(plan.dry_run, "{what}");
            let mut planned: Vec<_> = plan.copied.iter().map(|c| c.src.to_string()).collect();
            planned.sort();
            assert_eq!(planned, ["base/a.txt", "base/new/n.txt"], "{what}");
            assert_eq!(plan.deleted.len(), 1, "{what}");
            assert_eq!(
                dst.read_bytes("out/a.txt").unwrap(),
                "alpha",
                "{what}: dry run copied"
            );
            assert!(
                dst.exists("out/extra.txt").unwrap(),
                "{what}: dry run deleted"
            );

            let report = sync(&src, &dst, &SyncOptions::new().delete(true));
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            assert_eq!(report.copied.len(), 2, "{what}");
            assert_eq!(report.deleted.len(), 1, "{what}");
            assert_eq!(
                dst.read_bytes("out/a.txt").unwrap(),
                "alpha, longer",
                "{what}"
            );
            assert_eq!(dst.read_bytes("out/new/n.txt").unwrap(), "n", "{what}");
            assert!(!dst.exists("out/extra.txt").unwrap(), "{what}");

            // Same size, changed later than its copy: found by time, not
            // by size alone.
            std::thread::sleep(Duration::from_millis(2100));
            src.write_bytes("base/deep/x.txt", "y", true).unwrap();
            let by_size = sync(&src, &dst, &SyncOptions::new().compare(Compare::Size));
            assert_eq!(by_size.copied.len(), 0, "{what}");
            let by_time = sync(&src, &dst, &SyncOptions::new());
            assert_eq!(by_time.copied.len(), 1, "{what}: {:?}", by_time.copied);
            assert_eq!(dst.read_bytes("out/deep/x.txt").unwrap(), "y", "{what}");
            for s in [&src, &dst] {
                s.delete_folder("", true, true).ok();
            }
        }
    });
}

#[test]
fn a_sync_that_fails_somewhere_deletes_nothing() {
    watchdog("sync with a failure", Duration::from_secs(120), || {
        let faults = Faults::new();
        let src = store("memory");
        put_tree(&src, "base");
        let src = src.layer(FaultLayer::new(faults.clone()));
        let dst = store("s3");
        dst.write_bytes("out/extra.txt", "e", false).unwrap();
        faults.break_reads(1, 1);
        let report = sync(&src, &dst, &SyncOptions::new().delete(true));
        assert_eq!(report.failed.len(), 2, "{:?}", report.failed);
        assert!(report.deleted.is_empty());
        assert!(
            report
                .failed
                .iter()
                .any(|f| f.error.to_string().contains("were not deleted")),
            "{:?}",
            report.failed
        );
        assert!(dst.exists("out/extra.txt").unwrap());
        dst.delete_folder("", true, true).ok();
    });
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn verified_copies_carry_the_digest_of_their_bytes() {
    watchdog("verified transfer", Duration::from_secs(120), || {
        for (from, to, inside) in [
            ("memory", "s3", false),
            ("local", "sftp-russh", false),
            ("s3", "s3", true),
        ] {
            let what = format!("{from} -> {to}");
            let src = store(from);
            put_tree(&src, "base");
            let dst = match inside {
                true => src.child("elsewhere").unwrap(),
                false => store(to),
            };
            let transfer = Transfer::new().verify(Checksum::Sha256);
            let report = copy_tree(&transfer, &src, &dst, !inside);
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            assert_eq!(report.copied.len(), tree().len(), "{what}");
            for copied in &report.copied {
                let want = sha256_hex(&src.read_bytes(copied.src.as_str()).unwrap());
                assert_eq!(copied.checksum.as_deref(), Some(want.as_str()), "{what}");
                assert_eq!(copied.server_side, inside, "{what}");
            }
            src.delete_folder("", true, true).ok();
            dst.delete_folder("", true, true).ok();
        }
    });
}

/// An S3 etag that is the MD5 of the bytes sent (one `PUT`), or of their
/// parts' MD5s (a multipart upload), stands for the read-back, whatever
/// digest the transfer reports; elsewhere (Azure's opaque etags, local
/// files) the copy is read back.
#[test]
fn an_s3_etag_equal_to_the_md5s_sent_spares_the_read_back() {
    watchdog("md5 etags", Duration::from_secs(300), || {
        // Three parts of a multipart upload (8 MiB, 8 MiB, 5 bytes).
        let large: Bytes = (0..(16 * 1024 * 1024 + 5u32))
            .map(|i| (i * 17 % 253) as u8)
            .collect();
        let src = store("memory");
        put_tree(&src, "base");
        src.write_bytes("base/large.bin", large, true).unwrap();
        let files = tree().len() as u32 + 1;
        for (to, expected) in [
            ("s3", Verified::ServiceMd5),
            ("s3s-fs", Verified::ServiceMd5),
            ("azure", Verified::ReadBack),
            ("local", Verified::ReadBack),
        ] {
            for kind in [Checksum::Md5, Checksum::Sha256] {
                let what = format!("{to} ({})", kind.name());
                let faults = Faults::new();
                let dst = store(to).layer(FaultLayer::new(faults.clone()));
                let report = copy_tree(&Transfer::new().verify(kind), &src, &dst, true);
                assert!(report.is_complete(), "{what}: {:?}", report.failed);
                assert_eq!(report.copied.len() as u32, files, "{what}");
                for copied in &report.copied {
                    assert_eq!(copied.verified, Some(expected), "{what}: {}", copied.dst);
                }
                let read_back = match expected {
                    Verified::ServiceMd5 => 0,
                    _ => files,
                };
                let reads = faults.calls(remote_store::layers::Op::Read);
                assert_eq!(reads, read_back, "{what}: reads of the destination");
                dst.delete_folder("", true, true).ok();
            }
        }
    });
}

/// A verified copy inside S3 reads neither side where both etags are the
/// same MD5, and only the source where the source was uploaded in parts
/// (no MD5 etag) and S3 gave the copy its MD5; Azure reads both.
#[test]
fn a_copy_inside_s3_with_equal_md5_etags_reads_neither_side() {
    watchdog("md5 etags inside", Duration::from_secs(180), || {
        // Uploaded in parts (8 MiB each): a multipart etag.
        let large: Bytes = (0..(16 * 1024 * 1024 + 5u32))
            .map(|i| (i * 19 % 251) as u8)
            .collect();
        for (kind, small, parted) in [
            ("s3", Verified::ServiceEtags, Verified::ServiceMd5),
            ("azure", Verified::ReadBack, Verified::ReadBack),
        ] {
            let faults = Faults::new();
            let base = store(kind).layer(FaultLayer::new(faults.clone()));
            let (src, dst) = (base.child("a").unwrap(), base.child("b").unwrap());
            put_tree(&src, "base");
            src.write_bytes("base/large.bin", large.clone(), true)
                .unwrap();
            let report = copy_tree(&Transfer::new().verify(Checksum::Md5), &src, &dst, true);
            assert!(report.is_complete(), "{kind}: {:?}", report.failed);
            let reads = faults.calls(remote_store::layers::Op::Read);
            let stats = faults.calls(remote_store::layers::Op::GetFileInfo);
            assert_tree(&dst, "out", kind);
            assert!(dst.read_bytes("out/large.bin").unwrap() == large, "{kind}");
            let files = tree().len() as u32 + 1;
            assert_eq!(report.copied.len() as u32, files, "{kind}");
            for copied in &report.copied {
                assert!(copied.server_side, "{kind}: {}", copied.dst);
                let expected = match copied.dst.as_str().ends_with("large.bin") {
                    true => parted,
                    false => small,
                };
                assert_eq!(copied.verified, Some(expected), "{kind}: {}", copied.dst);
            }
            // The verification read nothing but the large source (S3), or
            // both sides of every file (Azure).
            let verifying = match small {
                Verified::ServiceEtags => 1,
                _ => 2 * files,
            };
            assert_eq!(reads, verifying, "{kind}: reads");
            // The source's etag comes from the listing: only the copy is
            // stated.
            assert_eq!(stats, files, "{kind}: stats");
            base.delete_folder("", true, true).ok();
        }
    });
}

/// A backend that stores every written file with its first byte changed.
struct Corrupting {
    inner: Arc<dyn remote_store::AsyncBackend>,
}

#[remote_store::async_trait]
impl remote_store::layer::LayeredAsyncBackend for Corrupting {
    type Inner = dyn remote_store::AsyncBackend;
    fn inner(&self) -> &Self::Inner {
        self.inner.as_ref()
    }
    async fn write(
        &self,
        path: &RemotePath,
        src: remote_store::stream::ByteStream,
        options: &remote_store::WriteOptions,
    ) -> remote_store::Result<remote_store::WriteResult> {
        use futures::StreamExt;
        let mut first = true;
        let flipped = src.map(move |chunk| {
            let chunk = chunk?;
            if first && !chunk.is_empty() {
                first = false;
                let mut bytes = chunk.to_vec();
                bytes[0] ^= 0xff;
                return Ok(Bytes::from(bytes));
            }
            Ok(chunk)
        });
        self.inner.write(path, Box::pin(flipped), options).await
    }
}

#[test]
fn verification_catches_a_corrupted_copy() {
    watchdog("corrupted transfer", Duration::from_secs(120), || {
        let src = store("memory");
        put_tree(&src, "base");
        let s3: Arc<dyn remote_store::AsyncBackend> =
            Arc::new(S3Backend::new(crate::s3::moto_config()).unwrap());
        let root = unique("corrupting");
        let bad = AsyncStore::new(
            Arc::new(Corrupting { inner: s3 }) as Arc<dyn remote_store::AsyncBackend>
        )
        .child(&root)
        .unwrap()
        .to_sync();
        let plain = copy_tree(&Transfer::new(), &src, &bad, true);
        assert!(
            plain.is_complete(),
            "without verification nothing is noticed"
        );
        bad.delete_folder("out", true, true).unwrap();
        let checked = copy_tree(&Transfer::new().verify(Checksum::Md5), &src, &bad, false);
        let nonempty = tree().values().filter(|b| !b.is_empty()).count();
        assert_eq!(checked.failed.len(), nonempty, "{:?}", checked.failed);
        assert_eq!(checked.copied.len(), tree().len() - nonempty);
        for failed in &checked.failed {
            let message = failed.error.to_string();
            assert!(
                message.contains("does not match its source (md5"),
                "{message}"
            );
        }
        bad.delete_folder("", true, true).ok();
    });
}

#[test]
fn trees_and_syncs_refuse_a_file_where_a_folder_belongs() {
    watchdog(
        "files where folders belong",
        Duration::from_secs(60),
        || {
            for kind in ["memory", "s3"] {
                let (src, dst) = (store("memory"), store(kind));
                put_tree(&src, "base");
                dst.write_bytes("out", "a file", false).unwrap();
                let t = Transfer::new();
                let sync = t.sync_tree_blocking(&src, "base/a.txt", &dst, "x", &SyncOptions::new());
                assert_eq!(sync.unwrap_err().kind(), ErrorKind::InvalidPath, "{kind}");
                let into_file = t.copy_tree_blocking(&src, "base", &dst, "out").unwrap_err();
                assert_eq!(
                    into_file.kind(),
                    ErrorKind::InvalidPath,
                    "{kind}: {into_file}"
                );
                let into_file = t
                    .sync_tree_blocking(&src, "base", &dst, "out", &SyncOptions::new())
                    .unwrap_err();
                assert_eq!(
                    into_file.kind(),
                    ErrorKind::InvalidPath,
                    "{kind}: {into_file}"
                );
                assert_eq!(dst.read_bytes("out").unwrap(), "a file", "{kind}");
                dst.delete_folder("", true, true).ok();
            }
        },
    );
}

/// A file replaced by another of the same size and an older time (a
/// restore) is up to date by size and time, and found by checksum.
#[test]
fn a_checksum_sync_finds_a_same_size_file_with_an_older_time() {
    watchdog("checksum sync", Duration::from_secs(60), || {
        let (src, dst) = (store("memory"), store("s3"));
        put_tree(&src, "base");
        // The copy is written after the source: newer.
        sync(&src, &dst, &SyncOptions::new()).ok().unwrap();
        dst.write_bytes("out/a.txt", "ALPHA", true).unwrap();
        let by_time = sync(&src, &dst, &SyncOptions::new());
        assert_eq!(by_time.copied.len(), 0, "size and time cannot see it");
        let checked = SyncOptions::new().compare(Compare::Checksum(Checksum::Sha256));
        let report = sync(&src, &dst, &checked);
        assert!(report.is_complete(), "{:?}", report.failed);
        let copied: Vec<_> = report.copied.iter().map(|c| c.dst.to_string()).collect();
        assert_eq!(copied, ["out/a.txt"]);
        assert_eq!(report.skipped.len(), tree().len() - 1);
        assert_eq!(dst.read_bytes("out/a.txt").unwrap(), "alpha");
        dst.delete_folder("", true, true).ok();
    });
}
