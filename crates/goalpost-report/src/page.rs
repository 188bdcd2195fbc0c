//! What one review page shows, built from the trajectory read again from the file the run
//! graded (only when its blake3 still matches what the run recorded): the scenario, the
//! criteria to decide, the change log (computed by `goalpost_grade::changelog`), the steps with
//! their output and diffs, and the final diff. Every text is raw here, for the renderer
//! (`html::review_page`) to escape; every long text is cut, and the page says how much.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use goalpost_grade::changelog::{self, ChangeLog};
use goalpost_grade::manifest::Manifest;
use goalpost_spec::{Plan, Scenario, SpecSet};
use goalpost_trajectory::{ErrorKind, Record, TestOutcome, Trajectory, ValueSource, read_back};
use serde::Serialize;

use crate::review::Review;

/// Lines of one output, message or argument block shown before "N more lines".
pub const MAX_LINES: usize = 40;
/// Lines of one diff (an edit's, or one file of the final diff) shown.
pub const MAX_DIFF_LINES: usize = 300;
/// Characters of one line shown.
pub const MAX_LINE_CHARS: usize = 400;
/// Characters of a step's one-line summary.
const MAX_HEADLINE: usize = 160;
/// A timeline longer than this shows the first and last 20 steps, every cited step and the
/// first out-of-scope step with two neighbours each, and says how many it left out.
pub const MAX_STEPS_SHOWN: usize = 300;
const CONTEXT: u32 = 2;
/// Trajectories read back from one file at a time: a file of many failures is read again per
/// batch rather than held whole.
const BATCH: usize = 64;

/// A block of text inside a step (its output, a diff, the arguments of a tool call).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    pub label: &'static str,
    /// The lines shown, each cut to [`MAX_LINE_CHARS`].
    pub lines: Vec<String>,
    /// Lines left out after those shown.
    pub more_lines: usize,
    /// A unified diff: lines are coloured by their first character.
    pub diff: bool,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    pub n: u32,
    pub elapsed_s: Option<f64>,
    /// What the step is, in words (`command`, `file edit`, `test run`, ...).
    pub kind: &'static str,
    /// One line: the command, the edited path, the message's first line.
    pub headline: String,
    /// Facts about the step (`exit 1`, `took 3 s`, `not reversible`).
    pub facts: Vec<String>,
    pub blocks: Vec<Block>,
    /// Cited as evidence by a criterion that failed or awaits review.
    pub cited: bool,
    /// The first step at which the agent left scope.
    pub first_out_of_scope: bool,
}

/// Where the scenario shown came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ScenarioSource {
    /// Carried by the run itself (SWE-bench: the instance's tests).
    Embedded,
    /// The scenario file, as the run's manifest names it.
    File(String),
}

/// The scenario block at the top of a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ScenarioView {
    Shown {
        scenario: Arc<Scenario>,
        source: ScenarioSource,
        /// Set when the file is not the one the run graded with (changed since).
        note: Option<String>,
    },
    /// No scenario: the sentence says why.
    Missing(String),
}

/// Everything one review page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewPage {
    pub run_id: String,
    pub review: Review,
    pub scenario: ScenarioView,
    /// `None` when the steps could not be read (see `steps_problem`).
    pub changes: Option<ChangeLog>,
    pub steps: Vec<StepView>,
    /// Steps left out of `steps` to keep the page small.
    pub steps_elided: u32,
    /// Why the steps could not be shown (file moved, changed or unreadable).
    pub steps_problem: Option<String>,
    /// The step number of the final state, when a criterion cites it.
    pub final_step: Option<u32>,
    /// How many steps the trajectory has (the final state is the step after the last).
    pub step_count: u32,
    /// How the agent stopped, in its own words.
    pub exit_status: Option<String>,
    /// The final diff, file by file, each cut to [`MAX_DIFF_LINES`].
    pub final_diff: Vec<(String, Block)>,
}

/// What every page of a run needs: the run's scenarios and rubrics, loaded once.
#[derive(Debug)]
pub struct PageContext {
    pub run_id: String,
    /// Where the run's relative paths start.
    cwd: Option<PathBuf>,
    specs: Option<SpecSet>,
    /// Scenario id → the blake3 the run graded with.
    graded_with: BTreeMap<String, String>,
}

