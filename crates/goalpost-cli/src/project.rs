//! The project every command works in ([`goalpost_spec::project`]): found once, before the
//! command runs, by walking up from the working directory. A path given on the command line
//! wins over the project's (and is relative to the working directory, as typed).

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Result, bail};
use goalpost_spec::project::Project;

static PROJECT: OnceLock<Project> = OnceLock::new();

/// Finds the project of the working directory; an unreadable or wrong `goalpost.toml` stops
/// the command, naming its line and field.
pub(crate) fn init() -> Result<()> {
    let cwd = std::env::current_dir()?;
    let p = Project::find(&cwd).map_err(|d| anyhow::anyhow!("{d}"))?;
    let _ = PROJECT.set(p);
    Ok(())
}

/// Says which project file is in force when it lies above the working directory (its policy,
/// rubrics, ledger and prices decide the run): a `goalpost.toml` in a shared ancestor is seen.
pub(crate) fn announce() {
    if let Some(f) = get().file.as_ref().filter(|f| f.is_absolute()) {
        crate::render::hint(&crate::render::clean(&format!("project: {}", f.display()), 1000));
    }
}

/// The project (none, until [`init`] found one).
pub(crate) fn get() -> &'static Project {
    PROJECT.get_or_init(Project::none)
}

/// The reports directory: `given`, else the project's.
pub(crate) fn reports(given: Option<&PathBuf>) -> PathBuf {
    given.cloned().unwrap_or_else(|| get().reports.clone())
}

/// The reviewers' ledger: `given`, else the project's.
pub(crate) fn ledger(given: Option<&PathBuf>) -> PathBuf {
    given.cloned().unwrap_or_else(|| get().ledger.clone())
}

/// The regression store: `given`, else the project's; outside a project there is none.
pub(crate) fn store(given: Option<&PathBuf>) -> Result<PathBuf> {
    match given.cloned().or_else(|| get().regressions.clone()) {
        Some(s) => Ok(s),
        None => bail!(
            "no regression store: this directory is in no goalpost project\nhint: `goalpost init` makes one here, or pass --store"
        ),
    }
}
