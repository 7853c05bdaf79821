//! Symbolic links and listed entries: what both engines do with them,
//! decided here once, without I/O (each engine only asks the server).
//!
//! The rules match the local backend:
//! - **Containment.** A path whose real location (the server's `realpath`,
//!   links resolved) lies outside the real base path is refused with
//!   `PermissionDenied`, for every operation.
//! - **Walks do not follow links into folders.** A link to a folder inside
//!   the base is listed as a folder, but recursive listings and recursive
//!   deletes never descend into it: no cycles, and no deleting the target's
//!   contents.
//! - **Removing a link removes only the link**, whatever it points to.
//! - **Nothing is dropped silently.** An entry that cannot be listed (a
//!   link out of the base, a dangling link, a special file, a name the path
//!   rules refuse) is an error item of the listing, which goes on
//!   (ADR-0010).

use remote_store_core::{Error, ErrorKind, RemotePath};

/// Whether `real` is `base` or lies below it, both being real (resolved)
/// absolute server paths. Compared by whole segments.
pub(crate) fn inside(base: &str, real: &str) -> bool {
    let base = base.trim_end_matches('/');
    base.is_empty()
        || real == base
        || real
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

const ESCAPES: &str = "resolves outside the base path (symbolic link)";

/// The error for a path that resolves outside the base.
pub(crate) fn escapes(path: &RemotePath) -> Error {
    Error::new(ErrorKind::PermissionDenied)
        .with_backend(crate::NAME)
        .with_path(path)
        .with_message(ESCAPES)
}

/// `exists`, `is_file` and `is_folder` report a path that resolves outside
/// the base as absent (as the local backend does); every other operation
/// refuses it.
pub(crate) fn absent_if_escaping<T>(stat: Result<Option<T>, Error>) -> Result<Option<T>, Error> {
    match stat {
        Err(e) if e.kind() == ErrorKind::PermissionDenied && e.message() == Some(ESCAPES) => {
            Ok(None)
        }
        other => other,
    }
}

/// What an entry is, as the server's `lstat` (or `READDIR`) sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Folder,
    Link,
    /// Socket, device, FIFO.
    Special,
}

impl Kind {
    /// The kind of an entry from its file-type bits.
    pub(crate) fn of(is_link: bool, is_dir: bool, is_file: bool) -> Kind {
        match (is_link, is_dir, is_file) {
            (true, _, _) => Kind::Link,
            (_, true, _) => Kind::Folder,
            (_, _, true) => Kind::File,
            _ => Kind::Special,
        }
    }
}

/// What a link leads to, once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The link dangles (or loops).
    Missing,
    /// It resolves outside the base.
    Outside,
    /// It resolves inside the base, to an entry of this kind.
    Inside(Kind),
}

/// What a walk does with one entry.
#[derive(Debug)]
pub(crate) enum Listed {
    File,
    /// A folder; `descend` says whether a recursive walk enters it.
    Folder {
        descend: bool,
    },
    /// Reported as an error item; the walk goes on.
    Refused(Error),
}

/// Decides an entry named `name` in `dir`: `kind` from `READDIR`,
/// `target` (for links only) from resolving it.
pub(crate) fn classify(dir: &RemotePath, name: &str, kind: Kind, target: Option<Target>) -> Listed {
    let refuse = |kind, why| {
        Listed::Refused(Error::unlisted(kind, dir, name, why).with_backend(crate::NAME))
    };
    if let Err(e) = representable(dir, name) {
        return Listed::Refused(e);
    }
    match (kind, target) {
        (Kind::File, _) => Listed::File,
        (Kind::Folder, _) => Listed::Folder { descend: true },
        (Kind::Link, Some(Target::Inside(Kind::File))) => Listed::File,
        (Kind::Link, Some(Target::Inside(Kind::Folder))) => Listed::Folder { descend: false },
        (Kind::Link, Some(Target::Outside)) => refuse(
            ErrorKind::PermissionDenied,
            "a symbolic link that leads outside the base path",
        ),
        (Kind::Link, Some(Target::Missing) | None) => {
            refuse(ErrorKind::NotFound, "a dangling symbolic link")
        }
        (Kind::Link, Some(Target::Inside(_))) | (Kind::Special, _) => refuse(
            ErrorKind::Other,
            "neither a file nor a folder (socket, device or FIFO)",
        ),
    }
}

