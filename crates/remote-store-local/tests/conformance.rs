//! `LocalBackend` through both faces: natively under `Store`, through the
//! `SyncBackendAdapter` under `AsyncStore`. (Here rather than in the
//! workspace's integration binary, so that `cargo xtask mutants` can run
//! the suite against this crate alone.)

use remote_store_local::LocalBackend;

/// One shared root for the run (each test works in its own random
/// subfolder of it), in cargo's scratch space for integration tests.
fn backend() -> LocalBackend {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("local-conformance");
    LocalBackend::create(root).expect("local root")
}

remote_store_conformance::conformance_tests!(sync, backend);
