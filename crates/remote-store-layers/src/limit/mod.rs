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
//! - a one-shot call (a query, a delete, a rename, opening a stream or a
//!   listing, a `read_bytes`) holds one from start to end;
//! - a write holds one while the backend takes a chunk or commits, and
//!   gives it back while the write waits for its source;
//! - pulling a sync backend's stream or listing holds one for each `read`
//!   or `next` call (a bounded call that returns);
//! - pulling an async backend's stream or listing holds none: an async
//!   stream that returns `Pending` cannot tell a slow server from a
//!   consumer that stopped polling (the blocking bridge collecting a page,
//!   a caller's own timeout), and a permit kept across that wait would
//!   never come back.
//!
//! So a caller that keeps a listing open while it reads each file, or that
//! copies from one limited store into another (the write's source being a
//! read of the first), never waits on a permit it holds itself: a limit of
//! 1 serialises such work instead of deadlocking it. The cost: the limit
//! bounds calls and the opening of transfers, not the bytes of a transfer
//! under way (that is [`BandwidthLimitLayer`]'s), nor open connections
//! (each backend's pool bounds those).

mod bandwidth;
mod concurrency;

pub use bandwidth::BandwidthLimitLayer;
pub use concurrency::ConcurrencyLimitLayer;
