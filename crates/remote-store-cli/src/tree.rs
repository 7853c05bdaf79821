//! `cp -r` and `mv -r`: folder trees through `remote_store::transfer`
//! (files in parallel, server-side inside one backend, a signal stops
//! them), with a progress bar, every failure shown, and for a move the
//! sources deleted once their copies are complete.

use std::collections::BTreeSet;
use std::sync::Arc;

use remote_store::transfer::{
    Checksum, Compare, Copied, IfExists, Report, SyncOptions, Transfer, Verified,
};
use remote_store::{Error, ErrorKind, RemotePath, Result};
use serde_json::json;

use crate::output::Printer;
use crate::overlap::refuse_overlap;
use crate::progress::Progress;
use crate::target::Target;

/// Copies the folder tree at `src` into `dst`, `jobs` files at a time.
/// Every file that fails, and every entry the listing could not return, is
/// shown; the command then fails with the first one's kind.
pub(crate) fn copy(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    jobs: usize,
    overwrite: bool,
    verify: Option<Checksum>,
) -> Result<Report> {
    refuse_overlap("copy", src, dst)?;
    let if_exists = match overwrite {
        true => IfExists::Overwrite,
        false => IfExists::Fail,
    };
    with_bar(progress, src, jobs, verify, |transfer| {
        transfer
            .if_exists(if_exists)
            .copy_tree_blocking(&src.store, &src.path, &dst.store, &dst.path)
    })
}

/// Runs `work` with a transfer of `jobs` files at a time that advances a
/// progress bar and stops on a signal.
fn with_bar(
    progress: &Progress,
    src: &Target,
    jobs: usize,
    verify: Option<Checksum>,
    work: impl FnOnce(Transfer) -> Result<Report>,
) -> Result<Report> {
    let bars = Arc::new(progress.tree(&src.label));
    let mut transfer = Transfer::new()
        .concurrency(jobs)
        .observer(bars.clone())
        .cancel_token(crate::interrupt::cancel_token());
    if let Some(checksum) = verify {
        transfer = transfer.verify(checksum);
    }
    let report = work(transfer);
    bars.finish();
    let report = report?;
    if report.cancelled {
        return Err(crate::interrupt::error());
    }
    Ok(report)
}

/// `rstore sync`'s flags.
pub(crate) struct SyncFlags {
    pub(crate) delete: bool,
    pub(crate) dry_run: bool,
    pub(crate) size_only: bool,
    pub(crate) jobs: usize,
    pub(crate) verify: Option<Checksum>,
}

/// `rstore sync`: the folder `dst` brought up to date with `src`.
pub(crate) fn sync(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    flags: &SyncFlags,
) -> Result<Report> {
    refuse_overlap("sync", src, dst)?;
    let options = SyncOptions::new()
        .delete(flags.delete)
        .dry_run(flags.dry_run)
        .compare(match (flags.verify, flags.size_only) {
            (Some(checksum), _) => Compare::Checksum(checksum),
            (None, true) => Compare::Size,
            (None, false) => Compare::SizeAndTime,
        });
    with_bar(progress, src, flags.jobs, flags.verify, |transfer| {
        transfer.sync_tree_blocking(&src.store, &src.path, &dst.store, &dst.path, &options)
    })
}

/// Where a store path of `t`'s store is, as the user wrote `t`.
fn shown(t: &Target, path: &RemotePath) -> String {
    let rel = RemotePath::new(t.path.trim_matches('/'))
        .ok()
        .and_then(|base| path.strip_prefix(&base));
    let rel = match rel {
        Some(rel) if rel.is_root() => return t.label.clone(),
        Some(rel) => rel,
        None => return path.to_string(),
    };
    // A URL's path goes before its query, escaped as the URL parser
    // decodes it, so that the location shown can be given back to rstore.
    if t.label.contains("://") {
        let (base, query) = match t.label.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (t.label.as_str(), String::new()),
        };
        let escaped = percent_encoding::utf8_percent_encode(rel.as_str(), URL_PATH);
        return format!("{}/{escaped}{query}", base.trim_end_matches('/'));
    }
    format!("{}/{rel}", t.label.trim_end_matches('/'))
}

/// What a path in a URL escapes: controls, space, and what would end the
/// path or start an escape (`?`, `#`, `%`); `/` separates segments.
const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// What a dry run would do, one line per file (`copy SRC DST`,
/// `delete PATH`, as the locations were written), or with `--json` one
/// object per file, whether dry or done (`{"action": "copy", "src",
/// "dst", "bytes", "dry_run"}`, `{"action": "delete", "path",
/// "dry_run"}`).
pub(crate) fn print_plan(
    out: &mut Printer,
    src: &Target,
    dst: &Target,
    report: &Report,
) -> Result<()> {
    let dry_run = report.dry_run;
    if !dry_run && !out.json {
        return Ok(());
    }
    for c in &report.copied {
        let (from, to) = (shown(src, &c.src), shown(dst, &c.dst));
        match out.json {
            true => out.value(json!({
                "action": "copy", "src": from, "dst": to,
                "bytes": c.bytes, "dry_run": dry_run,
                "checksum": c.checksum,
                "verified": c.verified.map(|v| match v {
                    Verified::ReadBack => "read_back",
                    Verified::ServiceMd5 => "service_md5",
                    Verified::ServiceEtags => "service_etags",
                    _ => "other",
                }),
            }))?,
            false => out.text(&format!("copy {from} {to}"))?,
        }
    }
    for path in &report.deleted {
        let path = shown(dst, path);
        match out.json {
            true => out.value(json!({
                "action": "delete", "path": path, "dry_run": dry_run,
            }))?,
            false => out.text(&format!("delete {path}"))?,
        }
    }
    Ok(())
}

