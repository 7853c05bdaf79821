//! Host key verification, shared by both engines: each hands over the
//! server's key as its SSH wire blob, and this module decides under the
//! configured [`HostKeyPolicy`] against an OpenSSH `known_hosts` file
//! (plain, wildcard and hashed host entries, `@revoked`) or a pinned
//! `SHA256:` fingerprint.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use remote_store_core::{Error, ErrorKind};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::config::{HostKeyPolicy, SftpConfig};

/// Why a server's host key was refused. It is the [`source`] of the
/// `PermissionDenied` error a connection attempt fails with, so callers can
/// tell it from an authentication failure by downcasting.
///
/// [`source`]: std::error::Error::source
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostKeyError {
    /// The host has no recorded key (of this type) and the policy is strict.
    #[error(
        "host key of {host} ({fingerprint}) is not in {}; add it there, pin its \
         fingerprint, or use host_key_policy accept-new",
        known_hosts.display()
    )]
    Unknown {
        /// `host` or `[host]:port`, as `known_hosts` spells it.
        host: String,
        /// The offered key's fingerprint, `SHA256:…`.
        fingerprint: String,
        /// Where the key was looked for.
        known_hosts: PathBuf,
    },
    /// The server offered a different key than the one recorded or pinned:
    /// possibly a man in the middle.
    #[error(
        "HOST KEY CHANGED for {host}: the server offered {fingerprint}, which does not \
         match {expected_from}; someone may be intercepting the connection"
    )]
    Changed {
        /// `host` or `[host]:port`.
        host: String,
        /// The offered key's fingerprint.
        fingerprint: String,
        /// Where the expected key comes from (`file:line` or `pinned`).
        expected_from: String,
    },
    /// The key is marked `@revoked`.
    #[error("host key {fingerprint} is marked @revoked")]
    Revoked {
        /// The offered key's fingerprint.
        fingerprint: String,
    },
    /// The `known_hosts` file could not be read or updated.
    #[error("known_hosts file {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

impl From<HostKeyError> for Error {
    fn from(e: HostKeyError) -> Self {
        Error::new(ErrorKind::PermissionDenied)
            .with_backend(crate::NAME)
            .with_message(format!("host key verification failed: {e}"))
            .with_source(e)
    }
}

/// `SHA256:<base64 without padding>` of a key blob, as OpenSSH prints it.
pub fn fingerprint(blob: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(blob)))
}

/// The digest in a `SHA256:…` fingerprint.
pub(crate) fn parse_fingerprint(text: &str) -> Option<Vec<u8>> {
    let b64 = text.strip_prefix("SHA256:")?.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(b64)
        .ok()
        .filter(|digest| digest.len() == 32)
}

/// The key type a wire blob starts with (`ssh-ed25519`, …).
fn key_type(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(blob.get(4..4 + len)?).ok()
}

/// The host verification of one configuration.
#[derive(Debug, Clone)]
pub(crate) struct HostKeyCheck {
    policy: HostKeyPolicy,
    /// `host` or `[host]:port`.
    host: String,
    known_hosts: PathBuf,
    pinned: Option<Vec<u8>>,
}

enum Lookup {
    Match,
    Mismatch(String),
    Revoked,
    Unknown,
}

impl HostKeyCheck {
    pub(crate) fn new(config: &SftpConfig) -> Self {
        let host = if config.port == 22 {
            config.host.clone()
        } else {
            format!("[{}]:{}", config.host, config.port)
        };
        HostKeyCheck {
            policy: config.host_key_policy,
            host,
            known_hosts: config.known_hosts_path(),
            pinned: config
                .host_key_fingerprint
                .as_deref()
                .and_then(parse_fingerprint),
        }
    }

