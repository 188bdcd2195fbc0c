//! Grading one trajectory, and many in parallel.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};

use goalpost_spec::{CriterionKind, Plan, SpecSet};
use goalpost_trajectory::isolate::isolate;
use goalpost_trajectory::{IngestError, Input, Limits, Trajectory};
use rayon::prelude::*;

use crate::criteria;
use crate::facts::Facts;
use crate::output::RowLines;
use crate::verdict::{CriterionResult, ErrorKind, ErrorRow, RunResults, Status, Summary, Unassessed, Verdict, round6};

/// One row of a run: a verdict, or an error that took its place.
pub type Row = Result<Verdict, ErrorRow>;

/// Hears about progress and receives the rows. The engine knows nothing of terminals or files;
/// the CLI draws the bar and writes the rows.
pub trait Reporter: Send + Sync {
    /// How many inputs the run will read.
    fn on_start(&self, _inputs: usize) {}
    /// One input (a file or an instance) has been fully graded.
    fn on_input_done(&self, _path: &Path, _graded: usize, _errored: usize) {}
    /// Rows of input number `input` (its index in the run's inputs), a batch at a time as they
    /// are graded, as `results.jsonl` lines ([`RowLines::rows`] reads them back). One input's
    /// batches come in file order, one after another; batches of different inputs interleave
    /// (inputs are graded in parallel). For writing results as they come: a killed run keeps
    /// what it graded, and memory need not hold the run.
    fn on_rows(&self, _input: usize, _rows: &RowLines) {}
}

/// A reporter that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReporter;
impl Reporter for NoReporter {}

/// How a run is carried out; none of it changes the results.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` uses every core.
    pub jobs: Option<usize>,
    pub limits: Limits,
    /// A scenario to grade every trajectory against, whatever it names (`--scenario`).
    pub scenario: Option<Arc<Plan>>,
    /// Verdicts already made by an interrupted run of the same plan (`run --resume`).
    pub reuse: Option<Arc<Reuse>>,
    /// Rows of inputs graded before with the same plan ([`crate::cache`]).
    pub cache: Option<Arc<crate::cache::VerdictCache>>,
}

/// Verdicts an interrupted run already made, keyed by file, trajectory id and content hash:
/// a trajectory that matches all three is not graded again. Grading is pure, so a reused
/// verdict is the one grading would give. A file may hold the same trajectory twice (its
/// verdicts differ only in what names their lines): each key keeps its verdicts in file order
/// and hands them out in that order, as the file is read.
#[derive(Debug, Default)]
pub struct Reuse {
    verdicts: Mutex<HashMap<(String, String, String), VecDeque<Verdict>>>,
    len: usize,
    taken: std::sync::atomic::AtomicUsize,
}

impl Reuse {
    /// `verdicts` in the order they were graded (within one file, file order).
    pub fn new(verdicts: impl IntoIterator<Item = Verdict>) -> Reuse {
        let mut map: HashMap<(String, String, String), VecDeque<Verdict>> = HashMap::new();
        let mut len = 0;
        for v in verdicts {
            len += 1;
            map.entry((v.file.clone(), v.trajectory.clone(), v.content_hash.clone())).or_default().push_back(v);
        }
        Reuse { verdicts: Mutex::new(map), len, taken: Default::default() }
    }

