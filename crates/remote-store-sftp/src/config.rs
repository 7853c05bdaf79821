//! [`SftpConfig`]: everything needed to reach an SFTP server, shared by both
//! engines.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use remote_store_core::{Error, ErrorKind, Options, Result};

/// How the client proves who it is.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// A private key file (OpenSSH format: ed25519, RSA, ECDSA), optionally
    /// encrypted with a passphrase.
    KeyFile {
        /// The private key file.
        path: PathBuf,
        /// The passphrase of an encrypted key.
        passphrase: Option<String>,
    },
    /// A password.
    Password(String),
    /// The keys of the running ssh-agent (`SSH_AUTH_SOCK`).
    Agent,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::KeyFile { path, passphrase } => f
                .debug_struct("KeyFile")
                .field("path", path)
                .field("passphrase", &passphrase.as_ref().map(|_| "<redacted>"))
                .finish(),
            Auth::Password(_) => f.write_str("Password(<redacted>)"),
            Auth::Agent => f.write_str("Agent"),
        }
    }
}

/// What to do with the server's host key.
///
/// A key that differs from the one recorded for the host is refused under
/// every policy but [`InsecureAcceptAny`](Self::InsecureAcceptAny).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HostKeyPolicy {
    /// The key must be in `known_hosts` or match the pinned fingerprint;
    /// an unknown key is refused.
    #[default]
    Strict,
    /// Trust on first use: an unknown key is recorded in `known_hosts` and
    /// pinned from then on.
    AcceptNew,
    /// Accept any key, even a changed one. Exposes the connection to a
    /// man in the middle; for throwaway test servers only.
    InsecureAcceptAny,
}

impl HostKeyPolicy {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "strict" => Some(Self::Strict),
            "accept-new" | "accept_new" => Some(Self::AcceptNew),
            "insecure-accept-any" | "insecure_accept_any" => Some(Self::InsecureAcceptAny),
            _ => None,
        }
    }
}

/// SFTP configuration. Secrets (password, key passphrase) are never shown
/// by `Debug`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SftpConfig {
    /// Server host name or address (required).
    pub host: String,
    /// Server port (22).
    pub port: u16,
    /// User name (required).
    pub user: String,
    /// The server folder the store is rooted at: absolute (`/srv/data`) or
    /// relative to the login folder (`data`); empty means the login folder.
    pub base_path: String,
    /// How to authenticate (required).
    pub auth: Option<Auth>,
    /// What to do with the server's host key.
    pub host_key_policy: HostKeyPolicy,
    /// OpenSSH `known_hosts` file (`~/.ssh/known_hosts` when unset).
    pub known_hosts: Option<PathBuf>,
    /// A pinned host key fingerprint, `SHA256:<base64>` as `ssh-keygen -l`
    /// prints it; when set, `known_hosts` is not consulted.
    pub host_key_fingerprint: Option<String>,
    /// Time allowed to connect, exchange keys and authenticate.
    pub connect_timeout: Duration,
    /// Time allowed for one request's reply.
    pub io_timeout: Duration,
    /// SSH connections per backend; callers beyond it share them.
    pub connections: usize,
    /// Ciphers to offer, most preferred first (e.g.
    /// `aes128-gcm@openssh.com`); the engine's defaults when empty.
    pub ciphers: Vec<String>,
}

impl SftpConfig {
    /// A configuration for `user@host:22` with defaults; set an
    /// authentication method before use.
    pub fn new(host: impl Into<String>, user: impl Into<String>) -> Self {
        SftpConfig {
            host: host.into(),
            port: 22,
            user: user.into(),
            base_path: String::new(),
            auth: None,
            host_key_policy: HostKeyPolicy::Strict,
            known_hosts: None,
            host_key_fingerprint: None,
            connect_timeout: Duration::from_secs(30),
            io_timeout: Duration::from_secs(60),
            connections: 4,
            ciphers: Vec::new(),
        }
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Roots the backend at this server folder.
    pub fn base_path(mut self, base_path: impl Into<String>) -> Self {
        self.base_path = base_path.into();
        self
    }

    /// Authenticates with a private key file.
    pub fn key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.auth = Some(Auth::KeyFile {
            path: path.into(),
            passphrase: None,
        });
        self
    }

    /// Authenticates with an encrypted private key file.
    pub fn key_file_with_passphrase(
        mut self,
        path: impl Into<PathBuf>,
        passphrase: impl Into<String>,
    ) -> Self {
        self.auth = Some(Auth::KeyFile {
            path: path.into(),
            passphrase: Some(passphrase.into()),
        });
        self
    }

