//! The shared `object_store` glue over `object_store::memory::InMemory`: the
//! object-store folder model and error mapping, without a server.

use std::sync::Arc;

use remote_store_object_store::ObjectStoreBackend;
use remote_store_object_store::object_store::memory::InMemory;

fn backend() -> ObjectStoreBackend {
    ObjectStoreBackend::new(Arc::new(InMemory::new()))
        .with_name("in-memory-object-store")
        .with_exclusive_write(true)
        .with_attributes(8 * 1024)
}

remote_store_conformance::conformance_tests!(async, backend);
