//! Blocking on a future from sync code.
//!
//! `futures::executor::block_on` panics when it is nested inside another
//! `futures` executor, and tokio's `block_on` panics inside any tokio
//! runtime. The bridge must work from every context, so it waits with this
//! plain park/unpark loop, which has no such checks. The future it waits on
//! is driven elsewhere (on the bridge runtime or a blocking thread); this
//! thread only sleeps until woken.
//!
//! The wait must also be free of the caller's cooperative budget. When the
//! calling thread is inside a tokio task (a current-thread `block_on`, a
//! task on a worker), tokio charges every channel and I/O operation polled
//! on that thread to that task's budget (128 operations per task poll).
//! Once spent, each operation answers `Pending` and wakes itself at once,
//! expecting the task to yield to its scheduler, which refills the budget.
//! A blocking wait never yields, so it would poll and wake forever: a
//! livelock that started after about 128 chunks (8 MiB at 64 KiB each) of a
//! stream. Polling through [`tokio::task::coop::unconstrained`] opts the
//! wait out of that budget.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
}

/// Polls `future` on this thread, parking between polls, until it is ready.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(tokio::task::coop::unconstrained(future));
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            // Spurious wake-ups only cost one extra poll.
            thread::park();
        }
    })
}