/// The directory every path lies under (`None` for no path).
fn common_dir(paths: &[&str]) -> Option<PathBuf> {
    let mut dirs = paths.iter().map(|p| Path::new(p).parent().map(Path::to_owned).unwrap_or_default());
    let mut common = dirs.next()?;
    for d in dirs {
        while !d.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    Some(common)
}

impl PageContext {
    /// Loads the scenarios and rubrics the run in `run_dir` used (from the directories its
    /// manifest's files lie in); without a manifest or those files, pages say there is no
    /// scenario file.
    pub fn load(run_dir: &Path, run_id: &str) -> PageContext {
        let manifest = Manifest::load(run_dir).ok();
        let (mut specs, mut graded_with) = (None, BTreeMap::new());
        let cwd = manifest.as_ref().and_then(|m| m.cwd.clone()).map(PathBuf::from);
        if let Some(m) = manifest {
            let scen: Vec<String> = m.scenarios.iter().map(|s| m.resolve(&s.path).display().to_string()).collect();
            let rub: Vec<String> = m.rubrics.iter().map(|s| m.resolve(&s.path).display().to_string()).collect();
            let (scen, rub): (Vec<&str>, Vec<&str>) =
                (scen.iter().map(String::as_str).collect(), rub.iter().map(String::as_str).collect());
            let built_in = rub.iter().all(|r| r.starts_with(goalpost_spec::builtin::BUILTIN_ROOT)) && !rub.is_empty();
            if built_in {
                // Graded with the rubric built into goalpost (no project).
                let s = common_dir(&scen).filter(|s| s.is_dir());
                specs = Some(goalpost_spec::load_from(s.as_deref(), None, None).0);
            } else if let (Some(s), Some(r)) = (common_dir(&scen), common_dir(&rub))
                && s.is_dir()
                && r.is_dir()
            {
                specs = Some(goalpost_spec::load(&s, &r).0);
            } else if let Some(r) = common_dir(&rub).filter(|r| r.is_dir()) {
                // No scenario file: the rubrics still say which plan an unscoped trajectory had.
                let empty = tempfile::tempdir().ok();
                if let Some(e) = &empty {
                    specs = Some(goalpost_spec::load(e.path(), &r).0);
                }
            }
            graded_with = m.scenarios.into_iter().map(|s| (s.id, s.blake3)).collect();
        }
        PageContext { run_id: run_id.to_owned(), cwd, specs, graded_with }
    }

    /// A context with no scenarios: every page says so.
    pub fn empty(run_id: &str) -> PageContext {
        PageContext { run_id: run_id.to_owned(), cwd: None, specs: None, graded_with: BTreeMap::new() }
    }

    /// The plan the trajectory was graded by, as near as the report can tell, and the scenario
    /// block. The scenario the run carried (SWE-bench) comes first, then the one its row names.
    fn plan(&self, t: Option<&Trajectory>, scenario_id: Option<&str>) -> (Plan, ScenarioView) {
        let bare = |scenario: Option<Arc<Scenario>>| {
            let criteria = self.specs.as_ref().and_then(SpecSet::unscoped_plan).map(|p| p.criteria).unwrap_or_default();
            let prices = self.specs.as_ref().map(|s| Arc::new(s.prices().clone())).unwrap_or_default();
            Plan { scenario, rubric_id: String::new(), criteria, prices }
        };
        if let Some(embedded) = t.and_then(|t| t.embedded_scenario.as_deref()) {
            let plan = self
                .specs
                .as_ref()
                .and_then(|s| s.plan_for(embedded.clone()).ok())
                .unwrap_or_else(|| bare(Some(Arc::new(embedded.clone()))));
            let scenario = plan.scenario.clone().unwrap_or_else(|| Arc::new(embedded.clone()));
            return (plan, ScenarioView::Shown { scenario, source: ScenarioSource::Embedded, note: None });
        }
        let Some(id) = scenario_id else {
            return (bare(None), ScenarioView::Missing("no scenario: the objective was not assessed".into()));
        };
        match self.specs.as_ref().and_then(|s| s.plan(id)).and_then(|p| Some((p, p.scenario.clone()?))) {
            Some((plan, scenario)) => {
                let note = match self.graded_with.get(id) {
                    Some(h) if *h == scenario.content_hash => None,
                    Some(_) => {
                        Some("the scenario file changed since the run graded with it: shown as it is now".into())
                    }
                    None => Some("the run's manifest does not name this scenario file".into()),
                };
                let source = ScenarioSource::File(scenario.source.display().to_string());
                ((**plan).clone(), ScenarioView::Shown { scenario, source, note })
            }
            None => (
                bare(None),
                ScenarioView::Missing(format!(
                    "scenario `{id}` is not among the scenario files the run's manifest names (or they moved): the objective is not shown"
                )),
            ),
        }
    }

    /// The page of one review, from its trajectory (when read back) or why it could not be.
    fn page(&self, review: &Review, read: Option<Result<&Trajectory, &str>>) -> ReviewPage {
        let trajectory = match read {
            Some(Ok(t)) if Some(&t.content_hash) != review.content_hash.as_ref() => {
                Err("the file changed since the run graded it; steps not shown".to_owned())
            }
            Some(Ok(t)) => Ok(t),
            Some(Err(e)) => Err(format!("steps not shown: {e}")),
            None => Err("steps not shown".to_owned()),
        };
        let (plan, scenario) = self.plan(trajectory.as_ref().ok().copied(), review.scenario.as_deref());
        let mut page = ReviewPage {
            run_id: self.run_id.clone(),
            review: review.clone(),
            scenario,
            changes: None,
            steps: Vec::new(),
            steps_elided: 0,
            steps_problem: None,
            final_step: None,
            step_count: 0,
            exit_status: None,
            final_diff: Vec::new(),
        };
        let t = match trajectory {
            Ok(t) => t,
            Err(problem) => {
                page.steps_problem = Some(problem);
                return page;
            }
        };
        let cited: BTreeSet<u32> = review.failed.iter().flat_map(|c| c.evidence.iter().copied()).collect();
        let (steps, elided) = timeline(t, &cited, review.first_out_of_scope_step);
        page.steps = steps;
        page.steps_elided = elided;
        let final_n = t.steps.len() as u32 + 1;
        page.final_step = cited.contains(&final_n).then_some(final_n);
        page.step_count = t.steps.len() as u32;
        page.exit_status = t.final_state.as_ref().and_then(|f| f.exit_status.clone());
        let changes = changelog::change_log(t, &plan);
        page.final_diff = changes
            .final_diff
            .iter()
            .flatten()
            .map(|f| {
                let mut lines = Vec::new();
                for (i, h) in f.hunks.iter().enumerate() {
                    if i > 0 {
                        lines.push("@@".to_owned());
                    }
                    lines.extend(h.iter().map(|(mark, text)| format!("{mark}{text}")));
                }
                let mut title = f.path.clone();
                if let Some(old) = &f.old_path {
                    title = format!("{old} → {title}");
                }
                if f.created {
                    title.push_str(" (new file)");
                } else if f.deleted {
                    title.push_str(" (deleted)");
                }
                (title, block_of_lines("diff", lines, MAX_DIFF_LINES, true))
            })
            .collect();
        page.changes = Some(changes);
        page
    }
}

/// Builds the page of every review, reading each file once per batch of the trajectories
/// wanted from it, and hands each to `each` (in file order), so that a run of many failures
/// never holds more than a batch of trajectories.
pub fn for_each_page<E>(
    reviews: &[Review],
    ctx: &PageContext,
    mut each: impl FnMut(ReviewPage) -> Result<(), E>,
) -> Result<(), E> {
    let mut by_file: BTreeMap<&str, Vec<&Review>> = BTreeMap::new();
    for r in reviews {
        by_file.entry(&r.file).or_default().push(r);
    }
    for (file, rs) in by_file {
        for batch in rs.chunks(BATCH) {
            let ids: Vec<&str> =
                batch.iter().map(|r| r.trajectory.as_str()).collect::<BTreeSet<_>>().into_iter().collect();
            let path = goalpost_grade::manifest::resolve_in(ctx.cwd.as_deref(), file);
            let read = read_back(&path, &ids).map_err(|e| e.to_string());
            for r in batch {
                let found = match &read {
                    Ok(ts) => match ts.iter().find(|t| t.header.id == r.trajectory) {
                        Some(t) => Ok(t),
                        None => Err("the trajectory is no longer in its file"),
                    },
                    Err(e) => Err(e.as_str()),
                };
                each(ctx.page(r, Some(found)))?;
            }
        }
    }
    Ok(())
}

/// The page of one review with its trajectory in hand (for tests and single pages).
pub fn page_of(review: &Review, t: Option<&Trajectory>, ctx: &PageContext) -> ReviewPage {
    ctx.page(review, Some(t.ok_or("the trajectory is not in its file")))
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn cut(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The first line of `text`, cut for a summary line; "(+N lines)" when it has more.
fn headline(text: &str) -> String {
    let mut lines = text.trim().lines();
    let first = cut(lines.next().unwrap_or(""), MAX_HEADLINE);
    let rest = lines.count();
    if rest > 0 { format!("{first} (+{rest} lines)") } else { first }
}

fn block_of_lines(label: &'static str, lines: Vec<String>, max: usize, diff: bool) -> Block {
    let more_lines = lines.len().saturating_sub(max);
    let lines = lines.into_iter().take(max).map(|l| cut(&l, MAX_LINE_CHARS)).collect();
    Block { label, lines, more_lines, diff }
}

fn block(label: &'static str, text: &str) -> Option<Block> {
    (!text.trim().is_empty())
        .then(|| block_of_lines(label, text.trim_end().lines().map(str::to_owned).collect(), MAX_LINES, false))
}

/// `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `3 min 4 s`, `2 h 5 min`, `12 s`, `0.4 s`.
pub fn duration(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "–".into();
    }
    if s < 10.0 {
        return format!("{s:.1} s");
    }
    let total = s.round() as u64;
    let (h, m, sec) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{sec} s"),
        (0, _) => format!("{m} min {sec} s"),
        _ => format!("{h} h {m} min"),
    }
}

fn outcome_word(o: TestOutcome) -> &'static str {
    match o {
        TestOutcome::Passed => "passed",
        TestOutcome::Failed => "failed",
        TestOutcome::Error => "error",
        TestOutcome::Skipped => "skipped",
        TestOutcome::Xfailed => "xfailed",
        TestOutcome::Xpassed => "xpassed",
    }
}

