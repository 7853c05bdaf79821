//! Opening stores from URLs: `memory://`, `file:///var/data`,
//! `s3://bucket/prefix?region=…`, `az://container/prefix`,
//! `sftp://user@host:port/path`.

use remote_store_core::{AnyBackend, AsyncStore, Error, ErrorKind, Result, Store, UrlParts};

use std::sync::OnceLock;

use crate::layers_config::{LayersConfig, Stack};
use crate::registry::{factory_for_scheme, no_factory};

/// URL schemes this crate knows, and the backend type of each.
const SCHEMES: [(&str, &str); 12] = [
    ("memory", "memory"),
    ("file", "local"),
    ("s3", "s3"),
    ("az", "azure"),
    ("azure", "azure"),
    ("abfs", "azure"),
    ("sftp", "sftp"),
    ("webdav", "opendal"),
    ("webdavs", "opendal"),
    ("gcs", "opendal"),
    ("http", "opendal"),
    ("https", "opendal"),
];

/// Splits `url` into decoded parts.
///
/// The path and the query values are percent-decoded (`%23` is `#`, `%3F`
/// is `?`, `%25` is `%`, `%5C` is `\`; a `+` stays a `+`). Characters a URL
/// parser would silently drop or reinterpret are refused instead, so a name
/// never reaches a store changed: `#` (it would start a fragment), `\`
/// (some schemes read it as `/`), tabs, line breaks and other control
/// characters (WHATWG URL parsers remove them), leading or trailing spaces
/// (trimmed), `..` segments (resolved away), and escapes that decode to
/// bytes that are not UTF-8. The error says how to write the character.
///
/// # Errors
/// `InvalidArgument` when `url` is not a URL or holds one of the characters
/// above unescaped.
pub fn parse(url: &str) -> Result<UrlParts> {
    refuse_reinterpreted(url)?;
    let parsed = ::url::Url::parse(url).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument)
            .with_message(format!("'{}' is not a URL: {e}", redact(url)))
            .with_source(e)
    })?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|d| d.into_owned())
            .map_err(|e| {
                bad(url, format!("'{s}' decodes to bytes that are not UTF-8")).with_source(e)
            })
    };
    if parsed.password().is_some() {
        // The URL is left out of this message: it holds the password.
        return Err(Error::new(ErrorKind::InvalidArgument).with_message(
            "a URL with a password: passwords are not read from URLs (they end up in \
             shell histories and logs); give them as options of a configuration file",
        ));
    }
    let mut parts = UrlParts::default();
    parts.scheme = parsed.scheme().to_owned();
    parts.user = Some(parsed.username())
        .filter(|u| !u.is_empty())
        .map(decode)
        .transpose()?;
    parts.host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .map(decode)
        .transpose()?;
    parts.port = parsed.port();
    parts.path = decode(parsed.path())?;
    if parts.path.contains('\\') {
        // Decoded from %5C: a name cannot hold it, and taking it for the
        // separator would reach another key than the one written.
        return Err(bad(
            url,
            "'%5C' decodes to '\\', which separates folders in store paths: a name \
             cannot hold it (write '/' for a folder)",
        ));
    }
    for pair in parsed.query().unwrap_or_default().split('&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key)?;
        if parts.query.insert(key.clone(), decode(value)?).is_some() {
            return Err(bad(url, format!("option '{key}' is given twice")));
        }
    }
    Ok(parts)
}

