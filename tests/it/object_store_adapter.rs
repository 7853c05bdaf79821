//! Every store as an `object_store::ObjectStore`, proven with
//! object_store's own published test functions (its `integration`
//! module), the way object_store runs them on its `InMemory` and
//! `LocalFileSystem`: over memory, the local disk, both SFTP engines
//! (sshd) and S3 (moto). Each test gets a fresh, empty store (a new
//! backend, or a new folder of the server), and runs under a watchdog.
//!
//! Every test runs for object_store 0.14 and, over memory, the local
//! disk and SFTP (russh), for object_store 0.13 (the adapter's
//! `v0_13`, the same code for DataFusion 55's version).
//!
//! Not run anywhere, as object_store's own `LocalFileSystem` tests do
//! not: `multipart`, `multipart_with_opts`,
//! `multipart_put_part_out_of_order` (they drive a `MultipartStore`,
//! whose parts are addressed by id and completed later; the adapter's
//! uploads are one streamed write), and `list_paginated` (it needs a
//! `PaginatedListStore`: page tokens over raw string prefixes).

/// object_store 0.14, the adapter's default.
mod v0_14 {
    use object_store as os;
    use remote_store::object_store_adapter::ObjectStoreAdapter;

    include!("object_store_adapter/suite.rs");

    mod sftp_ssh2 {
        fn subject() -> super::Subject {
            let backend = remote_store::backends::SftpBackend::new(crate::sftp::config());
            super::Subject::fresh(remote_store::AsyncStore::new(backend.expect("SFTP config")))
        }
        object_store_suite!(subject, update: false, etags: false);
    }

    /// S3 on moto, through our `S3Backend` (itself on object_store).
    mod s3 {
        fn subject() -> super::Subject {
            let backend = remote_store::backends::S3Backend::new(crate::s3::moto_config());
            super::Subject::fresh(remote_store::AsyncStore::new(backend.expect("S3 config")))
        }
        object_store_suite!(subject, update: true, etags: true);
    }
}

/// object_store 0.13, DataFusion 55's version.
mod v0_13 {
    use object_store_0_13 as os;
    use remote_store::object_store_adapter::v0_13::ObjectStoreAdapter;

    include!("object_store_adapter/suite.rs");
}
