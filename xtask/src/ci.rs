//! `cargo xtask ci`: the one command CI runs.

use std::path::PathBuf;

use crate::cmd::{Result, available, cargo, exec, root};

const EXAMPLE: &str = "examples/third-party-backend/Cargo.toml";
/// Spans to OpenTelemetry and metrics to Prometheus, through the
/// ecosystem's exporters (outside the workspace, like a user's service).
const OBSERVABILITY: &str = "examples/observability/Cargo.toml";
/// DataFusion over SFTP: formatted here, built and run by
/// `cargo xtask example datafusion` (DataFusion is a long build).
const DATAFUSION: &str = "examples/datafusion/Cargo.toml";

fn run_all() -> Result {
    step(&["fmt", "--all", "--check"])?;
    step(&["fmt", "--manifest-path", EXAMPLE, "--check"])?;
    step(&["fmt", "--manifest-path", OBSERVABILITY, "--check"])?;
    step(&["fmt", "--manifest-path", DATAFUSION, "--check"])?;
    step(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    // The facade must also build lean, with no backend at all.
    step(&[
        "clippy",
        "-p",
        "remote-store",
        "--no-default-features",
        "--",
        "-D",
        "warnings",
    ])?;
    // The object_store glue and the adapter are published on their own:
    // each must build with only the object_store features it asks for.
    for glue in [
        "remote-store-object-store",
        "remote-store-object-store-adapter",
    ] {
        step(&["clippy", "-p", glue, "--", "-D", "warnings"])?;
    }
    step(&[
        "clippy",
        "-p",
        "remote-store-object-store-adapter",
        "--features",
        "object-store-0-13",
        "--",
        "-D",
        "warnings",
    ])?;
    // Each SFTP engine must build alone (they are separate features).
    for engine in ["ssh2", "russh"] {
        step(&[
            "clippy",
            "-p",
            "remote-store-sftp",
            "--no-default-features",
            "--features",
            engine,
            "--",
            "-D",
            "warnings",
        ])?;
    }
    step(&[
        "clippy",
        "--manifest-path",
        EXAMPLE,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    step(&[
        "clippy",
        "--manifest-path",
        OBSERVABILITY,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    tests()?;
    deep_properties()?;
    step(&["test", "--manifest-path", EXAMPLE])?;
    step(&["test", "--manifest-path", OBSERVABILITY])?;
    docs()?;
    deny()?;
    // The README's main job must keep working.
    step(&["run", "--quiet", "-p", "remote-store", "--example", "tour"])
}

pub(crate) fn run() -> Result {
    run_all()?;
    eprintln!("\nxtask ci: all checks passed");
    Ok(())
}

fn step(args: &[&str]) -> Result {
    let mut cmd = cargo();
    cmd.args(args);
    exec(cmd)
}

/// Starts the test servers, runs every test against them, stops them
/// (also when tests fail).
fn tests() -> Result {
    let vars = crate::services::up()?;
    let result = run_tests(&vars);
    let stopped = crate::services::down();
    result.and(stopped)
}

fn run_tests(vars: &[(String, String)]) -> Result {
    let with_env = |args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(args).envs(vars.iter().map(|(k, v)| (k, v)));
        exec(cmd)
    };
    if available("cargo-nextest", "--version") {
        with_env(&["nextest", "run", "--workspace", "--no-fail-fast"])?;
        // nextest does not run doctests.
        with_env(&["test", "--workspace", "--doc"])
    } else {
        with_env(&["test", "--workspace", "--no-fail-fast"])
    }
}

/// The property cases again on the backends that answer in microseconds
/// (memory and local), with 16 times the random runs the whole suite makes.
fn deep_properties() -> Result {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "-p",
        "remote-store-memory",
        "-p",
        "remote-store-local",
        "--test",
        "conformance",
        "--",
        "model_based",
        "random_names",
    ])
    .env("RS_CONFORMANCE_MODEL_CASES", DEEP_CASES);
    exec(cmd)
}

/// `RS_CONFORMANCE_MODEL_CASES` for [`deep_properties`].
const DEEP_CASES: &str = "256";

fn docs() -> Result {
    let mut cmd = cargo();
    cmd.args(["doc", "--workspace", "--no-deps", "--all-features"])
        .env("RUSTDOCFLAGS", "-D warnings");
    exec(cmd)
}

/// cargo-deny, installed into a cache folder when missing. The advisories
/// check needs GitHub, which CI cannot reach, so it checks bans, licenses
/// and sources (see `deny.toml`).
fn deny() -> Result {
    let deny = match which("cargo-deny") {
        Some(path) => path,
        None => install_deny()?,
    };
    let mut cmd = std::process::Command::new(deny);
    cmd.current_dir(root()).args([
        "deny",
        "--all-features",
        "check",
        "bans",
        "licenses",
        "sources",
    ]);
    exec(cmd)
}

fn tools_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| root().join("target"), PathBuf::from);
    home.join(".cache/remote-store/tools")
}

fn install_deny() -> Result<PathBuf> {
    let dir = tools_dir();
    let bin = dir.join("bin/cargo-deny");
    if !bin.exists() {
        let mut cmd = cargo();
        cmd.args([
            "install",
            "--locked",
            "cargo-deny",
            "--version",
            "0.20.2",
            "--root",
        ])
        .arg(&dir);
        exec(cmd)?;
    }
    Ok(bin)
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .or_else(|| Some(tools_dir().join("bin").join(program)).filter(|p| p.is_file()))
}
