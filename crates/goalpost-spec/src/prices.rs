//! The price table: what a million tokens of each model cost, for trajectories that record
//! tokens but no dollars. A dated, versioned TOML file (`prices.toml`; the project names its
//! own, else the one built in); every row names its source and the date it was checked.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Severity};

/// One model's rates, in USD per million tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// A glob on the model name as recorded (case-insensitive).
    pub model: String,
    pub input: f64,
    pub output: f64,
    /// Prompt tokens read from a cache; billed as input when absent.
    #[serde(default)]
    pub cached_input: Option<f64>,
    /// Prompt tokens written to a cache; billed as input when absent.
    #[serde(default)]
    pub cache_write: Option<f64>,
    /// Where the figures come from.
    pub source: String,
    /// When they were checked there (`YYYY-MM-DD`).
    pub date: String,
    #[serde(skip)]
    matcher: Option<GlobMatcher>,
}

impl PartialEq for ModelPrice {
    fn eq(&self, o: &Self) -> bool {
        // The matcher is made from `model`.
        (&self.model, self.input, self.output, self.cached_input, self.cache_write, &self.source, &self.date)
            == (&o.model, o.input, o.output, o.cached_input, o.cache_write, &o.source, &o.date)
    }
}

/// The table as loaded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// The date of the table's last change.
    pub version: String,
    #[serde(default)]
    pub models: Vec<ModelPrice>,
    #[serde(skip)]
    pub source: PathBuf,
}

/// Tokens one model call (or one model's total) used. `input` is the whole prompt, cached
/// tokens included, as every reader records it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

impl PriceTable {
    /// The first row whose glob matches `model`.
    pub fn price(&self, model: &str) -> Option<&ModelPrice> {
        self.models.iter().find(|m| m.matcher.as_ref().is_some_and(|g| g.is_match(model)))
    }

    /// What `tokens` of `model` cost, when the table prices the model.
    pub fn cost(&self, model: &str, t: Tokens) -> Option<f64> {
        let p = self.price(model)?;
        let cached = t.cache_read.min(t.input);
        let written = t.cache_write.min(t.input - cached);
        let fresh = t.input - cached - written;
        let per = |n: u64, rate: f64| n as f64 * rate / 1e6;
        Some(
            per(fresh, p.input)
                + per(cached, p.cached_input.unwrap_or(p.input))
                + per(written, p.cache_write.unwrap_or(p.input))
                + per(t.output, p.output),
        )
    }

    /// The table built into goalpost (this repository's `prices.toml`).
    pub fn builtin() -> PriceTable {
        let path = Path::new(crate::builtin::BUILTIN_ROOT).join(crate::builtin::PRICES_FILE);
        // The built-in table is checked by a test: it always parses.
        parse(&path, crate::builtin::PRICES).unwrap_or_default()
    }

    /// The table in `path`; an error names the file, line and field.
    pub fn load(path: &Path) -> Result<PriceTable, Diagnostic> {
        let text = fs_err::read_to_string(path).map_err(|e| Diagnostic::new(path, Severity::Error, e.to_string()))?;
        parse(path, &text)
    }
}

/// Parses and checks a table: every rate finite and not negative, a source and a date on each row.
pub fn parse(path: &Path, text: &str) -> Result<PriceTable, Diagnostic> {
    let mut t: PriceTable = crate::load::parse_toml(path, text)?;
    t.source = path.to_owned();
    let err = |i: usize, field: &str, msg: String| {
        Diagnostic::new(path, Severity::Error, msg)
            .field(format!("models[{i}].{field}"))
            .at_line(crate::load::find_line(text, field))
    };
    if !is_date(&t.version) {
        return Err(Diagnostic::new(
            path,
            Severity::Error,
            format!("`version` {:?} is not a date (YYYY-MM-DD)", t.version),
        )
        .field("version"));
    }
    for (i, m) in t.models.iter_mut().enumerate() {
        for (field, rate) in [
            ("input", Some(m.input)),
            ("output", Some(m.output)),
            ("cached_input", m.cached_input),
            ("cache_write", m.cache_write),
        ] {
            if let Some(r) = rate
                && !(r.is_finite() && r >= 0.0)
            {
                return Err(err(i, field, format!("a rate must be a finite number of dollars, not {r}")));
            }
        }
        if m.source.trim().is_empty() {
            return Err(err(i, "source", "every price names where it comes from".into()));
        }
        if !is_date(&m.date) {
            return Err(err(i, "date", format!("{:?} is not a date (YYYY-MM-DD)", m.date)));
        }
        let glob = GlobBuilder::new(&m.model)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| err(i, "model", e.to_string()))?;
        m.matcher = Some(glob.compile_matcher());
    }
    Ok(t)
}

pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_parses_and_prices_what_agents_record() {
        let t = parse(Path::new("prices.toml"), crate::builtin::PRICES).unwrap();
        assert!(t.models.len() >= 8);
        let sonnet = t.price("claude-sonnet-4-5-20250929").unwrap();
        assert_eq!((sonnet.input, sonnet.output), (3.0, 15.0));
        assert_eq!(t.price("anthropic/claude-opus-4-5-20251101").unwrap().input, 5.0);
        assert_eq!(t.price("claude-opus-4-1-20250805").unwrap().input, 15.0);
        assert_eq!(t.price("claude-opus-4-6").unwrap().input, 5.0);
        assert_eq!(t.price("gpt-5.5").unwrap().output, 30.0);
        assert_eq!(t.price("gpt-5.4-mini").unwrap().input, 0.75);
        assert_eq!(t.price("gpt-5-codex").unwrap().input, 1.25);
        assert_eq!(t.price("gpt-5-mini-2025-08-07").unwrap().input, 0.25);
        assert!(t.price("some-local-model").is_none());
        // 1M fresh prompt tokens + 1M read from cache + 1M written + 1M output on Sonnet:
        // 3 + 0.30 + 3.75 + 15.
        let cost = t
            .cost(
                "claude-sonnet-4-5",
                Tokens { input: 3_000_000, output: 1_000_000, cache_read: 1_000_000, cache_write: 1_000_000 },
            )
            .unwrap();
        assert!((cost - 22.05).abs() < 1e-9, "{cost}");
        // Counts that do not add up (more cached than the prompt) never go negative.
        let odd = t.cost("gpt-5", Tokens { input: 10, output: 0, cache_read: 50, cache_write: 50 }).unwrap();
        assert!(odd >= 0.0 && odd.is_finite());
    }

    #[test]
    fn a_row_without_a_source_or_with_a_bad_rate_is_refused_naming_it() {
        let row = |extra: &str| {
            format!("version = \"2026-01-01\"\n[[models]]\nmodel = \"m\"\ninput = 1.0\noutput = 2.0\n{extra}")
        };
        let e = parse(Path::new("p.toml"), &row("date = \"2026-01-01\"\nsource = \" \"\n")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("models[0].source"), "{e}");
        let e = parse(Path::new("p.toml"), &row("date = \"2026-01-01\"\nsource = \"s\"\ncached_input = -1.0\n"))
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("models[0].cached_input"), "{e}");
        let e = parse(Path::new("p.toml"), &row("date = \"yesterday\"\nsource = \"s\"\n")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("models[0].date"), "{e}");
        let e = parse(Path::new("p.toml"), &row("source = \"s\"\n")).unwrap_err();
        assert!(e.message.contains("missing field `date`"), "{e}");
    }
}
