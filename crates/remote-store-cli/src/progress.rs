//! Progress bars on standard error, only when it is a terminal and the
//! user did not ask for quiet or JSON output.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    enabled: bool,
}

impl Progress {
    pub(crate) fn new(quiet: bool, json: bool) -> Self {
        Progress {
            enabled: !quiet && !json && std::io::stderr().is_terminal(),
        }
    }

    /// A byte bar for one transfer of `len` bytes (when known).
    pub(crate) fn bytes(&self, label: &str, len: Option<u64>) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = match len {
            Some(len) => ProgressBar::new(len),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        bar
    }

    /// A counting bar for many files.
    pub(crate) fn files(&self, label: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{msg} {pos} files {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(label.to_owned());
        bar
    }
}

/// Wraps a reader so that reading advances `bar`, and fails once the
/// process is asked to stop (so the write it feeds aborts cleanly).
pub(crate) fn wrap(bar: &ProgressBar, reader: impl Read) -> impl Read {
    crate::interrupt::Checked(bar.wrap_read(reader))
}
