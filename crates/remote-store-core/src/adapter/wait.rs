//! Blocking on a future from sync code.
//!
//! `futures::executor::block_on` panics when it is nested inside another
//! `futures` executor, and tokio's `block_on` panics inside any tokio
//! runtime. The bridge must work from every context, so it waits with this
//! plain park/unpark loop, which has no such checks. The future it waits on
//! is driven elsewhere (on the bridge runtime or a blocking thread); this
//! thread only sleeps until woken.

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
    let mut future = pin!(future);
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