/// `url` fit to show: the values of options that look secret
/// (`secret_access_key`, `sas_token`, `password`, …) are replaced by `***`.
/// Every message that quotes a URL shows it through this.
pub fn redact(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if crate::config::looks_secret(&decode_lossy(key)) => {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

fn decode_lossy(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn bad(url: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidArgument).with_message(format!("'{}': {why}", redact(url)))
}

/// Refuses what a URL parser would drop or reinterpret without a word.
fn refuse_reinterpreted(url: &str) -> Result<()> {
    if let Some(c) = url.chars().find(|c| c.is_control()) {
        return Err(bad(
            url,
            format!(
                "holds the control character {c:?}, which URL parsers drop; \
                 write it percent-encoded (%{:02X})",
                u32::from(c)
            ),
        ));
    }
    if url.trim() != url {
        return Err(bad(
            url,
            "starts or ends with a space, which URL parsers trim; write %20",
        ));
    }
    if url.contains('#') {
        return Err(bad(
            url,
            "'#' would start a URL fragment, which no store reads; \
             write %23 for a '#' in a name",
        ));
    }
    if url.contains('\\') {
        return Err(bad(
            url,
            "'\\' is read as '/' by some URL schemes, and separates folders in store \
             paths: a name cannot hold it",
        ));
    }
    if url.ends_with('?') {
        return Err(bad(
            url,
            "a '?' with no options after it; write %3F for a '?' in a name",
        ));
    }
    // The path: after `scheme://authority`, up to the query.
    let after_scheme = url.split_once(':').map_or(url, |(_, rest)| rest);
    let path = match after_scheme.strip_prefix("//") {
        Some(rest) => &rest[rest.find(['/', '?']).unwrap_or(rest.len())..],
        None => after_scheme,
    };
    let path = path.split('?').next().unwrap_or_default();
    let dot_dot = path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase().replace("%2e", ".");
        lower == ".."
    });
    if dot_dot {
        return Err(bad(
            url,
            "'..' segments are resolved away by URL parsers and never reach \
             a store; name the folder you mean",
        ));
    }
    Ok(())
}

/// What a URL names: a backend (created now, not shared), the store root
/// inside it, and the layers its options ask for.
#[derive(Debug)]
#[non_exhaustive]
pub struct Resolved {
    /// The backend.
    pub backend: AnyBackend,
    /// The store root inside the backend.
    pub root: String,
    /// The layers of the URL's `retry.*`, `timeout.*`, `limits.*`, `trace`
    /// and `metrics` options ([`LayersConfig::take_url_options`]); read
    /// when the first store is made.
    pub layers: LayersConfig,
    /// The layers, built at the first store, so that every store made from
    /// this share the limits. (Each `resolve`, and so each `Store::open`,
    /// has limits of its own: share one [`Resolved`], a registry backend,
    /// or a limit layer built in code, for a shared limit.)
    stack: OnceLock<Stack>,
}

impl Resolved {
    /// The sync store at the root, with the layers.
    ///
    /// # Errors
    /// `InvalidPath` for a root that is not a valid store path.
    pub fn store(&self) -> Result<Store> {
        self.stack().apply(self.backend.store()).child(&self.root)
    }

    /// The async store at the root, with the layers.
    ///
    /// # Errors
    /// As for [`store`](Self::store).
    pub fn async_store(&self) -> Result<AsyncStore> {
        self.stack()
            .apply(self.backend.async_store())
            .child(&self.root)
    }

    fn stack(&self) -> &Stack {
        self.stack.get_or_init(|| Stack::new(self.layers.clone()))
    }
}

/// The backend, store root and layers a URL names.
///
/// Besides the backend's own options, a URL takes the layer options of
/// [`LayersConfig::take_url_options`]:
/// `s3://lake/raw?retry.attempts=5&timeout.stall=30&trace=true`.
///
/// # Errors
/// `InvalidArgument` for a malformed URL or an unknown scheme;
/// `InvalidConfig` for a scheme whose backend feature is off (the message
/// names the feature), bad options, or layer options without the `layers`
/// feature.
pub fn resolve(url: &str) -> Result<Resolved> {
    resolve_parts(&parse(url)?).map_err(|e| {
        let message = e.reason();
        Error::new(e.kind())
            .with_message(format!("{}: {message}", redact(url)))
            .with_source(e)
    })
}

