//! Progress bars on standard error, only when it is a terminal and the
//! user did not ask for quiet or JSON output.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use remote_store::RemotePath;
use remote_store::transfer::{FileStart, Observer, Outcome};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    enabled: bool,
}

impl Progress {
    pub(crate) fn new(quiet: bool, json: bool) -> Self {
        Progress {
            enabled: !quiet && !json && std::io::stderr().is_terminal(),
        }
    }

    /// A byte bar for one transfer of `len` bytes (when known).
    pub(crate) fn bytes(&self, label: &str, len: Option<u64>) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = match len {
            Some(len) => ProgressBar::new(len),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        bar
    }

    /// The bars of a tree transfer: files counted, and one bar per file
    /// being copied.
    pub(crate) fn tree(&self, label: &str) -> TreeBars {
        let target = match self.enabled {
            true => ProgressDrawTarget::stderr(),
            false => ProgressDrawTarget::hidden(),
        };
        TreeBars::new(
            MultiProgress::with_draw_target(target),
            self.files(label),
            label,
        )
    }

    /// A counting bar for many files.
    pub(crate) fn files(&self, label: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{msg} {pos} files {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(label.to_owned());
        bar
    }
}

/// A byte bar advanced by a transfer's bytes (a copy of one file).
pub(crate) struct ByteBar(pub(crate) ProgressBar);

impl Observer for ByteBar {
    fn file_started(&self, file: &FileStart) {
        if let Some(size) = file.size {
            self.0.set_length(size);
        }
    }

    fn bytes_moved(&self, _src: &RemotePath, bytes: u64) {
        self.0.inc(bytes);
    }
}

/// A tree transfer's bars: the files counted (with the bytes moved so
/// far), and under it a byte bar for each file in flight, removed when
/// the file ends.
pub(crate) struct TreeBars {
    multi: MultiProgress,
    files: ProgressBar,
    label: String,
    bytes: AtomicU64,
    in_flight: Mutex<HashMap<RemotePath, ProgressBar>>,
}

impl TreeBars {
    fn new(multi: MultiProgress, files: ProgressBar, label: &str) -> Self {
        let files = multi.add(files);
        TreeBars {
            multi,
            files,
            label: label.to_owned(),
            bytes: AtomicU64::new(0),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<RemotePath, ProgressBar>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clears every bar (the transfer ended).
    pub(crate) fn finish(&self) {
        for (_, bar) in self.in_flight().drain() {
            bar.finish_and_clear();
        }
        self.files.finish_and_clear();
    }
}

impl Observer for TreeBars {
    fn file_started(&self, file: &FileStart) {
        if self.files.is_hidden() {
            return;
        }
        let bar = match file.size {
            Some(size) => ProgressBar::new(size),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(
            ProgressStyle::with_template(
                "  {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(file.src.to_string());
        let bar = self.multi.add(bar);
        self.in_flight().insert(file.src.clone(), bar);
    }

    fn bytes_moved(&self, src: &RemotePath, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.files.is_hidden() {
            return;
        }
        self.files
            .set_message(format!("{} {}", self.label, HumanBytes(total)));
        if let Some(bar) = self.in_flight().get(src) {
            bar.inc(bytes);
        }
    }

    fn file_finished(&self, outcome: &Outcome) {
        let src = match outcome {
            Outcome::Copied(c) => &c.src,
            Outcome::Skipped(s) => &s.src,
            Outcome::Failed(f) => &f.src,
        };
        if let Some(bar) = self.in_flight().remove(src) {
            bar.finish_and_clear();
        }
        if matches!(outcome, Outcome::Copied(_) | Outcome::Skipped(_)) {
            self.files.inc(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use indicatif::InMemoryTerm;
    use remote_store::transfer::Transfer;
    use remote_store::{Store, backends::MemoryBackend};

    use super::*;

    fn term() -> ProgressDrawTarget {
        ProgressDrawTarget::term_like(Box::new(InMemoryTerm::new(20, 100)))
    }

    /// Forwards to the bars, and notes the most per-file bars seen.
    struct Watch {
        bars: Arc<TreeBars>,
        most: AtomicUsize,
    }

    impl Observer for Watch {
        fn file_started(&self, file: &FileStart) {
            self.bars.file_started(file);
            let now = self.bars.in_flight().len();
            self.most.fetch_max(now, Ordering::Relaxed);
        }
        fn bytes_moved(&self, src: &RemotePath, bytes: u64) {
            self.bars.bytes_moved(src, bytes);
        }
        fn file_finished(&self, outcome: &Outcome) {
            self.bars.file_finished(outcome);
        }
    }

    #[test]
    fn each_file_in_flight_has_a_bar_until_it_ends() {
        let src = Store::new(MemoryBackend::new());
        for i in 0..12 {
            src.write_bytes(format!("t/f{i}"), vec![1u8; 1000 * i], false)
                .unwrap();
        }
        let dst = Store::new(MemoryBackend::new());
        let files = ProgressBar::with_draw_target(None, term());
        let bars = Arc::new(TreeBars::new(
            MultiProgress::with_draw_target(term()),
            files,
            "t",
        ));
        let watch = Arc::new(Watch {
            bars: bars.clone(),
            most: AtomicUsize::new(0),
        });
        let report = Transfer::new()
            .concurrency(4)
            .observer(watch.clone())
            .copy_tree_blocking(&src, "t", &dst, "u")
            .unwrap();
        assert_eq!(report.copied.len(), 12);
        let most = watch.most.load(Ordering::Relaxed);
        assert!(
            (1..=4).contains(&most),
            "{most} bars at once for 4 files at a time"
        );
        assert!(bars.in_flight().is_empty(), "a finished file kept its bar");
        assert_eq!(bars.files.position(), 12);
        assert_eq!(
            bars.bytes.load(Ordering::Relaxed),
            (0..12).map(|i| 1000 * i).sum::<u64>()
        );
    }
}
