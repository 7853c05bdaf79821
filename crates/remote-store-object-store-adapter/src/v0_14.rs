//! The adapter for object_store 0.14 (the default; its items are also at
//! the crate root).

pub use object_store_0_14 as object_store;

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
            extensions: Default::default(),
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
            extensions: Default::default(),
        }
    }

    pub(super) fn list_result(common_prefixes: Vec<Path>, objects: Vec<ObjectMeta>) -> ListResult {
        ListResult {
            common_prefixes,
            objects,
            extensions: Default::default(),
        }
    }
}
