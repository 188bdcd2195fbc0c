//! `goalpost review`: what awaits a reviewer across runs, and `review accept|reject` to
//! record a decision in the ledger (`goalpost_grade::ledger`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use goalpost_grade::ledger::{Decision, Ledger, Verb};
use goalpost_grade::{ResultRow, Status, Verdict};
use serde::Serialize;

use crate::args::{DecideArgs, ReviewAction, ReviewArgs};
use crate::exit::Exit;
use crate::render;

/// Shortest content-hash prefix accepted in an item, and the length `review` prints.
const MIN_PREFIX: usize = 8;
const SHOWN_PREFIX: usize = 12;

/// One criterion a reviewer may decide, from the newest run that graded it.
#[derive(Debug, Clone, Serialize)]
struct Item {
    /// `HASH:CRITERION`, as `review accept|reject` takes it.
    item: String,
    trajectory: String,
    content_hash: String,
    criterion: String,
    /// The grader's status: `review` or `fail`.
    status: &'static str,
    gating: bool,
    message: String,
    evidence: Vec<u32>,
    run: String,
    file: String,
    /// The trajectory's review page, when `goalpost report` wrote one for the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    /// The decision the ledger holds for it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    decided: Option<String>,
}

pub(crate) fn review(a: ReviewArgs) -> Result<Exit> {
    let ledger_path = crate::project::ledger(a.ledger.as_ref());
    let ledger = Ledger::load(&ledger_path)?;
    let runs = if a.runs.is_empty() { vec![crate::project::reports(None)] } else { a.runs.clone() };
    let items = items(&runs, &ledger)?;
    match a.action {
        None => list(&a, &ledger, &items),
        Some(ReviewAction::Accept(d)) => decide(&ledger_path, &items, Verb::Accept, d),
        Some(ReviewAction::Reject(d)) => decide(&ledger_path, &items, Verb::Reject, d),
    }
}

