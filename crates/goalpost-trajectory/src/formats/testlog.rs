//! SWE-bench test logs: the `test_output.txt` the harness writes for each instance, read the
//! way the harness itself grades it (`swebench/harness/grading.py`, `get_logs_eval`).
//!
//! The harness's eval script runs the repository's test command between
//! `: '>>>>> Start Test Output'` and `: '>>>>> End Test Output'` (echoed by `set -x` as
//! `+ : '>>>>> Start Test Output'`); the text between the markers is parsed by the repository's
//! log parser ([`LogParser::for_repo`], the harness's `MAP_REPO_TO_PARSER`). Older harness
//! versions wrote no markers: they graded the whole log once it said a patch was applied
//! (`Applied patch …`), and both forms are read. A log that records `>>>>> Patch Apply Failed`,
//! `>>>>> Reset Failed`, `>>>>> Tests Errored` or `>>>>> Tests Timed Out` has no test results,
//! as the harness says.
//!
//! The parsers follow `swebench/harness/log_parsers/python.py` rule for rule, including its
//! quirks: a Django test whose docstring is printed is named by the docstring's first line, a
//! sympy test on the last line of a file (`test_x ok   [OK]`) is not recorded, and pytest's
//! `SKIPPED [1] file.py:12: reason` summary lines name no test. Where a harness rule would raise
//! (a `FAIL:` line with nothing after it) the line is skipped. Statuses are the harness's five:
//! `PASSED`, `FAILED`, `SKIPPED`, `ERROR` and `XFAIL` (read as [`TestOutcome::Xfailed`]; the
//! harness counts it as a pass); pytest's `XPASS` is not one of them and is not recorded. Only
//! the Python repositories of SWE-bench and SWE-bench Verified have parsers here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{TestOutcome, TestResult};

/// Marks the start of the test run in a harness log.
pub const START_TEST_OUTPUT: &str = ">>>>> Start Test Output";
/// Marks the end of the test run in a harness log.
pub const END_TEST_OUTPUT: &str = ">>>>> End Test Output";
/// What older harness versions split the log at before parsing it.
const APPLY_PATCH_PASS_PRED: &str = ">>>>> Applied Patch (pred)";
/// Markers of a run that produced no test results (the harness's `bad_codes`, plus the reset
/// failure message older versions also checked).
const HARNESS_FAILURES: [&str; 5] = [
    ">>>>> Patch Apply Failed",
    ">>>>> Reset Failed",
    ">>>>> Tests Errored",
    ">>>>> Tests Timed Out",
    "Failed to reset task environment",
];

/// One of the harness's per-framework log parsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogParser {
    /// `parse_log_pytest`: `STATUS test` or `test STATUS` lines.
    Pytest,
    /// `parse_log_pytest_options`: as [`LogParser::Pytest`], with a path-like parameter
    /// shortened to its last component (`test[/a/b/c.txt]` → `test[/c.txt]`).
    PytestOptions,
    /// `parse_log_pytest_v2`: as [`LogParser::Pytest`] after removing colour codes and
    /// control characters.
    PytestV2,
    /// `parse_log_django`: Django's `test (module.Class) ... ok` runner output.
    Django,
    /// `parse_log_seaborn`.
    Seaborn,
    /// `parse_log_sympy`: sympy's own `bin/test` runner.
    Sympy,
    /// `parse_log_matplotlib`.
    Matplotlib,
}

impl LogParser {
    /// The parser the harness uses for a GitHub repository (`owner/name`).
    pub fn for_repo(repo: &str) -> Option<Self> {
        Some(match repo {
            "astropy/astropy" | "scikit-learn/scikit-learn" | "sphinx-doc/sphinx" => Self::PytestV2,
            "django/django" => Self::Django,
            "marshmallow-code/marshmallow"
            | "pallets/flask"
            | "pvlib/pvlib-python"
            | "pydata/xarray"
            | "pylint-dev/astroid"
            | "pytest-dev/pytest"
            | "pyvista/pyvista"
            | "sqlfluff/sqlfluff" => Self::Pytest,
            "matplotlib/matplotlib" => Self::Matplotlib,
            "mwaskom/seaborn" => Self::Seaborn,
            "psf/requests" | "pydicom/pydicom" | "pylint-dev/pylint" => Self::PytestOptions,
            "sympy/sympy" => Self::Sympy,
            _ => return None,
        })
    }

