//! The public surface: thread safety, object safety, trait defaults,
//! store identity and downcasting, and the drift check that keeps the sync
//! and async faces in step.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use remote_store_core::{
    AsyncBackend, AsyncBackendBridge, AsyncStore, Backend, Capability, CopyOptions, Error,
    ErrorKind, RemotePath, RenameOptions, Store, SyncBackendAdapter,
};
use support::{Endless, EndlessAsync};

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<Store>();
    assert_send_sync::<AsyncStore>();
    assert_send_sync::<Error>();
    assert_send_sync::<RemotePath>();
    assert_send_sync::<SyncBackendAdapter>();
    assert_send_sync::<AsyncBackendBridge>();
    assert_send_sync::<Arc<dyn Backend>>();
    assert_send_sync::<Arc<dyn AsyncBackend>>();
}

#[test]
fn errors_stay_small() {
    // Results of every call carry an Error: keep it one pointer wide.
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
}

#[test]
fn default_methods_refuse_with_the_capability() {
    let b = Endless::default();
    let p = RemotePath::new("x").unwrap();
    let cases: Vec<(Capability, remote_store_core::Result<()>)> = vec![
        (Capability::Move, b.rename(&p, &p, &RenameOptions::new())),
        (Capability::Copy, b.copy(&p, &p, &CopyOptions::new())),
        (Capability::Glob, b.glob("*").map(drop)),
    ];
    for (cap, result) in cases {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CapabilityNotSupported);
        assert_eq!(err.capability(), Some(cap));
    }
}

#[tokio::test]
async fn async_default_methods_refuse_with_the_capability() {
    let b = EndlessAsync::default();
    let p = RemotePath::new("x").unwrap();
    let cases: Vec<(Capability, remote_store_core::Result<()>)> = vec![
        (
            Capability::Move,
            b.rename(&p, &p, &RenameOptions::new()).await,
        ),
        (Capability::Copy, b.copy(&p, &p, &CopyOptions::new()).await),
        (Capability::Glob, b.glob("*").await.map(drop)),
    ];
    for (cap, result) in cases {
        assert_eq!(result.unwrap_err().capability(), Some(cap));
    }
}

#[test]
fn the_store_gates_before_calling_the_backend() {
    // Endless would happily serve a range read of an endless file; the
    // store must refuse first because RangeRead is not declared.
    let store = Store::new(Endless::default());
    let err = store.read_range("f", 0, Some(1)).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::CapabilityNotSupported);
    assert_eq!(err.backend(), Some("endless"));
    assert_eq!(
        err.to_string(),
        "endless: capability not supported (range_read)"
    );
}

#[test]
fn store_identity_is_backend_instance_and_root() {
    let a = Store::new(Endless::default());
    let a2 = a.clone();
    assert_eq!(a, a2);
    assert_eq!(a.child("x").unwrap(), a2.child("x").unwrap());
    assert_ne!(a, a.child("x").unwrap());
    assert_ne!(a, Store::new(Endless::default()));
    let shared: Arc<dyn Backend> = Arc::new(Endless::default());
    assert_eq!(Store::new(shared.clone()), Store::new(shared));
}

#[test]
fn the_native_backend_is_reachable_through_the_adapters() {
    let store = Store::new(EndlessAsync::default());
    assert!(store.backend_as::<EndlessAsync>().is_some());
    assert!(store.backend_as::<Endless>().is_none());
    let store = AsyncStore::new(Endless::default());
    assert!(store.backend_as::<Endless>().is_some());
    let store = AsyncStore::new(EndlessAsync::default());
    assert!(store.backend_as::<EndlessAsync>().is_some());
}

#[test]
fn store_paths_and_errors_are_relative_to_the_root() {
    let store = Store::with_root(Endless::default(), "base/dir").unwrap();
    assert_eq!(store.root().as_str(), "base/dir");
    let err = store.get_file_info("a/b.txt").unwrap_err();
    // This backend calls every path a folder: the wrong kind of operand
    // (ADR-0012).
    assert_eq!(err.kind(), ErrorKind::InvalidPath);
    assert_eq!(
        err.path(),
        Some("a/b.txt"),
        "the error names the store path"
    );
    assert_eq!(store.native_path("a").unwrap(), "base/dir/a");
    assert_eq!(store.to_key("base/dir/a/b").unwrap().as_str(), "a/b");
    assert_eq!(
        store.to_key("elsewhere/a").unwrap_err().kind(),
        ErrorKind::InvalidPath
    );
    let bad = Store::with_root(Endless::default(), "../up").unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidPath);
}