    /// Authenticates with a password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.auth = Some(Auth::Password(password.into()));
        self
    }

    /// Authenticates with the keys of the running ssh-agent.
    pub fn agent(mut self) -> Self {
        self.auth = Some(Auth::Agent);
        self
    }

    /// Sets the host key policy.
    pub fn host_key_policy(mut self, policy: HostKeyPolicy) -> Self {
        self.host_key_policy = policy;
        self
    }

    /// Uses this `known_hosts` file.
    pub fn known_hosts(mut self, path: impl Into<PathBuf>) -> Self {
        self.known_hosts = Some(path.into());
        self
    }

    /// Pins the host key by fingerprint (`SHA256:…`).
    pub fn host_key_fingerprint(mut self, fingerprint: impl Into<String>) -> Self {
        self.host_key_fingerprint = Some(fingerprint.into());
        self
    }

    /// Sets the connect (and handshake) timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the per-request timeout.
    pub fn io_timeout(mut self, timeout: Duration) -> Self {
        self.io_timeout = timeout;
        self
    }

    /// Sets how many SSH connections the backend keeps.
    pub fn connections(mut self, connections: usize) -> Self {
        self.connections = connections;
        self
    }

    /// Offers only this cipher (e.g. `aes128-gcm@openssh.com`).
    pub fn cipher(mut self, cipher: impl Into<String>) -> Self {
        self.ciphers = vec![cipher.into()];
        self
    }

    /// The `known_hosts` file in use.
    pub fn known_hosts_path(&self) -> PathBuf {
        self.known_hosts.clone().unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/".into());
            PathBuf::from(home).join(".ssh/known_hosts")
        })
    }

    /// Checks every field; errors name the field.
    ///
    /// # Errors
    /// `InvalidConfig`.
    pub fn validate(&self) -> Result<()> {
        let invalid = |msg: String| {
            Error::new(ErrorKind::InvalidConfig)
                .with_backend(crate::NAME)
                .with_message(msg)
        };
        if self.host.is_empty() {
            return Err(invalid("host: missing".into()));
        }
        if self
            .host
            .contains(|c: char| c.is_whitespace() || c == '/' || c == '@')
        {
            return Err(invalid(format!(
                "host: expected a host name or address, got '{}'",
                self.host
            )));
        }
        if self.port == 0 {
            return Err(invalid("port: expected 1-65535".into()));
        }
        if self.user.is_empty() {
            return Err(invalid("user: missing".into()));
        }
        if self.base_path.contains('\0') {
            return Err(invalid("base_path: contains a NUL byte".into()));
        }
        match &self.auth {
            None => {
                return Err(invalid(
                    "auth: missing (a key file, a password or the agent)".into(),
                ));
            }
            Some(Auth::KeyFile { path, .. }) if !path.is_file() => {
                return Err(invalid(format!(
                    "key_file: no such file '{}'",
                    path.display()
                )));
            }
            Some(_) => {}
        }
        if let Some(fp) = &self.host_key_fingerprint
            && crate::hostkey::parse_fingerprint(fp).is_none()
        {
            return Err(invalid(format!(
                "host_key_fingerprint: expected SHA256:<base64> as ssh-keygen -l prints it, got '{fp}'"
            )));
        }
        if self.connect_timeout.is_zero() || self.io_timeout.is_zero() {
            return Err(invalid(
                "connect_timeout/io_timeout: must be above zero".into(),
            ));
        }
        if self.connections == 0 || self.connections > 64 {
            return Err(invalid("connections: expected 1-64".into()));
        }
        if self.ciphers.iter().any(|c| c.is_empty() || c.contains(',')) {
            return Err(invalid("cipher: expected one cipher name".into()));
        }
        Ok(())
    }

    /// Reads the configuration from factory options (keys as the fields;
    /// `key_file` + `key_passphrase`, `password` or `agent = true`).
    ///
    /// # Errors
    /// `InvalidConfig`, naming the option.
    pub fn from_options(options: &Options) -> Result<Self> {
        let mut c = SftpConfig::new(options.require("host")?, options.require("user")?);
        if let Some(port) = options.parse("port", "a port number")? {
            c.port = port;
        }
        c.base_path = options.get("base_path").unwrap_or_default().to_owned();
        let agent = options.bool("agent")?.unwrap_or(false);
        c.auth = match (options.get("key_file"), options.get("password"), agent) {
            (Some(path), None, false) => Some(Auth::KeyFile {
                path: path.into(),
                passphrase: options.get("key_passphrase").map(str::to_owned),
            }),
            (None, Some(password), false) => Some(Auth::Password(password.to_owned())),
            (None, None, true) => Some(Auth::Agent),
            (None, None, false) => None,
            _ => {
                return Err(Error::new(ErrorKind::InvalidConfig).with_message(
                    "auth: set one of key_file, password or agent = true, not several",
                ));
            }
        };
        if let Some(policy) = options.get("host_key_policy") {
            c.host_key_policy = HostKeyPolicy::parse(policy).ok_or_else(|| {
                Error::new(ErrorKind::InvalidConfig).with_message(format!(
                    "host_key_policy: expected strict, accept-new or insecure-accept-any, got '{policy}'"
                ))
            })?;
        }
        c.known_hosts = options.get("known_hosts").map(PathBuf::from);
        c.host_key_fingerprint = options.get("host_key_fingerprint").map(str::to_owned);
        let secs = |key| options.parse::<f64>(key, "a number of seconds");
        if let Some(s) = secs("connect_timeout_secs")? {
            c.connect_timeout = seconds(s, "connect_timeout_secs")?;
        }
        if let Some(s) = secs("io_timeout_secs")? {
            c.io_timeout = seconds(s, "io_timeout_secs")?;
        }
        if let Some(n) = options.parse("connections", "a number of connections")? {
            c.connections = n;
        }
        if let Some(cipher) = options.get("cipher") {
            c.ciphers = vec![cipher.to_owned()];
        }
        c.validate()?;
        Ok(c)
    }
}

