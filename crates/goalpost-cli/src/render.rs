//! Everything the CLI shows a person. Data goes to stdout, diagnostics and hints to stderr.
//! Every string that came from a trajectory passes through [`clean`] first: control
//! characters are escaped, so a trajectory cannot drive the terminal.
#![expect(clippy::print_stderr, reason = "the CLI reports diagnostics on stderr")]

use std::fmt::Write as _;
use std::io::{self, Write};

use goalpost_grade::{ErrorRow, Outcome, Status, Totals, Verdict};
use goalpost_spec::Diagnostic;
use goalpost_trajectory::{IngestError, Trajectory};

/// Escapes control characters (ANSI escapes, carriage returns, and newlines and tabs too: a
/// trajectory string must not start a line of its own) and caps the length.
pub(crate) fn clean(s: &str, max: usize) -> String {
    if s.contains(['\n', '\t']) {
        goalpost_trajectory::text::visible_capped(&s.replace('\n', "\\n").replace('\t', "\\t"), max)
    } else {
        goalpost_trajectory::text::visible_capped(s, max)
    }
}

pub(crate) fn error(e: &anyhow::Error) {
    // Errors name paths and values that may come from a trajectory or a hostile file name.
    // A message's own `\nhint: ` lines stay lines; any other newline is escaped.
    let text = e.to_string();
    let mut parts = text.split("\nhint: ");
    let mut msg = format!("error: {}", clean(parts.next().unwrap_or_default(), 4000));
    for hint in parts {
        let _ = write!(msg, "\nhint: {}", clean(hint, 2000));
    }
    for cause in e.chain().skip(1) {
        let _ = write!(msg, "\n  caused by: {}", clean(&cause.to_string(), 4000));
    }
    eprintln!("{msg}");
}

pub(crate) fn diagnostic(d: &Diagnostic) {
    eprintln!("{}", clean(&d.to_string(), 2000));
}

pub(crate) fn ingest_error(e: &IngestError) {
    eprintln!("error: {}", clean(&e.to_string(), 2000));
}

pub(crate) fn error_row(e: &ErrorRow) {
    let loc = e.line.map(|l| format!(":{l}")).unwrap_or_default();
    let field = e.field.as_deref().map(|f| format!("field `{}`: ", clean(f, 200))).unwrap_or_default();
    eprintln!("error: {}{loc}: {field}{}", clean(&e.file, 500), clean(&e.message, 2000));
}

pub(crate) fn hint(msg: &str) {
    eprintln!("hint: {msg}");
}

pub(crate) fn line(s: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{s}")
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Incomplete => "INCOMPLETE",
        Outcome::Review => "REVIEW",
        Outcome::Unassessed => "UNASSESSED",
    }
}

/// The lines of the run's table, gathered as rows are written: every row of a run of up to
/// [`TableRows::LIMIT`] trajectories; beyond that, the rows a person must look at (fail,
/// review, incomplete, error) up to the limit, so the table (and memory) stays bounded while
/// every row is in results.csv.
#[derive(Debug, Default)]
pub(crate) struct TableRows {
    /// Rows a person must look at, and the others, each with its place in the run.
    look: Vec<(usize, [String; 5])>,
    other: Vec<(usize, [String; 5])>,
    seen: usize,
    omitted: usize,
}

impl TableRows {
    pub(crate) const LIMIT: usize = 1000;

    pub(crate) fn verdict(&mut self, v: &Verdict) {
        // Failures, then what awaits a person's decision.
        let failed: Vec<String> = v
            .criteria
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.id.clone())
            .chain(v.criteria.iter().filter(|c| c.status == Status::Review).map(|c| format!("review: {}", c.id)))
            .collect();
        let objective = match (v.objective_met, v.unassessed) {
            (Some(true), _) => "met",
            (Some(false), _) => "not met",
            (None, Some(_)) => "unassessed",
            (None, None) => "-",
        };
        let look = !matches!(v.outcome, Outcome::Pass | Outcome::Unassessed);
        self.push(
            look,
            [
                clean(&v.trajectory, 48),
                outcome(v.outcome).to_owned(),
                format!("{:.2}", v.score),
                objective.to_owned(),
                if failed.is_empty() { "-".to_owned() } else { failed.join(", ") },
            ],
        );
    }

    pub(crate) fn error(&mut self, e: &ErrorRow) {
        self.push(
            true,
            [
                clean(e.trajectory.as_deref().unwrap_or(&e.file), 48),
                "ERROR".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                clean(&e.message, 100),
            ],
        );
    }

    fn push(&mut self, look: bool, cells: [String; 5]) {
        let n = self.seen;
        self.seen += 1;
        if look { &mut self.look } else { &mut self.other }.push((n, cells));
        // Over the limit: the latest of the rows nobody must look at goes first.
        if self.look.len() + self.other.len() > Self::LIMIT {
            if self.other.pop().is_none() {
                self.look.pop();
            }
            self.omitted += 1;
        }
    }

    /// The rows kept, in the run's order.
    fn rows(&self) -> Vec<&[String; 5]> {
        let mut all: Vec<_> = self.look.iter().chain(&self.other).collect();
        all.sort_by_key(|(n, _)| *n);
        all.into_iter().map(|(_, c)| c).collect()
    }
}

