//! The concurrency variant of the model-based case: a few tasks run random
//! operation sequences at once, on paths of their own and on paths they
//! share; the outcomes must be linearizable, that is explained by one order
//! of all operations that keeps each task's order and real time (an
//! operation that finished before another started comes first) and that the
//! plain model of the contract answers the same way. After the tasks, every
//! path is read to check the final state too.
//!
//! Deletes pass `missing_ok` (see below); writes never overwrite
//! (`overwrite = false`, which needs
//! [`Capability::ExclusiveWrite`](remote_store_core::Capability) to be race-free): overwriting replaces are
//! allowed a moment without the file on some backends (ADR-0008's ssh2
//! engine), which a linearizable model cannot express.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use bytes::Bytes;
use proptest::prelude::*;
use remote_store_core::ErrorKind;

use super::property;
use crate::face::Subject;

/// Tasks running at once.
const TASKS: usize = 3;
/// Paths every task uses.
const SHARED: [&str; 2] = ["s/one.txt", "two.txt"];

/// One operation of a task.
#[derive(Clone, Debug, PartialEq)]
enum Op {
    /// `write(path, len bytes of fill, overwrite = false)`.
    Create(String, u8, usize),
    /// `read_bytes`.
    Read(String),
    /// `delete(path, missing_ok)`.
    Delete(String, bool),
    /// `is_file`.
    IsFile(String),
}

/// What an operation answered: a value, or an error kind.
type Outcome = Result<String, ErrorKind>;

/// An operation as it ran: what, what it answered, and when.
#[derive(Debug)]
struct Done {
    op: Op,
    got: Outcome,
    start: Instant,
    end: Instant,
}

/// The paths task `t` uses: the shared ones and one of its own.
fn paths_of(t: usize) -> Vec<String> {
    let mut paths: Vec<String> = SHARED.iter().map(|p| (*p).to_owned()).collect();
    paths.push(format!("own/{t}.txt"));
    paths
}

fn task_ops(t: usize) -> impl Strategy<Value = Vec<Op>> {
    let path = prop::sample::select(paths_of(t));
    let op = prop_oneof![
        3 => (path.clone(), 1usize..4).prop_map(|(p, len)| Op::Create(p, 0, len)),
        3 => path.clone().prop_map(Op::Read),
        // `missing_ok`: an object store learns whether the file exists
        // with one request and deletes it with another, so of two
        // concurrent deletes both may succeed (see `delete`'s contract).
        2 => path.clone().prop_map(|p| Op::Delete(p, true)),
        1 => path.prop_map(Op::IsFile),
    ];
    prop::collection::vec(op, 1..7)
}

/// The tasks' sequences; every write gets content no other write has
/// (its fill byte), so a read tells which write it saw.
fn all_tasks() -> impl Strategy<Value = Vec<Vec<Op>>> {
    let tasks: Vec<_> = (0..TASKS).map(task_ops).collect();
    tasks.prop_map(|mut tasks| {
        let mut fill = 0u8;
        for op in tasks.iter_mut().flatten() {
            if let Op::Create(_, f, _) = op {
                fill += 1;
                *f = fill;
            }
        }
        tasks
    })
}

fn describe(b: &Bytes) -> String {
    format!("{b:?}")
}

/// The contract for these operations, as plain data.
fn apply(files: &mut BTreeMap<String, Bytes>, op: &Op) -> Outcome {
    match op {
        Op::Create(p, fill, len) => {
            if files.contains_key(p) {
                return Err(ErrorKind::AlreadyExists);
            }
            files.insert(p.clone(), Bytes::from(vec![*fill; *len]));
            Ok(String::new())
        }
        Op::Read(p) => files.get(p).map(describe).ok_or(ErrorKind::NotFound),
        Op::Delete(p, missing_ok) => match files.remove(p) {
            Some(_) => Ok(String::new()),
            None if *missing_ok => Ok(String::new()),
            None => Err(ErrorKind::NotFound),
        },
        Op::IsFile(p) => Ok(files.contains_key(p).to_string()),
    }
}

async fn run(s: &Subject, op: &Op) -> Outcome {
    let done = |r: remote_store_core::Result<()>| r.map(|()| String::new()).map_err(|e| e.kind());
    match op {
        Op::Create(p, fill, len) => done(
            s.write(p, Bytes::from(vec![*fill; *len]), false)
                .await
                .map(drop),
        ),
        Op::Read(p) => s
            .read_bytes(p)
            .await
            .map(|b| describe(&b))
            .map_err(|e| e.kind()),
        Op::Delete(p, m) => done(s.delete(p, *m).await),
        Op::IsFile(p) => s
            .is_file(p)
            .await
            .map(|b| b.to_string())
            .map_err(|e| e.kind()),
    }
}

/// A point of the search: how far each task got, and the files then.
type Explored = (Vec<usize>, Vec<(String, Bytes)>);

