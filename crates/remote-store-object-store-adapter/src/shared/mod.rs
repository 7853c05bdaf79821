//! The adapter, written once and compiled once per object_store major
//! version (`super` names the version: `super::object_store` is its
//! crate, `super::compat` builds the results whose fields differ).

use super::{compat, object_store};

mod adapter;
mod error;
mod get;
mod list;
mod multipart;
mod path;
mod put;

pub use adapter::ObjectStoreAdapter;
