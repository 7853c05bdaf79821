//! `delete_batch` on a child store names its paths relative to the child,
//! once, on both faces: a path whose first folder has the child's name
//! keeps it.

use remote_store_core::futures::executor::block_on;
use remote_store_core::{AsyncStore, ErrorKind, Store};
use remote_store_memory::{AsyncMemoryBackend, MemoryBackend};

#[test]
fn errors_name_the_child_stores_paths() {
    let sync = Store::new(MemoryBackend::new()).child("data").unwrap();
    let answers = sync.delete_batch(&["data/missing"], false).unwrap();
    let e = answers[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.path(), Some("data/missing"), "sync: {e}");

    let asyn = AsyncStore::new(AsyncMemoryBackend::new())
        .child("data")
        .unwrap();
    let answers = block_on(asyn.delete_batch(&["data/missing"], false)).unwrap();
    let e = answers[0].as_ref().unwrap_err();
    assert_eq!(e.path(), Some("data/missing"), "async: {e}");
}
