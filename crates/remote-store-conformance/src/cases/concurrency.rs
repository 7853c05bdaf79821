//! Many calls at once on one store, large atomic uploads at once, and a
//! store used from runtimes that come and go.

use std::time::Duration;

use bytes::Bytes;
use remote_store_core::Capability;

use super::ok;
use crate::data::{self, Source, Verifier};
use crate::face::Subject;

/// Sixteen tasks at once on one store: each reads a shared file, writes
/// its own and reads it back, and (where listing is declared) lists a
/// folder others are writing into, which holds at least the files written
/// before the listing began. No call fails, every read is exact.
pub async fn concurrent_mixed_operations(s: Subject) {
    need!(s, Write, Read);
    let shared = data::bytes(64 * 1024, 21);
    ok(s.write("shared.bin", shared.clone(), false).await, "write");
    ok(
        s.write("busy/seed.txt", Bytes::from("seed"), false).await,
        "write",
    );
    let listing = s.capabilities().contains(Capability::List);
    let tasks: Vec<_> = (0..16u64)
        .map(|i| {
            let (s, shared) = (s.clone(), shared.clone());
            tokio::spawn(async move {
                let got = ok(s.read_bytes("shared.bin").await, "read shared");
                data::assert_same(&got, &shared, &format!("task {i}: shared.bin"));
                let own = data::bytes(1000 + i as usize, 100 + i);
                let path = format!("busy/{i}.bin");
                ok(s.write(&path, own.clone(), false).await, "write own");
                data::assert_same(&ok(s.read(&path).await, "read own"), &own, &path);
                if listing {
                    let listed = ok(s.list_files("busy", false).await, "list");
                    let names = super::paths(&listed);
                    for must in ["busy/seed.txt".to_owned(), path] {
                        assert!(names.contains(&must), "task {i}: {must} not listed");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task failed");
    }
}

/// Four 8 MiB atomic writes streamed at once (many chunks each: above
/// multipart and block-staging thresholds) each land whole: the size and
/// the streamed content of every file are right.
pub async fn concurrent_large_streamed_atomic_writes(s: Subject) {
    need!(s, AtomicWrite, Read, Metadata);
    const LEN: u64 = 8 * 1024 * 1024;
    let tasks: Vec<_> = (0..4u64)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let path = format!("big/{i}.bin");
                let source = Source::generated(LEN, 200 + i);
                ok(
                    s.write_source(&path, source, true, false).await,
                    "write_atomic",
                );
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a writer failed");
    }
    for i in 0..4u64 {
        let path = format!("big/{i}.bin");
        assert_eq!(ok(s.get_file_info(&path).await, "get_file_info").size, LEN);
        let verifier = ok(s.read_verify(&path, Verifier::new(200 + i)).await, "read");
        verifier.assert_complete(LEN);
    }
}

/// A store used from a thread with a runtime of its own, then from a
/// second one after the first is gone (pooled connections tied to a dead
/// runtime must not break it): every call succeeds within a minute each
/// time, with the right content.
pub async fn store_survives_a_second_runtime(s: Subject) {
    need!(s, Write, Read);
    for round in 0..2u8 {
        let store = s.clone();
        let work = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let deadline = Duration::from_secs(60);
                let body = async {
                    let path = format!("rt/{round}.txt");
                    let content = Bytes::from(format!("round {round}"));
                    store.write(&path, content.clone(), true).await?;
                    let got = store.read_bytes(&path).await?;
                    assert_eq!(got, content, "round {round}");
                    if store.capabilities().contains(Capability::List) {
                        store.list_files("rt", false).await?;
                    }
                    Ok::<_, remote_store_core::Error>(())
                };
                match tokio::time::timeout(deadline, body).await {
                    Ok(result) => ok(result, &format!("round {round}")),
                    Err(_) => panic!("round {round}: no answer within {deadline:?}"),
                }
            });
            // The runtime, and anything bound to it, goes here.
        });
        if let Err(panic) = tokio::task::spawn_blocking(move || work.join())
            .await
            .expect("the joining task failed")
        {
            std::panic::resume_unwind(panic);
        }
    }
}
