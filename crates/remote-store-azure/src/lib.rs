//! Azure Blob Storage (and Azurite) for remote-store.
//!
//! [`AzureBackend`] is a native [`AsyncBackend`](remote_store_core::AsyncBackend)
//! on the `object_store` crate; a sync [`Store`](remote_store_core::Store)
//! reaches it through the blocking bridge. Construction does no I/O.
//!
//! ```
//! use remote_store_core::AsyncStore;
//! use remote_store_azure::{AzureBackend, AzureConfig};
//!
//! let config = AzureConfig::new("myaccount", "mycontainer")
//!     .prefix("reports")
//!     .access_key("c2VjcmV0");
//! let store = AsyncStore::new(AzureBackend::new(config)?);
//! # Ok::<(), remote_store_core::Error>(())
//! ```
//!
//! Credentials: an account key, a SAS token, a connection string (which may
//! also carry the endpoint, as Azurite's does), or — when none is given —
//! the standard environment chain of `object_store`. The folder model (flat
//! namespace: folders are prefixes), write strategy (one `PUT` up to 8 MiB,
//! a block list beyond, never a partial blob; no-overwrite is a conditional
//! `PUT` or a conditional block-list commit, race-free either way) and
//! error mapping are those of `remote-store-object-store`.
//!
//! Listings and recursive deletes go below `object_store`, by raw blob
//! name (`List Blobs`, `Delete Blob`): a name other tools wrote that the
//! path rules cannot return (`x//y`, `a\b`, a tab) is an error item of the
//! listing, never the end of it; a zero-byte folder marker (`m/`) or a
//! hierarchical-namespace directory is a folder, hidden from file listings
//! and deleted with its folder (ADR-0010).

mod backend;
mod commit;
mod config;
mod factory;
mod raw;

pub use backend::AzureBackend;
pub use config::AzureConfig;
pub use factory::AzureFactory;

/// The name the Azure backend reports.
pub const NAME: &str = "azure";
