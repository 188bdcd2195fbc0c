use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use globset::GlobBuilder;
use serde::de::DeserializeOwned;

use crate::diag::line_of;
use crate::rubric::{
    ApprovedToolsParams, BudgetParams, CriterionConfig, ForbiddenCommandsParams, ProcessSmellsParams,
    SideEffectsParams, TestIntegrityParams,
};
use crate::{Criterion, CriterionKind, Diagnostic, Rubric, Scenario, Severity, ToolCatalog};

/// The rubric a scenario is graded with when it names none.
pub const DEFAULT_RUBRIC: &str = "trajectory-review";

/// Everything needed to grade trajectories of one scenario (or of none).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `None` for trajectories that name no known scenario: objective criteria are not applicable.
    pub scenario: Option<Arc<Scenario>>,
    pub rubric_id: String,
    pub criteria: Vec<Criterion>,
    /// What tokens cost, for trajectories that record no dollars (shared by every plan).
    pub prices: Arc<crate::PriceTable>,
}

/// The scenarios and rubrics that loaded cleanly, with each scenario's resolved [`Plan`].
#[derive(Debug, Default)]
pub struct SpecSet {
    rubrics: BTreeMap<String, Arc<Rubric>>,
    /// Each rubric's criteria with typed parameters (catalogs loaded), resolved once at load.
    base: BTreeMap<String, Vec<Criterion>>,
    plans: BTreeMap<String, Arc<Plan>>,
    rubrics_dir: PathBuf,
    prices: Arc<crate::PriceTable>,
}

impl SpecSet {
    /// The plan of a scenario, if the scenario loaded and is not vague.
    pub fn plan(&self, scenario_id: &str) -> Option<&Arc<Plan>> {
        self.plans.get(scenario_id)
    }

    pub fn plans(&self) -> impl Iterator<Item = &Arc<Plan>> {
        self.plans.values()
    }

    pub fn rubrics(&self) -> impl Iterator<Item = &Arc<Rubric>> {
        self.rubrics.values()
    }

    /// The price table in force.
    pub fn prices(&self) -> &crate::PriceTable {
        &self.prices
    }

    /// Adds a scenario to the set, validated and resolved. Returns whether it was accepted;
    /// problems are appended to `diags`.
    pub fn add_scenario(&mut self, scenario: Scenario, text: Option<&str>, diags: &mut Vec<Diagnostic>) -> bool {
        let id = scenario.id.clone();
        match self.plan_with_text(Arc::new(scenario), text.unwrap_or("")) {
            Ok((plan, warnings)) => {
                diags.extend(warnings);
                self.plans.insert(id, Arc::new(plan));
                true
            }
            Err(d) => {
                diags.extend(d);
                false
            }
        }
    }

    /// Validates and resolves a scenario made in memory (e.g. derived from an external run)
    /// without adding it. A vague or malformed scenario is refused with the reasons.
    pub fn plan_for(&self, scenario: impl Into<Arc<Scenario>>) -> Result<Plan, Vec<Diagnostic>> {
        self.plan_with_text(scenario.into(), "").map(|(p, _)| p)
    }

    fn plan_with_text(&self, scenario: Arc<Scenario>, text: &str) -> Result<(Plan, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        validate_scenario(&scenario, text, &mut diags);
        if diags.iter().any(|d| d.severity >= Severity::Vague) {
            return Err(diags);
        }
        let criteria = self.resolve(&scenario, text)?;
        if criteria.is_empty() {
            // A plan with nothing to check would pass every trajectory.
            return Err(vec![
                Diagnostic::new(
                    &scenario.source,
                    Severity::Error,
                    format!("rubric `{}` leaves no enabled criterion for this scenario", scenario.rubric),
                )
                .field("overrides"),
            ]);
        }
        let rubric_id = scenario.rubric.clone();
        Ok((Plan { scenario: Some(scenario), rubric_id, criteria, prices: self.prices.clone() }, diags))
    }

    /// The plan for trajectories that name no known scenario: the default rubric, with every
    /// criterion that needs an objective kept (it will say "not applicable").
    pub fn unscoped_plan(&self) -> Option<Plan> {
        let criteria = self.base.get(DEFAULT_RUBRIC)?.clone();
        Some(Plan { scenario: None, rubric_id: DEFAULT_RUBRIC.to_owned(), criteria, prices: self.prices.clone() })
    }

