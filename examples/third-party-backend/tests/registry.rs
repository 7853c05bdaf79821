//! The third-party backend, registered with one call, is usable from
//! configuration files and URLs like a built-in one.

use kv_backend::KvFactory;
use remote_store::{Config, OpenUrl, Registry, Store};

#[test]
fn registered_once_usable_everywhere() {
    remote_store::register_backend(KvFactory);
    let config = Config::from_toml_str(
        "[backends.kv]\ntype = \"kv\"\n[stores.notes]\nbackend = \"kv\"\nroot = \"notes\"\n",
    )
    .unwrap();
    let registry = Registry::new(config).unwrap();
    let notes = registry.store("notes").unwrap();
    notes.write_bytes("monday.txt", "hello", false).unwrap();
    assert_eq!(notes.read_bytes("monday.txt").unwrap(), "hello");
    assert_eq!(notes.name(), "kv");

    let store = Store::open("kv:///scratch").unwrap();
    store.write_bytes("a", "b", false).unwrap();
    assert_eq!(store.root().as_str(), "scratch");
}
