//! Our errors as object_store's: the kind picks the variant, our error is
//! the source.

use super::object_store;
use remote_store_core::{Error, ErrorKind};

/// The `store` name object_store's errors carry.
pub(crate) const STORE: &str = "remote-store";

/// Our error as object_store's, about `path`.
pub(crate) fn map(e: Error, path: &str) -> object_store::Error {
    let path = path.to_owned();
    match e.kind() {
        ErrorKind::NotFound => object_store::Error::NotFound {
            path,
            source: Box::new(e),
        },
        ErrorKind::AlreadyExists => object_store::Error::AlreadyExists {
            path,
            source: Box::new(e),
        },
        ErrorKind::PreconditionFailed => object_store::Error::Precondition {
            path,
            source: Box::new(e),
        },
        ErrorKind::PermissionDenied => object_store::Error::PermissionDenied {
            path,
            source: Box::new(e),
        },
        ErrorKind::CapabilityNotSupported => object_store::Error::NotSupported {
            source: Box::new(e),
        },
        _ => object_store::Error::Generic {
            store: STORE,
            source: Box::new(e),
        },
    }
}

/// As [`map`], for a call about an object: a folder where the object
/// would be (`InvalidPath` in our model, ADR-0012) is no object there.
pub(crate) fn map_object(e: Error, path: &str) -> object_store::Error {
    if e.kind() == ErrorKind::InvalidPath {
        return object_store::Error::NotFound {
            path: path.to_owned(),
            source: Box::new(e),
        };
    }
    map(e, path)
}

/// `NotImplemented` for what this adapter cannot do over the store.
pub(crate) fn not_implemented(operation: impl Into<String>) -> object_store::Error {
    object_store::Error::NotImplemented {
        operation: operation.into(),
        implementer: "remote_store_object_store_adapter::ObjectStoreAdapter".to_owned(),
    }
}
