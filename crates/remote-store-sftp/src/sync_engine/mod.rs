//! The sync engine: libssh2 through the `ssh2` crate.

mod backend;
mod conn;
mod io;

pub use backend::SftpBackend;