    /// Verdicts handed out so far (each reused instead of graded).
    pub fn taken(&self) -> usize {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn take(&self, t: &Trajectory) -> Option<Verdict> {
        let key = (t.origin.path.display().to_string(), t.header.id.clone(), t.content_hash.clone());
        let mut map = self.verdicts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let v = map.get_mut(&key)?.pop_front()?;
        self.taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(v)
    }
}

/// Trajectories of one file read before its chunk is graded in parallel: enough to keep every
/// core busy, few enough that memory does not grow with the file.
const CHUNK: usize = 64;

/// A trajectory of a chunk: reused from an interrupted run, or to be graded.
enum Pending {
    Done(Verdict),
    Grade(Result<Trajectory, ErrorRow>),
}

/// Grades every trajectory of every input against its scenario. The result is the same,
/// byte for byte once written, whatever the thread count: inputs are graded in parallel and
/// their rows put back in input order. `pre_errors` (inputs that could not even be opened or
/// recognised) are kept so that `found == graded + errored`.
///
/// Every row is kept in memory until the end; [`run_streamed`] keeps none.
pub fn run(
    inputs: &[Input],
    pre_errors: Vec<IngestError>,
    specs: &SpecSet,
    opts: RunOptions,
    reporter: &dyn Reporter,
) -> RunResults {
    let per_input = grade_inputs(inputs, specs, opts, reporter, true);
    let mut results =
        RunResults { verdicts: Vec::new(), errors: pre_errors.iter().map(|e| error_row(e, None)).collect() };
    for row in per_input.into_iter().flatten() {
        match row {
            Ok(v) => results.verdicts.push(v),
            Err(e) => results.errors.push(e),
        }
    }
    results
}

/// Grades as [`run`] does, but keeps no row: each is handed to [`Reporter::on_rows`] as it is
/// made (with its input's index, to be put in input order from wherever the reporter keeps
/// them), so memory does not grow with the corpus.
pub fn run_streamed(inputs: &[Input], specs: &SpecSet, opts: RunOptions, reporter: &dyn Reporter) {
    grade_inputs(inputs, specs, opts, reporter, false);
}

/// An error row for an input that could not be opened or recognised.
pub fn pre_error_row(e: &IngestError) -> ErrorRow {
    error_row(e, None)
}

/// Where one input's rows go as they are made: to the reporter, to the verdict cache's entry
/// being written, and (when the caller keeps them) into memory.
struct Emit<'a> {
    input: usize,
    reporter: &'a dyn Reporter,
    cache: Option<crate::cache::EntryWriter>,
    keep: bool,
    kept: Vec<Row>,
    ok: usize,
    errored: usize,
}

impl Emit<'_> {
    /// Rows just graded: written as lines once, for the reporter and the cache alike.
    fn rows(&mut self, rows: Vec<Row>) {
        if rows.is_empty() {
            return;
        }
        let lines = RowLines::of(&rows);
        if let Some(w) = &mut self.cache {
            w.push(&lines, rows.iter().any(|r| matches!(r, Err(e) if e.kind == ErrorKind::Grader)));
        }
        self.lines(&lines);
        if self.keep {
            self.kept.extend(rows);
        }
    }

    /// Rows as lines: the reporter takes them as they are.
    fn lines(&mut self, lines: &RowLines) {
        self.reporter.on_rows(self.input, lines);
        let errored = lines.errors();
        self.errored += errored;
        self.ok += lines.len() - errored;
    }

    fn count(&self) -> usize {
        self.ok + self.errored
    }
}

