use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use goalpost_grade::RunOptions;
use goalpost_spec::{Plan, Severity, SpecSet};
use goalpost_trajectory::{Limits, discover};

use crate::args::{Cli, Command, ExplainArgs, ImportArgs, RunArgs, SpecArgs};
use crate::exit::Exit;
use crate::{manifest, progress, regressions, render, reports, review};

pub(crate) fn dispatch(cli: Cli) -> Result<Exit> {
    if let Command::Init(a) = cli.command {
        return crate::init::init(a);
    }
    crate::project::init()?;
    if matches!(cli.command, Command::Run(_) | Command::Gate(_) | Command::Promote(_)) {
        crate::project::announce();
    }
    match cli.command {
        Command::Init(_) => unreachable!("handled above"),
        Command::Run(a) => run(a),
        Command::Explain(a) => explain(a),
        Command::Lint(a) => lint(a),
        Command::Import(a) => import(a),
        Command::Report(a) => reports::report(a),
        Command::Compare(a) => reports::compare(a),
        Command::Gate(a) => reports::gate(a),
        Command::Promote(a) => regressions::promote(a),
        Command::Regressions(c) => regressions::dispatch(c),
        Command::Merge { parts, out } => crate::merge::merge(&parts, &out),
        Command::Catalog(crate::args::CatalogCommand::Pending { run }) => crate::catalog::pending(run),
        Command::Review(a) => review::review(a),
    }
}

/// Loads scenarios and rubrics (as given, else the project's; with neither, no scenarios and
/// the built-in rubric), printing every diagnostic to stderr.
pub(crate) fn load_specs(a: &SpecArgs) -> Result<(SpecSet, usize)> {
    let a = a.resolved();
    if let Some(p) = a.prices.as_ref().filter(|p| !p.is_file()) {
        bail!(
            "price table `{}` is not a file\nhint: pass --prices, or name it in the project's goalpost.toml",
            p.display()
        );
    }
    for dir in [&a.scenarios, &a.rubrics].into_iter().flatten() {
        if !dir.is_dir() {
            bail!(
                "`{}` is not a directory\nhint: pass --scenarios and --rubrics, or name them in the project's goalpost.toml",
                dir.display()
            );
        }
    }
    let (set, diags) = goalpost_spec::load_from(a.scenarios.as_deref(), a.rubrics.as_deref(), a.prices.as_deref());
    for d in &diags {
        render::diagnostic(d);
    }
    Ok((set, diags.iter().filter(|d| d.severity >= Severity::Vague).count()))
}

