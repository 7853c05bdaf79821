//! `rstore`: list, read, write, copy and move files on any remote-store
//! backend, addressed by URL (`s3://bucket/key`, `file:///tmp/x`), by
//! `store:path` from a configuration file, or by plain local path.

mod args;
mod commands;
mod exit;
mod interrupt;
mod layers;
mod output;
mod overlap;
mod progress;
mod remove;
mod target;
mod tree;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let verbose = cli.verbose;
    if verbose {
        layers::log_spans();
    }
    interrupt::install();
    match commands::run(cli) {
        Ok(()) if !interrupt::requested() => ExitCode::SUCCESS,
        Ok(()) => {
            // The signal came after the last source had been read whole
            // (a write sent in one request, as on WebDAV): that write
            // could no longer be stopped, and it completed.
            eprintln!("rstore: {}", interrupt::COMPLETED);
            ExitCode::from(interrupt::EXIT_CODE)
        }
        Err(e) => {
            exit::report(&e, verbose);
            if interrupt::requested() {
                return ExitCode::from(interrupt::EXIT_CODE);
            }
            ExitCode::from(exit::code(&e))
        }
    }
}
