//! Readers of the formats agents and harnesses record trajectories in, each turning its
//! format into canonical [`Trajectory`]s, and content sniffing to tell them apart.
//!
//! One module per format. Each has `sniff(&Peek) -> bool`, which decides from the first
//! 64 KiB and last 4 KiB of a file, and `read(path, limits)`, which returns one item per
//! trajectory the file holds: a file-level failure is one `Err`, a bad sample among good
//! ones is an `Err` beside the good ones. Nothing a format lacks is invented: an exit code a
//! format does not record stays `None`.
//!
//! `FORMATS` is the one list of them, in detection order: a new format is its module and
//! one row there. Discovery and `Input::read` dispatch through it and nowhere else.

use std::path::Path;

use crate::{IngestError, Limits, Parts, Trajectory};

pub(crate) mod atif;
pub(crate) mod claude_code;
pub(crate) mod codex;
pub(crate) mod edits;
pub(crate) mod inspect;
pub(crate) mod openhands;
pub(crate) mod otel;
pub(crate) mod swe_agent;
pub(crate) mod terminal_bench;
pub mod testlog;
pub(crate) mod time;
pub(crate) mod util;

/// The beginning and end of a file, as read for format detection.
#[derive(Debug)]
pub(crate) struct Peek<'a> {
    /// The first 64 KiB, lossily decoded.
    pub(crate) head: &'a str,
    /// The last 4 KiB (empty when the head holds the whole file).
    pub(crate) tail: &'a str,
    /// The first bytes, undecoded (zip magic).
    pub(crate) magic: &'a [u8],
}

impl Peek<'_> {
    /// The first non-blank line of the head.
    pub(crate) fn first_line(&self) -> &str {
        self.head.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
    }

    /// Whether the head or tail contains `needle`.
    pub(crate) fn contains(&self, needle: &str) -> bool {
        self.head.contains(needle) || self.tail.contains(needle)
    }
}

/// Whether `text` has `"key"` followed by optional whitespace and `:`; tolerant of pretty
/// printing, which a plain `contains("\"key\":")` is not.
pub(crate) fn has_key(text: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted).any(|(i, _)| text[i + quoted.len()..].trim_start().starts_with(':'))
}

/// Whether `text` has `"key": "value"` (any whitespace around the colon).
pub(crate) fn has_pair(text: &str, key: &str, value: &str) -> bool {
    let quoted = format!("\"{key}\"");
    let v = format!("\"{value}\"");
    text.match_indices(&quoted).any(|(i, _)| {
        let rest = text[i + quoted.len()..].trim_start();
        rest.strip_prefix(':').is_some_and(|r| r.trim_start().starts_with(&v))
    })
}

