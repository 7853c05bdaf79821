//! Limits shared by every store a layer is applied to: how many calls run
//! at once ([`ConcurrencyLimitLayer`]) and how many bytes move per second
//! ([`BandwidthLimitLayer`]).
//!
//! Clones of a limit layer share it: apply one value (or its clones) to
//! several stores, on either face, and they draw on the same permits or
//! the same byte budget; build a new one for a separate limit.
//!
//! # What holds a permit, and why never while waiting for the caller
//!
//! A permit of the concurrency limit is held while the backend works for
//! the caller, and only then:
//!
//! - a one-shot call (a query, a delete, a rename, opening a stream, a
//!   `read_bytes`) holds one from start to end;
//! - a read stream or a listing holds one while the caller waits for its
//!   next chunk or entry, and gives it back when the item arrives;
//! - a write holds one while the backend takes a chunk or commits, and
//!   gives it back while the write waits for its source.
//!
//! So a caller that keeps a listing open while it reads each file, or that
//! copies from one limited store into another (the write's source being a
//! read of the first), never waits on a permit it holds itself: a limit of
//! 1 serialises such work instead of deadlocking it. The cost: a stream
//! the caller is not pulling holds no permit, so the limit bounds the work
//! in progress, not the number of open streams (connections stay with the
//! backend's own pool limits).

mod bandwidth;
mod concurrency;

pub use bandwidth::BandwidthLimitLayer;
pub use concurrency::ConcurrencyLimitLayer;
