//! Trajectories: what an agent did, step by step, in one canonical form.
//!
//! The canonical format (documented in `docs/trajectory-format.md`) is JSON Lines: a
//! [`Header`], then ordered [`Record`]s (messages, tool calls and results, shell commands,
//! file edits, test runs, side effects, usage, metrics, errors), then a [`FinalState`].
//! One file may hold several trajectories; each header starts a new one.
//!
//! [`TrajectoryReader`] streams one [`Trajectory`] at a time, so grading never holds more
//! than the trajectories in flight. Every problem is an [`IngestError`] naming file, line and
//! field; an error ends only the trajectory it is in, and the reader goes on with the next.
//!
//! External formats are turned into the same types by importers: [`swebench`] reads a
//! SWE-bench run of mini-swe-agent (`trajs/` + `logs/*/report.json`) and derives one scenario
//! per instance. [`discover`] finds the inputs under the paths a user gives and tells formats
//! apart by content, not by name. [`tools`] names the tools that run shell commands.

mod error;
pub mod formats;
mod input;
pub mod isolate;
mod model;
mod read;
pub mod swebench;
pub mod text;
pub mod tools;
mod write;

pub use error::{IngestError, IngestWarning};
pub use input::{Discovery, Input, InputKind, Skipped, discover, discover_all, read_back};
pub use model::{
    Command, EditOp, ErrorEvent, ErrorKind, FileEdit, FinalState, Header, Message, Metric, Origin, Record, Role,
    SideEffect, SourceInfo, SourceScore, Step, TestOutcome, TestResult, TestRun, ToolCall, ToolResult, Trajectory,
    Usage, ValueSource,
};
pub use read::{Item, Limits, Part, Parts, TrajectoryReader, parts, read_file};
pub use write::{to_jsonl, write_trajectory};

/// Name of the canonical format, as written in every header's `format` field.
pub const FORMAT_NAME: &str = "goalpost-trajectory";
/// Major version: a reader rejects any other. Minor version: a reader accepts lower or equal
/// minors, and reads a higher minor with a warning (fields it does not know are then errors).
pub const FORMAT_MAJOR: u32 = 1;
pub const FORMAT_MINOR: u32 = 2;

/// `goalpost-trajectory/1.1`.
pub fn format_tag() -> String {
    format!("{FORMAT_NAME}/{FORMAT_MAJOR}.{FORMAT_MINOR}")
}

/// Owned by the spec crate (its command patterns normalise paths the same way), and here for
/// the readers and the grader.
pub use goalpost_spec::collapse_dots;
