//! The commands. Each resolves its locations, then calls the store API;
//! content and listings stream.

use std::io::{self, Write};
use std::sync::Arc;

use remote_store::transfer::{Checksum, IfExists, SourceVersion, Transfer};
use remote_store::{Capability, Error, ErrorKind, FolderInfo, RemotePath, Result, Store};
use serde_json::json;

use crate::args::{Cli, Command};
use crate::layers::Flags;
use crate::output::Printer;
use crate::overlap::refuse_overlap;
use crate::progress::{ByteBar, Progress};
use crate::target::{Resolver, Target};

struct Ctx {
    resolver: Resolver,
    out: Printer,
    progress: Progress,
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    if let Command::Completions { shell } = cli.command {
        // Before the configuration is read: a script needs none.
        return completions(shell);
    }
    let mut ctx = Ctx {
        resolver: Resolver::new(
            cli.config.as_deref(),
            Flags {
                retries: cli.retries,
                timeout: cli.timeout,
                trace: cli.verbose,
            },
        )?,
        out: Printer::new(cli.json),
        progress: Progress::new(cli.quiet, cli.json),
    };
    let result = dispatch(&mut ctx, cli.command);
    match result {
        // A closed pipe (`rstore cat x | head`) is not a failure.
        Err(e) if is_broken_pipe(&e) => Ok(()),
        other => other,
    }
}

/// `rstore completions SHELL`: the script, on standard output.
fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut stdout = io::stdout().lock();
    clap_complete::generate(shell, &mut command, "rstore", &mut stdout);
    Ok(stdout.flush()?)
}

