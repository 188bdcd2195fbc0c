use std::io::IsTerminal;
use std::path::Path;

use goalpost_grade::Reporter;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, drawn only when stderr is a terminal.
#[derive(Debug)]
pub(crate) struct Bar(ProgressBar);

impl Bar {
    pub(crate) fn new(quiet: bool) -> Self {
        let bar = ProgressBar::hidden();
        if !quiet && std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} grading [{bar:30}] {pos}/{len} inputs, {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
        }
        Self(bar)
    }

    pub(crate) fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Reporter for Bar {
    fn on_start(&self, inputs: usize) {
        self.0.set_length(inputs as u64);
    }

    fn on_input_done(&self, _path: &Path, _graded: usize, errored: usize) {
        if errored > 0 {
            self.0.set_message("some inputs errored");
        }
        self.0.inc(1);
    }
}
