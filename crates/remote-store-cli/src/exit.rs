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
    for line in render(e, verbose) {
        eprintln!("{line}");
    }
}

/// The lines [`report`] prints. A cause whose text is already shown (an
/// error's message often quotes its source, and an error without a message
/// shows its source's text) is not printed again; the chain is still
/// followed below it.
fn render(e: &Error, verbose: bool) -> Vec<String> {
    let mut lines = vec![format!("rstore: {e}")];
    if verbose {
        let mut shown = e.to_string();
        let mut cause = std::error::Error::source(e);
        while let Some(c) = cause {
            let text = c.to_string();
            // Ours prefix the kind; what may repeat is the message.
            let said = c
                .downcast_ref::<Error>()
                .and_then(Error::message)
                .map_or_else(|| text.clone(), str::to_owned);
            if !shown.contains(&said) {
                lines.push(format!("  caused by: {text}"));
                shown.push_str(&text);
            }
            cause = c.source();
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With `-v`, every cause appears once: not again when the message
    /// already quotes it, nor when the line shows it for want of a message.
    #[test]
    fn verbose_shows_each_cause_once() {
        let io = || std::io::Error::other("disk on fire");
        let quoted = Error::new(ErrorKind::Other)
            .with_message(format!("cannot write: {}", io()))
            .with_source(io());
        assert_eq!(
            render(&quoted, true),
            ["rstore: error: cannot write: disk on fire"]
        );
        let bare = Error::from(io());
        assert_eq!(render(&bare, true).len(), 1, "{:?}", render(&bare, true));
        // A cause not shown yet is printed, below one that was.
        let inner = Error::new(ErrorKind::BackendUnavailable).with_message("link down");
        let outer = Error::new(ErrorKind::Other)
            .with_message("cannot list: link down")
            .with_source(
                Error::new(ErrorKind::Other)
                    .with_message("retry budget spent")
                    .with_source(inner),
            );
        let lines = render(&outer, true);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].contains("retry budget spent"), "{lines:?}");
        assert_eq!(render(&outer, false).len(), 1);
    }

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