    /// Accepts or refuses the server's key `blob`; under `AcceptNew` an
    /// unknown key is recorded first.
    pub(crate) fn verify(&self, blob: &[u8]) -> Result<(), HostKeyError> {
        let fingerprint = fingerprint(blob);
        if self.policy == HostKeyPolicy::InsecureAcceptAny {
            return Ok(());
        }
        if let Some(pinned) = &self.pinned {
            return if Sha256::digest(blob).as_slice() == pinned.as_slice() {
                Ok(())
            } else {
                Err(HostKeyError::Changed {
                    host: self.host.clone(),
                    fingerprint,
                    expected_from: "the pinned fingerprint".into(),
                })
            };
        }
        match self.lookup(blob)? {
            Lookup::Match => Ok(()),
            Lookup::Revoked => Err(HostKeyError::Revoked { fingerprint }),
            Lookup::Mismatch(line) => Err(HostKeyError::Changed {
                host: self.host.clone(),
                fingerprint,
                expected_from: line,
            }),
            Lookup::Unknown if self.policy == HostKeyPolicy::AcceptNew => self.record(blob),
            Lookup::Unknown => Err(HostKeyError::Unknown {
                host: self.host.clone(),
                fingerprint,
                known_hosts: self.known_hosts.clone(),
            }),
        }
    }

    fn file_error(&self, e: impl fmt::Display) -> HostKeyError {
        HostKeyError::File {
            path: self.known_hosts.clone(),
            reason: e.to_string(),
        }
    }

    fn lookup(&self, blob: &[u8]) -> Result<Lookup, HostKeyError> {
        let text = match fs::read_to_string(&self.known_hosts) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lookup::Unknown),
            Err(e) => return Err(self.file_error(e)),
        };
        let offered_type = key_type(blob).unwrap_or_default();
        let mut found = Lookup::Unknown;
        for (n, line) in text.lines().enumerate() {
            let mut fields = line.split_whitespace();
            let Some(mut first) = fields.next() else {
                continue;
            };
            if first.starts_with('#') {
                continue;
            }
            let marker = first.strip_prefix('@');
            if marker.is_some() {
                first = match fields.next() {
                    Some(hosts) => hosts,
                    None => continue,
                };
            }
            let (Some(kind), Some(b64)) = (fields.next(), fields.next()) else {
                continue;
            };
            if marker == Some("cert-authority") || !hosts_match(first, &self.host) {
                continue;
            }
            let Ok(recorded) = STANDARD.decode(b64) else {
                continue;
            };
            if marker == Some("revoked") {
                if recorded == blob {
                    return Ok(Lookup::Revoked);
                }
                continue;
            }
            if recorded == blob {
                found = Lookup::Match;
            } else if kind == offered_type && !matches!(found, Lookup::Match) {
                found = Lookup::Mismatch(format!("{}:{}", self.known_hosts.display(), n + 1));
            }
        }
        Ok(found)
    }

    /// Appends `host type base64` to the file (created, with its folder).
    fn record(&self, blob: &[u8]) -> Result<(), HostKeyError> {
        let kind = key_type(blob).ok_or_else(|| self.file_error("malformed host key"))?;
        if let Some(dir) = self.known_hosts.parent() {
            fs::create_dir_all(dir).map_err(|e| self.file_error(e))?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.known_hosts)
            .map_err(|e| self.file_error(e))?;
        let line = format!("{} {kind} {}\n", self.host, STANDARD.encode(blob));
        file.write_all(line.as_bytes())
            .map_err(|e| self.file_error(e))
    }
}

/// Whether a `known_hosts` host field (comma-separated patterns, `!`
/// negations, `*`/`?` wildcards, or one `|1|salt|hash` entry) names `host`.
fn hosts_match(field: &str, host: &str) -> bool {
    if let Some(hashed) = field.strip_prefix("|1|") {
        return hashed_match(hashed, host);
    }
    let mut matched = false;
    for pattern in field.split(',') {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard(negated, host) {
                return false;
            }
        } else if wildcard(pattern, host) {
            matched = true;
        }
    }
    matched
}

