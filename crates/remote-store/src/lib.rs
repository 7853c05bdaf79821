//! One API for file storage: memory, local disk, S3, Azure Blob, SFTP and
//! more, with a sync face ([`Store`]) and an async face ([`AsyncStore`]).
//!
//! ```
//! use remote_store::{Store, backends::MemoryBackend};
//!
//! # fn main() -> remote_store::Result<()> {
//! let store = Store::new(MemoryBackend::new()).child("reports")?;
//! store.write_bytes("2024/q1.csv", "region,total\nnorth,10\n", false)?;
//! for file in store.list_files("2024", false)? {
//!     let file = file?;
//!     println!("{} ({} bytes)", file.path, file.size);
//! }
//! # Ok(()) }
//! ```
//!
//! Every store takes either kind of backend: a sync one runs on tokio's
//! blocking pool under an [`AsyncStore`], an async one runs on the blocking
//! bridge under a [`Store`] — from any thread, inside a runtime or not.
//!
//! # Features
//!
//! | feature        | default | what it adds                                        |
//! |----------------|---------|-----------------------------------------------------|
//! | `memory`       | yes     | [`backends::MemoryBackend`], [`backends::AsyncMemoryBackend`] |
//! | `local`        | no      | [`backends::LocalBackend`] (`std::fs`, durable atomic writes) |
//! | `s3`           | no      | [`backends::S3Backend`] (S3 and compatible servers, on `object_store`) |
//! | `azure`        | no      | [`backends::AzureBackend`] (Azure Blob and Azurite, on `object_store`) |
//! | `sftp`         | no      | both SFTP engines: `sftp-russh` and `sftp-ssh2`     |
//! | `sftp-russh`   | no      | [`backends::AsyncSftpBackend`] (native async on russh; the faster) |
//! | `sftp-ssh2`    | no      | [`backends::SftpBackend`] (sync on libssh2)         |
//! | `opendal`      | no      | `backends::OpendalBackend` (any OpenDAL service; services by `opendal-webdav`, `opendal-gcs`, `opendal-http`, …) |
//! | `all-backends` | no      | every backend this release ships                    |
//! | `layers`       | no      | `layers`: retry, timeouts, tracing, metrics, limits, fault injection |
//! | `object-store-adapter` | no | `object_store_adapter::ObjectStoreAdapter`: any store as an object_store 0.14 `ObjectStore` |
//! | `object-store-adapter-0-13` | no | `object_store_adapter::v0_13`: the same for object_store 0.13 (DataFusion 55) |
//!
//! # Configuration, registries and URLs
//!
//! - [`Config`] describes named backends and stores (TOML, JSON or code);
//!   [`Registry`] checks it and hands out stores by name, creating each
//!   backend once, on first use.
//! - [`OpenUrl`] opens a store from a URL: `Store::open("file:///var/data")`.
//! - Every backend crate provides a [`BackendFactory`]; the enabled ones are
//!   installed automatically, and [`register_backend`] adds a third-party
//!   one.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
mod interpolate;
pub mod layers_config;
mod registry;
pub mod url;

pub use config::Config;
pub use registry::{Registry, backend_types, install_default_backends, register_backend};
pub use remote_store_core::{
    AnyBackend, AsAny, AsyncBackend, AsyncBackendBridge, AsyncFileWriter, AsyncSeekableReader,
    AsyncStore, Backend, BackendFactory, ByteRange, Bytes, Capabilities, Capability, CopyOptions,
    DELETE_BATCH_CONCURRENCY, DELETE_BATCH_MAX, DeleteFolderOptions, DeleteOptions, Error,
    ErrorKind, FileInfo, FileWriter, FolderInfo, Gated, IntoAsyncBackend, IntoBackend, ListOptions,
    MAX_PATH_BYTES, MAX_SEGMENT_BYTES, OptionSpec, Options, PresignMethod, PresignOptions,
    PresignedRequest, ReadOptions, RemotePath, RenameOptions, Result, SeekableReader, Store,
    SyncBackendAdapter, UrlParts, UrlTarget, WriteOptions, WriteResult, async_trait, factory, glob,
    layer, marker, options, seekable, stream,
};
pub use url::OpenUrl;

/// The backend crates of the enabled features, by name.
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
pub use remote_store_memory as memory;

/// The local file-system backend crate.
#[cfg(feature = "local")]
#[cfg_attr(docsrs, doc(cfg(feature = "local")))]
pub use remote_store_local as local;

/// The S3 backend crate.
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub use remote_store_s3 as s3;

/// The Azure Blob backend crate.
#[cfg(feature = "azure")]
#[cfg_attr(docsrs, doc(cfg(feature = "azure")))]
pub use remote_store_azure as azure;

/// The SFTP backend crate.
#[cfg(any(feature = "sftp-russh", feature = "sftp-ssh2"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sftp-russh", feature = "sftp-ssh2"))))]
pub use remote_store_sftp as sftp;

/// Layers for any backend: retry, fault injection (ADR-0017).
#[cfg(feature = "layers")]
#[cfg_attr(docsrs, doc(cfg(feature = "layers")))]
pub use remote_store_layers as layers;

/// Copying files and trees between stores: concurrent, streaming,
/// server-side where it can, with progress, cancellation and a report.
#[cfg(feature = "transfer")]
#[cfg_attr(docsrs, doc(cfg(feature = "transfer")))]
pub use remote_store_transfer as transfer;

/// Any OpenDAL service as a backend (services by `opendal-*` features).
#[cfg(feature = "opendal")]
#[cfg_attr(docsrs, doc(cfg(feature = "opendal")))]
pub use remote_store_opendal as opendal;

/// Any store as an `object_store::ObjectStore` ([`ObjectStoreAdapter`](remote_store_object_store_adapter::ObjectStoreAdapter)).
#[cfg(feature = "object-store-adapter")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store-adapter")))]
pub use remote_store_object_store_adapter as object_store_adapter;

/// The main type of every enabled backend, in one place.
pub mod backends {
    #[cfg(feature = "azure")]
    #[cfg_attr(docsrs, doc(cfg(feature = "azure")))]
    pub use remote_store_azure::AzureBackend;
    #[cfg(feature = "local")]
    #[cfg_attr(docsrs, doc(cfg(feature = "local")))]
    pub use remote_store_local::LocalBackend;
    #[cfg(feature = "opendal")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opendal")))]
    pub use remote_store_opendal::OpendalBackend;
    #[cfg(feature = "s3")]
    #[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
    pub use remote_store_s3::S3Backend;
    #[cfg(feature = "sftp-russh")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sftp-russh")))]
    pub use remote_store_sftp::AsyncSftpBackend;
    #[cfg(feature = "sftp-ssh2")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sftp-ssh2")))]
    pub use remote_store_sftp::SftpBackend;

    #[cfg(feature = "memory")]
    #[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
    pub use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};
}

/// Compiles the README's example.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
