//! The change log of one trajectory, for a reviewer: every file it changed, how we know (a
//! recorded edit, a command read for its writes, or only the final diff), whether a test run
//! that passed came after the file's last change, and a confidence tag derived from the two.
//! Built from the same [`Facts`] the criteria read, so the page and the grade agree.

use serde::Serialize;

use goalpost_spec::Plan;
use goalpost_trajectory::{Record, TestOutcome, TestResult, Trajectory};

use crate::facts::{Facts, Via};

/// How we know a file changed, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Known {
    /// A file-edit record: the trajectory says exactly what changed.
    RecordedEdit,
    /// Read from a shell command's words (`sed -i`, `>`, `rm`): what changed is not recorded.
    InferredFromCommand,
    /// Only the final diff shows it; no recorded step wrote it.
    OnlyFinalDiff,
}

impl Known {
    /// The words a reviewer reads.
    pub fn describe(self) -> &'static str {
        match self {
            Known::RecordedEdit => "recorded edit",
            Known::InferredFromCommand => "inferred from a command",
            Known::OnlyFinalDiff => "only in the final diff",
        }
    }
}

/// Whether a test run after a file's last change covered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Coverage {
    /// A test run after the last change passed (the first such run; the final state's number
    /// when it was the harness's tests on the final state).
    Passed { step: u32 },
    /// Test runs came after the last change, and none passed; the last of them failed.
    Failed { step: u32 },
    /// Test runs came after the last change, but none recorded whether it passed (no exit code).
    Unknown { step: u32 },
    /// No test run came after the last change.
    NoTestRun,
}

impl Coverage {
    pub fn passed(self) -> bool {
        matches!(self, Coverage::Passed { .. })
    }
}

/// How far a reviewer can trust the change log's line, from how we know and the coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A recorded edit, and a later test run passed.
    High,
    /// A recorded edit with no later passing test, or an inferred change a later passing test
    /// covered.
    Medium,
    /// Inferred from a command or seen only in the final diff, and no later passing test.
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }

    fn of(known: Known, coverage: Coverage) -> Confidence {
        match (known, coverage.passed()) {
            (Known::RecordedEdit, true) => Confidence::High,
            (Known::RecordedEdit, false) | (Known::InferredFromCommand | Known::OnlyFinalDiff, true) => {
                Confidence::Medium
            }
            (Known::InferredFromCommand | Known::OnlyFinalDiff, false) => Confidence::Low,
        }
    }
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    /// Relative to the workspace when inside it, absolute otherwise (as the criteria see it).
    pub path: String,
    pub known: Known,
    /// The steps that wrote, created or deleted it, in order.
    pub steps: Vec<u32>,
    pub in_final_diff: bool,
    pub created: bool,
    pub deleted: bool,
    pub coverage: Coverage,
    pub confidence: Confidence,
}

/// One file of the final diff, with its hunks (each line with its mark: `' '`, `'+'`, `'-'`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinalDiffFile {
    pub path: String,
    pub old_path: Option<String>,
    pub created: bool,
    pub deleted: bool,
    pub hunks: Vec<Vec<(char, String)>>,
}

/// A trajectory's change log and its final diff, file by file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeLog {
    /// Every changed file, by path.
    pub files: Vec<ChangedFile>,
    /// `None` when the trajectory records no final diff.
    pub final_diff: Option<Vec<FinalDiffFile>>,
    /// The test runs the coverage was judged from: step and whether it passed (`None`: not
    /// recorded).
    pub test_runs: Vec<(u32, Option<bool>)>,
}

/// Whether a set of test results is a pass: at least one test, none failed or errored.
fn tests_passed(tests: &[TestResult]) -> Option<bool> {
    (!tests.is_empty()).then(|| !tests.iter().any(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error)))
}

/// The change log of `t` graded by `plan` (the plan decides the workspace paths are relative to).
pub fn change_log(t: &Trajectory, plan: &Plan) -> ChangeLog {
    let facts = Facts::gather(t, plan);
    // Each test run with whether it passed: a test-run record by its results, a command by its
    // exit code (none recorded, or masked by `||`: unknown), the harness's tests on the final
    // state last.
    let mut runs: Vec<(u32, Option<bool>)> = facts
        .test_runs
        .iter()
        .map(|&n| {
            let passed = match t.step(n).map(|s| &s.record) {
                Some(Record::TestRun(r)) => tests_passed(&r.tests),
                // `pytest || true` exits 0 whatever the tests did: its status says nothing.
                Some(Record::Command(c)) if c.command.contains("||") => None,
                Some(Record::Command(c)) => c.exit_code.map(|e| e == 0),
                _ => None,
            };
            (n, passed)
        })
        .collect();
    if let Some(passed) = t.final_state.as_ref().and_then(|f| tests_passed(&f.tests)) {
        runs.push((facts.final_step, Some(passed)));
    }
    let files = facts
        .files
        .iter()
        // A device is not a change.
        .filter(|(path, _)| !path.starts_with("/dev/"))
        .filter_map(|(path, events)| {
            let known = events
                .iter()
                .map(|e| match e.via {
                    Via::Edit => Known::RecordedEdit,
                    Via::Command => Known::InferredFromCommand,
                    Via::FinalDiff => Known::OnlyFinalDiff,
                })
                .min()?;
            let steps: Vec<u32> = events.iter().filter_map(|e| e.step).collect();
            // A change seen only in the final diff happened at some unknown step: only the
            // harness's tests on the final state surely came after it.
            let last = steps.iter().copied().max().unwrap_or(facts.final_step.saturating_sub(1));
            let after: Vec<&(u32, Option<bool>)> = runs.iter().filter(|(n, _)| *n > last).collect();
            let coverage = if let Some((n, _)) = after.iter().find(|(_, p)| *p == Some(true)) {
                Coverage::Passed { step: *n }
            } else if let Some((n, _)) = after.iter().rev().find(|(_, p)| *p == Some(false)) {
                Coverage::Failed { step: *n }
            } else if let Some((n, _)) = after.last() {
                Coverage::Unknown { step: *n }
            } else {
                Coverage::NoTestRun
            };
            let last_event = events.iter().rev().find(|e| e.via != Via::FinalDiff).or(events.last());
            Some(ChangedFile {
                path: path.clone(),
                known,
                steps,
                in_final_diff: events.iter().any(|e| e.via == Via::FinalDiff),
                created: events.iter().any(|e| e.created),
                deleted: last_event.is_some_and(|e| e.deleted),
                coverage,
                confidence: Confidence::of(known, coverage),
            })
        })
        .collect();
    let final_diff = facts.final_diff.map(|files| {
        files
            .into_iter()
            .map(|f| FinalDiffFile {
                path: f.path.to_owned(),
                old_path: f.old_path.map(str::to_owned),
                created: f.created,
                deleted: f.deleted,
                hunks: f.hunks.into_iter().map(|h| h.into_iter().map(|(m, l)| (m, l.to_owned())).collect()).collect(),
            })
            .collect()
    });
    ChangeLog { files, final_diff, test_runs: runs }
}
