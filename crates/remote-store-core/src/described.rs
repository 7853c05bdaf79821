//! The default `read_with_info`, for backends that cannot take a file's
//! metadata and its bytes from one opened file: the metadata first, then
//! a read pinned to its etag where the backend declares
//! `ConditionalRead`, else a read counted against the size the metadata
//! promises. Public for backends that answer some cases themselves (a
//! whole-file GET) and leave the others to it.

use std::io::{self, Read};

use futures::StreamExt;

use crate::async_backend::AsyncBackend;
use crate::backend::Backend;
use crate::capability::Capability;
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::FileInfo;
use crate::options::{ByteRange, ReadOptions};
use crate::path::RemotePath;
use crate::stream::{ByteStream, ReadStream};

/// How often a file replaced between its metadata and the pinned read is
/// described again before the call gives up.
const ATTEMPTS: usize = 3;

/// What one attempt reads: `options`, pinned to `info`'s etag when the
/// backend can pin and the caller did not; whether it is pinned.
fn plan(pins: bool, options: &ReadOptions, info: &FileInfo) -> (ReadOptions, bool) {
    match (&options.if_match, &info.etag) {
        (Some(_), _) => (options.clone(), true),
        (None, Some(etag)) if pins => (options.clone().if_match(etag.clone()), true),
        _ => (options.clone(), false),
    }
}

/// Whether an error of the pinned read means "replaced meanwhile" and the
/// call may describe the file again.
fn replaced(e: &Error, options: &ReadOptions, attempt: usize) -> bool {
    e.kind() == ErrorKind::PreconditionFailed && options.if_match.is_none() && attempt < ATTEMPTS
}

/// The bytes a read of `range` carries from a file of `size` bytes.
pub(crate) fn expected_len(size: u64, range: Option<ByteRange>) -> u64 {
    match range {
        None => size,
        Some(ByteRange { offset, len }) => {
            let rest = size.saturating_sub(offset);
            len.map_or(rest, |len| len.min(rest))
        }
    }
}

fn changed(path: &RemotePath, expected: u64, got: u64) -> Error {
    Error::new(ErrorKind::PreconditionFailed)
        .with_message(format!(
            "the file changed while read: {got} bytes where its metadata promised {expected}"
        ))
        .with_path(path)
}

/// The default [`Backend::read_with_info`]: `get_file_info`, then `read`
/// pinned or counted.
///
/// # Errors
/// As for [`Backend::read_with_info`].
pub fn read_sync<B: Backend + ?Sized>(
    backend: &B,
    path: &RemotePath,
    options: &ReadOptions,
) -> Result<(FileInfo, ReadStream)> {
    let pins = backend.capabilities().contains(Capability::ConditionalRead);
    let mut attempt = 1;
    loop {
        let info = backend.get_file_info(path)?;
        let (read, pinned) = plan(pins, options, &info);
        match backend.read(path, &read) {
            Ok(stream) if pinned => return Ok((info, stream)),
            Ok(stream) => {
                let expected = expected_len(info.size, options.range);
                let counted = CountedReader {
                    inner: stream,
                    path: path.clone(),
                    expected,
                    seen: 0,
                };
                return Ok((info, Box::new(counted)));
            }
            Err(e) if replaced(&e, options, attempt) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// The default [`AsyncBackend::read_with_info`]: `get_file_info`, then
/// `read` pinned or counted.
///
/// # Errors
/// As for [`AsyncBackend::read_with_info`].
pub async fn read_async<B: AsyncBackend + ?Sized>(
    backend: &B,
    path: &RemotePath,
    options: &ReadOptions,
) -> Result<(FileInfo, ByteStream)> {
    let pins = backend.capabilities().contains(Capability::ConditionalRead);
    let mut attempt = 1;
    loop {
        let info = backend.get_file_info(path).await?;
        let (read, pinned) = plan(pins, options, &info);
        match backend.read(path, &read).await {
            Ok(stream) if pinned => return Ok((info, stream)),
            Ok(stream) => {
                let expected = expected_len(info.size, options.range);
                return Ok((info, counted(stream, path.clone(), expected)));
            }
            Err(e) if replaced(&e, options, attempt) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// `stream`, failing when it carries other than `expected` bytes.
fn counted(stream: ByteStream, path: RemotePath, expected: u64) -> ByteStream {
    futures::stream::unfold((stream, 0u64, false), move |(mut stream, seen, done)| {
        let path = path.clone();
        async move {
            if done {
                return None;
            }
            match stream.next().await {
                Some(Ok(chunk)) => {
                    let seen = seen + chunk.len() as u64;
                    if seen > expected {
                        return Some((Err(changed(&path, expected, seen)), (stream, seen, true)));
                    }
                    Some((Ok(chunk), (stream, seen, false)))
                }
                Some(Err(e)) => Some((Err(e), (stream, seen, true))),
                None if seen != expected => {
                    Some((Err(changed(&path, expected, seen)), (stream, seen, true)))
                }
                None => None,
            }
        }
    })
    .fuse()
    .boxed()
}

/// A reader failing when it carries other than `expected` bytes.
struct CountedReader {
    inner: ReadStream,
    path: RemotePath,
    expected: u64,
    seen: u64,
}

impl Read for CountedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen += n as u64;
        let short = n == 0 && !buf.is_empty() && self.seen != self.expected;
        if self.seen > self.expected || short {
            return Err(changed(&self.path, self.expected, self.seen).into_io());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::expected_len;
    use crate::options::ByteRange;

    #[test]
    fn ranges_are_cut_at_the_end() {
        let range = |offset, len| Some(ByteRange { offset, len });
        assert_eq!(expected_len(10, None), 10);
        assert_eq!(expected_len(10, range(4, None)), 6);
        assert_eq!(expected_len(10, range(4, Some(3))), 3);
        assert_eq!(expected_len(10, range(8, Some(5))), 2);
        assert_eq!(expected_len(10, range(12, Some(5))), 0);
    }
}
