//! A goalpost project: the `goalpost.toml` that says where a repository keeps its scenarios,
//! rubrics, regression store, reports, reviewers' ledger and release policy. Every command finds
//! it by walking up from the working directory, as cargo finds `Cargo.toml`; with none, the
//! rubric and catalog built into goalpost grade whatever is named on the command line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Severity};

/// The project file's name.
pub const PROJECT_FILE: &str = "goalpost.toml";

/// Where a project keeps things: paths relative to the project file's directory (or, with no
/// project, to the working directory).
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The project file, when one was found.
    pub file: Option<PathBuf>,
    /// Scenario files (searched recursively; the regression store is usually inside). `None`:
    /// no scenarios.
    pub scenarios: Option<PathBuf>,
    /// Rubric files. `None`: the built-in rubric and catalog.
    pub rubrics: Option<PathBuf>,
    /// The regression store. `None` outside a project: nothing to promote into.
    pub regressions: Option<PathBuf>,
    /// Where `run` writes runs, and where `report`, `compare`, `gate` and `review` look.
    pub reports: PathBuf,
    /// The reviewers' ledger.
    pub ledger: PathBuf,
    /// The price table. `None`: the one built in.
    pub prices: Option<PathBuf>,
    /// The release policy `gate` applies when none is named.
    pub policy: Option<PathBuf>,
    /// What `run` grades when no `--trajectories` are named.
    pub trajectories: Vec<PathBuf>,
}

/// `goalpost.toml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    paths: Paths,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Paths {
    scenarios: Option<PathBuf>,
    rubrics: Option<PathBuf>,
    regressions: Option<PathBuf>,
    reports: Option<PathBuf>,
    ledger: Option<PathBuf>,
    policy: Option<PathBuf>,
    prices: Option<PathBuf>,
    #[serde(default)]
    trajectories: Vec<PathBuf>,
}

const DEFAULT_REPORTS: &str = "reports";
const DEFAULT_LEDGER: &str = "reviews/ledger.jsonl";

impl Project {
    /// No project: built-in rubric and catalog, no scenarios, no regression store; reports and
    /// the ledger where they would be in the working directory.
    pub fn none() -> Project {
        Project {
            file: None,
            scenarios: None,
            rubrics: None,
            regressions: None,
            reports: PathBuf::from(DEFAULT_REPORTS),
            ledger: PathBuf::from(DEFAULT_LEDGER),
            policy: None,
            prices: None,
            trajectories: Vec::new(),
        }
    }

    /// The project `dir` (relative or absolute) holds in its `goalpost.toml`; its paths are
    /// joined to `dir`. An error names the file, line and field.
    pub fn load(dir: &Path) -> Result<Project, Diagnostic> {
        Project::load_as(dir, dir)
    }

    /// As [`Project::load`], the paths joined to `shown` instead (the same directory, as the
    /// user would name it).
    fn load_as(dir: &Path, shown: &Path) -> Result<Project, Diagnostic> {
        let file = dir.join(PROJECT_FILE);
        let text = fs_err::read_to_string(&file).map_err(|e| Diagnostic::new(&file, Severity::Error, e.to_string()))?;
        let p: ProjectFile = crate::load::parse_toml(&file, &text)?;
        let at = |p: PathBuf| -> Result<PathBuf, Diagnostic> {
            if p.as_os_str().is_empty() {
                return Err(Diagnostic::new(&file, Severity::Error, "an empty path"));
            }
            Ok(shown.join(p))
        };
        let paths = p.paths;
        let scenarios = at(paths.scenarios.unwrap_or_else(|| PathBuf::from("scenarios")))?;
        Ok(Project {
            regressions: Some(match paths.regressions {
                Some(r) => at(r)?,
                None => scenarios.join("regressions"),
            }),
            scenarios: Some(scenarios),
            rubrics: paths.rubrics.map(at).transpose()?,
            reports: at(paths.reports.unwrap_or_else(|| PathBuf::from(DEFAULT_REPORTS)))?,
            ledger: at(paths.ledger.unwrap_or_else(|| PathBuf::from(DEFAULT_LEDGER)))?,
            policy: paths.policy.map(at).transpose()?,
            prices: paths.prices.map(at).transpose()?,
            trajectories: paths.trajectories.into_iter().map(at).collect::<Result<_, _>>()?,
            file: Some(shown.join(PROJECT_FILE)),
        })
    }

    /// The project of the working directory `cwd`: the nearest `goalpost.toml` in it or above
    /// it, else [`Project::none`]. A project in `cwd` itself keeps its paths relative (as a
    /// user typing them there would); one above it has them absolute.
    pub fn find(cwd: &Path) -> Result<Project, Diagnostic> {
        if cwd.join(PROJECT_FILE).is_file() {
            return Project::load_as(cwd, Path::new(""));
        }
        match cwd.ancestors().skip(1).find(|d| d.join(PROJECT_FILE).is_file()) {
            Some(dir) => Project::load(dir),
            None => Ok(Project::none()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_project_file_up_the_tree_names_the_paths_relative_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs_err::write(
            root.join(PROJECT_FILE),
            "[paths]\nscenarios = \"gp/scenarios\"\nrubrics = \"gp/rubrics\"\ntrajectories = [\"runs\"]\n",
        )
        .unwrap();
        let deep = root.join("src/a/b");
        fs_err::create_dir_all(&deep).unwrap();
        let p = Project::find(&deep).unwrap();
        assert_eq!(p.file.as_deref(), Some(root.join(PROJECT_FILE).as_path()));
        assert_eq!(p.scenarios, Some(root.join("gp/scenarios")));
        assert_eq!(p.rubrics, Some(root.join("gp/rubrics")));
        assert_eq!(p.regressions, Some(root.join("gp/scenarios/regressions")));
        assert_eq!(p.reports, root.join("reports"));
        assert_eq!(p.trajectories, vec![root.join("runs")]);
        // In the project's own directory, paths stay as typed.
        let here = Project::find(root).unwrap();
        assert_eq!(here.scenarios, Some(PathBuf::from("gp/scenarios")));
        // A nearer project file wins.
        fs_err::write(root.join("src").join(PROJECT_FILE), "").unwrap();
        let near = Project::find(&deep).unwrap();
        assert_eq!(near.scenarios, Some(root.join("src/scenarios")));
        assert_eq!(near.rubrics, None, "no rubrics named: the built-in ones");
    }

    #[test]
    fn a_wrong_key_is_an_error_naming_its_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join(PROJECT_FILE), "[paths]\nscenarios = \"s\"\nreport = \"r\"\n").unwrap();
        let e = Project::find(dir.path()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("unknown field `report`"), "{e}");
        let none = tempfile::tempdir().unwrap();
        // Far from any project (a temporary directory): none.
        if !none.path().ancestors().any(|d| d.join(PROJECT_FILE).is_file()) {
            assert_eq!(Project::find(none.path()).unwrap(), Project::none());
        }
    }
}