    /// The harness's name for this parser.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pytest => "parse_log_pytest",
            Self::PytestOptions => "parse_log_pytest_options",
            Self::PytestV2 => "parse_log_pytest_v2",
            Self::Django => "parse_log_django",
            Self::Seaborn => "parse_log_seaborn",
            Self::Sympy => "parse_log_sympy",
            Self::Matplotlib => "parse_log_matplotlib",
        }
    }

    /// Every test the text reports, in the order first seen; a test reported twice keeps its
    /// last status, as in the harness's status map.
    pub fn parse(self, text: &str) -> Vec<TestResult> {
        let mut map = StatusMap::default();
        match self {
            Self::Pytest | Self::PytestOptions | Self::PytestV2 => {
                for line in text.split('\n') {
                    let line = if self == Self::PytestV2 { strip_escapes(line) } else { Cow::Borrowed(line) };
                    if let Some((name, outcome)) = pytest_line(&line) {
                        let name = if self == Self::PytestOptions { shorten_option(&name) } else { name };
                        map.set(name, outcome);
                    }
                }
            }
            Self::Django => django(text, &mut map),
            Self::Seaborn => seaborn(text, &mut map),
            Self::Sympy => sympy(text, &mut map),
            Self::Matplotlib => matplotlib(text, &mut map),
        }
        map.into_results()
    }
}

/// The GitHub repository (`owner/name`) of a SWE-bench instance id such as
/// `pvlib__pvlib-python-1072`.
pub fn repo_of_instance(instance_id: &str) -> Option<String> {
    let (owner, rest) = instance_id.split_once("__")?;
    let (name, number) = rest.rsplit_once('-')?;
    (!owner.is_empty() && !name.is_empty() && !number.is_empty()).then(|| format!("{owner}/{name}"))
}

/// The parser for an instance id's repository.
pub fn parser_for_instance(instance_id: &str) -> Option<LogParser> {
    LogParser::for_repo(&repo_of_instance(instance_id)?)
}

/// A parsed test log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLog {
    pub parser: LogParser,
    pub tests: Vec<TestResult>,
}

/// Why a log yields no test results.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestLogError {
    #[error("no SWE-bench log parser for repository `{}`", .0.escape_debug())]
    UnknownRepo(String),
    #[error("the harness log records `{0}`, so no test results count")]
    HarnessFailure(&'static str),
    #[error("the log has no test output markers and applies no patch, so the harness counts no test results")]
    NotApplied,
}

impl TestLogError {
    /// Whether the harness would report the patch as not applied (every reason but an
    /// unknown repository).
    pub fn means_not_applied(&self) -> bool {
        !matches!(self, Self::UnknownRepo(_))
    }
}

/// Parses a whole `test_output.txt` of a repository (`owner/name`) as the harness does.
pub fn parse_test_output(repo: &str, log: &str) -> Result<TestLog, TestLogError> {
    let parser = LogParser::for_repo(repo).ok_or_else(|| TestLogError::UnknownRepo(repo.to_owned()))?;
    parse_with(parser, log)
}

/// Parses a whole `test_output.txt` of an instance, choosing the parser by its id.
pub fn parse_instance_log(instance_id: &str, log: &str) -> Result<TestLog, TestLogError> {
    let repo = repo_of_instance(instance_id).unwrap_or_else(|| instance_id.to_owned());
    parse_test_output(&repo, log)
}

