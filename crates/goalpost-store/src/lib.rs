//! The regression store: failures worth remembering become permanent scenarios under
//! `scenarios/regressions/`, graded for every later agent revision until fixed.
//!
//! Layout of a store directory:
//! - `store.toml` — configuration (`fixed_after = N`); skipped by the scenario loader.
//! - `<id>/scenario.toml` — a normal scenario (the original objective, acceptance, scope,
//!   budget and re-run recipe), the failing criteria pinned as gating, provenance included.
//! - `<id>/entry.json` — the entry's state (open, fixed, retired), sightings and history.
//! - `<id>/golden.jsonl` — the failing trajectory, canonical, for `regressions verify`.
//! - `.lock` — held while the store is written; `.tmp-*` — entries being built.
//!
//! Safety: an entry directory is built under a hidden temporary name and renamed into place,
//! and `entry.json` is replaced atomically, so a crash leaves every entry whole or absent. An
//! exclusive file lock serialises writers. Ids are made from a slug of the scenario id and
//! the failure signature: only `[a-z0-9-]`, so no name can leave the store.

mod results;
mod signature;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use goalpost_spec::{PinnedFailure, Provenance, RegressionProvenance, Scenario, SpecSet};
use serde::{Deserialize, Serialize};

pub use results::{CriterionLine, RunView, VerdictLine};
pub use signature::{normalise, signature, slug};
pub use verify::{VerifyResult, verify};

/// Where the store lives unless told otherwise.
pub const DEFAULT_DIR: &str = "scenarios/regressions";

