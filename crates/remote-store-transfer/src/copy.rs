//! The async engine: one file, or a tree listed lazily and copied
//! `concurrency` files at a time.

use std::time::Instant;

use futures::StreamExt;
use remote_store_core::{
    AsyncStore, Capability, Error, ErrorKind, RemotePath, Result, WriteOptions,
};

use std::sync::{Arc, Mutex};

use crate::cancel::CancelToken;
use crate::checksum::{Checksum, Hasher, digest_of, mismatch};
use crate::observer::FileStart;
use crate::overlap::{Location, refuse_overlap};
use crate::report::{Copied, Failed, Outcome, Report, Skipped, SourceVersion, Verified};
use crate::transfer::{IfExists, Transfer};

/// The two stores of a transfer, and the store that copies inside their
/// shared backend when there is one.
pub(crate) struct Ends<'a> {
    pub(crate) src: &'a AsyncStore,
    pub(crate) dst: &'a AsyncStore,
    /// A store at the shared backend's root (paths are backend paths),
    /// when both ends share a backend that copies inside itself (`Copy`
    /// and `ServerSideCopy`: a backend whose `copy` streams through the
    /// client, as SFTP's does, is streamed here instead, in parts and
    /// checked).
    pub(crate) inside: Option<AsyncStore>,
}

impl<'a> Ends<'a> {
    pub(crate) fn new(src: &'a AsyncStore, dst: &'a AsyncStore) -> Self {
        let server_side =
            dst.supports(Capability::Copy) && dst.supports(Capability::ServerSideCopy);
        let inside = (src.shares_backend(dst) && server_side)
            .then(|| AsyncStore::new(dst.backend().clone()));
        Ends { src, dst, inside }
    }

    /// Refuses a copy between overlapping places (onto itself, into its
    /// own subtree).
    pub(crate) fn refuse_overlap(&self, from: &RemotePath, to: &RemotePath) -> Result<()> {
        let location = |store: &AsyncStore, path: &RemotePath, label| -> Result<Location<'_>> {
            Ok(Location {
                storage_id: store.storage_id(),
                native_path: store.native_path(path.as_str())?,
                label,
            })
        };
        refuse_overlap(
            "copy",
            &location(self.src, from, from.as_str())?,
            &location(self.dst, to, to.as_str())?,
            self.src.shares_backend(self.dst),
        )
    }
}

/// The version of the file at `path`, where the backend keeps metadata
/// (a missing file or a folder is the error).
async fn version_of(store: &AsyncStore, path: &RemotePath) -> Result<Option<SourceVersion>> {
    match store.supports(Capability::Metadata) {
        true => Ok(Some(SourceVersion::of(
            &store.get_file_info(path.as_str()).await?,
        ))),
        false => Ok(None),
    }
}

pub(crate) fn path(raw: &str) -> Result<RemotePath> {
    RemotePath::new(raw.trim_matches('/'))
}

impl Transfer {
    /// Copies the file at `src_path` of `src` to `dst_path` of `dst`.
    ///
    /// # Errors
    /// `NotFound` when the source is missing, `InvalidPath` when it is a
    /// folder, `InvalidArgument` when source and destination are the same
    /// place, `AlreadyExists` when the destination exists under
    /// [`IfExists::Fail`]; any error of the read or the write. An existing
    /// destination under [`IfExists::Skip`] is `Ok(Outcome::Skipped)`.
    pub async fn copy_file(
        &self,
        src: &AsyncStore,
        src_path: &str,
        dst: &AsyncStore,
        dst_path: &str,
    ) -> Result<Outcome> {
        let (from, to) = (path(src_path)?, path(dst_path)?);
        let ends = Ends::new(src, dst);
        ends.refuse_overlap(&from, &to)?;
        let version = version_of(src, &from).await?;
        match self
            .copy_one(&ends, from, to, version, self.if_exists)
            .await
        {
            Outcome::Failed(failed) => Err(failed.error),
            done => Ok(done),
        }
    }

