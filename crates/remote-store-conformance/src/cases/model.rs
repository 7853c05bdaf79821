//! The model-based case: random sequences of operations on a few paths,
//! applied to the store under test and to a plain in-memory model of the
//! contract; after every step both must answer the same (values, or error
//! kinds). Sequences come from proptest, which shrinks a failing one to a
//! minimal sequence before reporting it.
//!
//! The paths never put a file where a folder is (`a.txt`, `b.txt`,
//! `d/a.txt`, `d/b.txt`; folders `""` and `d`), so the model holds for
//! every backend, with or without real folders. The folder `d` is also
//! given where a file is expected (read, stat, delete, the source of a
//! rename or copy): the wrong kind of operand (ADR-0011, ADR-0012).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use proptest::prelude::*;
use remote_store_core::{Capabilities, Capability, ErrorKind, Result};

use super::property;
use crate::face::Subject;

/// The paths a run draws from.
struct Paths {
    /// Written, and destinations of rename/copy.
    files: &'static [&'static str],
    /// Where a file is expected (read, stat, delete, sources): the files,
    /// and names that may be folders.
    operands: &'static [&'static str],
    /// Given to `delete_folder`.
    folders: &'static [&'static str],
    /// Listed.
    listed: &'static [&'static str],
    /// Probed with `exists`, `is_file`, `is_folder`.
    probed: &'static [&'static str],
}

/// No file ever sits where a folder is: the model holds on every backend.
const CLEAN: Paths = Paths {
    files: &["a.txt", "b.txt", "d/a.txt", "d/b.txt"],
    operands: &["a.txt", "b.txt", "d/a.txt", "d/b.txt", "d"],
    folders: &["", "d"],
    listed: &["", "d"],
    probed: &["", "d", "a.txt", "b.txt", "d/a.txt", "d/b.txt"],
};

/// Files and folders clash (`d` and `d/x`, `a.txt` and `a.txt/x`): only
/// where folders are real does the contract decide these (ADR-0011).
const CLASHING: Paths = Paths {
    files: &["a.txt", "d", "d/x", "a.txt/x"],
    operands: &["a.txt", "d", "d/x", "a.txt/x"],
    folders: &["", "d", "a.txt"],
    listed: &[""],
    probed: &["", "d", "d/x", "a.txt", "a.txt/x"],
};