    fn resolve(&self, scenario: &Scenario, text: &str) -> Result<Vec<Criterion>, Vec<Diagnostic>> {
        let file = &scenario.source;
        let Some(rubric) = self.rubrics.get(&scenario.rubric) else {
            let known: Vec<&str> = self.rubrics.keys().map(String::as_str).collect();
            return Err(vec![
                Diagnostic::new(
                    file,
                    Severity::Error,
                    format!("unknown rubric `{}` (known: {})", scenario.rubric, known.join(", ")),
                )
                .at_line(find_line(text, "rubric"))
                .field("rubric"),
            ]);
        };
        let mut errors = Vec::new();
        for id in scenario.overrides.keys() {
            if !rubric.criteria.iter().any(|c| &c.id == id) {
                errors.push(
                    Diagnostic::new(
                        file,
                        Severity::Error,
                        format!("override of `{id}`, which rubric `{}` does not define", rubric.id),
                    )
                    .at_line(find_line(text, &format!("[overrides.{id}")))
                    .field(format!("overrides.{id}")),
                );
            }
        }
        let mut criteria = Vec::new();
        let base = self.base.get(&rubric.id).map(Vec::as_slice).unwrap_or_default();
        for (spec, base) in rubric.criteria.iter().zip(base) {
            let ov = scenario.overrides.get(&spec.id);
            if ov.and_then(|o| o.enabled) == Some(false) {
                continue;
            }
            let typed = match ov.filter(|o| !o.params.is_empty()) {
                Some(o) => {
                    let mut params = spec.params.clone();
                    params.extend(o.params.clone());
                    typed_config(spec.kind, &params, &self.rubrics_dir)
                }
                None => Ok(base.config.clone()),
            };
            match typed {
                Ok(config) => criteria.push(Criterion {
                    id: spec.id.clone(),
                    kind: spec.kind,
                    description: spec.description.clone(),
                    weight: ov.and_then(|o| o.weight).unwrap_or(spec.weight),
                    gating: ov.and_then(|o| o.gating).unwrap_or(spec.gating),
                    config,
                }),
                Err((field, message)) => errors.push(
                    Diagnostic::new(file, Severity::Error, format!("criterion `{}`: {message}", spec.id))
                        .at_line(find_line(text, &format!("[overrides.{}", spec.id)))
                        .field(format!("overrides.{}.params.{field}", spec.id)),
                ),
            }
        }
        if errors.is_empty() { Ok(criteria) } else { Err(errors) }
    }
}

/// Loads every rubric directly under `rubrics_dir` and every scenario under `scenarios_dir`
/// (recursively). Never stops at the first problem.
pub fn load(scenarios_dir: &Path, rubrics_dir: &Path) -> (SpecSet, Vec<Diagnostic>) {
    load_from(Some(scenarios_dir), Some(rubrics_dir), None)
}

/// As [`load`], with either directory optional: no scenarios directory loads no scenario (every
/// trajectory is graded by the default rubric alone, unless it carries its scenario), and no
/// rubrics directory takes the rubric and catalog built into goalpost ([`crate::builtin`]), no
/// price table the one built in (a table that does not load is an error, and no cost is
/// estimated: never one from another table).
pub fn load_from(
    scenarios_dir: Option<&Path>,
    rubrics_dir: Option<&Path>,
    prices: Option<&Path>,
) -> (SpecSet, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let prices = match prices {
        Some(path) => crate::PriceTable::load(path).unwrap_or_else(|d| {
            diags.push(d);
            crate::PriceTable::default()
        }),
        None => crate::PriceTable::builtin(),
    };
    let rubric_files: Vec<(PathBuf, String)> = match rubrics_dir {
        Some(dir) => toml_files(dir, false, &mut diags)
            .into_iter()
            .filter_map(|path| read(&path, &mut diags).map(|text| (path, text)))
            .collect(),
        None => crate::builtin::rubrics().into_iter().map(|(path, text)| (path, text.to_owned())).collect(),
    };
    let rubrics_dir = rubrics_dir.map_or_else(crate::builtin::rubrics_dir, Path::to_owned);
    let rubrics_dir = rubrics_dir.as_path();
    let mut set = SpecSet { rubrics_dir: rubrics_dir.to_owned(), prices: Arc::new(prices), ..SpecSet::default() };

    for (path, text) in rubric_files {
        match parse_rubric(&path, &text) {
            Ok(rubric) => {
                let before = diags.len();
                let base = validate_rubric(&rubric, &text, rubrics_dir, &mut diags);
                if diags[before..].iter().any(|d| d.severity == Severity::Error) {
                    continue;
                }
                if let Some(prev) = set.rubrics.get(&rubric.id) {
                    diags.push(
                        Diagnostic::new(
                            &path,
                            Severity::Error,
                            format!("rubric id `{}` is also used by {}", rubric.id, prev.source.display()),
                        )
                        .field("id"),
                    );
                    continue;
                }
                set.base.insert(rubric.id.clone(), base);
                set.rubrics.insert(rubric.id.clone(), Arc::new(rubric));
            }
            Err(d) => diags.push(d),
        }
    }

    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let scenario_files = scenarios_dir.map(|dir| toml_files(dir, true, &mut diags)).unwrap_or_default();
    for path in scenario_files {
        let Some(text) = read(&path, &mut diags) else { continue };
        match parse_scenario(&path, &text) {
            Ok(scenario) => {
                if let Some(prev) = seen.get(&scenario.id) {
                    diags.push(
                        Diagnostic::new(
                            &path,
                            Severity::Error,
                            format!("scenario id `{}` is also used by {}", scenario.id, prev.display()),
                        )
                        .at_line(find_line(&text, "id"))
                        .field("id"),
                    );
                    continue;
                }
                seen.insert(scenario.id.clone(), path.clone());
                set.add_scenario(scenario, Some(&text), &mut diags);
            }
            Err(d) => diags.push(d),
        }
    }
    (set, diags)
}

