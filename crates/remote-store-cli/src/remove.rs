//! `rstore rm`: one target as before; several files are deleted with one
//! `delete_batch` per store (ADR-0023), and a failure does not stop the
//! others.

use remote_store::{Error, ErrorKind, Result};

use crate::commands::refuse_root;
use crate::target::{Resolver, Target};

/// What `rm` was asked.
pub(crate) struct Rm<'a> {
    pub(crate) targets: &'a [String],
    pub(crate) recursive: bool,
    pub(crate) force: bool,
    pub(crate) no_preserve_root: bool,
}

impl Rm<'_> {
    /// Every target is resolved (and, with `-r`, checked for a root)
    /// before anything is deleted.
    pub(crate) fn run(&self, resolver: &mut Resolver) -> Result<()> {
        let resolved = self
            .targets
            .iter()
            .map(|arg| resolver.resolve(arg))
            .collect::<Result<Vec<Target>>>()?;
        if self.recursive {
            for (arg, t) in self.targets.iter().zip(&resolved) {
                refuse_root("remove", arg, t, self.no_preserve_root)?;
            }
            let failed = resolved
                .iter()
                .filter_map(|t| t.store.delete_folder(&t.path, true, self.force).err())
                .collect();
            return outcome(failed, resolved.len());
        }
        if let [t] = resolved.as_slice() {
            return self.one_file(t);
        }
        let mut failed = Vec::new();
        for group in resolved.chunk_by(|a, b| a.store == b.store) {
            let paths: Vec<&str> = group.iter().map(|t| t.path.as_str()).collect();
            // Asked without missing_ok, so that a folder named among the
            // files is reported (as `rm -f DIR` is), not left silently;
            // `-f` then forgives only the missing ones.
            let answers = match group[0].store.delete_batch(&paths, false) {
                Ok(answers) => answers,
                // The group as a whole: each of its files fails with it,
                // and the other groups go on.
                Err(e) => group
                    .iter()
                    .map(|t| Err(e.duplicate().with_path(&t.label)))
                    .collect(),
            };
            failed.extend(answers.into_iter().filter_map(|answer| match answer {
                Err(e) if self.force && e.kind() == ErrorKind::NotFound => None,
                other => other.err(),
            }));
        }
        outcome(failed, resolved.len())
    }

    fn one_file(&self, t: &Target) -> Result<()> {
        if t.store.is_folder(&t.path)? && !t.store.is_file(&t.path)? {
            return Err(Error::invalid_path(&t.label, "is a folder (use rm -r)"));
        }
        t.store.delete(&t.path, self.force)
    }
}

/// `Ok` when nothing failed; one failure is the command's error; more are
/// shown, and the error is of the first one's kind (its exit code).
fn outcome(mut failed: Vec<Error>, asked: usize) -> Result<()> {
    if failed.len() <= 1 {
        return failed.pop().map_or(Ok(()), Err);
    }
    for e in &failed {
        crate::exit::report(e, false);
    }
    Err(Error::new(failed[0].kind()).with_message(format!(
        "{} of {asked} could not be removed (shown above)",
        failed.len()
    )))
}