fn is_broken_pipe(e: &Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

fn dispatch(ctx: &mut Ctx, command: Command) -> Result<()> {
    match command {
        Command::Ls {
            target,
            recursive,
            long,
            unsorted,
        } => {
            let t = ctx.resolver.resolve(&target)?;
            let sorted = !unsorted && !ctx.out.json;
            ls(ctx, &t, recursive, long, sorted)
        }
        Command::Cat { target } => {
            let t = ctx.resolver.resolve(&target)?;
            cat(&t)
        }
        Command::Put {
            local,
            target,
            no_clobber,
        } => {
            let src = local_arg(&local)?;
            let src = ctx.resolver.resolve(&src)?;
            let dst = ctx.resolver.resolve(&target)?;
            copy_file(&ctx.progress, &src, &dst, !no_clobber)
        }
        Command::Get {
            target,
            local,
            no_clobber,
        } => {
            let src = ctx.resolver.resolve(&target)?;
            let dst = local_arg(&local)?;
            let dst = ctx.resolver.resolve(&dst)?;
            copy_file(&ctx.progress, &src, &dst, !no_clobber)
        }
        Command::Cp {
            src,
            dst,
            recursive,
            jobs,
            no_clobber,
            checksum,
            hash,
        } => {
            let src = ctx.resolver.resolve(&src)?;
            let dst = ctx.resolver.resolve(&dst)?;
            let verify = checksum.then_some(hash.checksum());
            if recursive {
                copy_tree(
                    &ctx.progress,
                    &src,
                    &dst,
                    usize::from(jobs),
                    !no_clobber,
                    verify,
                )
            } else {
                copy_checked(&ctx.progress, &src, &dst, !no_clobber, verify)
            }
        }
        Command::Sync {
            src,
            dst,
            delete,
            dry_run,
            size_only,
            jobs,
            checksum,
            hash,
        } => {
            let src = ctx.resolver.resolve(&src)?;
            let dst = ctx.resolver.resolve(&dst)?;
            let options = crate::tree::SyncFlags {
                delete,
                dry_run,
                size_only,
                jobs: usize::from(jobs),
                verify: checksum.then_some(hash.checksum()),
            };
            let report = crate::tree::sync(&ctx.progress, &src, &dst, &options)?;
            crate::tree::print_plan(&mut ctx.out, &src, &dst, &report)?;
            crate::tree::failures(report, "copied")
        }
        Command::Mv {
            src,
            dst,
            recursive,
            no_clobber,
        } => {
            let src = ctx.resolver.resolve(&src)?;
            let dst = ctx.resolver.resolve(&dst)?;
            mv(&ctx.progress, &src, &dst, recursive, !no_clobber)
        }
        Command::Rm {
            targets,
            recursive,
            force,
            no_preserve_root,
        } => crate::remove::Rm {
            targets: &targets,
            recursive,
            force,
            no_preserve_root,
        }
        .run(&mut ctx.resolver),
        Command::Stat { target } => {
            let t = ctx.resolver.resolve(&target)?;
            if t.store.is_file(&t.path)? {
                let info = t.store.get_file_info(&t.path)?;
                ctx.out.file_info(&info)?;
            } else if t.store.is_folder(&t.path)? {
                let info = t.store.get_folder_info(&t.path)?;
                ctx.out.folder_info(&info)?;
            } else {
                return Err(Error::not_found(&t.label));
            }
            Ok(())
        }
        Command::Du { target } => {
            let t = ctx.resolver.resolve(&target)?;
            du(ctx, &t)
        }
        Command::Mkdir { target } => {
            let t = ctx.resolver.resolve(&target)?;
            mkdir(&t)
        }
        Command::Caps { target } => {
            let t = ctx.resolver.resolve(&target)?;
            let caps = t.store.capabilities();
            if ctx.out.json {
                let names: Vec<_> = caps.iter().map(|c| c.as_str()).collect();
                ctx.out
                    .value(json!({ "backend": t.store.name(), "capabilities": names }))?;
            } else {
                for cap in caps.iter() {
                    ctx.out.text(cap.as_str())?;
                }
            }
            Ok(())
        }
        Command::Completions { shell } => completions(shell),
        Command::Stores => {
            let names: Vec<String> = ctx
                .resolver
                .registry()?
                .store_names()
                .map(str::to_owned)
                .collect();
            let source = ctx
                .resolver
                .config_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            for name in names {
                if ctx.out.json {
                    ctx.out.value(json!({ "store": name, "config": source }))?;
                } else {
                    ctx.out.text(&name)?;
                }
            }
            Ok(())
        }
    }
}

/// Prints the usage of a folder. Entries the listing cannot return are
/// reported, the total of the others printed, and the command fails.
fn du(ctx: &mut Ctx, t: &Target) -> Result<()> {
    match t.store.get_folder_info(&t.path) {
        Ok(info) => {
            ctx.out.usage(&info)?;
            Ok(())
        }
        Err(e) if e.is_unlisted() => {
            let mut info = FolderInfo::new(RemotePath::new(&t.path)?);
            let mut unlisted = Unlisted::default();
            for file in t.store.list_files(&t.path, true)? {
                if let Some(file) = unlisted.check(file)? {
                    info.add(&file);
                }
            }
            ctx.out.usage(&info)?;
            unlisted.result()
        }
        Err(e) => Err(e),
    }
}

/// A local path argument as a location (never a URL or a store name).
fn local_arg(path: &std::path::Path) -> Result<String> {
    let absolute = crate::target::lexical(&std::env::current_dir()?.join(path));
    let mut s = format!("file://{}", absolute.display());
    if path.as_os_str().to_string_lossy().ends_with('/') && !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

fn ls(ctx: &mut Ctx, t: &Target, recursive: bool, long: bool, sorted: bool) -> Result<()> {
    if !t.store.supports(Capability::List) && !t.store.supports(Capability::Metadata) {
        // Nothing to list or describe with (plain HTTP): refused before
        // any request, not with whatever the server answers a folder.
        return Err(Error::unsupported(Capability::List)
            .with_path(&t.label)
            .with_message(format!(
                "the {} backend cannot list or describe files (read them with cat or cp)",
                t.store.name()
            )));
    }
    if !t.path.trim_matches('/').is_empty() && t.store.is_file(&t.path)? {
        let info = t.store.get_file_info(&t.path)?;
        ctx.out.file(&info, long)?;
        return Ok(());
    }
    if !t.store.is_folder(&t.path)? {
        // Let the backend say why (a refused link is not "missing").
        drop(t.store.list_folders(&t.path)?);
        return Err(Error::not_found(&t.label));
    }
    // Entries are shown relative to the listed folder.
    let base = remote_store::RemotePath::new(&t.path)?;
    let relative = |p: remote_store::RemotePath| p.strip_prefix(&base).unwrap_or(p);
    let mut unlisted = Unlisted::default();
    let mut entries = Listed::new(sorted);
    let mut walk = || -> Result<()> {
        if !recursive {
            for folder in t.store.list_folders(&t.path)? {
                match folder {
                    Ok(folder) => entries.add(ctx, Entry::Folder(relative(folder)), long)?,
                    // Reported here, and not again if the file pass below
                    // reports the same entry (local folders do).
                    item => drop(unlisted.check(item)?),
                }
            }
        }
        for file in t.store.list_files(&t.path, recursive)? {
            if let Some(mut file) = unlisted.check(file)? {
                file.path = relative(file.path);
                entries.add(ctx, Entry::File(file), long)?;
            }
        }
        Ok(())
    };
    let walked = walk();
    // What was listed before a failure is shown, sorted, as it would have
    // been streamed.
    entries.finish(ctx, long)?;
    walked?;
    unlisted.result()
}

/// One entry `ls` shows.
enum Entry {
    Folder(remote_store::RemotePath),
    File(remote_store::FileInfo),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Folder(p) => p.as_str(),
            Entry::File(f) => f.path.as_str(),
        }
    }

    fn show(&self, ctx: &mut Ctx, long: bool) -> Result<()> {
        match self {
            Entry::Folder(p) => Ok(ctx.out.folder(p, long)?),
            Entry::File(f) => Ok(ctx.out.file(f, long)?),
        }
    }
}

