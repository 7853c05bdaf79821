//! One integration binary for the workspace: the conformance suite on each
//! in-tree backend, through both faces, against real servers where the
//! backend needs one (`cargo xtask services up` starts them).

mod azure;
mod batch;
mod bridge_contexts;
mod cancelled_opens;
mod cancelled_writes;
mod close_releases;
mod faults;
mod health;
mod keep_alive;
mod object_store_adapter;
mod object_store_memory;
mod opendal;
mod presign;
mod proxy;
mod retry_layer;
mod s3;
mod services;
mod sftp;
mod sftp_faults;
mod stack;
mod transfer;
mod transfer_parts;
mod wild_keys;
mod wild_trees;
mod zip_members;
