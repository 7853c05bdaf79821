//! The one error type every backend maps into.
//!
//! An [`Error`] has a [`ErrorKind`] (what went wrong, in terms a caller can
//! act on), the store path and backend name when known, the native cause as
//! [`std::error::Error::source`], and a retry hint ([`Error::is_retryable`]).

use std::borrow::Cow;
use std::fmt;

use crate::capability::Capability;

/// Shorthand for `Result<T, remote_store_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, as a caller can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file or folder does not exist.
    NotFound,
    /// The target exists and the call asked not to overwrite it.
    AlreadyExists,
    /// The backend refused access (credentials, permissions, containment).
    PermissionDenied,
    /// The path is malformed, or not valid for this operation (e.g. a file
    /// operation on the root, or a path that leaves the store).
    InvalidPath,
    /// The backend does not declare the capability this call needs.
    /// Raised before any I/O.
    CapabilityNotSupported,
    /// The backend could not be reached or failed transiently
    /// (connection refused, timeout, 5xx). Usually retryable.
    BackendUnavailable,
    /// A non-recursive folder delete found the folder not empty.
    FolderNotEmpty,
    /// A condition the caller set (or the backend needs) did not hold.
    PreconditionFailed,
    /// The backend configuration is invalid.
    InvalidConfig,
    /// An argument other than a path is invalid (e.g. a bad glob pattern).
    InvalidArgument,
    /// The store or backend was closed; no further operations are accepted.
    Closed,
    /// Anything else; look at [`std::error::Error::source`].
    Other,
}

impl ErrorKind {
    /// A short, lowercase description, as used in `Display`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::AlreadyExists => "already exists",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::InvalidPath => "invalid path",
            ErrorKind::CapabilityNotSupported => "capability not supported",
            ErrorKind::BackendUnavailable => "backend unavailable",
            ErrorKind::FolderNotEmpty => "folder not empty",
            ErrorKind::PreconditionFailed => "precondition failed",
            ErrorKind::InvalidConfig => "invalid configuration",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Closed => "closed",
            ErrorKind::Other => "error",
        }
    }

    /// A stable identifier (`not_found`, `already_exists`, …, `other`):
    /// for metric labels, log fields and machine-readable output.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::InvalidPath => "invalid_path",
            ErrorKind::CapabilityNotSupported => "capability_not_supported",
            ErrorKind::BackendUnavailable => "backend_unavailable",
            ErrorKind::FolderNotEmpty => "folder_not_empty",
            ErrorKind::PreconditionFailed => "precondition_failed",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Closed => "closed",
            ErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error type of every remote-store operation.
///
/// Build one with a kind constructor ([`Error::not_found`] …) or
/// [`Error::new`], then add context with the `with_*` methods. Cheap to move:
/// the payload is boxed.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<Cow<'static, str>>,
    path: Option<String>,
    backend: Option<Cow<'static, str>>,
    capability: Option<Capability>,
    retryable: bool,
    /// How long the service asked the client to wait before trying again.
    retry_after: Option<std::time::Duration>,
    /// Made by [`Error::unlisted`]: one entry of a listing, which goes on.
    unlisted: bool,
    source: Option<Source>,
}

