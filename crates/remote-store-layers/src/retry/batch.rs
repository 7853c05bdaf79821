//! Retrying `delete_batch`: the paths whose delete failed retryably are
//! sent again (and only they), under one attempt count and time budget
//! for the whole batch; a path found gone on a retry is deleted, as for
//! `delete`.

use std::time::Duration;

use remote_store_core::{Error, ErrorKind, RemotePath, Result};

use super::{Attempts, RetryPolicy, gone_after_retry};

/// What to do after an attempt.
pub(crate) enum Step {
    /// Wait this long, then send [`BatchRetry::pending`] again.
    Again(Duration),
    /// The call's answer.
    Done(Result<Vec<Result<()>>>),
}

/// One `delete_batch` call's retry state.
pub(crate) struct BatchRetry<'a> {
    paths: &'a [RemotePath],
    results: Vec<Option<Result<()>>>,
    /// The slots still to delete, in order.
    pending: Vec<usize>,
    attempts: Attempts,
}

impl<'a> BatchRetry<'a> {
    pub(crate) fn new(paths: &'a [RemotePath]) -> Self {
        BatchRetry {
            paths,
            results: paths.iter().map(|_| None).collect(),
            pending: (0..paths.len()).collect(),
            attempts: Attempts::start(),
        }
    }

    /// The paths the next attempt sends.
    pub(crate) fn pending(&self) -> Vec<RemotePath> {
        self.pending
            .iter()
            .map(|&i| self.paths[i].clone())
            .collect()
    }

    /// Takes an attempt's answer.
    pub(crate) fn answer(&mut self, policy: &RetryPolicy, answer: Result<Vec<Result<()>>>) -> Step {
        let made = self.attempts.made();
        let answers = match answer {
            Ok(answers) if answers.len() == self.pending.len() => answers,
            // A short answer is the backend's bug: not retried.
            Ok(_) => {
                let e = Error::other("delete_batch answered the wrong count");
                return self.failed_whole(e);
            }
            // The batch failed as a whole: all of it again.
            Err(e) => {
                return match self.attempts.after(policy, e) {
                    Ok(pause) => Step::Again(pause),
                    Err(e) => self.failed_whole(e),
                };
            }
        };
        let mut again = Vec::new();
        let mut wait: Option<Duration> = None;
        for (&i, answer) in self.pending.iter().zip(answers) {
            let answer = gone_after_retry(answer, made);
            if let Err(e) = &answer
                && e.is_retryable()
            {
                again.push(i);
                wait = wait.max(e.retry_after());
            }
            self.results[i] = Some(answer);
        }
        if again.is_empty() {
            return self.done();
        }
        // One attempt count for the batch: its pause honours the longest
        // wait a path was asked for.
        let mut representative = Error::new(ErrorKind::BackendUnavailable);
        if let Some(wait) = wait {
            representative = representative.with_retry_after(wait);
        }
        match self.attempts.after(policy, representative) {
            Ok(pause) => {
                self.pending = again;
                Step::Again(pause)
            }
            Err(_) => {
                for i in again {
                    if let Some(Err(e)) = self.results[i].take() {
                        self.results[i] = Some(Err(self.attempts.gave_up(e)));
                    }
                }
                self.done()
            }
        }
    }

    /// The batch failed as a whole for good: the call's error when no
    /// path has an answer yet, else that error for the paths still
    /// pending, beside the answers an earlier attempt gave.
    fn failed_whole(&mut self, e: Error) -> Step {
        let answered = self.results.iter().any(Option::is_some);
        if !answered {
            self.attempts.report();
            return Step::Done(Err(e));
        }
        for &i in &self.pending {
            self.results[i] = Some(Err(e.duplicate().with_path(&self.paths[i])));
        }
        self.done()
    }

    fn done(&mut self) -> Step {
        self.attempts.report();
        let results = std::mem::take(&mut self.results);
        Step::Done(Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::other("no answer for this path"))))
            .collect()))
    }
}
