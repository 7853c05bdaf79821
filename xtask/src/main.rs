//! Project automation, run as `cargo xtask <command>`.
//!
//! - `ci`: every check the project gates on (format, lints, tests, docs,
//!   dependency policy, the third-party example, the tour).
//! - `bench`: runs the benchmarks and writes `docs/benchmarks.md`.
//! - `services up|down|env`: the loopback S3 and Azure servers the tests use.
//! - `example datafusion`: the examples too large for `ci`, run against
//!   the test servers.
//! - `mutants [memory|local|example]`: mutation testing (cargo-mutants),
//!   not part of `ci`.

mod bench;
mod ci;
mod cmd;
mod example;
mod mutants;
mod services;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("services") => services::run(&args[1..]),
        Some("example") => example::run(&args[1..]),
        Some("mutants") => mutants::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | bench [overhead|local] [filter] | services up|down|env | example datafusion | mutants [memory|local|example]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