/// What can go wrong with the store. A variant that wraps a cause says what failed and
/// where; the cause's own message follows in the chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing a file or directory of the store (the error names it).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A file replaced atomically (`entry.json`).
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a valid store configuration", path.display())]
    Config {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    /// The run directory is not a finished run.
    #[error(transparent)]
    RunDir(#[from] goalpost_grade::manifest::RunDirError),
    /// A line of a run's `results.jsonl` that is not a results row.
    #[error("{}:{line}: not a goalpost results row", path.display())]
    ResultsRow {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// The id (control characters escaped) names no entry.
    #[error("no regression `{0}` in the store")]
    Unknown(String),
    /// The id (control characters escaped) is not one the store makes, so never a path.
    #[error("`{0}` is not a regression id")]
    NotAnId(String),
    #[error("cannot serialise the entry of regression `{id}`")]
    Entry {
        id: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot serialise the scenario of regression `{id}`")]
    Scenario {
        id: String,
        #[source]
        source: toml::ser::Error,
    },
}

/// `store.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// An open entry is fixed once this many consecutive distinct revisions passed it.
    #[serde(default = "default_fixed_after")]
    pub fixed_after: u32,
}

fn default_fixed_after() -> u32 {
    3
}

impl Default for Config {
    fn default() -> Self {
        Config { fixed_after: default_fixed_after() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Open,
    Fixed,
    Retired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Fixed => "fixed",
            State::Retired => "retired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Opened,
    Seen,
    Failed,
    Passed,
    Fixed,
    Reopened,
    Retired,
}

/// One line of an entry's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event: EventKind,
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<String>,
    /// The state after this event.
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A trajectory that failed the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    pub run_id: String,
    pub date: String,
    pub trajectory: String,
    pub file: String,
    pub content_hash: String,
    pub revision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// `entry.json`: what the store knows of one regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Also the regression scenario's id and its directory's name.
    pub id: String,
    /// The original scenario.
    pub scenario: String,
    pub signature: String,
    /// The pinned criteria.
    pub criteria: Vec<String>,
    pub state: State,
    pub created: String,
    /// blake3 of `golden.jsonl`; `None` when the failing trajectory could not be kept.
    #[serde(default)]
    pub golden_hash: Option<String>,
    pub sightings: Vec<Sighting>,
    /// Distinct revisions that passed since the last failure, in order.
    pub passing_revisions: Vec<String>,
    pub history: Vec<Event>,
    /// `run_id/trajectory/content_hash` of everything already observed: promoting the same run
    /// twice changes nothing.
    pub observed: BTreeSet<String>,
}

impl Entry {
    /// The state before `run_id` was first observed (`None`: the run created the entry).
    pub fn state_before(&self, run_id: &str) -> Option<State> {
        let first = self.history.iter().position(|e| e.run_id.as_deref() == Some(run_id));
        match first {
            None => Some(self.state),
            Some(0) => None,
            Some(i) => Some(self.history[i - 1].state),
        }
    }
}

/// One entry a nightly runner must re-run ([`Store::plan`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    /// The regression scenario's id: grade the re-run against it (or against `scenario`).
    pub id: String,
    /// The original scenario (a re-run of it is matched to this entry).
    pub scenario: String,
    pub state: State,
    /// The criteria that must pass for the entry to count as passed.
    pub criteria: Vec<String>,
    pub scenario_file: PathBuf,
    /// The failing trajectory kept, when one was.
    pub golden: Option<PathBuf>,
    /// How to re-run the task: repository, base commit, snapshot (image) and prompt, as known.
    pub rerun: Option<goalpost_spec::Rerun>,
    pub last_failed_revision: Option<String>,
    pub last_failed_run: Option<String>,
    /// Revisions that passed since the last failure.
    pub passing_revisions: Vec<String>,
    /// Why the recipe is missing, when the scenario file could not be read.
    pub problem: Option<String>,
}

/// A store entry that could not be read, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

/// The store as loaded: every readable entry, and every problem named.
#[derive(Debug, Clone)]
pub struct Store {
    pub dir: PathBuf,
    pub config: Config,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Held while writing the store; released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: fs_err::File,
}

/// Waits for the store's exclusive lock (creating the store directory when missing).
pub fn lock(dir: &Path) -> Result<Lock, StoreError> {
    fs_err::create_dir_all(dir)?;
    let file = fs_err::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(".lock"))?;
    file.lock()?;
    Ok(Lock { _file: file })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    goalpost_grade::write_atomic(path, |w| w.write_all(bytes))
        .map_err(|e| StoreError::Write { path: path.to_owned(), source: e })
}

fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl Store {
    /// Loads the store at `dir` (an absent directory is an empty store). A corrupt entry is a
    /// problem naming its file; the rest still loads.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let mut store =
            Store { dir: dir.to_owned(), config: Config::default(), entries: Vec::new(), problems: Vec::new() };
        if !dir.is_dir() {
            return Ok(store);
        }
        let config_path = dir.join(goalpost_spec::STORE_CONFIG);
        if config_path.is_file() {
            let text = fs_err::read_to_string(&config_path)?;
            store.config =
                toml::from_str(&text).map_err(|e| StoreError::Config { path: config_path.clone(), source: e })?;
        }
        let mut dirs: Vec<PathBuf> = fs_err::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        for d in dirs {
            let path = d.join("entry.json");
            let parsed = fs_err::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Entry>(&t).map_err(|e| e.to_string()));
            match parsed {
                Ok(e) if d.file_name().is_some_and(|n| n == e.id.as_str()) => store.entries.push(e),
                Ok(e) => store.problems.push(Problem {
                    path,
                    message: format!("entry id `{}` does not match its directory", signature::printable(&e.id)),
                }),
                Err(message) => store.problems.push(Problem { path, message }),
            }
        }
        Ok(store)
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    fn save(&self, e: &Entry) -> Result<(), StoreError> {
        let dir = self.entry_dir(&e.id)?;
        let text = serde_json::to_string_pretty(e).map_err(|x| StoreError::Entry { id: e.id.clone(), source: x })?;
        write_atomic(&dir.join("entry.json"), format!("{text}\n").as_bytes())
    }

    /// The directory of an entry; refuses any id that is not a store id.
    /// What a nightly runner must re-run: every live entry (open, and fixed ones, which a
    /// new failure re-opens), with the recipe its regression scenario carries. An entry whose
    /// scenario file cannot be read is listed with the problem, never left out.
    pub fn plan(&self) -> Vec<PlanItem> {
        self.entries
            .iter()
            .filter(|e| e.state != State::Retired)
            .map(|e| {
                let dir = self.entry_dir(&e.id).unwrap_or_else(|_| self.dir.join("(not an id)"));
                let path = dir.join("scenario.toml");
                let scenario = fs_err::read_to_string(&path)
                    .map_err(|x| x.to_string())
                    .and_then(|text| goalpost_spec::parse_scenario(&path, &text).map_err(|d| d.to_string()));
                let (rerun, problem) = match scenario {
                    Ok(s) => (s.rerun, None),
                    Err(why) => (None, Some(why)),
                };
                let last = e.sightings.last();
                PlanItem {
                    id: e.id.clone(),
                    scenario: e.scenario.clone(),
                    state: e.state,
                    criteria: e.criteria.clone(),
                    scenario_file: path,
                    golden: e.golden_hash.as_ref().map(|_| dir.join("golden.jsonl")),
                    rerun,
                    last_failed_revision: last.map(|s| s.revision.clone()),
                    last_failed_run: last.map(|s| s.run_id.clone()),
                    passing_revisions: e.passing_revisions.clone(),
                    problem,
                }
            })
            .collect()
    }

    fn entry_dir(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !signature::is_store_id(id) {
            return Err(StoreError::NotAnId(signature::printable(id)));
        }
        Ok(self.dir.join(id))
    }

    /// How each live entry fared in a run, without changing anything: `Some(true)` when a
    /// trajectory of its scenario failed a pinned criterion, `Some(false)` when one passed
    /// them all, `None` when the run did not grade it.
    pub fn outcomes(&self, run: &RunView) -> Vec<(String, Option<bool>)> {
        self.entries
            .iter()
            .map(|e| {
                let mut seen = None;
                for v in run.verdicts.iter().filter(|v| matches_entry(e, v)) {
                    match judge(e, v) {
                        Some(true) => seen = Some(true),
                        Some(false) if seen.is_none() => seen = Some(false),
                        _ => {}
                    }
                }
                (e.id.clone(), seen)
            })
            .collect()
    }
}

