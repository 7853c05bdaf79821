//! The whole public suite, in one macro call.

use kv_backend::KvBackend;

remote_store_conformance::conformance_tests!(sync, KvBackend::new);
