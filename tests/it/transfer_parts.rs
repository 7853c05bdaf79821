//! Large files copied as ranges read in parallel
//! (`Transfer::parts_per_file`): whole and in order from every backend on
//! both faces, one ranged read per part (sources in memory and on local
//! disk whole unless parts are asked for), a part that breaks fails its
//! file and leaves nothing, and a source changed mid-copy fails the copy
//! instead of mixing two versions. Every transfer runs under a watchdog.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use remote_store::layers::{FaultLayer, Faults, Op};
use remote_store::transfer::{Checksum, Observer, Transfer};
use remote_store::{AsyncStore, Bytes, ErrorKind, RemotePath, Store};

use crate::faults::{runtime, watchdog};
use crate::transfer::{copy_tree as copy, store};

/// Bytes per part in these tests: several parts without large files.
const PART: u64 = 64 * 1024;

fn body(len: u64, seed: u64) -> Bytes {
    (0..len).map(|i| ((i * 31 + seed) % 251) as u8).collect()
}

/// The files of the source tree and the ranged reads each takes: split
/// into parts when larger than one, else read whole.
fn files() -> Vec<(String, Bytes, u32)> {
    [
        (5 * PART + 7, 6),
        (4 * PART, 4),
        (PART + 1, 2),
        (PART, 1),
        (0, 1),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (len, reads))| (format!("f{i}.bin"), body(len, i as u64), reads))
    .collect()
}

/// A store of backend `kind` holding [`files`] below `base`: as is, and
/// under a fault layer that counts its calls.
fn source(kind: &str) -> (Store, Store, Faults) {
    let plain = store(kind);
    for (name, bytes, _) in files() {
        plain
            .write_bytes(format!("base/{name}"), bytes, false)
            .unwrap();
    }
    let faults = Faults::new();
    let counted = plain.clone().layer(FaultLayer::new(faults.clone()));
    (plain, counted, faults)
}

fn parts() -> Transfer {
    Transfer::new()
        .concurrency(2)
        .part_size(PART)
        .split_above(0)
        .parts_per_file(3)
}

#[test]
fn large_files_are_read_in_parts_and_copied_whole() {
    watchdog("copies in parts", Duration::from_secs(300), || {
        let pairs = [
            ("memory", "local", true),
            ("local", "s3", false),
            ("s3", "local", true),
            ("azure", "memory", false),
            ("sftp-russh", "local", true),
            ("sftp-ssh2", "memory", false),
        ];
        for (from, to, asynch) in pairs {
            let what = format!("{from} -> {to} (async: {asynch})");
            let (plain, src, faults) = source(from);
            let dst = store(to);
            let transfer = parts().verify(Checksum::Sha256);
            let report = copy(&transfer, &src, &dst, asynch);
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            let mut reads = 0;
            for (name, bytes, parts) in files() {
                let got = dst.read_bytes(format!("out/{name}")).unwrap();
                assert!(got == bytes, "{what}: {name} differs");
                reads += parts;
            }
            // The digests are computed as the parts stream past: no read
            // of the source but the parts themselves.
            assert_eq!(faults.calls(Op::Read), reads, "{what}: ranged reads");
            for s in [&plain, &dst] {
                s.delete_folder("", true, true).ok();
            }
        }
    });
}

#[test]
fn nearby_sources_are_read_whole_unless_parts_are_asked_for() {
    watchdog("nearby sources", Duration::from_secs(120), || {
        for (from, asked, reads) in [
            ("memory", None, 5),
            ("local", None, 5),
            ("s3", None, 6 + 4 + 2 + 1 + 1),
            ("local", Some(2), 6 + 4 + 2 + 1 + 1),
        ] {
            let what = format!("{from}, parts asked: {asked:?}");
            let (plain, src, faults) = source(from);
            let dst = store("memory");
            let mut transfer = Transfer::new().part_size(PART).split_above(0);
            if let Some(parts) = asked {
                transfer = transfer.parts_per_file(parts);
            }
            let report = copy(&transfer, &src, &dst, true);
            assert!(report.is_complete(), "{what}: {:?}", report.failed);
            assert_eq!(faults.calls(Op::Read), reads, "{what}: reads");
            plain.delete_folder("", true, true).ok();
        }
    });
}

#[test]
fn a_part_that_breaks_fails_its_file_and_leaves_nothing() {
    watchdog("a broken part", Duration::from_secs(120), || {
        for (to, asynch) in [("local", true), ("s3", false), ("sftp-russh", true)] {
            let plain = store("memory");
            let big = body(6 * PART, 9);
            plain.write_bytes("base/big.bin", big, false).unwrap();
            let faults = Faults::new();
            let src = plain.clone().layer(FaultLayer::new(faults.clone()));
            // The first part's read breaks half-way.
            faults.break_reads(PART / 2, 1);
            let dst = store(to);
            let report = copy(&parts().concurrency(1), &src, &dst, asynch);
            assert_eq!(report.failed.len(), 1, "{to}: {:?}", report.copied);
            assert!(
                !dst.exists("out/big.bin").unwrap(),
                "{to}: a partial copy was kept"
            );
            dst.delete_folder("", true, true).ok();
        }
    });
}

/// Replaces one file the first time bytes move (on a thread of its own:
/// the observer is called inside the transfer's runtime).
struct ReplaceOnce {
    store: Store,
    path: &'static str,
    with: Bytes,
    done: AtomicBool,
}

impl Observer for ReplaceOnce {
    fn bytes_moved(&self, _src: &RemotePath, _bytes: u64) {
        if self.done.swap(true, Ordering::SeqCst) {
            return;
        }
        let (store, path, with) = (self.store.clone(), self.path, self.with.clone());
        std::thread::spawn(move || store.write_bytes(path, with, true).unwrap())
            .join()
            .unwrap();
    }
}

#[test]
fn a_source_replaced_mid_copy_fails_and_writes_nothing() {
    watchdog(
        "a source replaced mid-copy",
        Duration::from_secs(180),
        || {
            // Same size where the parts are pinned to the etag (and on local,
            // whose modification time the end check compares); smaller where
            // the parts come back short (SFTP keeps whole seconds).
            let cases = [
                ("memory", 8 * PART),
                ("s3", 8 * PART),
                ("azure", 8 * PART),
                ("local", 8 * PART),
                ("sftp-russh", PART),
                ("sftp-ssh2", 9 * PART),
            ];
            for (kind, new_len) in cases {
                let src = store(kind);
                let old = body(8 * PART, 1);
                src.write_bytes("base/f.bin", old, false).unwrap();
                let dst = store("local");
                let observer = Arc::new(ReplaceOnce {
                    store: src.clone(),
                    path: "base/f.bin",
                    with: body(new_len, 2),
                    done: AtomicBool::new(false),
                });
                let transfer = parts().parts_per_file(2).observer(observer);
                let (a, b): (AsyncStore, AsyncStore) = (src.to_async(), dst.to_async());
                let got = runtime().block_on(async move {
                    transfer.copy_file(&a, "base/f.bin", &b, "out/f.bin").await
                });
                let err = got.expect_err(&format!("{kind}: a mix of two versions was copied"));
                assert_eq!(err.kind(), ErrorKind::PreconditionFailed, "{kind}: {err}");
                assert!(
                    !dst.exists("out/f.bin").unwrap(),
                    "{kind}: the failed copy was kept"
                );
                for s in [&src, &dst] {
                    s.delete_folder("", true, true).ok();
                }
            }
        },
    );
}
