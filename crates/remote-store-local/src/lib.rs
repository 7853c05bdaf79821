//! Local file-system backend for remote-store.
//!
//! [`LocalBackend`] is a sync [`Backend`](remote_store_core::Backend) on
//! `std::fs`, rooted at a folder. Async code uses it through
//! [`AsyncStore`](remote_store_core::AsyncStore), which runs it on tokio's
//! blocking pool.
//!
//! ```
//! use remote_store_core::Store;
//! use remote_store_local::LocalBackend;
//!
//! # let dir = tempfile::tempdir().unwrap();
//! let store = Store::new(LocalBackend::new(dir.path())?);
//! store.write_atomic("reports/q1.csv", &b"a,b\n"[..], false)?;
//! assert_eq!(store.read_bytes("reports/q1.csv")?, "a,b\n");
//! # Ok::<(), remote_store_core::Error>(())
//! ```
//!
//! # Guarantees
//!
//! - **Containment.** Every path resolves inside the root. A symbolic link
//!   (file or folder, at any depth) whose target lies outside the root is
//!   refused with `PermissionDenied` by reads, writes, listings, deletes,
//!   moves and copies; listings skip it, and `exists`/`is_file`/`is_folder`
//!   report it absent. Links that stay inside the root are followed, except
//!   that recursive listings do not descend into linked folders (no
//!   cycles). The check resolves the path just before the operation, so a
//!   link swapped in between by another process is not caught; do not
//!   share the root with untrusted writers.
//! - **No partial files, ever.** Both `write` and `write_atomic` stream into
//!   a hidden temporary file in the target's folder
//!   (`.~tmp.<name>.<random>`, never listed, removed on any error) and
//!   rename it into place. `write_atomic` is also **durable**: it fsyncs the
//!   file before the rename and the folder after it.
//! - **Race-free no-overwrite.** With `overwrite = false` the rename is
//!   `renameat2(RENAME_NOREPLACE)` (or a hard link where that is not
//!   supported): of concurrent writers to one new path, exactly one wins and
//!   the others get `AlreadyExists`.
//! - **Atomic move** within one file system (`rename(2)`); a move across
//!   file systems fails with a clear error rather than degrading to copy +
//!   delete.
//! - **Real folders**: writes create parents, and folders persist when
//!   empty (`PersistentFolders`).
//! - Streaming everywhere: reads stream from the file, writes copy through
//!   a fixed 256 KiB buffer, listings walk the tree as they are consumed,
//!   copies use the kernel's copy (`copy_file_range`) where available.
//!
//! Names that are not valid UTF-8 or not valid [`RemotePath`]
//! segments cannot be addressed and are skipped by listings.
//!
//! [`RemotePath`]: remote_store_core::RemotePath

mod backend;
mod condition;
mod error;
mod factory;
mod lister;
mod resolve;
mod stage;
mod write;

pub use backend::LocalBackend;
pub use factory::LocalFactory;

/// The name the local backend reports.
pub const NAME: &str = "local";

/// Prefix of the temporary files of in-flight writes; never listed.
pub const TEMP_PREFIX: &str = ".~tmp.";
