use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Grade recorded agent trajectories against objective specifications.
#[derive(Debug, Parser)]
#[command(name = "goalpost", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make a goalpost project here: goalpost.toml, a starter scenario, the default rubric and
    /// tool catalog, and a release policy.
    Init(InitArgs),
    /// Grade trajectories and write results.jsonl, results.csv and manifest.json.
    Run(RunArgs),
    /// Explain the grade of one trajectory: each criterion with the steps that prove it.
    Explain(ExplainArgs),
    /// Check every scenario and rubric; vague scenarios are reported with the reason.
    Lint(SpecArgs),
    /// Write canonical trajectories (and the scenarios a format carries) for any input `run` reads.
    Import(ImportArgs),
    /// Write summary.md and a self-contained report.html for a run, with the trend of its history.
    Report(ReportArgs),
    /// Compare two agent revisions: flips per scenario, significance, pass@k, cost.
    Compare(CompareArgs),
    /// Decide a release from a run and a policy; exit 0 only when every rule holds.
    Gate(GateArgs),
    /// Turn a run's failures into regression scenarios; record passes and re-failures of known ones.
    Promote(PromoteArgs),
    /// Make one run of the runs of every shard (`run --shard K/N`): the same rows and report as
    /// the unsharded run; a missing, unfinished or mismatched shard is named, and nothing is
    /// written.
    Merge {
        /// The shards' run directories.
        #[arg(required = true, num_args = 1..)]
        parts: Vec<PathBuf>,
        /// Where to write the merged run.
        #[arg(long)]
        out: PathBuf,
    },
    /// The tool catalog as a process: what a run met that the catalog does not decide.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The regression store: list, show, retire, verify.
    #[command(subcommand)]
    Regressions(RegressionsCommand),
    /// List what awaits a reviewer across runs, or record a decision in the ledger.
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ReviewAction>,
    /// A run directory, or a directory of runs (repeatable) [default: the project's reports].
    #[arg(long = "runs", global = true)]
    pub(crate) runs: Vec<PathBuf>,
    /// The reviewers' ledger (one JSON line per decision; a missing file has none) [default:
    /// the project's, else reviews/ledger.jsonl].
    #[arg(long, global = true)]
    pub(crate) ledger: Option<PathBuf>,
    /// List failures a reviewer may overturn too (by default only how many there are).
    #[arg(long)]
    pub(crate) failures: bool,
    /// Print the list as JSON lines.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReviewAction {
    /// The item is fine: a review item or a failure becomes a pass (a failure so accepted is
    /// counted as overturned).
    Accept(DecideArgs),
    /// The item is not fine: a review item becomes a failure (promoted like any failure).
    Reject(DecideArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    /// The item as `goalpost review` lists it: `HASH:CRITERION` (a unique prefix of the
    /// trajectory's content hash, at least 8 hex digits) or `TRAJECTORY:CRITERION`.
    pub(crate) item: String,
    /// Who decides (a name or handle).
    #[arg(long)]
    pub(crate) by: String,
    /// Why: what a later reader needs to agree.
    #[arg(long)]
    pub(crate) why: String,
}

