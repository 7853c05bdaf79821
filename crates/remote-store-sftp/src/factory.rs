//! [`SftpFactory`]: `type = "sftp"` and `sftp://user@host:port/path?…` URLs.

use std::sync::Arc;

use remote_store_core::{
    AnyBackend, BackendFactory, Error, ErrorKind, OptionSpec, Options, Result, UrlParts, UrlTarget,
};

use crate::SftpConfig;

/// Factory of type `sftp`. Option `engine` picks `russh` (native async, the
/// default when compiled in: the faster one) or `ssh2` (sync, libssh2).
#[derive(Debug, Clone, Copy, Default)]
pub struct SftpFactory;

const OPTIONS: &[OptionSpec] = &[
    OptionSpec::required("host", "the server's host name or address"),
    OptionSpec::required("user", "the user name"),
    OptionSpec::optional("port", "the server port (22)"),
    OptionSpec::optional("base_path", "the server folder the store is rooted at"),
    OptionSpec::optional("key_file", "a private key file"),
    OptionSpec::optional("key_passphrase", "the key file's passphrase").secret(),
    OptionSpec::optional("password", "a password").secret(),
    OptionSpec::optional("agent", "true to use the ssh-agent's keys"),
    OptionSpec::optional(
        "host_key_policy",
        "strict (default), accept-new or insecure-accept-any",
    ),
    OptionSpec::optional("known_hosts", "an OpenSSH known_hosts file"),
    OptionSpec::optional(
        "host_key_fingerprint",
        "a pinned SHA256:… host key fingerprint",
    ),
    OptionSpec::optional("connect_timeout_secs", "connect and handshake timeout"),
    OptionSpec::optional("io_timeout_secs", "per-request timeout"),
    OptionSpec::optional("connections", "SSH connections per backend (4)"),
    OptionSpec::optional("cipher", "the one cipher to offer"),
    OptionSpec::optional("engine", "russh (async, default) or ssh2 (sync, libssh2)"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    #[cfg(feature = "russh")]
    Russh,
    #[cfg(feature = "ssh2")]
    Ssh2,
}

fn engine(options: &Options) -> Result<Engine> {
    let invalid = |msg: String| Error::new(ErrorKind::InvalidConfig).with_message(msg);
    match options.get("engine") {
        #[cfg(feature = "russh")]
        None | Some("russh") => Ok(Engine::Russh),
        #[cfg(all(feature = "ssh2", not(feature = "russh")))]
        None => Ok(Engine::Ssh2),
        #[cfg(feature = "ssh2")]
        Some("ssh2") => Ok(Engine::Ssh2),
        #[allow(unreachable_patterns)]
        Some(other @ ("russh" | "ssh2")) => Err(invalid(format!(
            "engine: '{other}' is not compiled in (feature `{other}` of remote-store-sftp)"
        ))),
        Some(other) => Err(invalid(format!(
            "engine: expected russh or ssh2, got '{other}'"
        ))),
        #[allow(unreachable_patterns)]
        None => Err(invalid("engine: none compiled in".into())),
    }
}

impl BackendFactory for SftpFactory {
    fn kind(&self) -> &'static str {
        crate::NAME
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["sftp"]
    }

    fn options(&self) -> &'static [OptionSpec] {
        OPTIONS
    }

    fn validate(&self, options: &Options) -> Result<()> {
        engine(options)?;
        SftpConfig::from_options(options)
            .map(drop)
            .map_err(|e| Error::new(e.kind()).with_message(e.reason()))
    }

    fn build(&self, options: &Options) -> Result<AnyBackend> {
        let config = SftpConfig::from_options(options)?;
        Ok(match engine(options)? {
            #[cfg(feature = "russh")]
            Engine::Russh => AnyBackend::Async(Arc::new(crate::AsyncSftpBackend::new(config)?)),
            #[cfg(feature = "ssh2")]
            Engine::Ssh2 => AnyBackend::Sync(Arc::new(crate::SftpBackend::new(config)?)),
        })
    }

    /// `sftp://user@host:port/srv/data?key_file=…`: the URL path is the
    /// store root, under the server's `/`.
    fn url_target(&self, url: &UrlParts) -> Result<UrlTarget> {
        let missing = |what: &str| {
            Error::new(ErrorKind::InvalidConfig)
                .with_message(format!("{what}: missing (sftp://USER@HOST:PORT/path)"))
        };
        let host = url.host.clone().ok_or_else(|| missing("host"))?;
        let user = url.user.clone().ok_or_else(|| missing("user"))?;
        let mut options = Options::new()
            .with("host", host)
            .with("user", user)
            .with("base_path", "/");
        if let Some(port) = url.port {
            options.set("port", port.to_string());
        }
        for (k, v) in &url.query {
            options.set(k.clone(), v.clone());
        }
        Ok(UrlTarget {
            options,
            root: url.path.clone(),
        })
    }
}
