//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Work with files on any remote-store backend.
///
/// Locations are URLs (`memory://`, `file:///srv/data/a.txt`,
/// `s3://bucket/key`), `store:path` for a store named in the configuration
/// file, or plain local paths.
#[derive(Debug, Parser)]
#[command(name = "rstore", version)]
pub(crate) struct Cli {
    /// Configuration file (default: `<config dir>/remote-store/config.toml`).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Print machine-readable JSON (one object per line).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Show the cause chain of errors, and log every storage operation
    /// (backend, path, bytes, outcome, attempts, time) to stderr.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// Retry a call that failed with a transient error up to N more times,
    /// with exponential backoff (default 3; 0 never retries).
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) retries: Option<u32>,
    /// Fail a call that does not answer, or a transfer that moves no byte,
    /// within SECONDS (default: 120 for a call, 60 for a stalled transfer).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    pub(crate) timeout: Option<f64>,
    /// No progress bars.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List a folder (or show one file).
    Ls {
        /// The folder (default: the current folder).
        #[arg(default_value = ".")]
        target: String,
        /// Every file below, at any depth.
        #[arg(short, long)]
        recursive: bool,
        /// Sizes and modification times.
        #[arg(short, long)]
        long: bool,
        /// Entries as the listing gives them, printed as they come (with
        /// --json they always are); otherwise they are sorted by name,
        /// which holds the whole listing in memory first.
        #[arg(short = 'U', long)]
        unsorted: bool,
    },
    /// Print a file to standard output.
    Cat {
        /// The file.
        target: String,
    },
    /// Upload a local file.
    Put {
        /// The local file.
        local: PathBuf,
        /// Where to put it (a folder keeps the file name).
        target: String,
        /// Refuse to replace an existing file.
        #[arg(short = 'n', long)]
        no_clobber: bool,
    },
    /// Download a file.
    Get {
        /// The file.
        target: String,
        /// Where to write it (a folder keeps the file name).
        local: PathBuf,
        /// Refuse to replace an existing file.
        #[arg(short = 'n', long)]
        no_clobber: bool,
    },
    /// Copy from any location to any other, streaming.
    Cp {
        /// What to copy.
        src: String,
        /// Where to (a folder keeps the name).
        dst: String,
        /// Copy a folder and everything below it.
        #[arg(short, long)]
        recursive: bool,
        /// Files copied at once with --recursive.
        #[arg(short, long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: u16,
        /// Refuse to replace existing files.
        #[arg(short = 'n', long)]
        no_clobber: bool,
        /// Verify each copy: the digest of the source's bytes against that
        /// of the destination, read back after the write (not on S3 when
        /// its etag is the MD5 of the bytes sent, one part or many).
        #[arg(long)]
        checksum: bool,
        /// The digest --checksum uses. With md5, a copy inside one S3 server
        /// whose source and copy carry the same MD5 etag is read on neither
        /// side.
        #[arg(long, value_enum, default_value_t = Hash::Sha256, requires = "checksum")]
        hash: Hash,
    },
    /// Make the folder DST hold what the folder SRC holds: copy files that
    /// are missing or changed (size, or a source newer than its copy),
    /// leave the others; run again after an interruption to resume.
    Sync {
        /// The folder to copy from.
        src: String,
        /// The folder to bring up to date.
        dst: String,
        /// Also delete files SRC does not have (only after every copy
        /// succeeded).
        #[arg(long)]
        delete: bool,
        /// Print what would be copied and deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Compare sizes only, not modification times.
        #[arg(long)]
        size_only: bool,
        /// Compare files of the same size by digest (both sides read), and
        /// verify each copy against its source.
        #[arg(long)]
        checksum: bool,
        /// The digest --checksum uses (see cp --hash).
        #[arg(long, value_enum, default_value_t = Hash::Sha256, requires = "checksum")]
        hash: Hash,
        /// Files copied at once.
        #[arg(short, long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: u16,
    },
    /// Move a file (or, with --recursive, a folder).
    Mv {
        /// What to move.
        src: String,
        /// Where to.
        dst: String,
        /// Move a folder and everything below it.
        #[arg(short, long)]
        recursive: bool,
        /// Refuse to replace existing files.
        #[arg(short = 'n', long)]
        no_clobber: bool,
    },
    /// Delete files (or, with --recursive, folders). Several files on one
    /// store are deleted together (in bulk where the service can); a
    /// failure does not stop the others.
    Rm {
        /// What to delete.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Delete a folder and everything below it.
        #[arg(short, long)]
        recursive: bool,
        /// No error when it does not exist.
        #[arg(short, long)]
        force: bool,
        /// Allow removing the root of a store, a bucket or the file system
        /// (refused otherwise, as `rm` refuses `/`).
        #[arg(long)]
        no_preserve_root: bool,
    },
    /// Show metadata of a file or folder.
    Stat {
        /// The file or folder.
        target: String,
    },
    /// Total size and file count below a folder.
    Du {
        /// The folder.
        target: String,
    },
    /// Create a folder, on backends where empty folders exist.
    Mkdir {
        /// The folder.
        target: String,
    },
    /// Print the capabilities of a location's backend.
    Caps {
        /// Any location on the backend.
        target: String,
    },
    /// List the stores of the configuration file.
    Stores,
    /// Print a shell completion script, e.g.
    /// `rstore completions bash > ~/.local/share/bash-completion/completions/rstore`.
    Completions {
        /// The shell (bash, elvish, fish, powershell, zsh).
        shell: clap_complete::Shell,
    },
}

/// A number of seconds above 0 and at most a week.
fn seconds(text: &str) -> Result<f64, String> {
    let n: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if n.is_finite() && (0.001..=7.0 * 24.0 * 3600.0).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{text}: expected seconds from 0.001 to a week"))
    }
}

/// The digests `--checksum` can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Hash {
    /// SHA-256 (the default).
    Sha256,
    /// MD5: S3's etag of a single-part upload, so such copies are not read
    /// back.
    Md5,
}

impl Hash {
    pub(crate) fn checksum(self) -> remote_store::transfer::Checksum {
        match self {
            Hash::Sha256 => remote_store::transfer::Checksum::Sha256,
            Hash::Md5 => remote_store::transfer::Checksum::Md5,
        }
    }
}
