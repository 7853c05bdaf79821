//! The two adapters of the hybrid model.
//!
//! - [`SyncBackendAdapter`]: a sync [`Backend`](crate::Backend) seen as an
//!   [`AsyncBackend`](crate::AsyncBackend), running each call on tokio's
//!   blocking pool.
//! - [`AsyncBackendBridge`]: an async backend seen as a sync one, running
//!   each call on a runtime of its own and waiting for it.
//!
//! Both stream: content and listings cross between the two sides through
//! bounded channels ([`channel`]), so memory stays constant whatever the
//! size. Users rarely name these types: [`Store`](crate::Store) and
//! [`AsyncStore`](crate::AsyncStore) wrap backends themselves.

mod async_to_sync;
mod channel;
mod inline;
mod runtime;
mod sync_to_async;
mod task_sink;
mod wait;

pub use async_to_sync::AsyncBackendBridge;
pub(crate) use channel::{ChannelReader, Msg, channel, receive_stream};
pub use runtime::background_runtime;
pub(crate) use runtime::blocking_handle;
pub use sync_to_async::SyncBackendAdapter;
pub(crate) use wait::block_on;