fn grade_inputs(
    inputs: &[Input],
    specs: &SpecSet,
    opts: RunOptions,
    reporter: &dyn Reporter,
    keep: bool,
) -> Vec<Vec<Row>> {
    reporter.on_start(inputs.len());
    let unscoped = specs.unscoped_plan().map(Arc::new);
    let planner = Planner { specs, unscoped: unscoped.as_ref(), assigned: opts.scenario.as_ref() };
    let work = || {
        inputs
            .par_iter()
            .enumerate()
            .map(|(index, input)| {
                let mut emit = Emit { input: index, reporter, cache: None, keep, kept: Vec::new(), ok: 0, errored: 0 };
                // An input graded before with the same plan: its rows, neither read nor graded
                // (an interrupted run being resumed reads its own rows instead).
                if let (Some(c), None) = (&opts.cache, &opts.reuse) {
                    let replayed = c.replay(&input.path, |lines| {
                        emit.lines(&lines);
                        if emit.keep {
                            emit.kept.extend(lines.rows(&input.path));
                        }
                    });
                    if replayed {
                        reporter.on_input_done(&input.path, emit.ok, emit.errored);
                        return emit.kept;
                    }
                    emit.cache = c.writer(&input.path);
                }
                // A canonical file is cut into its trajectories as it is read (an Inspect
                // `.eval` into its samples), and they are parsed and graded on every core, a
                // batch at a time.
                let mut items = match by_parts(input, &opts, planner, &mut emit) {
                    Some(rest) => rest,
                    None => read_input(input, opts.limits),
                };
                // Any other file that holds many trajectories is graded on every core too: it
                // is read in order, a chunk at a time (memory stays bounded by the chunk), and
                // each chunk's trajectories are graded in parallel, their rows kept in file
                // order.
                loop {
                    let chunk: Vec<_> = items.by_ref().take(CHUNK).collect();
                    if chunk.is_empty() {
                        break;
                    }
                    // Verdicts an interrupted run already made are taken in file order (a file
                    // may hold the same trajectory twice), before the rest is graded.
                    let pending: Vec<Pending> = chunk
                        .into_iter()
                        .map(|item| match (&item, &opts.reuse) {
                            (Ok(t), Some(r)) => match r.take(t) {
                                Some(v) => Pending::Done(v),
                                None => Pending::Grade(item),
                            },
                            _ => Pending::Grade(item),
                        })
                        .collect();
                    let graded: Vec<Row> = pending
                        .into_par_iter()
                        .map(|p| match p {
                            Pending::Done(v) => Ok(v),
                            Pending::Grade(item) => item.and_then(|t| grade_trajectory(&t, planner)),
                        })
                        .collect();
                    emit.rows(graded);
                }
                reporter.on_input_done(&input.path, emit.ok, emit.errored);
                if let Some(w) = emit.cache.take() {
                    w.commit();
                }
                emit.kept
            })
            .collect::<Vec<_>>()
    };
    match rayon::ThreadPoolBuilder::new().num_threads(opts.jobs.unwrap_or(0)).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// A batch of parts holds at most this many trajectories, or about this many bytes.
const BATCH_PARTS: usize = 64;
const BATCH_BYTES: usize = 64 << 20;

/// Reads and grades a file part by part (see [`goalpost_trajectory::Parts`]: a canonical
/// file's trajectories, an Inspect `.eval`'s samples), emitting its rows in file order; what is
/// left to read whole (after a line over the limit) is returned as a reader. `None` when the
/// input is not read this way: a format read whole, a run being resumed (its verdicts are
/// matched in file order), or an injected fault (it stands in for a streaming reader's bug).
fn by_parts<'a>(
    input: &'a Input,
    opts: &RunOptions,
    planner: Planner<'_>,
    emit: &mut Emit<'_>,
) -> Option<ReadInput<'a>> {
    if opts.reuse.is_some() || crate::fault::armed() {
        return None;
    }
    let limits = opts.limits;
    let mut parts = match isolate(|| input.parts(limits)) {
        Ok(None) => return None,
        Ok(Some(Ok(p))) => p,
        Ok(Some(Err(e))) => {
            emit.rows(vec![Err(error_row(&e, None))]);
            return Some(ReadInput { input, items: None, read: 0, failed: None });
        }
        Err(panic) => {
            emit.rows(vec![Err(reader_panic(input, 0, &panic))]);
            return Some(ReadInput { input, items: None, read: 0, failed: None });
        }
    };
    let grade_part = |part: &goalpost_trajectory::Part| -> Vec<Row> {
        let items = match isolate(|| part.read(&input.path, limits)) {
            Ok(items) => items,
            Err(panic) => return vec![Err(reader_panic(input, 0, &panic))],
        };
        items
            .into_iter()
            .map(|item| item.map_err(|e| error_row(&e, None)).and_then(|t| grade_trajectory(&t, planner)))
            .collect()
    };
    let graded = |batch: &[goalpost_trajectory::Part]| -> Vec<Row> {
        batch.par_iter().map(grade_part).collect::<Vec<_>>().into_iter().flatten().collect()
    };
    loop {
        let mut batch = Vec::new();
        let mut bytes = 0;
        let mut rest = None;
        while batch.len() < BATCH_PARTS && bytes < BATCH_BYTES {
            match isolate(|| parts.next()) {
                Ok(Some(goalpost_trajectory::Part::Rest(reader))) => {
                    rest = Some(reader);
                    break;
                }
                Ok(Some(part)) => {
                    bytes += part.len();
                    batch.push(part);
                }
                Ok(None) => break,
                Err(panic) => {
                    emit.rows(graded(&batch));
                    emit.rows(vec![Err(reader_panic(input, emit.count(), &panic))]);
                    return Some(ReadInput { input, items: None, read: 0, failed: None });
                }
            }
        }
        let done = batch.is_empty() || rest.is_some() || batch.len() < BATCH_PARTS && bytes < BATCH_BYTES;
        emit.rows(graded(&batch));
        if let Some(reader) = rest {
            let items: Box<dyn Iterator<Item = Result<Trajectory, IngestError>> + Send + 'a> = Box::new(reader);
            return Some(ReadInput { input, items: Some(items), read: 0, failed: None });
        }
        if done {
            return Some(ReadInput { input, items: None, read: 0, failed: None });
        }
    }
}

