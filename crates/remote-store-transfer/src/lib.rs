//! Copying files and folder trees from one store to another, on both
//! faces: files in parallel (`concurrency` at a time, listing lazily),
//! each streamed with bounded memory (a large file on a remote store as
//! ranges read several at once, see [`Transfer::parts_per_file`]), or
//! copied inside the backend when both stores share one that can; progress through an [`Observer`];
//! cancellation through a [`CancelToken`]; and a [`Report`] of what was
//! copied, skipped and failed — a file is never left out silently.
//!
//! ```
//! # #[tokio::main] async fn main() -> remote_store_core::Result<()> {
//! use remote_store_core::AsyncStore;
//! use remote_store_memory::AsyncMemoryBackend;
//! use remote_store_transfer::{IfExists, Transfer};
//!
//! let src = AsyncStore::new(AsyncMemoryBackend::new());
//! let dst = AsyncStore::new(AsyncMemoryBackend::new());
//! src.write_bytes("photos/a.jpg", "a", false).await?;
//! src.write_bytes("photos/2024/b.jpg", "bb", false).await?;
//!
//! let report = Transfer::new()
//!     .concurrency(8)
//!     .if_exists(IfExists::Skip)
//!     .copy_tree(&src, "photos", &dst, "backup/photos")
//!     .await?
//!     .ok()?; // the first failure, if any file failed
//! assert_eq!(report.copied.len(), 2);
//! assert_eq!(report.bytes, 3);
//! assert_eq!(dst.read_bytes("backup/photos/2024/b.jpg").await?, "bb");
//! # Ok(()) }
//! ```
//!
//! One-way sync ([`Transfer::sync_tree`]) copies only what is missing or
//! changed, and can delete what the source no longer has.
//!
//! [`Batch`] runs one operation over many paths of one store (delete,
//! exists, copy), with one answer per path; deletes go in bulk where the
//! service can.
//!
//! The sync face takes [`Store`](remote_store_core::Store)s:
//! [`Transfer::copy_file_blocking`], [`Transfer::copy_tree_blocking`] and
//! [`Transfer::sync_tree_blocking`].

mod batch;
mod blocking;
mod cancel;
mod checksum;
mod copy;
mod observer;
mod overlap;
mod report;
mod split;
mod sync;
mod transfer;

pub use batch::{Answers, Batch, CopyResult, PathResult};
pub use cancel::CancelToken;
pub use checksum::Checksum;
pub use observer::{FileStart, Observer};
pub use overlap::{Location, refuse_overlap};
pub use report::{Copied, Failed, Outcome, Report, Skipped, SourceVersion, Verified};
pub use sync::{Compare, MODIFY_WINDOW, SyncOptions};
pub use transfer::{IfExists, Transfer};
