//! Mapping `std::io` errors to store errors, with the path they concern.

use std::io;

use remote_store_core::{Error, ErrorKind, RemotePath};

/// `err`, mapped by its kind, about `path`; the I/O error stays the source.
pub(crate) fn io_error(err: io::Error, path: &RemotePath) -> Error {
    if err.kind() == io::ErrorKind::CrossesDevices {
        return Error::new(ErrorKind::Other)
            .with_message("cannot move across file systems (rename would not be atomic)")
            .with_path(path)
            .with_backend(crate::NAME)
            .with_source(err);
    }
    Error::from(err).with_path(path).with_backend(crate::NAME)
}

/// The refusal of a path that resolves outside the root.
pub(crate) fn escapes(path: &RemotePath) -> Error {
    Error::new(ErrorKind::PermissionDenied)
        .with_path(path)
        .with_backend(crate::NAME)
        .with_message("resolves outside the backend root (symbolic link)")
}

/// Adds path and backend to an error that has none.
pub(crate) trait Context<T> {
    fn at(self, path: &RemotePath) -> Result<T, Error>;
}

impl<T> Context<T> for io::Result<T> {
    fn at(self, path: &RemotePath) -> Result<T, Error> {
        self.map_err(|e| io_error(e, path))
    }
}