/// Parses a whole `test_output.txt` with a given parser.
pub fn parse_with(parser: LogParser, log: &str) -> Result<TestLog, TestLogError> {
    let contains = |needle: &str| memchr::memmem::find(log.as_bytes(), needle.as_bytes()).is_some();
    if let Some(code) = HARNESS_FAILURES.iter().find(|c| contains(c)) {
        return Err(TestLogError::HarnessFailure(code));
    }
    let tests = if contains(START_TEST_OUTPUT) && contains(END_TEST_OUTPUT) {
        // `content.split(START)[1].split(END)[0]`: up to the next start marker, then up to
        // the first end marker.
        let section = log.split(START_TEST_OUTPUT).nth(1).unwrap_or_default();
        let section = section.split(END_TEST_OUTPUT).next().unwrap_or_default();
        let tests = parser.parse(section);
        // When nothing between the markers parses, the harness parses the whole log (test
        // output that went to another stream lands outside the markers).
        if tests.is_empty() { parser.parse(log) } else { tests }
    } else if contains_ignore_ascii_case(log, "applied patch") {
        parser.parse(log.rsplit(APPLY_PATCH_PASS_PRED).next().unwrap_or(log))
    } else {
        return Err(TestLogError::NotApplied);
    };
    Ok(TestLog { parser, tests })
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The harness's status map: insertion-ordered, last write wins.
#[derive(Default)]
struct StatusMap {
    /// Each test's status and when it was first set.
    tests: HashMap<String, (usize, TestOutcome)>,
}

impl StatusMap {
    fn set(&mut self, name: String, outcome: TestOutcome) {
        let next = self.tests.len();
        self.tests.entry(name).or_insert((next, outcome)).1 = outcome;
    }

    /// The tests in the order first set.
    fn into_results(self) -> Vec<TestResult> {
        let mut tests: Vec<_> = self.tests.into_iter().collect();
        tests.sort_unstable_by_key(|(_, (first, _))| *first);
        tests.into_iter().map(|(name, (_, outcome))| TestResult { name, outcome }).collect()
    }
}

/// The harness's `TestStatus` values.
fn status(word: &str) -> Option<TestOutcome> {
    Some(match word {
        "FAILED" => TestOutcome::Failed,
        "PASSED" => TestOutcome::Passed,
        "SKIPPED" => TestOutcome::Skipped,
        "ERROR" => TestOutcome::Error,
        "XFAIL" => TestOutcome::Xfailed,
        _ => return None,
    })
}

const STATUS_WORDS: [&str; 5] = ["FAILED", "PASSED", "SKIPPED", "ERROR", "XFAIL"];

static SKIP_COUNT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[\d+\]").expect("valid regex"));
static COLOUR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[(\d+)m").expect("valid regex"));

/// `_parse_pytest_result_line`: `STATUS test …` (a `FAILED` line's ` - reason` dropped) or
/// `test STATUS …`; a `SKIPPED [n] file:line: reason` summary names no test.
fn pytest_line(line: &str) -> Option<(String, TestOutcome)> {
    if let Some((word, name)) = status_first(line) {
        let outcome = status(word)?;
        let name = if outcome == TestOutcome::Failed {
            line.replace(" - ", " ").split_whitespace().nth(1)?.to_owned()
        } else {
            name.to_owned()
        };
        if outcome == TestOutcome::Skipped && SKIP_COUNT.is_match(&name) {
            return None;
        }
        return Some((name, outcome));
    }
    let (name, word) = test_first(line)?;
    Some((name.to_owned(), status(word)?))
}

/// The status a line starts with and the word after it: what the harness's
/// `^(FAILED|PASSED|SKIPPED|ERROR|XFAIL)\s+(\S+)` captures (`\s+` can only take the whole
/// whitespace run, `\S+` the whole word after it).
fn status_first(line: &str) -> Option<(&str, &str)> {
    let word = STATUS_WORDS.iter().find(|w| line.starts_with(**w))?;
    let rest = line.get(word.len()..)?;
    let after = rest.trim_start();
    if after.len() == rest.len() {
        return None;
    }
    let name = after.split(char::is_whitespace).next().filter(|n| !n.is_empty())?;
    Some((word, name))
}

/// A line's first word and the status after it: what the harness's
/// `^(\S+)\s+(FAILED|PASSED|SKIPPED|ERROR|XFAIL)(?:\s|$)` captures (`\S+` can only take the
/// whole first word, `\s+` the whole whitespace run after it).
fn test_first(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start_matches(|c: char| !c.is_whitespace());
    let first = line.get(..line.len() - rest.len()).filter(|f| !f.is_empty())?;
    let after = rest.trim_start();
    if after.len() == rest.len() {
        return None;
    }
    let word = STATUS_WORDS.iter().find(|w| after.starts_with(**w))?;
    let tail = after.get(word.len()..)?;
    (tail.is_empty() || tail.starts_with(char::is_whitespace)).then_some((first, word))
}

/// `parse_log_pytest_v2`'s clean-up: colour codes (`[32m`) and characters 1–31 removed (a line
/// with neither a `[` nor such a character is left as it is).
fn strip_escapes(line: &str) -> Cow<'_, str> {
    if !line.bytes().any(|b| b == b'[' || matches!(b, 1..=31)) {
        return Cow::Borrowed(line);
    }
    Cow::Owned(COLOUR.replace_all(line, "").chars().filter(|c| !matches!(*c as u32, 1..=31)).collect())
}

/// `parse_log_pytest_options`'s name: `main[option]` with a single-slash path option cut to
/// its last component. As `re.search(r"(.*?)\[(.*)\]")`: the first `[` to the last `]`.
fn shorten_option(name: &str) -> String {
    let Some(open) = name.find('[') else { return name.to_owned() };
    let Some(close) = name.rfind(']').filter(|c| *c > open) else { return name.to_owned() };
    let (main, option) = (&name[..open], &name[open + 1..close]);
    if option.starts_with('/') && !option.starts_with("//") && !option.contains('*') {
        let last = option.rsplit('/').next().unwrap_or_default();
        format!("{main}[/{last}]")
    } else {
        format!("{main}[{option}]")
    }
}

static DJANGO_INTERRUPTED: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        r"(?m)^(.*?)\s\.\.\.\sTesting against Django installed in ((?s:.*?)) silenced\)\.\nok$",
        r"(?m)^(.*?)\s\.\.\.\sInternal Server Error: /(.*)/\nok$",
        r"(?m)^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$",
    ]
    .map(|p| Regex::new(p).expect("valid regex"))
});