/// Whether a verdict is about an entry's task: its original scenario or the regression one.
fn matches_entry(e: &Entry, v: &VerdictLine) -> bool {
    v.scenario.as_deref().is_some_and(|s| s == e.scenario || s == e.id)
}

/// `Some(true)`: a pinned criterion failed; `Some(false)`: all passed; `None`: not decided.
fn judge(e: &Entry, v: &VerdictLine) -> Option<bool> {
    let statuses: Vec<&str> =
        e.criteria.iter().map(|c| v.criterion(c).map_or("missing", |x| x.status.as_str())).collect();
    if statuses.contains(&"fail") {
        Some(true)
    } else if statuses.iter().all(|s| *s == "pass") {
        Some(false)
    } else {
        None
    }
}

/// Which failures `promote` keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Any failed criterion.
    Advisory,
    /// Only failed gating criteria (the default).
    #[default]
    Gating,
}

#[derive(Debug, Clone, Default)]
pub struct PromoteOptions {
    /// Only these criteria (all when empty).
    pub criteria: Vec<String>,
    pub min_severity: Severity,
    /// The scenario a trajectory graded with none is promoted against (`promote --scenario`).
    pub scenario: Option<String>,
}

/// What a promote did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromoteReport {
    pub created: Vec<String>,
    /// `(entry id, new sightings)`.
    pub sightings: BTreeMap<String, usize>,
    pub passed: Vec<String>,
    pub fixed: Vec<String>,
    pub reopened: Vec<String>,
    /// Failures not promoted, with the reason (no scenario to copy, …).
    pub skipped: Vec<String>,
    /// Failures of trajectories graded with no scenario (`PromoteOptions::scenario` names one).
    pub unscoped: usize,
    pub problems: Vec<Problem>,
}

