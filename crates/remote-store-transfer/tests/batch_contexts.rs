//! `Batch`'s sync face from the contexts sync code runs in: inside a
//! tokio task (a sync caller under `#[tokio::main]`), with more answers
//! than a task's cooperative budget; and a feed that panics, whose panic
//! reaches the reader instead of ending the answers short. Under a
//! watchdog, as a hang is the failure.

use std::sync::mpsc;
use std::time::Duration;

use remote_store_core::Store;
use remote_store_memory::MemoryBackend;
use remote_store_transfer::Batch;

/// Runs `f` on its own thread; fails the test when it takes over 60 s.
fn watchdog(what: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer in 60 s (hang)"),
    }
}

fn store(files: usize) -> (Store, Vec<String>) {
    let store = Store::new(MemoryBackend::new());
    let paths: Vec<String> = (0..files).map(|i| format!("f{i:04}")).collect();
    for p in &paths {
        store.write_bytes(p, "x", false).unwrap();
    }
    (store, paths)
}

#[test]
fn answers_are_read_inside_a_tokio_task() {
    watchdog("answers inside a task", || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (store, paths) = store(600);
            let answers: Vec<_> = Batch::new().exists_blocking(&store, paths).collect();
            assert_eq!(answers.len(), 600);
            assert!(answers.iter().all(|a| matches!(a.result, Ok(true))));
        });
    });
}

#[test]
fn a_feed_that_panics_reaches_the_reader() {
    watchdog("a panicking feed", || {
        let (store, paths) = store(10);
        let feed = paths.into_iter().enumerate().map(|(i, p)| {
            assert!(i < 5, "the feed breaks");
            p
        });
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Batch::new().exists_blocking(&store, feed).count()
        }));
        assert!(
            read.is_err(),
            "the answers ended short without a word: {read:?}"
        );
    });
}
