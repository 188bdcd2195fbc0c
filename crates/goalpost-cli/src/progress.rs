use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use goalpost_grade::{ErrorRow, Reporter, Verdict};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, drawn only when stderr is a terminal; and every result appended
/// to a partial results file the moment it is graded, so a killed run keeps its work.
#[derive(Debug)]
pub(crate) struct Bar {
    bar: ProgressBar,
    partial: Option<(PathBuf, Mutex<fs_err::File>)>,
    written: AtomicUsize,
}

impl Bar {
    /// `partial`: the file every result is appended to, already holding its header (and, when
    /// a run resumes, the rows it had).
    pub(crate) fn new(quiet: bool, partial: Option<PathBuf>) -> std::io::Result<Self> {
        let partial = match partial {
            Some(p) => Some((p.clone(), Mutex::new(fs_err::OpenOptions::new().append(true).open(p)?))),
            None => None,
        };
        let bar = ProgressBar::hidden();
        if !quiet && std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} grading [{bar:30}] {pos}/{len} inputs, {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        Ok(Self { bar, partial, written: AtomicUsize::new(0) })
    }

    /// Clears the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Reporter for Bar {
    fn on_start(&self, inputs: usize) {
        self.bar.set_length(inputs as u64);
    }

    fn on_input_done(&self, _path: &Path, _graded: usize, errored: usize) {
        if errored > 0 {
            self.bar.set_message("some inputs errored");
        }
        self.bar.inc(1);
    }

    fn on_result(&self, row: Result<&Verdict, &ErrorRow>) {
        let Some((_, file)) = &self.partial else { return };
        // Exactly the rows of results.jsonl, so anything that reads results reads a partial run.
        let line = goalpost_grade::row_line(row);
        if let Ok(mut f) = file.lock() {
            // One write per line, so a kill leaves at most the last line torn.
            let _ = f.write_all(line.as_bytes());
            let n = self.written.fetch_add(1, Ordering::Relaxed) + 1;
            if goalpost_grade::fault::kill_armed() {
                goalpost_grade::fault::kill_point(&format!("after:{n}"));
            }
        }
    }
}
