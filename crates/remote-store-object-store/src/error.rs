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

/// Whether the service answered that a conflicting request on the same
/// object is in progress (S3's 409 `OperationAborted` and
/// `ConditionalRequestConflict`), which object_store reports as
/// `AlreadyExists` although nothing may exist.
fn conflicting_request(err: &object_store::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        // The service's error code, as its XML body carries it (a key in
        // the request URL is percent-encoded, so it cannot fake the tag).
        let text = e.to_string();
        if [
            "<Code>OperationAborted</Code>",
            "<Code>ConditionalRequestConflict</Code>",
        ]
        .iter()
        .any(|code| text.contains(code))
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// `err`, about `path`, as a store error of backend `backend`.
///
/// Outside a create (see [`map_create`]) object_store's `AlreadyExists`
/// can only be HTTP 409, a conflicting concurrent request: that is
/// `BackendUnavailable` (retryable), never a claim that `path` exists.
pub(crate) fn map(err: object_store::Error, path: &RemotePath, backend: &str) -> Error {
    use object_store::Error as E;
    let kind = match &err {
        E::NotFound { .. } => ErrorKind::NotFound,
        E::AlreadyExists { .. } => ErrorKind::BackendUnavailable,
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
        _ if matches!(err, E::AlreadyExists { .. }) => {
            Some("a conflicting request on this object is in progress (HTTP 409); retry")
        }
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
/// object exists; a conflicting concurrent request (409) means nothing yet.
pub(crate) fn map_create(err: object_store::Error, path: &RemotePath, backend: &str) -> Error {
    if conflicting_request(&err) {
        return map(err, path, backend);
    }
    match err {
        object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. } => {
            Error::already_exists(path)
                .with_backend(backend.to_owned())
                .with_source(err)
        }
        other => map(other, path, backend),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn already_exists(body: &str) -> object_store::Error {
        object_store::Error::AlreadyExists {
            path: "k".into(),
            source: body.to_owned().into(),
        }
    }

    #[test]
    fn a_409_conflict_never_claims_the_object_exists() {
        let path = RemotePath::new("k").unwrap();
        let body = "Client error with status 409 Conflict: <Code>OperationAborted</Code>";
        for e in [
            map(already_exists(body), &path, "s3"),
            map_create(already_exists(body), &path, "s3"),
            map_create(
                already_exists("<Code>ConditionalRequestConflict</Code>"),
                &path,
                "s3",
            ),
            // Outside a create, AlreadyExists can only be a conflict.
            map(already_exists("409 Conflict"), &path, "s3"),
        ] {
            assert_eq!(e.kind(), ErrorKind::BackendUnavailable, "{e}");
            assert!(e.is_retryable(), "{e}");
        }
        // A create refused because the object exists stays AlreadyExists
        // (Azure answers 409 BlobAlreadyExists), whatever the key is named.
        let e = map_create(already_exists("409 BlobAlreadyExists"), &path, "azure");
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        let named = already_exists("PUT /b/logs/OperationAborted.txt: 412 Precondition Failed");
        assert_eq!(
            map_create(named, &path, "s3").kind(),
            ErrorKind::AlreadyExists
        );
    }
}
