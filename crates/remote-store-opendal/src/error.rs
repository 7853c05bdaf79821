//! OpenDAL's errors as ours, in one place.

use std::io;

use remote_store_core::{Error, ErrorKind, RemotePath};

/// Maps an OpenDAL error about `path` to ours, keeping it as the source.
///
/// Retryable exactly when OpenDAL calls it temporary (a 5xx, a reset, a
/// timeout) or rate limited; a persistent error (temporary, retried by an
/// OpenDAL retry layer until it gave up) is not retried again here.
pub(crate) fn map(e: opendal::Error, path: &RemotePath, backend: &str) -> Error {
    use opendal::ErrorKind as Od;
    let kind = match e.kind() {
        Od::NotFound => ErrorKind::NotFound,
        Od::PermissionDenied => ErrorKind::PermissionDenied,
        Od::AlreadyExists => ErrorKind::AlreadyExists,
        Od::ConditionNotMatch => ErrorKind::PreconditionFailed,
        // A file where a folder is expected, or the reverse.
        Od::IsADirectory | Od::NotADirectory | Od::IsSameFile => ErrorKind::InvalidPath,
        Od::ConfigInvalid => ErrorKind::InvalidConfig,
        Od::RangeNotSatisfied => ErrorKind::InvalidArgument,
        Od::RateLimited => ErrorKind::BackendUnavailable,
        _ if e.is_temporary() => ErrorKind::BackendUnavailable,
        _ => ErrorKind::Other,
    };
    let retryable = e.is_temporary() || e.kind() == Od::RateLimited;
    Error::new(kind)
        .with_path(path)
        .with_backend(backend.to_owned())
        .with_retryable(retryable)
        .with_source(e)
}

/// Maps an error of a byte stream: OpenDAL's readers carry their own
/// error inside the `io::Error` they yield.
pub(crate) fn map_io(e: io::Error, path: &RemotePath, backend: &str) -> Error {
    if e.get_ref()
        .is_some_and(|inner| inner.is::<opendal::Error>())
    {
        if let Some(Ok(inner)) = e.into_inner().map(|i| i.downcast::<opendal::Error>()) {
            return map(*inner, path, backend);
        }
        return Error::other("the stream failed").with_path(path);
    }
    Error::from(e)
        .with_path(path)
        .with_backend(backend.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(e: opendal::Error) -> (ErrorKind, bool) {
        let mapped = map(e, &RemotePath::new("a").unwrap(), "opendal");
        (mapped.kind(), mapped.is_retryable())
    }

    #[test]
    fn kinds_map_and_keep_retryability() {
        use opendal::ErrorKind as Od;
        let e = |k| opendal::Error::new(k, "x");
        assert_eq!(kind_of(e(Od::NotFound)), (ErrorKind::NotFound, false));
        assert_eq!(
            kind_of(e(Od::ConditionNotMatch)),
            (ErrorKind::PreconditionFailed, false)
        );
        assert_eq!(
            kind_of(e(Od::AlreadyExists)),
            (ErrorKind::AlreadyExists, false)
        );
        assert_eq!(
            kind_of(e(Od::RateLimited)),
            (ErrorKind::BackendUnavailable, true)
        );
        assert_eq!(
            kind_of(e(Od::Unexpected).set_temporary()),
            (ErrorKind::BackendUnavailable, true)
        );
        assert_eq!(
            kind_of(e(Od::Unexpected).set_persistent()),
            (ErrorKind::Other, false)
        );
    }

    #[test]
    fn stream_errors_keep_the_opendal_kind() {
        let inner = opendal::Error::new(opendal::ErrorKind::NotFound, "gone");
        let io = io::Error::other(inner);
        let mapped = map_io(io, &RemotePath::new("a").unwrap(), "opendal");
        assert_eq!(mapped.kind(), ErrorKind::NotFound);
        assert!(std::error::Error::source(&mapped).is_some());
    }
}
