//! Any remote-store [`AsyncStore`](remote_store_core::AsyncStore) as an
//! [`object_store::ObjectStore`]: SFTP, the local disk, memory and any
//! third-party backend, under any layers, for the crates that speak
//! object_store (DataFusion, Polars, delta-rs, iceberg-rust, arrow's
//! parquet reader).
//!
//! ```
//! use std::sync::Arc;
//! use remote_store_core::AsyncStore;
//! use remote_store_object_store_adapter::{ObjectStoreAdapter, object_store};
//! use object_store::{ObjectStore, ObjectStoreExt, path::Path};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let store = AsyncStore::new(remote_store_memory::MemoryBackend::new());
//! let objects: Arc<dyn ObjectStore> = Arc::new(ObjectStoreAdapter::new(store));
//! objects.put(&Path::from("data/a.csv"), "x,y\n1,2\n".into()).await?;
//! let bytes = objects.get(&Path::from("data/a.csv")).await?.bytes().await?;
//! assert_eq!(&bytes[..], b"x,y\n1,2\n");
//! # Ok::<(), object_store::Error>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **With DataFusion** (55, on object_store 0.13: the facade feature
//! `object-store-adapter-0-13`, module `v0_13`), register the adapter
//! under a URL of your choice and name files by URLs below it:
//!
//! ```text
//! use datafusion::prelude::*;
//! use remote_store::object_store_adapter::v0_13::ObjectStoreAdapter;
//!
//! let ctx = SessionContext::new();
//! ctx.register_object_store(&Url::parse("sftp://archive")?, Arc::new(ObjectStoreAdapter::new(store)));
//! ctx.register_csv("trips", "sftp://archive/trips/", CsvReadOptions::new()).await?;
//! ```
//!
//! The URL's scheme and host only pick the store (any pair not used by
//! another registration); its path is the key below the store's root,
//! percent-encoded (`a%20b.csv`, `100%25.csv`). DataFusion re-exports its
//! object_store as `datafusion::object_store`, so no dependency of your
//! own is needed. `examples/datafusion` runs CSV and Parquet queries on
//! SFTP (`cargo xtask example datafusion`).
//!
//! **Versions**: a consumer's object_store must be the adapter's for the
//! trait to match. The crate root is the adapter for object_store 0.14
//! (re-exported as [`object_store`]; also [`v0_14`]); with the feature
//! `object-store-0-13`, [`v0_13`] is the same adapter for object_store
//! 0.13, which DataFusion 55 (the newest as of 2026-12) and its users
//! depend on. Both are the same code: the trait did not change between
//! the two versions.
//!
//! **Keys** are the store's paths below its root, the same strings
//! (`Path::as_ref`). A key the store's path rules would rewrite (a `\`,
//! which they read as a separator) or refuse (`..`, control characters,
//! a segment over 255 bytes) is an error, never another key; a stored
//! name object_store cannot parse is an error item of a listing, never
//! skipped. Our stores are hierarchical, every one of them (memory too):
//! a key and a key below it (`a` and `a/b`) cannot both exist, and the
//! second write fails (`Generic`, our `InvalidPath` as the source), where
//! object_store's `InMemory` keeps both.
//!
//! **What maps to what**, never silently weaker (`NotImplemented`
//! otherwise):
//!
//! | object_store | the store |
//! |---|---|
//! | `put`, `PutMode::Overwrite` | `write` with `overwrite`: atomic where the store declares `AtomicWrite` |
//! | `PutMode::Create` | a no-overwrite `write`, only with `ExclusiveWrite` (race-free) |
//! | `PutMode::Update { e_tag, .. }` | a `write` with `if_match`, only with `ConditionalWrite`; without an `e_tag`: `NotImplemented` (no versions) |
//! | attributes `ContentType`, `CacheControl`, `Metadata` | the write's options, where the store keeps them (`ContentType`, `CacheControl`, `UserMetadata`); other attributes and tags: `NotImplemented` |
//! | `put_multipart` | one streamed `write`, parts taken in the order `put_part` is called; `abort` or a drop discards it (nothing visible before `complete`) |
//! | `get`, `get_range`, `get_opts` without conditions | one `read_with_info`: the metadata and the bytes it describes (one lookup on memory, one open and `fstat` on local; elsewhere a `get_file_info` and a read pinned to its etag, or counted: a file replaced with one of another size fails the stream) |
//! | `get_opts` with conditions, `head` or a suffix range | `get_file_info`, then a `read` of the range, pinned to the etag where the store declares `ConditionalRead` (a file replaced in between is read again, up to 10 times), else counted as above |
//! | conditions `if_match`, `if_none_match`, `if_(un)modified_since` | decided on that metadata (`NotSupported` for dates where the store reports no modification time); `version`: `NotImplemented` |
//! | `list(prefix)` | a recursive `list_files` of the prefix's folder (whole segments) |
//! | `list_with_delimiter` | `list_files` and `list_folders`, sorted; where folders persist (local, SFTP) an empty folder is a common prefix, as with object_store's `LocalFileSystem` |
//! | `delete` | `delete`, a missing object succeeding (as on object stores) |
//! | `copy`, `rename` | `copy`, `rename` (atomic where `AtomicMove`) |
//! | `copy_if_not_exists`, `rename_if_not_exists` | the bytes and attributes through a no-overwrite `write` (then the source's delete), only with `ExclusiveWrite` |
//! | `GetOptions::head` | the metadata and the range, with an empty payload (no bytes are read) |
//!
//! **Memory**: `put_multipart` holds the parts the caller handed over
//! until the write has taken them; a `put_part` future resolves when its
//! part was taken, so a caller that awaits its parts (as `WriteMultipart`
//! does) bounds what is held.
//!
//! **Errors**: `NotFound`, `AlreadyExists`, `PreconditionFailed`
//! (`Precondition`), `PermissionDenied` and `CapabilityNotSupported`
//! (`NotSupported`) map to their object_store variants, the rest to
//! `Generic`, with our error as the source; a folder where an object
//! would be is `NotFound` for reads, heads and the source of a copy or
//! rename (object_store has no folders); a write onto a folder fails
//! with `Generic`.
//!
//! **Metadata**: `ObjectMeta::e_tag` is the store's etag (none on SFTP),
//! `version` is always `None`, and `last_modified` is the Unix epoch for
//! a file without a modification time.

#[cfg(feature = "object-store-0-13")]
pub mod v0_13;
pub mod v0_14;

pub use v0_14::{ObjectStoreAdapter, object_store};
