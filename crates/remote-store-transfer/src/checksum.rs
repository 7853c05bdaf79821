//! Checksums of the bytes a copy moves, and of what the destination holds.

use std::fmt::Write as _;

use futures::StreamExt;
use md5::Md5;
use remote_store_core::{AsyncStore, Error, ErrorKind, RemotePath, Result};
use sha2::{Digest, Sha256};

/// The digest a verifying transfer computes
/// ([`Transfer::verify`](crate::Transfer::verify)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// MD5 (RFC 1321): faster on processors without SHA instructions;
    /// enough to catch corruption, not tampering.
    Md5,
}

impl Checksum {
    /// Its name, as reports and messages show it (`sha256`, `md5`).
    pub fn name(self) -> &'static str {
        match self {
            Checksum::Sha256 => "sha256",
            Checksum::Md5 => "md5",
        }
    }
}

/// A running digest.
pub(crate) enum Hasher {
    Sha256(Sha256),
    Md5(Md5),
}

impl Hasher {
    pub(crate) fn new(kind: Checksum) -> Self {
        match kind {
            Checksum::Sha256 => Hasher::Sha256(Sha256::new()),
            Checksum::Md5 => Hasher::Md5(Md5::new()),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Md5(h) => h.update(bytes),
        }
    }

    /// The digest in lowercase hex.
    pub(crate) fn finish(self) -> String {
        let digest: Vec<u8> = match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Md5(h) => h.finalize().to_vec(),
        };
        digest
            .iter()
            .fold(String::with_capacity(digest.len() * 2), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
    }
}

/// The digest of the file at `path`, read whole (streamed).
pub(crate) async fn digest_of(
    store: &AsyncStore,
    path: &RemotePath,
    kind: Checksum,
) -> Result<String> {
    let mut body = store.read(path.as_str()).await?;
    let mut hasher = Hasher::new(kind);
    while let Some(chunk) = body.next().await {
        hasher.update(&chunk?);
    }
    Ok(hasher.finish())
}

/// The error of a copy whose destination does not hold the source's bytes.
pub(crate) fn mismatch(kind: Checksum, to: &RemotePath, src: &str, dst: &str) -> Error {
    Error::new(ErrorKind::Other).with_message(format!(
        "'{to}': the copy does not match its source ({}: source {src}, destination {dst})",
        kind.name()
    ))
}