fn error_row(e: &IngestError, trajectory: Option<&str>) -> ErrorRow {
    ErrorRow {
        kind: if e.bug { ErrorKind::Grader } else { ErrorKind::Input },
        file: e.path.display().to_string(),
        line: e.line,
        field: e.field.clone(),
        trajectory: trajectory.map(str::to_owned),
        message: e.message.clone(),
    }
}

/// The trajectories of one input, each read behind a panic boundary. A reader that panics
/// ends its file with one grader error saying how far it got: what was read before stays, and
/// the rest of the run goes on.
pub fn read_input(input: &Input, limits: Limits) -> ReadInput<'_> {
    match isolate(|| input.read(limits)) {
        Ok(items) => ReadInput { input, items: Some(items), read: 0, failed: None },
        Err(panic) => ReadInput { input, items: None, read: 0, failed: Some(reader_panic(input, 0, &panic)) },
    }
}

/// See [`read_input`].
pub struct ReadInput<'a> {
    input: &'a Input,
    items: Option<Box<dyn Iterator<Item = Result<Trajectory, IngestError>> + Send + 'a>>,
    read: usize,
    failed: Option<ErrorRow>,
}

impl std::fmt::Debug for ReadInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadInput").field("input", &self.input.path).field("read", &self.read).finish_non_exhaustive()
    }
}

impl Iterator for ReadInput<'_> {
    type Item = Result<Trajectory, ErrorRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(row) = self.failed.take() {
            return Some(Err(row));
        }
        let items = self.items.as_mut()?;
        let (input, read) = (self.input, self.read);
        match isolate(|| {
            if read == 1 {
                crate::fault::inject("read", &input.path.file_name().unwrap_or_default().to_string_lossy());
            }
            items.next()
        }) {
            Ok(Some(item)) => {
                self.read += 1;
                Some(item.map_err(|e| error_row(&e, None)))
            }
            Ok(None) => {
                self.items = None;
                None
            }
            Err(panic) => {
                // A reader that panicked may be anywhere in its file: stop reading it, dropping
                // it behind the boundary too (its state is half updated).
                let dead = self.items.take();
                let _ = isolate(move || drop(dead));
                Some(Err(reader_panic(self.input, self.read, &panic)))
            }
        }
    }
}

fn reader_panic(input: &Input, read: usize, panic: &str) -> ErrorRow {
    let after = match read {
        0 => String::new(),
        n => format!(" after {n} item(s); the rest of this file was not read"),
    };
    ErrorRow {
        kind: ErrorKind::Grader,
        file: input.path.display().to_string(),
        line: None,
        field: None,
        trajectory: None,
        message: format!(
            "the {} reader failed{after}: {panic} (a bug in goalpost; please report it with this file)",
            input.kind.format_name()
        ),
    }
}

/// How a trajectory's plan is chosen.
#[derive(Debug, Clone, Copy)]
pub struct Planner<'a> {
    pub specs: &'a SpecSet,
    /// The default rubric's criteria that need no objective, for trajectories with no known
    /// scenario.
    pub unscoped: Option<&'a Arc<Plan>>,
    /// A scenario assigned to everything read (`--scenario`), over what trajectories name.
    pub assigned: Option<&'a Arc<Plan>>,
}

