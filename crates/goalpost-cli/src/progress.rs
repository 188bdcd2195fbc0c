use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use goalpost_grade::{Reporter, RowLines};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, drawn only when stderr is a terminal; and every result appended
/// to a partial results file the moment it is graded, so a killed run keeps its work and
/// memory does not hold the run: where each row landed is kept instead ([`Placed`]), and the
/// results files are assembled from there in input order ([`crate::assemble`]).
#[derive(Debug)]
pub(crate) struct Bar {
    bar: ProgressBar,
    partial: Option<Mutex<Partial>>,
    written: AtomicUsize,
}

#[derive(Debug)]
struct Partial {
    path: PathBuf,
    file: fs_err::File,
    /// Where the next line goes.
    pos: u64,
    index: Vec<Placed>,
    /// The first write that failed: the run's results would miss rows, so it stops.
    failed: Option<std::io::Error>,
}

/// Where one row of the run landed in the partial file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed {
    /// The input's index in the run's inputs.
    pub(crate) input: u32,
    pub(crate) offset: u64,
    pub(crate) len: u32,
    pub(crate) error: bool,
}

impl Bar {
    /// `partial`: the file every result is appended to, already holding its header (and, when
    /// a run resumes, the rows it had).
    pub(crate) fn new(quiet: bool, partial: Option<PathBuf>) -> std::io::Result<Self> {
        let partial = match partial {
            Some(path) => {
                let file = fs_err::OpenOptions::new().append(true).open(&path)?;
                let pos = file.metadata()?.len();
                Some(Mutex::new(Partial { path, file, pos, index: Vec::new(), failed: None }))
            }
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

    /// Where every row landed in the partial file, in the order they were written; an error
    /// if a row could not be written.
    pub(crate) fn take_index(&self) -> std::io::Result<Vec<Placed>> {
        let Some(p) = &self.partial else { return Ok(Vec::new()) };
        let mut p = p.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = p.failed.take() {
            return Err(std::io::Error::new(e.kind(), format!("writing `{}`: {e}", p.path.display())));
        }
        Ok(std::mem::take(&mut p.index))
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

    fn on_rows(&self, input: usize, rows: &RowLines) {
        let Some(partial) = &self.partial else { return };
        // Exactly the rows of results.jsonl, so anything that reads results reads a partial
        // run; made before the file is locked, so threads do not wait on each other's writing.
        let input = u32::try_from(input).unwrap_or(u32::MAX);
        let mut p = partial.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let place = |p: &mut Partial, line: &[u8], error: bool| {
            let len = u32::try_from(line.len()).unwrap_or(u32::MAX);
            p.index.push(Placed { input, offset: p.pos, len, error });
            p.pos += line.len() as u64;
        };
        if goalpost_grade::fault::kill_armed() {
            // A kill injected after any row: one write per line.
            for (line, error) in rows.lines() {
                if p.failed.is_some() {
                    return;
                }
                match p.file.write_all(line) {
                    Ok(()) => place(&mut p, line, error),
                    Err(e) => p.failed = Some(e),
                }
                let n = self.written.fetch_add(1, Ordering::Relaxed) + 1;
                goalpost_grade::fault::kill_point(&format!("after:{n}"));
            }
            return;
        }
        if p.failed.is_some() {
            return;
        }
        // One write for the batch: a kill leaves whole lines and at most the last one torn.
        match p.file.write_all(rows.text()) {
            Ok(()) => {
                for (line, error) in rows.lines() {
                    place(&mut p, line, error);
                }
            }
            Err(e) => p.failed = Some(e),
        }
    }
}