/// Refuses a name the path rules would refuse or change, so two stored
/// names never become one path. (A name that is not UTF-8 never gets
/// here: ssh2 hands over bytes, and the russh engine refuses names
/// holding U+FFFD itself, see `lossy`.)
pub(crate) fn representable(dir: &RemotePath, name: &str) -> Result<RemotePath, Error> {
    let refuse = |why: String| {
        Error::unlisted(ErrorKind::InvalidPath, dir, name, why).with_backend(crate::NAME)
    };
    if name.contains('\\') {
        return Err(refuse("'\\' is a path separator in store paths".into()));
    }
    match dir.join(name) {
        Ok(path) if path.name() == name => Ok(path),
        Ok(_) => Err(refuse("the path rules would change it".into())),
        Err(e) => Err(refuse(e.reason())),
    }
}

/// The russh engine's refusal of a name holding U+FFFD: russh-sftp decodes
/// names lossily, so a name that was not UTF-8 arrives with U+FFFD, and
/// that spelling would address nothing. (A real U+FFFD in a name cannot be
/// told apart, so that engine refuses to write one too.)
#[cfg(feature = "russh")]
pub(crate) fn lossy(name: &str) -> bool {
    name.contains(char::REPLACEMENT_CHARACTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real U+FFFD is a valid name for the path rules (ssh2 lists it);
    /// only the russh engine, which reads names lossily, refuses it.
    #[test]
    fn replacement_characters_are_a_russh_limit() {
        assert!(representable(&dir(), "a\u{FFFD}b").is_ok());
        #[cfg(feature = "russh")]
        {
            assert!(lossy("a\u{FFFD}b"));
            assert!(!lossy("plain"));
        }
    }

    fn dir() -> RemotePath {
        RemotePath::new("d").unwrap()
    }

    #[test]
    fn only_escapes_read_as_absent() {
        let p = RemotePath::new("l").unwrap();
        assert!(
            absent_if_escaping::<()>(Err(escapes(&p)))
                .unwrap()
                .is_none()
        );
        let denied = Error::new(ErrorKind::PermissionDenied);
        assert!(absent_if_escaping::<()>(Err(denied)).is_err());
        assert_eq!(absent_if_escaping(Ok(Some(1))).unwrap(), Some(1));
    }

    #[test]
    fn inside_compares_whole_segments() {
        assert!(inside("/srv/base", "/srv/base"));
        assert!(inside("/srv/base", "/srv/base/a/b"));
        assert!(inside("/srv/base/", "/srv/base/a"));
        assert!(inside("/", "/etc"));
        assert!(!inside("/srv/base", "/srv/base2"));
        assert!(!inside("/srv/base", "/srv"));
        assert!(!inside("/srv/base", "/etc/passwd"));
    }

    #[test]
    fn links_are_never_descended_and_never_dropped() {
        use Kind::*;
        assert!(matches!(classify(&dir(), "f", File, None), Listed::File));
        assert!(matches!(
            classify(&dir(), "s", Folder, None),
            Listed::Folder { descend: true }
        ));
        let link = |t| classify(&dir(), "l", Link, Some(t));
        assert!(matches!(link(Target::Inside(File)), Listed::File));
        assert!(matches!(
            link(Target::Inside(Folder)),
            Listed::Folder { descend: false }
        ));
        for (target, kind) in [
            (Target::Outside, ErrorKind::PermissionDenied),
            (Target::Missing, ErrorKind::NotFound),
            (Target::Inside(Special), ErrorKind::Other),
        ] {
            let Listed::Refused(e) = link(target) else {
                panic!("{target:?} must be reported");
            };
            assert_eq!(e.kind(), kind);
            assert_eq!(e.path(), Some("d"));
            assert!(e.to_string().contains("\"l\""), "{e}");
        }
        assert!(matches!(
            classify(&dir(), "p", Special, None),
            Listed::Refused(_)
        ));
    }

    #[test]
    fn names_the_path_rules_would_change_are_reported() {
        for name in ["back\\slash", "tab\there", "..", ".", "nul\0"] {
            let Listed::Refused(e) = classify(&dir(), name, Kind::File, None) else {
                panic!("{name:?} must be reported");
            };
            assert_eq!(e.kind(), ErrorKind::InvalidPath, "{name:?}");
            assert!(e.to_string().contains(&format!("{name:?}")), "{e}");
        }
        assert!(matches!(
            classify(&dir(), "ok é", Kind::File, None),
            Listed::File
        ));
    }
}