/// Literals each of [`DJANGO_INTERRUPTED`] needs right after its `\s\.\.\.\s`.
const DJANGO_INTERRUPTED_AFTER_DOTS: [&str; 3] = [
    "Testing against Django installed in ",
    "Internal Server Error: /",
    "System check identified no issues (0 silenced)\nok",
];

/// Whether `literal` occurs with `...` among the 6 bytes before it: what `\s\.\.\.\s` right
/// before `literal` needs (a whitespace character is at most 3 bytes long).
fn after_dots(text: &str, literal: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), literal.as_bytes()).any(|at| {
        let before = text.as_bytes().get(at.saturating_sub(6)..at).unwrap_or_default();
        memchr::memmem::find(before, b"...").is_some()
    })
}

/// ` ... ` and ` ... skipped`, searched for in every line of a Django log.
static DOTS: LazyLock<memchr::memmem::Finder<'static>> = LazyLock::new(|| memchr::memmem::Finder::new(" ... "));
static DOTS_SKIPPED: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(" ... skipped"));

fn django(text: &str, map: &mut StatusMap) {
    const VERSION: &str = "--version is equivalent to version";
    let version_anywhere = memchr::memmem::find(text.as_bytes(), VERSION.as_bytes()).is_some();
    let mut prev_test: Option<&str> = None;
    for raw in text.split('\n') {
        let trimmed = raw.trim();
        let mut line = Cow::Borrowed(trimmed);
        if version_anywhere && line.contains(VERSION) {
            map.set(VERSION.to_owned(), TestOutcome::Passed);
        }
        if let Some(at) = DOTS.find(trimmed.as_bytes()) {
            prev_test = trimmed.get(..at);
        }
        for suffix in [" ... ok", " ... OK", " ...  OK"] {
            if line.ends_with(suffix) {
                // The harness's special case for django__django-7188, whose migration output
                // shares the test's line.
                if line.starts_with("Applying sites.0002_alter_domain_unique...test_no_migrations") {
                    line = Cow::Owned(line.split_once("...").map_or(line.as_ref(), |(_, rest)| rest).trim().to_owned());
                }
                let test = line.rfind(suffix).map_or(line.as_ref(), |i| &line[..i]);
                map.set(test.to_owned(), TestOutcome::Passed);
                break;
            }
        }
        if let Some(test) = DOTS_SKIPPED.find(line.as_bytes()).and_then(|at| line.get(..at)) {
            map.set(test.to_owned(), TestOutcome::Skipped);
        }
        if line.ends_with(" ... FAIL") {
            let test = line.split_once(" ... FAIL").map_or(line.as_ref(), |(t, _)| t);
            map.set(test.to_owned(), TestOutcome::Failed);
        }
        if line.starts_with("FAIL:")
            && let Some(test) = line.split_whitespace().nth(1)
        {
            map.set(test.trim().to_owned(), TestOutcome::Failed);
        }
        if line.ends_with(" ... ERROR") {
            let test = line.split_once(" ... ERROR").map_or(line.as_ref(), |(t, _)| t);
            map.set(test.to_owned(), TestOutcome::Error);
        }
        if line.starts_with("ERROR:")
            && let Some(test) = line.split_whitespace().nth(1)
        {
            map.set(test.trim().to_owned(), TestOutcome::Error);
        }
        // A passing test whose own output came between `...` and `ok`.
        if line.trim_start().starts_with("ok")
            && let Some(prev) = prev_test
        {
            map.set(prev.to_owned(), TestOutcome::Passed);
        }
    }
    // Tests whose `ok` was pushed to the next line by a long message printed meanwhile (each
    // regex run only where it can match: the message's start follows ` ... `, which most logs
    // never print before it).
    for (re, literal) in DJANGO_INTERRUPTED.iter().zip(DJANGO_INTERRUPTED_AFTER_DOTS) {
        if !after_dots(text, literal) {
            continue;
        }
        for c in re.captures_iter(text) {
            if let Some(name) = c.get(1) {
                map.set(name.as_str().to_owned(), TestOutcome::Passed);
            }
        }
    }
}

