//! SIGINT and SIGTERM: stop cleanly, leaving nothing half-written.
//!
//! The first signal sets a flag, which is every transfer's cancel token
//! ([`cancel_token`]): the source stream fails at its next chunk, so the
//! write in flight fails like any write whose source broke: the backend
//! removes its staged temp file or aborts its multipart upload, and
//! nothing partial is left.
//! Tree copies stop taking new files. `rstore` then exits with 130. A
//! second signal exits at once, with 131.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use remote_store::{Error, ErrorKind};

/// The exit code after a signal (128 + SIGINT, as shells report).
pub(crate) const EXIT_CODE: u8 = 130;
/// What `rstore` says when a signal came too late to stop anything.
pub(crate) const COMPLETED: &str = "interrupted by a signal after the last source had been read \
     whole: its write could not be stopped any more, and it completed";

/// The exit code of a second signal, which exits at once and may leave
/// what a killed process leaves.
const FORCED_EXIT_CODE: i32 = 131;

fn flag() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the handlers. A failure to install leaves the default
/// behaviour (the process dies on the signal), so it is not fatal.
pub(crate) fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        // Registered first: a second signal, seeing the flag already set,
        // exits at once.
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal,
            FORCED_EXIT_CODE,
            flag().clone(),
        );
        let _ = signal_hook::flag::register(signal, flag().clone());
    }
}

/// Whether a stop was asked for.
pub(crate) fn requested() -> bool {
    flag().load(Ordering::SeqCst)
}

/// A transfer's cancel token that a signal sets.
pub(crate) fn cancel_token() -> remote_store::transfer::CancelToken {
    remote_store::transfer::CancelToken::from_flag(flag().clone())
}

/// The error of an operation stopped by a signal.
pub(crate) fn error() -> Error {
    Error::new(ErrorKind::Other).with_message("interrupted by a signal; nothing partial was kept")
}
