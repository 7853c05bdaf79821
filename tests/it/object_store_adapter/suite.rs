// The suite for one object_store version, included by
// `object_store_adapter.rs` into a module that names the version's crate
// `os` and its adapter `ObjectStoreAdapter`.

use std::sync::Arc;
use std::time::Duration;

use os::integration as suite;
use os::path::Path;
use remote_store::AsyncStore;

/// A store for one test, and what keeps its data alive.
pub(crate) struct Subject {
    pub(crate) objects: Arc<ObjectStoreAdapter>,
    _dir: Option<tempfile::TempDir>,
}

impl Subject {
    fn new(store: AsyncStore, dir: Option<tempfile::TempDir>) -> Self {
        Self {
            objects: Arc::new(ObjectStoreAdapter::new(store)),
            _dir: dir,
        }
    }

    /// `store` narrowed to a new folder of its own.
    fn fresh(store: AsyncStore) -> Self {
        let name = format!("object-store-{:016x}", unique());
        Self::new(store.child(name).expect("a child store"), None)
    }
}

fn unique() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Runs `test` under a watchdog: a hang fails the test instead of CI.
pub(crate) fn run<F: std::future::Future<Output = ()>>(
    test: impl FnOnce(Arc<ObjectStoreAdapter>) -> F,
    subject: Subject,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(120), test(subject.objects.clone()))
            .await
            .expect("the test hung for 120 s");
    });
}

/// The integration functions every store passes; `$update`: the store
/// declares `ConditionalWrite` (compare-and-swap puts); `$etags`: it
/// reports etags (`get_opts` needs them).
macro_rules! object_store_suite {
    ($subject:path, update: $update:expr, etags: $etags:tt) => {
        use super::*;

        #[test]
        fn put_get_delete_list() {
            run(|s| async move { suite::put_get_delete_list(s.as_ref()).await }, $subject());
        }

        #[test]
        fn list_with_offset_exclusivity() {
            run(|s| async move { suite::list_with_offset_exclusivity(s.as_ref()).await }, $subject());
        }

        #[test]
        fn list_uses_directories_correctly() {
            run(|s| async move { suite::list_uses_directories_correctly(s.as_ref()).await }, $subject());
        }

        #[test]
        fn list_with_delimiter() {
            run(|s| async move { suite::list_with_delimiter(s.as_ref()).await }, $subject());
        }

        #[test]
        fn rename_and_copy() {
            run(|s| async move { suite::rename_and_copy(s.as_ref()).await }, $subject());
        }

        #[test]
        fn copy_if_not_exists() {
            run(|s| async move { suite::copy_if_not_exists(s.as_ref()).await }, $subject());
        }

        #[test]
        fn copy_rename_nonexistent_object() {
            run(|s| async move { suite::copy_rename_nonexistent_object(s.as_ref()).await }, $subject());
        }

        #[test]
        fn stream_get() {
            run(|s| async move { suite::stream_get(s.as_ref()).await }, $subject());
        }

        #[test]
        fn put_opts() {
            run(|s| async move { suite::put_opts(s.as_ref(), $update).await }, $subject());
        }

        #[test]
        fn put_get_attributes() {
            run(|s| async move { suite::put_get_attributes(s.as_ref()).await }, $subject());
        }

        #[test]
        fn multipart_race_condition() {
            // The last upload to complete wins: every store commits a
            // write whole, when it ends.
            run(|s| async move { suite::multipart_race_condition(s.as_ref(), true).await }, $subject());
        }

        #[test]
        fn multipart_out_of_order() {
            run(|s| async move { suite::multipart_out_of_order(s.as_ref()).await }, $subject());
        }

        #[test]
        fn get_nonexistent_object() {
            run(
                |s| async move {
                    let missing = Path::from("no/such/object");
                    let err = suite::get_nonexistent_object(s.as_ref(), Some(missing))
                        .await
                        .expect_err("a missing object");
                    assert!(matches!(err, os::Error::NotFound { .. }), "{err}");
                },
                $subject(),
            );
        }

        object_store_suite!(@etags $etags, $subject);
    };
    (@etags true, $subject:path) => {
        #[test]
        fn get_opts() {
            run(|s| async move { suite::get_opts(s.as_ref()).await }, $subject());
        }
    };
    (@etags false, $subject:path) => {};
}

mod memory {
    fn subject() -> super::Subject {
        let backend = remote_store::backends::AsyncMemoryBackend::new();
        super::Subject::new(remote_store::AsyncStore::new(backend), None)
    }
    object_store_suite!(subject, update: true, etags: true);
}

/// The local disk, a sync backend through the bridge.
mod local {
    fn subject() -> super::Subject {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let backend = remote_store::backends::LocalBackend::new(dir.path()).expect("local");
        super::Subject::new(remote_store::AsyncStore::new(backend), Some(dir))
    }
    object_store_suite!(subject, update: true, etags: true);
}

/// SFTP declares no `ConditionalWrite` (so `PutMode::Update` is
/// `NotImplemented`) and reports no etags: `get_opts` needs one
/// (`meta.e_tag.unwrap()`), and a made-up etag (size and time in whole
/// seconds) would let a same-size replace within a second pass a
/// condition it should fail.
mod sftp_russh {
    fn subject() -> super::Subject {
        let backend = remote_store::backends::AsyncSftpBackend::new(crate::sftp::config());
        super::Subject::fresh(remote_store::AsyncStore::new(backend.expect("SFTP config")))
    }
    object_store_suite!(subject, update: false, etags: false);
}