/// Picks the plan for a trajectory and grades it. The plan is the assigned scenario, else
/// the one the trajectory names, else the one its format carries (SWE-bench), else the
/// unscoped plan, with the reason said in the verdict's note. A scenario derived from the
/// run that the loader rejects is an error row.
///
/// Grading runs behind a panic boundary: a bug in the grader that this trajectory trips is
/// its error row (a grader error naming the trajectory and its file), never the end of a run.
pub fn grade_trajectory(t: &Trajectory, planner: Planner<'_>) -> Result<Verdict, ErrorRow> {
    isolate(|| choose_and_grade(t, planner)).unwrap_or_else(|panic| {
        Err(ErrorRow {
            kind: ErrorKind::Grader,
            file: t.origin.path.display().to_string(),
            line: Some(t.origin.line).filter(|l| *l > 0),
            field: None,
            trajectory: Some(t.header.id.clone()),
            message: format!("grading failed: {panic} (a bug in goalpost; please report it with this trajectory)"),
        })
    })
}

fn choose_and_grade(t: &Trajectory, planner: Planner<'_>) -> Result<Verdict, ErrorRow> {
    crate::fault::inject("grade", &t.header.id);
    let fail = |message: String| ErrorRow {
        kind: ErrorKind::Input,
        file: t.origin.path.display().to_string(),
        line: Some(t.origin.line).filter(|l| *l > 0),
        field: Some("scenario".into()),
        trajectory: Some(t.header.id.clone()),
        message,
    };
    let specs = planner.specs;
    let known = t.header.scenario.as_deref().and_then(|id| specs.plan(id));
    let mut note = None;
    let mut unassessed = None;
    let plan: Arc<Plan> = match (planner.assigned, known, &t.embedded_scenario) {
        (Some(p), _, _) => Arc::clone(p),
        (None, Some(p), _) => Arc::clone(p),
        (None, None, Some(embedded)) => match specs.plan_for(Arc::clone(embedded)) {
            Ok(p) => Arc::new(p),
            Err(diags) => {
                let why: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                return Err(fail(format!("the scenario derived from this run was rejected: {}", why.join("; "))));
            }
        },
        (None, None, None) => {
            let Some(p) = planner.unscoped else {
                return Err(fail(format!(
                    "no known scenario, and the default rubric `{}` is not loaded",
                    goalpost_spec::DEFAULT_RUBRIC
                )));
            };
            let harness_report_missing = goalpost_trajectory::swebench::missing_harness_report(t);
            unassessed = Some(match (&t.header.scenario, harness_report_missing) {
                (Some(_), true) => Unassessed::NoHarnessReport,
                (Some(_), false) => Unassessed::ScenarioNotLoaded,
                (None, _) => Unassessed::NoScenario,
            });
            note = Some(match &t.header.scenario {
                Some(id) if harness_report_missing => format!(
                    "SWE-bench instance `{}` has no harness report (logs/<id>/report.json): which tests had to pass is unknown, so its objective was not assessed; graded only on the criteria that need no objective",
                    id.escape_debug()
                ),
                Some(id) => format!(
                    "the trajectory names scenario `{}`, which is not loaded: graded only on the criteria that need no objective; the objective's criteria are not applicable (add the scenario, or pass --scenario)",
                    id.escape_debug()
                ),
                None => "the trajectory names no scenario: graded only on the criteria that need no objective; the objective's criteria are not applicable (pass --scenario to assign one)".to_owned(),
            });
            Arc::clone(p)
        }
    };
    let mut v = grade(t, &plan);
    if note.is_some() {
        v.note = note;
    }
    if v.unassessed.is_some() && unassessed.is_some() {
        v.unassessed = unassessed;
    }
    Ok(v)
}

