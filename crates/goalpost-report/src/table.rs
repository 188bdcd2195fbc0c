//! `results.parquet`: a run's results as one long table that pandas, polars and duckdb load as
//! they are. Each trajectory has one row with `row = "trajectory"` (its outcome, score, cost,
//! tokens, duration and summary) and one row per criterion with `row = "criterion"`; an input
//! that could not be graded has one row with `row = "error"` and `status = "error"`, so that it
//! stays in every denominator. The columns and their types never depend on the data: the files
//! of a history concatenate.

use std::borrow::Cow;
use std::path::Path;

use goalpost_grade::{CriterionResult, ErrorRow, RunResults, Status, Verdict};
use polars::prelude::*;

use crate::Error;
use crate::dataset::RowStatus;

/// Version of the table's layout, stored in every row (`schema_version`).
pub const SCHEMA_VERSION: u32 = 2;

/// The run a table belongs to.
#[derive(Debug, Clone, Copy)]
pub struct RunMeta<'a> {
    pub run_id: &'a str,
    /// RFC 3339; runs of a history are ordered by it.
    pub started_at: &'a str,
}

/// The column names, in order; `docs/results-format.md` describes each.
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

#[derive(Default)]
struct Columns<'a> {
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

/// A list[str] column, built in one pass (a Series per cell would be far slower).
fn string_lists(name: &str, items: &[&[String]]) -> Column {
    let values = items.iter().map(|i| i.len()).sum();
    let mut b = ListStringChunkedBuilder::new(name.into(), items.len(), values);
    for i in items {
        b.append_values_iter(i.iter().map(String::as_str));
    }
    b.finish().into_series().into_column()
}

/// A list[u32] column, built in one pass.
fn step_lists(name: &str, items: &[Cow<'_, [u32]>]) -> Column {
    let values = items.iter().map(|i| i.len()).sum();
    let mut b = ListPrimitiveChunkedBuilder::<UInt32Type>::new(name.into(), items.len(), values, DataType::UInt32);
    for i in items {
        b.append_slice(i);
    }
    b.finish().into_series().into_column()
}

fn snake<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_value(v).ok().and_then(|x| x.as_str().map(str::to_owned))
}

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

impl<'a> Columns<'a> {
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

