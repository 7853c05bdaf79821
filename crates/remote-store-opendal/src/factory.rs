//! [`OpendalFactory`]: `type = "opendal"` with `scheme` and the service's
//! options, and the URL schemes `webdav://`, `webdavs://`, `gcs://`,
//! `http://`, `https://` (read-only).

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, Capabilities, Capability, Error, ErrorKind, OptionSpec, Options,
    Result, UrlParts, UrlTarget,
};

use crate::OpendalBackend;

/// Factory of type `opendal`: option `scheme` names the OpenDAL service
/// (`webdav`, `gcs`, `http`, `ftp`, `fs`, `s3`, `memory`; each compiled in
/// by its feature), the other options are that service's (a key another
/// service takes is refused, naming it).
#[derive(Debug, Clone, Copy, Default)]
pub struct OpendalFactory;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::required(
        "scheme",
        "the OpenDAL service: webdav, gcs, http, ftp, fs, s3, memory",
    ),
    OptionSpec::optional(
        "root",
        "the folder or key prefix of the service the backend is rooted at",
    ),
    OptionSpec::optional("endpoint", "the service's URL (webdav, http, ftp, gcs, s3)"),
    OptionSpec::optional("username", "a user name (webdav, http, ftp)"),
    OptionSpec::optional("password", "a password (webdav, http, ftp)").secret(),
    OptionSpec::optional("token", "a bearer token (webdav, http, gcs)").secret(),
    OptionSpec::optional("bucket", "a bucket (gcs, s3)"),
    OptionSpec::optional("credential", "a base64 service-account key (gcs)").secret(),
    OptionSpec::optional("credential_path", "a service-account key file (gcs)"),
    OptionSpec::optional(
        "service_account",
        "the service account whose token the GCE metadata server gives (gcs)",
    ),
    OptionSpec::optional(
        "scope",
        "the OAuth scope of the token (gcs; read-write by default)",
    ),
    OptionSpec::optional(
        "predefined_acl",
        "the ACL of written objects, e.g. projectPrivate (gcs)",
    ),
    OptionSpec::optional(
        "default_storage_class",
        "the storage class of written objects (gcs, s3)",
    ),
    OptionSpec::optional("skip_signature", "true to send unsigned requests (gcs, s3)"),
    OptionSpec::optional(
        "allow_anonymous",
        "true to go on unsigned when no credentials are found (gcs, s3)",
    ),
    OptionSpec::optional(
        "disable_vm_metadata",
        "true not to ask the GCE metadata server for credentials (gcs)",
    ),
    OptionSpec::optional(
        "disable_config_load",
        "true not to read credentials from the environment (gcs, s3)",
    ),
    OptionSpec::optional("region", "a region (s3)"),
    OptionSpec::optional("access_key_id", "an access key id (s3)"),
    OptionSpec::optional("secret_access_key", "a secret access key (s3)").secret(),
    OptionSpec::optional(
        "session_token",
        "a session token of temporary credentials (s3)",
    )
    .secret(),
    OptionSpec::optional(
        "enable_virtual_host_style",
        "true for bucket.endpoint URLs instead of endpoint/bucket (s3)",
    ),
    OptionSpec::optional(
        "disable_create_dir",
        "true not to create parent folders before a write (webdav; servers without PROPFIND)",
    ),
    OptionSpec::optional(
        "without",
        "capabilities this server does not keep, comma-separated (e.g. exclusive_write)",
    ),
    OptionSpec::optional(
        "one_shot_writes",
        "true to send every write in one request (a server without multipart)",
    ),
    OptionSpec::optional(
        "one_shot_limit",
        "the largest write, in bytes, sent in one request (held in memory; 268435456)",
    ),
];

/// Our options that are not the service's.
const OURS: &[&str] = &["scheme", "without", "one_shot_writes", "one_shot_limit"];

/// The service options each scheme takes.
fn service_keys(scheme: &str) -> Option<&'static [&'static str]> {
    Some(match scheme {
        "webdav" => &[
            "root",
            "endpoint",
            "username",
            "password",
            "token",
            "disable_create_dir",
        ],
        "http" => &["root", "endpoint", "username", "password", "token"],
        "ftp" => &["root", "endpoint", "username", "password"],
        "gcs" => &[
            "root",
            "endpoint",
            "bucket",
            "credential",
            "credential_path",
            "service_account",
            "scope",
            "token",
            "predefined_acl",
            "default_storage_class",
            "skip_signature",
            "allow_anonymous",
            "disable_vm_metadata",
            "disable_config_load",
        ],
        "s3" => &[
            "root",
            "endpoint",
            "bucket",
            "region",
            "access_key_id",
            "secret_access_key",
            "session_token",
            "default_storage_class",
            "enable_virtual_host_style",
            "skip_signature",
            "allow_anonymous",
            "disable_config_load",
        ],
        "fs" | "memory" => &["root"],
        _ => return None,
    })
}

