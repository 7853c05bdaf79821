//! OpenDAL services on real servers (loopback, `cargo xtask services up`),
//! through both faces. Each module runs only when its server's variable is
//! set, and says so when it is not.

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[cfg(feature = "services-webdav")]
mod webdav {
    use remote_store_core::{Capabilities, Capability};
    use remote_store_opendal::OpendalBackend;

    /// wsgidav 4.4's etags are `inode-mtime-size` with the time in whole
    /// seconds, and it rewrites a file in place: a same-size replace
    /// within a second keeps the etag, so a read pinned to an etag cannot
    /// tell the versions apart. WebDAV's `If-Match` is declared by
    /// OpenDAL; this server cannot keep it.
    const WSGIDAV_DEVIATIONS: Capabilities = Capabilities::of(&[Capability::ConditionalRead]);

    fn backend() -> OpendalBackend {
        let endpoint = super::var("RS_WEBDAV_ENDPOINT").expect("RS_WEBDAV_ENDPOINT");
        let builder = opendal::services::Webdav::default().endpoint(&endpoint);
        OpendalBackend::new(opendal::Operator::new(builder).expect("webdav"))
            .without(WSGIDAV_DEVIATIONS)
    }
    remote_store_conformance::conformance_tests!(async, backend);
}

#[cfg(feature = "services-gcs")]
mod gcs {
    use remote_store_core::{Capabilities, Capability};
    use remote_store_opendal::OpendalBackend;

    /// fake-gcs-server 1.54 ignores preconditions (`ifGenerationMatch=0`,
    /// `If-Match`): a no-overwrite write or a pinned read there is not
    /// kept, so this configuration does not declare them.
    const FAKE_GCS_DEVIATIONS: Capabilities =
        Capabilities::of(&[Capability::ExclusiveWrite, Capability::ConditionalRead]);

    fn backend() -> OpendalBackend {
        let endpoint = super::var("RS_GCS_ENDPOINT").expect("RS_GCS_ENDPOINT");
        let bucket = super::var("RS_GCS_BUCKET").expect("RS_GCS_BUCKET");
        let builder = opendal::services::Gcs::default()
            .endpoint(&endpoint)
            .bucket(&bucket)
            .skip_signature()
            .disable_vm_metadata()
            .disable_config_load();
        OpendalBackend::new(opendal::Operator::new(builder).expect("gcs"))
            .without(FAKE_GCS_DEVIATIONS)
            // It has no XML multipart uploads (`POST ?uploads` answers 400).
            .with_one_shot_writes()
    }
    remote_store_conformance::conformance_tests!(async, backend);
}
