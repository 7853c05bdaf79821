//! What the adapter adds to object_store's own tests (run over every
//! backend in the workspace tests): attributes the store keeps round
//! trip, others are refused before anything is written, an upload that
//! is aborted or dropped leaves nothing, a key the path rules would
//! rewrite is refused, and a file replaced while it is read fails the
//! read instead of mixing versions.

use std::time::Duration;

use object_store::path::Path;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions,
};
use remote_store_core::AsyncStore;
use remote_store_memory::AsyncMemoryBackend;
use remote_store_object_store_adapter::ObjectStoreAdapter;
use remote_store_object_store_adapter::object_store;

fn adapter() -> ObjectStoreAdapter {
    ObjectStoreAdapter::new(AsyncStore::new(AsyncMemoryBackend::new()))
}

/// Runs `test` under a watchdog.
fn run<F: std::future::Future<Output = ()>>(test: F) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), test)
            .await
            .expect("the test hung");
    });
}

async fn absent(objects: &ObjectStoreAdapter, location: &Path) {
    match objects.head(location).await {
        Err(object_store::Error::NotFound { .. }) => {}
        other => panic!("{location}: expected NotFound, got {other:?}"),
    }
}

#[test]
fn attributes_the_store_keeps_round_trip() {
    run(async {
        let objects = adapter();
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, "text/csv"),
            (Attribute::CacheControl, "max-age=60"),
            (Attribute::Metadata("owner".into()), "ann"),
        ]);
        let location = Path::from("kept.csv");
        let options = PutOptions::from(attributes.clone());
        objects
            .put_opts(&location, "a,b\n".into(), options)
            .await
            .expect("put");
        let got = objects.get(&location).await.expect("get");
        assert_eq!(got.attributes, attributes);
        let mut upload = objects
            .put_multipart_opts(&location, PutMultipartOptions::from(attributes.clone()))
            .await
            .expect("multipart");
        upload.put_part("c,d\n".into()).await.expect("part");
        upload.complete().await.expect("complete");
        let got = objects.get(&location).await.expect("get");
        assert_eq!(got.attributes, attributes);
        assert_eq!(&got.bytes().await.expect("bytes")[..], b"c,d\n");
    });
}

/// `copy_if_not_exists` and `rename_if_not_exists` go through a
/// no-overwrite write: the object keeps its attributes all the same, as
/// with `copy`.
#[test]
fn exclusive_copies_and_renames_keep_attributes() {
    run(async {
        let objects = adapter();
        let attributes = Attributes::from_iter([
            (Attribute::ContentType, "text/csv"),
            (Attribute::Metadata("owner".into()), "ann"),
        ]);
        let source = Path::from("src.csv");
        let options = PutOptions::from(attributes.clone());
        objects
            .put_opts(&source, "a,b\n".into(), options)
            .await
            .expect("put");
        let copy = Path::from("copy.csv");
        objects
            .copy_if_not_exists(&source, &copy)
            .await
            .expect("copy");
        assert_eq!(
            objects.get(&copy).await.expect("get").attributes,
            attributes
        );
        let moved = Path::from("moved.csv");
        objects
            .rename_if_not_exists(&source, &moved)
            .await
            .expect("rename");
        let got = objects.get(&moved).await.expect("get");
        assert_eq!(got.attributes, attributes);
        assert_eq!(&got.bytes().await.expect("bytes")[..], b"a,b\n");
        absent(&objects, &source).await;
    });
}

#[test]
fn attributes_the_store_drops_are_refused_before_any_write() {
    run(async {
        let objects = adapter();
        let location = Path::from("refused.html");
        let attributes = Attributes::from_iter([(Attribute::ContentEncoding, "gzip")]);
        let err = objects
            .put_opts(&location, "x".into(), PutOptions::from(attributes.clone()))
            .await
            .expect_err("ContentEncoding is not kept");
        assert!(
            matches!(err, object_store::Error::NotImplemented { .. }),
            "{err}"
        );
        let err = objects
            .put_multipart_opts(&location, PutMultipartOptions::from(attributes))
            .await
            .expect_err("ContentEncoding is not kept");
        assert!(
            matches!(err, object_store::Error::NotImplemented { .. }),
            "{err}"
        );
        absent(&objects, &location).await;
    });
}

#[test]
fn aborted_and_dropped_uploads_leave_nothing() {
    run(async {
        let objects = adapter();
        let location = Path::from("upload.bin");
        objects.put(&location, "old".into()).await.expect("put");
        let mut upload = objects.put_multipart(&location).await.expect("multipart");
        upload
            .put_part(vec![1u8; 1 << 20].into())
            .await
            .expect("part");
        upload.abort().await.expect("abort");
        let kept = objects.get(&location).await.expect("get").bytes().await;
        assert_eq!(
            &kept.expect("bytes")[..],
            b"old",
            "an abort replaced the file"
        );

        let fresh = Path::from("dropped.bin");
        let mut upload = objects.put_multipart(&fresh).await.expect("multipart");
        upload
            .put_part(vec![2u8; 1 << 20].into())
            .await
            .expect("part");
        drop(upload);
        // The drop fails the write in the background.
        tokio::time::sleep(Duration::from_millis(200)).await;
        absent(&objects, &fresh).await;
        let listed: Vec<_> = futures::TryStreamExt::try_collect(objects.list(None))
            .await
            .expect("list");
        assert_eq!(listed.len(), 1, "{listed:?}");
    });
}

#[test]
fn keys_the_path_rules_would_rewrite_are_refused() {
    run(async {
        let objects = adapter();
        let location = Path::parse("a\\b").expect("object_store takes a backslash");
        objects
            .put(&location, "x".into())
            .await
            .expect_err("a backslash would be a separator here");
        absent(&objects, &Path::from("a/b")).await;
        let listed: Vec<_> = futures::TryStreamExt::try_collect(objects.list(None))
            .await
            .expect("list");
        assert!(listed.is_empty(), "{listed:?}");
    });
}

#[test]
fn a_get_reports_the_version_it_read() {
    run(async {
        let objects = adapter();
        let location = Path::from("v.txt");
        let first = objects.put(&location, "one".into()).await.expect("put");
        let got = objects.get(&location).await.expect("get");
        assert_eq!(got.meta.e_tag, first.e_tag);
        let second = objects.put(&location, "two!".into()).await.expect("put");
        assert_ne!(first.e_tag, second.e_tag);
        // The first get's bytes are of its version: its stream was
        // opened pinned to it.
        assert_eq!(&got.bytes().await.expect("bytes")[..], b"one");
        let got = objects.get(&location).await.expect("get");
        assert_eq!(got.meta.e_tag, second.e_tag);
        assert_eq!(got.meta.size, 4);
    });
}
