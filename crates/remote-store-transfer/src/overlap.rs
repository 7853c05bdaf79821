//! Refusing copies and moves whose source and destination overlap.
//!
//! A tree copied onto itself or into its own subtree reads what it writes
//! (a lazy listing then never ends), and a move then deletes the source,
//! which holds the copy: data lost. Two locations can reach the same place
//! by different names (a store of a configuration file and a URL of the
//! same folder), so they are compared by where they lead — the backend's
//! `storage_id` and `native_path` — not by how they were written.

use remote_store_core::{Error, ErrorKind, Result};

/// Where a location leads, as its store tells: what
/// [`refuse_overlap`] compares.
#[derive(Debug, Clone)]
pub struct Location<'a> {
    /// The store's `storage_id()`: `None` when the backend cannot tell.
    pub storage_id: Option<String>,
    /// The store's `native_path(path)`.
    pub native_path: String,
    /// The location as the user wrote it, for the message.
    pub label: &'a str,
}

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

fn place(l: &Location<'_>) -> Place {
    let mut native = l.native_path.clone();
    if l.storage_id.as_deref() == Some("file://") {
        native = resolve_local(&native);
    }
    Place {
        storage: l.storage_id.clone().map_or(Storage::Unknown, Storage::Id),
        native: normalize(&native),
    }
}

/// One spelling per place: no `.` segments, no trailing `/` (a base-relative
/// SFTP root is `.`).
fn normalize(native: &str) -> String {
    let absolute = native.starts_with('/');
    let parts: Vec<&str> = native
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// A local path with the links of its deepest existing ancestor resolved,
/// so that a folder reached through a symbolic link is recognised.
fn resolve_local(native: &str) -> String {
    let mut existing = std::path::Path::new(native);
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out.to_string_lossy().into_owned();
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return native.to_owned(),
        }
    }
}

/// Whether `outer` (an existing local folder) is `inner` or one of the
/// existing folders above it, by device and inode: a bind mount or a hard
/// path alias reaches the same folder under another name.
#[cfg(unix)]
fn same_folder_above(inner: &str, outer: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::metadata(outer) else {
        return false;
    };
    let id = (target.dev(), target.ino());
    std::path::Path::new(inner)
        .ancestors()
        .filter_map(|p| std::fs::metadata(p).ok())
        .any(|m| (m.dev(), m.ino()) == id)
}

#[cfg(not(unix))]
fn same_folder_above(_inner: &str, _outer: &str) -> bool {
    false
}

fn same_storage(a: &Place, b: &Place, same_backend: bool) -> bool {
    match (&a.storage, &b.storage) {
        (Storage::Id(x), Storage::Id(y)) => x == y,
        _ => same_backend,
    }
}

/// Whether `inner` is `outer` or lies below it (by whole segments).
fn within(inner: &str, outer: &str) -> bool {
    let outer = outer.trim_end_matches('/');
    outer.is_empty()
        || inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Refuses `verb` ("copy", "move") from `src` to `dst` when the two are
/// the same place or one lies inside the other, before anything is
/// touched. `same_backend`: whether both stores run on one backend
/// instance (what counts when a backend has no `storage_id`).
///
/// # Errors
/// `InvalidArgument` naming both locations and how they overlap.
pub fn refuse_overlap(
    verb: &str,
    src: &Location<'_>,
    dst: &Location<'_>,
    same_backend: bool,
) -> Result<()> {
    let (a, b) = (place(src), place(dst));
    if !same_storage(&a, &b, same_backend) {
        return Ok(());
    }
    let local = a.storage == Storage::Id("file://".to_owned());
    let how = if a.native == b.native {
        "they are the same location"
    } else if within(&b.native, &a.native) || local && same_folder_above(&b.native, &a.native) {
        "the destination is inside the source"
    } else if within(&a.native, &b.native) || local && same_folder_above(&a.native, &b.native) {
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

    /// The same folder under another name (here through `/proc/self/root`,
    /// as through a bind mount) is found by device and inode.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_folder_under_another_name_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().join("b");
        std::fs::create_dir_all(outer.join("sub")).unwrap();
        let alias = format!("/proc/self/root{}", outer.display());
        let outer = outer.to_str().unwrap();
        assert!(super::same_folder_above(&format!("{alias}/sub/new"), outer));
        assert!(super::same_folder_above(&alias, outer));
        assert!(!super::same_folder_above(outer, &format!("{alias}/sub")));
        assert!(!super::same_folder_above(
            dir.path().to_str().unwrap(),
            outer
        ));
    }

    #[test]
    fn one_spelling_per_place() {
        use super::normalize;
        assert_eq!(normalize("."), "");
        assert_eq!(normalize("./a/./b/"), "a/b");
        assert_eq!(normalize("/srv//a/"), "/srv/a");
        assert_eq!(normalize("/"), "/");
    }

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