#[derive(Debug, Args)]
pub(crate) struct LedgerArg {
    /// The reviewers' ledger: decisions on review items and overturned failures, applied
    /// wherever verdicts are shown (one JSON line per decision; a missing file has none)
    /// [default: the project's, else reviews/ledger.jsonl].
    #[arg(long)]
    pub(crate) ledger: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct StoreArg {
    /// The regression store directory [default: the project's].
    #[arg(long)]
    pub(crate) store: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum MinSeverity {
    /// Failures of gating criteria only.
    Gating,
    /// Any failed criterion.
    Advisory,
}

#[derive(Debug, Args)]
pub(crate) struct PromoteArgs {
    /// A run directory written by `goalpost run` [default: the newest under reports/].
    pub(crate) run: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// Only failures of these criteria.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub(crate) criteria: Vec<String>,
    /// Which failures are worth remembering.
    #[arg(long, value_enum, default_value_t = MinSeverity::Gating)]
    pub(crate) min_severity: MinSeverity,
    /// Promote trajectories graded with no scenario as failures of this one (it must be
    /// loaded); trajectories that had a scenario keep theirs.
    #[arg(long, value_name = "ID")]
    pub(crate) scenario: Option<String>,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegressionsCommand {
    /// Every entry with its state, sightings and passing revisions.
    List {
        #[command(flatten)]
        store: StoreArg,
        /// What to print.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// What a nightly runner must re-run: every live entry (open, or fixed and watched for a
    /// relapse) with its re-run recipe (repository, base commit, image, prompt).
    Plan {
        #[command(flatten)]
        store: StoreArg,
        /// What to print.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// One entry: provenance, pinned criteria, sightings and history.
    Show {
        id: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Stop grading and gating an entry; its files and history stay.
    Retire {
        id: String,
        /// Why (kept in the entry's history).
        #[arg(long, default_value = "")]
        reason: String,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Re-grade every golden trajectory; fail when the rubrics in force no longer catch one.
    Verify {
        #[command(flatten)]
        spec: SpecArgs,
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// A run directory written by `goalpost run` [default: the newest under reports/].
    pub(crate) run: Option<PathBuf>,
    /// Directory of earlier runs for the trend [default: the run directory's parent].
    #[arg(long)]
    pub(crate) history: Option<PathBuf>,
    /// Where to write summary.md, report.html and report.json [default: the run directory].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
    /// Which trajectories get a review page (review/<n>.html).
    #[arg(long, value_enum, default_value_t = PagesArg::Failed)]
    pub(crate) pages: PagesArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PagesArg {
    /// Failed and review trajectories, and unassessed ones with an open review item.
    Failed,
    /// Every graded trajectory, passing ones too.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum Format {
    Table,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The baseline: a run directory, or an agent revision (or run id) inside --history.
    pub(crate) baseline: String,
    /// The candidate: a run directory, or an agent revision (or run id) inside --history.
    pub(crate) candidate: String,
    /// Directory of runs where revisions are looked up [default: the project's reports].
    #[arg(long)]
    pub(crate) history: Option<PathBuf>,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    pub(crate) alpha: f64,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
    /// Also write compare.md and compare.json into this directory.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
}

#[derive(Debug, Args)]
pub(crate) struct GateArgs {
    /// The run directory to gate [default: the newest under reports/].
    pub(crate) run: Option<PathBuf>,
    /// The release policy (TOML) [default: the project's].
    #[arg(long)]
    pub(crate) policy: Option<PathBuf>,
    /// A baseline run directory, or an agent revision (or run id) inside --history.
    #[arg(long)]
    pub(crate) baseline: Option<String>,
    /// Directory of runs where a baseline revision is looked up [default: the project's reports].
    #[arg(long)]
    pub(crate) history: Option<PathBuf>,
    /// Where to write gate.md and gate.junit.xml [default: the run directory].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArg,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
}

#[derive(Debug, Args)]
pub(crate) struct SpecArgs {
    /// Directory of scenario files (searched recursively) [default: the project's; outside a
    /// project, none].
    #[arg(long)]
    pub(crate) scenarios: Option<PathBuf>,
    /// Directory of rubric files [default: the project's; else the rubric and tool catalog
    /// built into goalpost].
    #[arg(long)]
    pub(crate) rubrics: Option<PathBuf>,
    /// The price table that turns recorded tokens into estimated dollars [default: the
    /// project's; else the one built into goalpost].
    #[arg(long)]
    pub(crate) prices: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    /// Trajectory files or directories, in any supported format (detected from content)
    /// [default: the project's `trajectories`].
    #[arg(long, num_args = 1..)]
    pub(crate) trajectories: Vec<PathBuf>,
    /// Grade everything read against this scenario, whatever the trajectories name.
    #[arg(long, value_name = "ID")]
    pub(crate) scenario: Option<String>,
    /// Output directory [default: <the project's reports>/<run-id>].
    #[arg(long, conflicts_with = "resume")]
    pub(crate) out: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
    /// Finish an interrupted run in its directory: the inputs, scenarios and rubrics it started
    /// with are read again, and only trajectories its partial results lack are graded.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["trajectories", "scenario", "scenarios", "rubrics", "prices", "team", "shard"])]
    pub(crate) resume: Option<PathBuf>,
    /// Grade only shard K of N: the inputs whose stable hash (of the path as discovered) falls
    /// in K (0-based). K may name an environment variable holding it, as a Kubernetes indexed
    /// Job (`JOB_COMPLETION_INDEX/4`) or a Slurm array (`SLURM_ARRAY_TASK_ID/4`, with
    /// `--array=0-3`) gives it. `goalpost merge` makes one run of the shards' runs.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<String>,
    /// The team that owns this run's trajectories whose scenario names none.
    #[arg(long, value_name = "TEAM")]
    pub(crate) team: Option<String>,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j')]
    pub(crate) jobs: Option<usize>,
    /// Grade every input again instead of taking the rows of an input graded before with the
    /// same plan from the verdict cache (`$GOALPOST_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/goalpost/verdicts` or `~/.cache/goalpost/verdicts`; bounded to
    /// `$GOALPOST_CACHE_MAX_MB`, 1024 by default).
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) spec: SpecArgs,
    /// A trajectory file (or a directory: every trajectory in it is explained).
    pub(crate) trajectory: PathBuf,
    /// Explain the grade against this scenario, whatever the trajectory names.
    #[arg(long, value_name = "ID")]
    pub(crate) scenario: Option<String>,
    #[command(flatten)]
    pub(crate) ledger: LedgerArg,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// Trajectory files or directories, in any format `run` reads.
    #[arg(required = true, num_args = 1..)]
    pub(crate) paths: Vec<PathBuf>,
    /// Where to write `trajectories/` (canonical JSONL) and `scenarios/` (those a format carries).
    #[arg(long, default_value = "imported")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The directory to make the project in.
    #[arg(default_value = ".")]
    pub(crate) dir: PathBuf,
}

impl SpecArgs {
    /// The scenarios and rubrics to load: as given, else the project's.
    pub(crate) fn resolved(&self) -> SpecArgs {
        let p = crate::project::get();
        SpecArgs {
            scenarios: self.scenarios.clone().or_else(|| p.scenarios.clone()),
            rubrics: self.rubrics.clone().or_else(|| p.rubrics.clone()),
            prices: self.prices.clone().or_else(|| p.prices.clone()),
        }
    }
}

impl LedgerArg {
    /// The ledger: as given, else the project's.
    pub(crate) fn path(&self) -> PathBuf {
        crate::project::ledger(self.ledger.as_ref())
    }
}

impl StoreArg {
    /// The regression store: as given, else the project's.
    pub(crate) fn path(&self) -> anyhow::Result<PathBuf> {
        crate::project::store(self.store.as_ref())
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// The tools and plugins a run met that the catalog does not list (or lists as pending
    /// review), as catalog entries ready to paste, each with its counts and where it first
    /// appeared.
    Pending {
        /// A run directory [default: the newest in the project's reports].
        run: Option<PathBuf>,
    },
}
