//! The native-async engine: russh + russh-sftp.

mod backend;
mod conn;
mod ranged;
mod walk;

pub use backend::AsyncSftpBackend;
