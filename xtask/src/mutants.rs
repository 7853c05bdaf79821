//! `cargo xtask mutants [memory|local|example]...`: mutation testing of the
//! contract logic with `cargo-mutants`, driven by the conformance suite
//! (each crate runs the suite in its own tests). Not part of `ci`: a full
//! run takes about an hour on two cores (numbers in `docs/mutants.md`).
//!
//! Each target's report lands in `target/mutants/<target>/mutants.out`
//! (`caught.txt`, `missed.txt`, `timeout.txt`, `unviable.txt`); the
//! summary line per target is printed at the end.

use std::path::Path;
use std::process::Command;

use crate::cmd::{Result, exec, root};

/// What can be mutated: name, the directory `cargo mutants` runs in, and
/// its extra arguments.
const TARGETS: [(&str, &str, &[&str]); 3] = [
    ("memory", ".", &["--package", "remote-store-memory"]),
    ("local", ".", &["--package", "remote-store-local"]),
    // A workspace of its own that reaches the crates by relative paths,
    // which cargo-mutants' copy of the one folder would break: it is
    // mutated in place, in a clone of the repository (committed state).
    ("example", "examples/third-party-backend", &["--in-place"]),
];

pub(crate) fn run(args: &[String]) -> Result {
    let picked: Vec<_> = TARGETS
        .iter()
        .filter(|(name, ..)| args.is_empty() || args.iter().any(|a| a == name))
        .collect();
    if picked.is_empty() {
        return Err(format!(
            "unknown target(s) {args:?}; pick from memory, local, example"
        ));
    }
    let mut summaries = Vec::new();
    for (name, dir, extra) in picked {
        let out = root().join("target/mutants").join(name);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let tree = if extra.contains(&"--in-place") {
            clone_for_in_place(name)?
        } else {
            root()
        };
        let mut cmd = Command::new("cargo");
        cmd.current_dir(tree.join(dir))
            .args(["mutants", "--no-shuffle", "--timeout", "300"])
            // Formatting for people only: no behaviour to test.
            .args(["--exclude-re", "impl (fmt::)?Debug for"])
            .arg("--output")
            .arg(&out)
            .args(*extra)
            // Its own scratch tree and target: never the shared cache.
            .env_remove("CARGO_TARGET_DIR")
            // A mutant that makes a case hang fails it within a minute.
            .env("RS_CONFORMANCE_CASE_TIMEOUT", "60");
        // Surviving mutants make cargo-mutants exit non-zero; the summary
        // says how many, so report and go on.
        if let Err(e) = exec(cmd) {
            eprintln!("{name}: {e}");
        }
        summaries.push(summary(name, &out.join("mutants.out"))?);
    }
    for line in summaries {
        println!("{line}");
    }
    Ok(())
}

/// A fresh clone of the repository (its committed state) to mutate in
/// place, under the target folder.
fn clone_for_in_place(name: &str) -> Result<std::path::PathBuf> {
    let tree = root().join("target/mutants").join(format!("{name}-tree"));
    if tree.exists() {
        std::fs::remove_dir_all(&tree).map_err(|e| format!("{}: {e}", tree.display()))?;
    }
    let mut clone = Command::new("git");
    clone.arg("clone").arg("--quiet").arg(root()).arg(&tree);
    exec(clone)?;
    Ok(tree)
}

/// `name: caught C, missed M, timeout T, unviable U; score S%` from the
/// report files (timeouts count as caught: the suite noticed).
fn summary(name: &str, out: &Path) -> Result<String> {
    let count = |file: &str| {
        std::fs::read_to_string(out.join(file))
            .map(|s| s.lines().filter(|l| !l.trim().is_empty()).count())
            .unwrap_or(0)
    };
    let (caught, missed, timeout, unviable) = (
        count("caught.txt"),
        count("missed.txt"),
        count("timeout.txt"),
        count("unviable.txt"),
    );
    let viable = caught + missed + timeout;
    if viable == 0 {
        return Err(format!("{name}: no report in {}", out.display()));
    }
    let score = 100.0 * (caught + timeout) as f64 / viable as f64;
    Ok(format!(
        "{name}: caught {caught}, missed {missed}, timeout {timeout}, unviable {unviable}; score {score:.1}%"
    ))
}
