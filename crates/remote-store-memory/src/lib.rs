//! In-memory backends for remote-store.
//!
//! - [`MemoryBackend`]: a sync [`Backend`](remote_store_core::Backend).
//! - [`AsyncMemoryBackend`]: a native [`AsyncBackend`](remote_store_core::AsyncBackend)
//!   (no blocking pool: every operation is a short critical section).
//!
//! Both are full-featured (atomic write, atomic move, server-side copy,
//! race-free no-overwrite, glob, recursive and range reads) and follow the
//! object-store folder model: a folder exists while a file exists below it,
//! so empty folders vanish. Clones share their data, which makes them handy
//! test doubles:
//!
//! ```
//! use remote_store_core::Store;
//! use remote_store_memory::MemoryBackend;
//!
//! let backend = MemoryBackend::new();
//! let store = Store::new(backend.clone());
//! store.write_bytes("a/b.txt", "hello", false).unwrap();
//! assert_eq!(Store::new(backend).read_bytes("a/b.txt").unwrap(), "hello");
//! ```

mod async_backend;
mod backend;
mod factory;
mod lister;
mod state;

pub use async_backend::AsyncMemoryBackend;
pub use backend::MemoryBackend;
pub use factory::MemoryFactory;

use remote_store_core::{Capabilities, Capability};

/// The name both memory backends report.
pub const NAME: &str = "memory";

/// What both memory backends declare: everything but persistent folders
/// and presigned URLs (memory has no HTTP face).
pub const CAPABILITIES: Capabilities = Capabilities::all()
    .without(Capability::PersistentFolders)
    .without(Capability::Presign);