fn event(kind: EventKind, run: &RunView, v: Option<&VerdictLine>, state: State) -> Event {
    Event {
        event: kind,
        date: run.started_at.clone(),
        run_id: Some(run.run_id.clone()),
        revision: v.map(VerdictLine::revision),
        trajectory: v.map(|v| v.trajectory.clone()),
        state,
        note: None,
    }
}

fn sighting(run: &RunView, v: &VerdictLine) -> Sighting {
    Sighting {
        run_id: run.run_id.clone(),
        date: run.started_at.clone(),
        trajectory: v.trajectory.clone(),
        file: v.file.clone(),
        content_hash: v.content_hash.clone(),
        revision: v.revision(),
        model: v.model.clone(),
    }
}

fn observed_key(run: &RunView, v: &VerdictLine) -> String {
    format!("{}/{}/{}", run.run_id, v.trajectory, v.content_hash)
}

/// Records a run in the store: failures of live entries (sightings; a fixed entry re-opens),
/// passes (an open entry is fixed after `fixed_after` consecutive revisions), and new
/// failures as new entries, one per failure signature. Holds the store's lock throughout.
pub fn promote(dir: &Path, run: &RunView, specs: &SpecSet, opts: &PromoteOptions) -> Result<PromoteReport, StoreError> {
    // A trajectory graded with no scenario counts as one of the scenario named for it.
    // Only to make new entries: an unrelated trajectory graded with no scenario is never a
    // pass (or a relapse) of the named scenario's known entries.
    let assigned;
    let new_from = match &opts.scenario {
        Some(id) => {
            let mut r = run.clone();
            for v in r.verdicts.iter_mut().filter(|v| v.scenario.is_none()) {
                v.scenario = Some(id.clone());
            }
            assigned = r;
            &assigned
        }
        None => run,
    };
    let _lock = lock(dir)?;
    clean_temporaries(dir);
    let mut store = Store::open(dir)?;
    let mut report = PromoteReport { problems: store.problems.clone(), ..PromoteReport::default() };
    let fixed_after = store.config.fixed_after.max(1) as usize;

    // 1. A failure no entry has seen becomes a new entry.
    for v in &new_from.verdicts {
        let failing: Vec<&CriterionLine> = v.criteria.iter().filter(|c| keep(c, opts)).collect();
        if failing.is_empty() {
            continue;
        }
        let original = match v.scenario.as_deref() {
            // A failing regression scenario is a failure of its original task.
            Some(s) => store.get(s).map_or(s.to_owned(), |e| e.scenario.clone()),
            None => {
                report.unscoped += 1;
                continue;
            }
        };
        let criteria: Vec<String> = failing.iter().map(|c| c.id.clone()).collect();
        let Some(sig) = signature_of(&original, v, &criteria) else { continue };
        if store.entries.iter().any(|e| e.signature == sig) {
            continue;
        }
        // The failing trajectory, read again: the golden copy, and the scenario its format
        // carries (SWE-bench's task and tests) when no loaded scenario has its id.
        let back = read_back(run, v);
        let loaded = specs.plan(&original).and_then(|p| p.scenario.clone());
        let carried = back.as_ref().ok().and_then(|t| t.embedded_scenario.clone()).filter(|s| s.id == original);
        let Some(scenario) = loaded.or(carried) else {
            let why = match &back {
                Ok(_) => "it is not loaded and the trajectory does not carry it".to_owned(),
                Err(e) => {
                    format!("it is not loaded, and the trajectory could not be read again to take it from there: {e}")
                }
            };
            report.skipped.push(format!(
                "{}: scenario `{}`: {why}; nothing to copy",
                signature::printable(&v.trajectory),
                signature::printable(&original)
            ));
            continue;
        };
        let golden = back.map(|t| goalpost_trajectory::to_jsonl(&t));
        let e = create(&store, run, v, &scenario, &failing, sig, golden)?;
        report.created.push(e.id.clone());
        *report.sightings.entry(e.id.clone()).or_default() += 1;
        store.entries.push(e);
    }
    for v in &run.verdicts {
        let key = observed_key(run, v);
        // 2. Every live entry about this task records the outcome (new entries included: a
        //    later attempt of the same revision may pass or fail them again).
        for i in 0..store.entries.len() {
            let e = &store.entries[i];
            if e.state == State::Retired || !matches_entry(e, v) || e.observed.contains(&key) {
                continue;
            }
            let Some(failed) = judge(e, v) else { continue };
            let mut e = e.clone();
            e.observed.insert(key.clone());
            if failed {
                e.passing_revisions.clear();
                let same = signature_of(&e.scenario, v, &e.criteria) == Some(e.signature.clone());
                if same {
                    e.sightings.push(sighting(run, v));
                    *report.sightings.entry(e.id.clone()).or_default() += 1;
                }
                if e.state == State::Fixed {
                    e.state = State::Open;
                    e.history.push(event(EventKind::Reopened, run, Some(v), State::Open));
                    report.reopened.push(e.id.clone());
                } else {
                    let kind = if same { EventKind::Seen } else { EventKind::Failed };
                    e.history.push(event(kind, run, Some(v), e.state));
                }
            } else {
                let rev = v.revision();
                if !e.passing_revisions.contains(&rev) {
                    e.passing_revisions.push(rev);
                    e.history.push(event(EventKind::Passed, run, Some(v), e.state));
                    report.passed.push(e.id.clone());
                    if e.state == State::Open && e.passing_revisions.len() >= fixed_after {
                        e.state = State::Fixed;
                        let mut ev = event(EventKind::Fixed, run, Some(v), State::Fixed);
                        ev.note = Some(format!("passed by {} consecutive revisions", e.passing_revisions.len()));
                        e.history.push(ev);
                        report.fixed.push(e.id.clone());
                    }
                }
            }
            store.save(&e)?;
            store.entries[i] = e;
        }
    }
    Ok(report)
}

