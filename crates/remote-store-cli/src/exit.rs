//! Exit codes and error lines.

use remote_store::{Error, ErrorKind};

/// Exit codes, so scripts can tell failures apart.
pub(crate) const GENERAL: u8 = 1;
pub(crate) const USAGE: u8 = 2;
pub(crate) const NOT_FOUND: u8 = 3;
pub(crate) const PERMISSION: u8 = 4;
pub(crate) const UNAVAILABLE: u8 = 5;
pub(crate) const ALREADY_EXISTS: u8 = 6;

pub(crate) fn code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::PermissionDenied => PERMISSION,
        ErrorKind::BackendUnavailable => UNAVAILABLE,
        ErrorKind::AlreadyExists => ALREADY_EXISTS,
        ErrorKind::InvalidPath | ErrorKind::InvalidConfig | ErrorKind::InvalidArgument => USAGE,
        _ => GENERAL,
    }
}

/// One readable line; with `verbose`, the cause chain below it.
pub(crate) fn report(e: &Error, verbose: bool) {
    eprintln!("rstore: {e}");
    if verbose {
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            eprintln!("  caused by: {c}");
            cause = c.source();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_distinct_codes() {
        let cases = [
            (ErrorKind::NotFound, NOT_FOUND),
            (ErrorKind::PermissionDenied, PERMISSION),
            (ErrorKind::BackendUnavailable, UNAVAILABLE),
            (ErrorKind::AlreadyExists, ALREADY_EXISTS),
            (ErrorKind::InvalidPath, USAGE),
            (ErrorKind::InvalidConfig, USAGE),
            (ErrorKind::Other, GENERAL),
        ];
        for (kind, want) in cases {
            assert_eq!(code(&Error::new(kind)), want, "{kind:?}");
        }
    }
}