    /// Copies every file below `src_path` of `src` to the same relative
    /// place below `dst_path` of `dst` (a file at `src_path` is copied to
    /// `dst_path` itself), listing lazily and copying
    /// [`concurrency`](Self::concurrency) files at a time. A file that
    /// fails, and an entry the listing could not return, are recorded in
    /// the report and the others go on.
    ///
    /// # Errors
    /// Before anything is copied: `NotFound` when `src_path` is neither a
    /// file nor a folder, `InvalidPath` when it is a folder and `dst_path`
    /// a file, `InvalidArgument` when the two trees overlap,
    /// `InvalidPath` for a bad path, and the listing's own error when it
    /// cannot start. Everything later is in the [`Report`].
    pub async fn copy_tree(
        &self,
        src: &AsyncStore,
        src_path: &str,
        dst: &AsyncStore,
        dst_path: &str,
    ) -> Result<Report> {
        let started = Instant::now();
        let (from, to) = (path(src_path)?, path(dst_path)?);
        let ends = Ends::new(src, dst);
        let mut report = Report::default();
        if src.is_file(from.as_str()).await? {
            ends.refuse_overlap(&from, &to)?;
            let version = version_of(src, &from).await?;
            report.record(
                self.copy_one(&ends, from, to, version, self.if_exists)
                    .await,
            );
        } else {
            if !src.is_folder(from.as_str()).await? {
                return Err(Error::not_found(from.as_str()));
            }
            ends.refuse_overlap(&from, &to)?;
            crate::sync::refuse_file_destination(dst, &to).await?;
            let listing = src.list_files(from.as_str(), true).await?;
            let cancel = &self.cancel;
            let mut outcomes = listing
                .take_while(|_| std::future::ready(!cancel.is_cancelled()))
                .map(|entry| {
                    let (ends, from, to) = (&ends, &from, &to);
                    async move {
                        match entry {
                            Ok(file) => {
                                let rel = file.path.strip_prefix(from).unwrap_or(file.path.clone());
                                match to.join(rel.as_str()) {
                                    Ok(dst) => {
                                        let version = SourceVersion::of(&file);
                                        self.copy_one(
                                            ends,
                                            file.path,
                                            dst,
                                            Some(version),
                                            self.if_exists,
                                        )
                                        .await
                                    }
                                    Err(error) => self.finish(Outcome::Failed(Failed {
                                        src: file.path,
                                        dst: None,
                                        error,
                                    })),
                                }
                            }
                            Err(error) => self.finish(Outcome::Failed(Failed {
                                src: from.clone(),
                                dst: None,
                                error,
                            })),
                        }
                    }
                })
                .buffer_unordered(self.concurrency);
            while let Some(outcome) = outcomes.next().await {
                report.record(outcome);
            }
        }
        report.cancelled = self.cancel.is_cancelled();
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Tells the observer, and hands the outcome on.
    pub(crate) fn finish(&self, outcome: Outcome) -> Outcome {
        self.observer.file_finished(&outcome);
        outcome
    }

    /// Copies one file; every way it can end is an [`Outcome`].
    pub(crate) async fn copy_one(
        &self,
        ends: &Ends<'_>,
        from: RemotePath,
        to: RemotePath,
        source: Option<SourceVersion>,
        if_exists: IfExists,
    ) -> Outcome {
        let size = source.as_ref().map(|v| v.size);
        if self.cancel.is_cancelled() {
            return self.finish(Outcome::Failed(Failed {
                src: from,
                dst: Some(to),
                error: CancelToken::error(),
            }));
        }
        self.observer.file_started(&FileStart {
            src: from.clone(),
            dst: to.clone(),
            size,
        });
        let overwrite = if_exists == IfExists::Overwrite;
        let copied = match &ends.inside {
            Some(inside) => {
                self.copy_inside(ends, inside, &from, &to, size, overwrite)
                    .await
            }
            None => {
                self.stream(ends, &from, &to, source.as_ref(), overwrite)
                    .await
            }
        };
        let copied = match (copied, self.verify) {
            (Ok(done), Some(kind)) => {
                let listed = source.as_ref().and_then(|v| v.etag.as_deref());
                self.verified(ends, (&from, listed), &to, done, kind).await
            }
            (copied, _) => copied,
        };
        let outcome = match copied {
            Ok(Done {
                bytes,
                etag,
                checksum,
                verified,
                ..
            }) => Outcome::Copied(Copied {
                src: from,
                dst: to,
                bytes,
                server_side: ends.inside.is_some(),
                etag,
                checksum,
                verified,
                source,
            }),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && if_exists == IfExists::Skip => {
                Outcome::Skipped(Skipped {
                    src: from,
                    dst: to,
                    reason: "the destination exists".to_owned(),
                })
            }
            Err(error) => Outcome::Failed(Failed {
                src: from,
                dst: Some(to),
                error,
            }),
        };
        self.finish(outcome)
    }

    /// A copy inside the shared backend: (bytes, etag).
    async fn copy_inside(
        &self,
        ends: &Ends<'_>,
        inside: &AsyncStore,
        from: &RemotePath,
        to: &RemotePath,
        size: Option<u64>,
        overwrite: bool,
    ) -> Result<Done> {
        let full_from = ends.src.root().join(from.as_str())?;
        let full_to = ends.dst.root().join(to.as_str())?;
        inside
            .copy(full_from.as_str(), full_to.as_str(), overwrite)
            .await?;
        let bytes = match size {
            Some(size) => size,
            None if inside.supports(Capability::Metadata) => {
                inside.get_file_info(full_to.as_str()).await?.size
            }
            None => 0,
        };
        Ok(Done {
            bytes,
            etag: None,
            checksum: None,
            verified: None,
            service_verified: false,
        })
    }

    /// A read streamed into a write, counted for the observer, hashed when
    /// the transfer verifies, and stopped by the cancel token.
    async fn stream(
        &self,
        ends: &Ends<'_>,
        from: &RemotePath,
        to: &RemotePath,
        source: Option<&SourceVersion>,
        overwrite: bool,
    ) -> Result<Done> {
        let body = crate::split::read(ends.src, from, source, self.split).await?;
        let (observer, cancel, path) = (self.observer.clone(), self.cancel.clone(), from.clone());
        // Taken out after the write (which has let go of its source by then).
        let hasher = self
            .verify
            .map(|kind| Arc::new(Mutex::new(Some(Hasher::new(kind)))));
        let hashing = hasher.clone();
        let counted = body.map(move |chunk| {
            if cancel.is_cancelled() {
                return Err(CancelToken::error());
            }
            if let Ok(bytes) = &chunk {
                observer.bytes_moved(&path, bytes.len() as u64);
                if let Some(shared) = &hashing
                    && let Some(hasher) = shared.lock().unwrap_or_else(|e| e.into_inner()).as_mut()
                {
                    hasher.update(bytes);
                }
            }
            chunk
        });
        // A backend whose service answers with a digest of what it stored
        // (S3's MD5 etags, one part or many) checks it against the bytes
        // sent, which are the bytes hashed here: no read-back needed.
        let options = WriteOptions::new()
            .overwrite(overwrite)
            .verify(self.verify.is_some());
        let written = ends.dst.write_with(to.as_str(), counted, &options).await?;
        let checksum = hasher
            .and_then(|h| h.lock().unwrap_or_else(|e| e.into_inner()).take())
            .map(Hasher::finish);
        Ok(Done {
            bytes: written.size,
            etag: written.etag,
            checksum,
            verified: None,
            service_verified: written.verified,
        })
    }

    /// `done` checked: the source's digest (as streamed, or read now for a
    /// copy inside the backend) against the destination's, read back.
    ///
    /// `from` is the source's path, with the etag its copy began from when
    /// known (listed or stated).
    async fn verified(
        &self,
        ends: &Ends<'_>,
        (from, etag): (&RemotePath, Option<&str>),
        to: &RemotePath,
        mut done: Done,
        kind: Checksum,
    ) -> Result<Done> {
        if done.checksum.is_none() && kind == Checksum::Md5 {
            let (src, dst) = inside_etags(ends, (from, etag), to).await?;
            done.etag = done.etag.or(dst);
            let src = src
                .filter(|e| is_md5(e))
                .map(|e| e.trim_matches('"').to_ascii_lowercase());
            let dst = done.etag.as_deref();
            if let Some(md5) = src.filter(|md5| dst.is_some_and(|d| is_md5_of(d, md5))) {
                return Ok(Done {
                    checksum: Some(md5),
                    verified: Some(Verified::ServiceEtags),
                    ..done
                });
            }
            // A source uploaded in parts has no MD5 etag, but S3 gives its
            // copy one (now in `done.etag`): compared with the source's MD5
            // below, it spares reading the copy back.
        }
        let source = match &done.checksum {
            Some(streamed) => streamed.clone(),
            None => digest_of(ends.src, from, kind).await?,
        };
        if service_vouches(&done, kind, &source) {
            return Ok(Done {
                checksum: Some(source),
                verified: Some(Verified::ServiceMd5),
                ..done
            });
        }
        let copy = digest_of(ends.dst, to, kind).await?;
        if copy != source {
            return Err(mismatch(kind, to, &source, &copy));
        }
        Ok(Done {
            checksum: Some(source),
            verified: Some(Verified::ReadBack),
            ..done
        })
    }
}

/// What a copy of one file did.
pub(crate) struct Done {
    bytes: u64,
    etag: Option<String>,
    checksum: Option<String>,
    verified: Option<Verified>,
    /// The destination's backend found its service's digest equal to the
    /// bytes it sent ([`WriteResult::verified`](remote_store_core::WriteResult::verified)).
    service_verified: bool,
}

/// Whether the destination's service vouches for the bytes this transfer
/// sent, whose digest is `source`: its etag is the MD5 computed here, or
/// the backend found the etag equal to the MD5s of what it sent (a
/// multipart upload's, say). An etag that is a plain MD5 other than the
/// one computed here vouches for nothing, whatever the backend found: the
/// bytes changed between this transfer and the backend.
fn service_vouches(done: &Done, kind: Checksum, source: &str) -> bool {
    let plain_md5 = done.etag.as_deref().filter(|etag| is_md5(etag));
    match (kind, plain_md5) {
        (Checksum::Md5, Some(etag)) => is_md5_of(etag, source),
        _ => done.service_verified,
    }
}

/// The etags of a copy inside the backend's source and destination, where
/// the backend keeps metadata. The source's is the one its copy began
/// from when known (from the listing: one request less per file); a
/// source replaced since then no longer matches the copy, which is then
/// checked against the source's digest read now.
async fn inside_etags(
    ends: &Ends<'_>,
    (from, etag): (&RemotePath, Option<&str>),
    to: &RemotePath,
) -> Result<(Option<String>, Option<String>)> {
    if !ends.src.supports(Capability::Metadata) || !ends.dst.supports(Capability::Metadata) {
        return Ok((None, None));
    }
    let src = match etag {
        Some(etag) => Some(etag.to_owned()),
        None => ends.src.get_file_info(from.as_str()).await?.etag,
    };
    let dst = ends.dst.get_file_info(to.as_str()).await?.etag;
    Ok((src, dst))
}

/// Whether `etag` (quoted or not) is shaped as an MD5: 32 hex digits.
fn is_md5(etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `etag` (quoted or not, any case) is the MD5 `digest` (hex).
fn is_md5_of(etag: &str, digest: &str) -> bool {
    etag.trim_matches('"').eq_ignore_ascii_case(digest)
}
