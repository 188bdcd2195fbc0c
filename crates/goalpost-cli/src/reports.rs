//! `report`, `compare` and `gate`: the views over results written by `run`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use goalpost_grade::ledger::Ledger;
use goalpost_report::dataset::{self, TrajectoryRow};
use goalpost_report::{compare as cmp, gate as gt, html, markdown, page, policy::Policy, review, summary, text};

use crate::args::{CompareArgs, Format, GateArgs, PagesArg, ReportArgs};
use crate::exit::Exit;
use crate::render;

/// Writes a report file atomically; no control character from a trajectory is left raw in it
/// (JSON keeps its value: such characters become `\u` escapes).
fn write(path: &Path, contents: &str) -> Result<()> {
    let contents = if path.extension().is_some_and(|e| e == "json") {
        goalpost_trajectory::text::json_visible(contents)
    } else {
        goalpost_trajectory::text::visible(contents)
    };
    goalpost_grade::write_atomic(path, |w| w.write_all(contents.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

/// Prints text from the report crate, control characters escaped line by line.
fn print(text: &str) -> Result<()> {
    for l in text.lines() {
        render::line(&render::clean(l, 4000))?;
    }
    Ok(())
}

/// The newest run directory in the project's reports.
pub(crate) fn newest_run() -> Result<PathBuf> {
    let reports = crate::project::reports(None);
    match dataset::history_runs(&reports).pop() {
        Some(r) => Ok(r),
        None => bail!(
            "no run with a results.parquet under {}/\nhint: run `goalpost run` first, or name a run directory",
            reports.display()
        ),
    }
}

pub(crate) fn report(a: ReportArgs) -> Result<Exit> {
    let run = match a.run {
        Some(r) => r,
        None => newest_run()?,
    };
    let ledger = Ledger::load(&a.ledger.path())?;
    let mut r = summary::build_with(&run, a.history.as_deref(), &ledger)?;
    let out = a.out.unwrap_or_else(|| run.clone());
    fs_err::create_dir_all(&out)?;
    // summary.md lists the failed trajectories; passing pages, when asked for, join the
    // review index of report.html and report.json only.
    write(&out.join("summary.md"), &markdown::render(&r))?;
    if a.pages == PagesArg::All {
        r.reviews = review::load_reviews(&run, review::Pages::All, &ledger)?;
    }
    let written = write_review_pages(&run, &out, &r)?;
    write(&out.join("report.html"), &html::render(&r))?;
    write(&out.join("report.json"), &serde_json::to_string_pretty(&r)?)?;
    let o = &r.overall;
    render::line(&format!(
        "{} found: {} passed ({:.1}% of {} whose objective was assessed), {} failed, {} await review, {} incomplete, {} errored, {} objective not assessed; {} trajectory(ies) decided by a reviewer ({} failed ones overturned); {} review page(s); trend over {} run(s)",
        o.found,
        o.passed,
        100.0 * o.pass_rate,
        o.assessed(),
        o.failed,
        o.review,
        o.incomplete,
        o.errored,
        o.unassessed,
        o.decided,
        o.overturned,
        written,
        r.trend.len()
    ))?;
    for n in &r.notes {
        render::hint(&render::clean(n, 1000));
    }
    render::hint(&format!("wrote summary.md, report.html, report.json and review/ to {}", out.display()));
    Ok(Exit::Success)
}

/// Writes `out/review/<n>.html` for every review of the report, and removes the pages an
/// earlier report left there that this one does not have (only files named `<n>.html`).
fn write_review_pages(run: &Path, out: &Path, r: &summary::Report) -> Result<usize> {
    let dir = out.join("review");
    fs_err::create_dir_all(&dir)?;
    let ctx = page::PageContext::load(run, &r.run_id);
    let mut written = std::collections::BTreeSet::new();
    page::for_each_page(&r.reviews, &ctx, |p| -> Result<()> {
        let path = out.join(&p.review.page);
        write(&path, &html::review_page(&p))?;
        written.insert(path);
        Ok(())
    })?;
    for entry in fs_err::read_dir(&dir)? {
        let path = entry?.path();
        let ours = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".html"))
            .is_some_and(|stem| !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()));
        if ours && !written.contains(&path) {
            fs_err::remove_file(&path)?;
        }
    }
    Ok(written.len())
}

/// A side of a comparison: a run directory (or results file), or a revision inside a history.
fn resolve(spec: &str, history: &Path, ledger: &Ledger) -> Result<(String, Vec<TrajectoryRow>)> {
    let path = Path::new(spec);
    if dataset::has_results(path) {
        let rows = dataset::trajectories(&dataset::apply_ledger(dataset::load_run(path)?, ledger)?)?;
        let label = label_of(&rows).unwrap_or_else(|| spec.to_owned());
        return Ok((label, rows));
    }
    if path.exists() {
        bail!("`{spec}` holds no results.parquet (written by `goalpost run`)");
    }
    let all = history_rows(history, ledger)?;
    let matches =
        |r: &TrajectoryRow| r.agent_revision.as_deref() == Some(spec) || r.run_id == spec || r.revision_key() == spec;
    let found: Vec<TrajectoryRow> = all.iter().filter(|r| matches(r)).cloned().collect();
    if found.is_empty() {
        let known: std::collections::BTreeSet<String> = all.iter().map(TrajectoryRow::revision_key).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).take(30).collect();
        bail!(
            "`{spec}` is neither a run directory nor a revision or run id in {} (revisions there: {})",
            history.display(),
            if known.is_empty() { "none".to_owned() } else { known.join(", ") }
        );
    }
    Ok((label_of(&found).unwrap_or_else(|| spec.to_owned()), found))
}