fn seaborn(text: &str, map: &mut StatusMap) {
    for line in text.split('\n') {
        let mut parts = line.split_whitespace();
        if line.starts_with("FAILED") {
            if let Some(test) = parts.nth(1) {
                map.set(test.to_owned(), TestOutcome::Failed);
            }
        } else if line.contains(" PASSED ") {
            if let (Some(test), Some("PASSED")) = (parts.next(), parts.next()) {
                map.set(test.to_owned(), TestOutcome::Passed);
            }
        } else if line.starts_with("PASSED")
            && let Some(test) = parts.nth(1)
        {
            map.set(test.to_owned(), TestOutcome::Passed);
        }
    }
}

static SYMPY_FAILURE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(_*) (.*)\.py:(.*) (_*)").expect("valid regex"));

fn sympy(text: &str, map: &mut StatusMap) {
    // A failure's traceback header: `____ sympy/core/tests/test_x.py:test_y ____`. A match of
    // [`SYMPY_FAILURE`] holds `.py:` and no newline, so it is looked for only in the lines
    // holding `.py:`, in order: the same matches as over the whole text.
    let mut next_line = 0;
    for at in memchr::memmem::find_iter(text.as_bytes(), b".py:") {
        if at < next_line {
            continue;
        }
        let start = memchr::memrchr(b'\n', text.as_bytes().get(..at).unwrap_or_default()).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', text.as_bytes().get(at..).unwrap_or_default()).map_or(text.len(), |i| at + i);
        next_line = end;
        for c in SYMPY_FAILURE.captures_iter(text.get(start..end).unwrap_or_default()) {
            let (file, test) = (c.get(2).map_or("", |m| m.as_str()), c.get(3).map_or("", |m| m.as_str()));
            map.set(format!("{file}.py:{test}"), TestOutcome::Failed);
        }
    }
    for line in text.split('\n') {
        let line = line.trim();
        if !line.starts_with("test_") {
            continue;
        }
        let Some(test) = line.split_whitespace().next() else { continue };
        if line.ends_with(" E") {
            map.set(test.to_owned(), TestOutcome::Error);
        }
        if line.ends_with(" F") {
            map.set(test.to_owned(), TestOutcome::Failed);
        }
        if line.ends_with(" ok") {
            map.set(test.to_owned(), TestOutcome::Passed);
        }
    }
}