fn keep(c: &CriterionLine, opts: &PromoteOptions) -> bool {
    c.status == goalpost_grade::Status::Fail
        && (opts.criteria.is_empty() || opts.criteria.contains(&c.id))
        && (c.gating || opts.min_severity == Severity::Advisory)
}

/// The failure signature of a verdict over `criteria` (those of them that failed).
fn signature_of(scenario: &str, v: &VerdictLine, criteria: &[String]) -> Option<String> {
    let failing: Vec<(&str, &str)> = criteria
        .iter()
        .filter_map(|id| {
            v.criterion(id)
                .filter(|c| c.status == goalpost_grade::Status::Fail)
                .map(|c| (c.id.as_str(), c.message.as_str()))
        })
        .collect();
    (!failing.is_empty()).then(|| signature(scenario, &failing))
}

/// Builds a new entry under a temporary name and renames it into place.
fn create(
    store: &Store,
    run: &RunView,
    v: &VerdictLine,
    original: &Scenario,
    failing: &[&CriterionLine],
    sig: String,
    golden: Result<String, String>,
) -> Result<Entry, StoreError> {
    let key = observed_key(run, v);
    let id = format!("reg-{}-{}", slug(&original.id), &sig[..12]);
    let dest = store.entry_dir(&id)?;
    let tmp = tempfile::Builder::new().prefix(".tmp-").tempdir_in(&store.dir)?;

    let mut s = original.clone();
    s.id = id.clone();
    let names: Vec<&str> = failing.iter().map(|c| c.id.as_str()).collect();
    s.title =
        Some(format!("Regression of {}: {}", original.title.as_deref().unwrap_or(&original.id), names.join(", ")));
    if !s.tags.iter().any(|t| t == "regression") {
        s.tags.push("regression".into());
    }
    for c in failing {
        let o = s.overrides.entry(c.id.clone()).or_default();
        o.enabled = Some(true);
        o.gating = Some(true);
    }
    s.provenance = Some(Provenance {
        generated_by: format!("goalpost promote ({})", env!("CARGO_PKG_VERSION")),
        source: Some(run.dir.display().to_string()),
        source_hash: Some(v.content_hash.clone()),
        regression: Some(RegressionProvenance {
            scenario: original.id.clone(),
            signature: sig.clone(),
            run_id: run.run_id.clone(),
            date: run.started_at.clone(),
            agent: v.agent.clone(),
            agent_revision: v.agent_revision.clone(),
            model: v.model.clone(),
            trajectory: v.trajectory.clone(),
            file: v.file.clone(),
            content_hash: v.content_hash.clone(),
            failures: failing
                .iter()
                .map(|c| PinnedFailure {
                    criterion: c.id.clone(),
                    message: c.message.clone(),
                    evidence: c.evidence.clone(),
                })
                .collect(),
        }),
    });
    let toml = toml::to_string_pretty(&s).map_err(|e| StoreError::Scenario { id: id.clone(), source: e })?;
    let header = "# A regression scenario written by `goalpost promote`: the original scenario, with the\n\
                  # criteria it failed pinned as gating. Review it like any scenario.\n";
    fs_err::write(tmp.path().join("scenario.toml"), format!("{header}{toml}"))?;

    let golden_hash = match &golden {
        Ok(text) => {
            fs_err::write(tmp.path().join("golden.jsonl"), text)?;
            Some(hash(text.as_bytes()))
        }
        Err(_) => None,
    };
    let mut opened = event(EventKind::Opened, run, Some(v), State::Open);
    if let Err(why) = golden {
        opened.note = Some(format!("no golden trajectory kept: {why}"));
    }
    let e = Entry {
        id: id.clone(),
        scenario: original.id.clone(),
        signature: sig,
        criteria: names.iter().map(|s| (*s).to_owned()).collect(),
        state: State::Open,
        created: run.started_at.clone(),
        golden_hash,
        sightings: vec![sighting(run, v)],
        passing_revisions: Vec::new(),
        history: vec![opened],
        observed: BTreeSet::from([key]),
    };
    let text = serde_json::to_string_pretty(&e).map_err(|x| StoreError::Entry { id: id.clone(), source: x })?;
    fs_err::write(tmp.path().join("entry.json"), format!("{text}\n"))?;
    // The whole entry appears at once, or not at all.
    let staged = tmp.keep();
    fs_err::rename(&staged, &dest)?;
    Ok(e)
}

