//! The adapter for object_store 0.13, the version DataFusion 55 uses
//! (feature `object-store-0-13`). The same code as for 0.14: the trait
//! did not change between the two; three results gained `extensions`.
//!
//! ```
//! use std::sync::Arc;
//! use remote_store_core::AsyncStore;
//! use remote_store_object_store_adapter::v0_13::{ObjectStoreAdapter, object_store};
//! use object_store::{ObjectStore, ObjectStoreExt, path::Path};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let store = AsyncStore::new(remote_store_memory::MemoryBackend::new());
//! let objects: Arc<dyn ObjectStore> = Arc::new(ObjectStoreAdapter::new(store));
//! objects.put(&Path::from("a.csv"), "x\n1\n".into()).await?;
//! # Ok::<(), object_store::Error>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use object_store_0_13 as object_store;

// The same code for each version: loading it twice is the point.
#[allow(clippy::duplicate_mod)]
#[path = "shared/mod.rs"]
mod shared;

pub use shared::ObjectStoreAdapter;

/// The results whose fields differ between the versions.
mod compat {
    use std::ops::Range;

    use super::object_store::path::Path;
    use super::object_store::{
        Attributes, GetResult, GetResultPayload, ListResult, ObjectMeta, PutResult,
    };

    pub(super) fn put_result(e_tag: Option<String>) -> PutResult {
        PutResult {
            e_tag,
            version: None,
        }
    }

    pub(super) fn get_result(
        payload: GetResultPayload,
        meta: ObjectMeta,
        range: Range<u64>,
        attributes: Attributes,
    ) -> GetResult {
        GetResult {
            payload,
            meta,
            range,
            attributes,
        }
    }

    pub(super) fn list_result(common_prefixes: Vec<Path>, objects: Vec<ObjectMeta>) -> ListResult {
        ListResult {
            common_prefixes,
            objects,
        }
    }
}
