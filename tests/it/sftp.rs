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

/// A whole-file read on the russh engine asks for the bytes its stat
/// counted plus a one-byte probe: a file that grew after the read opened
/// it is still read to its end, one that shrank ends where it ends, and
/// sizes around the READ length (255 KiB) come back whole.
#[test]
fn russh_whole_reads_follow_the_file_not_its_stat() {
    use futures::StreamExt;
    use std::io::Write as _;
    const CHUNK: usize = 255 * 1024;
    crate::faults::watchdog(
        "russh whole reads",
        std::time::Duration::from_secs(120),
        || {
            let rt = crate::faults::runtime();
            let store = remote_store::AsyncStore::new(
                remote_store::backends::AsyncSftpBackend::new(config()).expect("SFTP config"),
            );
            let path = crate::faults::unique("whole-read");
            let local = std::path::Path::new(&var("RS_SFTP_DIR")).join(&path);
            let body = |len: usize| -> Vec<u8> { (0..len).map(|i| (i % 241) as u8).collect() };
            rt.block_on(async {
                for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7] {
                    store.write_bytes(&path, body(len), true).await.unwrap();
                    let got = store.read_bytes(&path).await.unwrap();
                    assert!(got == body(len), "{len} bytes: got {}", got.len());
                    // Grown after the open: the probe finds more and the read
                    // goes on; shrunk: the read ends at the new end.
                    for grown in [len + 1, len + 2 * CHUNK + 3] {
                        store.write_bytes(&path, body(len), true).await.unwrap();
                        let stream = store.read(&path).await.unwrap();
                        let mut file = std::fs::OpenOptions::new()
                            .append(true)
                            .open(&local)
                            .unwrap();
                        file.write_all(&body(grown)[len..]).unwrap();
                        let got: Vec<u8> =
                            stream.map(|chunk| chunk.unwrap().to_vec()).concat().await;
                        assert!(
                            got == body(grown),
                            "{len} grown to {grown}: got {}",
                            got.len()
                        );
                    }
                    if len > 0 {
                        store.write_bytes(&path, body(len), true).await.unwrap();
                        let stream = store.read(&path).await.unwrap();
                        let file = std::fs::OpenOptions::new()
                            .write(true)
                            .open(&local)
                            .unwrap();
                        file.set_len(len as u64 / 2).unwrap();
                        let got: Vec<u8> =
                            stream.map(|chunk| chunk.unwrap().to_vec()).concat().await;
                        assert!(got == body(len / 2), "{len} shrunk: got {}", got.len());
                    }
                }
                store.delete(&path, false).await.unwrap();
            });
        },
    );
}