/// One operation of a sequence.
#[derive(Clone, Debug)]
enum Op {
    /// `write(path, content, overwrite)`; content is `len` bytes of `fill`.
    Write(&'static str, u8, usize, bool),
    /// `read_bytes`.
    Read(&'static str),
    /// `read_range(path, offset, len)`.
    Range(&'static str, u64, Option<u64>),
    /// `delete(path, missing_ok)`.
    Delete(&'static str, bool),
    /// `delete_folder(folder, recursive, missing_ok)`.
    DeleteFolder(&'static str, bool, bool),
    /// `rename(src, dst, overwrite)`.
    Rename(&'static str, &'static str, bool),
    /// `copy(src, dst, overwrite)`.
    Copy(&'static str, &'static str, bool),
    /// `list_files(folder, recursive)`, compared as (path, size) sets.
    List(&'static str, bool),
    /// `list_folders(folder)`.
    Folders(&'static str),
    /// `exists`, `is_file`, `is_folder` of a file or folder path.
    Probe(&'static str),
    /// `get_file_info(path).size`.
    Info(&'static str),
}

fn ops(caps: Capabilities, paths: &Paths) -> impl Strategy<Value = Op> {
    let operand = prop::sample::select(paths.operands.to_vec());
    let file = prop::sample::select(paths.files.to_vec());
    let folder = prop::sample::select(paths.folders.to_vec());
    let listed = prop::sample::select(paths.listed.to_vec());
    let any_path = prop::sample::select(paths.probed.to_vec());
    let mut choices: Vec<BoxedStrategy<Op>> = vec![
        (file.clone(), any::<u8>(), 0usize..5, any::<bool>())
            .prop_map(|(p, fill, len, o)| Op::Write(p, fill, len, o))
            .boxed(),
        operand.clone().prop_map(Op::Read).boxed(),
        any_path.clone().prop_map(Op::Probe).boxed(),
    ];
    if caps.contains(Capability::RangeRead) {
        choices.push(
            (operand.clone(), 0u64..6, prop::option::of(0u64..6))
                .prop_map(|(p, o, l)| Op::Range(p, o, l))
                .boxed(),
        );
    }
    if caps.contains(Capability::Delete) {
        choices.push(
            (operand.clone(), any::<bool>())
                .prop_map(|(p, m)| Op::Delete(p, m))
                .boxed(),
        );
        choices.push(
            (folder.clone(), any::<bool>(), any::<bool>())
                .prop_map(|(f, r, m)| Op::DeleteFolder(f, r, m))
                .boxed(),
        );
    }
    if caps.contains(Capability::Move) {
        choices.push(
            (operand.clone(), file.clone(), any::<bool>())
                .prop_map(|(a, b, o)| Op::Rename(a, b, o))
                .boxed(),
        );
    }
    if caps.contains(Capability::Copy) {
        choices.push(
            (operand.clone(), file.clone(), any::<bool>())
                .prop_map(|(a, b, o)| Op::Copy(a, b, o))
                .boxed(),
        );
    }
    if caps.contains(Capability::List) {
        let recursive = if caps.contains(Capability::RecursiveList) {
            any::<bool>().boxed()
        } else {
            Just(false).boxed()
        };
        choices.push(
            (listed.clone(), recursive)
                .prop_map(|(f, r)| Op::List(f, r))
                .boxed(),
        );
        choices.push(listed.prop_map(Op::Folders).boxed());
    }
    if caps.contains(Capability::Metadata) {
        choices.push(operand.prop_map(Op::Info).boxed());
    }
    prop::strategy::Union::new(choices)
}

/// The contract, as plain data.
#[derive(Default)]
struct Model {
    files: BTreeMap<&'static str, Bytes>,
    /// Folders that outlive their files (with `PersistentFolders`).
    kept: BTreeSet<&'static str>,
    persistent: bool,
}

/// What an operation answered: a value, or an error kind.
type Outcome = std::result::Result<String, ErrorKind>;

fn under(folder: &str, path: &str) -> bool {
    folder.is_empty() || path.starts_with(&format!("{folder}/"))
}

impl Model {
    fn is_folder(&self, f: &str) -> bool {
        f.is_empty() || self.kept.contains(f) || self.files.keys().any(|p| under(f, p))
    }

    /// With real folders, a written file's folders outlive it.
    fn made(&mut self, path: &'static str) {
        if self.persistent {
            for (i, _) in path.match_indices('/') {
                self.kept.insert(&path[..i]);
            }
        }
    }

    /// Whether a file sits above `path`.
    fn below_a_file(&self, path: &str) -> bool {
        path.match_indices('/')
            .any(|(i, _)| self.files.contains_key(&path[..i]))
    }

    /// With real folders, a file cannot go where a folder is or below a
    /// file (ADR-0011).
    fn blocked(&self, path: &str) -> bool {
        self.persistent && (self.is_folder(path) || self.below_a_file(path))
    }

    /// The folders directly in `f`.
    fn subfolders(&self, f: &str) -> Vec<String> {
        let mut names = BTreeSet::new();
        let candidates = self.files.keys().copied().chain(self.kept.iter().copied());
        for path in candidates.filter(|p| under(f, p) && *p != f) {
            let rest = if f.is_empty() {
                path
            } else {
                &path[f.len() + 1..]
            };
            if let Some((first, _)) = rest.split_once('/') {
                names.insert(if f.is_empty() {
                    first.to_owned()
                } else {
                    format!("{f}/{first}")
                });
            } else if self.kept.contains(path) {
                names.insert(path.to_owned());
            }
        }
        names.into_iter().collect()
    }

    /// `NotFound` for a missing file, `InvalidPath` where a folder is.
    fn missing(&self, p: &str) -> ErrorKind {
        if self.is_folder(p) {
            ErrorKind::InvalidPath
        } else {
            ErrorKind::NotFound
        }
    }

    fn apply(&mut self, op: &Op) -> Outcome {
        use ErrorKind::*;
        match *op {
            Op::Write(p, fill, len, overwrite) => {
                if self.blocked(p) {
                    return Err(InvalidPath);
                }
                if self.files.contains_key(p) && !overwrite {
                    return Err(AlreadyExists);
                }
                self.files.insert(p, Bytes::from(vec![fill; len]));
                self.made(p);
                Ok(String::new())
            }
            Op::Read(p) => self
                .files
                .get(p)
                .map(|b| format!("{b:?}"))
                .ok_or(self.missing(p)),
            Op::Range(p, offset, len) => {
                let b = self.files.get(p).ok_or(self.missing(p))?;
                let start = (offset as usize).min(b.len());
                let end = len.map_or(b.len(), |l| (start + l as usize).min(b.len()));
                Ok(format!("{:?}", b.slice(start..end)))
            }
            Op::Delete(p, missing_ok) => match self.files.remove(p) {
                Some(_) => Ok(String::new()),
                None if missing_ok => Ok(String::new()),
                None => Err(self.missing(p)),
            },
            Op::DeleteFolder(f, recursive, missing_ok) => {
                if !self.is_folder(f) {
                    return if missing_ok {
                        Ok(String::new())
                    } else if self.files.contains_key(f) {
                        Err(InvalidPath)
                    } else {
                        Err(NotFound)
                    };
                }
                let inside = self.files.keys().any(|p| under(f, p))
                    || (f.is_empty() && !self.kept.is_empty());
                if inside && !recursive {
                    return Err(FolderNotEmpty);
                }
                self.files.retain(|p, _| !under(f, p));
                self.kept.retain(|k| !under(f, k) && *k != f);
                Ok(String::new())
            }
            Op::Rename(src, dst, overwrite) | Op::Copy(src, dst, overwrite) => {
                let moving = matches!(op, Op::Rename(..));
                let Some(content) = self.files.get(src).cloned() else {
                    return Err(self.missing(src));
                };
                if src != dst && self.blocked(dst) {
                    return Err(InvalidPath);
                }
                if self.files.contains_key(dst) && !overwrite {
                    return Err(AlreadyExists);
                }
                if src == dst {
                    return Ok(String::new());
                }
                if moving {
                    self.files.remove(src);
                }
                self.files.insert(dst, content);
                self.made(dst);
                Ok(String::new())
            }
            Op::List(f, recursive) => {
                let listed: Vec<String> = self
                    .files
                    .iter()
                    .filter(|(p, _)| under(f, p))
                    .filter(|(p, _)| {
                        recursive || !p[f.len()..].trim_start_matches('/').contains('/')
                    })
                    .map(|(p, b)| format!("{p}:{}", b.len()))
                    .collect();
                Ok(listed.join(","))
            }
            Op::Folders(f) => Ok(self.subfolders(f).join(",")),
            Op::Probe(p) => {
                let file = self.files.contains_key(p);
                let folder = self.is_folder(p);
                Ok(format!(
                    "exists={} file={file} folder={folder}",
                    file || folder
                ))
            }
            Op::Info(p) => self
                .files
                .get(p)
                .map(|b| b.len().to_string())
                .ok_or(self.missing(p)),
        }
    }
}

/// What the store answered: compared by error kind, shown in full.
async fn run(s: &Subject, op: &Op) -> Result<String> {
    let done = |r: Result<()>| r.map(|()| String::new());
    match *op {
        Op::Write(p, fill, len, o) => {
            done(s.write(p, Bytes::from(vec![fill; len]), o).await.map(drop))
        }
        Op::Read(p) => s.read_bytes(p).await.map(|b| format!("{b:?}")),
        Op::Range(p, o, l) => s.read_range(p, o, l).await.map(|b| format!("{b:?}")),
        Op::Delete(p, m) => done(s.delete(p, m).await),
        Op::DeleteFolder(f, r, m) => done(s.delete_folder(f, r, m).await),
        Op::Rename(a, b, o) => done(s.rename(a, b, o).await),
        Op::Copy(a, b, o) => done(s.copy(a, b, o).await),
        Op::List(f, r) => s.list_files(f, r).await.map(|files| {
            let mut listed: Vec<String> = files
                .iter()
                .map(|i| format!("{}:{}", i.path, i.size))
                .collect();
            listed.sort();
            listed.join(",")
        }),
        Op::Folders(f) => s.list_folders(f).await.map(|folders| {
            let mut names: Vec<String> = folders.iter().map(|p| p.to_string()).collect();
            names.sort();
            names.join(",")
        }),
        Op::Probe(p) => {
            let (e, file, folder) = (s.exists(p).await, s.is_file(p).await, s.is_folder(p).await);
            match (e, file, folder) {
                (Ok(e), Ok(file), Ok(folder)) => {
                    Ok(format!("exists={e} file={file} folder={folder}"))
                }
                (Err(x), _, _) | (_, Err(x), _) | (_, _, Err(x)) => Err(x),
            }
        }
        Op::Info(p) => s.get_file_info(p).await.map(|i| i.size.to_string()),
    }
}

/// Random operation sequences agree with the model of the contract after
/// every step; a disagreement is shrunk to a minimal sequence.
/// (`RS_CONFORMANCE_MODEL_CASES` sequences, default 16, of up to 24
/// operations, each in a fresh folder.)
pub async fn model_based_sequences(s: Subject) {
    need!(s, Write, Read);
    run_model(s, &CLEAN, "model").await;
}

/// The model-based case where files and folders clash (a file `d` and a
/// folder `d/`, a file `a.txt` and `a.txt/x`), where folders are real:
/// writes where a folder is or below a file, and rename/copy onto them,
/// are `InvalidPath` (ADR-0011); emptied folders stay.
pub async fn model_based_sequences_with_conflicts(s: Subject) {
    need!(s, Write, Read, PersistentFolders);
    run_model(s, &CLASHING, "clash").await;
}

async fn run_model(s: Subject, paths: &'static Paths, label: &'static str) {
    let caps = s.capabilities();
    let persistent = caps.contains(Capability::PersistentFolders);
    let sequences = move || prop::collection::vec(ops(caps, paths), 1..24);
    // Each shrinking step replays a sequence against the server.
    property::run(
        &s,
        label,
        sequences,
        property::cases(1),
        256,
        move |store, sequence| async move {
            let mut model = Model {
                persistent,
                ..Model::default()
            };
            for (step, op) in sequence.iter().enumerate() {
                let want = model.apply(op);
                let got = run(&store, op).await;
                if got.as_ref().map_err(|e| e.kind()).map(String::as_str)
                    != want.as_ref().map(String::as_str).map_err(|k| *k)
                {
                    let got = match got {
                        Ok(v) => format!("Ok({v:?})"),
                        Err(e) => format!("Err({:?}: {e})", e.kind()),
                    };
                    return Err(format!(
                        "step {step}, {op:?}: the store answered {got}, the model {want:?}"
                    ));
                }
            }
            Ok(())
        },
    )
    .await;
}
