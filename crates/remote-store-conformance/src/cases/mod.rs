//! The cases. Each is a public `async fn(Subject)`, so a backend author can
//! also call one directly. A case first states the capabilities it needs;
//! when one is missing it prints `skipped: needs …` and passes.

use std::fmt::Debug;

use remote_store_core::{Capability, Error, ErrorKind, Result};

use crate::face::Subject;

/// Returns from the case, printing why, unless every capability is declared.
macro_rules! need {
    ($s:expr, $($cap:ident),+) => {
        if !$crate::cases::require(&$s, &[$(remote_store_core::Capability::$cap),+]) {
            return;
        }
    };
}

mod attributes;
mod concurrency;
mod conditions;
mod contract;
mod delete;
mod errors;
mod glob;
mod lifecycle;
mod list;
mod metadata;
mod model;
mod model_concurrent;
mod names;
mod operands;
mod paths;
mod property;
mod read;
mod scale;
mod seekable;
mod sinks;
mod transfer;
mod write;
mod writers;

pub use attributes::*;
pub use concurrency::*;
pub use conditions::*;
pub use contract::*;
pub use delete::*;
pub use errors::*;
pub use glob::*;
pub use lifecycle::*;
pub use list::*;
pub use metadata::*;
pub use model::*;
pub use model_concurrent::*;
pub use names::*;
pub use operands::*;
pub use paths::*;
pub use read::*;
pub use scale::*;
pub use seekable::*;
pub use sinks::*;
pub use transfer::*;
pub use write::*;
pub use writers::*;

/// Whether `s` declares every capability in `caps`; prints the skip reason
/// when not.
pub fn require(s: &Subject, caps: &[Capability]) -> bool {
    let declared = s.capabilities();
    let missing: Vec<_> = caps.iter().filter(|c| !declared.contains(**c)).collect();
    if missing.is_empty() {
        return true;
    }
    let names: Vec<_> = missing.iter().map(|c| c.as_str()).collect();
    println!("skipped: needs {} ({})", names.join(", "), s.face());
    false
}

/// Unwraps an error of `kind`, panicking with context otherwise.
#[track_caller]
pub fn expect_err<T: Debug>(result: Result<T>, kind: ErrorKind, what: &str) -> Error {
    match result {
        Ok(v) => panic!("{what}: expected a {kind} error, got Ok({v:?})"),
        Err(e) if e.kind() == kind => e,
        Err(e) => panic!("{what}: expected a {kind} error, got {:?}: {e}", e.kind()),
    }
}

/// Unwraps `Ok`, panicking with context otherwise.
#[track_caller]
pub fn ok<T>(result: Result<T>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: unexpected error {:?}: {e}", e.kind()),
    }
}

/// `rename` (`op` is `"rename"`) or `copy` (`"copy"`), for cases that
/// check both alike.
pub(crate) async fn transfer(
    s: &Subject,
    op: &str,
    src: &str,
    dst: &str,
    overwrite: bool,
) -> Result<()> {
    if op == "rename" {
        s.rename(src, dst, overwrite).await
    } else {
        s.copy(src, dst, overwrite).await
    }
}

/// Sorted path strings of a listing.
pub fn paths(files: &[remote_store_core::FileInfo]) -> Vec<String> {
    let mut out: Vec<String> = files.iter().map(|f| f.path.to_string()).collect();
    out.sort();
    out
}
