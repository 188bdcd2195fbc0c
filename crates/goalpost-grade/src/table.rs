//! The results table's columns, built once for every writer of them: `results.parquet`
//! (goalpost-report, through polars) and the Python package's `pyarrow.Table` (`python/`,
//! through arrow-rs). Each trajectory has one row with `row = "trajectory"` (its outcome, score,
//! cost, tokens, duration and summary) and one row per criterion with `row = "criterion"`; an
//! input that could not be graded has one row with `row = "error"` and `status = "error"`, so
//! that it stays in every denominator. The columns and their types never depend on the data:
//! the tables of a history concatenate.
//!
//! The builder knows no columnar library: it hands out [`Values`], one typed vector per column,
//! and each writer turns those into its own arrays by type alone. A column is added here, once.

use std::borrow::Cow;

use crate::verdict::{CriterionResult, ErrorRow, RunResults, Status, Verdict};

/// Version of the table's layout, stored in every row (`schema_version`).
pub const SCHEMA_VERSION: u32 = 2;

/// The run a table belongs to.
#[derive(Debug, Clone, Copy)]
pub struct RunMeta<'a> {
    pub run_id: &'a str,
    /// RFC 3339; runs of a history are ordered by it.
    pub started_at: &'a str,
}

/// The column names, in order; `docs/reports.md` ("results.parquet") describes each.
pub const COLUMNS: &[&str] = &[
    "schema_version",
    "run_id",
    "started_at",
    "row",
    "trajectory",
    "file",
    "line",
    "agent",
    "agent_revision",
    "model",
    "scenario",
    "team",
    "tags",
    "attempt",
    "rubric",
    "criterion",
    "kind",
    "gating",
    "weight",
    "status",
    "reason",
    "passed",
    "score",
    "objective_met",
    "message",
    "field",
    "evidence",
    "cost_usd",
    "cost_estimated",
    "tokens",
    "duration_s",
    "steps",
    "commands",
    "failed_commands",
    "test_runs",
    "reverts",
    "files_touched",
    "side_effects",
    "first_out_of_scope_step",
    "source_format",
    "content_hash",
    "graded_status",
    "decision",
    "decided_by",
    "decided_at",
    "decision_why",
];

/// The reviewer-decision columns (schema version 2): a table written before them reads with
/// them empty.
pub const DECISION_COLUMNS: &[&str] = &["graded_status", "decision", "decided_by", "decided_at", "decision_why"];

/// What a row of the table is: the `row` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// A graded trajectory: its outcome, score and summary.
    Trajectory,
    /// One criterion of a graded trajectory.
    Criterion,
    /// An input that could not be graded.
    Error,
}

impl RowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Trajectory => "trajectory",
            RowKind::Criterion => "criterion",
            RowKind::Error => "error",
        }
    }

    /// The kind named `s` ([`RowKind::as_str`]'s inverse); `None` for a name it does not know.
    pub fn parse(s: &str) -> Option<RowKind> {
        match s {
            "trajectory" => Some(RowKind::Trajectory),
            "criterion" => Some(RowKind::Criterion),
            "error" => Some(RowKind::Error),
            _ => None,
        }
    }
}

