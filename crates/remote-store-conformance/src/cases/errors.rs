//! Capability gating and the closed state.

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, Result, WriteOptions};

use super::{expect_err, ok};
use crate::face::Subject;

/// Each undeclared capability's operations fail with
/// `CapabilityNotSupported` naming it, before any I/O: stored data is
/// untouched.
pub async fn unsupported_capabilities_refused(s: Subject) {
    let caps = s.capabilities();
    let sentinel = caps.contains(Capability::Write);
    if sentinel {
        ok(
            s.write("sentinel", Bytes::from("safe"), false).await,
            "write",
        );
    }
    let mut checked = 0;
    for cap in Capability::ALL.into_iter().filter(|c| !caps.contains(*c)) {
        let results: Vec<Result<()>> = match cap {
            Capability::Read => vec![
                s.read_bytes("sentinel").await.map(drop),
                s.read("sentinel").await.map(drop),
            ],
            Capability::Write => vec![s.write("w", Bytes::from("x"), true).await.map(drop)],
            Capability::Delete => vec![
                s.delete("sentinel", true).await,
                s.delete_folder("", true, true).await,
            ],
            Capability::List => vec![
                s.list_files("", false).await.map(drop),
                s.list_folders("").await.map(drop),
            ],
            Capability::Move => vec![s.rename("sentinel", "moved", true).await],
            Capability::Copy => vec![s.copy("sentinel", "copied", true).await],
            Capability::AtomicWrite => vec![
                s.write_atomic("sentinel", Bytes::new(), true)
                    .await
                    .map(drop),
            ],
            Capability::Glob => vec![s.glob("*").await.map(drop)],
            Capability::RecursiveList => vec![s.list_files("", true).await.map(drop)],
            Capability::Metadata => vec![
                s.get_file_info("sentinel").await.map(drop),
                s.get_folder_info("").await.map(drop),
            ],
            Capability::RangeRead => vec![s.read_range("sentinel", 0, Some(1)).await.map(drop)],
            Capability::ConditionalWrite => vec![
                s.write_if_match("sentinel", Bytes::new(), "\"e\"")
                    .await
                    .map(drop),
            ],
            Capability::Presign => vec![
                s.presign(
                    "sentinel",
                    remote_store_core::PresignMethod::Get,
                    std::time::Duration::from_secs(60),
                )
                .await
                .map(drop),
            ],
            Capability::ConditionalDelete => {
                vec![s.delete_if_match("sentinel", "\"e\"").await]
            }
            Capability::ContentType => vec![
                s.write_with(
                    "w",
                    Bytes::from("x"),
                    WriteOptions::new().content_type("text/plain"),
                )
                .await
                .map(drop),
            ],
            Capability::CacheControl => vec![
                s.write_with(
                    "w",
                    Bytes::from("x"),
                    WriteOptions::new().cache_control("no-cache"),
                )
                .await
                .map(drop),
            ],
            Capability::UserMetadata => vec![
                s.write_with(
                    "w",
                    Bytes::from("x"),
                    WriteOptions::new().metadata("k", "v"),
                )
                .await
                .map(drop),
            ],
            Capability::ConditionalRead => {
                vec![s.read_if_match("sentinel", "\"e\"", None).await.map(drop)]
            }
            _ => continue, // quality flags gate nothing
        };
        for result in results {
            let err = expect_err(result, ErrorKind::CapabilityNotSupported, cap.as_str());
            // The call needs `cap`, and the operation it refines: where
            // the backend lacks both (no `List` for a recursive listing),
            // naming either is right.
            let named = err.capability();
            assert!(
                named == Some(cap)
                    || named.is_some_and(|c| !caps.contains(c) && base_of(cap) == Some(c)),
                "the error names the capability: {named:?} for {cap}"
            );
            checked += 1;
        }
    }
    if checked == 0 {
        println!(
            "nothing to refuse: every operation capability is declared ({})",
            s.face()
        );
    }
    if sentinel && caps.contains(Capability::Read) {
        assert_eq!(ok(s.read_bytes("sentinel").await, "read"), "safe");
    }
}

/// After `close`, the store and its children refuse I/O with `Closed`.
pub async fn closed_store_refuses_io(s: Subject) {
    let child = ok(s.child("sub"), "child");
    ok(s.close().await, "close");
    expect_err(s.exists("x").await, ErrorKind::Closed, "exists");
    expect_err(s.is_folder("").await, ErrorKind::Closed, "is_folder");
    expect_err(s.read_bytes("x").await, ErrorKind::Closed, "read_bytes");
    expect_err(
        s.write("x", Bytes::from("x"), true).await,
        ErrorKind::Closed,
        "write",
    );
    expect_err(
        s.list_files("", false).await,
        ErrorKind::Closed,
        "list_files",
    );
    expect_err(child.read_bytes("x").await, ErrorKind::Closed, "child read");
    expect_err(s.check_health().await, ErrorKind::Closed, "check_health");
    ok(s.close().await, "closing twice");
}

/// The operation capability a refinement needs too.
fn base_of(cap: Capability) -> Option<Capability> {
    match cap {
        Capability::RecursiveList | Capability::Glob => Some(Capability::List),
        Capability::RangeRead | Capability::ConditionalRead => Some(Capability::Read),
        Capability::AtomicWrite
        | Capability::ConditionalWrite
        | Capability::ContentType
        | Capability::CacheControl
        | Capability::UserMetadata => Some(Capability::Write),
        Capability::ConditionalDelete => Some(Capability::Delete),
        _ => None,
    }
}
