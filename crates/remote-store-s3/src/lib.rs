//! Amazon S3 and S3-compatible servers for remote-store.
//!
//! [`S3Backend`] is a native [`AsyncBackend`](remote_store_core::AsyncBackend)
//! on the `object_store` crate (its HTTP client, retries and credential
//! chain); a sync [`Store`](remote_store_core::Store) reaches it through the
//! blocking bridge. Construction does no I/O.
//!
//! ```
//! use remote_store_core::AsyncStore;
//! use remote_store_s3::{S3Backend, S3Config};
//!
//! let config = S3Config::new("my-bucket")
//!     .prefix("reports")
//!     .region("eu-west-1")
//!     .endpoint("http://127.0.0.1:9100") // an S3-compatible server
//!     .allow_http(true)
//!     .credentials("test", "test");
//! let store = AsyncStore::new(S3Backend::new(config)?);
//! # Ok::<(), remote_store_core::Error>(())
//! ```
//!
//! The folder model, write strategy and error mapping are those of
//! `remote-store-object-store`: folders are key prefixes, writes are one
//! `PUT` up to 8 MiB and an aborted-on-failure multipart upload beyond,
//! no-overwrite uses `If-None-Match: *`, `rename` is copy + delete.
//!
//! Listings and recursive deletes go below `object_store`, by raw key
//! (`ListObjectsV2` with `encoding-type=url`, `DeleteObjects`): a key
//! other tools wrote that the path rules cannot return (`x//y`, `./x`,
//! `a\b`, a tab) is an error item of the listing, never the end of it; a
//! zero-byte folder marker (`m/`) is a folder, hidden from file listings
//! and deleted with its folder (ADR-0010).

mod backend;
mod config;
mod factory;
mod raw;

pub use backend::S3Backend;
pub use config::S3Config;
pub use factory::S3Factory;

/// The name the S3 backend reports.
pub const NAME: &str = "s3";
