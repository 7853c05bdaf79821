//! SFTP against OpenSSH's sshd on loopback: both engines, each through
//! both faces (the conformance macro runs `Store` and `AsyncStore`).

use std::path::PathBuf;

use remote_store::sftp::SftpConfig;

use crate::services::var;

/// The test server's configuration, rooted at its data folder.
pub(crate) fn config() -> SftpConfig {
    SftpConfig::new(var("RS_SFTP_HOST"), var("RS_SFTP_USER"))
        .port(var("RS_SFTP_PORT").parse().expect("RS_SFTP_PORT"))
        .base_path(var("RS_SFTP_DIR"))
        .key_file(PathBuf::from(var("RS_SFTP_KEY")))
        .known_hosts(PathBuf::from(var("RS_SFTP_KNOWN_HOSTS")))
}

mod ssh2 {
    fn backend() -> remote_store::backends::SftpBackend {
        remote_store::backends::SftpBackend::new(super::config()).expect("SFTP config")
    }
    remote_store_conformance::conformance_tests!(sync, backend);
}

mod russh {
    fn backend() -> remote_store::backends::AsyncSftpBackend {
        remote_store::backends::AsyncSftpBackend::new(super::config()).expect("SFTP config")
    }
    remote_store_conformance::conformance_tests!(async, backend);
}

/// Both engines under the production stack of layers.
mod ssh2_layered {
    fn backend() -> std::sync::Arc<dyn remote_store::Backend> {
        let backend = remote_store::backends::SftpBackend::new(super::config());
        crate::stack::production_sync(backend.expect("SFTP config"))
    }
    remote_store_conformance::conformance_tests!(sync, backend);
}

mod russh_layered {
    fn backend() -> std::sync::Arc<dyn remote_store::AsyncBackend> {
        let backend = remote_store::backends::AsyncSftpBackend::new(super::config());
        crate::stack::production_async(backend.expect("SFTP config"))
    }
    remote_store_conformance::conformance_tests!(async, backend);
}
