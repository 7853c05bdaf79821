//! Running a proptest strategy against the store: the plumbing the
//! model-based and random-input cases share.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::face::Subject;

/// `RS_CONFORMANCE_MODEL_CASES` (default 16), divided by `divisor`
/// (rounded up): how many inputs a property case tries per backend and
/// face.
pub(crate) fn cases(divisor: u32) -> u32 {
    std::env::var("RS_CONFORMANCE_MODEL_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(16)
        .div_ceil(divisor)
}

/// Tries `check` on `cases` values of the strategy `strategy()` makes
/// (made on the thread that runs it: strategies need not be `Send`), each
/// against a fresh
/// child store (`{label}-{n}`). A failure (`Err` with what went wrong) is
/// shrunk, replaying at most `max_shrink` inputs against the store, and
/// the case panics with the minimal input, naming the face and `label`.
/// proptest is synchronous, so it runs on the blocking pool and each
/// check is driven on the case's runtime.
pub(crate) async fn run<S, F, Fut>(
    s: &Subject,
    label: &'static str,
    strategy: impl FnOnce() -> S + Send + 'static,
    cases: u32,
    max_shrink: u32,
    check: F,
) where
    S: Strategy,
    F: Fn(Subject, S::Value) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>>,
{
    let handle = tokio::runtime::Handle::current();
    let subject = s.clone();
    let result = tokio::task::spawn_blocking(move || {
        let runs = AtomicUsize::new(0);
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: max_shrink,
            ..Config::default()
        };
        TestRunner::new(config)
            .run(&strategy(), |value| {
                let n = runs.fetch_add(1, Ordering::Relaxed);
                let store = subject
                    .child(&format!("{label}-{n}"))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                handle
                    .block_on(check(store, value))
                    .map_err(TestCaseError::fail)
            })
            // The minimal input, shown (values need not be `Send`).
            .map_err(|e| e.to_string())
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{} ({label}): {e}", s.face()),
        Err(e) => panic!("the {label} runner panicked: {e}"),
    }
}