fn source_word(s: ValueSource) -> &'static str {
    match s {
        ValueSource::Agent => "recorded by the agent",
        ValueSource::Harness => "measured by the harness",
    }
}

/// What one step shows: its kind in words, a summary line, facts and blocks. No debug text:
/// every value is written out for a person.
fn view(record: &Record) -> (&'static str, String, Vec<String>, Vec<Block>) {
    match record {
        Record::Message(m) => {
            let who = m.role.as_str();
            (
                "message",
                format!("{who}: {}", headline(&m.content)),
                vec![],
                block("message", &m.content).into_iter().collect(),
            )
        }
        Record::ToolCall(c) => {
            let args = match &c.arguments {
                serde_json::Value::Null => String::new(),
                v => serde_json::to_string_pretty(v).unwrap_or_default(),
            };
            let plugin = c.plugin.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
            ("tool call", format!("{}{plugin}", c.tool), vec![], block("arguments", &args).into_iter().collect())
        }
        Record::ToolResult(r) => {
            let facts = match r.is_error {
                Some(true) => vec!["the tool reported an error".to_owned()],
                _ => vec![],
            };
            ("tool result", headline(&r.output), facts, block("output", &r.output).into_iter().collect())
        }
        Record::Command(c) => {
            let mut facts = vec![match c.exit_code {
                Some(e) => format!("exit {e}"),
                None => "exit code not recorded".to_owned(),
            }];
            if c.timed_out {
                facts.push("timed out".into());
            }
            if let Some(d) = c.duration_s {
                facts.push(format!("took {}", duration(d)));
            }
            if let Some(cwd) = &c.cwd {
                facts.push(format!("in {cwd}"));
            }
            let mut blocks = Vec::new();
            if c.command.trim().lines().count() > 1 {
                blocks.extend(block("command", &c.command));
            }
            blocks.extend(block("output", &c.output));
            if c.output.trim().is_empty() {
                facts.push("no output recorded".into());
            }
            ("command", format!("$ {}", headline(&c.command)), facts, blocks)
        }
        Record::FileEdit(e) => {
            let op = e.op.as_str();
            let what = match &e.from {
                Some(from) => format!("{op} {from} → {}", e.path),
                None => format!("{op} {}", e.path),
            };
            let blocks: Vec<Block> = e
                .diff
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| block_of_lines("diff", d.lines().map(str::to_owned).collect(), MAX_DIFF_LINES, true))
                .into_iter()
                .collect();
            let facts = if blocks.is_empty() { vec!["no diff recorded".to_owned()] } else { vec![] };
            ("file edit", what, facts, blocks)
        }
        Record::TestRun(r) => {
            let mut counts: BTreeMap<TestOutcome, usize> = BTreeMap::new();
            for t in &r.tests {
                *counts.entry(t.outcome).or_default() += 1;
            }
            let summary: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {}", outcome_word(*o))).collect();
            let summary = if summary.is_empty() { "no test results".to_owned() } else { summary.join(", ") };
            let mut facts = vec![source_word(r.source).to_owned()];
            facts.extend(r.framework.clone());
            let mut blocks = Vec::new();
            blocks.extend(r.command.as_deref().and_then(|c| block("command", c)));
            let failing: Vec<String> = r
                .tests
                .iter()
                .filter(|t| matches!(t.outcome, TestOutcome::Failed | TestOutcome::Error))
                .map(|t| format!("{} {}", outcome_word(t.outcome), t.name))
                .collect();
            blocks.extend(block("failing tests", &failing.join("\n")));
            ("test run", summary, facts, blocks)
        }
        Record::SideEffect(s) => {
            let rev = match s.reversible {
                Some(true) => "declared reversible",
                Some(false) => "declared irreversible",
                None => "reversibility not declared",
            };
            let blocks = s.detail.as_deref().and_then(|d| block("detail", d)).into_iter().collect();
            ("side effect", format!("{} {}", s.kind, s.target), vec![rev.to_owned()], blocks)
        }
        Record::Usage(u) => {
            let mut parts = Vec::new();
            match (u.input_tokens, u.output_tokens) {
                (None, None) => {}
                (i, o) => parts.push(format!(
                    "{} tokens ({} in, {} out)",
                    thousands(i.unwrap_or(0).saturating_add(o.unwrap_or(0))),
                    thousands(i.unwrap_or(0)),
                    thousands(o.unwrap_or(0))
                )),
            }
            if let Some(c) = u.cache_read_tokens {
                parts.push(format!("{} cached", thousands(c)));
            }
            if let Some(c) = u.cost_usd {
                parts.push(crate::markdown::usd(c));
            }
            if let Some(m) = &u.model {
                parts.push(m.clone());
            }
            let text = if parts.is_empty() { "nothing recorded".to_owned() } else { parts.join(", ") };
            ("usage", text, vec![], vec![])
        }
        Record::Metric(m) => {
            let unit = m.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
            ("metric", format!("{} = {}{unit}", m.name, m.value), vec![source_word(m.source).to_owned()], vec![])
        }
        Record::Error(e) => {
            let kind = match e.kind {
                ErrorKind::Infra => "infrastructure error",
                ErrorKind::Timeout => "timeout",
                ErrorKind::Agent => "agent error",
            };
            (kind, headline(&e.message), vec![], block("message", &e.message).into_iter().collect())
        }
        Record::Header(_) => ("header", String::new(), vec![], vec![]),
        Record::Final(_) => ("final state", String::new(), vec![], vec![]),
    }
}