/// Grades one trajectory against one plan. Pure: same inputs, same verdict.
pub fn grade(t: &Trajectory, plan: &Plan) -> Verdict {
    let facts = Facts::gather(t, plan);
    let mut results = Vec::with_capacity(plan.criteria.len());
    for c in &plan.criteria {
        let e = criteria::evaluate(c, t, &facts, plan);
        results.push(CriterionResult {
            id: c.id.clone(),
            kind: c.kind,
            status: e.status,
            reason: e.reason,
            gating: c.gating,
            weight: c.weight,
            score: e.score,
            message: e.message,
            evidence: e.evidence,
            decision: None,
        });
    }
    let settled = crate::verdict::settle(&results.iter().map(|r| (r.kind, r.gating, r.status)).collect::<Vec<_>>());
    let outcome = settled.outcome;
    let score = crate::verdict::score(results.iter().map(|r| (r.weight, r.score)));
    let first_out = results
        .iter()
        .filter(|r| {
            r.status == Status::Fail
                && matches!(
                    r.kind,
                    CriterionKind::Scope
                        | CriterionKind::ForbiddenCommands
                        | CriterionKind::ApprovedTools
                        | CriterionKind::SideEffects
                )
        })
        .filter_map(|r| r.evidence.first().copied())
        .min();
    let summary = Summary {
        steps: facts.steps,
        files_touched: facts.files.keys().cloned().collect(),
        commands_run: facts.commands.len() as u32,
        failed_commands: facts
            .commands
            .iter()
            .any(|c| c.exit_code.is_some())
            .then(|| facts.commands.iter().filter(|c| c.exit_code.is_some_and(|e| e != 0)).count() as u32),
        test_runs: facts.test_runs.len() as u32,
        reverts: facts.reverts.len() as u32,
        side_effects: facts.side_effects.iter().map(|s| format!("step {}: {} {}", s.step, s.kind, s.target)).collect(),
        cost_usd: facts.cost_usd.map(round6),
        cost_estimated: facts.cost_estimated,
        tokens: facts.tokens,
        duration_s: facts.wall_time_s.map(round6),
        first_out_of_scope_step: first_out,
        unlisted_tools: unlisted_tools(&facts),
    };
    let h = &t.header;
    Verdict {
        trajectory: h.id.clone(),
        scenario: plan.scenario.as_ref().map(|s| s.id.clone()),
        tags: plan.scenario.as_ref().map(|s| s.tags.clone()).unwrap_or_default(),
        team: plan.scenario.as_ref().and_then(|s| s.team.clone()),
        file: t.origin.path.display().to_string(),
        agent: h.agent.clone(),
        agent_revision: h.agent_revision.clone(),
        model: h.model.clone(),
        attempt: h.attempt,
        rubric: plan.rubric_id.clone(),
        outcome,
        passed: outcome.passed(),
        score,
        objective_met: settled.objective_met,
        criteria: results,
        summary,
        note: plan.scenario.is_none().then(|| {
            "no scenario: graded only on the criteria that need no objective; the objective's criteria are not applicable".to_owned()
        }),
        unassessed: (!settled.assessed).then_some(if plan.scenario.is_none() {
            Unassessed::NoScenario
        } else {
            Unassessed::NoObjectiveCriteria
        }),
        warnings: t
            .warnings
            .iter()
            .map(|w| {
                let line = w.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                let field = w.field.as_deref().map(|f| format!("`{f}`: ")).unwrap_or_default();
                format!("{line}{field}{}", w.message)
            })
            .collect(),
        content_hash: t.content_hash.clone(),
        source_format: t.header.source.as_ref().map(|s| s.format.clone()),
        source_scores: t.final_state.as_ref().map(|f| f.scores.clone()).unwrap_or_default(),
    }
}

/// The tools the plan's catalog does not decide (unlisted, or pending review), in the order
/// they were first called.
fn unlisted_tools(f: &Facts<'_>) -> Vec<crate::verdict::UnlistedTool> {
    let Some(catalog) = &f.catalog else { return Vec::new() };
    let mut out: Vec<crate::verdict::UnlistedTool> = Vec::new();
    // Where each (tool, plugin) is in `out`: a trajectory may call thousands of distinct tools.
    let mut at = HashMap::<(&str, Option<&str>), usize>::new();
    for (n, tool, plugin) in &f.tools {
        let undecided = match catalog.entry(tool, *plugin) {
            None => true,
            Some(e) => e.status == goalpost_spec::ToolStatus::PendingReview,
        };
        if !undecided {
            continue;
        }
        match at.get(&(*tool, *plugin)) {
            Some(&i) => out[i].calls = out[i].calls.saturating_add(1),
            None => {
                at.insert((*tool, *plugin), out.len());
                out.push(crate::verdict::UnlistedTool {
                    tool: (*tool).to_owned(),
                    plugin: plugin.map(str::to_owned),
                    first_step: *n,
                    calls: 1,
                });
            }
        }
    }
    out
}
