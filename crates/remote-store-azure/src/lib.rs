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

mod backend;
mod commit;
mod config;
mod factory;

pub use backend::AzureBackend;
pub use config::AzureConfig;
pub use factory::AzureFactory;

/// The name the Azure backend reports.
pub const NAME: &str = "azure";