impl Error {
    /// A new error of `kind`. Retryable by default only for
    /// [`ErrorKind::BackendUnavailable`].
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: None,
                path: None,
                backend: None,
                capability: None,
                retryable: kind == ErrorKind::BackendUnavailable,
                retry_after: None,
                unlisted: false,
                source: None,
            }),
        }
    }

    /// [`ErrorKind::NotFound`] for `path`.
    pub fn not_found(path: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NotFound).with_path(path)
    }

    /// [`ErrorKind::AlreadyExists`] for `path`.
    pub fn already_exists(path: impl fmt::Display) -> Self {
        Self::new(ErrorKind::AlreadyExists).with_path(path)
    }

    /// [`ErrorKind::InvalidPath`] with an explanation.
    pub fn invalid_path(path: impl fmt::Display, why: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidPath)
            .with_path(path)
            .with_message(why)
    }

    /// An entry of folder `dir` that a listing cannot return as a path,
    /// reported as an error item of the listing instead of being dropped
    /// (see ADR-0010): `raw_name` is shown escaped (quoted, with `\t`,
    /// `\\`, `\xNN` for bytes that are not UTF-8), `why` says what is
    /// wrong with it. The error's path is `dir`; the listing goes on.
    ///
    /// Kinds in use: `InvalidPath` for a name the path rules refuse or would
    /// change, `PermissionDenied` for a symbolic link that leads outside the
    /// backend, `NotFound` for a dangling link, `Other` for an entry that
    /// is neither a file nor a folder (socket, device, FIFO).
    pub fn unlisted(
        kind: ErrorKind,
        dir: impl fmt::Display,
        raw_name: impl fmt::Debug,
        why: impl fmt::Display,
    ) -> Self {
        let mut e = Self::new(kind)
            .with_path(dir)
            .with_message(format!("entry {raw_name:?} cannot be listed: {why}"));
        e.inner.unlisted = true;
        e
    }

    /// Whether this error is one entry a listing could not return (made by
    /// [`Error::unlisted`]; the listing went on), rather than a failure of
    /// the listing itself.
    pub fn is_unlisted(&self) -> bool {
        self.inner.unlisted
    }

    /// [`ErrorKind::CapabilityNotSupported`] for `capability`.
    pub fn unsupported(capability: Capability) -> Self {
        let mut e = Self::new(ErrorKind::CapabilityNotSupported);
        e.inner.capability = Some(capability);
        e
    }

    /// [`ErrorKind::Closed`].
    pub fn closed() -> Self {
        Self::new(ErrorKind::Closed).with_message("the store was closed")
    }

    /// [`ErrorKind::BackendUnavailable`] (retryable) caused by `source`.
    pub fn unavailable(source: impl Into<Source>) -> Self {
        Self::new(ErrorKind::BackendUnavailable).with_source(source)
    }

    /// [`ErrorKind::Other`] with a message.
    pub fn other(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Other).with_message(message)
    }

    /// Sets a human-readable message.
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.inner.message = Some(message.into());
        self
    }

    /// Sets the path the error concerns.
    pub fn with_path(mut self, path: impl fmt::Display) -> Self {
        self.inner.path = Some(path.to_string());
        self
    }

    /// Sets the backend name, unless one is already set.
    pub fn with_backend(mut self, backend: impl Into<Cow<'static, str>>) -> Self {
        if self.inner.backend.is_none() {
            self.inner.backend = Some(backend.into());
        }
        self
    }

    /// Sets the native cause, reported by [`std::error::Error::source`].
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Overrides the retry hint.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    /// Records how long the service asked the client to wait before
    /// trying again (HTTP `Retry-After`, RFC 9110 §10.2.3), for a retry
    /// layer to honour.
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self
    }

    /// A copy of this error, for another item of a batch that failed as a
    /// whole (an error is not `Clone`: its source need not be): the same
    /// kind, reason, path, backend, capability and retry hints; the
    /// source's text is kept in the message, the source itself is not.
    pub fn duplicate(&self) -> Error {
        let i = &self.inner;
        let message = match (&i.message, &i.source) {
            (Some(m), Some(source)) => format!("{m}: {source}"),
            _ => self.reason(),
        };
        Error {
            inner: Box::new(Inner {
                kind: i.kind,
                message: Some(Cow::Owned(message)),
                path: i.path.clone(),
                backend: i.backend.clone(),
                capability: i.capability,
                retryable: i.retryable,
                retry_after: i.retry_after,
                unlisted: i.unlisted,
                source: None,
            }),
        }
    }

    /// Rewrites the path, if one is set, with `f` (used by stores to turn
    /// backend paths into store-relative ones).
    pub fn map_path(mut self, f: impl FnOnce(&str) -> Option<String>) -> Self {
        if let Some(new) = self.inner.path.as_deref().and_then(f) {
            self.inner.path = Some(new);
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The path the error concerns, if known. For errors raised by a
    /// [`Store`](crate::Store) this is the store-relative path.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }

    /// Name of the backend that raised the error, if known.
    pub fn backend(&self) -> Option<&str> {
        self.inner.backend.as_deref()
    }

    /// The capability that was missing, for
    /// [`ErrorKind::CapabilityNotSupported`].
    pub fn capability(&self) -> Option<Capability> {
        self.inner.capability
    }

    /// The message, if one was set.
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// What went wrong in words, without the backend and path: the
    /// message, or else the source's text (an error made from an
    /// `io::Error` has no message of its own), or else the kind. For
    /// wrapping an error in another's message without losing the cause.
    pub fn reason(&self) -> String {
        match (&self.inner.message, &self.inner.source) {
            (Some(m), _) => m.to_string(),
            (None, Some(source)) => source.to_string(),
            (None, None) => self.inner.kind.to_string(),
        }
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// How long the service asked the client to wait before trying again,
    /// when it said (HTTP `Retry-After`).
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.inner.retry_after
    }

    /// Turns an I/O error raised while reading a caller's source stream back
    /// into the error it carries, if it carries one, else maps it with
    /// [`Error::from`].
    pub fn from_source_io(err: std::io::Error) -> Self {
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            if let Some(Ok(e)) = err.into_inner().map(|inner| inner.downcast::<Error>()) {
                return *e;
            }
            return Error::other("source stream failed");
        }
        Error::from(err)
    }

    /// Wraps this error into an [`std::io::Error`], for `Read`/`AsyncRead`
    /// implementations; [`Error::from_source_io`] unwraps it again.
    pub fn into_io(self) -> std::io::Error {
        let kind = match self.kind() {
            ErrorKind::NotFound => std::io::ErrorKind::NotFound,
            ErrorKind::PermissionDenied => std::io::ErrorKind::PermissionDenied,
            ErrorKind::AlreadyExists => std::io::ErrorKind::AlreadyExists,
            ErrorKind::InvalidArgument => std::io::ErrorKind::InvalidInput,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, self)
    }
}