/// One line per trajectory (see [`TableRows`]), then the totals.
pub(crate) fn summary_table(rows: &TableRows, t: &Totals) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let kept = rows.rows();
    let w_traj = kept.iter().map(|c| c[0].chars().count()).max().unwrap_or(10).max(10);
    writeln!(
        out,
        "{:<w_traj$}  {:<10}  {:>5}  {:<10}  failed criteria",
        "trajectory", "outcome", "score", "objective"
    )?;
    for [traj, outcome, score, objective, failed] in kept {
        writeln!(out, "{traj:<w_traj$}  {outcome:<10}  {score:>5}  {objective:<10}  {failed}")?;
    }
    if rows.omitted > 0 {
        writeln!(
            out,
            "… {} more row(s) not listed (passing or not assessed first): every row is in results.csv and results.jsonl",
            rows.omitted
        )?;
    }
    writeln!(
        out,
        "\n{} found: {} graded ({} pass, {} fail, {} review, {} incomplete, {} objective not assessed), {} errored; {} criteria unscored, {} not applicable{}",
        t.found,
        t.graded,
        t.passed,
        t.failed,
        t.review,
        t.incomplete,
        t.unassessed,
        t.errored,
        t.criteria_unscored,
        t.criteria_not_applicable,
        match t.criteria_decided {
            0 => String::new(),
            n => format!("; {n} criteria decided by a reviewer ({} failed criteria overturned)", t.overturned),
        }
    )
}

/// A one-line description of a step, for citing it as evidence.
fn describe(t: &Trajectory, n: u32) -> String {
    if n as usize == t.steps.len() + 1 {
        return "final state (diff and harness test results)".to_owned();
    }
    let Some(step) = t.step(n) else { return "?".to_owned() };
    let s = step.record.describe();
    clean(&s.replace('\n', " "), 140)
}

pub(crate) fn explain(t: &Trajectory, v: &Verdict) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "trajectory {} ({})", clean(&v.trajectory, 200), clean(&v.file, 300))?;
    writeln!(
        out,
        "  agent {} {} · model {} · scenario {} · rubric {} · attempt {}",
        clean(&v.agent, 80),
        clean(v.agent_revision.as_deref().unwrap_or("-"), 40),
        clean(v.model.as_deref().unwrap_or("-"), 80),
        clean(v.scenario.as_deref().unwrap_or("(none)"), 120),
        v.rubric,
        v.attempt
    )?;
    if let Some(note) = &v.note {
        writeln!(out, "  note: {}", clean(note, 1000))?;
    }
    let objective = match (v.objective_met, v.unassessed) {
        (Some(true), _) => "met".to_owned(),
        (Some(false), _) => "not met".to_owned(),
        (None, Some(u)) => format!("not assessed ({})", u.describe()),
        (None, None) => "unknown".to_owned(),
    };
    writeln!(out, "  outcome {} · score {:.3} · objective {objective}\n", outcome(v.outcome), v.score)?;
    for c in &v.criteria {
        let status = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::NotApplicable => "n/a",
            Status::Unscored => "unscored",
            Status::Review => "REVIEW",
        };
        let reason = c.reason.map(|r| format!(" ({})", r.as_str())).unwrap_or_default();
        writeln!(
            out,
            "  [{status}{reason}] {}{}: {}",
            c.id,
            if c.gating { "" } else { " (scores only)" },
            clean(&c.message, 600)
        )?;
        if let Some(d) = &c.decision {
            writeln!(
                out,
                "      decided: {}{} by {} at {} (the grader said {}): {}",
                d.decision.as_str(),
                if d.overturned() { ", overturned" } else { "" },
                clean(&d.by, 100),
                clean(&d.at, 40),
                d.was.as_str(),
                clean(&d.why, 600)
            )?;
        }
        for n in c.evidence.iter().take(8) {
            writeln!(out, "      step {n}: {}", describe(t, *n))?;
        }
        if c.evidence.len() > 8 {
            writeln!(out, "      … and {} more steps", c.evidence.len() - 8)?;
        }
    }
    let s = &v.summary;
    writeln!(out, "\n  summary")?;
    writeln!(
        out,
        "    steps {} · commands {} ({}) · test runs {} · reverts {}",
        s.steps,
        s.commands_run,
        s.failed_commands.map_or_else(|| "exit codes not recorded".to_owned(), |n| format!("{n} failed")),
        s.test_runs,
        s.reverts
    )?;
    writeln!(
        out,
        "    cost {} · tokens {} · duration {}",
        s.cost_usd.map_or("unknown".to_owned(), |c| format!("${c:.4}")),
        s.tokens.map_or("unknown".to_owned(), |c| c.to_string()),
        s.duration_s.map_or("unknown".to_owned(), |c| format!("{c:.0}s"))
    )?;
    let files: Vec<String> = s.files_touched.iter().map(|f| clean(f, 120)).collect();
    writeln!(
        out,
        "    files touched ({}): {}",
        files.len(),
        if files.is_empty() { "-".to_owned() } else { files.join(", ") }
    )?;
    for fx in &s.side_effects {
        writeln!(out, "    side effect: {}", clean(fx, 200))?;
    }
    match s.first_out_of_scope_step {
        Some(n) => writeln!(out, "    first left scope at step {n}: {}", describe(t, n))?,
        None => writeln!(out, "    never left scope")?,
    }
    for w in &v.warnings {
        writeln!(out, "    warning: {}", clean(w, 300))?;
    }
    writeln!(out)
}