/// Parses one scenario file. The error names the line and field.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, Diagnostic> {
    let mut scenario: Scenario = parse_toml(path, text)?;
    scenario.source = path.to_owned();
    scenario.content_hash = blake3_hex(text.as_bytes());
    Ok(scenario)
}

/// Parses one rubric file. The error names the line and field.
pub fn parse_rubric(path: &Path, text: &str) -> Result<Rubric, Diagnostic> {
    let mut rubric: Rubric = parse_toml(path, text)?;
    rubric.source = path.to_owned();
    rubric.content_hash = blake3_hex(text.as_bytes());
    Ok(rubric)
}

fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

pub(crate) fn parse_toml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostic> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        Diagnostic::new(path, Severity::Error, e.message().trim().to_owned()).at_line(line)
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let mut field = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().trim().to_owned();
        if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
            field = if field == "." { missing.to_owned() } else { format!("{field}.{missing}") };
        }
        let line = inner.span().map(|s| line_of(text, s.start)).or_else(|| {
            let leaf = field.rsplit('.').next().unwrap_or("");
            find_line(text, leaf)
        });
        Diagnostic::new(path, Severity::Error, message).at_line(line).field(field)
    })
}

/// Turns a criterion's parameter table into its typed form; the error is `(field, message)`.
fn typed_config(
    kind: CriterionKind,
    params: &toml::Table,
    rubrics_dir: &Path,
) -> Result<CriterionConfig, (String, String)> {
    fn typed<T: DeserializeOwned>(params: &toml::Table) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize(toml::Value::Table(params.clone()))
            .map_err(|e| (e.path().to_string(), e.into_inner().message().trim().to_owned()))
    }
    fn none(params: &toml::Table) -> Result<CriterionConfig, (String, String)> {
        match params.keys().next() {
            Some(k) => Err((k.clone(), format!("unknown parameter `{k}`: this kind takes none"))),
            None => Ok(CriterionConfig::None),
        }
    }
    Ok(match kind {
        CriterionKind::AcceptanceTests
        | CriterionKind::RegressionSuite
        | CriterionKind::MetricThresholds
        | CriterionKind::AcceptanceFiles
        | CriterionKind::Scope => none(params)?,
        CriterionKind::TestIntegrity => CriterionConfig::TestIntegrity(typed::<TestIntegrityParams>(params)?),
        CriterionKind::ForbiddenCommands => {
            CriterionConfig::ForbiddenCommands(typed::<ForbiddenCommandsParams>(params)?)
        }
        CriterionKind::ApprovedTools => {
            let mut p: ApprovedToolsParams = typed(params)?;
            let path = rubrics_dir.join(&p.catalog);
            let text = crate::builtin::read_to_string(&path).map_err(|e| ("catalog".to_owned(), e.to_string()))?;
            let mut catalog: ToolCatalog = parse_toml(&path, &text).map_err(|d| {
                let hint = if d.message.contains("missing field `reviewed`") {
                    " (every entry now names the date of its last review: `reviewed = \"YYYY-MM-DD\"`)"
                } else {
                    ""
                };
                ("catalog".to_owned(), format!("{d}{hint}"))
            })?;
            if let Some((field, message)) = catalog.problems().into_iter().next() {
                return Err(("catalog".to_owned(), format!("{}: {field}: {message}", path.display())));
            }
            catalog.content_hash = blake3_hex(text.as_bytes());
            catalog.source = path;
            p.loaded = Arc::new(catalog);
            CriterionConfig::ApprovedTools(Box::new(p))
        }
        CriterionKind::SideEffects => CriterionConfig::SideEffects(typed::<SideEffectsParams>(params)?),
        CriterionKind::Budget => CriterionConfig::Budget(typed::<BudgetParams>(params)?),
        CriterionKind::ProcessSmells => CriterionConfig::ProcessSmells(typed::<ProcessSmellsParams>(params)?),
    })
}