impl From<std::io::Error> for Error {
    /// Maps an I/O error by its kind; the I/O error stays as the source.
    fn from(err: std::io::Error) -> Self {
        use std::io::ErrorKind as Io;
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            return Error::from_source_io(err);
        }
        let kind = match err.kind() {
            Io::NotFound => ErrorKind::NotFound,
            Io::PermissionDenied => ErrorKind::PermissionDenied,
            Io::AlreadyExists => ErrorKind::AlreadyExists,
            Io::DirectoryNotEmpty => ErrorKind::FolderNotEmpty,
            Io::InvalidInput | Io::InvalidFilename | Io::IsADirectory | Io::NotADirectory => {
                ErrorKind::InvalidPath
            }
            Io::ConnectionRefused
            | Io::ConnectionReset
            | Io::ConnectionAborted
            | Io::NotConnected
            | Io::BrokenPipe
            | Io::TimedOut
            | Io::Interrupted
            | Io::StorageFull
            | Io::ResourceBusy => ErrorKind::BackendUnavailable,
            _ => ErrorKind::Other,
        };
        // A full disk will not heal by itself on retry.
        let retryable = kind == ErrorKind::BackendUnavailable && err.kind() != Io::StorageFull;
        Error::new(kind).with_retryable(retryable).with_source(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let Some(backend) = &i.backend {
            write!(f, "{backend}: ")?;
        }
        f.write_str(i.kind.as_str())?;
        if let Some(cap) = i.capability {
            write!(f, " ({cap})")?;
        }
        if let Some(path) = &i.path {
            write!(f, ": '{path}'")?;
        }
        if let Some(message) = &i.message {
            write!(f, ": {message}")?;
        } else if let Some(source) = &i.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind);
        if let Some(m) = &i.message {
            d.field("message", m);
        }
        if let Some(p) = &i.path {
            d.field("path", p);
        }
        if let Some(b) = &i.backend {
            d.field("backend", b);
        }
        if let Some(c) = &i.capability {
            d.field("capability", c);
        }
        d.field("retryable", &i.retryable);
        if let Some(wait) = i.retry_after {
            d.field("retry_after", &wait);
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `reason` never comes back empty: message, else the source's text,
    /// else the kind.
    #[test]
    fn reason_says_what_went_wrong() {
        let io = Error::from(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "gone away",
        ));
        assert_eq!(io.message(), None);
        assert_eq!(io.reason(), "gone away");
        assert_eq!(Error::not_found("p").with_message("m").reason(), "m");
        assert_eq!(Error::new(ErrorKind::Closed).reason(), "closed");
    }
    use std::error::Error as _;

    #[test]
    fn display_reads_as_one_log_line() {
        let e = Error::not_found("a/b.txt").with_backend("memory");
        assert_eq!(e.to_string(), "memory: not found: 'a/b.txt'");
        let e = Error::unsupported(Capability::Glob).with_backend("kv");
        assert_eq!(e.to_string(), "kv: capability not supported (glob)");
    }

    #[test]
    fn io_errors_map_by_kind_and_keep_source() {
        let e = Error::from(std::io::Error::new(std::io::ErrorKind::NotFound, "gone"));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.source().is_some());
        assert!(!e.is_retryable());
        let e = Error::from(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert_eq!(e.kind(), ErrorKind::BackendUnavailable);
        assert!(e.is_retryable());
        let e = Error::from(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(!e.is_retryable());
    }

    #[test]
    fn io_round_trip_keeps_the_original_error() {
        let original = Error::new(ErrorKind::PreconditionFailed).with_message("boom");
        let back = Error::from(original.into_io());
        assert_eq!(back.kind(), ErrorKind::PreconditionFailed);
        assert_eq!(back.message(), Some("boom"));
    }

    #[test]
    fn backend_name_is_not_overwritten() {
        let e = Error::closed().with_backend("inner").with_backend("outer");
        assert_eq!(e.backend(), Some("inner"));
    }
}
