//! Write attributes: content type, cache-control and user metadata, kept
//! with the file and reported by `get_file_info` (ADR-0016).

use std::collections::BTreeMap;

use bytes::Bytes;
use remote_store_core::{Capability, ErrorKind, MAX_METADATA_BYTES, WriteOptions};

use super::{expect_err, ok};
use crate::face::Subject;

fn pairs(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What a write is given besides bytes comes back from `get_file_info`,
/// each part where its capability is declared: the content type (and,
/// when none is given, the one guessed from the extension), the
/// cache-control value, the user metadata. A replace replaces them (it
/// does not merge); a copy keeps the source's.
pub async fn write_attributes_are_kept(s: Subject) {
    need!(s, Write, Metadata);
    let caps = s.capabilities();
    let (types, caching, metadata) = (
        caps.contains(Capability::ContentType),
        caps.contains(Capability::CacheControl),
        caps.contains(Capability::UserMetadata),
    );
    if !(types || caching || metadata) {
        println!(
            "skipped: needs content_type, cache_control or user_metadata ({})",
            s.face()
        );
        return;
    }
    let mut options = WriteOptions::new();
    if types {
        options = options.content_type("application/x-conformance");
    }
    if caching {
        options = options.cache_control("max-age=60");
    }
    let given = pairs(&[
        ("origin", "conformance suite"),
        ("run_2", "a value, with: punctuation"),
    ]);
    if metadata {
        for (k, v) in &given {
            options = options.metadata(k, v);
        }
    }
    ok(
        s.write_with("attrs/a.bin", Bytes::from("x"), options).await,
        "write_with",
    );
    let info = ok(s.get_file_info("attrs/a.bin").await, "get_file_info");
    if types {
        assert_eq!(
            info.content_type.as_deref(),
            Some("application/x-conformance")
        );
    }
    if caching {
        assert_eq!(info.cache_control.as_deref(), Some("max-age=60"));
    }
    if metadata {
        assert_eq!(info.metadata, given, "user metadata");
    }
    if caps.contains(Capability::Copy) {
        ok(s.copy("attrs/a.bin", "attrs/copy.bin", false).await, "copy");
        let copied = ok(s.get_file_info("attrs/copy.bin").await, "get_file_info");
        assert_eq!(
            (
                &copied.content_type,
                &copied.cache_control,
                &copied.metadata
            ),
            (&info.content_type, &info.cache_control, &info.metadata),
            "a copy keeps the attributes"
        );
    }
    // A replace with nothing given: no metadata left, no cache-control,
    // and the guessed type (where types are kept).
    ok(
        s.write("attrs/a.bin", Bytes::from("y"), true).await,
        "write",
    );
    let replaced = ok(s.get_file_info("attrs/a.bin").await, "get_file_info");
    if metadata {
        assert!(
            replaced.metadata.is_empty(),
            "metadata merged: {:?}",
            replaced.metadata
        );
    }
    if caching {
        assert_eq!(
            replaced.cache_control, None,
            "cache-control survived a replace"
        );
    }
    if types {
        ok(
            s.write("attrs/t.csv", Bytes::from("a,b\n"), false).await,
            "write",
        );
        let csv = ok(s.get_file_info("attrs/t.csv").await, "get_file_info");
        assert_eq!(
            csv.content_type.as_deref(),
            Some("text/csv"),
            "guessed from .csv"
        );
        let json = WriteOptions::new().content_type("application/json");
        ok(
            s.write_with("attrs/t.txt", Bytes::from("{}"), json).await,
            "write_with",
        );
        let given = ok(s.get_file_info("attrs/t.txt").await, "get_file_info");
        assert_eq!(
            given.content_type.as_deref(),
            Some("application/json"),
            "a given type wins over the guess"
        );
    }
}

/// Attributes a backend cannot keep, or that break the rules, are refused
/// before any I/O with the right kind, and nothing is written: an
/// attribute without its capability (`CapabilityNotSupported`); metadata
/// names outside `a-z0-9_` or not starting with a letter, values that are
/// not printable ASCII, empty or with a space at either end, more than the
/// size limit, a content type with a
/// line break (`InvalidArgument`).
pub async fn write_attributes_refused_when_bad(s: Subject) {
    need!(s, Write);
    let caps = s.capabilities();
    let path = "attrs/refused.bin";
    let mut refused: Vec<(WriteOptions, ErrorKind, String)> = Vec::new();
    let mut add = |options: WriteOptions, cap: Capability, what: &str| {
        let kind = if caps.contains(cap) {
            ErrorKind::InvalidArgument
        } else {
            ErrorKind::CapabilityNotSupported
        };
        refused.push((options, kind, what.to_owned()));
    };
    for name in ["Upper", "with-dash", "9lives", "", "naïve", "a b"] {
        add(
            WriteOptions::new().metadata(name, "v"),
            Capability::UserMetadata,
            name,
        );
    }
    add(
        WriteOptions::new().metadata("k", "line\nbreak"),
        Capability::UserMetadata,
        "a value with a line break",
    );
    add(
        WriteOptions::new().metadata("k", "é"),
        Capability::UserMetadata,
        "a non-ASCII value",
    );
    add(
        WriteOptions::new().metadata("k", " padded "),
        Capability::UserMetadata,
        "a value with spaces at its ends",
    );
    add(
        WriteOptions::new().metadata("k", ""),
        Capability::UserMetadata,
        "an empty value",
    );
    let big = "v".repeat(MAX_METADATA_BYTES);
    add(
        WriteOptions::new().metadata("k", big),
        Capability::UserMetadata,
        "metadata over the limit",
    );
    add(
        WriteOptions::new().content_type("text/plain\r\nx: y"),
        Capability::ContentType,
        "a content type with a line break",
    );
    add(
        WriteOptions::new().cache_control(""),
        Capability::CacheControl,
        "an empty cache-control",
    );
    add(
        WriteOptions::new().content_type("not a media type"),
        Capability::ContentType,
        "a content type without type/subtype",
    );
    for (options, kind, what) in refused {
        let result = s.write_with(path, Bytes::from("x"), options).await;
        expect_err(result, kind, &what);
        assert!(
            !ok(s.exists(path).await, "exists"),
            "{what}: a refused write left a file"
        );
    }
    // Where metadata is kept, exactly what the backend allows is accepted
    // (a limit below the portable one is the backend's to state).
    if caps.contains(Capability::UserMetadata) {
        let fits = WriteOptions::new().metadata("k", "v".repeat(64));
        ok(
            s.write_with(path, Bytes::from("x"), fits).await,
            "a small metadata write",
        );
    }
}