/// `ls`'s entries: shown as they come, or held and shown sorted by name
/// (bytewise, as `LC_ALL=C ls` sorts) at the end.
struct Listed {
    held: Option<Vec<Entry>>,
}

impl Listed {
    fn new(sorted: bool) -> Self {
        Listed {
            held: sorted.then(Vec::new),
        }
    }

    fn add(&mut self, ctx: &mut Ctx, entry: Entry, long: bool) -> Result<()> {
        match &mut self.held {
            Some(held) => {
                held.push(entry);
                Ok(())
            }
            None => entry.show(ctx, long),
        }
    }

    fn finish(self, ctx: &mut Ctx, long: bool) -> Result<()> {
        let Some(mut held) = self.held else {
            return Ok(());
        };
        held.sort_by(|a, b| a.name().cmp(b.name()));
        held.iter().try_for_each(|e| e.show(ctx, long))
    }
}

/// Entries a listing reported instead of returning (ADR-0010): each is
/// shown on standard error as it comes, the listing goes on, and the
/// command fails at the end.
#[derive(Default)]
struct Unlisted {
    count: usize,
    /// What was reported, so an entry two listings give is shown once.
    seen: std::collections::HashSet<String>,
}

impl Unlisted {
    /// The item's value; `None` for an entry that could not be listed
    /// (reported now); an error when the listing itself failed.
    fn check<T>(&mut self, item: Result<T>) -> Result<Option<T>> {
        match item {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is_unlisted() => {
                if self.seen.insert(e.to_string()) {
                    crate::exit::report(&e, false);
                    self.count += 1;
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn result(self) -> Result<()> {
        match self.count {
            0 => Ok(()),
            1 => Err(Error::new(ErrorKind::Other)
                .with_message("1 entry could not be listed (shown above)")),
            n => Err(Error::new(ErrorKind::Other)
                .with_message(format!("{n} entries could not be listed (shown above)"))),
        }
    }
}

/// Where a file lands: inside `dst` when it is (or is written as) a folder.
fn destination(src: &Target, dst: &Target) -> Result<Target> {
    let is_folder = dst.names_folder()
        || dst.path.trim_matches('/').is_empty()
        || (dst.store.is_folder(&dst.path)? && !dst.store.is_file(&dst.path)?);
    Ok(if is_folder {
        dst.join(src.name())
    } else {
        dst.clone()
    })
}

/// Copies one file, inside the backend when both sides share it.
fn copy_file(progress: &Progress, src: &Target, dst: &Target, overwrite: bool) -> Result<()> {
    if !src.store.is_file(&src.path)? {
        return Err(if src.store.is_folder(&src.path)? {
            Error::invalid_path(&src.label, "is a folder (folders: cp -r, mv -r)")
        } else {
            Error::not_found(&src.label)
        });
    }
    let dst = destination(src, dst)?;
    refuse_overlap("copy", src, &dst)?;
    transfer(progress, src, &dst.store, &dst.path, overwrite, None)
}

fn same_backend(a: &Store, b: &Store) -> bool {
    a == b
}

/// Copies `src` to `dst_path` through the transfer API: inside the
/// backend when both stores share one that can copy, else streamed (a
/// large file as ranges read in parallel), under a byte bar; with
/// `verify`, the copy is checked against the source's digest.
fn transfer(
    progress: &Progress,
    src: &Target,
    dst: &Store,
    dst_path: &str,
    overwrite: bool,
    verify: Option<Checksum>,
) -> Result<()> {
    // Sized when the copy starts (the transfer states the source).
    let bar = Arc::new(ByteBar(progress.bytes(src.name(), None)));
    let if_exists = match overwrite {
        true => IfExists::Overwrite,
        false => IfExists::Fail,
    };
    let token = crate::interrupt::cancel_token();
    let mut transfer = Transfer::new()
        .if_exists(if_exists)
        .observer(bar.clone())
        .cancel_token(token.clone());
    if let Some(checksum) = verify {
        transfer = transfer.verify(checksum);
    }
    let result = transfer
        .copy_file_blocking(&src.store, &src.path, dst, dst_path)
        .map(drop);
    bar.0.finish_and_clear();
    match result {
        Err(_) if token.is_cancelled() => Err(crate::interrupt::error()),
        result => result,
    }
}

/// `cp -r`: a file is copied as `cp` copies it, a folder tree through
/// the transfer API.
fn copy_tree(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    jobs: usize,
    overwrite: bool,
    verify: Option<Checksum>,
) -> Result<()> {
    if src.store.is_file(&src.path)? {
        return copy_checked(progress, src, dst, overwrite, verify);
    }
    if !src.store.is_folder(&src.path)? {
        return Err(Error::not_found(&src.label));
    }
    let report = crate::tree::copy(progress, src, dst, jobs, overwrite, verify)?;
    crate::tree::failures(report, "copied")
}

/// `cat`: the file's bytes to standard output. Where the backend keeps
/// metadata, the output must be one whole version: exactly the size the
/// file had when opened, and the file unchanged (size, time, etag) after
/// the last byte; otherwise `PreconditionFailed` (exit 1) once the bytes
/// are out, so a script does not take them for the file.
fn cat(t: &Target) -> Result<()> {
    let mut stdout = io::stdout().lock();
    if !t.store.supports(Capability::Metadata) {
        let mut reader = t.store.read(&t.path)?;
        io::copy(&mut reader, &mut stdout)?;
        stdout.flush()?;
        return Ok(());
    }
    let whole = remote_store::ReadOptions::new();
    let (before, mut reader) = t.store.read_with_info(&t.path, &whole)?;
    let written = io::copy(&mut reader, &mut stdout)?;
    stdout.flush()?;
    let after = t.store.get_file_info(&t.path);
    let unchanged = after.is_ok_and(|after| SourceVersion::of(&before).matches(&after));
    if written == before.size && unchanged {
        return Ok(());
    }
    Err(Error::new(ErrorKind::PreconditionFailed)
        .with_path(t.path.as_str())
        .with_message(format!(
            "the file changed while it was read ({} bytes were written of the {} it had); \
             the output is not one version of it",
            written, before.size
        )))
}

/// `cp` of one file; with `verify`, the copy is read back (or its etag
/// compared) and checked against the source's digest.
fn copy_checked(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    overwrite: bool,
    verify: Option<Checksum>,
) -> Result<()> {
    let Some(checksum) = verify else {
        return copy_file(progress, src, dst, overwrite);
    };
    if !src.store.is_file(&src.path)? {
        return copy_file(progress, src, dst, overwrite); // its errors
    }
    let dst = destination(src, dst)?;
    refuse_overlap("copy", src, &dst)?;
    transfer(
        progress,
        src,
        &dst.store,
        &dst.path,
        overwrite,
        Some(checksum),
    )
}

fn mv(
    progress: &Progress,
    src: &Target,
    dst: &Target,
    recursive: bool,
    overwrite: bool,
) -> Result<()> {
    if src.store.is_file(&src.path)? {
        let dst = destination(src, dst)?;
        refuse_overlap("move", src, &dst)?;
        if same_backend(&src.store, &dst.store) && dst.store.supports(Capability::Move) {
            return dst.store.rename(&src.path, &dst.path, overwrite);
        }
        transfer(progress, src, &dst.store, &dst.path, overwrite, None)?;
        return src.store.delete(&src.path, false);
    }
    if !src.store.is_folder(&src.path)? {
        return Err(Error::not_found(&src.label));
    }
    if !recursive {
        return Err(Error::invalid_path(&src.label, "is a folder (use mv -r)"));
    }
    refuse_root("move", &src.label, src, false)?;
    // Checked here too (the copy checks as a copy): never copy-then-delete
    // over an overlap.
    refuse_overlap("move", src, dst)?;
    crate::tree::move_tree(progress, src, dst, 4, overwrite)
}

/// Refuses to remove (or move away) a root, as `rm` refuses `/`, `.` and
/// `..`: the folder written as `.` or `..` (often the working folder or
/// its parent), and the root of a store, bucket, container or the file
/// system, unless `allowed` (`--no-preserve-root`).
pub(crate) fn refuse_root(verb: &str, arg: &str, t: &Target, allowed: bool) -> Result<()> {
    let last = arg
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("");
    if matches!(last, "." | "..") {
        return Err(Error::new(ErrorKind::InvalidArgument)
            .with_message(format!("refusing to {verb} '{arg}': a '.' or '..' folder")));
    }
    if t.path.trim_matches('/').is_empty() && !allowed {
        return Err(Error::new(ErrorKind::InvalidArgument).with_message(format!(
            "refusing to {verb} '{arg}': it is the root of {} (use --no-preserve-root to \
             empty a whole store)",
            t.store.name()
        )));
    }
    Ok(())
}

fn mkdir(t: &Target) -> Result<()> {
    if !t.store.supports(Capability::PersistentFolders) {
        return Err(
            Error::new(ErrorKind::CapabilityNotSupported).with_message(format!(
                "{}: folders on this backend exist only while files are stored in them; \
             write a file to create one",
                t.store.name()
            )),
        );
    }
    if t.store.name() != "local" {
        return Err(
            Error::new(ErrorKind::CapabilityNotSupported).with_message(format!(
                "mkdir is not available for the {} backend yet",
                t.store.name()
            )),
        );
    }
    if t.store.is_file(&t.path)? {
        return Err(Error::already_exists(&t.label));
    }
    let native = t.store.native_path(&t.path)?;
    std::fs::create_dir_all(&native).map_err(|e| Error::from(e).with_path(&t.label))
}
