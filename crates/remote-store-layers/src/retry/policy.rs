//! How often and how long to retry: attempts, exponential backoff with
//! full jitter, and a total time budget.

use std::time::{Duration, Instant};

/// When a failed call is tried again.
///
/// An attempt that fails with an error whose
/// [`is_retryable`](remote_store_core::Error::is_retryable) is true is
/// tried again after a pause, until `max_attempts` calls were made or the
/// next pause would end past `budget` from the first call. Pauses grow
/// exponentially from `initial_backoff` up to `max_backoff`, each drawn
/// uniformly between zero and that bound ("full jitter", so that many
/// clients failing at once do not retry in step).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Calls in all, the first included (default 4). `1` never retries.
    pub max_attempts: u32,
    /// The bound of the first pause (default 200 ms).
    pub initial_backoff: Duration,
    /// The largest bound a pause can have (default 10 s).
    pub max_backoff: Duration,
    /// The time from the first call after which no pause starts
    /// (default 300 s: longer than the timeout layer's call deadline,
    /// 120 s, so a call that timed out is tried again).
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            budget: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The default policy (see the fields).
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls in all, the first included; at least 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The bound of the first pause, and the largest.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The time from the first call after which no pause starts.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// The bound of the pause after failed attempt `attempt` (1-based):
    /// `initial_backoff · 2^(attempt-1)`, at most `max_backoff`.
    pub fn backoff_bound(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }

    /// The pause before the next attempt, or `None` when `attempt` calls
    /// (made since `started`) are all the policy allows. A wait the
    /// service `asked` for (`Retry-After`) is the least pause.
    pub(crate) fn pause(
        &self,
        attempt: u32,
        started: Instant,
        asked: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let bound = self.backoff_bound(attempt);
        let pause = bound
            .mul_f64(fastrand::f64())
            .max(asked.unwrap_or_default());
        (started.elapsed() + pause <= self.budget).then_some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_double_up_to_the_maximum() {
        let p = RetryPolicy::new().backoff(Duration::from_millis(100), Duration::from_millis(700));
        let bounds: Vec<_> = (1..=5).map(|a| p.backoff_bound(a).as_millis()).collect();
        assert_eq!(bounds, [100, 200, 400, 700, 700]);
    }

    #[test]
    fn pauses_stop_at_the_attempts_and_the_budget() {
        let p = RetryPolicy::new().max_attempts(3);
        let now = Instant::now();
        assert!(
            p.pause(1, now, None)
                .is_some_and(|d| d <= p.backoff_bound(1))
        );
        assert!(p.pause(2, now, None).is_some());
        assert_eq!(p.pause(3, now, None), None, "three calls made: no more");
        if let Some(spent) = Instant::now().checked_sub(Duration::from_secs(301)) {
            let pause = RetryPolicy::new().pause(1, spent, None);
            assert_eq!(pause, None, "the budget is spent");
        }
        assert_eq!(RetryPolicy::new().max_attempts(0).max_attempts, 1);
        // The service's Retry-After is the least pause, within the budget.
        let asked = Some(Duration::from_secs(5));
        assert_eq!(p.pause(1, now, asked), Some(Duration::from_secs(5)));
        let asked = Some(Duration::from_secs(400));
        assert_eq!(p.pause(1, now, asked), None, "past the 300 s budget");
    }
}
