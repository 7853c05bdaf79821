//! [`RemotePath`]: a validated, normalized, store-relative path.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Longest accepted segment, in bytes (the common file-system name limit).
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Longest accepted normalized path, in bytes (S3's key limit, so any valid
/// path fits every backend when the store root is empty).
pub const MAX_PATH_BYTES: usize = 1024;

/// A validated, normalized, relative path inside a store.
///
/// # Rules
///
/// Normalization, applied in this order:
/// 1. backslashes (`\`) become `/`;
/// 2. empty segments (repeated, leading or trailing `/`) are dropped;
/// 3. `.` segments are dropped.
///
/// Rejected with [`ErrorKind::InvalidPath`](crate::ErrorKind::InvalidPath):
/// - any `..` segment (a path can never climb out of its store);
/// - NUL and every other ASCII control character (`0x01..=0x1F`, `0x7F`);
/// - a segment longer than [`MAX_SEGMENT_BYTES`] bytes;
/// - a normalized path longer than [`MAX_PATH_BYTES`] bytes.
///
/// The empty path is the **root**. It is valid for folder and query
/// operations and refused by file operations.
///
/// Equality, ordering and hashing use the normalized form, so `a//b/./c` and
/// `a/b/c` are the same path.
///
/// # Example
///
/// ```
/// use remote_store_core::RemotePath;
/// let p = RemotePath::new(r"reports\\2024//./q1.csv").unwrap();
/// assert_eq!(p.as_str(), "reports/2024/q1.csv");
/// assert_eq!(p.name(), "q1.csv");
/// assert_eq!(p.suffix(), ".csv");
/// assert_eq!(p.parent().unwrap().as_str(), "reports/2024");
/// assert!(RemotePath::new("../etc/passwd").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RemotePath {
    normalized: String,
}

impl RemotePath {
    /// Validates and normalizes `raw`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`](crate::ErrorKind::InvalidPath) when `raw`
    /// breaks one of the [rules](RemotePath#rules).
    pub fn new(raw: &str) -> Result<Self> {
        let mut normalized = String::with_capacity(raw.len());
        for segment in raw.split(['/', '\\']) {
            if segment.is_empty() || segment == "." {
                continue;
            }
            check_segment(raw, segment)?;
            if !normalized.is_empty() {
                normalized.push('/');
            }
            normalized.push_str(segment);
        }
        if normalized.len() > MAX_PATH_BYTES {
            return Err(Error::invalid_path(
                shorten(raw),
                format!("path is longer than {MAX_PATH_BYTES} bytes"),
            ));
        }
        Ok(RemotePath { normalized })
    }

    /// The root path (empty).
    pub const fn root() -> Self {
        RemotePath {
            normalized: String::new(),
        }
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.normalized.is_empty()
    }

    /// The normalized form, without leading or trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    /// The last segment; empty for the root.
    pub fn name(&self) -> &str {
        self.normalized.rsplit('/').next().unwrap_or("")
    }

    /// The final suffix of [`name`](Self::name), dot included (`".csv"`), or
    /// `""` when there is none. A leading dot does not start a suffix
    /// (`.env` has none).
    pub fn suffix(&self) -> &str {
        let name = self.name();
        match name.rfind('.') {
            Some(0) | None => "",
            Some(i) => &name[i..],
        }
    }

    /// The parent path; `None` for the root. The parent of a top-level entry
    /// is the root.
    pub fn parent(&self) -> Option<RemotePath> {
        if self.is_root() {
            return None;
        }
        let parent = match self.normalized.rfind('/') {
            Some(i) => &self.normalized[..i],
            None => "",
        };
        Some(RemotePath {
            normalized: parent.to_owned(),
        })
    }

    /// The segments, in order; none for the root.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.normalized.split('/').filter(|s| !s.is_empty())
    }

    /// `self / other`, validated as a whole.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidPath`](crate::ErrorKind::InvalidPath) when
    /// `other` is invalid or the result is too long.
    pub fn join(&self, other: impl AsRef<str>) -> Result<RemotePath> {
        let other = other.as_ref();
        if self.is_root() {
            return RemotePath::new(other);
        }
        RemotePath::new(&format!("{}/{}", self.normalized, other))
    }

    /// Whether `prefix` is this path or one of its ancestors (by segment:
    /// `ab` does not start with `a`).
    pub fn starts_with(&self, prefix: &RemotePath) -> bool {
        prefix.is_root()
            || self.normalized == prefix.normalized
            || (self.normalized.starts_with(&prefix.normalized)
                && self.normalized.as_bytes()[prefix.normalized.len()] == b'/')
    }

    /// This path relative to `prefix`, or `None` when it is not under it.
    pub fn strip_prefix(&self, prefix: &RemotePath) -> Option<RemotePath> {
        if !self.starts_with(prefix) {
            return None;
        }
        let rest = if prefix.is_root() {
            self.normalized.as_str()
        } else {
            self.normalized[prefix.normalized.len()..].trim_start_matches('/')
        };
        Some(RemotePath {
            normalized: rest.to_owned(),
        })
    }
}