/// Method names declared in a trait or an impl block of `source`.
fn methods(source: &str, item: &str) -> BTreeSet<String> {
    let start = source
        .find(item)
        .unwrap_or_else(|| panic!("{item} not found"));
    let body = &source[start..];
    // The block ends at the first line that is exactly "}".
    let end = body.find("\n}\n").expect("end of block");
    body[..end]
        .lines()
        .map(str::trim_start)
        .filter_map(|l| {
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let l = l.strip_prefix("async ").unwrap_or(l);
            l.strip_prefix("fn ")
        })
        .map(|l| l[..l.find(['(', '<']).unwrap()].to_owned())
        .filter(|name| !PRIVATE_HELPERS.contains(&name.as_str()))
        .collect()
}

/// Private helpers of the stores: not part of the face.
const PRIVATE_HELPERS: [&str; 7] = [
    "check",
    "file",
    "folder",
    "fail",
    "strip_files",
    "not_a_file",
    "file_result",
];

/// Methods only the sync backend has: `writer`, a sink that takes the
/// bytes on the caller's thread (an async backend's write already runs as
/// the task the async sink feeds), and `never_blocks`, the adapter's hint
/// (an async backend's calls never block).
const SYNC_ONLY: [&str; 2] = ["writer", "never_blocks"];

/// Backend methods the stores do not offer: hints for the adapters.
const BACKEND_ONLY: [&str; 1] = ["never_blocks"];

#[test]
fn backend_traits_do_not_drift() {
    let mut sync = methods(include_str!("../src/backend.rs"), "pub trait Backend");
    sync.retain(|m| !SYNC_ONLY.contains(&m.as_str()));
    let asyn = methods(
        include_str!("../src/async_backend.rs"),
        "pub trait AsyncBackend",
    );
    assert_eq!(
        sync, asyn,
        "Backend and AsyncBackend must have the same methods"
    );
    assert!(sync.len() >= 20, "parsed too few methods: {sync:?}");
}

/// Each face's way to the other: twins under different names.
const TO_THE_OTHER_FACE: (&str, &str) = ("to_async", "to_sync");

#[test]
fn stores_do_not_drift() {
    let mut sync = methods(include_str!("../src/store.rs"), "impl Store {");
    let mut asyn = methods(include_str!("../src/async_store.rs"), "impl AsyncStore {");
    let (from_sync, from_async) = TO_THE_OTHER_FACE;
    assert!(sync.remove(from_sync), "Store::{from_sync} is missing");
    assert!(
        asyn.remove(from_async),
        "AsyncStore::{from_async} is missing"
    );
    assert_eq!(
        sync, asyn,
        "Store and AsyncStore must have the same methods"
    );
    assert!(sync.len() >= 25, "parsed too few methods: {sync:?}");
}

#[test]
fn stores_cover_every_backend_operation() {
    let backend = methods(include_str!("../src/backend.rs"), "pub trait Backend");
    let store = methods(include_str!("../src/store.rs"), "impl Store {");
    let missing: Vec<_> = backend
        .difference(&store)
        .filter(|m| !BACKEND_ONLY.contains(&m.as_str()))
        .collect();
    assert!(missing.is_empty(), "Store lacks {missing:?}");
}

#[test]
fn adapters_forward_every_method() {
    let backend = methods(include_str!("../src/backend.rs"), "pub trait Backend");
    let bridge = methods(
        include_str!("../src/adapter/async_to_sync.rs"),
        "impl Backend for AsyncBackendBridge",
    );
    assert_eq!(backend, bridge, "the bridge must forward every method");
    let asyn = methods(
        include_str!("../src/async_backend.rs"),
        "pub trait AsyncBackend",
    );
    let adapter = methods(
        include_str!("../src/adapter/sync_to_async.rs"),
        "impl AsyncBackend for SyncBackendAdapter",
    );
    assert_eq!(asyn, adapter, "the adapter must forward every method");
}

/// The forwarding traits of layers, and the blanket impls over them, name
/// every method of the trait they stand for: one left out would fall back
/// to the trait's default (refusing, or answering for the wrong backend)
/// under every layer.
#[test]
fn layers_forward_every_method() {
    let layer = include_str!("../src/layer.rs");
    let backend = methods(include_str!("../src/backend.rs"), "pub trait Backend");
    let asyn = methods(
        include_str!("../src/async_backend.rs"),
        "pub trait AsyncBackend",
    );
    let mut forwarding = methods(layer, "pub trait LayeredBackend");
    forwarding.remove("inner");
    assert_eq!(
        backend, forwarding,
        "LayeredBackend must forward every method"
    );
    assert_eq!(
        backend,
        methods(layer, "impl<L: LayeredBackend> Backend for L"),
        "the blanket Backend impl must forward every method"
    );
    let mut forwarding = methods(layer, "pub trait LayeredAsyncBackend");
    forwarding.remove("inner");
    assert_eq!(
        asyn, forwarding,
        "LayeredAsyncBackend must forward every method"
    );
    assert_eq!(
        asyn,
        methods(layer, "impl<L: LayeredAsyncBackend> AsyncBackend for L"),
        "the blanket AsyncBackend impl must forward every method"
    );
}
