//! Write attributes: the rules for user metadata, and the content type
//! guessed from a file's extension (ADR-0016).

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::options::{WriteOptions, is_header_value};
use crate::path::RemotePath;

/// The longest user-metadata name, in bytes.
pub const MAX_METADATA_NAME_BYTES: usize = 64;

/// Checks user metadata against the portable rules (see
/// [`WriteOptions::metadata`]) and a size limit in bytes (names plus
/// values). Backends call it with their service's limit.
///
/// # Errors
/// `InvalidArgument`, naming the offending entry or the total size.
pub fn check_metadata(metadata: &BTreeMap<String, String>, limit: usize) -> Result<()> {
    let mut total = 0;
    for (name, value) in metadata {
        let bytes = name.as_bytes();
        let name_ok = !bytes.is_empty()
            && bytes.len() <= MAX_METADATA_NAME_BYTES
            && bytes[0].is_ascii_lowercase()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        if !name_ok {
            return Err(invalid(format!(
                "metadata name {name:?}: use 1 to {MAX_METADATA_NAME_BYTES} of a-z, 0-9 and _, \
                 starting with a letter (what S3, Azure and GCS all accept)"
            )));
        }
        if !is_header_value(value) {
            return Err(invalid(format!(
                "metadata {name:?}: the value must be printable ASCII, not empty, without spaces \
                 at either end (it travels as an HTTP header, which would drop them)"
            )));
        }
        total += name.len() + value.len();
    }
    if total > limit {
        return Err(invalid(format!(
            "user metadata is {total} bytes (names plus values); this backend keeps at most {limit}"
        )));
    }
    Ok(())
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument).with_message(message)
}

/// The MIME type guessed from `path`'s extension, if the extension is
/// known (`a.csv` → `text/csv`).
pub fn guess_content_type(path: &RemotePath) -> Option<&'static str> {
    mime_guess::from_path(path.as_str()).first_raw()
}

/// `options` with the guessed content type filled in, when the caller gave
/// none and the backend keeps one; borrowed as is otherwise.
pub(crate) fn with_guessed_type<'a>(
    options: &'a WriteOptions,
    path: &RemotePath,
    keeps_type: bool,
) -> std::borrow::Cow<'a, WriteOptions> {
    match (keeps_type && options.content_type.is_none())
        .then(|| guess_content_type(path))
        .flatten()
    {
        Some(guess) => std::borrow::Cow::Owned(options.clone().content_type(guess)),
        None => std::borrow::Cow::Borrowed(options),
    }
}
