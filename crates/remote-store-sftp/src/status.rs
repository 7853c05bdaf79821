//! SFTP status codes (protocol version 3) and what they mean for callers,
//! shared by both engines.

use remote_store_core::{Error, ErrorKind};

/// `SSH_FX_NO_SUCH_FILE`.
pub(crate) const NO_SUCH_FILE: u32 = 2;
/// `SSH_FX_PERMISSION_DENIED`.
pub(crate) const PERMISSION_DENIED: u32 = 3;
/// `SSH_FX_FAILURE`: OpenSSH's answer to most refusals (exists, not empty).
#[cfg_attr(not(feature = "ssh2"), allow(dead_code))]
pub(crate) const FAILURE: u32 = 4;
/// `SSH_FX_NO_CONNECTION`.
pub(crate) const NO_CONNECTION: u32 = 6;
/// `SSH_FX_CONNECTION_LOST`.
pub(crate) const CONNECTION_LOST: u32 = 7;

/// Whether the status means the connection is gone.
pub(crate) fn is_connection_loss(code: u32) -> bool {
    matches!(code, NO_CONNECTION | CONNECTION_LOST)
}

/// The error for a failed request on `path` (a server path).
pub(crate) fn status_error(
    code: u32,
    path: &str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    let kind = match code {
        NO_SUCH_FILE => ErrorKind::NotFound,
        PERMISSION_DENIED => ErrorKind::PermissionDenied,
        c if is_connection_loss(c) => ErrorKind::BackendUnavailable,
        _ => ErrorKind::Other,
    };
    Error::new(kind)
        .with_backend(crate::NAME)
        .with_path(path)
        .with_retryable(kind == ErrorKind::BackendUnavailable)
        .with_source(source)
}

/// The error for a lost or failed connection: retryable.
pub(crate) fn connection_error(
    what: &str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::new(ErrorKind::BackendUnavailable)
        .with_backend(crate::NAME)
        .with_message(what.to_owned())
        .with_retryable(true)
        .with_source(source)
}

/// The error for refused credentials.
pub(crate) fn auth_error(user: &str, host: &str, how: &str) -> Error {
    Error::new(ErrorKind::PermissionDenied)
        .with_backend(crate::NAME)
        .with_message(format!(
            "authentication as '{user}' on {host} failed ({how})"
        ))
}