/// The options a scheme cannot go without (OpenDAL's builder refuses
/// the service otherwise; `validate` says so before any build).
fn required_keys(scheme: &str) -> &'static [&'static str] {
    match scheme {
        "webdav" | "http" | "ftp" => &["endpoint"],
        "gcs" | "s3" => &["bucket"],
        "fs" => &["root"],
        _ => &[],
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidConfig).with_message(message)
}

/// The scheme, checked to be known here and compiled in, and the
/// service's own options (in OpenDAL's names), checked to be its own and
/// complete.
fn service(options: &Options) -> Result<(&str, Vec<(String, String)>)> {
    let scheme = options.require("scheme")?;
    if service_keys(scheme).is_none() {
        return Err(invalid(format!(
            "scheme: '{scheme}' is not an OpenDAL service this backend takes \
             (webdav, gcs, http, ftp, fs, s3, memory)"
        )));
    }
    let pairs = service_options(scheme, options)?;
    if let Some(endpoint) = options.get("endpoint")
        && scheme != "ftp"
        && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
    {
        return Err(invalid(format!(
            "endpoint: expected an http:// or https:// URL, got '{endpoint}'"
        )));
    }
    opendal::install_default();
    if !opendal::OperatorRegistry::get().schemes().contains(scheme) {
        return Err(invalid(format!(
            "scheme: '{scheme}' is not compiled in (feature `opendal-{scheme}` of remote-store)"
        )));
    }
    Ok((scheme, pairs))
}

/// The capabilities named by `without`.
fn without(options: &Options) -> Result<Capabilities> {
    let Some(list) = options.get("without") else {
        return Ok(Capabilities::empty());
    };
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            Capability::ALL
                .into_iter()
                .find(|c| c.as_str() == name)
                .ok_or_else(|| invalid(format!("without: '{name}' is not a capability")))
        })
        .collect()
}

