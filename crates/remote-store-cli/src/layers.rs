//! The layers every store of a run gets (ADR-0017): retry and timeouts by
//! default, tuned by `--retries` and `--timeout`, and a span per operation
//! logged to stderr with `-v`.
//!
//! Precedence, from strongest: a URL's own options (`?retry.attempts=…`),
//! the flags, the configuration file's `[backends.NAME.retry]` and
//! `[backends.NAME.timeout]`, the layers' defaults.

use std::time::Duration;

use remote_store::layers_config::{LayersConfig, LimitSettings, RetrySettings, TimeoutSettings};

/// The layer flags of the command line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flags {
    /// `--retries N`: N more calls after a failed one.
    pub(crate) retries: Option<u32>,
    /// `--timeout SECONDS`: both the one-shot deadline and the stall limit.
    pub(crate) timeout: Option<f64>,
    /// `-v`: trace every operation.
    pub(crate) trace: bool,
}

impl Flags {
    /// The layers of a store configured with `own` (the file's settings,
    /// or a URL's options when `own_wins`).
    pub(crate) fn layers(&self, own: &LayersConfig, own_wins: bool) -> LayersConfig {
        let mut from_flags = LayersConfig::default();
        if let Some(n) = self.retries {
            let mut retry = RetrySettings::default();
            retry.attempts = Some(n.saturating_add(1));
            from_flags.retry = Some(retry);
        }
        if let Some(s) = self.timeout {
            let mut timeout = TimeoutSettings::default();
            timeout.operation = Some(Duration::from_secs_f64(s));
            timeout.stall = Some(Duration::from_secs_f64(s));
            from_flags.timeout = Some(timeout);
            // Room for every attempt to time out and pause (at most 10 s),
            // so `--retries` is never cut short by the budget (300 s).
            let attempts = f64::from(self.retries.unwrap_or(3).saturating_add(1));
            let needed = attempts * (s + 10.0);
            if needed > 300.0 {
                let retry = from_flags.retry.get_or_insert_with(RetrySettings::default);
                retry.budget = Some(Duration::from_secs_f64(needed));
            }
        }
        from_flags.trace = self.trace;
        // Retry and timeouts always, with the layers' defaults where
        // nothing says otherwise.
        let mut layers = LayersConfig::default();
        layers.retry = Some(RetrySettings::default());
        layers.timeout = Some(TimeoutSettings::default());
        let (weaker, stronger) = if own_wins {
            (&from_flags, own)
        } else {
            (own, &from_flags)
        };
        overlay(&mut layers, weaker);
        overlay(&mut layers, stronger);
        layers
    }
}

/// `top`'s settings over `base`'s, field by field.
fn overlay(base: &mut LayersConfig, top: &LayersConfig) {
    if let Some(t) = &top.retry {
        let b = base.retry.get_or_insert_with(RetrySettings::default);
        b.attempts = t.attempts.or(b.attempts);
        b.initial_backoff = t.initial_backoff.or(b.initial_backoff);
        b.max_backoff = t.max_backoff.or(b.max_backoff);
        b.budget = t.budget.or(b.budget);
    }
    if let Some(t) = &top.timeout {
        let b = base.timeout.get_or_insert_with(TimeoutSettings::default);
        b.operation = t.operation.or(b.operation);
        b.stall = t.stall.or(b.stall);
    }
    if let Some(t) = &top.limits {
        let b = base.limits.get_or_insert_with(LimitSettings::default);
        b.concurrency = t.concurrency.or(b.concurrency);
        b.bandwidth = t.bandwidth.or(b.bandwidth);
    }
    base.trace |= top.trace;
    base.metrics |= top.metrics;
}

/// With `-v`: every span the layers close is logged to stderr, with its
/// fields (backend, operation, path, bytes, outcome, attempts) and times.
pub(crate) fn log_spans() {
    use tracing_subscriber::fmt::format::FmtSpan;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    #[test]
    fn defaults_flags_file_and_url_stack_in_that_order() {
        let none = Flags::default();
        let layers = none.layers(&LayersConfig::default(), false);
        assert_eq!(layers.retry, Some(RetrySettings::default()));
        assert_eq!(layers.timeout, Some(TimeoutSettings::default()));
        assert!(!layers.trace);

        let mut file = LayersConfig::default();
        let mut retry = RetrySettings::default();
        retry.attempts = Some(9);
        retry.budget = secs(5);
        file.retry = Some(retry);
        let mut timeout = TimeoutSettings::default();
        timeout.stall = secs(7);
        file.timeout = Some(timeout);

        let flags = Flags {
            retries: Some(2),
            timeout: Some(30.0),
            trace: true,
        };
        // The file's settings under the flags.
        let layers = flags.layers(&file, false);
        let retry = layers.retry.clone().unwrap();
        assert_eq!((retry.attempts, retry.budget), (Some(3), secs(5)));
        assert_eq!(layers.timeout.clone().unwrap().stall, secs(30));
        assert!(layers.trace);
        // A URL's options over the flags.
        let layers = flags.layers(&file, true);
        assert_eq!(layers.retry.unwrap().attempts, Some(9));
        let timeout = layers.timeout.unwrap();
        assert_eq!((timeout.operation, timeout.stall), (secs(30), secs(7)));
        // Without flags, the file's settings stand.
        assert_eq!(none.layers(&file, false).retry.unwrap().attempts, Some(9));
    }
}