    fn verdict(&mut self, v: &'a Verdict) {
        self.common(v, RowKind::Trajectory);
        self.criterion.push(None);
        self.kind.push(None);
        self.gating.push(None);
        self.weight.push(None);
        self.status.push(RowStatus::Verdict(v.outcome).as_str());
        // The outcome the grader gave, when a reviewer's decision changed a criterion.
        self.graded_status.push(v.criteria.iter().any(|c| c.decision.is_some()).then(|| {
            let graded: Vec<_> = v
                .criteria
                .iter()
                .map(|c| (c.kind, c.gating, c.decision.as_ref().map_or(c.status, |d| d.was)))
                .collect();
            goalpost_grade::settle(&graded).outcome.as_str()
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

    fn error(&mut self, e: &'a ErrorRow) {
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
        self.status.push(RowStatus::Error(Some(e.kind)).as_str());
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

    fn frame(self, meta: RunMeta<'_>) -> PolarsResult<DataFrame> {
        let n = self.row.len();
        let col = |name: &str, s: Series| s.with_name(name.into()).into_column();
        let columns = vec![
            Column::new_scalar("schema_version".into(), Scalar::from(SCHEMA_VERSION), n),
            Column::new_scalar("run_id".into(), Scalar::from(PlSmallStr::from(meta.run_id)), n),
            Column::new_scalar("started_at".into(), Scalar::from(PlSmallStr::from(meta.started_at)), n),
            col("row", Series::new(PlSmallStr::EMPTY, self.row)),
            col("trajectory", Series::new(PlSmallStr::EMPTY, self.trajectory)),
            col("file", Series::new(PlSmallStr::EMPTY, self.file)),
            col("line", Series::new(PlSmallStr::EMPTY, self.line)),
            col("agent", Series::new(PlSmallStr::EMPTY, self.agent)),
            col("agent_revision", Series::new(PlSmallStr::EMPTY, self.agent_revision)),
            col("model", Series::new(PlSmallStr::EMPTY, self.model)),
            col("scenario", Series::new(PlSmallStr::EMPTY, self.scenario)),
            col("team", Series::new(PlSmallStr::EMPTY, self.team)),
            string_lists("tags", &self.tags),
            col("attempt", Series::new(PlSmallStr::EMPTY, self.attempt)),
            col("rubric", Series::new(PlSmallStr::EMPTY, self.rubric)),
            col("criterion", Series::new(PlSmallStr::EMPTY, self.criterion)),
            col("kind", Series::new(PlSmallStr::EMPTY, self.kind)),
            col("gating", Series::new(PlSmallStr::EMPTY, self.gating)),
            col("weight", Series::new(PlSmallStr::EMPTY, self.weight)),
            col("status", Series::new(PlSmallStr::EMPTY, self.status)),
            col("reason", Series::new(PlSmallStr::EMPTY, self.reason)),
            col("passed", Series::new(PlSmallStr::EMPTY, self.passed)),
            col("score", Series::new(PlSmallStr::EMPTY, self.score)),
            col("objective_met", Series::new(PlSmallStr::EMPTY, self.objective_met)),
            col("message", Series::new(PlSmallStr::EMPTY, self.message)),
            col("field", Series::new(PlSmallStr::EMPTY, self.field)),
            step_lists("evidence", &self.evidence),
            col("cost_usd", Series::new(PlSmallStr::EMPTY, self.cost_usd)),
            col("cost_estimated", Series::new(PlSmallStr::EMPTY, self.cost_estimated)),
            col("tokens", Series::new(PlSmallStr::EMPTY, self.tokens)),
            col("duration_s", Series::new(PlSmallStr::EMPTY, self.duration_s)),
            col("steps", Series::new(PlSmallStr::EMPTY, self.steps)),
            col("commands", Series::new(PlSmallStr::EMPTY, self.commands)),
            col("failed_commands", Series::new(PlSmallStr::EMPTY, self.failed_commands)),
            col("test_runs", Series::new(PlSmallStr::EMPTY, self.test_runs)),
            col("reverts", Series::new(PlSmallStr::EMPTY, self.reverts)),
            string_lists("files_touched", &self.files_touched),
            string_lists("side_effects", &self.side_effects),
            col("first_out_of_scope_step", Series::new(PlSmallStr::EMPTY, self.first_out_of_scope_step)),
            col("source_format", Series::new(PlSmallStr::EMPTY, self.source_format)),
            col("content_hash", Series::new(PlSmallStr::EMPTY, self.content_hash)),
            col("graded_status", Series::new(PlSmallStr::EMPTY, self.graded_status)),
            col("decision", Series::new(PlSmallStr::EMPTY, self.decision)),
            col("decided_by", Series::new(PlSmallStr::EMPTY, self.decided_by)),
            col("decided_at", Series::new(PlSmallStr::EMPTY, self.decided_at)),
            col("decision_why", Series::new(PlSmallStr::EMPTY, self.decision_why)),
        ];
        DataFrame::new(n, columns)
    }
}

/// The run's results as a data frame with the columns of [`COLUMNS`].
pub fn results_frame(meta: RunMeta<'_>, results: &RunResults) -> Result<DataFrame, Error> {
    let mut c = Columns::default();
    for v in &results.verdicts {
        c.verdict(v);
    }
    for e in &results.errors {
        c.error(e);
    }
    Ok(c.frame(meta)?)
}

/// Writes `results.parquet` atomically (a temporary file beside it, renamed over it).
pub fn write_parquet(path: &Path, meta: RunMeta<'_>, results: &RunResults) -> Result<(), Error> {
    let mut w = ParquetStream::create(path, meta)?;
    for v in &results.verdicts {
        w.verdict(v.clone())?;
    }
    for e in &results.errors {
        w.error(e.clone())?;
    }
    w.commit()
}

/// `results.parquet` written a batch of rows at a time (verdicts first, then errors), so that
/// memory holds one batch, not the run; put in place whole by [`ParquetStream::commit`].
pub struct ParquetStream {
    writer: polars::io::parquet::write::BatchedWriter<std::fs::File>,
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
    run_id: String,
    started_at: String,
    verdicts: Vec<Verdict>,
    errors: Vec<ErrorRow>,
}

impl std::fmt::Debug for ParquetStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetStream").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Verdicts (and their criteria) a row group holds.
const BATCH: usize = 1024;

impl ParquetStream {
    pub fn create(path: &Path, meta: RunMeta<'_>) -> Result<ParquetStream, Error> {
        let write = |e: std::io::Error| Error::Write { path: path.to_owned(), source: e };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let tmp = builder.tempfile_in(dir).map_err(write)?;
        let file = tmp.as_file().try_clone().map_err(write)?;
        let schema = Columns::default().frame(meta)?.schema().clone();
        // The Arrow schema the file declares (readers take their Arrow types from it): the
        // oldest-compatible one, large strings and lists of them. polars would declare string
        // views, which pandas (through pyarrow) cannot load inside a list, and which older
        // readers do not know; with this key given, polars writes ours instead of its own.
        let arrow = polars_parquet::write::schema_to_metadata_key(&schema.to_arrow(CompatLevel::oldest()));
        let kv = KeyValueMetadata::Static(vec![
            arrow,
            polars_parquet::write::KeyValue {
                key: "goalpost.schema_version".to_owned(),
                value: Some(SCHEMA_VERSION.to_string()),
            },
            polars_parquet::write::KeyValue { key: "goalpost.run_id".to_owned(), value: Some(meta.run_id.to_owned()) },
        ]);
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(kv))
            .batched(&schema)?;
        Ok(ParquetStream {
            writer,
            tmp,
            path: path.to_owned(),
            run_id: meta.run_id.to_owned(),
            started_at: meta.started_at.to_owned(),
            verdicts: Vec::new(),
            errors: Vec::new(),
        })
    }

    pub fn verdict(&mut self, v: Verdict) -> Result<(), Error> {
        self.verdicts.push(v);
        if self.verdicts.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    pub fn error(&mut self, e: ErrorRow) -> Result<(), Error> {
        self.errors.push(e);
        if self.errors.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.verdicts.is_empty() && self.errors.is_empty() {
            return Ok(());
        }
        let mut c = Columns::default();
        for v in &self.verdicts {
            c.verdict(v);
        }
        for e in &self.errors {
            c.error(e);
        }
        let meta = RunMeta { run_id: &self.run_id, started_at: &self.started_at };
        let mut df = c.frame(meta)?;
        df.align_chunks_par();
        self.writer.write_batch(&df)?;
        self.verdicts.clear();
        self.errors.clear();
        Ok(())
    }

    /// Writes what is left and the footer, and puts the file in place.
    pub fn commit(mut self) -> Result<(), Error> {
        self.flush()?;
        self.writer.finish()?;
        let write = |e: std::io::Error| Error::Write { path: self.path.clone(), source: e };
        self.tmp.as_file().sync_data().map_err(write)?;
        self.tmp.persist(&self.path).map_err(|e| write(e.error))?;
        Ok(())
    }
}