fn matplotlib(text: &str, map: &mut StatusMap) {
    for line in text.split('\n') {
        // Whether a line starts with a status is the same before the replacements (no status
        // word holds an `M`, and they put a digit first).
        if !STATUS_WORDS.iter().any(|s| line.starts_with(s)) {
            continue;
        }
        let mut line = line.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3");
        if line.starts_with("FAILED") {
            line = line.replace(" - ", " ");
        }
        let mut words = line.split_whitespace();
        // The harness stores the first word as the status; one that is not among its five
        // (`PASSED:`) counts as neither pass nor fail there, and is left out here.
        if let (Some(word), Some(test)) = (words.next(), words.next())
            && let Some(outcome) = status(word)
        {
            map.set(test.to_owned(), outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The harness's regexes, which [`status_first`] and [`test_first`] replaced: their oracles.
    static STATUS_FIRST: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(FAILED|PASSED|SKIPPED|ERROR|XFAIL)\s+(\S+)").expect("valid regex"));
    static TEST_FIRST: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\S+)\s+(FAILED|PASSED|SKIPPED|ERROR|XFAIL)(?:\s|$)").expect("valid regex"));

    /// `pytest_line` as it was, with the harness's regexes.
    fn pytest_line_by_regex(line: &str) -> Option<(String, TestOutcome)> {
        if let Some(c) = STATUS_FIRST.captures(line) {
            let outcome = status(c.get(1)?.as_str())?;
            let name = if outcome == TestOutcome::Failed {
                line.replace(" - ", " ").split_whitespace().nth(1)?.to_owned()
            } else {
                c.get(2)?.as_str().to_owned()
            };
            if outcome == TestOutcome::Skipped && SKIP_COUNT.is_match(&name) {
                return None;
            }
            return Some((name, outcome));
        }
        let c = TEST_FIRST.captures(line)?;
        Some((c.get(1)?.as_str().to_owned(), status(c.get(2)?.as_str())?))
    }

    /// The status map as it was: a list and a search.
    fn status_map_oracle(sets: &[(String, TestOutcome)]) -> Vec<TestResult> {
        let mut out: Vec<TestResult> = Vec::new();
        for (name, outcome) in sets {
            match out.iter_mut().find(|r| &r.name == name) {
                Some(r) => r.outcome = *outcome,
                None => out.push(TestResult { name: name.clone(), outcome: *outcome }),
            }
        }
        out
    }

    const LINE_FRAGMENTS: &[&str] = &[
        "PASSED",
        "FAILED",
        "SKIPPED",
        "ERROR",
        "XFAIL",
        "XPASS",
        "PASSED:",
        "test_a",
        "t.py::test_b[/x/y.txt]",
        " ",
        " ",
        "\t",
        "\r",
        "\u{a0}",
        "\u{2003}",
        "\u{1680}",
        "\u{180e}",
        "\u{200b}",
        "\u{feff}",
        "\u{85}",
        " - ",
        "-",
        "[1]",
        "[32m",
        "\u{1b}",
        "\u{1}",
        "[",
        "m",
        "é",
        "ok",
        "...",
        " ... ",
        ".py:",
        "_",
        "____",
        " F",
        " E",
        "MouseButton.LEFT",
        "MouseButton.RIGHT",
        "Testing against Django installed in ",
        "Internal Server Error: /",
        "System check identified no issues (0 silenced)",
        " silenced).",
        "/",
        "\n",
        "\nok",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn pytest_lines_read_as_by_the_regexes_alone(
            parts in prop::collection::vec(prop::sample::select(LINE_FRAGMENTS), 0..12)
        ) {
            let line = parts.concat().replace('\n', " ");
            prop_assert_eq!(pytest_line(&line), pytest_line_by_regex(&line));
            let cleaned: String =
                COLOUR.replace_all(&line, "").chars().filter(|c| !matches!(*c as u32, 1..=31)).collect();
            prop_assert_eq!(strip_escapes(&line), cleaned);
            // What matplotlib checks before its replacements.
            let replaced = line.replace("MouseButton.LEFT", "1").replace("MouseButton.RIGHT", "3");
            prop_assert_eq!(
                STATUS_WORDS.iter().any(|s| line.starts_with(s)),
                STATUS_WORDS.iter().any(|s| replaced.starts_with(s))
            );
        }

        #[test]
        fn sympy_failure_headers_are_found_line_by_line_as_in_the_whole_text(
            parts in prop::collection::vec(prop::sample::select(LINE_FRAGMENTS), 0..40)
        ) {
            let text = parts.concat();
            let mut whole = StatusMap::default();
            for c in SYMPY_FAILURE.captures_iter(&text) {
                let (file, test) = (c.get(2).map_or("", |m| m.as_str()), c.get(3).map_or("", |m| m.as_str()));
                whole.set(format!("{file}.py:{test}"), TestOutcome::Failed);
            }
            // Only the headers: no line of these fragments starts with `test_`.
            let text = text.replace("test_", "tst_");
            let mut by_line = StatusMap::default();
            sympy(&text, &mut by_line);
            let whole = whole.into_results();
            let whole: Vec<_> = whole.into_iter().map(|r| TestResult { name: r.name.replace("test_", "tst_"), ..r }).collect();
            prop_assert_eq!(by_line.into_results(), whole);
        }

        #[test]
        fn django_interrupted_regexes_match_only_after_dots(
            parts in prop::collection::vec(prop::sample::select(LINE_FRAGMENTS), 0..40)
        ) {
            let text = parts.concat();
            for (re, literal) in DJANGO_INTERRUPTED.iter().zip(DJANGO_INTERRUPTED_AFTER_DOTS) {
                if re.is_match(&text) {
                    prop_assert!(after_dots(&text, literal), "{:?} matches {:?}", re.as_str(), text);
                }
            }
        }

        #[test]
        fn the_status_map_keeps_first_order_and_last_status(
            sets in prop::collection::vec((0..8u8, 0..5usize), 0..40)
        ) {
            let outcomes =
                [TestOutcome::Passed, TestOutcome::Failed, TestOutcome::Skipped, TestOutcome::Error, TestOutcome::Xfailed];
            let sets: Vec<(String, TestOutcome)> =
                sets.into_iter().map(|(n, o)| (format!("t{n}"), outcomes[o])).collect();
            let mut map = StatusMap::default();
            for (name, outcome) in &sets {
                map.set(name.clone(), *outcome);
            }
            prop_assert_eq!(map.into_results(), status_map_oracle(&sets));
        }
    }

    #[test]
    fn django_interrupted_tests_still_pass() {
        for (text, name) in [
            ("test_a (m.T) ... Testing against Django installed in '/x' (0 silenced).\nok", "test_a (m.T)"),
            ("test_b (m.T)\t...\u{3000}Internal Server Error: /a/\nok", "test_b (m.T)"),
            ("x\n...\nSystem check identified no issues (0 silenced)\nok", "x"),
        ] {
            assert_eq!(
                outcomes(LogParser::Django, text).last(),
                Some(&(name.to_owned(), TestOutcome::Passed)),
                "{text:?}"
            );
        }
    }

    fn outcomes(parser: LogParser, text: &str) -> Vec<(String, TestOutcome)> {
        parser.parse(text).into_iter().map(|r| (r.name, r.outcome)).collect()
    }

    #[test]
    fn pytest_reads_status_before_and_after_the_node_id() {
        // The harness's own test (`test_parse_pytest_supports_status_before_and_after_nodeid`).
        let log = "PASSED tests/test_widget.py::test_create\ntests/test_widget.py::test_delete FAILED [100%]";
        for p in [LogParser::Pytest, LogParser::PytestOptions, LogParser::PytestV2] {
            assert_eq!(
                outcomes(p, log),
                [
                    ("tests/test_widget.py::test_create".to_owned(), TestOutcome::Passed),
                    ("tests/test_widget.py::test_delete".to_owned(), TestOutcome::Failed)
                ]
            );
        }
    }

    #[test]
    fn skip_summaries_name_no_test() {
        let log = "tests/lint/unittest_lint.py::LintRunTC::test_jobs_option SKIPPED [1] Need 2 or more cores\n\
                   SKIPPED [1] tests/lint/unittest_lint.py:774: Need 2 or more cores";
        assert_eq!(
            outcomes(LogParser::PytestOptions, log),
            [("tests/lint/unittest_lint.py::LintRunTC::test_jobs_option".to_owned(), TestOutcome::Skipped)]
        );
    }

    #[test]
    fn failed_lines_drop_the_reason_and_options_shorten_paths() {
        let log = "FAILED tests/a.py::test_x - AssertionError: boom\nPASSED tests/a.py::test_p[/tmp/x/y.txt]\n\
                   PASSED tests/a.py::test_q[//net/y]\nXFAIL tests/a.py::test_r - reason";
        assert_eq!(
            outcomes(LogParser::PytestOptions, log),
            [
                ("tests/a.py::test_x".to_owned(), TestOutcome::Failed),
                ("tests/a.py::test_p[/y.txt]".to_owned(), TestOutcome::Passed),
                ("tests/a.py::test_q[//net/y]".to_owned(), TestOutcome::Passed),
                ("tests/a.py::test_r".to_owned(), TestOutcome::Xfailed),
            ]
        );
        assert_eq!(
            outcomes(LogParser::Pytest, "PASSED tests/a.py::test_p[/tmp/x/y.txt]")[0].0,
            "tests/a.py::test_p[/tmp/x/y.txt]"
        );
    }

    #[test]
    fn pytest_v2_removes_colour_codes() {
        let log = "\u{1b}[32mPASSED\u{1b}[0m tests/test_a.py::test_one\n\u{1b}[31mFAILED\u{1b}[0m tests/test_a.py::test_two - x";
        assert_eq!(
            outcomes(LogParser::PytestV2, log),
            [
                ("tests/test_a.py::test_one".to_owned(), TestOutcome::Passed),
                ("tests/test_a.py::test_two".to_owned(), TestOutcome::Failed)
            ]
        );
        // Without the clean-up the escape character hides the status.
        assert!(outcomes(LogParser::Pytest, log).is_empty());
    }

    #[test]
    fn django_rules() {
        let log = "test_a (m.T) ... ok\ntest_b (m.T) ... FAIL\ntest_c (m.T) ... skipped 'why'\n\
                   test_d (m.T) ... some output\nok\ntest_e (m.T) ... ERROR\nFAIL:\n\
                   test_f (m.T) ... System check identified no issues (0 silenced)\nok";
        assert_eq!(
            outcomes(LogParser::Django, log),
            [
                ("test_a (m.T)".to_owned(), TestOutcome::Passed),
                ("test_b (m.T)".to_owned(), TestOutcome::Failed),
                ("test_c (m.T)".to_owned(), TestOutcome::Skipped),
                ("test_d (m.T)".to_owned(), TestOutcome::Passed),
                ("test_e (m.T)".to_owned(), TestOutcome::Error),
                ("test_f (m.T)".to_owned(), TestOutcome::Passed),
            ]
        );
    }

    #[test]
    fn sympy_and_seaborn_and_matplotlib_rules() {
        let log = "test_a ok\ntest_b F\ntest_c E\n____ sympy/core/tests/test_x.py:test_d ____\ntest_e ok   [OK]";
        assert_eq!(
            outcomes(LogParser::Sympy, log),
            [
                ("sympy/core/tests/test_x.py:test_d".to_owned(), TestOutcome::Failed),
                ("test_a".to_owned(), TestOutcome::Passed),
                ("test_b".to_owned(), TestOutcome::Failed),
                ("test_c".to_owned(), TestOutcome::Error),
            ]
        );
        let log =
            "tests/a.py::test_x PASSED [ 50%]\nFAILED tests/a.py::test_y - boom\nPASSED tests/a.py::test_z\nFAILED";
        assert_eq!(
            outcomes(LogParser::Seaborn, log),
            [
                ("tests/a.py::test_x".to_owned(), TestOutcome::Passed),
                ("tests/a.py::test_y".to_owned(), TestOutcome::Failed),
                ("tests/a.py::test_z".to_owned(), TestOutcome::Passed),
            ]
        );
        let log = "PASSED lib/t.py::test_press[MouseButton.LEFT]\nPASSED: not a status\nSKIPPED";
        assert_eq!(outcomes(LogParser::Matplotlib, log), [("lib/t.py::test_press[1]".to_owned(), TestOutcome::Passed)]);
    }

    #[test]
    fn markers_and_harness_failures() {
        let log = "PASSED before::test\n+ : '>>>>> Start Test Output'\nPASSED a.py::test\n+ : '>>>>> End Test Output'";
        let t = parse_test_output("pytest-dev/pytest", log).unwrap();
        assert_eq!(t.tests, [TestResult { name: "a.py::test".into(), outcome: TestOutcome::Passed }]);
        // Nothing between the markers: the whole log is parsed.
        let log = "PASSED before::test\n>>>>> Start Test Output\n>>>>> End Test Output";
        assert_eq!(parse_test_output("pytest-dev/pytest", log).unwrap().tests[0].name, "before::test");
        assert_eq!(
            parse_test_output("pytest-dev/pytest", ">>>>> Start Test Output\n>>>>> Tests Timed Out\n"),
            Err(TestLogError::HarnessFailure(">>>>> Tests Timed Out"))
        );
        assert_eq!(parse_test_output("pytest-dev/pytest", "PASSED a::b"), Err(TestLogError::NotApplied));
        assert_eq!(
            parse_test_output("pytest-dev/pytest", "Applied patch x cleanly.\nPASSED a::b").unwrap().tests.len(),
            1
        );
        assert!(matches!(parse_test_output("octo/cat", ""), Err(TestLogError::UnknownRepo(_))));
    }

    #[test]
    fn instance_ids_name_their_repository() {
        assert_eq!(repo_of_instance("pvlib__pvlib-python-1072").as_deref(), Some("pvlib/pvlib-python"));
        assert_eq!(parser_for_instance("scikit-learn__scikit-learn-13135"), Some(LogParser::PytestV2));
        assert_eq!(parser_for_instance("psf__requests-2317"), Some(LogParser::PytestOptions));
        assert_eq!(parser_for_instance("django__django-11815"), Some(LogParser::Django));
        assert_eq!(parser_for_instance("nonsense"), None);
        assert_eq!(repo_of_instance("a__-1"), None);
    }
}
