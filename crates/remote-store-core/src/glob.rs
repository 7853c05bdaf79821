//! Glob patterns, and `glob` implemented on top of listing for backends
//! that have no server-side matching.
//!
//! Syntax (the `globset` crate's, with `/` as the only separator): `*` and
//! `?` match within one segment, `**` matches any number of segments,
//! `[abc]` and `{a,b}` work as usual. A backslash is a path separator, as
//! everywhere in remote-store, not an escape: match a literal `*` with
//! `[*]`. Patterns obey the [`RemotePath`] rules (no `..`, no control
//! characters).

use futures::{StreamExt, future};

use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::FileInfo;
use crate::options::ListOptions;
use crate::path::RemotePath;
use crate::stream::{FileIter, FileStream};

const META: [char; 6] = ['*', '?', '[', ']', '{', '}'];

/// A compiled glob pattern, split into the literal folder prefix to list
/// and the matcher for what is listed.
#[derive(Debug, Clone)]
pub struct GlobPattern {
    prefix: RemotePath,
    recursive: bool,
    matcher: globset::GlobMatcher,
}

impl GlobPattern {
    /// Compiles `pattern`.
    ///
    /// # Errors
    /// `InvalidPath` when the pattern breaks the path rules,
    /// `InvalidArgument` when it is not a valid glob.
    pub fn new(pattern: &str) -> Result<Self> {
        let normalized = RemotePath::new(pattern)?;
        let glob = globset::GlobBuilder::new(normalized.as_str())
            .literal_separator(true)
            .backslash_escape(false)
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::InvalidArgument)
                    .with_message(format!("bad glob pattern '{pattern}': {e}"))
                    .with_source(e)
            })?;
        let parts: Vec<&str> = normalized.parts().collect();
        let literal = parts.iter().take_while(|p| !p.contains(META)).count();
        // The last segment is always matched, never listed into.
        let literal = literal.min(parts.len().saturating_sub(1));
        let rest = &parts[literal..];
        let recursive = rest.len() > 1 || rest.iter().any(|p| p.contains("**"));
        let prefix = RemotePath::new(&parts[..literal].join("/"))?;
        Ok(GlobPattern {
            prefix,
            recursive,
            matcher: glob.compile_matcher(),
        })
    }

    /// The folder to list: the pattern's leading segments without wildcards.
    pub fn prefix(&self) -> &RemotePath {
        &self.prefix
    }

    /// Whether matches can lie deeper than directly in
    /// [`prefix`](Self::prefix).
    pub fn is_recursive(&self) -> bool {
        self.recursive
    }

    /// Whether `path` matches.
    pub fn is_match(&self, path: &RemotePath) -> bool {
        self.matcher.is_match(path.as_str())
    }
}

/// Whether `pattern` names no file at all: empty, or only `/` and `.`
/// (the folder itself), which the stores refuse rather than answer with
/// nothing.
pub(crate) fn names_nothing(pattern: &str) -> bool {
    pattern.chars().all(|c| c == '/' || c == '.') && !pattern.contains("..")
}

/// Escapes glob metacharacters in `literal`, so that it matches itself.
pub fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        if META.contains(&c) {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

/// What [`ListOptions::max_depth`] and [`ListOptions::pattern`] keep of a
/// listing of one folder. The stores apply it to whatever the backend
/// returns, so a backend may prune its walk by those options (local does,
/// by depth) but never has to. Error items are always kept.
pub(crate) struct ListFilter {
    /// Bytes of the listed folder's path plus its `/`, cut to get the
    /// relative path.
    skip: usize,
    depth: usize,
    matcher: Option<globset::GlobMatcher>,
}

impl ListFilter {
    /// `None` when the options keep everything the backend returns.
    pub(crate) fn new(dir: &RemotePath, options: &ListOptions) -> Result<Option<Self>> {
        if options.pattern.is_none() && options.max_depth.is_none() {
            return Ok(None);
        }
        let matcher = match &options.pattern {
            Some(pattern) => Some(GlobPattern::new(pattern)?.matcher),
            None => None,
        };
        let skip = if dir.is_root() {
            0
        } else {
            dir.as_str().len() + 1
        };
        Ok(Some(ListFilter {
            skip,
            depth: options.depth_limit(),
            matcher,
        }))
    }

    /// Whether `item` stays in the listing.
    pub(crate) fn keeps(&self, item: &Result<FileInfo>) -> bool {
        let Ok(info) = item else { return true };
        let Some(relative) = info.path.as_str().get(self.skip..) else {
            return true;
        };
        relative.split('/').count() <= self.depth
            && self.matcher.as_ref().is_none_or(|m| m.is_match(relative))
    }
}

/// `glob` for a sync backend: lists the pattern's literal prefix (lazily)
/// and keeps the files that match.
pub fn glob_files(backend: &dyn Backend, pattern: &str) -> Result<FileIter> {
    let glob = GlobPattern::new(pattern)?;
    let files = backend.list_files(
        glob.prefix(),
        &ListOptions::new().recursive(glob.is_recursive()),
    )?;
    Ok(Box::new(files.filter(move |item| match item {
        Ok(info) => glob.is_match(&info.path),
        Err(_) => true,
    })))
}

/// `glob` for an async backend: lists the pattern's literal prefix (as a
/// stream) and keeps the files that match.
pub async fn glob_files_async(backend: &dyn AsyncBackend, pattern: &str) -> Result<FileStream> {
    let glob = GlobPattern::new(pattern)?;
    let files = backend
        .list_files(
            glob.prefix(),
            &ListOptions::new().recursive(glob.is_recursive()),
        )
        .await?;
    Ok(Box::pin(files.filter(move |item| {
        future::ready(match item {
            Ok(info) => glob.is_match(&info.path),
            Err(_) => true,
        })
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> RemotePath {
        RemotePath::new(s).unwrap()
    }

    #[test]
    fn literal_prefix_and_recursion() {
        let g = GlobPattern::new("data/2024/*.csv").unwrap();
        assert_eq!(g.prefix().as_str(), "data/2024");
        assert!(!g.is_recursive());
        let g = GlobPattern::new("data/**/*.csv").unwrap();
        assert_eq!(g.prefix().as_str(), "data");
        assert!(g.is_recursive());
        let g = GlobPattern::new("a/*/b.txt").unwrap();
        assert!(g.is_recursive());
        let g = GlobPattern::new("exact/name.txt").unwrap();
        assert_eq!(g.prefix().as_str(), "exact");
        assert!(g.is_match(&p("exact/name.txt")));
    }

    #[test]
    fn star_stays_in_one_segment() {
        let g = GlobPattern::new("*.txt").unwrap();
        assert!(g.is_match(&p("a.txt")));
        assert!(!g.is_match(&p("sub/a.txt")));
        let g = GlobPattern::new("**/*.txt").unwrap();
        assert!(g.is_match(&p("a.txt")));
        assert!(g.is_match(&p("x/y/a.txt")));
    }

    #[test]
    fn bad_patterns_are_refused_with_the_right_kind() {
        assert_eq!(
            GlobPattern::new("a/[b").unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
        assert_eq!(
            GlobPattern::new("../*").unwrap_err().kind(),
            ErrorKind::InvalidPath
        );
    }

    #[test]
    fn escape_matches_literally() {
        let g = GlobPattern::new(&format!("{}/*", escape("we[i]rd*{x}"))).unwrap();
        assert!(g.is_match(&p("we[i]rd*{x}/f")));
        assert!(!g.is_match(&p("weird/f")));
    }
}
