//! SFTP backends for remote-store.
//!
//! Two engines behind one [`SftpConfig`]:
//!
//! - [`SftpBackend`] (feature `ssh2`): a sync
//!   [`Backend`](remote_store_core::Backend) on libssh2.
//! - [`AsyncSftpBackend`] (feature `russh`): a native
//!   [`AsyncBackend`](remote_store_core::AsyncBackend) on russh + russh-sftp.
//!
//! Both work from both faces (`Store` and `AsyncStore` adapt either way).
//! **Pick the russh engine for throughput**: it keeps 64 requests of up to
//! ~255 KiB in flight, as OpenSSH's client does; libssh2 splits SFTP packets
//! at 30,000 bytes and reads ahead less (see `docs/benchmarks.md`). The ssh2
//! engine suits sync programs that would rather not run a Tokio runtime.
//!
//! ```no_run
//! use remote_store_core::Store;
//! use remote_store_sftp::{SftpBackend, SftpConfig};
//!
//! let config = SftpConfig::new("files.example.org", "alice")
//!     .base_path("/srv/data")
//!     .key_file("/home/alice/.ssh/id_ed25519")
//!     .known_hosts("/home/alice/.ssh/known_hosts");
//! let store = Store::new(SftpBackend::new(config)?);
//! store.write_bytes("reports/q3.csv", &b"a,b\n"[..], false)?;
//! # Ok::<(), remote_store_core::Error>(())
//! ```
//!
//! # Behaviour
//! - **Connections** are made on first use, never during construction.
//! - **Open files per connection** (russh engine): at most 127 at once on
//!   OpenSSH. russh-sftp keeps a handle as a string, and OpenSSH numbers
//!   past 127 are not valid UTF-8, so requests on them fail
//!   (`BackendUnavailable`, "transfer failed"). Streams, listings and
//!   writes each hold one while they run; keep fewer than 128 of them per
//!   connection, or raise `connections`. A call dropped while its open is
//!   in flight closes the handle it was getting, so cancelled calls do
//!   not use them up.
//! - **Ranged reads** with a length (russh engine) ask for the range's
//!   bytes only; open-ended and whole reads read ahead.
//!   A backend keeps [`SftpConfig::connections`] of them and hands them out
//!   round-robin, so concurrent callers work (they share connections beyond
//!   that number). A connection that dropped is replaced on the next call;
//!   an idempotent request that failed on a stale connection is retried once
//!   on a fresh one.
//! - **Host keys are verified** against `known_hosts` or a pinned
//!   fingerprint ([`HostKeyPolicy`]); a refused key fails with
//!   `PermissionDenied` whose source is a [`HostKeyError`].
//! - **Folders are real**: writes create parents, empty folders persist.
//! - **Writes never leave a partial file**: data goes to a hidden temp file
//!   (`.~tmp.<name>.<random>`, hidden from listings) beside the target, which
//!   is then renamed into place. No-overwrite commits with a plain SFTP
//!   rename, which OpenSSH refuses when the target exists (race-free);
//!   overwriting commits with `posix-rename@openssh.com` on the russh
//!   engine (atomic) where the server allows it. libssh2 cannot send that
//!   extension, so the ssh2 engine replaces by moving the old file aside
//!   first: readers never see partial content, but may briefly see no file,
//!   and it does not declare `AtomicMove`. The russh engine learns on
//!   connecting whether the server performs the extension (an
//!   administrator can prohibit it, e.g. `internal-sftp -P posix-rename`,
//!   while it is still advertised); where it does not, russh replaces as
//!   ssh2 does and drops `AtomicMove` (declared only once a connection has
//!   confirmed the extension).
//! - `write_atomic` also flushes the file to disk (`fsync@openssh.com`)
//!   before the rename.
//! - **Symbolic links are contained** as on the local backend: a path that
//!   resolves outside the base path is refused with `PermissionDenied`
//!   (`exists`, `is_file` and `is_folder` report it absent);
//!   walks and recursive deletes never follow a link into a folder;
//!   removing a link removes only the link; entries a listing cannot
//!   return are error items (ADR-0010). The check happens just before each
//!   operation, so a link swapped in meanwhile by another client is not
//!   caught: the server's permissions remain the security boundary.

