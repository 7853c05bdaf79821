//! One-way sync of a tree: copy what is missing or changed, optionally
//! delete what the source no longer has.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use remote_store_core::{AsyncStore, Error, ErrorKind, FileInfo, RemotePath, Result};

use crate::checksum::{Checksum, digest_of};
use crate::copy::{Ends, path};
use crate::report::{Copied, Failed, Outcome, Report, Skipped, SourceVersion};
use crate::transfer::{IfExists, Transfer};

/// How [`Transfer::sync_tree`] tells that a destination file is up to
/// date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compare {
    /// Same size, and the destination not older than the source (within
    /// [`MODIFY_WINDOW`]); size alone where either side has no time. The
    /// default. A copy's time is when it was written, so a source changed
    /// after the last sync is newer than its copy; the two servers' clocks
    /// must agree to within the window.
    #[default]
    SizeAndTime,
    /// Same size.
    Size,
    /// Same size and the same digest, both sides read whole: finds a file
    /// replaced by another of the same size with an older time (a restore,
    /// `tar x`, `cp -p`), which [`SizeAndTime`](Self::SizeAndTime) cannot.
    Checksum(Checksum),
}

/// How much older than its source a destination file may look and still
/// count as up to date: the coarsest time S3, Azure and SFTP keep (whole
/// seconds).
pub const MODIFY_WINDOW: Duration = Duration::from_secs(1);

/// What [`Transfer::sync_tree`] does besides copying.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncOptions {
    compare: Compare,
    delete: bool,
    dry_run: bool,
}

impl SyncOptions {
    /// Copy what is missing or changed; delete nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// How up-to-date files are recognised.
    pub fn compare(mut self, compare: Compare) -> Self {
        self.compare = compare;
        self
    }

    /// Also delete destination files the source does not have — only when
    /// everything else succeeded (a failed copy or listing leaves them).
    pub fn delete(mut self, delete: bool) -> Self {
        self.delete = delete;
        self
    }

