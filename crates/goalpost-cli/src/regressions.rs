//! `promote` and `regressions list|show|retire|verify`: the regression store.

use anyhow::{Result, bail};
use goalpost_store::{PromoteOptions, RunView, Severity, State, Store};

use crate::args::{ListFormat, MinSeverity, PromoteArgs, RegressionsCommand};
use crate::commands::load_specs;
use crate::exit::Exit;
use crate::render::{self, clean};
use crate::reports::newest_run;

pub(crate) fn promote(a: PromoteArgs) -> Result<Exit> {
    let run_dir = match a.run {
        Some(r) => r,
        None => newest_run()?,
    };
    let mut run = RunView::load(&run_dir)?;
    // Reviewers' decisions count: a rejected review item is promoted like any failure, and
    // an overturned failure is not.
    let ledger = goalpost_grade::ledger::Ledger::load(&a.ledger.path())?;
    for v in &mut run.verdicts {
        ledger.apply(v);
    }
    let (specs, _) = load_specs(&a.spec)?;
    let store_dir = a.store.path()?;
    if let Some(id) = &a.scenario
        && specs.plan(id).and_then(|p| p.scenario.clone()).is_none()
    {
        bail!("--scenario `{}` is not loaded\nhint: `goalpost lint` lists the scenarios in force", clean(id, 200));
    }
    let opts = PromoteOptions {
        scenario: a.scenario.clone(),
        criteria: a.criteria,
        min_severity: match a.min_severity {
            MinSeverity::Gating => Severity::Gating,
            MinSeverity::Advisory => Severity::Advisory,
        },
    };
    let r = goalpost_store::promote(&store_dir, &run, &specs, &opts)?;
    for p in &r.problems {
        render::hint(&clean(&format!("store: {}: {}", p.path.display(), p.message), 1000));
    }
    for s in &r.skipped {
        render::hint(&clean(&format!("not promoted: {s}"), 1000));
    }
    if r.unscoped > 0 {
        render::hint(&format!(
            "{} failure(s) of trajectories graded with no scenario were not promoted: --scenario ID promotes them as failures of that scenario",
            r.unscoped
        ));
    }
    for id in &r.created {
        render::line(&format!("new regression {id}"))?;
    }
    for id in &r.reopened {
        render::line(&format!("re-opened {id}: it was fixed and fails again"))?;
    }
    for id in &r.fixed {
        render::line(&format!("fixed {id}"))?;
    }
    let sightings: usize = r.sightings.values().sum();
    render::line(&format!(
        "{} new, {sightings} sighting(s), {} pass(es) recorded, {} fixed, {} re-opened in {}",
        r.created.len(),
        r.passed.len(),
        r.fixed.len(),
        r.reopened.len(),
        store_dir.display()
    ))?;
    Ok(Exit::Success)
}