/// The finished run directories among `paths` (a run, or a directory of runs), oldest first.
fn runs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.join("manifest.json").is_file() || p.join("results.jsonl").is_file() {
            out.push(p.clone());
            continue;
        }
        let Ok(entries) = fs_err::read_dir(p) else {
            render::hint(&format!("`{}` is neither a run nor a directory of runs: left out", p.display()));
            continue;
        };
        let mut found: Vec<PathBuf> =
            entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|d| d.join("results.jsonl").is_file()).collect();
        found.sort();
        out.extend(found);
    }
    if out.is_empty() {
        bail!(
            "no run under {}\nhint: `goalpost run` writes runs under reports/; pass --runs DIR for another place",
            paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(out)
}

/// Every decidable criterion of the runs, with the ledger applied: the newest run that graded
/// a trajectory's criterion says whether it is still to decide (a later run that passes it,
/// say with a catalog that now knows the tool, closes the item).
fn items(paths: &[PathBuf], ledger: &Ledger) -> Result<Vec<Item>> {
    let mut by_key: BTreeMap<(String, String), Item> = BTreeMap::new();
    // Oldest first, by when each run started, whatever order they were named in.
    let mut finished = Vec::new();
    for run in runs(paths)? {
        match goalpost_grade::manifest::Manifest::load(&run) {
            Ok(m) => finished.push((m.started_at, m.run_id, run)),
            Err(e) => render::hint(&render::clean(&format!("left out: {e}"), 2000)),
        }
    }
    finished.sort();
    for (_, _, run) in finished {
        let file = run.join("results.jsonl");
        let (rows, _) = goalpost_grade::read_rows(&file).with_context(|| format!("reading {}", file.display()))?;
        let pages = pages(&run);
        for row in rows {
            let ResultRow::Verdict(mut v) = row else { continue };
            ledger.apply(&mut v);
            let page = pages.get(&(v.file.clone(), v.trajectory.clone())).cloned();
            for c in &v.criteria {
                by_key.remove(&(v.content_hash.clone(), c.id.clone()));
            }
            for mut it in decidable(&v, &run) {
                it.page.clone_from(&page);
                by_key.insert((it.content_hash.clone(), it.criterion.clone()), it);
            }
        }
    }
    Ok(by_key.into_values().collect())
}

/// The review pages `goalpost report` wrote for a run (from its `report.json`), by file and
/// trajectory; none when it has no report. The page paths are the report's own
/// (`review/<n>.html`), never made from trajectory text; anything else is ignored.
fn pages(run: &Path) -> BTreeMap<(String, String), String> {
    let Ok(text) = fs_err::read_to_string(run.join("report.json")) else { return BTreeMap::new() };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else { return BTreeMap::new() };
    let ours = |p: &str| {
        p.strip_prefix("review/")
            .and_then(|rest| rest.strip_suffix(".html"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    json["reviews"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let page = r["page"].as_str().filter(|p| ours(p))?;
            let key = (r["file"].as_str()?.to_owned(), r["trajectory"].as_str()?.to_owned());
            Some((key, run.join(page).display().to_string()))
        })
        .collect()
}

fn decidable(v: &Verdict, run: &Path) -> Vec<Item> {
    v.criteria
        .iter()
        .filter_map(|c| {
            let graded = c.decision.as_ref().map_or(c.status, |d| d.was);
            let status = match graded {
                Status::Review => "review",
                Status::Fail => "fail",
                _ => return None,
            };
            let prefix: String = v.content_hash.chars().take(SHOWN_PREFIX).collect();
            Some(Item {
                item: format!("{prefix}:{}", c.id),
                trajectory: v.trajectory.clone(),
                content_hash: v.content_hash.clone(),
                criterion: c.id.clone(),
                status,
                gating: c.gating,
                message: c.message.clone(),
                evidence: c.evidence.clone(),
                run: run.display().to_string(),
                file: v.file.clone(),
                page: None,
                decided: c
                    .decision
                    .as_ref()
                    .map(|d| format!("{} by {} at {}: {}", d.decision.as_str(), d.by, d.at, d.why)),
            })
        })
        .collect()
}

fn list(a: &ReviewArgs, ledger: &Ledger, items: &[Item]) -> Result<Exit> {
    let open: Vec<&Item> = items.iter().filter(|i| i.decided.is_none() && i.status == "review").collect();
    let failures: Vec<&Item> = items.iter().filter(|i| i.decided.is_none() && i.status == "fail").collect();
    let decided: Vec<&Item> = items.iter().filter(|i| i.decided.is_some()).collect();
    if a.json {
        let mut out = String::new();
        for i in open.iter().chain(if a.failures { failures.iter() } else { [].iter() }).chain(decided.iter()) {
            // Every control and text-reordering character as a JSON escape: the same value,
            // nothing raw for a terminal.
            out.push_str(&goalpost_trajectory::text::json_visible(&serde_json::to_string(i)?));
            out.push('\n');
        }
        if !out.is_empty() {
            render::line(out.trim_end())?;
        }
        return Ok(Exit::Success);
    }
    let show = |title: &str, list: &[&Item]| -> Result<()> {
        render::line(&format!("{title} ({}):", list.len()))?;
        for i in list {
            let steps: Vec<String> = i.evidence.iter().map(u32::to_string).collect();
            let at = if steps.is_empty() { String::new() } else { format!(" (steps {})", steps.join(", ")) };
            render::line(&format!(
                "  {}  {}{at}\n      {}\n      run {}",
                render::clean(&i.item, 240),
                render::clean(&i.trajectory, 120),
                render::clean(&i.message, 300),
                render::clean(&i.run, 240),
            ))?;
            if let Some(p) = &i.page {
                render::line(&format!("      page {}", render::clean(p, 300)))?;
            }
            if let Some(d) = &i.decided {
                render::line(&format!("      decided: {}", render::clean(d, 300)))?;
            }
        }
        Ok(())
    };
    show("open review items", &open)?;
    if a.failures {
        show("failures a reviewer may overturn", &failures)?;
    } else if !failures.is_empty() {
        render::hint(&format!("{} failure(s) a reviewer may overturn: --failures lists them", failures.len()));
    }
    if !decided.is_empty() {
        show("decided", &decided)?;
    }
    render::hint(&format!(
        "decide with `goalpost review accept|reject ITEM --by NAME --why TEXT`; the ledger {} holds {} decision(s)",
        crate::project::ledger(a.ledger.as_ref()).display(),
        ledger.lines()
    ));
    Ok(Exit::Success)
}

/// The one item `spec` names: `HASH:CRITERION` (a unique prefix of at least [`MIN_PREFIX`]
/// hex digits) or `TRAJECTORY:CRITERION`.
fn resolve<'a>(items: &'a [Item], spec: &str) -> Result<&'a Item> {
    let Some((who, criterion)) = spec.rsplit_once(':') else {
        bail!(
            "`{}`: an item is HASH:CRITERION or TRAJECTORY:CRITERION, as `goalpost review` lists it",
            render::clean(spec, 200)
        );
    };
    let hexlike = who.len() >= MIN_PREFIX && who.bytes().all(|b| b.is_ascii_hexdigit());
    let matching: Vec<&Item> = items
        .iter()
        .filter(|i| i.criterion == criterion)
        .filter(|i| (hexlike && i.content_hash.starts_with(&who.to_ascii_lowercase())) || i.trajectory == who)
        .collect();
    let hashes: std::collections::BTreeSet<&str> = matching.iter().map(|i| i.content_hash.as_str()).collect();
    match (matching.first(), hashes.len()) {
        (Some(i), 1) => Ok(i),
        (None, _) => bail!(
            "no review item or failure `{}` in the runs read\nhint: `goalpost review --failures` lists what can be decided",
            render::clean(spec, 200)
        ),
        (Some(_), n) => bail!(
            "`{}` names {n} different trajectories: {}\nhint: use a longer hash prefix",
            render::clean(spec, 200),
            matching.iter().map(|i| render::clean(&i.item, 100)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn decide(ledger: &Path, items: &[Item], verb: Verb, d: DecideArgs) -> Result<Exit> {
    let item = resolve(items, &d.item)?;
    let was = match item.status {
        "review" => Status::Review,
        _ => Status::Fail,
    };
    let decision = Decision {
        at: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        trajectory: item.trajectory.clone(),
        content_hash: item.content_hash.clone(),
        criterion: item.criterion.clone(),
        was,
        decision: verb,
        by: d.by.trim().to_owned(),
        why: d.why.trim().to_owned(),
    };
    Ledger::append(ledger, &decision)?;
    let effect = match (was, verb) {
        (Status::Fail, Verb::Accept) => "the failure is overturned: a pass, counted as overturned",
        (_, Verb::Accept) => "the criterion passes from now on",
        (Status::Fail, Verb::Reject) => "the failure stands, confirmed",
        (_, Verb::Reject) => "the criterion fails from now on, and is promoted like any failure",
    };
    render::line(&format!(
        "recorded in {}: {} `{}` of {} (was {}) by {}: {effect}",
        ledger.display(),
        verb.as_str(),
        render::clean(&item.criterion, 100),
        render::clean(&item.trajectory, 200),
        was.as_str(),
        render::clean(&decision.by, 100),
    ))?;
    render::hint("every later run, report, compare, gate and promote applies it while the trajectory is unchanged");
    Ok(Exit::Success)
}
