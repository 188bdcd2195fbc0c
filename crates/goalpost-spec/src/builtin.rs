//! The rubric and tool catalog built into goalpost: what grades trajectories where no project
//! names its own (`goalpost run` outside any `goalpost.toml`), and what `goalpost init` writes
//! into a new project. They are this repository's `rubrics/` files, compiled in, so the two
//! never differ.

use std::path::{Path, PathBuf};

/// Where built-in files appear to live: every path shown for one starts here. No file system
/// has it (`<` and `>` are not allowed in a Windows path, and no tool makes such a directory).
pub const BUILTIN_ROOT: &str = "<built-in>";

/// The default rubric, as `rubrics/trajectory-review.toml`.
pub const RUBRIC_FILE: &str = "trajectory-review.toml";
pub const RUBRIC: &str = include_str!("../../../rubrics/trajectory-review.toml");

/// The tool catalog the default rubric names, as `rubrics/catalogs/tools.toml`.
pub const CATALOG_FILE: &str = "catalogs/tools.toml";
pub const CATALOG: &str = include_str!("../../../rubrics/catalogs/tools.toml");

/// The price table, as `prices.toml` at a project's root.
pub const PRICES_FILE: &str = "prices.toml";
pub const PRICES: &str = include_str!("../../../prices.toml");

/// The built-in rubrics directory (as a path shown in diagnostics and manifests).
pub fn rubrics_dir() -> PathBuf {
    Path::new(BUILTIN_ROOT).join("rubrics")
}

/// The built-in rubric files: (path, text).
pub fn rubrics() -> Vec<(PathBuf, &'static str)> {
    vec![(rubrics_dir().join(RUBRIC_FILE), RUBRIC)]
}

/// A built-in file by the path it appears at (`<built-in>/rubrics/catalogs/tools.toml`).
pub fn file(path: &Path) -> Option<&'static str> {
    let rel = path.strip_prefix(rubrics_dir()).ok()?;
    [(RUBRIC_FILE, RUBRIC), (CATALOG_FILE, CATALOG)]
        .into_iter()
        .find(|(name, _)| rel == Path::new(name))
        .map(|(_, text)| text)
}

/// Reads a spec file: a built-in one by its path, any other from disk.
pub(crate) fn read_to_string(path: &Path) -> std::io::Result<String> {
    match file(path) {
        Some(text) => Ok(text.to_owned()),
        None if path.starts_with(BUILTIN_ROOT) => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("`{}`: no such built-in file", path.display()),
        )),
        None => fs_err::read_to_string(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rubric_loads_clean_with_its_catalog() {
        let (set, diags) = crate::load_from(None, None, None);
        assert!(diags.is_empty(), "{diags:?}");
        let plan = set.unscoped_plan().expect("the default rubric is built in");
        let catalog = plan.criteria.iter().find_map(|c| match &c.config {
            crate::CriterionConfig::ApprovedTools(p) => Some(p.loaded.clone()),
            _ => None,
        });
        let catalog = catalog.expect("the default rubric checks tools against a catalog");
        assert_eq!(catalog.source, rubrics_dir().join(CATALOG_FILE));
        assert!(!catalog.tools.is_empty());
        assert_eq!(read_to_string(&rubrics_dir().join("nope.toml")).unwrap_err().kind(), std::io::ErrorKind::NotFound);
    }
}
