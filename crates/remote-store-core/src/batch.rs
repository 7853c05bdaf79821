//! The faces' side of `delete_batch`: each path checked on its own (a
//! refused path is its own item), the rest handed to the backend in
//! batches of at most [`DELETE_BATCH_MAX`](crate::DELETE_BATCH_MAX), and
//! the answers put back in the caller's order.

use crate::error::{Error, Result};
use crate::path::RemotePath;
use crate::scope::Scope;

/// The answers of one `delete_batch` call of a face, one slot per path
/// the caller gave.
pub(crate) struct Answers {
    slots: Vec<Option<Result<()>>>,
}

/// A batch's resolved paths, each with its slot in [`Answers`].
pub(crate) type Targets = Vec<(usize, RemotePath)>;

impl Answers {
    /// Resolves every path under `scope`: a path the rules refuse is
    /// answered at once, the others are returned to be deleted.
    pub(crate) fn resolve(scope: &Scope, paths: &[impl AsRef<str>]) -> (Self, Targets) {
        let mut slots = Vec::with_capacity(paths.len());
        let mut targets = Vec::with_capacity(paths.len());
        for (i, path) in paths.iter().enumerate() {
            match scope.file(path.as_ref()) {
                Ok(p) => {
                    targets.push((i, p));
                    slots.push(None);
                }
                Err(e) => slots.push(Some(Err(e))),
            }
        }
        (Self { slots }, targets)
    }

    /// Answers slot `i`.
    pub(crate) fn settle(&mut self, i: usize, result: Result<()>) {
        self.slots[i] = Some(result);
    }

    /// The answers, one per path given, in order.
    pub(crate) fn finish(self) -> Vec<Result<()>> {
        self.slots
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::other("no answer for this path"))))
            .collect()
    }
}

/// The paths of one backend call.
pub(crate) fn paths_of(batch: &[(usize, RemotePath)]) -> Vec<RemotePath> {
    batch.iter().map(|(_, p)| p.clone()).collect()
}

/// Refuses a backend's answer list that does not match its batch (a
/// backend bug), rather than leave paths unanswered or misattributed.
pub(crate) fn check_count(answers: &[Result<()>], batch: &[(usize, RemotePath)]) -> Result<()> {
    if answers.len() == batch.len() {
        return Ok(());
    }
    Err(Error::other(format!(
        "delete_batch answered {} results for {} paths",
        answers.len(),
        batch.len()
    )))
}
