//! Writes through OpenDAL's `Writer`: `close` on success, `abort` on any
//! failure, and `abort` from a `Drop` guard when the write's future is
//! dropped (a writer left without either is the bug OpenDAL's users
//! report most).

use futures::StreamExt;
use opendal::{Operator, Writer};
use remote_store_core::stream::ByteStream;
use remote_store_core::{Error, ErrorKind, RemotePath, Result, WriteResult};

use crate::error::map;
use crate::info::{quotes_etags, write_result};

/// A writer that is aborted unless it was closed.
struct AbortOnDrop(Option<Writer>);

impl AbortOnDrop {
    fn writer(&mut self) -> &mut Writer {
        self.0
            .as_mut()
            .expect("the writer is taken only by close or abort")
    }

    async fn abort(&mut self) {
        if let Some(mut writer) = self.0.take() {
            // Best effort: the write's own error is what the caller hears.
            let _ = writer.abort().await;
        }
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some(mut writer) = self.0.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = writer.abort().await;
            });
        }
    }
}

/// Streams `src` into `key` and commits it.
pub(crate) async fn write(
    op: &Operator,
    key: &str,
    options: opendal::options::WriteOptions,
    mut src: ByteStream,
    path: &RemotePath,
    name: &str,
) -> Result<WriteResult> {
    let writer = op
        .writer_options(key, options)
        .await
        .map_err(|e| map(e, path, name))?;
    let mut guard = AbortOnDrop(Some(writer));
    let mut size = 0u64;
    while let Some(chunk) = src.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                guard.abort().await;
                return Err(e);
            }
        };
        size += chunk.len() as u64;
        if let Err(e) = guard.writer().write(chunk).await {
            guard.abort().await;
            return Err(map(e, path, name));
        }
    }
    match guard.writer().close().await {
        Ok(meta) => {
            guard.0 = None;
            Ok(write_result(size, &meta, quotes_etags(op.info().scheme())))
        }
        Err(e) => {
            guard.abort().await;
            Err(map(e, path, name))
        }
    }
}

/// The whole of `src` in memory, for a service that takes a write in one
/// request (OpenDAL's one-shot writers: WebDAV, HTTP services without
/// multipart). The chunks are kept as they came (no copy); past `limit`
/// bytes the write is refused before any request.
pub(crate) async fn buffer(
    mut src: ByteStream,
    limit: u64,
    path: &RemotePath,
    name: &str,
) -> Result<opendal::Buffer> {
    let mut chunks = Vec::new();
    let mut size = 0u64;
    while let Some(chunk) = src.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(Error::new(ErrorKind::InvalidArgument)
                .with_path(path)
                .with_backend(name.to_owned())
                .with_message(format!(
                    "this service takes a write in one request, held in memory: \
                     files over {limit} bytes are refused (option one_shot_limit, \
                     OpendalBackend::with_one_shot_limit)"
                )));
        }
        chunks.push(chunk);
    }
    Ok(opendal::Buffer::from(chunks))
}

/// Writes a buffered file in one request.
pub(crate) async fn write_once(
    op: &Operator,
    key: &str,
    options: opendal::options::WriteOptions,
    data: opendal::Buffer,
    path: &RemotePath,
    name: &str,
) -> Result<WriteResult> {
    let size = data.len() as u64;
    let meta = op
        .write_options(key, data, options)
        .await
        .map_err(|e| map(e, path, name))?;
    Ok(write_result(size, &meta, quotes_etags(op.info().scheme())))
}