/// [`resolve`] for a URL already split into parts.
pub fn resolve_parts(parts: &UrlParts) -> Result<Resolved> {
    let mut parts = parts.clone();
    let layers = LayersConfig::take_url_options(&mut parts.query)?;
    if !layers.is_empty() && !cfg!(feature = "layers") {
        return Err(Error::new(ErrorKind::InvalidConfig).with_message(
            "layer options (retry.*, timeout.*, limits.*, trace, metrics) need the `layers` \
             feature of the remote-store crate",
        ));
    }
    let url = format!("{}://", parts.scheme);
    let url = url.as_str();
    let factory = factory_for_scheme(&parts.scheme).ok_or_else(|| {
        match SCHEMES.iter().find(|(s, _)| *s == parts.scheme) {
            Some((_, kind)) => Error::new(ErrorKind::InvalidConfig).with_message(no_factory(kind)),
            None => Error::new(ErrorKind::InvalidArgument)
                .with_message(format!("unknown URL scheme '{}'", redact(url))),
        }
    })?;
    let mut target = factory.url_target(&parts)?;
    target.options.check(factory.options()).map_err(|e| {
        // The likeliest cause of an unknown option in a URL is a `?` meant
        // as part of a name.
        let message = e.reason();
        Error::new(e.kind()).with_message(format!(
            "{message} (in a URL, '?' starts the options; write %3F for a '?' in a name)"
        ))
    })?;
    crate::layers_config::one_place(&layers, factory.options(), &mut target.options);
    factory.validate(&target.options)?;
    Ok(Resolved {
        backend: factory.build(&target.options)?,
        root: target.root,
        layers,
        stack: OnceLock::new(),
    })
}

/// Opens a URL as a store: `Store::open` and `AsyncStore::open`.
pub trait OpenUrl: Sized {
    /// The store a URL names, on a backend of its own, with the layers its
    /// options ask for ([`resolve`]).
    ///
    /// ```
    /// use remote_store::{OpenUrl, Store};
    /// let store = Store::open("memory:///scratch")?;
    /// store.write_bytes("a.txt", "hi", false)?;
    /// assert_eq!(store.root().as_str(), "scratch");
    /// # Ok::<(), remote_store::Error>(())
    /// ```
    ///
    /// # Errors
    /// As for [`resolve`].
    fn open(url: &str) -> Result<Self>;
}

impl OpenUrl for Store {
    fn open(url: &str) -> Result<Self> {
        resolve(url)?.store()
    }
}

impl OpenUrl for AsyncStore {
    fn open(url: &str) -> Result<Self> {
        resolve(url)?.async_store()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL_SCHEMES: [&str; 11] = [
        "memory", "file", "s3", "az", "azure", "abfs", "sftp", "http", "webdav", "gcs", "other",
    ];

    /// Every byte of `name` percent-encoded but letters and digits.
    fn encode(name: &str) -> String {
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    fn url(scheme: &str, path: &str) -> String {
        format!("{scheme}://host/dir/{path}")
    }

    #[test]
    fn every_reinterpreted_character_is_refused_with_its_escape() {
        let cases = [
            ("#", "%23"),
            ("\\", "cannot hold it"),
            ("\t", "%09"),
            ("\n", "%0A"),
            ("\r", "%0D"),
            ("\u{7f}", "%7F"),
        ];
        for scheme in ALL_SCHEMES {
            for (raw, escape) in cases {
                let e = parse(&url(scheme, &format!("report{raw}2.txt"))).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{scheme} {raw:?}");
                assert!(e.to_string().contains(escape), "{scheme} {raw:?}: {e}");
            }
            for spaced in [
                format!(" {}", url(scheme, "x")),
                format!("{} ", url(scheme, "x")),
            ] {
                let e = parse(&spaced).unwrap_err();
                assert!(e.to_string().contains("%20"), "{scheme} {spaced:?}: {e}");
            }
            for dots in ["..", "%2e%2E", ".%2E", "%2e."] {
                let e = parse(&url(scheme, &format!("{dots}/x"))).unwrap_err();
                assert!(e.to_string().contains("'..'"), "{scheme} {dots}: {e}");
            }
        }
        let e = parse("file:///tmp/t/report#2.txt").unwrap_err();
        assert!(e.to_string().contains("write %23"), "{e}");
    }

    #[test]
    fn ordinary_specials_arrive_intact() {
        for scheme in ALL_SCHEMES {
            for name in [
                "a+b", "a b", "a@b", "a;b", "a=b", "a&b", "a:b", "a%zz", "é", "a,b", "a'b",
            ] {
                let parts = parse(&url(scheme, name)).unwrap();
                assert_eq!(parts.path, format!("/dir/{name}"), "{scheme}");
            }
        }
        let parts = parse("s3://b/k?key_file=/a+b%26c&x=%3D").unwrap();
        assert_eq!(parts.query["key_file"], "/a+b&c");
        assert_eq!(parts.query["x"], "=");
        let e = parse("s3://b/k?region=a&region=b").unwrap_err();
        assert!(e.to_string().contains("'region' is given twice"), "{e}");
    }

    #[test]
    fn parts_a_backend_does_not_use_are_refused() {
        let e = parse("sftp://me:hunter2@host/x").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        #[cfg(feature = "memory")]
        for url in ["memory://name/x", "memory://u@/x", "memory:///x?nope=1"] {
            let e = resolve(url).unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::InvalidArgument | ErrorKind::InvalidConfig
                ),
                "{url}: {e}"
            );
        }
    }

