//! OpenDAL's in-process memory service through both faces: the mapping
//! of a key service (no server needed). The real servers (WebDAV, GCS,
//! HTTP) run in the workspace's integration tests (`tests/it/opendal.rs`).

use remote_store_opendal::OpendalBackend;

fn backend() -> OpendalBackend {
    let op = opendal::Operator::new(opendal::services::Memory::default()).expect("memory operator");
    OpendalBackend::new(op)
}

remote_store_conformance::conformance_tests!(async, backend, skip: {
    file_info_has_modified_time =>
        "OpenDAL's memory service keeps no modification times (its stat has none); \
         the services with servers report them",
});
