//! Where the loopback servers are: from the environment (`cargo xtask ci`
//! sets it), else from the file `cargo xtask services up` writes.

use std::collections::HashMap;
use std::sync::OnceLock;

fn from_file() -> &'static HashMap<String, String> {
    static VARS: OnceLock<HashMap<String, String>> = OnceLock::new();
    VARS.get_or_init(|| {
        let home = std::env::var("HOME").unwrap_or_default();
        let path = format!("{home}/.cache/remote-store/services/run/services.env");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

/// The value of `name`; panics with instructions when the servers are not
/// up, because these tests must not pass without them.
pub(crate) fn var(name: &str) -> String {
    std::env::var(name)
        .ok()
        .or_else(|| from_file().get(name).cloned())
        .unwrap_or_else(|| {
            panic!("{name} is not set: start the test servers with `cargo xtask services up` (or run `cargo xtask ci`)")
        })
}