fn hashed_match(salt_and_hash: &str, host: &str) -> bool {
    let Some((salt, hash)) = salt_and_hash.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(host.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// OpenSSH's pattern match: `*` any run, `?` one character; host names
/// compare case-insensitively.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (
        pattern.to_lowercase().chars().collect(),
        text.to_lowercase().chars().collect(),
    );
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A made-up ed25519 blob: type string + 32 key bytes.
    fn blob(fill: u8) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&11u32.to_be_bytes());
        b.extend_from_slice(b"ssh-ed25519");
        b.extend_from_slice(&32u32.to_be_bytes());
        b.extend_from_slice(&[fill; 32]);
        b
    }

    fn check(policy: HostKeyPolicy, file: &Path) -> HostKeyCheck {
        let mut config = SftpConfig::new("127.0.0.1", "u")
            .port(2222)
            .known_hosts(file)
            .host_key_policy(policy);
        config.auth = Some(crate::Auth::Agent);
        HostKeyCheck::new(&config)
    }

    #[test]
    fn strict_refuses_unknown_and_changed_keys() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known_hosts");
        let strict = check(HostKeyPolicy::Strict, &file);
        assert!(matches!(
            strict.verify(&blob(1)),
            Err(HostKeyError::Unknown { .. })
        ));
        let line = format!(
            "[127.0.0.1]:2222 ssh-ed25519 {}\n",
            STANDARD.encode(blob(1))
        );
        fs::write(&file, line).unwrap();
        strict.verify(&blob(1)).unwrap();
        let err = strict.verify(&blob(2)).unwrap_err();
        assert!(matches!(err, HostKeyError::Changed { .. }), "{err}");
        assert!(err.to_string().contains("known_hosts:1"), "{err}");
        let e: Error = err.into();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(e.to_string().contains("HOST KEY CHANGED"), "{e}");
    }

    #[test]
    fn accept_new_records_then_pins() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/known_hosts");
        let tofu = check(HostKeyPolicy::AcceptNew, &file);
        tofu.verify(&blob(7)).unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("[127.0.0.1]:2222 ssh-ed25519 "), "{text}");
        tofu.verify(&blob(7)).unwrap();
        assert!(matches!(
            tofu.verify(&blob(8)),
            Err(HostKeyError::Changed { .. })
        ));
        // Only insecure takes a changed key.
        check(HostKeyPolicy::InsecureAcceptAny, &file)
            .verify(&blob(8))
            .unwrap();
    }

    #[test]
    fn hashed_wildcard_negated_and_revoked_entries() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known_hosts");
        let salt = [9u8; 20];
        let mut mac = Hmac::<Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[127.0.0.1]:2222");
        let hashed = format!(
            "|1|{}|{}",
            STANDARD.encode(salt),
            STANDARD.encode(mac.finalize().into_bytes())
        );
        let strict = check(HostKeyPolicy::Strict, &file);
        let write = |hosts: &str, fill: u8| {
            fs::write(
                &file,
                format!(
                    "# c\n\n{hosts} ssh-ed25519 {}\n",
                    STANDARD.encode(blob(fill))
                ),
            )
            .unwrap();
        };
        write(&hashed, 3);
        strict.verify(&blob(3)).unwrap();
        write("[127.0.0.*]:2222,other", 3);
        strict.verify(&blob(3)).unwrap();
        write("[127.0.0.*]:2222,![127.0.0.1]:2222", 3);
        assert!(matches!(
            strict.verify(&blob(3)),
            Err(HostKeyError::Unknown { .. })
        ));
        write("@revoked *", 3);
        assert!(matches!(
            strict.verify(&blob(3)),
            Err(HostKeyError::Revoked { .. })
        ));
    }

    #[test]
    fn pinned_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = SftpConfig::new("h", "u")
            .host_key_fingerprint(fingerprint(&blob(5)))
            .known_hosts(dir.path().join("none"));
        config.auth = Some(crate::Auth::Agent);
        let pinned = HostKeyCheck::new(&config);
        pinned.verify(&blob(5)).unwrap();
        assert!(matches!(
            pinned.verify(&blob(6)),
            Err(HostKeyError::Changed { .. })
        ));
        assert!(parse_fingerprint(&fingerprint(&blob(5))).is_some());
        assert!(parse_fingerprint("SHA256:short").is_none());
    }
}