/// Whether some order of `histories` (each task's operations in its
/// order) respects real time and agrees with the model from `files`
/// (depth-first, memoizing the states already refuted).
fn linearizable(
    histories: &[Vec<Done>],
    next: &mut Vec<usize>,
    files: &mut BTreeMap<String, Bytes>,
    refuted: &mut HashSet<Explored>,
) -> bool {
    if next.iter().zip(histories).all(|(n, h)| *n == h.len()) {
        return true;
    }
    let key = (next.clone(), files.clone().into_iter().collect::<Vec<_>>());
    if refuted.contains(&key) {
        return false;
    }
    for t in 0..histories.len() {
        let Some(candidate) = histories[t].get(next[t]) else {
            continue;
        };
        // Real time: no pending operation finished before this one began.
        let too_early = (0..histories.len()).any(|u| {
            u != t
                && histories[u]
                    .get(next[u])
                    .is_some_and(|other| other.end < candidate.start)
        });
        if too_early {
            continue;
        }
        let saved = files.clone();
        if apply(files, &candidate.op) == candidate.got {
            next[t] += 1;
            if linearizable(histories, next, files, refuted) {
                return true;
            }
            next[t] -= 1;
        }
        *files = saved;
    }
    refuted.insert(key);
    false
}

/// Concurrent random sequences (three tasks, shared and own paths) give
/// linearizable outcomes, and the final state is one the model reaches.
/// Needs `ExclusiveWrite` (no-overwrite writes race on shared paths).
pub async fn model_based_concurrent_sequences(s: Subject) {
    need!(s, Write, Read, Delete, ExclusiveWrite);
    let check = |store: Subject, tasks: Vec<Vec<Op>>| async move {
        let mut histories = run_tasks(&store, tasks).await;
        let mut next = vec![0; histories.len()];
        if linearizable(
            &histories,
            &mut next,
            &mut BTreeMap::new(),
            &mut HashSet::new(),
        ) {
            return Ok(());
        }
        // Say what happened, in start order, without the timings.
        histories
            .iter_mut()
            .for_each(|h| h.sort_by_key(|d| d.start));
        let shown: Vec<String> = histories
            .iter()
            .enumerate()
            .map(|(t, h)| {
                let ops: Vec<String> = h
                    .iter()
                    .map(|d| format!("{:?} → {:?}", d.op, d.got))
                    .collect();
                format!("task {t}: {}", ops.join("; "))
            })
            .collect();
        Err(format!(
            "no order of the operations agrees with the model:\n{}",
            shown.join("\n")
        ))
    };
    property::run(&s, "concurrent", all_tasks, property::cases(2), 64, check).await;
}

/// Runs the tasks at once, then reads every path: the histories of the
/// tasks, and last the final reads.
async fn run_tasks(store: &Subject, tasks: Vec<Vec<Op>>) -> Vec<Vec<Done>> {
    let running: Vec<_> = tasks
        .into_iter()
        .map(|ops| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut done = Vec::new();
                for op in ops {
                    done.push(timed(&store, op).await);
                }
                done
            })
        })
        .collect();
    let mut histories = Vec::new();
    for task in running {
        histories.push(task.await.expect("a task panicked"));
    }
    // The final state, read after every task has finished.
    let mut last = Vec::new();
    let paths: std::collections::BTreeSet<String> = (0..TASKS).flat_map(paths_of).collect();
    for path in paths {
        last.push(timed(store, Op::Read(path)).await);
    }
    histories.push(last);
    histories
}

/// Runs one operation, noting when it started and ended.
async fn timed(store: &Subject, op: Op) -> Done {
    let start = Instant::now();
    let got = run(store, &op).await;
    Done {
        op,
        got,
        start,
        end: Instant::now(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// An operation that ran from `from` to `to` (milliseconds).
    fn done(op: Op, got: Outcome, base: Instant, from: u64, to: u64) -> Done {
        let at = |ms| base + Duration::from_millis(ms);
        Done {
            op,
            got,
            start: at(from),
            end: at(to),
        }
    }

    fn check(histories: &[Vec<Done>]) -> bool {
        let mut next = vec![0; histories.len()];
        linearizable(
            histories,
            &mut next,
            &mut BTreeMap::new(),
            &mut HashSet::new(),
        )
    }

    #[test]
    fn a_read_after_a_finished_write_must_see_it() {
        let t = Instant::now();
        let p = || "p".to_owned();
        let write = || done(Op::Create(p(), 1, 1), Ok(String::new()), t, 0, 1);
        let stale = vec![
            vec![write()],
            vec![done(Op::Read(p()), Err(ErrorKind::NotFound), t, 2, 3)],
        ];
        assert!(!check(&stale), "a stale read passed");
        // Overlapping in time, either order explains it.
        let overlapping = vec![
            vec![write()],
            vec![done(Op::Read(p()), Err(ErrorKind::NotFound), t, 0, 3)],
        ];
        assert!(check(&overlapping));
    }

    #[test]
    fn two_exclusive_creates_cannot_both_win() {
        let t = Instant::now();
        let p = || "p".to_owned();
        let both = vec![
            vec![done(Op::Create(p(), 1, 1), Ok(String::new()), t, 0, 5)],
            vec![done(Op::Create(p(), 2, 1), Ok(String::new()), t, 0, 5)],
        ];
        assert!(!check(&both), "two winners passed");
        let one = vec![
            vec![done(Op::Create(p(), 1, 1), Ok(String::new()), t, 0, 5)],
            vec![done(
                Op::Create(p(), 2, 1),
                Err(ErrorKind::AlreadyExists),
                t,
                0,
                5,
            )],
            vec![done(
                Op::Read(p()),
                Ok(describe(&Bytes::from(vec![1]))),
                t,
                6,
                7,
            )],
        ];
        assert!(check(&one));
    }
}
