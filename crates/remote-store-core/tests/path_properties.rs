//! Properties of `RemotePath` over arbitrary input: normalizing is
//! idempotent, an accepted path never escapes its root, and the path
//! operations (join, strip_prefix, parent, name) agree with each other.

use proptest::prelude::*;
use remote_store_core::{ErrorKind, MAX_PATH_BYTES, MAX_SEGMENT_BYTES, RemotePath};

/// Raw paths as users and wild listings give them: segments drawn from
/// letters, dots, separators of both kinds, spaces, control characters
/// and any Unicode, so `.`/`..`, empty and refused segments all occur.
fn raw_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just(String::new()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        "[a-z.]{1,4}",
        "[ -~]{1,8}",
        "\\PC{1,8}",
        "[\\x00-\\x1f\\x7f]",
    ];
    let separator = prop_oneof![Just("/"), Just("\\"), Just("//")];
    prop::collection::vec((segment, separator), 0..6).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(segment, sep)| format!("{segment}{sep}"))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Normalizing a normalized path changes nothing.
    #[test]
    fn normalize_is_idempotent(raw in raw_path()) {
        if let Ok(p) = RemotePath::new(&raw) {
            let again = RemotePath::new(p.as_str()).expect("a normalized path is valid");
            prop_assert_eq!(again.as_str(), p.as_str());
        }
    }

    /// An accepted path has no empty, `.` or `..` segment, no separator
    /// at either end, no `\` and no control character, and fits the
    /// limits; a refused one is `InvalidPath`.
    #[test]
    fn accepted_paths_are_clean(raw in raw_path()) {
        match RemotePath::new(&raw) {
            Ok(p) => {
                let s = p.as_str();
                prop_assert!(!s.starts_with('/') && !s.ends_with('/'), "{:?}", s);
                prop_assert!(!s.contains('\\') && !s.chars().any(|c| c.is_ascii_control()));
                prop_assert!(s.len() <= MAX_PATH_BYTES);
                if !p.is_root() {
                    for segment in s.split('/') {
                        prop_assert!(!matches!(segment, "" | "." | ".."), "{:?}", s);
                        prop_assert!(segment.len() <= MAX_SEGMENT_BYTES);
                    }
                }
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::InvalidPath),
        }
    }

    /// Whatever is joined to a root stays below it, and stripping the
    /// root gives back what was joined.
    #[test]
    fn no_accepted_path_escapes_its_root(root in raw_path(), raw in raw_path()) {
        let Ok(root) = RemotePath::new(&root) else { return Ok(()) };
        if let Ok(joined) = root.join(&raw) {
            prop_assert!(joined.starts_with(&root), "{:?} / {:?} = {:?}", root, raw, joined);
            let back = joined.strip_prefix(&root).expect("below its root");
            prop_assert_eq!(back, RemotePath::new(&raw).expect("joined, so valid"));
        }
    }

    /// A path is its parent joined with its name.
    #[test]
    fn parent_and_name_rebuild_the_path(raw in raw_path()) {
        if let Ok(p) = RemotePath::new(&raw) {
            match p.parent() {
                None => prop_assert!(p.is_root()),
                Some(parent) => {
                    prop_assert_eq!(parent.join(p.name()).expect("valid"), p.clone());
                    prop_assert!(p.starts_with(&parent));
                }
            }
        }
    }
}