    #[test]
    fn an_escaped_backslash_is_refused_not_taken_for_a_separator() {
        for url in ["s3://b/a%5Cb", "file:///tmp/x%5cy", "sftp://h/a%5C"] {
            let e = parse(url).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{url}");
            assert!(e.to_string().contains("%5C"), "{e}");
        }
    }

    #[test]
    fn secret_options_never_show_in_messages() {
        let secret = "secret_access_key=SEKRET&sas_token=T0KEN&account_key=K3Y";
        for url in [
            format!("s3://b/a/../k?{secret}"),
            format!("s3://b/k#frag?{secret}"),
            format!("s3://b/a\\b?{secret}"),
            format!("s3://b/caf%E9?{secret}"),
            format!("s3://b/k?region=a&region=b&{secret}"),
            format!("nope://b/k?{secret}"),
            format!("s3://b/k?unknown_option=1&{secret}"),
            format!("s3:/one-slash?{secret}"),
        ] {
            let message = match resolve(&url) {
                Ok(_) => continue,
                Err(e) => format!("{e} {e:?}"),
            };
            for value in ["SEKRET", "T0KEN", "K3Y"] {
                assert!(!message.contains(value), "{url}: {message}");
            }
        }
        assert_eq!(
            redact("s3://b/k?region=x&secret_access_key=S&session_token=T"),
            "s3://b/k?region=x&secret_access_key=***&session_token=***"
        );
    }

    #[test]
    fn escapes_that_are_not_utf8_are_refused() {
        let e = parse("s3://b/caf%E9").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }

    #[cfg(feature = "memory")]
    #[test]
    fn a_question_mark_in_a_name_says_how_to_escape_it() {
        let e = resolve("memory:///what?.txt").unwrap_err();
        assert!(e.to_string().contains("write %3F"), "{e}");
        let e = resolve("memory:///what?").unwrap_err();
        assert!(e.to_string().contains("write %3F"), "{e}");
        let resolved = resolve("memory:///what%3F.txt").unwrap();
        assert_eq!(resolved.root, "/what?.txt");
    }

    proptest! {
        /// Any name, written percent-encoded, reaches the path unchanged on
        /// every scheme (`.` and `..` segments aside: paths refuse or drop
        /// them anyway; and `\`, which is refused, see above).
        #[test]
        fn encoded_names_round_trip(name in "[^/\\\\]{1,40}(/[^/\\\\]{1,20}){0,3}") {
            prop_assume!(name.split('/').all(|s| s != "." && s != ".."));
            let encoded: Vec<String> = name.split('/').map(encode).collect();
            for scheme in ALL_SCHEMES {
                let parts = parse(&url(scheme, &encoded.join("/"))).unwrap();
                prop_assert_eq!(&parts.path, &format!("/dir/{name}"));
            }
        }

        /// Written raw, a name either arrives unchanged or is refused with
        /// an `InvalidArgument` naming the escape; never another name.
        /// (`%` and `?` are the escape and the option marker, so the raw
        /// test leaves them out.)
        #[test]
        fn raw_names_arrive_intact_or_are_refused(name in "[^/%?]{1,40}") {
            prop_assume!(name != "." && name != "..");
            for scheme in ALL_SCHEMES {
                match parse(&url(scheme, &name)) {
                    Ok(parts) => prop_assert_eq!(&parts.path, &format!("/dir/{name}")),
                    Err(e) => {
                        prop_assert_eq!(e.kind(), ErrorKind::InvalidArgument);
                        let text = e.to_string();
                        prop_assert!(text.contains("write") || text.contains("cannot hold it") || text.contains("not a URL"), "{}", text);
                    }
                }
            }
        }
    }
}
