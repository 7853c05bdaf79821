//! The sync `Store` over an async backend works from a plain thread, from
//! inside a multi-thread runtime and from inside a current-thread runtime:
//! no panic, no deadlock, streaming both ways.

mod support;

use std::io::Read;
use std::sync::atomic::Ordering;
use std::time::Duration;

use remote_store_core::Store;
use support::{Panicking, TIMED_ENTRIES, TIMED_FILE, Timed};

const WRITTEN: u64 = 3 * 1024 * 1024;

fn assert_written(backend: &Timed, writes: u64) {
    assert_eq!(backend.0.consumed.load(Ordering::SeqCst), writes * WRITTEN);
}

/// Every kind of call the bridge makes: plain, read stream, write stream,
/// listing stream.
fn exercise(store: &Store) {
    assert!(store.is_file("f").unwrap());
    let mut content = Vec::new();
    store.read("f").unwrap().read_to_end(&mut content).unwrap();
    assert_eq!(content.len(), TIMED_FILE);
    store
        .write("g", &vec![5u8; WRITTEN as usize][..], true)
        .unwrap();
    let listed = store.list_files("", false).unwrap().count();
    assert_eq!(listed as u64, TIMED_ENTRIES);
    assert_eq!(store.get_file_info("f").unwrap().size, TIMED_FILE as u64);
}

/// Runs `f` on a thread and fails the test if it does not finish in time,
/// so a deadlock shows up as a failure, not a hung run.
fn within_deadline(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => handle.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: surface its panic.
            handle.join().unwrap();
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: no result in 60 s"),
    }
}

#[test]
fn from_a_plain_thread() {
    within_deadline(|| {
        let backend = Timed::default();
        exercise(&Store::new(backend.clone()));
        assert_written(&backend, 1);
    });
}

#[test]
fn from_inside_a_multi_thread_runtime() {
    within_deadline(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let backend = Timed::default();
            // Called straight from an async task, on a worker thread.
            exercise(&Store::new(backend.clone()));
            assert_written(&backend, 1);
        });
    });
}

#[test]
fn from_inside_a_current_thread_runtime() {
    within_deadline(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let backend = Timed::default();
            exercise(&Store::new(backend.clone()));
            assert_written(&backend, 1);
        });
    });
}

#[test]
fn from_inside_a_spawned_task_of_a_current_thread_runtime() {
    within_deadline(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async {
            tokio::task::spawn_local(async {
                let backend = Timed::default();
                exercise(&Store::new(backend.clone()));
                assert_written(&backend, 1);
            })
            .await
            .unwrap();
        });
    });
}

#[test]
fn from_many_threads_at_once() {
    within_deadline(|| {
        let backend = Timed::default();
        let store = Store::new(backend.clone());
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| exercise(&store));
            }
        });
        assert_written(&backend, 16);
    });
}

#[test]
fn a_store_dropped_inside_async_code_does_not_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::new(Timed::default());
        // A call that reaches the backend (the root's existence does not).
        store.is_folder("x").unwrap();
        drop(store);
    });
}

#[test]
fn a_current_thread_handle_is_refused() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let backend: std::sync::Arc<dyn remote_store_core::AsyncBackend> =
        std::sync::Arc::new(Timed::default());
    let err = remote_store_core::AsyncBackendBridge::with_handle(backend, rt.handle().clone())
        .unwrap_err();
    assert_eq!(err.kind(), remote_store_core::ErrorKind::InvalidConfig);
}

/// A backend that panics mid-call is reported as an error of the call, on
/// the one-shot path (polled on the calling thread) and the streaming ones
/// (spawned); the store stays usable.
#[test]
fn a_panicking_backend_is_an_error_not_a_panic() {
    within_deadline(|| {
        let store = Store::new(Panicking);
        for _ in 0..2 {
            let err = store.get_file_info("f").unwrap_err();
            assert!(err.to_string().contains("panicked"), "{err}");
            assert!(store.delete("f", false).is_err());
            assert!(store.read("f").is_err());
            assert!(store.list_files("", false).is_err());
        }
    });
}
