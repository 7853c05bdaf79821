//! Bounded range reads: READ requests for the range's bytes and no more,
//! a window of them in flight. russh-sftp's `File` asks for a whole
//! chunk first and then 64 chunks ahead, whatever the caller wants: a
//! 100-byte range cost 255 KiB on the wire, a 1 MiB range up to 16 MiB
//! (a query reading a Parquet file's footer and column chunks pays that
//! on every range).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use remote_store_core::Bytes;
use remote_store_core::RemotePath;
use remote_store_core::stream::ByteStream;
use russh_sftp::client::error::Error as SftpError;
use russh_sftp::protocol::StatusCode;

use super::conn::{Conn, RawHandle, is_status, map};

/// Bytes per READ request: OpenSSH's largest answer (`sftp-server` cuts
/// longer requests to 256 KiB - 1 KiB; a server that answers less is
/// asked again for the rest).
const CHUNK: u64 = 255 * 1024;
/// READ requests in flight for one range.
const WINDOW: usize = 16;
/// READ requests in flight for a whole file: as many as russh-sftp's
/// `File` keeps (`IN_FLIGHT`), which whole reads used before.
const WHOLE_WINDOW: usize = 64;

/// `len` bytes from `offset` of the file open as `handle` (fewer at the
/// end of the file), as a stream that keeps the handle open until it
/// ends or is dropped.
pub(crate) fn ranged(
    conn: Arc<Conn>,
    handle: RawHandle,
    offset: u64,
    len: u64,
    path: RemotePath,
) -> ByteStream {
    reads(
        conn,
        Arc::new(handle),
        chunks(offset, len),
        WINDOW,
        path,
        None,
    )
}

/// The file open as `handle` from `offset` to its end, its stat having
/// said `size` bytes: READs for exactly those bytes plus a one-byte probe
/// at `size`, all in flight together, so a small file costs one round
/// trip and no READ answered only to say the file has ended (russh-sftp's
/// `File` asks for a chunk, then for 64 more after a short answer: 65
/// READs for a 4 KiB file). A file that grew since its stat (the probe
/// finds a byte) is read on to its end; one that shrank ends at its first
/// short answer.
pub(crate) fn to_end(
    conn: Arc<Conn>,
    handle: RawHandle,
    offset: u64,
    size: u64,
    path: RemotePath,
) -> ByteStream {
    let handle = Arc::new(handle);
    let ended = Arc::new(AtomicBool::new(false));
    let end = size.max(offset);
    let known = chunks(offset, end - offset).chain(std::iter::once((end, 1)));
    let head = reads(
        conn.clone(),
        handle.clone(),
        known,
        WHOLE_WINDOW,
        path.clone(),
        Some(ended.clone()),
    );
    // Every READ, the probe too, was answered whole: the file grew.
    let rest = futures::stream::once(async move {
        match ended.load(Ordering::Acquire) {
            true => futures::stream::empty().boxed(),
            false => reads(
                conn,
                handle,
                chunks(end + 1, u64::MAX),
                WHOLE_WINDOW,
                path,
                None,
            ),
        }
    })
    .flatten();
    head.chain(rest).boxed()
}

/// `(offset, length)` of the READs covering `len` bytes from `offset`.
fn chunks(offset: u64, len: u64) -> impl Iterator<Item = (u64, u64)> + Send + 'static {
    let end = offset.saturating_add(len);
    (0..(end - offset).div_ceil(CHUNK)).map(move |i| {
        let at = offset + i * CHUNK;
        (at, CHUNK.min(end - at))
    })
}

/// The READs `chunks`, `window` in flight, in order; the stream ends at
/// the first short answer (the end of the file) or error, and then sets
/// `ended_early`.
fn reads(
    conn: Arc<Conn>,
    handle: Arc<RawHandle>,
    chunks: impl Iterator<Item = (u64, u64)> + Send + 'static,
    window: usize,
    path: RemotePath,
    ended_early: Option<Arc<AtomicBool>>,
) -> ByteStream {
    futures::stream::iter(chunks)
        .map(move |(at, want)| {
            let (conn, handle) = (conn.clone(), handle.clone());
            async move {
                let read = read_chunk(&conn, handle.as_str(), at, want).await;
                read.map(|data| (data, want)).map_err(|e| (conn, e))
            }
        })
        .buffered(window)
        // A short chunk is the end of the file: nothing after it.
        .scan(false, move |ended, read| {
            let item = match read {
                _ if *ended => None,
                Ok((data, want)) => {
                    *ended = (data.len() as u64) < want;
                    Some(Ok(Bytes::from(data)))
                }
                Err((conn, e)) => {
                    *ended = true;
                    conn.check(&e);
                    Some(Err(map(e, path.as_str())))
                }
            };
            if *ended && let Some(flag) = &ended_early {
                flag.store(true, Ordering::Release);
            }
            futures::future::ready(item)
        })
        .filter(|item| futures::future::ready(!matches!(item, Ok(data) if data.is_empty())))
        .boxed()
}

/// `want` bytes at `at`, asking again after a short answer; fewer only
/// at the end of the file.
async fn read_chunk(conn: &Conn, handle: &str, at: u64, want: u64) -> Result<Vec<u8>, SftpError> {
    let mut got: Vec<u8> = Vec::new();
    while (got.len() as u64) < want {
        let from = at + got.len() as u64;
        // At most `CHUNK` bytes are asked for: fits in u32.
        let ask = (want - got.len() as u64) as u32;
        match conn.raw.read(handle, from, ask).await {
            Ok(data) if data.data.is_empty() => break,
            Ok(data) if got.is_empty() => got = data.data,
            Ok(data) => got.extend_from_slice(&data.data),
            Err(e) if is_status(&e, StatusCode::Eof) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
