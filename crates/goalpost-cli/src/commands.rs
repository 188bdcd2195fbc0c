use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use goalpost_grade::RunOptions;
use goalpost_spec::{Plan, Severity, SpecSet};
use goalpost_trajectory::{Limits, discover};

use crate::args::{Cli, Command, ExplainArgs, ImportArgs, RunArgs, SpecArgs};
use crate::{manifest, progress, regressions, render, reports};

pub(crate) fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(a) => run(a),
        Command::Explain(a) => explain(a),
        Command::Lint(a) => lint(a),
        Command::Import(a) => import(a),
        Command::Report(a) => reports::report(a),
        Command::Compare(a) => reports::compare(a),
        Command::Gate(a) => reports::gate(a),
        Command::Promote(a) => regressions::promote(a),
        Command::Regressions(c) => regressions::dispatch(c),
    }
}

/// Loads scenarios and rubrics, printing every diagnostic to stderr.
pub(crate) fn load_specs(a: &SpecArgs) -> Result<(SpecSet, usize)> {
    for dir in [&a.scenarios, &a.rubrics] {
        if !dir.is_dir() {
            bail!(
                "`{}` is not a directory\nhint: run goalpost from the repository root, or pass --scenarios and --rubrics",
                dir.display()
            );
        }
    }
    let (set, diags) = goalpost_spec::load(&a.scenarios, &a.rubrics);
    for d in &diags {
        render::diagnostic(d);
    }
    Ok((set, diags.iter().filter(|d| d.severity >= Severity::Vague).count()))
}

fn run(a: RunArgs) -> Result<ExitCode> {
    let (specs, spec_problems) = load_specs(&a.spec)?;
    let (inputs, pre_errors) = discover(&a.trajectories);
    if inputs.is_empty() && pre_errors.is_empty() {
        bail!(
            "no trajectories found under {}",
            a.trajectories.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    let started = jiff::Timestamp::now();
    let inputs_manifest = manifest::inputs(&inputs);
    let run_id = manifest::run_id(started, &inputs_manifest);
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&run_id));
    fs_err::create_dir_all(&out)?;
    // Results land here as they are graded; a crash or kill keeps everything graded so far.
    let bar = progress::Bar::new(a.quiet, Some(out.join("results.partial.jsonl")))?;
    let opts =
        RunOptions { jobs: a.jobs, limits: Limits::default(), scenario: assigned(&specs, a.scenario.as_deref())? };
    let results = goalpost_grade::run(&inputs, pre_errors, &specs, opts, &bar);
    goalpost_grade::write_jsonl(&out.join("results.jsonl"), &results)?;
    goalpost_grade::write_csv(&out.join("results.csv"), &results)?;
    let started_at = started.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let meta = goalpost_report::table::RunMeta { run_id: &run_id, started_at: &started_at };
    goalpost_report::table::write_parquet(&out.join("results.parquet"), meta, &results)?;
    let totals = results.totals();
    manifest::write(&out.join("manifest.json"), &run_id, started, &a, &specs, inputs_manifest, &totals)?;
    bar.finish();

    render::summary_table(&results, &totals)?;
    let mut by_format = BTreeMap::<&str, usize>::new();
    for i in &inputs {
        *by_format.entry(i.kind.format_name()).or_default() += 1;
    }
    let formats: Vec<String> = by_format.iter().map(|(f, n)| format!("{f} {n}")).collect();
    render::hint(&format!("input files by format: {}", formats.join(", ")));
    render::hint(&format!("results written to {}", out.display()));
    if spec_problems > 0 {
        render::hint(&format!("{spec_problems} scenario or rubric problem(s) above; `goalpost lint` lists them"));
    }
    Ok(if totals.errored > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn explain(a: ExplainArgs) -> Result<ExitCode> {
    let (specs, _) = load_specs(&a.spec)?;
    let (inputs, errors) = discover(std::slice::from_ref(&a.trajectory));
    let mut bad = errors.len();
    for e in &errors {
        render::ingest_error(e);
    }
    let unscoped = specs.unscoped_plan().map(std::sync::Arc::new);
    let assigned = assigned(&specs, a.scenario.as_deref())?;
    let planner = goalpost_grade::Planner { specs: &specs, unscoped: unscoped.as_ref(), assigned: assigned.as_ref() };
    for input in &inputs {
        for item in input.read(Limits::default()) {
            match item {
                Ok(t) => match goalpost_grade::grade_trajectory(&t, planner) {
                    Ok(v) => render::explain(&t, &v)?,
                    Err(e) => {
                        bad += 1;
                        render::error_row(&e);
                    }
                },
                Err(e) => {
                    bad += 1;
                    render::ingest_error(&e);
                }
            }
        }
    }
    Ok(if bad > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
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

fn lint(a: SpecArgs) -> Result<ExitCode> {
    let (specs, problems) = load_specs(&a)?;
    let scenarios = specs.plans().count();
    let rubrics = specs.rubrics().count();
    render::line(&format!("{scenarios} scenario(s) and {rubrics} rubric(s) ok, {problems} problem(s)"))?;
    Ok(if problems > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn import(a: ImportArgs) -> Result<ExitCode> {
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
        for item in input.read(Limits::default()) {
            let t = match item {
                Ok(t) => t,
                Err(e) => {
                    errors += 1;
                    render::ingest_error(&e);
                    continue;
                }
            };
            // Ids come from untrusted files: sanitised, and never allowed to overwrite each other.
            let base = safe_file_name(&t.header.id);
            let seen = written.entry(base.clone()).or_default();
            *seen += 1;
            let name = if *seen == 1 { base } else { format!("{base}.{seen}") };
            fs_err::write(traj_dir.join(format!("{name}.jsonl")), goalpost_trajectory::to_jsonl(&t))?;
            count += 1;
            if let Some(s) = &t.embedded_scenario {
                fs_err::create_dir_all(&scen_dir)?;
                let text = toml::to_string_pretty(s.as_ref()).context("serialising a scenario")?;
                fs_err::write(scen_dir.join(format!("{}.toml", safe_file_name(&s.id))), text)?;
                scenarios += 1;
            }
        }
    }
    render::line(&format!(
        "imported {count} trajectory(ies) and {scenarios} scenario(s) from {} input file(s) into {}",
        inputs.len(),
        a.out.display()
    ))?;
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
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
