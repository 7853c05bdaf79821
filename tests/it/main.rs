//! One integration binary for the workspace: the conformance suite on each
//! in-tree backend, through both faces.

mod local;
mod memory;
mod object_store_memory;