/// One column's values, typed. Every cell may be empty (`None`; an empty list for the list
/// columns); a writer declares every column nullable, as Arrow's defaults do.
#[derive(Debug, Clone)]
pub enum Values<'a> {
    /// Text (`large_string` in Arrow).
    Str(Vec<Option<Cow<'a, str>>>),
    U32(Vec<Option<u32>>),
    U64(Vec<Option<u64>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    /// A list of texts per row (`large_list<large_string>`).
    StrList(Vec<&'a [String]>),
    /// A list of step numbers per row (`large_list<uint32>`).
    U32List(Vec<Cow<'a, [u32]>>),
}

impl Values<'_> {
    pub fn len(&self) -> usize {
        match self {
            Values::Str(v) => v.len(),
            Values::U32(v) => v.len(),
            Values::U64(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::StrList(v) => v.len(),
            Values::U32List(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The rows of a table being built, a vector per column; [`Columns::finish`] hands them out in
/// [`COLUMNS`] order.
#[derive(Debug, Default)]
pub struct Columns<'a> {
    row: Vec<&'static str>,
    trajectory: Vec<Option<&'a str>>,
    file: Vec<&'a str>,
    line: Vec<Option<u64>>,
    agent: Vec<Option<&'a str>>,
    agent_revision: Vec<Option<&'a str>>,
    model: Vec<Option<&'a str>>,
    scenario: Vec<Option<&'a str>>,
    team: Vec<Option<&'a str>>,
    tags: Vec<&'a [String]>,
    attempt: Vec<Option<u32>>,
    rubric: Vec<Option<&'a str>>,
    criterion: Vec<Option<&'a str>>,
    kind: Vec<Option<String>>,
    gating: Vec<Option<bool>>,
    weight: Vec<Option<f64>>,
    status: Vec<&'static str>,
    reason: Vec<Option<String>>,
    passed: Vec<Option<bool>>,
    score: Vec<Option<f64>>,
    objective_met: Vec<Option<bool>>,
    message: Vec<Option<&'a str>>,
    field: Vec<Option<&'a str>>,
    evidence: Vec<Cow<'a, [u32]>>,
    cost_usd: Vec<Option<f64>>,
    cost_estimated: Vec<Option<bool>>,
    tokens: Vec<Option<u64>>,
    duration_s: Vec<Option<f64>>,
    steps: Vec<Option<u32>>,
    commands: Vec<Option<u32>>,
    failed_commands: Vec<Option<u32>>,
    test_runs: Vec<Option<u32>>,
    reverts: Vec<Option<u32>>,
    files_touched: Vec<&'a [String]>,
    side_effects: Vec<&'a [String]>,
    first_out_of_scope_step: Vec<Option<u32>>,
    source_format: Vec<Option<&'a str>>,
    content_hash: Vec<Option<&'a str>>,
    graded_status: Vec<Option<&'static str>>,
    decision: Vec<Option<&'static str>>,
    decided_by: Vec<Option<&'a str>>,
    decided_at: Vec<Option<&'a str>>,
    decision_why: Vec<Option<&'a str>>,
}

fn snake<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|x| x.as_str().map(str::to_owned))
}

impl<'a> Columns<'a> {
    /// The rows of a run: every verdict (with its criteria), then every error.
    pub fn of(results: &'a RunResults) -> Columns<'a> {
        let mut c = Columns::default();
        for v in &results.verdicts {
            c.verdict(v);
        }
        for e in &results.errors {
            c.error(e);
        }
        c
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.row.is_empty()
    }

    /// The columns every row of a verdict shares.
    fn common(&mut self, v: &'a Verdict, row: RowKind) {
        self.row.push(row.as_str());
        self.trajectory.push(Some(&v.trajectory));
        self.file.push(&v.file);
        self.line.push(None);
        self.agent.push(Some(&v.agent));
        self.agent_revision.push(v.agent_revision.as_deref());
        self.model.push(v.model.as_deref());
        self.scenario.push(v.scenario.as_deref());
        self.team.push(v.team.as_deref());
        self.tags.push(&v.tags);
        self.attempt.push(Some(v.attempt));
        self.rubric.push(Some(&v.rubric));
        self.field.push(None);
        self.source_format.push(v.source_format.as_deref());
        self.content_hash.push(Some(&v.content_hash));
    }

    /// A row no reviewer's decision applies to.
    fn undecided(&mut self) {
        self.graded_status.push(None);
        self.decision.push(None);
        self.decided_by.push(None);
        self.decided_at.push(None);
        self.decision_why.push(None);
    }

    /// Columns only a trajectory row has, empty on the others so that sums never double count.
    fn no_summary(&mut self) {
        self.cost_usd.push(None);
        self.cost_estimated.push(None);
        self.tokens.push(None);
        self.duration_s.push(None);
        self.steps.push(None);
        self.commands.push(None);
        self.failed_commands.push(None);
        self.test_runs.push(None);
        self.reverts.push(None);
        self.files_touched.push(&[]);
        self.side_effects.push(&[]);
        self.first_out_of_scope_step.push(None);
        self.passed.push(None);
        self.objective_met.push(None);
    }

    /// A verdict's trajectory row, then a row per criterion.
    pub fn verdict(&mut self, v: &'a Verdict) {
        self.common(v, RowKind::Trajectory);
        self.criterion.push(None);
        self.kind.push(None);
        self.gating.push(None);
        self.weight.push(None);
        self.status.push(v.outcome.as_str());
        // The outcome the grader gave, when a reviewer's decision changed a criterion.
        self.graded_status.push(v.criteria.iter().any(|c| c.decision.is_some()).then(|| {
            let graded: Vec<_> = v
                .criteria
                .iter()
                .map(|c| (c.kind, c.gating, c.decision.as_ref().map_or(c.status, |d| d.was)))
                .collect();
            crate::settle(&graded).outcome.as_str()
        }));
        self.decision.push(None);
        self.decided_by.push(None);
        self.decided_at.push(None);
        self.decision_why.push(None);
        // Why the objective was not assessed, when it was not.
        self.reason.push(v.unassessed.map(|u| u.as_str().to_owned()));
        self.passed.push(v.passed);
        self.score.push(Some(v.score));
        self.objective_met.push(v.objective_met);
        self.message.push(v.note.as_deref());
        // The trajectory row cites every step any failed criterion cites.
        let mut cited: Vec<u32> =
            v.criteria.iter().filter(|c| c.status == Status::Fail).flat_map(|c| c.evidence.iter().copied()).collect();
        cited.sort_unstable();
        cited.dedup();
        self.evidence.push(Cow::Owned(cited));
        let s = &v.summary;
        self.cost_usd.push(s.cost_usd);
        self.cost_estimated.push(s.cost_usd.map(|_| s.cost_estimated));
        self.tokens.push(s.tokens);
        self.duration_s.push(s.duration_s);
        self.steps.push(Some(s.steps));
        self.commands.push(Some(s.commands_run));
        self.failed_commands.push(s.failed_commands);
        self.test_runs.push(Some(s.test_runs));
        self.reverts.push(Some(s.reverts));
        self.files_touched.push(&s.files_touched);
        self.side_effects.push(&s.side_effects);
        self.first_out_of_scope_step.push(s.first_out_of_scope_step);
        for c in &v.criteria {
            self.criterion(v, c);
        }
    }

    fn criterion(&mut self, v: &'a Verdict, c: &'a CriterionResult) {
        self.common(v, RowKind::Criterion);
        self.criterion.push(Some(&c.id));
        self.kind.push(snake(&c.kind));
        self.gating.push(Some(c.gating));
        self.weight.push(Some(c.weight));
        self.status.push(c.status.as_str());
        match &c.decision {
            Some(d) => {
                self.graded_status.push(Some(d.was.as_str()));
                self.decision.push(Some(d.decision.as_str()));
                self.decided_by.push(Some(&d.by));
                self.decided_at.push(Some(&d.at));
                self.decision_why.push(Some(&d.why));
            }
            None => self.undecided(),
        }
        self.reason.push(c.reason.as_ref().and_then(snake));
        self.score.push(c.score);
        self.message.push(Some(&c.message));
        self.evidence.push(Cow::Borrowed(&c.evidence));
        self.no_summary();
    }

    /// An input that could not be graded: one row, `status = "error"`, whose fault in `reason`.
    pub fn error(&mut self, e: &'a ErrorRow) {
        self.row.push(RowKind::Error.as_str());
        self.trajectory.push(e.trajectory.as_deref());
        self.file.push(&e.file);
        self.line.push(e.line);
        for col in [
            &mut self.agent,
            &mut self.agent_revision,
            &mut self.model,
            &mut self.scenario,
            &mut self.team,
            &mut self.rubric,
        ] {
            col.push(None);
        }
        self.tags.push(&[]);
        self.attempt.push(None);
        self.criterion.push(None);
        self.kind.push(None);
        self.gating.push(None);
        self.weight.push(None);
        self.status.push("error");
        // Whose fault: `input` (unreadable or malformed) or `grader` (a bug in goalpost).
        self.reason.push(Some(e.kind.as_str().to_owned()));
        self.score.push(None);
        self.message.push(Some(&e.message));
        self.field.push(e.field.as_deref());
        self.evidence.push(Cow::Borrowed(&[]));
        self.source_format.push(None);
        self.content_hash.push(None);
        self.undecided();
        self.no_summary();
    }

    /// Every column, named, in [`COLUMNS`] order, for the run `meta`.
    pub fn finish(self, meta: RunMeta<'a>) -> Vec<(&'static str, Values<'a>)> {
        let n = self.row.len();
        fn s<'a>(v: Vec<&'a str>) -> Values<'a> {
            Values::Str(v.into_iter().map(|x| Some(Cow::Borrowed(x))).collect())
        }
        fn o<'a>(v: Vec<Option<&'a str>>) -> Values<'a> {
            Values::Str(v.into_iter().map(|x| x.map(Cow::Borrowed)).collect())
        }
        fn owned<'a>(v: Vec<Option<String>>) -> Values<'a> {
            Values::Str(v.into_iter().map(|x| x.map(Cow::Owned)).collect())
        }
        let constant = |x: &'a str| Values::Str(vec![Some(Cow::Borrowed(x)); n]);
        vec![
            ("schema_version", Values::U32(vec![Some(SCHEMA_VERSION); n])),
            ("run_id", constant(meta.run_id)),
            ("started_at", constant(meta.started_at)),
            ("row", s(self.row)),
            ("trajectory", o(self.trajectory)),
            ("file", s(self.file)),
            ("line", Values::U64(self.line)),
            ("agent", o(self.agent)),
            ("agent_revision", o(self.agent_revision)),
            ("model", o(self.model)),
            ("scenario", o(self.scenario)),
            ("team", o(self.team)),
            ("tags", Values::StrList(self.tags)),
            ("attempt", Values::U32(self.attempt)),
            ("rubric", o(self.rubric)),
            ("criterion", o(self.criterion)),
            ("kind", owned(self.kind)),
            ("gating", Values::Bool(self.gating)),
            ("weight", Values::F64(self.weight)),
            ("status", s(self.status)),
            ("reason", owned(self.reason)),
            ("passed", Values::Bool(self.passed)),
            ("score", Values::F64(self.score)),
            ("objective_met", Values::Bool(self.objective_met)),
            ("message", o(self.message)),
            ("field", o(self.field)),
            ("evidence", Values::U32List(self.evidence)),
            ("cost_usd", Values::F64(self.cost_usd)),
            ("cost_estimated", Values::Bool(self.cost_estimated)),
            ("tokens", Values::U64(self.tokens)),
            ("duration_s", Values::F64(self.duration_s)),
            ("steps", Values::U32(self.steps)),
            ("commands", Values::U32(self.commands)),
            ("failed_commands", Values::U32(self.failed_commands)),
            ("test_runs", Values::U32(self.test_runs)),
            ("reverts", Values::U32(self.reverts)),
            ("files_touched", Values::StrList(self.files_touched)),
            ("side_effects", Values::StrList(self.side_effects)),
            ("first_out_of_scope_step", Values::U32(self.first_out_of_scope_step)),
            ("source_format", o(self.source_format)),
            ("content_hash", o(self.content_hash)),
            ("graded_status", o(self.graded_status)),
            ("decision", o(self.decision)),
            ("decided_by", o(self.decided_by)),
            ("decided_at", o(self.decided_at)),
            ("decision_why", o(self.decision_why)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_come_out_named_in_order_and_of_one_length() {
        let results = RunResults {
            verdicts: Vec::new(),
            errors: vec![ErrorRow {
                kind: crate::ErrorKind::Input,
                file: "a.jsonl".into(),
                line: Some(3),
                field: Some("steps[0]".into()),
                trajectory: None,
                message: "bad".into(),
            }],
        };
        let cols = Columns::of(&results).finish(RunMeta { run_id: "r", started_at: "t" });
        let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, COLUMNS);
        assert!(cols.iter().all(|(_, v)| v.len() == 1), "every column has the one row");
        let status = cols.iter().find(|(n, _)| *n == "status").map(|(_, v)| v.clone());
        assert!(matches!(status, Some(Values::Str(v)) if v[0].as_deref() == Some("error")));
    }
}