/// Checks a rubric and returns its criteria with typed parameters (each typed once: typing
/// `approved_tools` reads its catalog).
fn validate_rubric(rubric: &Rubric, text: &str, rubrics_dir: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Criterion> {
    let file = &rubric.source;
    let expected = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if rubric.id != expected {
        diags.push(
            Diagnostic::new(
                file,
                Severity::Error,
                format!("rubric id `{}` must match its file name `{expected}.toml`", rubric.id),
            )
            .at_line(find_line(text, "id"))
            .field("id"),
        );
    }
    if rubric.criteria.is_empty() {
        diags.push(Diagnostic::new(file, Severity::Error, "rubric has no criteria").field("criteria"));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut typed = Vec::with_capacity(rubric.criteria.len());
    for (i, c) in rubric.criteria.iter().enumerate() {
        let line = find_line(text, &format!("id = \"{}\"", c.id));
        if !seen.insert(c.id.as_str()) {
            diags.push(
                Diagnostic::new(file, Severity::Error, format!("criterion id `{}` appears twice", c.id))
                    .at_line(line)
                    .field(format!("criteria[{i}].id")),
            );
        }
        if !(c.weight.is_finite() && c.weight >= 0.0) {
            diags.push(
                Diagnostic::new(file, Severity::Error, "weight must be a finite number >= 0")
                    .at_line(line)
                    .field(format!("criteria[{i}].weight")),
            );
        }
        match typed_config(c.kind, &c.params, rubrics_dir) {
            Err((field, message)) => diags.push(
                Diagnostic::new(file, Severity::Error, message)
                    .at_line(line)
                    .field(format!("criteria[{i}].params.{field}")),
            ),
            Ok(config) => {
                if let CriterionConfig::ForbiddenCommands(p) = &config {
                    check_command_patterns(file, text, &format!("criteria[{i}].params.patterns"), &p.patterns, diags);
                }
                typed.push(Criterion {
                    id: c.id.clone(),
                    kind: c.kind,
                    description: c.description.clone(),
                    weight: c.weight,
                    gating: c.gating,
                    config,
                });
            }
        }
    }
    typed
}

fn validate_scenario(s: &Scenario, text: &str, diags: &mut Vec<Diagnostic>) {
    let file = &s.source;
    let err = |field: &str, msg: String| {
        Diagnostic::new(file, Severity::Error, msg)
            .at_line(find_line(text, field.rsplit('.').next().unwrap_or(field)))
            .field(field)
    };
    let vague = |field: &str, msg: &str| {
        Diagnostic::new(file, Severity::Vague, msg).at_line(find_line(text, &format!("[{field}"))).field(field)
    };

    if !is_safe_id(&s.id) {
        diags.push(err(
            "id",
            format!(
                "scenario id `{}` must be 1-128 characters of A-Z a-z 0-9 . _ - and not start with `.`",
                s.id.escape_debug()
            ),
        ));
    }
    // Only a short objective is counted to the end: an issue text can run to pages.
    let words = s.objective.split_whitespace().take(6).count();
    if words < 6 {
        diags.push(
            vague(
                "objective",
                &format!("the objective has {words} words; state what must be achieved, bounded, in one paragraph"),
            )
            .at_line(find_line(text, "objective")),
        );
    }
    if !s.acceptance.is_checkable() {
        diags.push(vague(
            "acceptance",
            "no checkable acceptance criterion: give `tests_fail_to_pass`, `metrics` or `files`",
        ));
    }
    if s.out_of_scope.is_empty() {
        diags.push(vague(
            "out_of_scope",
            "no out-of-scope list: name the paths, commands, tools or hosts the agent must not touch",
        ));
    }
    if s.budget.is_empty() {
        diags.push(vague("budget", "no budget: set at least one of `cost_usd`, `tokens`, `steps`, `wall_time_s`"));
    }
    for (name, value) in [("budget.cost_usd", s.budget.cost_usd), ("budget.wall_time_s", s.budget.wall_time_s)] {
        if value.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            diags.push(err(name, "must be a finite number >= 0".to_owned()));
        }
    }
    for (i, m) in s.acceptance.metrics.iter().enumerate() {
        if m.name.trim().is_empty() || !m.value.is_finite() {
            diags.push(err(
                &format!("acceptance.metrics[{i}]"),
                "a metric threshold needs a name and a finite value".to_owned(),
            ));
        }
    }
    for (field, globs) in [
        ("out_of_scope.paths", &s.out_of_scope.paths),
        ("out_of_scope.tools", &s.out_of_scope.tools),
        ("out_of_scope.hosts", &s.out_of_scope.hosts),
    ] {
        check_globs(file, text, field, globs, diags);
    }
    check_command_patterns(file, text, "out_of_scope.commands", &s.out_of_scope.commands, diags);
}

/// Which check a pattern went through: a command pattern and a glob are read differently.
#[derive(Clone, Copy)]
enum Check {
    CommandPattern,
    Glob,
}

/// What checking `pattern` said: `None` when it is good, else the error. Checking compiles the
/// pattern, and scenarios made in memory (one per SWE-bench trajectory) bring the same few
/// patterns again and again, so the answers are kept, process-wide and bounded.
fn checked(kind: Check, pattern: &str) -> Option<String> {
    /// Distinct patterns kept before the memo starts again.
    const BOUND: usize = 4096;
    type Memo = [BTreeMap<String, Option<String>>; 2];
    static MEMO: Mutex<Memo> = Mutex::new([BTreeMap::new(), BTreeMap::new()]);
    let table = kind as usize;
    // A poisoned lock only means another thread panicked while holding it: the map is whole.
    if let Some(hit) = MEMO.lock().unwrap_or_else(PoisonError::into_inner)[table].get(pattern) {
        return hit.clone();
    }
    let answer = match kind {
        Check::CommandPattern => crate::CommandPattern::parse(pattern).err(),
        Check::Glob => GlobBuilder::new(pattern).build().err().map(|e| e.kind().to_string()),
    };
    let mut memo = MEMO.lock().unwrap_or_else(PoisonError::into_inner);
    if memo[table].len() >= BOUND {
        memo[table].clear();
    }
    memo[table].insert(pattern.to_owned(), answer.clone());
    answer
}

/// Command patterns are read word by word (`crate::CommandPattern`); one that cannot be read
/// is an error naming it.
fn check_command_patterns(file: &Path, text: &str, field: &str, patterns: &[String], diags: &mut Vec<Diagnostic>) {
    for (i, p) in patterns.iter().enumerate() {
        if let Some(e) = checked(Check::CommandPattern, p) {
            diags.push(
                Diagnostic::new(file, Severity::Error, format!("bad command pattern `{p}`: {e}"))
                    .at_line(find_line(text, &format!("\"{p}\"")))
                    .field(format!("{field}[{i}]")),
            );
        }
    }
}

fn check_globs(file: &Path, text: &str, field: &str, globs: &[String], diags: &mut Vec<Diagnostic>) {
    for (i, g) in globs.iter().enumerate() {
        if let Some(e) = checked(Check::Glob, g) {
            diags.push(
                Diagnostic::new(file, Severity::Error, format!("bad glob `{g}`: {e}"))
                    .at_line(find_line(text, &format!("\"{g}\"")))
                    .field(format!("{field}[{i}]")),
            );
        }
    }
}

/// Ids become file names in the regression store and column values in reports.
fn is_safe_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && !id.starts_with('.')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The first line that starts with `needle` (after indentation), for diagnostics on values
/// that serde has no span for.
pub(crate) fn find_line(text: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    text.lines()
        .position(|l| l.trim_start().starts_with(needle) || (needle.starts_with('"') && l.contains(needle)))
        .map(|i| i + 1)
}

fn read(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match fs_err::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.push(Diagnostic::new(path, Severity::Error, format!("cannot read: {e}")));
            None
        }
    }
}

/// The regression store's configuration (`scenarios/regressions/store.toml`): not a scenario.
pub const STORE_CONFIG: &str = "store.toml";

/// `*.toml` files under `dir`, sorted, recursing when asked; hidden entries and the regression
/// store's configuration are skipped.
fn toml_files(dir: &Path, recurse: bool, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = match fs_err::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::new(&d, Severity::Error, format!("cannot list directory: {e}")));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if recurse {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "toml") && entry.file_name() != STORE_CONFIG {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