    /// Decide and report, but copy and delete nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// Whether `dst` is up to date by its listing alone; `None` when only the
/// contents can tell (same size, compared by checksum).
fn up_to_date(src: &FileInfo, dst: &FileInfo, compare: Compare) -> Option<bool> {
    if src.size != dst.size {
        return Some(false);
    }
    match (compare, src.modified, dst.modified) {
        (Compare::Checksum(_), _, _) => None,
        (Compare::SizeAndTime, Some(s), Some(d)) => Some(d + MODIFY_WINDOW >= s),
        _ => Some(true),
    }
}

/// Whether the two files hold the same bytes, by `kind`'s digest.
async fn same_contents(
    ends: &Ends<'_>,
    src: &RemotePath,
    dst: &RemotePath,
    kind: Checksum,
) -> Result<bool> {
    let theirs = digest_of(ends.dst, dst, kind).await?;
    Ok(digest_of(ends.src, src, kind).await? == theirs)
}

impl Transfer {
    /// Makes the tree at `dst_path` of `dst` hold what the tree at
    /// `src_path` of `src` holds: files missing there or changed (see
    /// [`Compare`]) are copied over, replacing what is there whatever
    /// [`if_exists`](Transfer::if_exists) says; the others are reported as
    /// skipped ("unchanged", without [`Observer::file_started`](crate::Observer::file_started));
    /// and with [`SyncOptions::delete`] files the source does not have are
    /// deleted (folders that leaves empty stay). Run it again after an
    /// interruption: what was copied is up to date and skipped.
    ///
    /// The destination's listing (paths, sizes, times) is kept in memory
    /// while the source's streams past it: about 100 bytes per file.
    ///
    /// # Errors
    /// Before anything is changed: `InvalidPath` when `src_path` is a file
    /// or `dst_path` is one, `NotFound` when `src_path` does not exist,
    /// `InvalidArgument` when the trees overlap, a listing that cannot
    /// start. Everything later is in the [`Report`].
    pub async fn sync_tree(
        &self,
        src: &AsyncStore,
        src_path: &str,
        dst: &AsyncStore,
        dst_path: &str,
        options: &SyncOptions,
    ) -> Result<Report> {
        let started = Instant::now();
        let (from, to) = (path(src_path)?, path(dst_path)?);
        if !src.is_folder(from.as_str()).await? {
            if src.is_file(from.as_str()).await? {
                return Err(Error::invalid_path(
                    from.as_str(),
                    "is a file: sync takes folders",
                ));
            }
            return Err(Error::not_found(from.as_str()));
        }
        let ends = Ends::new(src, dst);
        ends.refuse_overlap(&from, &to)?;
        refuse_file_destination(dst, &to).await?;
        let mut report = Report {
            dry_run: options.dry_run,
            ..Report::default()
        };
        let mut existing = HashMap::new();
        if dst.is_folder(to.as_str()).await? {
            let mut listing = dst.list_files(to.as_str(), true).await?;
            while let Some(entry) = listing.next().await {
                match entry {
                    Ok(file) => {
                        let rel = file.path.strip_prefix(&to).unwrap_or(file.path.clone());
                        existing.insert(rel, file);
                    }
                    Err(error) => report.record(self.finish(Outcome::Failed(Failed {
                        src: to.clone(),
                        dst: None,
                        error,
                    }))),
                }
            }
        }
        let listing = src.list_files(from.as_str(), true).await?;
        let cancel = &self.cancel;
        let mut outcomes = listing
            .take_while(|_| std::future::ready(!cancel.is_cancelled()))
            .map(|entry| {
                // Sequential: the destination index is updated here, before
                // the copies run concurrently.
                let planned = entry.map(|file| {
                    let rel = file.path.strip_prefix(&from).unwrap_or(file.path.clone());
                    let there = existing.remove(&rel);
                    (file, rel, there)
                });
                let (ends, from, to) = (&ends, &from, &to);
                async move {
                    let (file, rel, there) = match planned {
                        Ok(planned) => planned,
                        Err(error) => {
                            return self.finish(Outcome::Failed(Failed {
                                src: from.clone(),
                                dst: None,
                                error,
                            }));
                        }
                    };
                    let target = match to.join(rel.as_str()) {
                        Ok(target) => target,
                        Err(error) => {
                            return self.finish(Outcome::Failed(Failed {
                                src: file.path,
                                dst: None,
                                error,
                            }));
                        }
                    };
                    let current = match (&there, options.compare) {
                        (None, _) => false,
                        (Some(d), compare) => match (up_to_date(&file, d, compare), compare) {
                            (Some(known), _) => known,
                            (None, Compare::Checksum(kind)) => {
                                match same_contents(ends, &file.path, &d.path, kind).await {
                                    Ok(same) => same,
                                    Err(error) => {
                                        return self.finish(Outcome::Failed(Failed {
                                            src: file.path,
                                            dst: Some(target),
                                            error,
                                        }));
                                    }
                                }
                            }
                            (None, _) => false,
                        },
                    };
                    if current {
                        return self.finish(Outcome::Skipped(Skipped {
                            src: file.path,
                            dst: target,
                            reason: "unchanged".to_owned(),
                        }));
                    }
                    if options.dry_run {
                        let source = Some(SourceVersion::of(&file));
                        return self.finish(Outcome::Copied(Copied {
                            src: file.path,
                            dst: target,
                            bytes: file.size,
                            server_side: ends.inside.is_some(),
                            etag: None,
                            checksum: None,
                            verified: None,
                            source,
                        }));
                    }
                    let version = SourceVersion::of(&file);
                    self.copy_one(ends, file.path, target, Some(version), IfExists::Overwrite)
                        .await
                }
            })
            .buffer_unordered(self.concurrency);
        while let Some(outcome) = outcomes.next().await {
            report.record(outcome);
        }
        drop(outcomes);
        report.cancelled = self.cancel.is_cancelled();
        if options.delete && !existing.is_empty() {
            self.delete_extra(dst, &to, existing, options.dry_run, &mut report)
                .await;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Deletes the destination files the source did not have, unless
    /// something failed or the sync was cancelled (a source file that
    /// could not be listed would otherwise lose its copy).
    async fn delete_extra(
        &self,
        dst: &AsyncStore,
        to: &RemotePath,
        extra: HashMap<RemotePath, FileInfo>,
        dry_run: bool,
        report: &mut Report,
    ) {
        if !report.is_complete() {
            report.failed.push(Failed {
                src: to.clone(),
                dst: None,
                error: Error::new(ErrorKind::Other).with_message(format!(
                    "{} destination files the source does not have were not deleted: \
                     the sync did not complete",
                    extra.len()
                )),
            });
            return;
        }
        let mut paths: Vec<RemotePath> = extra.into_values().map(|f| f.path).collect();
        paths.sort();
        if dry_run {
            report.deleted = paths;
            return;
        }
        let mut deletes = futures::stream::iter(paths)
            .map(|path| async move {
                let done = dst.delete(path.as_str(), true).await;
                (path, done)
            })
            .buffer_unordered(self.concurrency);
        while let Some((path, done)) = deletes.next().await {
            match done {
                Ok(()) => report.deleted.push(path),
                Err(error) => report.failed.push(Failed {
                    src: path,
                    dst: None,
                    error,
                }),
            }
        }
    }
}

/// Refuses a tree's destination that is a file, before anything is copied
/// (each file would fail on its own otherwise).
pub(crate) async fn refuse_file_destination(dst: &AsyncStore, to: &RemotePath) -> Result<()> {
    if !to.is_root() && dst.is_file(to.as_str()).await? {
        return Err(Error::invalid_path(
            to.as_str(),
            "is a file: a tree's destination must be a folder",
        ));
    }
    Ok(())
}