/// An external format: how it is recognised and how it is read. Adding a format is one module
/// here and one row of `FORMATS`; nothing else dispatches on formats.
pub struct Format {
    /// The format's name, as shown in manifests and docs (`InputKind::format_name`).
    pub name: &'static str,
    /// Whether a file is in this format, from its first 64 KiB and last 4 KiB.
    pub(crate) sniff: fn(&Peek<'_>) -> bool,
    /// Every trajectory of a file: one item per trajectory, a file-level failure one `Err`.
    pub(crate) read: fn(&Path, &Limits) -> Vec<Result<Trajectory, IngestError>>,
    /// The format only indexes a batch whose trajectories may sit beside it (SWE-bench
    /// predictions): a directory walk skips such a file when trajectories are found with it,
    /// since they carry the same patches and reading both would grade every instance twice.
    pub(crate) batch_index: bool,
    /// The parts of a file this format reads part by part (an Inspect `.eval`: a part per
    /// sample, read on whichever thread reads the part), `None` for a file read whole.
    pub(crate) parts: Option<ReadParts>,
}

/// How a format that reads a file part by part lists its parts (`None`: this file is read whole).
pub(crate) type ReadParts = fn(&Path, &Limits) -> Option<Result<Parts, IngestError>>;

impl Format {
    const fn new(
        name: &'static str,
        sniff: fn(&Peek<'_>) -> bool,
        read: fn(&Path, &Limits) -> Vec<Result<Trajectory, IngestError>>,
    ) -> Self {
        Self { name, sniff, read, batch_index: false, parts: None }
    }

    /// Reads the trajectories of `path`, a file this format's sniff accepted.
    pub(crate) fn read(&self, path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
        (self.read)(path, limits)
    }

    /// The parts of `path` when this format reads it part by part (see `parts`).
    pub(crate) fn parts(&self, path: &Path, limits: &Limits) -> Option<Result<Parts, IngestError>> {
        self.parts.and_then(|parts| parts(path, limits))
    }

    /// Whether walking a directory drops this file beside trajectories (see `batch_index`).
    pub(crate) fn is_batch_index(&self) -> bool {
        self.batch_index
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Formats are told apart by name: names are unique (a test checks).
impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

/// Every external format, in detection order: a file is in the first format whose sniff
/// accepts it. The canonical format and mini-swe-agent (which reads its SWE-bench report and
/// test log with it) are detected before these, in `input.rs`; a file in none of them may be
/// a [`companion`].
pub(crate) static FORMATS: &[Format] = &[
    Format { parts: Some(inspect::parts), ..Format::new("inspect-ai", inspect::sniff, inspect::read) },
    Format::new("atif", atif::sniff, atif::read),
    Format::new("codex-rollout", codex::sniff, codex::read),
    Format::new("claude-code", claude_code::sniff, claude_code::read),
    Format::new("otel-genai", otel::sniff, otel::read),
    Format::new("terminal-bench", terminal_bench::sniff, terminal_bench::read),
    Format::new("swe-agent", swe_agent::sniff, swe_agent::read),
    Format::new("openhands", openhands::sniff, openhands::read),
    // Last: an OpenHands output.jsonl or a SWE-agent trajectory also holds patches.
    Format { batch_index: true, ..Format::new("swe-bench-predictions", swe_agent::sniff_preds, swe_agent::read_preds) },
];

/// The external format a file is in, if any.
pub(crate) fn detect(peek: &Peek<'_>) -> Option<&'static Format> {
    FORMATS.iter().find(|f| (f.sniff)(peek))
}

/// The format named `name` in [`FORMATS`]; a name that is not there fails the build.
pub(crate) const fn named(name: &str) -> &'static Format {
    let mut i = 0;
    while i < FORMATS.len() {
        let f = &FORMATS[i];
        if f.name.len() == name.len() {
            let (a, b) = (f.name.as_bytes(), name.as_bytes());
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return f;
            }
        }
        i += 1;
    }
    panic!("no such format")
}

/// Whether a file is canonical JSON Lines (detected before every external format).
pub(crate) fn sniff_canonical(peek: &Peek<'_>) -> bool {
    peek.head.contains(CANONICAL_MARK)
}

/// What marks a canonical file's head (discovery first looks for it in a file's first 4 KiB).
pub(crate) const CANONICAL_MARK: &str = "\"goalpost-trajectory/";

/// Whether a file is a mini-swe-agent `*.traj.json` (detected right after canonical).
pub(crate) fn sniff_mini_swe_agent(peek: &Peek<'_>) -> bool {
    peek.contains("\"mini-swe-agent") || (has_key(peek.head, "mini_version") && has_key(peek.head, "messages"))
}

/// What a file that is no trajectory but belongs to a run is, if it is such a file: discovery
/// lists it as skipped, with this as the reason, rather than as an error.
///
/// Checked only after every format's sniff has declined the file. Beside an OpenHands
/// evaluation's `output.jsonl` sit its `metadata.json`, one `llm_completions/<id>/*.json` per
/// model call, the harness's `report.json` and per-instance `eval_outputs/<id>/report.json`, and
/// the SWE-bench predictions made from it (`output.swebench.jsonl`, a format of its own, skipped
/// beside trajectories); a Multi-SWE-bench evaluation has a `config.json` and a `patch.jsonl`.
pub(crate) fn companion(peek: &Peek<'_>) -> Option<&'static str> {
    let h = peek.head;
    let anywhere = |key: &str| has_key(h, key) || has_key(peek.tail, key);
    if has_key(h, "patch_successfully_applied") && has_key(h, "patch_exists") {
        Some("a SWE-bench harness report")
    } else if has_key(h, "n_resolved") && has_key(h, "results") {
        Some("a Terminal-Bench run summary")
    } else if has_key(h, "resolved_ids") && has_key(h, "schema_version") {
        Some("an sb-cli report")
    } else if has_key(h, "resolved_ids") && (has_key(h, "total_instances") || has_key(h, "submitted_ids")) {
        Some("a SWE-bench harness run report")
    } else if has_key(h, "trial_name") && (has_key(h, "task_checksum") || has_key(h, "verifier_result")) {
        Some("a Harbor trial result")
    } else if has_key(h, "n_total_trials") || (has_key(h, "job_name") && has_key(h, "trials_dir")) {
        Some("a Harbor job summary")
    } else if has_key(h, "run_id") && has_key(h, "dataset_size") {
        Some("a Terminal-Bench run's metadata")
    } else if has_key(h, "agent_class") && has_key(h, "max_iterations") {
        Some("an OpenHands evaluation's metadata")
    } else if h.trim_start().strip_prefix('{').is_some_and(|r| r.trim_start().starts_with("\"messages\""))
        && anywhere("timestamp")
        && anywhere("cost")
    {
        Some("a logged LLM call (OpenHands `llm_completions/`)")
    } else if has_key(h, "patch_files") && has_key(h, "dataset_files") {
        Some("a Multi-SWE-bench evaluation config")
    } else if has_key(h, "fix_patch") && has_key(h, "org") && has_key(h, "number") {
        Some("Multi-SWE-bench patches (no trajectories)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_its_own_name_and_keeps_it() {
        let names: Vec<_> = FORMATS.iter().map(|f| f.name).collect();
        // Manifests record these names: they never change.
        assert_eq!(
            names,
            [
                "inspect-ai",
                "atif",
                "codex-rollout",
                "claude-code",
                "otel-genai",
                "terminal-bench",
                "swe-agent",
                "openhands",
                "swe-bench-predictions"
            ]
        );
        for f in FORMATS {
            assert!(std::ptr::eq(named(f.name), f), "{} is named twice", f.name);
        }
        use crate::InputKind as K;
        let kinds = [
            (K::Canonical, "goalpost-trajectory"),
            (K::MiniSweAgent { report: None, test_output: None }, "mini-swe-agent"),
            (K::SweAgent, "swe-agent"),
            (K::SweBenchPreds, "swe-bench-predictions"),
            (K::ClaudeCode, "claude-code"),
            (K::Codex, "codex-rollout"),
            (K::OpenHands, "openhands"),
            (K::Inspect, "inspect-ai"),
            (K::Atif, "atif"),
            (K::TerminalBench, "terminal-bench"),
            (K::Otel, "otel-genai"),
        ];
        for (kind, name) in kinds {
            assert_eq!(kind.format_name(), name);
        }
        assert!(FORMATS.iter().filter(|f| f.is_batch_index()).map(|f| f.name).eq(["swe-bench-predictions"]));
    }

    #[test]
    fn keys_are_found_with_any_spacing() {
        assert!(has_key("{\"a\" :\n 1}", "a"));
        assert!(!has_key("{\"b\": \"a\"}", "a"));
        assert!(has_pair("{\"type\":  \"session_meta\"}", "type", "session_meta"));
        assert!(!has_pair("{\"type\": \"message\"}", "type", "session_meta"));
    }
}