/// The steps shown for a trajectory, and how many were left out.
fn timeline(t: &Trajectory, cited: &BTreeSet<u32>, first_oos: Option<u32>) -> (Vec<StepView>, u32) {
    let total = t.steps.len();
    let show = |n: u32| -> bool {
        if total <= MAX_STEPS_SHOWN {
            return true;
        }
        let near = |m: u32| n + CONTEXT >= m && n <= m + CONTEXT;
        n <= 20 || n as usize > total - 20 || cited.iter().any(|&m| near(m)) || first_oos.is_some_and(near)
    };
    let mut steps = Vec::new();
    let mut elided = 0;
    for s in &t.steps {
        if !show(s.n) {
            elided += 1;
            continue;
        }
        let (kind, headline, facts, blocks) = view(&s.record);
        steps.push(StepView {
            n: s.n,
            elapsed_s: s.record.elapsed_s(),
            kind,
            headline,
            facts,
            blocks,
            cited: cited.contains(&s.n),
            first_out_of_scope: first_oos == Some(s.n),
        });
    }
    (steps, elided)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_345), "12,345");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(duration(184.0), "3 min 4 s");
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(0.4), "0.4 s");
        assert_eq!(duration(7_500.0), "2 h 5 min");
        assert_eq!(duration(f64::NAN), "–");
    }

    #[test]
    fn long_text_is_cut_and_says_so() {
        let text: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let b = block("output", &text).unwrap();
        assert_eq!((b.lines.len(), b.more_lines), (MAX_LINES, 100 - MAX_LINES));
        assert_eq!(headline("a\nb\nc"), "a (+2 lines)");
        assert_eq!(cut("ééé", 2), "éé…");
        assert!(block("output", "  \n").is_none());
    }

    #[test]
    fn common_dir_is_the_deepest_shared_directory() {
        assert_eq!(common_dir(&["scenarios/a/x.toml", "scenarios/b/y.toml"]), Some(PathBuf::from("scenarios")));
        assert_eq!(common_dir(&["scenarios/a/x.toml"]), Some(PathBuf::from("scenarios/a")));
        assert_eq!(common_dir(&[]), None);
    }
}