#[cfg(feature = "russh")]
mod async_engine;
#[cfg(feature = "ssh2")]
mod sync_engine;

mod config;
#[cfg_attr(not(feature = "russh"), allow(dead_code))]
mod extensions;
mod factory;
mod hostkey;
mod layout;
mod links;
mod status;

use remote_store_core::{Capabilities, Error, RemotePath};

#[cfg(feature = "russh")]
pub use async_engine::AsyncSftpBackend;
pub use config::{Auth, HostKeyPolicy, SftpConfig};
pub use factory::SftpFactory;
pub use hostkey::{HostKeyError, fingerprint};
#[cfg(feature = "ssh2")]
pub use sync_engine::SftpBackend;

/// The name the SFTP backends report.
pub const NAME: &str = "sftp";

/// What both engines share, built once per backend.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) config: SftpConfig,
    pub(crate) layout: layout::Layout,
    pub(crate) host_keys: hostkey::HostKeyCheck,
    /// What the server allows of `posix-rename@openssh.com` (russh only;
    /// libssh2 cannot send it).
    #[cfg_attr(not(feature = "russh"), allow(dead_code))]
    pub(crate) posix_rename: extensions::PosixRename,
}

impl Settings {
    /// `sftp://USER@HOST:PORT`: native paths are absolute, or relative to
    /// the user's login folder, so the user is part of the storage id.
    pub(crate) fn storage_id(&self) -> String {
        let c = &self.config;
        format!("sftp://{}@{}:{}", c.user, c.host, c.port)
    }

    fn new(config: SftpConfig) -> remote_store_core::Result<Self> {
        config.validate()?;
        Ok(Settings {
            layout: layout::Layout::new(&config.base_path),
            host_keys: hostkey::HostKeyCheck::new(&config),
            posix_rename: extensions::PosixRename::default(),
            config,
        })
    }
}

/// How often a no-overwrite commit that the server refused, for a target
/// that is gone when looked at (deleted concurrently), tries again before
/// reporting the refusal.
pub(crate) const COMMIT_RETRIES: u32 = 3;

/// How often creating a file's folders starts again after a folder on the
/// way vanished (a failed write removing the folders it had made, while
/// this one was building on them). Each retry needs another such failure
/// to race with: a handful is plenty.
pub(crate) const FOLDER_RETRIES: u32 = 8;

/// A file stands where a folder of `path`'s is needed.
pub(crate) fn file_in_the_way(path: &RemotePath) -> Error {
    Error::invalid_path(path, "a file is in the way").with_backend(NAME)
}

/// `FOLDER_RETRIES` attempts all found a folder gone again.
pub(crate) fn folders_keep_vanishing(path: &RemotePath) -> Error {
    Error::other("its folder keeps vanishing while being created")
        .with_path(path)
        .with_backend(NAME)
}

/// Everything but server-side copy (OpenSSH's `copy-data` is not used)
/// and conditions: SFTP has no etag (only sizes and modification times in
/// whole seconds) and no compare-and-swap, so a condition could not be
/// kept; a conditional call is refused before any I/O. No presigned URLs:
/// SFTP has no HTTP face. No content type, cache-control or user metadata:
/// an SFTP file has bytes, a name and attributes, none of which hold them.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all()
    .without(remote_store_core::Capability::ServerSideCopy)
    .without(remote_store_core::Capability::ConditionalWrite)
    .without(remote_store_core::Capability::ConditionalRead)
    .without(remote_store_core::Capability::ConditionalDelete)
    .without(remote_store_core::Capability::Presign)
    .without(remote_store_core::Capability::ContentType)
    .without(remote_store_core::Capability::CacheControl)
    .without(remote_store_core::Capability::UserMetadata);