fn check_segment(raw: &str, segment: &str) -> Result<()> {
    if segment == ".." {
        return Err(Error::invalid_path(
            shorten(raw),
            "'..' segments are not allowed",
        ));
    }
    if let Some(c) = segment.chars().find(|c| c.is_ascii_control()) {
        let what = if c == '\0' {
            "NUL bytes are not allowed".to_owned()
        } else {
            format!("control character U+{:04X} is not allowed", c as u32)
        };
        return Err(Error::invalid_path(shorten(raw).escape_debug(), what));
    }
    if segment.len() > MAX_SEGMENT_BYTES {
        return Err(Error::invalid_path(
            shorten(raw),
            format!("a segment is longer than {MAX_SEGMENT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Keeps error messages readable when the offending path is huge.
fn shorten(raw: &str) -> &str {
    const KEEP: usize = 80;
    if raw.len() <= KEEP {
        return raw;
    }
    let mut end = KEEP;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    &raw[..end]
}

impl fmt::Display for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl fmt::Debug for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemotePath({:?})", self.normalized)
    }
}

impl AsRef<str> for RemotePath {
    fn as_ref(&self) -> &str {
        &self.normalized
    }
}

impl FromStr for RemotePath {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        RemotePath::new(s)
    }
}

impl TryFrom<&str> for RemotePath {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        RemotePath::new(s)
    }
}

impl TryFrom<String> for RemotePath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        RemotePath::new(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn norm(s: &str) -> String {
        RemotePath::new(s).unwrap().as_str().to_owned()
    }

    fn invalid(s: &str) -> Error {
        let err = RemotePath::new(s).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPath, "{s:?}: {err}");
        err
    }

    #[test]
    fn backslashes_become_slashes() {
        assert_eq!(norm(r"a\b\c.txt"), "a/b/c.txt");
    }

    #[test]
    fn repeated_slashes_collapse() {
        assert_eq!(norm("a//b///c"), "a/b/c");
    }

    #[test]
    fn dot_segments_drop() {
        assert_eq!(norm("./a/./b/."), "a/b");
    }

    #[test]
    fn leading_and_trailing_slashes_strip() {
        assert_eq!(norm("/a/b/"), "a/b");
    }

    #[test]
    fn empty_forms_are_root() {
        for s in ["", "/", ".", "//./", r"\"] {
            assert!(RemotePath::new(s).unwrap().is_root(), "{s:?}");
        }
    }

    #[test]
    fn dot_dot_is_rejected_anywhere() {
        for s in ["..", "../a", "a/../b", "a/..", r"a\..\b"] {
            assert!(invalid(s).to_string().contains("'..'"));
        }
        // Names that merely contain dots are fine.
        assert_eq!(norm("a/..b/c.."), "a/..b/c..");
    }

    #[test]
    fn nul_is_rejected() {
        assert!(invalid("a\0b").to_string().contains("NUL"));
    }

    #[test]
    fn control_characters_are_rejected() {
        for c in (1u8..0x20).chain([0x7f]) {
            let s = format!("a{}b", c as char);
            invalid(&s);
        }
        // Non-ASCII text is fine, including spaces.
        assert_eq!(
            norm("dossier été/ファイル 1.txt"),
            "dossier été/ファイル 1.txt"
        );
    }

    #[test]
    fn segment_limit() {
        let ok = "x".repeat(MAX_SEGMENT_BYTES);
        assert_eq!(norm(&ok), ok);
        let err = invalid(&"x".repeat(MAX_SEGMENT_BYTES + 1));
        assert!(err.to_string().contains("255"));
        // The limit counts bytes, not characters.
        invalid(&"é".repeat(MAX_SEGMENT_BYTES / 2 + 1));
    }

    #[test]
    fn whole_path_limit() {
        let seg = "y".repeat(99);
        let ok = [seg.as_str(); 10].join("/"); // 999 bytes
        assert_eq!(norm(&ok).len(), 999);
        let too_long = [seg.as_str(); 11].join("/"); // 1099 bytes
        let err = invalid(&too_long);
        assert!(err.to_string().contains("1024"));
        // Slashes that normalization removes do not count.
        let padded = format!("{ok}{}", "/".repeat(100));
        assert_eq!(norm(&padded).len(), 999);
    }

    #[test]
    fn accessors() {
        let p = RemotePath::new("a/b/report.tar.gz").unwrap();
        assert_eq!(p.name(), "report.tar.gz");
        assert_eq!(p.suffix(), ".gz");
        assert_eq!(p.parts().collect::<Vec<_>>(), ["a", "b", "report.tar.gz"]);
        assert_eq!(p.parent().unwrap(), RemotePath::new("a/b").unwrap());
        assert_eq!(
            RemotePath::new("top").unwrap().parent(),
            Some(RemotePath::root())
        );
        assert_eq!(RemotePath::root().parent(), None);
        assert_eq!(RemotePath::root().name(), "");
        assert_eq!(RemotePath::new(".env").unwrap().suffix(), "");
        assert_eq!(RemotePath::root().parts().count(), 0);
    }

    #[test]
    fn join_validates_the_result() {
        let base = RemotePath::new("a").unwrap();
        assert_eq!(base.join("b/c").unwrap().as_str(), "a/b/c");
        assert_eq!(RemotePath::root().join("x").unwrap().as_str(), "x");
        assert_eq!(
            base.join("../x").unwrap_err().kind(),
            ErrorKind::InvalidPath
        );
    }

    #[test]
    fn prefixes_match_whole_segments() {
        let ab = RemotePath::new("ab/c").unwrap();
        let a = RemotePath::new("a").unwrap();
        assert!(!ab.starts_with(&a));
        assert!(ab.starts_with(&RemotePath::new("ab").unwrap()));
        assert!(ab.starts_with(&RemotePath::root()));
        assert_eq!(
            ab.strip_prefix(&RemotePath::new("ab").unwrap())
                .unwrap()
                .as_str(),
            "c"
        );
        assert_eq!(ab.strip_prefix(&a), None);
        assert!(ab.strip_prefix(&ab).unwrap().is_root());
    }

    #[test]
    fn equality_uses_normal_form() {
        use std::collections::HashSet;
        let set: HashSet<_> = ["a/b", "a//b", "/a/b/", r"a\b", "./a/b"]
            .into_iter()
            .map(|s| RemotePath::new(s).unwrap())
            .collect();
        assert_eq!(set.len(), 1);
    }
}
