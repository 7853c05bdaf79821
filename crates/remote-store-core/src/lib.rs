//! The core contract of remote-store: one API for file storage.
//!
//! Application code normally uses the `remote-store` facade crate, which
//! re-exports everything here together with the backends. Backend authors
//! depend on this crate directly: implement [`Backend`] (blocking) or
//! [`AsyncBackend`] (native async), then prove the implementation with the
//! `remote-store-conformance` suite.
//!
//! - [`RemotePath`]: validated, normalized, store-relative paths.
//! - [`Capability`] / [`Capabilities`]: what a backend declares it can do.
//! - [`Error`] / [`ErrorKind`]: the one error model.
//! - [`FileInfo`] / [`FolderInfo`] / [`WriteResult`]: metadata.
//! - [`ReadOptions`], [`WriteOptions`], …: the options of each operation
//!   ([`options`]).
//! - [`Backend`] and [`AsyncBackend`]: the two traits, same operations.
//! - [`Store`] and [`AsyncStore`]: the root-scoped faces users call. Each
//!   takes either kind of backend: [`SyncBackendAdapter`] and
//!   [`AsyncBackendBridge`] are applied automatically.
//!
//! The core has no backend code. It depends on tokio (runtime and sync
//! primitives only) because the adapters need a blocking pool and a runtime
//! to bridge on.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod async_backend;
mod async_store;
pub mod attributes;
mod backend;
mod batch;
mod capability;
mod contract;
pub mod described;
mod error;
pub mod factory;
pub mod glob;
mod into_backend;
pub mod layer;
mod metadata;
pub mod options;
mod path;
mod scope;
pub mod seekable;
mod store;
pub mod stream;
mod writer;

pub use adapter::{AsyncBackendBridge, SyncBackendAdapter, background_runtime};
pub use async_backend::AsyncBackend;
pub use async_store::AsyncStore;
pub use backend::{AsAny, Backend};
pub use capability::{Capabilities, Capability};
pub use error::{Error, ErrorKind, Result};
pub use factory::{AnyBackend, BackendFactory, OptionSpec, Options, UrlParts, UrlTarget};
pub use into_backend::{IntoAsyncBackend, IntoBackend, marker};
pub use metadata::{FileInfo, FolderInfo, PresignedRequest, WriteResult};
pub use options::{
    ByteRange, CopyOptions, DeleteFolderOptions, DeleteOptions, Gated, ListOptions,
    MAX_METADATA_BYTES, PresignMethod, PresignOptions, ReadOptions, RenameOptions, WriteOptions,
};
pub use path::{MAX_PATH_BYTES, MAX_SEGMENT_BYTES, RemotePath};
pub use seekable::{AsyncSeekableReader, SeekableReader};
pub use store::Store;
pub use writer::{AsyncFileWriter, FileWriter, SINK_CHUNK_SIZE, WriteSink};

/// How many files the default
/// [`AsyncBackend::delete_batch`]
/// deletes at a time, one request each.
pub const DELETE_BATCH_CONCURRENCY: usize = 16;

/// The most paths a store hands its backend in one
/// [`delete_batch`](crate::AsyncStore::delete_batch) call: S3's
/// `DeleteObjects` limit (1,000 keys per request, from the S3 API
/// reference). Callers with more paths split them (the transfer crate's
/// batch operations do).
pub const DELETE_BATCH_MAX: usize = 1000;

/// Re-exported so backend crates use the same `async_trait` as the trait.
pub use async_trait::async_trait;
/// Re-exported: the chunk type of every stream.
pub use bytes::Bytes;
/// Re-exported: the `futures` (0.3) the stream types come from, so an
/// async backend needs no dependency of its own to build them:
///
/// ```
/// use remote_store_core::futures::{StreamExt, stream};
/// use remote_store_core::{Bytes, stream::ByteStream};
///
/// let body: ByteStream = stream::iter([Ok(Bytes::from("hello"))]).boxed();
/// # drop(body);
/// ```
pub use futures;
