//! Declared capabilities: what a backend can do, checked before any I/O.

use std::fmt;

/// One thing a backend can do, or one guarantee it gives.
///
/// Operation capabilities gate [`Store`](crate::Store) methods: a call whose
/// capability is missing fails with
/// [`ErrorKind::CapabilityNotSupported`](crate::ErrorKind::CapabilityNotSupported)
/// before any I/O. Quality capabilities (the last group) gate nothing; they
/// tell callers how an operation behaves on this backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
#[repr(u8)]
pub enum Capability {
    /// `read`, `read_bytes`.
    Read,
    /// `write`.
    Write,
    /// `delete`, `delete_folder`.
    Delete,
    /// `list_files`, `list_folders` (one level).
    List,
    /// `rename`.
    Move,
    /// `copy`.
    Copy,
    /// `write_atomic`: readers see the old or the new content, never a mix.
    AtomicWrite,
    /// `glob`.
    Glob,
    /// `list_files` with `recursive = true`.
    RecursiveList,
    /// `get_file_info`, `get_folder_info`.
    Metadata,
    /// `read_range`.
    RangeRead,
    /// `write` with `WriteOptions::if_match`: compare-and-swap on the etag.
    ConditionalWrite,
    /// `read` with `ReadOptions::if_match`: a read pinned to one version.
    ConditionalRead,
    /// `delete` with `DeleteOptions::if_match`: delete only that version.
    ConditionalDelete,
    /// `presign`: URLs that let a plain HTTP client read or write one file.
    Presign,
    /// `write` with `WriteOptions::content_type`: the file keeps a MIME type,
    /// reported by `get_file_info` (and served by the service). Where it is
    /// declared, a write without one stores the type guessed from the
    /// extension.
    ContentType,
    /// `write` with `WriteOptions::cache_control`: the file keeps an HTTP
    /// `Cache-Control` value the service serves with it.
    CacheControl,
    /// `write` with `WriteOptions::metadata`: the file keeps user metadata
    /// (name → value pairs), reported by `get_file_info`.
    UserMetadata,
    /// Quality: `rename` is atomic (not copy + delete).
    AtomicMove,
    /// Quality: `write` with `overwrite = false` is race-free: of concurrent
    /// writers to one new path exactly one succeeds.
    ExclusiveWrite,
    /// Quality: `copy` happens inside the backend, without streaming the data
    /// through the client.
    ServerSideCopy,
    /// Quality: folders are real and persist when empty (file systems, SFTP);
    /// without it a folder exists only while something is stored under it
    /// (object stores).
    PersistentFolders,
}

impl Capability {
    /// Every capability, in declaration order.
    pub const ALL: [Capability; 22] = [
        Capability::Read,
        Capability::Write,
        Capability::Delete,
        Capability::List,
        Capability::Move,
        Capability::Copy,
        Capability::AtomicWrite,
        Capability::Glob,
        Capability::RecursiveList,
        Capability::Metadata,
        Capability::RangeRead,
        Capability::ConditionalWrite,
        Capability::ConditionalRead,
        Capability::ConditionalDelete,
        Capability::Presign,
        Capability::ContentType,
        Capability::CacheControl,
        Capability::UserMetadata,
        Capability::AtomicMove,
        Capability::ExclusiveWrite,
        Capability::ServerSideCopy,
        Capability::PersistentFolders,
    ];

    /// The snake_case name, as used in `Display` and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Write => "write",
            Capability::Delete => "delete",
            Capability::List => "list",
            Capability::Move => "move",
            Capability::Copy => "copy",
            Capability::AtomicWrite => "atomic_write",
            Capability::Glob => "glob",
            Capability::RecursiveList => "recursive_list",
            Capability::Metadata => "metadata",
            Capability::RangeRead => "range_read",
            Capability::ConditionalWrite => "conditional_write",
            Capability::ConditionalRead => "conditional_read",
            Capability::ConditionalDelete => "conditional_delete",
            Capability::Presign => "presign",
            Capability::ContentType => "content_type",
            Capability::CacheControl => "cache_control",
            Capability::UserMetadata => "user_metadata",
            Capability::AtomicMove => "atomic_move",
            Capability::ExclusiveWrite => "exclusive_write",
            Capability::ServerSideCopy => "server_side_copy",
            Capability::PersistentFolders => "persistent_folders",
        }
    }

    const fn bit(self) -> u32 {
        1 << (self as u8)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An immutable set of [`Capability`] values.
///
/// ```
/// use remote_store_core::{Capabilities, Capability};
/// let caps = Capabilities::of(&[Capability::Read, Capability::List]);
/// assert!(caps.contains(Capability::Read));
/// assert!(!caps.contains(Capability::Write));
/// assert_eq!(caps.to_string(), "read, list");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// The empty set.
    pub const fn empty() -> Self {
        Capabilities(0)
    }

    /// Every capability.
    pub const fn all() -> Self {
        Self::of(&Capability::ALL)
    }

    /// The set of the given capabilities.
    pub const fn of(caps: &[Capability]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < caps.len() {
            bits |= caps[i].bit();
            i += 1;
        }
        Capabilities(bits)
    }

    /// This set plus `cap`.
    pub const fn with(self, cap: Capability) -> Self {
        Capabilities(self.0 | cap.bit())
    }

    /// This set minus `cap`.
    pub const fn without(self, cap: Capability) -> Self {
        Capabilities(self.0 & !cap.bit())
    }

    /// This set minus every capability in `other`.
    pub const fn without_all(self, other: Capabilities) -> Self {
        Capabilities(self.0 & !other.0)
    }

    /// Whether `cap` is in the set.
    pub const fn contains(self, cap: Capability) -> bool {
        self.0 & cap.bit() != 0
    }

    /// Whether every capability of `other` is in this set.
    pub const fn contains_all(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The capabilities in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Capabilities::empty(), Capabilities::with)
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, cap) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(cap.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let caps = Capabilities::empty()
            .with(Capability::Read)
            .with(Capability::Glob);
        assert!(caps.contains(Capability::Glob));
        assert!(!caps.without(Capability::Glob).contains(Capability::Glob));
        assert!(Capabilities::all().contains_all(caps));
        assert!(!caps.contains_all(Capabilities::all()));
        assert_eq!(Capabilities::all().iter().count(), Capability::ALL.len());
        let collected: Capabilities = [Capability::Read, Capability::Glob].into_iter().collect();
        assert_eq!(collected, caps);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Capability::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Capability::ALL.len());
    }
}