pub(crate) fn dispatch(c: RegressionsCommand) -> Result<Exit> {
    match c {
        RegressionsCommand::Plan { store, format } => {
            let store = Store::open(&store.path()?)?;
            report_problems(&store);
            let plan = store.plan();
            if format == ListFormat::Json {
                let doc = serde_json::json!({ "store": store.dir, "entries": plan });
                // Prompts and ids come from trajectories: nothing hidden reaches the terminal.
                render::line(&goalpost_trajectory::text::json_visible(&serde_json::to_string_pretty(&doc)?))?;
                return Ok(Exit::problems_if(!store.problems.is_empty()));
            }
            render::line(&format!("{:<48}  {:<7}  {:<40}  {:<24}  criteria", "id", "state", "repository", "image"))?;
            for p in &plan {
                let r = p.rerun.clone().unwrap_or_default();
                render::line(&format!(
                    "{:<48}  {:<7}  {:<40}  {:<24}  {}",
                    p.id,
                    p.state.as_str(),
                    clean(r.repository.as_deref().unwrap_or("-"), 40),
                    clean(r.snapshot.as_deref().unwrap_or("-"), 24),
                    clean(&p.criteria.join(", "), 200)
                ))?;
                if let Some(why) = &p.problem {
                    render::hint(&clean(&format!("{}: no re-run recipe: {why}", p.id), 1000));
                }
            }
            render::line(&format!(
                "{} entr(ies) to re-run; --format json gives each recipe (repository, base commit, image, prompt)",
                plan.len()
            ))?;
            Ok(Exit::problems_if(!store.problems.is_empty() || plan.iter().any(|p| p.problem.is_some())))
        }
        RegressionsCommand::List { store: s, format } => {
            let store = Store::open(&s.path()?)?;
            report_problems(&store);
            if format == ListFormat::Json {
                let doc = serde_json::json!({ "store": store.dir, "fixed_after": store.config.fixed_after, "entries": store.entries });
                render::line(&goalpost_trajectory::text::json_visible(&serde_json::to_string_pretty(&doc)?))?;
                return Ok(Exit::problems_if(!store.problems.is_empty()));
            }
            render::line(&format!(
                "{:<48}  {:<7}  {:<28}  {:>9}  {:>7}  criteria",
                "id", "state", "scenario", "sightings", "passing"
            ))?;
            for e in &store.entries {
                render::line(&format!(
                    "{:<48}  {:<7}  {:<28}  {:>9}  {:>4}/{:<2}  {}",
                    e.id,
                    e.state.as_str(),
                    clean(&e.scenario, 28),
                    e.sightings.len(),
                    e.passing_revisions.len(),
                    store.config.fixed_after,
                    clean(&e.criteria.join(", "), 200)
                ))?;
            }
            let open = store.entries.iter().filter(|e| e.state == State::Open).count();
            render::line(&format!("{} entr(ies), {open} open", store.entries.len()))?;
            Ok(Exit::problems_if(!store.problems.is_empty()))
        }
        RegressionsCommand::Show { id, store } => {
            let store = Store::open(&store.path()?)?;
            let Some(e) = store.get(&id) else {
                bail!("no regression `{}` in {}", clean(&id, 200), store.dir.display())
            };
            render::line(&format!("{}  ({})", e.id, e.state.as_str()))?;
            render::line(&format!("  scenario {} · signature {}", clean(&e.scenario, 200), &e.signature[..16]))?;
            render::line(&format!("  pinned criteria: {}", clean(&e.criteria.join(", "), 500)))?;
            render::line(&format!(
                "  created {} · golden {}",
                e.created,
                if e.golden_hash.is_some() { "kept" } else { "none" }
            ))?;
            render::line(&format!(
                "  passing revisions since the last failure ({} needed): {}",
                store.config.fixed_after,
                clean(&e.passing_revisions.join(", "), 500)
            ))?;
            render::line(&format!("  sightings ({}):", e.sightings.len()))?;
            for s in &e.sightings {
                render::line(&format!(
                    "    {} {} {} ({})",
                    s.run_id,
                    clean(&s.revision, 80),
                    clean(&s.trajectory, 200),
                    clean(&s.file, 300)
                ))?;
            }
            render::line("  history:")?;
            for h in &e.history {
                let ev = serde_json::to_value(h.event)?.as_str().unwrap_or_default().to_owned();
                render::line(&format!(
                    "    {} {:<9} -> {:<7} {} {} {}",
                    h.date,
                    ev,
                    h.state.as_str(),
                    h.run_id.as_deref().unwrap_or("-"),
                    clean(h.revision.as_deref().unwrap_or(""), 80),
                    clean(h.note.as_deref().unwrap_or(""), 300)
                ))?;
            }
            Ok(Exit::Success)
        }
        RegressionsCommand::Retire { id, reason, store } => {
            let date = jiff::Timestamp::now().to_string();
            let e = goalpost_store::retire(&store.path()?, &id, &reason, &date)?;
            render::line(&format!("retired {}", e.id))?;
            Ok(Exit::Success)
        }
        RegressionsCommand::Verify { spec, store } => {
            let (specs, _) = load_specs(&spec)?;
            let store = Store::open(&store.path()?)?;
            report_problems(&store);
            let results = goalpost_store::verify(&store, &specs);
            let mut missed = 0;
            for r in &results {
                if !r.caught {
                    missed += 1;
                }
                render::line(&format!(
                    "{} {}: {}",
                    if r.caught { "caught " } else { "MISSED " },
                    r.id,
                    clean(&r.details.join("; "), 1000)
                ))?;
            }
            render::line(&format!(
                "{} of {} golden failure(s) still caught by the rubrics in force",
                results.len() - missed,
                results.len()
            ))?;
            Ok(Exit::problems_if(missed > 0 || !store.problems.is_empty()))
        }
    }
}

fn report_problems(store: &Store) {
    for p in &store.problems {
        render::hint(&clean(&format!("corrupt store entry {}: {}", p.path.display(), p.message), 1000));
    }
}
