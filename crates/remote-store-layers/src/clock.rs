//! The layers' clock: tokio timers registered with a small runtime of
//! their own, so a pause or a deadline works under any executor and in a
//! tokio runtime built without timers (where `tokio::time` would panic).

use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

/// The timer runtime: one worker that drives the timers.
fn timers() -> &'static Handle {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("remote-store-timer")
                .enable_time()
                .build()
                .expect("remote-store: cannot start the timer runtime (out of threads?)")
        })
        .handle()
}

/// A future that completes after `duration`, wherever it is polled.
pub(crate) fn sleep(duration: Duration) -> tokio::time::Sleep {
    let _timers = timers().enter();
    tokio::time::sleep(duration)
}
