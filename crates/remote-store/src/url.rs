//! Opening stores from URLs: `memory://`, `file:///var/data`,
//! `s3://bucket/prefix?region=…`, `az://container/prefix`,
//! `sftp://user@host:port/path`.

use remote_store_core::{AnyBackend, AsyncStore, Error, ErrorKind, Result, Store, UrlParts};

use crate::registry::{factory_for_scheme, no_factory};

/// URL schemes this crate knows, and the backend type of each.
const SCHEMES: [(&str, &str); 7] = [
    ("memory", "memory"),
    ("file", "local"),
    ("s3", "s3"),
    ("az", "azure"),
    ("azure", "azure"),
    ("abfs", "azure"),
    ("sftp", "sftp"),
];

/// Splits `url` into decoded parts.
///
/// # Errors
/// `InvalidArgument` when `url` is not a URL.
pub fn parse(url: &str) -> Result<UrlParts> {
    let parsed = ::url::Url::parse(url).map_err(|e| {
        Error::new(ErrorKind::InvalidArgument)
            .with_message(format!("'{url}' is not a URL: {e}"))
            .with_source(e)
    })?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut parts = UrlParts::default();
    parts.scheme = parsed.scheme().to_owned();
    parts.user = Some(parsed.username())
        .filter(|u| !u.is_empty())
        .map(decode);
    parts.host = parsed.host_str().filter(|h| !h.is_empty()).map(decode);
    parts.port = parsed.port();
    parts.path = decode(parsed.path());
    parts.query = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(parts)
}

/// The backend a URL names (created now, not shared) and the store root
/// inside it.
///
/// # Errors
/// `InvalidArgument` for a malformed URL or an unknown scheme;
/// `InvalidConfig` for a scheme whose backend feature is off (the message
/// names the feature) or bad options.
pub fn resolve(url: &str) -> Result<(AnyBackend, String)> {
    resolve_parts(&parse(url)?).map_err(|e| {
        let message = e.message().unwrap_or_default().to_owned();
        Error::new(e.kind())
            .with_message(format!("{url}: {message}"))
            .with_source(e)
    })
}

/// [`resolve`] for a URL already split into parts.
pub fn resolve_parts(parts: &UrlParts) -> Result<(AnyBackend, String)> {
    let url = format!("{}://", parts.scheme);
    let url = url.as_str();
    let factory = factory_for_scheme(&parts.scheme).ok_or_else(|| {
        match SCHEMES.iter().find(|(s, _)| *s == parts.scheme) {
            Some((_, kind)) => Error::new(ErrorKind::InvalidConfig).with_message(no_factory(kind)),
            None => Error::new(ErrorKind::InvalidArgument)
                .with_message(format!("unknown URL scheme '{url}'")),
        }
    })?;
    let mut target = factory.url_target(parts)?;
    target.options.check(factory.options())?;
    factory.validate(&target.options)?;
    Ok((factory.build(&target.options)?, target.root))
}

/// Opens a URL as a store: `Store::open` and `AsyncStore::open`.
pub trait OpenUrl: Sized {
    /// The store a URL names, on a backend of its own.
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
        let (backend, root) = resolve(url)?;
        backend.store().child(root)
    }
}

impl OpenUrl for AsyncStore {
    fn open(url: &str) -> Result<Self> {
        let (backend, root) = resolve(url)?;
        backend.async_store().child(root)
    }
}
