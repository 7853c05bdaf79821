//! `cargo xtask example <name>`: the examples too large to build in `ci`,
//! run against the test servers.
//!
//! - `datafusion`: DataFusion runs SQL over CSV and Parquet files on the
//!   test sshd through the `ObjectStoreAdapter` (`examples/datafusion`);
//!   the first build compiles DataFusion (minutes on two cores).

use crate::cmd::{Result, cargo, exec};

const DATAFUSION: &str = "examples/datafusion/Cargo.toml";

pub(crate) fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("datafusion") => with_services(DATAFUSION),
        _ => Err("usage: cargo xtask example datafusion".into()),
    }
}

/// Starts the test servers, runs the example against them, stops them
/// (also when the example fails).
fn with_services(manifest: &str) -> Result {
    let vars = crate::services::up()?;
    let mut cmd = cargo();
    cmd.args(["run", "--manifest-path", manifest]).envs(vars);
    let result = exec(cmd);
    let stopped = crate::services::down();
    result.and(stopped)
}
