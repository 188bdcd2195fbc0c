//! Grading: a trajectory and a plan in, a [`Verdict`] with evidence out; many at once.
//!
//! [`grade`] is a pure function of one [`Trajectory`](goalpost_trajectory::Trajectory) and one
//! [`Plan`](goalpost_spec::Plan). It first gathers the trajectory's facts once (commands split
//! and read for file writes, test runs and side effects; file edits; the final diff; usage),
//! then evaluates each criterion of the plan against them. Every criterion result carries a
//! status (pass, fail, not applicable, unscored with a reason), a message and the step numbers
//! that prove it.
//!
//! [`run`] grades every trajectory of many inputs on a rayon pool and returns [`RunResults`]
//! in input order, whatever the thread count; progress goes to a [`Reporter`]. [`run_streamed`]
//! keeps no row and hands each batch to the reporter instead; [`JsonlWriter`] and [`CsvWriter`]
//! put the results on disk a row at a time.
//!
//! **Invariant:** nothing here executes, opens or resolves a string taken from a trajectory;
//! commands and paths are only read as text.

pub mod cache;
pub mod changelog;
mod criteria;
mod diff;
mod engine;
mod facts;
pub mod fault;
pub mod ledger;
pub mod manifest;
mod output;
mod shell;
pub mod table;
mod verdict;

pub use engine::{
    NoReporter, Planner, ReadInput, Reporter, Reuse, Row, RunOptions, grade, grade_trajectory, pre_error_row,
    read_input, run, run_streamed,
};
pub use output::{
    AtomicFile, CsvWriter, JsonlWriter, ResultRow, RowLines, header_line, read_rows, row_line, write_atomic,
};
pub use verdict::{
    CriterionResult, ErrorKind, ErrorRow, Outcome, RunResults, Settled, Status, Summary, Totals, Unassessed,
    UnlistedTool, UnscoredReason, Verdict, score, settle,
};
