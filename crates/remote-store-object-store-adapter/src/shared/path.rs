//! object_store `Path` ↔ our `RemotePath`, with no silent change: a key
//! our path rules would rewrite (a `\`, which they read as a separator)
//! or refuse (`..`, control characters, a segment over 255 bytes) is an
//! error, never another key.

use super::object_store;
use object_store::path::Path;
use remote_store_core::RemotePath;

use super::error::STORE;

/// The store path of an object_store location, the same string.
///
/// # Errors
/// `InvalidPath` for a location our path rules refuse or would rewrite.
pub(crate) fn to_remote(location: &Path) -> object_store::Result<RemotePath> {
    let raw = location.as_ref();
    let remote = RemotePath::new(raw).map_err(|e| invalid(raw, e.to_string()))?;
    if remote.as_str() != raw {
        return Err(invalid(
            raw,
            format!("would be stored as '{}'", remote.as_str()),
        ));
    }
    Ok(remote)
}

/// The folder a listing prefix names (`None` and the empty path: the
/// store's root).
pub(crate) fn to_folder(prefix: Option<&Path>) -> object_store::Result<RemotePath> {
    match prefix {
        Some(p) if !p.as_ref().is_empty() => to_remote(p),
        _ => Ok(RemotePath::root()),
    }
}

/// The object_store location of a store path, the same string.
///
/// # Errors
/// `Generic` for a stored name object_store's path rules refuse (it is
/// reported, never skipped).
pub(crate) fn to_location(path: &RemotePath) -> object_store::Result<Path> {
    Path::parse(path.as_str()).map_err(|e| object_store::Error::Generic {
        store: STORE,
        source: format!("'{}' is not an object_store path: {e}", path.as_str()).into(),
    })
}

fn invalid(raw: &str, why: String) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE,
        source: format!("'{raw}' cannot be a remote-store path: {why}").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_unchanged() {
        for raw in [
            "a/b%2Fc/foo.file",
            "🙀/😀.parquet",
            "foo bar/I contain spaces.parquet",
            "%48%45%4C%4C%4F/foo.parquet",
            "I'm a %3C & weird path",
        ] {
            let location = Path::parse(raw).expect("a valid location");
            let remote = to_remote(&location).expect(raw);
            assert_eq!(remote.as_str(), raw);
            assert_eq!(to_location(&remote).expect(raw), location);
        }
    }

    #[test]
    fn keys_the_rules_would_change_are_refused() {
        for raw in ["a\\b", "x/../y", "tab\there"] {
            let location = Path::from(raw);
            // `Path::from` encodes some of these; the raw string is what
            // would be stored, and it must come back unchanged or fail.
            match to_remote(&location) {
                Ok(remote) => assert_eq!(remote.as_str(), location.as_ref(), "{raw}"),
                Err(e) => assert!(e.to_string().contains("remote-store path"), "{raw}: {e}"),
            }
        }
        let backslash = Path::parse("a\\b").expect("object_store takes a backslash");
        assert!(
            to_remote(&backslash).is_err(),
            "a backslash is not a separator here"
        );
    }
}