fn run(mut a: RunArgs) -> Result<Exit> {
    // The project's ledger as found from here: a resumed run moves to where it started.
    let ledger_path = std::path::absolute(a.ledger.path())?;
    // A resumed run takes everything from how it started; paths are relative to where it did.
    let resume = match a.resume.clone() {
        Some(dir) => {
            let dir = dir.canonicalize().with_context(|| format!("--resume `{}`", dir.display()))?;
            if goalpost_grade::manifest::Manifest::load(&dir).is_ok() {
                render::hint(&format!("`{}` is a finished run: nothing to resume", dir.display()));
                return Ok(Exit::Success);
            }
            let start = manifest::RunStart::load(&dir)?;
            std::env::set_current_dir(&start.cwd)
                .with_context(|| format!("the run started in `{}`", start.cwd.display()))?;
            a.trajectories = start.trajectories.clone();
            a.scenario = start.scenario.clone();
            a.spec.scenarios = start.scenarios.clone();
            a.spec.rubrics = start.rubrics.clone();
            a.spec.prices = start.prices.clone();
            a.team = start.team.clone();
            a.out = Some(dir);
            Some(start)
        }
        None => None,
    };
    if resume.is_none() {
        a.spec = a.spec.resolved();
        if a.trajectories.is_empty() {
            a.trajectories = crate::project::get().trajectories.clone();
        }
        if a.trajectories.is_empty() {
            bail!(
                "no trajectories to grade: pass --trajectories FILE_OR_DIR\nhint: a project's goalpost.toml can name them (`[paths] trajectories`)"
            );
        }
    }
    let (specs, spec_problems) = load_specs(&a.spec)?;
    // Read before grading: a malformed ledger stops the run before any work is done.
    let ledger = goalpost_grade::ledger::Ledger::load(&ledger_path)?;
    let goalpost_trajectory::Discovery { mut inputs, errors: mut pre_errors, skipped } =
        goalpost_trajectory::discover_all(&a.trajectories);
    // One shard of the run: every shard discovers every input, and keeps its own (the index is
    // each input's place in the whole run, for `merge`).
    let shard = match (&resume, &a.shard) {
        (Some(start), _) => start.shard,
        (None, Some(s)) => Some(crate::merge::parse_shard(s, inputs.len())?),
        (None, None) => None,
    };
    let mut global_index = Vec::new();
    if let Some(s) = shard {
        let all = std::mem::take(&mut inputs);
        for (i, input) in all.into_iter().enumerate() {
            if crate::merge::shard_of(&input.path, s.count) == s.index {
                global_index.push(i as u64);
                inputs.push(input);
            }
        }
        pre_errors.retain(|e| crate::merge::shard_of(&e.path, s.count) == s.index);
    }
    if inputs.is_empty() && pre_errors.is_empty() && shard.is_none() {
        bail!(
            "no trajectories found under {}{}",
            a.trajectories.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "),
            if skipped.is_empty() { String::new() } else { format!(" ({} file(s) skipped)", skipped.len()) }
        );
    }
    const SHOWN: usize = 20;
    for s in skipped.iter().take(SHOWN) {
        render::hint(&render::clean(&format!("skipped {}: {}", s.path.display(), s.reason), 2000));
    }
    if skipped.len() > SHOWN {
        render::hint(&format!("… and {} more skipped file(s), listed in manifest.json", skipped.len() - SHOWN));
    }
    // The verdict cache's directory, also where the hashes of unchanged files are remembered.
    let cache_dir = if a.no_cache || goalpost_grade::fault::armed() { None } else { cache_dir() };
    let hashes = cache_dir
        .as_deref()
        .map_or_else(goalpost_grade::cache::FileHashes::none, goalpost_grade::cache::FileHashes::load);
    // Hashed on the run's threads (`-j`), like the grading.
    let mut inputs_manifest = match rayon::ThreadPoolBuilder::new().num_threads(a.jobs.unwrap_or(0)).build() {
        Ok(pool) => pool.install(|| manifest::inputs(&inputs, &hashes)),
        Err(_) => manifest::inputs(&inputs, &hashes),
    };
    for (entry, index) in inputs_manifest.iter_mut().zip(&global_index) {
        entry.index = Some(*index);
    }
    let specs_hash = goalpost_grade::manifest::specs_hash(&specs);
    let start = match resume {
        Some(start) => {
            if start.goalpost_version != env!("CARGO_PKG_VERSION") {
                bail!(
                    "this run was started by goalpost {}, and this is {}: resuming would grade one run by two graders\nhint: start a new run instead",
                    start.goalpost_version,
                    env!("CARGO_PKG_VERSION")
                );
            }
            if start.specs_hash != specs_hash {
                bail!(
                    "the scenarios, rubrics or tool catalogs changed since this run started: resuming would grade one run by two plans\nhint: start a new run instead"
                );
            }
            start
        }
        None => {
            let started = jiff::Timestamp::now();
            manifest::RunStart {
                goalpost_version: env!("CARGO_PKG_VERSION").to_owned(),
                run_id: manifest::run_id(started, &inputs_manifest),
                started_at: started.to_string(),
                cwd: std::env::current_dir().context("the working directory")?,
                trajectories: a.trajectories.clone(),
                scenario: a.scenario.clone(),
                scenarios: a.spec.scenarios.clone(),
                rubrics: a.spec.rubrics.clone(),
                prices: a.spec.prices.clone(),
                team: a.team.clone(),
                shard,
                specs_hash,
            }
        }
    };
    let started = start.started()?;
    let resuming = a.resume.is_some();
    let out = a.out.clone().unwrap_or_else(|| crate::project::reports(None).join(&start.run_id));
    fs_err::create_dir_all(&out)?;
    let partial = out.join("results.partial.jsonl");
    if !resuming && out.join("run.json").exists() {
        bail!(
            "`{}` holds a run that did not finish\nhint: finish it with `goalpost run --resume {}`, or remove it",
            out.display(),
            out.display()
        );
    }
    // What an interrupted run already graded: its partial file, or, if it got as far as
    // writing results.jsonl, that. The partial file is rewritten with the rows that parse (a
    // kill leaves the last one torn), and grading appends to it.
    let mut reused = Vec::new();
    if resuming {
        for f in [&partial, &out.join("results.jsonl")] {
            if f.is_file() {
                let (rows, _torn) = goalpost_grade::read_rows(f)?;
                reused = rows
                    .into_iter()
                    .filter_map(|r| match r {
                        goalpost_grade::ResultRow::Verdict(v) => Some(*v),
                        _ => None,
                    })
                    .collect();
                break;
            }
        }
    }
    // A finished run's manifest here would make this directory look finished while it is not.
    match fs_err::remove_file(out.join("manifest.json")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    if !start.write(&out)? {
        render::hint("a path of this run is not UTF-8: it cannot be resumed if it is interrupted");
    }
    goalpost_grade::write_atomic(&partial, |w| {
        w.write_all(goalpost_grade::header_line().as_bytes())?;
        for v in &reused {
            w.write_all(goalpost_grade::row_line(Ok(v)).as_bytes())?;
        }
        Ok(())
    })?;
    let reuse = (!reused.is_empty()).then(|| Arc::new(goalpost_grade::Reuse::new(reused)));
    // Results land in the partial file as they are graded; a crash or kill keeps them, and
    // the results files are assembled from there.
    let bar = progress::Bar::new(a.quiet, Some(partial.clone()))?;
    let cache = cache_dir
        .as_deref()
        .and_then(|dir| verdict_cache(dir, &inputs, &inputs_manifest, &start.specs_hash, a.scenario.as_deref()));
    let opts = RunOptions {
        jobs: a.jobs,
        limits: Limits::default(),
        scenario: assigned(&specs, a.scenario.as_deref())?,
        reuse: reuse.clone(),
        cache: cache.clone(),
    };
    goalpost_grade::run_streamed(&inputs, &specs, opts, &bar);
    let reused_count = reuse.as_ref().map_or(0, |r| r.taken());
    let pre_errors: Vec<_> = pre_errors.iter().map(goalpost_grade::pre_error_row).collect();
    let started_at = started.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let meta = goalpost_report::table::RunMeta { run_id: &start.run_id, started_at: &started_at };
    let assembled = crate::assemble::assemble(
        &out,
        &partial,
        &inputs,
        bar.take_index()?,
        &pre_errors,
        &ledger,
        meta,
        a.jobs,
        a.team.as_deref(),
    )?;
    let totals = assembled.totals;
    let finished = manifest::Finished {
        start: &start,
        specs: &specs,
        inputs: inputs_manifest,
        skipped: skipped
            .iter()
            .map(|s| goalpost_grade::manifest::SkippedEntry {
                path: s.path.display().to_string(),
                reason: s.reason.clone(),
            })
            .collect(),
        totals: &totals,
        reused: (reused_count > 0).then(|| u32::try_from(reused_count).unwrap_or(u32::MAX)),
        cached: cache.as_ref().map(|c| u32::try_from(c.hits()).unwrap_or(u32::MAX)),
        ledger: &ledger,
        unlisted: assembled.unlisted.clone(),
        shard,
    };
    goalpost_grade::fault::kill_point("manifest.json");
    manifest::write(&out, finished)?;
    goalpost_grade::fault::kill_point("cleanup");
    // The manifest is whole: the run is finished, and what only served to resume it goes.
    for f in [&partial, &out.join("run.json")] {
        let _ = fs_err::remove_file(f);
    }
    bar.finish();

    render::summary_table(&assembled.table, &totals)?;
    let mut by_format = BTreeMap::<&str, usize>::new();
    for i in &inputs {
        *by_format.entry(i.kind.format_name()).or_default() += 1;
    }
    let formats: Vec<String> = by_format.iter().map(|(f, n)| format!("{f} {n}")).collect();
    render::hint(&format!("input files by format: {}", formats.join(", ")));
    if !assembled.unlisted.is_empty() {
        let shown: Vec<String> = assembled
            .unlisted
            .iter()
            .take(5)
            .map(|u| {
                let name = match &u.plugin {
                    Some(p) => format!("{p}/{}", u.tool),
                    None => u.tool.clone(),
                };
                format!("`{}` ({} call(s))", render::clean(&name, 80), u.calls)
            })
            .collect();
        render::hint(&format!(
            "{} tool(s) the catalog does not decide, pending review: {}{}; `goalpost catalog pending` prints them as catalog entries",
            assembled.unlisted.len(),
            shown.join(", "),
            if assembled.unlisted.len() > 5 { ", …" } else { "" }
        ));
    }
    if reused_count > 0 {
        render::hint(&format!("resumed: {reused_count} verdict(s) kept from the interrupted run, the rest graded now"));
    }
    if let Some(c) = &cache {
        if c.hits() > 0 {
            render::hint(&format!(
                "{} of {} input(s) graded before with the same plan: their rows came from the verdict cache in {} (--no-cache grades everything)",
                c.hits(),
                inputs.len(),
                c.dir().display()
            ));
        }
        c.prune();
        hashes.save();
    }
    render::hint(&format!("results written to {}", out.display()));
    if spec_problems > 0 {
        render::hint(&format!("{spec_problems} scenario or rubric problem(s) above; `goalpost lint` lists them"));
    }
    Ok(Exit::problems_if(totals.errored > 0))
}

/// Where the verdict cache lives: `$GOALPOST_CACHE_DIR`, else under `$XDG_CACHE_HOME` or
/// `~/.cache`; `None` when none is named.
fn cache_dir() -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    env("GOALPOST_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("goalpost/verdicts")))
        .or_else(|| env("HOME").map(|d| d.join(".cache/goalpost/verdicts")))
}

/// The verdict cache of this run in `dir`, with each input's key; `None` when it cannot be
/// made there (the run grades everything).
fn verdict_cache(
    dir: &std::path::Path,
    inputs: &[goalpost_trajectory::Input],
    entries: &[goalpost_grade::manifest::InputEntry],
    specs_hash: &str,
    scenario: Option<&str>,
) -> Option<Arc<goalpost_grade::cache::VerdictCache>> {
    let max = std::env::var("GOALPOST_CACHE_MAX_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(goalpost_grade::cache::DEFAULT_MAX_BYTES, |mb| mb.saturating_mul(1 << 20));
    let plan = format!("{specs_hash}\n{}", scenario.unwrap_or(""));
    let keys = inputs.iter().zip(entries).map(|(i, e)| {
        let mut files = vec![e.blake3.as_str()];
        files.extend(e.report.as_ref().map(|f| f.blake3.as_str()));
        files.extend(e.test_output.as_ref().map(|f| f.blake3.as_str()));
        (i.path.clone(), goalpost_grade::cache::key(&e.path, &files, &plan))
    });
    match goalpost_grade::cache::VerdictCache::open(dir, max, keys) {
        Ok(c) => Some(Arc::new(c)),
        Err(e) => {
            render::hint(&render::clean(
                &format!("no verdict cache ({}: {e}): grading everything", dir.display()),
                1000,
            ));
            None
        }
    }
}

fn explain(a: ExplainArgs) -> Result<Exit> {
    let (specs, _) = load_specs(&a.spec)?;
    let (inputs, errors) = discover(std::slice::from_ref(&a.trajectory));
    let mut bad = errors.len();
    for e in &errors {
        render::ingest_error(e);
    }
    let unscoped = specs.unscoped_plan().map(std::sync::Arc::new);
    let assigned = assigned(&specs, a.scenario.as_deref())?;
    let planner = goalpost_grade::Planner { specs: &specs, unscoped: unscoped.as_ref(), assigned: assigned.as_ref() };
    let ledger = goalpost_grade::ledger::Ledger::load(&a.ledger.path())?;
    for input in &inputs {
        for item in goalpost_grade::read_input(input, Limits::default()) {
            match item.and_then(|t| goalpost_grade::grade_trajectory(&t, planner).map(|v| (t, v))) {
                Ok((t, mut v)) => {
                    ledger.apply(&mut v);
                    render::explain(&t, &v)?
                }
                Err(e) => {
                    bad += 1;
                    render::error_row(&e);
                }
            }
        }
    }
    Ok(Exit::problems_if(bad > 0))
}

/// The plan of a scenario given with `--scenario`; an unknown id stops the run before it starts.
fn assigned(specs: &SpecSet, id: Option<&str>) -> Result<Option<Arc<Plan>>> {
    let Some(id) = id else { return Ok(None) };
    match specs.plan(id) {
        Some(p) => Ok(Some(Arc::clone(p))),
        None => {
            let known: Vec<&str> =
                specs.plans().filter_map(|p| Some(p.scenario.as_ref()?.id.as_str())).take(20).collect();
            bail!("--scenario `{id}` is not a loaded scenario (known: {})", known.join(", "))
        }
    }
}

fn lint(a: SpecArgs) -> Result<Exit> {
    let (specs, problems) = load_specs(&a)?;
    let scenarios = specs.plans().count();
    let rubrics = specs.rubrics().count();
    render::line(&format!("{scenarios} scenario(s) and {rubrics} rubric(s) ok, {problems} problem(s)"))?;
    Ok(Exit::problems_if(problems > 0))
}

fn import(a: ImportArgs) -> Result<Exit> {
    let (inputs, pre_errors) = discover(&a.paths);
    if inputs.is_empty() && pre_errors.is_empty() {
        bail!(
            "no trajectories found under {}",
            a.paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    let (traj_dir, scen_dir) = (a.out.join("trajectories"), a.out.join("scenarios"));
    fs_err::create_dir_all(&traj_dir)?;
    let mut errors = pre_errors.len();
    for e in &pre_errors {
        render::ingest_error(e);
    }
    let mut written = BTreeMap::<String, usize>::new();
    let (mut count, mut scenarios) = (0usize, 0usize);
    for input in &inputs {
        for item in goalpost_grade::read_input(input, Limits::default()) {
            let t = match item {
                Ok(t) => t,
                Err(e) => {
                    errors += 1;
                    render::error_row(&e);
                    continue;
                }
            };
            // Ids come from untrusted files: sanitised, and never allowed to overwrite each other.
            let base = safe_file_name(&t.header.id);
            let seen = written.entry(base.clone()).or_default();
            *seen += 1;
            let name = if *seen == 1 { base } else { format!("{base}.{seen}") };
            let text = goalpost_trajectory::to_jsonl(&t);
            goalpost_grade::write_atomic(&traj_dir.join(format!("{name}.jsonl")), |w| w.write_all(text.as_bytes()))?;
            count += 1;
            if let Some(s) = &t.embedded_scenario {
                fs_err::create_dir_all(&scen_dir)?;
                let text = toml::to_string_pretty(s.as_ref()).context("serialising a scenario")?;
                goalpost_grade::write_atomic(&scen_dir.join(format!("{}.toml", safe_file_name(&s.id))), |w| {
                    w.write_all(text.as_bytes())
                })?;
                scenarios += 1;
            }
        }
    }
    render::line(&format!(
        "imported {count} trajectory(ies) and {scenarios} scenario(s) from {} input file(s) into {}",
        inputs.len(),
        a.out.display()
    ))?;
    Ok(Exit::problems_if(errors > 0))
}

/// A file name made from an untrusted id: no separators, no leading dot, bounded length.
fn safe_file_name(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(128)
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s.insert(0, '_');
    }
    s
}