/// The report's failures shown, and the command's error: a single failed
/// file's own error, else one of the first failure's kind (exit code)
/// with the counts; entries the listing could not return (ADR-0010) alone
/// fail it as `Other`, as they do `ls`. `Ok` when nothing failed.
pub(crate) fn failures(report: Report, verb: &str) -> Result<()> {
    let done = report.copied.len();
    let (unlisted, mut failed): (Vec<_>, Vec<_>) = report
        .failed
        .into_iter()
        .map(|f| f.error)
        .partition(Error::is_unlisted);
    if failed.len() == 1 && unlisted.is_empty() {
        return Err(failed.remove(0));
    }
    for e in unlisted.iter().chain(&failed) {
        crate::exit::report(e, false);
    }
    let listed = match unlisted.len() {
        0 => String::new(),
        1 => "1 entry could not be listed".to_owned(),
        n => format!("{n} entries could not be listed"),
    };
    let Some(first) = failed.first() else {
        return match unlisted.is_empty() {
            true => Ok(()),
            false => {
                Err(Error::new(ErrorKind::Other).with_message(format!("{listed} (shown above)")))
            }
        };
    };
    let and = if listed.is_empty() {
        String::new()
    } else {
        format!(" and {listed}")
    };
    Err(Error::new(first.kind()).with_message(format!(
        "{} files could not be {verb}{and} (shown above); {done} were",
        failed.len()
    )))
}

/// `mv -r`: the tree is copied, then each file whose copy is complete is
/// deleted from the source (a file written during the move, or one that
/// failed or could not be listed, is never deleted uncopied), then the
/// folders they were in, deepest first, where nothing else is left.
pub(crate) fn move_tree(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    jobs: usize,
    overwrite: bool,
) -> Result<()> {
    let report = copy(progress, src, dst, jobs, overwrite, None)?;
    let base = RemotePath::new(&src.path)?;
    let mut folders = BTreeSet::new();
    let deleted = delete_sources(src, &report, jobs);
    for copied in &report.copied {
        folders.extend(ancestors(&copied.src, &base));
    }
    deleted?;
    failures(report, "moved")?;
    let mut folders: Vec<RemotePath> = folders.into_iter().collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.as_str().matches('/').count()));
    for folder in &folders {
        match src.store.delete_folder(folder.as_str(), false, true) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::FolderNotEmpty => {}
            Err(e) => return Err(e),
        }
    }
    if src.store.is_folder(&src.path)? && !src.path.trim_matches('/').is_empty() {
        return Err(Error::new(ErrorKind::Other).with_message(format!(
            "{}: moved every file, but the source still holds entries that were not moved \
             (empty folders, which are not copied on their own, or files written during the \
             move); they are left in place",
            src.label
        )));
    }
    Ok(())
}

/// Deletes the source of every copied file whose version is still the
/// one its copy began from, in batches (in bulk where the service can,
/// ADR-0023). A source changed since (written during the move) is kept
/// and shown, and fails the move; a source already gone counts as
/// deleted: its copy is complete, which is what the move promised. The
/// first failure is returned once every batch was tried (a batch that
/// fails as a whole stops the move there: its error is returned). The
/// versions are checked `jobs` files at a time; between a check and the
/// delete is a window no backend without conditional deletes can close.
fn delete_sources(src: &Target, report: &Report, jobs: usize) -> Result<()> {
    let unchanged = unchanged_sources(src, &report.copied, jobs);
    let mut first = None;
    let mut paths = Vec::new();
    for (copied, check) in report.copied.iter().zip(unchanged) {
        match check {
            Ok(true) => paths.push(copied.src.as_str()),
            Ok(false) => {
                let e = Error::new(ErrorKind::PreconditionFailed)
                    .with_path(&copied.src)
                    .with_message(format!(
                        "{}: changed after its copy began; left at the source",
                        shown(src, &copied.src)
                    ));
                crate::exit::report(&e, false);
                first.get_or_insert(e);
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                crate::exit::report(&e, false);
                first.get_or_insert(e);
            }
        }
    }
    let deleted = src
        .store
        .delete_batch(&paths, true)?
        .into_iter()
        .find_map(Result::err);
    match first.or(deleted) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// For each copied file, whether its source still is the version its copy
/// began from (`true` where the copy recorded none), `jobs` at a time.
fn unchanged_sources(src: &Target, copied: &[Copied], jobs: usize) -> Vec<Result<bool>> {
    let check = |c: &Copied| match &c.source {
        None => Ok(true),
        Some(version) => src
            .store
            .get_file_info(c.src.as_str())
            .map(|now| version.matches(&now)),
    };
    let share = copied.len().div_ceil(jobs.max(1)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = copied
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(check).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// `path`'s folders from its parent up to `base`, inclusive.
fn ancestors(path: &RemotePath, base: &RemotePath) -> Vec<RemotePath> {
    let mut out = Vec::new();
    let mut current = path.parent();
    while let Some(folder) = current {
        let inside = folder.strip_prefix(base).is_some();
        if !inside {
            break;
        }
        let done = &folder == base;
        current = folder.parent();
        out.push(folder);
        if done {
            break;
        }
    }
    out
}
