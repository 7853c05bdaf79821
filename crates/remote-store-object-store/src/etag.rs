//! The MD5 digests S3 answers a write with as its etag, computed here over
//! the bytes sent, so a write asked to
//! [`verify`](remote_store_core::WriteOptions::verify) can compare them.
//!
//! A one-request upload's etag is the MD5 of its body; a multipart
//! upload's is the MD5 of its parts' MD5s (binary, in part order) followed
//! by `-` and the part count (not part of the S3 API reference, but what
//! S3, MinIO, moto and s3s compute; an etag that is not either shape, such
//! as an object encrypted with a KMS key, simply does not match).

use std::fmt::Write as _;

use bytes::Bytes;
use md5::{Digest, Md5};

/// The MD5s of a multipart upload's parts, fed the bytes in the order
/// they are uploaded and cut where the upload cuts its parts.
pub(crate) struct PartDigests {
    part_size: usize,
    current: Md5,
    /// Bytes hashed into `current`.
    filled: usize,
    parts: Vec<u8>,
    count: usize,
}

impl PartDigests {
    /// Parts of `part_size` bytes, the last one shorter.
    pub(crate) fn new(part_size: usize) -> Self {
        PartDigests {
            part_size,
            current: Md5::new(),
            filled: 0,
            parts: Vec::new(),
            count: 0,
        }
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = bytes.len().min(self.part_size - self.filled);
            self.current.update(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled == self.part_size {
                self.close_part();
            }
        }
    }

    fn close_part(&mut self) {
        self.parts.extend_from_slice(&self.current.finalize_reset());
        self.filled = 0;
        self.count += 1;
    }

    /// The etag of the upload (`<md5 of the part md5s>-<parts>`).
    pub(crate) fn multipart_etag(mut self) -> String {
        if self.filled > 0 {
            self.close_part();
        }
        format!("{}-{}", hex(&Md5::digest(&self.parts)), self.count)
    }
}

/// The etag of a one-request upload of `chunks`: their MD5.
pub(crate) fn single_etag(chunks: &[Bytes]) -> String {
    let mut md5 = Md5::new();
    for chunk in chunks {
        md5.update(chunk);
    }
    hex(&md5.finalize())
}

/// Whether the service's `etag` (quoted or not, any case) is `expected`.
pub(crate) fn matches(etag: Option<&str>, expected: &str) -> bool {
    etag.is_some_and(|etag| etag.trim_matches('"').eq_ignore_ascii_case(expected))
}

fn hex(digest: &[u8]) -> String {
    digest
        .iter()
        .fold(String::with_capacity(digest.len() * 2), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_cut_where_the_upload_cuts_them_whatever_the_chunks() {
        let body: Vec<u8> = (0..100u32).map(|i| (i * 7) as u8).collect();
        let expected = {
            let parts: Vec<u8> = body
                .chunks(30)
                .flat_map(|part| Md5::digest(part).to_vec())
                .collect();
            format!("{}-4", hex(&Md5::digest(&parts)))
        };
        for chunk in [1, 7, 30, 31, 100] {
            let mut digests = PartDigests::new(30);
            for piece in body.chunks(chunk) {
                digests.update(piece);
            }
            assert_eq!(digests.multipart_etag(), expected, "chunks of {chunk}");
        }
    }

    #[test]
    fn a_body_ending_on_a_part_boundary_has_no_empty_last_part() {
        let mut digests = PartDigests::new(4);
        digests.update(b"abcdefgh");
        assert!(digests.multipart_etag().ends_with("-2"));
    }

    #[test]
    fn etags_match_quoted_or_not_in_any_case() {
        let md5 = single_etag(&[Bytes::from_static(b"a"), Bytes::from_static(b"bc")]);
        assert_eq!(md5, "900150983cd24fb0d6963f7d28e17f72");
        assert!(matches(Some("\"900150983CD24FB0D6963F7D28E17F72\""), &md5));
        assert!(!matches(Some("900150983cd24fb0d6963f7d28e17f72-1"), &md5));
        assert!(!matches(None, &md5));
    }
}
