//! Objective specifications: what an agent was asked to do, and how to grade it.
//!
//! A [`Scenario`] (one TOML file under `scenarios/`) states the bounded objective, checkable
//! acceptance criteria, the regression suite, the out-of-scope list, the rollback condition,
//! the budget and how to re-run the task. A [`Rubric`] (one TOML file under `rubrics/`) lists
//! named criteria, each of a built-in [`CriterionKind`] with typed parameters, a weight and a
//! gating flag. A [`ToolCatalog`] lists approved and denied tools and plugins with an owner each
//! and, optionally, the [`ToolEffect`] of a call.
//!
//! [`load`] reads both directories and never stops at the first problem: it returns a
//! [`SpecSet`] of everything that loaded and a list of [`Diagnostic`]s, each naming file, line
//! and field. A scenario that is vague (no checkable acceptance criterion, no out-of-scope list,
//! no budget) is rejected with the reason. [`SpecSet::plan`] resolves a scenario with its rubric
//! and per-scenario overrides into the [`Plan`] the grader runs.

pub mod builtin;
mod catalog;
mod command_pattern;
mod diag;
mod load;
pub mod prices;
pub mod project;
mod rubric;
mod scenario;

pub use catalog::{ToolCatalog, ToolEffect, ToolEntry, ToolStatus};
pub use command_pattern::{CommandPattern, collapse_dots};
pub use diag::{Diagnostic, Severity};
pub use load::{DEFAULT_RUBRIC, Plan, STORE_CONFIG, SpecSet, load, load_from, parse_rubric, parse_scenario};
pub use prices::{ModelPrice, PriceTable, Tokens};
pub use rubric::{
    ApprovedToolsParams, BudgetParams, Criterion, CriterionConfig, CriterionKind, CriterionSpec,
    ForbiddenCommandsParams, ProcessSmellsParams, Rubric, SideEffectsParams, TestIntegrityParams,
};
pub use scenario::{
    Acceptance, Budget, Cmp, CriterionOverride, FileCheck, MetricThreshold, OutOfScope, PinnedFailure, Provenance,
    Regression, RegressionProvenance, Rerun, Rollback, Scenario,
};

/// The version of the scenario and rubric file formats this build reads and writes.
pub const SPEC_FORMAT_VERSION: &str = "1.0";