/// The failing trajectory, read again and checked against the hash the run recorded.
fn read_back(run: &RunView, v: &VerdictLine) -> Result<goalpost_trajectory::Trajectory, String> {
    // Relative to where the run was started, not to where promote runs.
    let path = goalpost_grade::manifest::resolve_in(run.cwd.as_deref(), &v.file);
    let found = goalpost_trajectory::read_back(&path, &[v.trajectory.as_str()]).map_err(|e| e.to_string())?;
    match found.into_iter().next() {
        Some(t) if t.content_hash != v.content_hash => Err("the file changed since the run graded it".into()),
        Some(t) => Ok(t),
        None => Err(format!("trajectory not found in {}", signature::printable(&v.file))),
    }
}

/// Removes entries left half-built by a killed promote (only called under the lock).
fn clean_temporaries(dir: &Path) {
    let Ok(entries) = fs_err::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(".tmp-") {
            let _ = fs_err::remove_dir_all(e.path());
        }
    }
}

/// Retires an entry: it is no longer graded or gated; its files and history stay.
pub fn retire(dir: &Path, id: &str, reason: &str, date: &str) -> Result<Entry, StoreError> {
    let _lock = lock(dir)?;
    let store = Store::open(dir)?;
    let mut e = store.get(id).cloned().ok_or_else(|| StoreError::Unknown(signature::printable(id)))?;
    if e.state != State::Retired {
        e.state = State::Retired;
        e.history.push(Event {
            event: EventKind::Retired,
            date: date.to_owned(),
            run_id: None,
            revision: None,
            trajectory: None,
            state: State::Retired,
            note: (!reason.is_empty()).then(|| reason.to_owned()),
        });
        store.save(&e)?;
    }
    Ok(e)
}
