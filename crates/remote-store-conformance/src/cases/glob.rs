//! `glob`.

use bytes::Bytes;
use remote_store_core::ErrorKind;

use super::{expect_err, ok, paths};
use crate::face::Subject;

/// `*` stays in a segment, `**` spans depth, `?` and classes work, and a
/// malformed pattern, or one naming the folder itself (empty, `/`, `.`),
/// is `InvalidArgument`.
pub async fn glob_matches(s: Subject) {
    need!(s, Write, Glob);
    for p in [
        "g/a.txt",
        "g/b.csv",
        "g/sub/c.txt",
        "g/sub/deep/d.txt",
        "h/e.txt",
    ] {
        ok(s.write(p, Bytes::from("x"), false).await, "write");
    }
    let cases: [(&str, &[&str]); 6] = [
        ("g/*.txt", &["g/a.txt"]),
        (
            "g/**/*.txt",
            &["g/a.txt", "g/sub/c.txt", "g/sub/deep/d.txt"],
        ),
        ("g/?.csv", &["g/b.csv"]),
        ("g/sub/*", &["g/sub/c.txt"]),
        ("*/e.[tx]xt", &["h/e.txt"]),
        ("g/*.none", &[]),
    ];
    for (pattern, want) in cases {
        assert_eq!(
            paths(&ok(s.glob(pattern).await, pattern)),
            want,
            "{pattern}"
        );
    }
    expect_err(
        s.glob("g/[").await,
        ErrorKind::InvalidArgument,
        "bad pattern",
    );
    expect_err(
        s.glob("../*").await,
        ErrorKind::InvalidPath,
        "escaping pattern",
    );
    // Patterns that name the folder itself match no file: refused, not
    // answered with nothing.
    for pattern in ["", "/", ".", "./"] {
        expect_err(s.glob(pattern).await, ErrorKind::InvalidArgument, pattern);
    }
}