/// The service's own options, in OpenDAL's names.
fn service_options(scheme: &str, options: &Options) -> Result<Vec<(String, String)>> {
    let keys = service_keys(scheme).unwrap_or(&[]);
    if let Some(key) = required_keys(scheme)
        .iter()
        .find(|key| options.get(key).is_none())
    {
        return Err(invalid(format!("{key}: the {scheme} service needs it")));
    }
    let mut pairs = Vec::new();
    for (key, value) in options.iter() {
        if OURS.contains(&key) {
            continue;
        }
        if !keys.contains(&key) {
            return Err(invalid(format!(
                "{key}: not an option of the {scheme} service (it takes {})",
                keys.join(", ")
            )));
        }
        // OpenDAL's FTP calls the user name `user`.
        let name = if scheme == "ftp" && key == "username" {
            "user"
        } else {
            key
        };
        pairs.push((name.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

fn backend(options: &Options) -> Result<OpendalBackend> {
    let (scheme, pairs) = service(options)?;
    let removed = without(options)?;
    let one_shot = options.bool("one_shot_writes")?.unwrap_or(false);
    let limit = options.parse::<u64>("one_shot_limit", "a number of bytes")?;
    let op = opendal::Operator::via_iter(scheme, pairs).map_err(|e| {
        Error::new(ErrorKind::InvalidConfig)
            .with_message(format!("the {scheme} service refused its options: {e}"))
            .with_source(e)
    })?;
    let unnamed = op.info().name().is_empty();
    let mut backend = OpendalBackend::new(op).without(removed);
    if unnamed && let Some(endpoint) = options.get("endpoint") {
        backend = backend.with_service_name(endpoint.trim_end_matches('/'));
    }
    if one_shot {
        backend = backend.with_one_shot_writes();
    }
    if let Some(limit) = limit {
        backend = backend.with_one_shot_limit(limit);
    }
    Ok(backend)
}

impl BackendFactory for OpendalFactory {
    fn kind(&self) -> &'static str {
        "opendal"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["webdav", "webdavs", "gcs", "http", "https"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    /// Checks the options without building an operator (no I/O).
    fn validate(&self, options: &Options) -> Result<()> {
        service(options)?;
        without(options)?;
        options.bool("one_shot_writes")?;
        options.parse::<u64>("one_shot_limit", "a number of bytes")?;
        Ok(())
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        Ok(AnyBackend::Async(Arc::new(backend(options)?)))
    }

    /// `webdav://[user@]host[:port]/path` (`webdavs://` over TLS),
    /// `gcs://bucket/path`, `http(s)://host[:port]/path` (read-only); the
    /// path is the store's root, query parameters are options.
    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        let host = url
            .host
            .clone()
            .ok_or_else(|| invalid(format!("{}: the URL names no host", url.scheme)))?;
        let mut options = Options::new();
        let server = |tls: bool| {
            let port = url.port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{host}{port}", if tls { "https" } else { "http" })
        };
        match url.scheme.as_str() {
            "webdav" | "webdavs" => {
                options.set("scheme", "webdav");
                options.set("endpoint", server(url.scheme == "webdavs"));
                if let Some(user) = &url.user {
                    options.set("username", user.clone());
                }
            }
            "http" | "https" => {
                url.refuse_parts(&["user"], "http(s)://host:port/path")?;
                options.set("scheme", "http");
                options.set("endpoint", server(url.scheme == "https"));
            }
            "gcs" => {
                url.refuse_parts(&["user", "port"], "gcs://BUCKET/path?endpoint=…")?;
                options.set("scheme", "gcs");
                options.set("bucket", host);
            }
            other => return Err(invalid(format!("{other}: not an OpenDAL URL scheme"))),
        }
        for (key, value) in &url.query {
            // What the URL's own parts say is not overridden by a query
            // (its path is the store's root).
            if options.get(key).is_some() || key == "scheme" || key == "root" {
                return Err(invalid(format!("{key}: given by the URL itself")));
            }
            // As everywhere: secrets are not read from URLs (shell
            // histories, logs); a configuration file takes them.
            if OPTIONS.iter().any(|o| o.name == key.as_str() && o.secret) {
                return Err(Error::new(ErrorKind::InvalidArgument).with_message(format!(
                    "{key}: secrets are not read from URLs; put it in a configuration file"
                )));
            }
            options.set(key.clone(), value.clone());
        }
        Ok(UrlTarget {
            options,
            root: url.path.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Options {
        let mut o = Options::new();
        for (k, v) in pairs {
            o.set(*k, *v);
        }
        o
    }

    #[test]
    fn a_key_of_another_service_is_named() {
        let e = OpendalFactory
            .validate(&options(&[("scheme", "memory"), ("bucket", "b")]))
            .expect_err("memory takes no bucket");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.reason().contains("bucket"), "{e}");
    }

    #[test]
    fn a_missing_required_key_is_named() {
        for (scheme, key) in [
            ("webdav", "endpoint"),
            ("http", "endpoint"),
            ("ftp", "endpoint"),
            ("gcs", "bucket"),
            ("s3", "bucket"),
            ("fs", "root"),
        ] {
            let e = OpendalFactory
                .validate(&options(&[("scheme", scheme)]))
                .expect_err("a required key is missing");
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{scheme}: {e}");
            assert!(e.reason().starts_with(key), "{scheme}: {e}");
        }
    }

    #[test]
    fn an_endpoint_without_a_scheme_is_named() {
        let e = OpendalFactory
            .validate(&options(&[
                ("scheme", "webdav"),
                ("endpoint", "127.0.0.1:9400"),
            ]))
            .expect_err("no http:// scheme");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.reason().starts_with("endpoint"), "{e}");
    }

    #[test]
    fn a_url_query_cannot_move_the_root() {
        let mut url = UrlParts::default();
        url.scheme = "webdav".into();
        url.host = Some("dav.example".into());
        url.path = "/team".into();
        url.query = [("root".to_owned(), "/elsewhere".to_owned())].into();
        let e = OpendalFactory
            .url_target(&url)
            .expect_err("the path is the root");
        assert!(e.reason().starts_with("root"), "{e}");
    }

    #[test]
    fn unknown_schemes_and_capabilities_are_named() {
        let e = OpendalFactory
            .validate(&options(&[("scheme", "nope")]))
            .expect_err("no such service");
        assert!(e.reason().contains("nope"), "{e}");
        let e = OpendalFactory
            .validate(&options(&[
                ("scheme", "memory"),
                ("without", "exclusive_write,nope"),
            ]))
            .expect_err("no such capability");
        assert!(e.reason().contains("nope"), "{e}");
    }

    #[test]
    fn memory_builds_and_loses_what_without_names() {
        let o = options(&[("scheme", "memory"), ("without", "atomic_write")]);
        let AnyBackend::Async(backend) = OpendalFactory.build(&o).expect("build") else {
            panic!("OpenDAL backends are async");
        };
        let caps = backend.capabilities();
        assert!(caps.contains(Capability::Write));
        assert!(!caps.contains(Capability::AtomicWrite));
    }

    #[test]
    fn urls_map_to_service_options() {
        let mut url = UrlParts::default();
        url.scheme = "webdavs".into();
        url.user = Some("ann".into());
        url.host = Some("dav.example".into());
        url.port = Some(8443);
        url.path = "/team/docs".into();
        url.query = [("one_shot_limit".to_owned(), "1000".to_owned())].into();
        let target = OpendalFactory.url_target(&url).expect("webdav URL");
        assert_eq!(target.options.get("scheme"), Some("webdav"));
        assert_eq!(
            target.options.get("endpoint"),
            Some("https://dav.example:8443")
        );
        assert_eq!(target.options.get("username"), Some("ann"));
        assert_eq!(target.root, "/team/docs");
        let mut gcs = UrlParts::default();
        gcs.scheme = "gcs".into();
        gcs.host = Some("lake".into());
        gcs.port = Some(1);
        gcs.path = "/".into();
        assert!(
            OpendalFactory.url_target(&gcs).is_err(),
            "a port on gcs:// is refused"
        );
    }
}
