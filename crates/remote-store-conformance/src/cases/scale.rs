//! Size and concurrency: a file larger than any buffer, a 10k-entry
//! folder, concurrent writers.

use std::sync::Arc;

use futures::StreamExt;
use remote_store_core::ErrorKind;

use super::ok;
use crate::data::{Source, Verifier, bytes};
use crate::face::Subject;

/// Size of the large-file case: far above any chunk or channel buffer.
pub const LARGE_FILE: u64 = 64 * 1024 * 1024;

/// Entries in the large-listing case.
pub const MANY: usize = 10_000;

/// A 64 MiB file streams in and out intact, in bounded chunks.
pub async fn large_file_streams(s: Subject) {
    need!(s, Write, Read);
    ok(
        s.write_source("big.bin", Source::generated(LARGE_FILE, 9), false, false)
            .await,
        "streamed write",
    );
    let verifier = ok(
        s.read_verify("big.bin", Verifier::new(9)).await,
        "streamed read",
    );
    verifier.assert_complete(LARGE_FILE);
    assert!(
        verifier.largest_chunk() <= 16 * 1024 * 1024,
        "read yielded a {} byte chunk: not streaming",
        verifier.largest_chunk()
    );
}

/// A folder of 10k files lists completely, exactly once each, and a
/// listing can be abandoned early.
pub async fn list_10k_entries(s: Subject) {
    need!(s, Write, List);
    let results: Vec<_> = futures::stream::iter(0..MANY)
        .map(|i| {
            let s = s.clone();
            async move {
                s.write(&format!("many/f{i:05}.txt"), bytes(16, i as u64), false)
                    .await
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    for r in results {
        ok(r, "write");
    }
    assert_eq!(ok(s.count_files("many", false).await, "count"), MANY);
    let files = ok(s.list_files("many", false).await, "list");
    let mut names: Vec<_> = files.iter().map(|f| f.path.to_string()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), MANY, "duplicates in the listing");
    assert_eq!(ok(s.first_files("many", false, 3).await, "first").len(), 3);
    if s.capabilities()
        .contains(remote_store_core::Capability::RecursiveList)
    {
        assert_eq!(ok(s.count_files("", true).await, "count"), MANY);
    }
}

/// 32 tasks writing different files at once all succeed.
pub async fn concurrent_writers_distinct_paths(s: Subject) {
    need!(s, Write, Read);
    let tasks: Vec<_> = (0..32u64)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                s.write(
                    &format!("cw/{i}.bin"),
                    bytes(i as usize * 1000 + 1, i),
                    false,
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        ok(task.await.expect("task panicked"), "concurrent write");
    }
    for i in 0..32u64 {
        let got = ok(s.read_bytes(&format!("cw/{i}.bin")).await, "read");
        crate::data::assert_same(&got, &bytes(i as usize * 1000 + 1, i), &format!("file {i}"));
    }
}

/// Bytes each racing writer sends: three chunks, two pauses.
const RACE_LEN: usize = 3 * 64 * 1024;

/// 16 writers race to create one path without overwrite: exactly one
/// wins, the others get `AlreadyExists`, and the file is the winner's.
/// Each writer streams from a pausing source, so all have started before
/// any commits: a check made only when a write starts is caught.
pub async fn concurrent_exclusive_writers(s: Subject) {
    need!(s, Write, Read, ExclusiveWrite);
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16u64)
        .map(|i| {
            let (s, barrier) = (s.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                // Pausing sources: every writer starts before any commits.
                let src = Source::pausing(RACE_LEN as u64, 100 + i);
                (i, s.write_source("race.bin", src, false, false).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (i, result) = task.await.expect("task panicked");
        match result {
            Ok(_) => winners.push(i),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => panic!("writer {i}: unexpected {:?}: {e}", e.kind()),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let content = ok(s.read_bytes("race.bin").await, "read");
    // The winner's content, not a mix.
    crate::data::assert_same(&content, &bytes(RACE_LEN, 100 + winners[0]), "race.bin");
}
