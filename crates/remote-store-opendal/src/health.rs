//! `check_health`: the cheapest request that proves the service is
//! reachable, the credentials are accepted and the bucket or root is
//! there.

use futures::StreamExt;
use opendal::Operator;
use remote_store_core::{RemotePath, Result};

use crate::error::map;

/// Name asked for where the service can only be asked about a file
/// (plain HTTP): its absence is an answer from the server.
const PROBE: &str = ".remote-store-health-check";

pub(crate) async fn check(op: &Operator, name: &str) -> Result<()> {
    let root = RemotePath::root();
    let fail = |e: opendal::Error| map(e, &root, name);
    if !op.info().capability().list {
        // A `HEAD` of a name that need not exist: "not found" came from
        // the server, so it is reached.
        return match op.stat(PROBE).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == opendal::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(fail(e)),
        };
    }
    // One listing request of at most one entry (a WebDAV `PROPFIND` of
    // depth 1: OpenDAL answers a `stat` of the root itself, unasked). A
    // missing bucket fails here (OpenDAL's own `Operator::check` counts
    // "not found" as healthy); a missing WebDAV root lists as empty, as
    // it does for the backend's listings: the first write makes it.
    let options = opendal::options::ListOptions {
        limit: Some(1),
        ..Default::default()
    };
    let mut lister = op.lister_options("/", options).await.map_err(fail)?;
    match lister.next().await {
        Some(Err(e)) => Err(fail(e)),
        _ => Ok(()),
    }
}
