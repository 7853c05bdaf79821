//! The native-async engine: russh + russh-sftp.

mod backend;
mod conn;
mod walk;

pub use backend::AsyncSftpBackend;
