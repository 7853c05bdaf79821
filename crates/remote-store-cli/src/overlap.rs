//! Refusing copies and moves whose source and destination overlap.
//!
//! A tree copied onto itself or into its own subtree reads what it writes,
//! and a move then deletes the source, which holds the copy: data lost.
//! Two locations can reach the same place by different names (a store of
//! the configuration file and a URL of the same folder), so they are
//! compared by where they lead, [`Store::storage_id`] and
//! [`Store::native_path`], not by how they were written.

use remote_store::{Error, ErrorKind, Result, Store};

use crate::target::Target;

/// Where a location leads: the storage, and the native path inside it.
#[derive(Debug, PartialEq)]
struct Place {
    storage: Storage,
    native: String,
}

#[derive(Debug, PartialEq)]
enum Storage {
    /// The backend says which storage it reaches.
    Id(String),
    /// It does not: only the same backend instance counts as the same
    /// storage.
    Unknown,
}

fn place(t: &Target) -> Result<Place> {
    let native = t.store.native_path(&t.path)?;
    Ok(Place {
        storage: t.store.storage_id().map_or(Storage::Unknown, Storage::Id),
        native: native.trim_end_matches('/').to_owned(),
    })
}

fn same_storage(a: &Store, pa: &Place, b: &Store, pb: &Place) -> bool {
    match (&pa.storage, &pb.storage) {
        (Storage::Id(x), Storage::Id(y)) => x == y,
        _ => a.shares_backend(b),
    }
}

/// Whether `inner` is `outer` or lies below it (by whole segments).
fn within(inner: &str, outer: &str) -> bool {
    outer.is_empty()
        || inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Refuses `verb` from `src` to `dst` when the two are the same place or
/// one lies inside the other, before anything is touched.
///
/// # Errors
/// `InvalidArgument` naming both locations and how they overlap.
pub(crate) fn refuse_overlap(verb: &str, src: &Target, dst: &Target) -> Result<()> {
    let (a, b) = (place(src)?, place(dst)?);
    if !same_storage(&src.store, &a, &dst.store, &b) {
        return Ok(());
    }
    let how = if a.native == b.native {
        "they are the same location"
    } else if within(&b.native, &a.native) {
        "the destination is inside the source"
    } else if within(&a.native, &b.native) {
        "the source is inside the destination"
    } else {
        return Ok(());
    };
    Err(Error::new(ErrorKind::InvalidArgument).with_message(format!(
        "cannot {verb} '{}' to '{}': {how} ({})",
        src.label, dst.label, b.native
    )))
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn within_is_by_whole_segments() {
        assert!(within("a", "a"));
        assert!(within("a/b", "a"));
        assert!(within("/srv/a/b/c", "/srv/a"));
        assert!(within("x", ""));
        assert!(!within("ab", "a"));
        assert!(!within("a", "a/b"));
        assert!(!within("/srv/a2", "/srv/a"));
    }
}