fn seconds(s: f64, key: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(s).map_err(|_| {
        Error::new(ErrorKind::InvalidConfig)
            .with_message(format!("{key}: expected a positive number of seconds"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> tempfile::NamedTempFile {
        tempfile::NamedTempFile::new().unwrap()
    }

    #[test]
    fn invalid_fields_are_named() {
        let k = key();
        let ok = SftpConfig::new("h", "u").key_file(k.path());
        ok.validate().unwrap();
        let cases = [
            (SftpConfig::new("", "u").password("p"), "host: missing"),
            (SftpConfig::new("a b", "u").password("p"), "host: expected"),
            (SftpConfig::new("h", "").password("p"), "user: missing"),
            (SftpConfig::new("h", "u"), "auth: missing"),
            (ok.clone().port(0), "port:"),
            (
                SftpConfig::new("h", "u").key_file("/nonexistent/key"),
                "key_file: no such file",
            ),
            (
                ok.clone().host_key_fingerprint("MD5:aa"),
                "host_key_fingerprint:",
            ),
            (ok.clone().connections(0), "connections:"),
            (ok.clone().io_timeout(Duration::ZERO), "io_timeout"),
            (ok.clone().cipher("a,b"), "cipher:"),
        ];
        for (config, want) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(err.to_string().contains(want), "{err} (wanted {want})");
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let shown = format!("{:?}", SftpConfig::new("h", "u").password("hunter2-secret"));
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        let shown = format!(
            "{:?}",
            SftpConfig::new("h", "u").key_file_with_passphrase("/k", "pass-secret")
        );
        assert!(
            !shown.contains("pass-secret") && shown.contains("/k"),
            "{shown}"
        );
    }

    #[test]
    fn options_round_trip() {
        let k = key();
        let path = k.path().display().to_string();
        let options = Options::new()
            .with("host", "example.org")
            .with("user", "alice")
            .with("port", "2222")
            .with("base_path", "/srv")
            .with("key_file", path.clone())
            .with("key_passphrase", "pp")
            .with("host_key_policy", "accept-new")
            .with("known_hosts", "/tmp/kh")
            .with("connect_timeout_secs", "2.5")
            .with("connections", "2")
            .with("cipher", "aes128-gcm@openssh.com");
        let c = SftpConfig::from_options(&options).unwrap();
        assert_eq!(
            (c.port, c.base_path.as_str(), c.connections),
            (2222, "/srv", 2)
        );
        assert_eq!(c.host_key_policy, HostKeyPolicy::AcceptNew);
        assert_eq!(c.connect_timeout, Duration::from_millis(2500));
        assert_eq!(
            c.auth,
            Some(Auth::KeyFile {
                path: path.into(),
                passphrase: Some("pp".into())
            })
        );
        let both = Options::new()
            .with("host", "h")
            .with("user", "u")
            .with("password", "p")
            .with("agent", "true");
        let err = SftpConfig::from_options(&both).unwrap_err();
        assert!(err.to_string().contains("not several"), "{err}");
        let bad = Options::new()
            .with("host", "h")
            .with("user", "u")
            .with("password", "p")
            .with("host_key_policy", "yolo");
        let err = SftpConfig::from_options(&bad).unwrap_err();
        assert!(err.to_string().contains("host_key_policy"), "{err}");
    }
}
