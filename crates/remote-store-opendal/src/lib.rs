//! Any [OpenDAL](https://opendal.apache.org) service as a remote-store
//! backend: WebDAV, FTP, GCS, HTTP and the others OpenDAL reaches, with
//! remote-store's contract on top — capabilities mapped from OpenDAL's
//! own, one error model, our path rules, both faces.
//!
//! [`OpendalBackend`] is a native [`AsyncBackend`](remote_store_core::AsyncBackend)
//! over an [`opendal::Operator`]; a sync [`Store`](remote_store_core::Store)
//! reaches it through the blocking bridge. Each service is a cargo feature
//! (`services-webdav`, `services-ftp`, `services-gcs`, `services-http`,
//! `services-fs`, `services-s3`, `services-memory`), so a build compiles
//! only the services it uses.
//!
//! Through the facade crate, the operator's types are at
//! `remote_store::opendal::opendal`. With the facade's `opendal-memory`
//! feature (this crate's `services-memory`), OpenDAL's memory service:
//!
//! ```
//! # #[cfg(feature = "services-memory")] {
//! use remote_store_core::AsyncStore;
//! use remote_store_opendal::OpendalBackend;
//!
//! let op = opendal::Operator::new(opendal::services::Memory::default())?;
//! let store = AsyncStore::new(OpendalBackend::new(op));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Capabilities** are those the operator declares
//! (`op.info().capability()`), mapped one by one and never more
//! ([`OpendalBackend::new`] lists the rules): `ExclusiveWrite` only where
//! OpenDAL writes with `if_not_exists`, `AtomicMove` only where the rename
//! is atomic, `PersistentFolders` only for services with real folders
//! ([`FolderModel`]). A server that deviates from its service (an emulator
//! that ignores preconditions) is described with
//! [`OpendalBackend::without`].
//!
//! **Emulated here**, where the service lacks them: recursive listings
//! (walked level by level; a folder that cannot be listed is an error
//! item, never skipped), recursive deletes (files as the walk finds them,
//! then folders deepest first), `glob` (over the listing), `Move` as copy
//! then delete (not atomic), and no-overwrite writes without
//! `if_not_exists` (a check, then the write: not race-free, so
//! `ExclusiveWrite` is not declared).
//!
//! **Streams**: reads are OpenDAL's byte stream, pulled as the caller
//! reads; writes go through OpenDAL's `Writer`, closed on success and
//! aborted on any failure or when the write is dropped (where the service
//! can abort: OpenDAL's `fs` without `atomic_write_dir` and FTP cannot, so
//! a failed write there may leave a partial file; neither declares
//! `AtomicWrite`); listings stream as the service pages them (a WebDAV
//! `PROPFIND` answers a folder in one reply). A service whose OpenDAL
//! writer is one-shot (WebDAV) takes a write in one request: this crate
//! reads the source whole into memory first, up to
//! [`OpendalBackend::with_one_shot_limit`] (256 MiB; option
//! `one_shot_limit`), and refuses larger files with `InvalidArgument`
//! before any request. Under a `TimeoutLayer`, such a request must finish
//! within the operation limit once the source has been read.
//!
//! **Requests per call**, where folders are real (WebDAV): a read asks
//! for the path's metadata before its `GET` (a `GET` of a WebDAV folder
//! answers a page about it, which must not be read as the file's bytes),
//! so a read costs two requests where the raw operator sends one; a write of up to 1 MiB costs what the raw
//! operator's does (OpenDAL's WebDAV writer makes missing parents), a
//! larger one first checks its parent folders, so a file is never sent
//! twice. `docs/benchmarks.md` has the figures.
//!
//! **Not race-free** where the service has no condition for it:
//! no-overwrite writes (check, then write; `ExclusiveWrite` not declared),
//! and `rename`/`copy` without overwrite (check, then move or copy; WebDAV
//! sends `Overwrite: T`). A non-recursive `delete_folder` on WebDAV checks
//! the folder is empty, then deletes it (a collection's `DELETE` takes its
//! contents).
//!
//! **Configuration** (`remote_store::Registry`, `rstore`): `type =
//! "opendal"`, `scheme` the OpenDAL service, then that service's options
//! (a key another service takes is refused, naming it); `without` removes
//! capabilities a server does not keep, `one_shot_writes` and
//! `one_shot_limit` as above. `validate` names a missing required option
//! (`endpoint` for webdav, http and ftp; `bucket` for gcs and s3; `root`
//! for fs) before anything is built.
//!
//! ```toml
//! [backends.dav]
//! type = "opendal"
//! scheme = "webdav"
//! endpoint = "https://dav.example.com"
//! username = "ann"
//! password = "${DAV_PASSWORD}"
//!
//! [backends.lake]
//! type = "opendal"
//! scheme = "gcs"
//! bucket = "lake"
//! credential_path = "/etc/gcs/key.json"
//!
//! # A GCS emulator (fake-gcs-server): no credentials, no multipart
//! # uploads, preconditions ignored (so not declared).
//! [backends.gcs-emulator]
//! type = "opendal"
//! scheme = "gcs"
//! endpoint = "http://127.0.0.1:4443"
//! bucket = "testbucket"
//! skip_signature = true
//! disable_vm_metadata = true
//! disable_config_load = true
//! one_shot_writes = true
//! without = "exclusive_write, conditional_read"
//! ```
//!
//! `without` is one string of capability names (as
//! `Capability::as_str` spells them, e.g. `exclusive_write`,
//! `conditional_read`, `atomic_write`), comma-separated.
//!
//! URLs: `webdav://ann@dav.example.com/team` (`webdavs://` for TLS),
//! `gcs://lake/raw`, `https://files.example.com/pub` (read-only); secrets
//! are not read from URLs.
//!
//! **Errors**: OpenDAL's kinds map to ours (`NotFound`,
//! `PermissionDenied`, `AlreadyExists`, `ConditionNotMatch` →
//! `PreconditionFailed`, `RateLimited` and temporary errors →
//! retryable `BackendUnavailable`), with OpenDAL's error as the source.
//!
//! **Versions**: this crate pins OpenDAL's minor version (`0.59`); a new
//! OpenDAL minor is a new release of this crate, after the conformance
//! suite passed against every tested service.

mod backend;
mod capabilities;
mod error;
mod factory;
mod health;
mod info;
mod list;
mod write;

pub use backend::{DEFAULT_ONE_SHOT_LIMIT, OpendalBackend};
pub use capabilities::FolderModel;
pub use factory::OpendalFactory;
/// The OpenDAL crate this backend is built on, for building operators.
pub use opendal;
