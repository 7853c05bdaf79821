//! Mapping `object_store` errors to store errors, in one place.

use object_store::client::HttpError;
use remote_store_core::{Error, ErrorKind, RemotePath};

/// Whether the failure is a transport problem or a server-side (5xx) one:
/// something a retry may fix.
fn transient(err: &object_store::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<HttpError>().is_some() {
            return true;
        }
        // object_store keeps its retry error type private; its message
        // carries the status ("… status code: 503 …").
        let text = e.to_string();
        if text.contains("status code: 5") || text.contains("error response: 5") {
            return true;
        }
        current = e.source();
    }
    false
}

/// `err`, about `path`, as a store error of backend `backend`.
pub(crate) fn map(err: object_store::Error, path: &RemotePath, backend: &str) -> Error {
    use object_store::Error as E;
    let kind = match &err {
        E::NotFound { .. } => ErrorKind::NotFound,
        E::AlreadyExists { .. } => ErrorKind::AlreadyExists,
        E::Precondition { .. } => ErrorKind::PreconditionFailed,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => ErrorKind::PermissionDenied,
        E::InvalidPath { .. } => ErrorKind::InvalidPath,
        E::NotSupported { .. } | E::NotImplemented { .. } => ErrorKind::CapabilityNotSupported,
        E::UnknownConfigurationKey { .. } => ErrorKind::InvalidConfig,
        _ if transient(&err) => ErrorKind::BackendUnavailable,
        _ => ErrorKind::Other,
    };
    let message = match kind {
        ErrorKind::PermissionDenied => Some("the service refused the credentials or access"),
        ErrorKind::BackendUnavailable => Some("the service could not be reached or failed"),
        _ => None,
    };
    let mut e = Error::new(kind)
        .with_path(path)
        .with_backend(backend.to_owned());
    if let Some(m) = message {
        e = e.with_message(format!("{m}: {err}"));
    }
    e.with_source(err)
}

/// Like [`map`], for a conditional create: a failed precondition means the
/// object exists.
pub(crate) fn map_create(err: object_store::Error, path: &RemotePath, backend: &str) -> Error {
    match err {
        object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. } => {
            Error::already_exists(path)
                .with_backend(backend.to_owned())
                .with_source(err)
        }
        other => map(other, path, backend),
    }
}