/// `agent@revision` when every row agrees on it.
fn label_of(rows: &[TrajectoryRow]) -> Option<String> {
    let mut keys = rows.iter().filter(|r| !r.is_error()).map(TrajectoryRow::revision_key);
    let first = keys.next()?;
    keys.all(|k| k == first).then_some(first)
}

/// Every trajectory of a history; unreadable tables are named and left out.
fn history_rows(history: &Path, ledger: &Ledger) -> Result<Vec<TrajectoryRow>> {
    let (frame, problems) = dataset::load_history(history);
    for p in &problems {
        render::hint(&render::clean(&format!("history: {}", p.with_causes()), 1000));
    }
    Ok(match frame {
        Some(df) => dataset::trajectories(&dataset::apply_ledger(df, ledger)?)?,
        None => Vec::new(),
    })
}

/// Every revision of a history with its trajectories.
fn revisions(history: &Path, ledger: &Ledger) -> Result<BTreeMap<String, Vec<TrajectoryRow>>> {
    let mut by: BTreeMap<String, Vec<TrajectoryRow>> = BTreeMap::new();
    for r in history_rows(history, ledger)? {
        by.entry(r.revision_key()).or_default().push(r);
    }
    Ok(by)
}

pub(crate) fn compare(a: CompareArgs) -> Result<Exit> {
    if !(a.alpha > 0.0 && a.alpha < 1.0) {
        bail!("--alpha {} is not in (0, 1)", a.alpha);
    }
    let ledger = Ledger::load(&a.ledger.path())?;
    let history = crate::project::reports(a.history.as_ref());
    let base = resolve(&a.baseline, &history, &ledger)?;
    let cand = resolve(&a.candidate, &history, &ledger)?;
    let others: Vec<(String, Vec<TrajectoryRow>)> =
        if history.is_dir() { revisions(&history, &ledger)?.into_iter().collect() } else { Vec::new() };
    let c = cmp::compare((&base.0, &base.1), (&cand.0, &cand.1), &others, a.alpha);
    let md = text::compare_markdown(&c);
    let json = serde_json::to_string_pretty(&c)?;
    match a.format {
        Format::Table => print(&text::compare_terminal(&c))?,
        Format::Markdown => print(&md)?,
        Format::Json => print(&json)?,
    }
    if let Some(out) = &a.out {
        fs_err::create_dir_all(out)?;
        write(&out.join("compare.md"), &md)?;
        write(&out.join("compare.json"), &json)?;
        render::hint(&format!("wrote compare.md and compare.json to {}", out.display()));
    }
    Ok(Exit::Success)
}

pub(crate) fn gate(a: GateArgs) -> Result<Exit> {
    // The policy first: a missing or malformed one stops here, never a pass.
    let policy_path = match a.policy.clone().or_else(|| crate::project::get().policy.clone()) {
        Some(p) => p,
        None => bail!(
            "no release policy: pass --policy FILE\nhint: a project's goalpost.toml can name one (`[paths] policy`)"
        ),
    };
    let policy = Policy::load(&policy_path)?;
    let run = match a.run {
        Some(r) => r,
        None => newest_run()?,
    };
    let ledger = Ledger::load(&a.ledger.path())?;
    let df = dataset::apply_ledger(dataset::load_run(&run)?, &ledger)?;
    let (rows, crits) = (dataset::trajectories(&df)?, dataset::criteria(&df)?);
    let baseline = match &a.baseline {
        Some(b) => Some(resolve(b, &crate::project::reports(a.history.as_ref()), &ledger)?.1),
        None => None,
    };
    let store = match &policy.regressions {
        Some(_) => Some(store_view(&a.store.path()?, &run, &ledger)?),
        None => None,
    };
    let result = gt::evaluate(&policy, &rows, &crits, baseline.as_deref(), store.as_deref());
    print(&text::gate_terminal(&result))?;
    let out = a.out.unwrap_or(run);
    fs_err::create_dir_all(&out)?;
    let md = text::gate_markdown(&result);
    write(&out.join("gate.md"), &md)?;
    write(&out.join("gate.junit.xml"), &gt::junit(&result)?)?;
    write(&out.join("gate.json"), &serde_json::to_string_pretty(&result)?)?;
    // GitHub Actions shows this file on the run's page.
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut f = fs_err::OpenOptions::new().append(true).create(true).open(PathBuf::from(summary))?;
        f.write_all(md.as_bytes())?;
    }
    render::hint(&format!("wrote gate.md, gate.junit.xml and gate.json to {}", out.display()));
    Ok(Exit::problems_if(!result.passed))
}

/// The regression store as the gate sees it: each entry's state before this run, and whether
/// the run failed it. A corrupt entry stops the gate: it could hide a re-opened regression.
fn store_view(dir: &Path, run: &Path, ledger: &Ledger) -> Result<Vec<gt::StoreEntry>> {
    let store = goalpost_store::Store::open(dir)?;
    if let Some(p) = store.problems.first() {
        bail!(
            "the regression store has {} corrupt entr(ies), first {}: {}",
            store.problems.len(),
            p.path.display(),
            render::clean(&p.message, 500)
        );
    }
    let mut view = goalpost_store::RunView::load(run)?;
    for v in &mut view.verdicts {
        ledger.apply(v);
    }
    let outcomes = store.outcomes(&view);
    Ok(store
        .entries
        .iter()
        .zip(outcomes)
        .map(|(e, (_, failed))| gt::StoreEntry {
            id: e.id.clone(),
            state: match e.state_before(&view.run_id) {
                None => gt::EntryState::New,
                Some(goalpost_store::State::Open) => gt::EntryState::Open,
                Some(goalpost_store::State::Fixed) => gt::EntryState::Fixed,
                Some(goalpost_store::State::Retired) => gt::EntryState::Retired,
            },
            failed,
        })
        .collect())
}
