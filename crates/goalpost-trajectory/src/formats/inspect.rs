//! Inspect AI eval logs: a `.json` file (the whole `EvalLog`), or a `.eval` file, a zip holding
//! `header.json` (the log without its samples), `samples/<id>_epoch_<n>.json` (one sample per
//! entry), `summaries.json`, `reductions.json` and `_journal/…`, its entries deflated (older
//! logs) or zstd-compressed (zip method 93, what Inspect writes today).
//!
//! **Versions.** Log versions 1 to 3: from the `transcript` era (0.3.4x: events under
//! `transcript.events`, large strings as `tc://<hash>` in `transcript.content`, solver and
//! scorer `step` events, tool events holding their own `events`) through spans
//! (`span_begin`/`span_end`) and `attachment://<hash>` strings resolved from the sample's
//! `attachments`, to version 3 (0.3.13x), which stores model inputs as `[start, end)` ranges
//! (`input_refs`) into the sample's `message_pool` (current version 2 logs, 0.3.2xx, pool them
//! in `events_data.messages`). Version 1 samples with a single `score`
//! are read too. A higher version is read as version 3 with a warning on `version`. A `.eval`
//! without `header.json` (a run still writing) is read from `_journal/start.json`, and the
//! first `.eval` layout (`start.json` + `results.json`) is read too; a log whose `status` is
//! not `success` (`started`, `cancelled`, `error`) warns on `status`, since samples that had
//! not finished are missing from it. The experimental `.eval2` (chunked, zstd) is not read.
//!
//! **Trajectories.** One per sample and epoch: id `<task>/<sample id>/epoch-<n>` (the task's
//! name, so two logs of the same task repeat ids; the importer keeps both), attempt = epoch,
//! scenario = the task name, agent `inspect-ai/<solver>` (`eval.solver`, else the last step
//! of the plan, which is the one that runs the agent: `generate`, `react`, `basic_agent`),
//! agent revision = the `inspect_ai` package version and the task repository's commit, model =
//! `eval.model`, start = the time of the sample's first event; `elapsed_s` counts from it. A
//! log without samples gives no trajectory and no error, unless its header counts samples
//! (`results.completed_samples`, `results.total_samples`, `eval.dataset.samples`) and the eval
//! logged them (`eval.config.log_samples` not false): a `.json` whose `samples` is null or
//! missing is then one error on `samples`.
//!
//! **Damaged archives.** A `.eval` entry under `samples/` not named `<id>_epoch_<n>.json` (or
//! whose name does not decode), a sample `summaries.json` (or the journal's summaries) lists
//! whose entry is missing, and, without summaries, fewer sample entries than the header's
//! `results.completed_samples`, are each an error on `samples` beside the samples read; an
//! entry that cannot be read or parsed is an error naming it.
//!
//! **Events.** A `model` event is one [`Usage`] (its `output.usage`), the system and user
//! messages of its input not seen before (by message id, else by position and content), the
//! assistant message of its output (text only, not reasoning) and that message's tool calls.
//! A `tool` event adds the call if no model output announced it, then (for `bash`, `python`,
//! `bash_session`) a [`Command`], (for `text_editor` and its aliases, unless it failed) a
//! [`FileEdit`] with a diff built from the arguments, and the [`ToolResult`] (`is_error` =
//! whether Inspect recorded an error). A shell tool's exit code is the `result` of the
//! `sandbox` `exec` event inside the tool's span (Inspect's `bash` tool itself returns only
//! text); a `timeout` error marks the command timed out; a call refused before it ran
//! (`parsing`, `approval`) has no command. Other `sandbox` events: an `exec` is a command with
//! its exit code, carrying the call id of the tool whose span it ran in; a `write_file` is a
//! file edit of op `create` (a whole-file write: whether the file existed before is not
//! recorded, and its content is cut to 100 lines, so no diff); `read_file` is skipped. The
//! `inspect-tool-support` calls through which the built-in editor, browser and session tools
//! talk to the sandbox are plumbing, not commands. Sandbox events of the sample's setup
//! (`init` span) and of the scorers are the harness's, not the agent's, and are skipped; model
//! calls of scorers (`model_graded_fact`) only count as usage, as Inspect counts them in the
//! sample's `model_usage`. `error` events and a model call's `error` are infrastructure
//! errors, `sample_limit` events timeouts (`time`, `working`) or agent errors (token, message,
//! cost and other limits); the sample's own `error` and `limit` are added when no event
//! reported them. `score`, `state`, `store`, `span_*`, `step`, `approval`, `input`, `info` and
//! unknown events are skipped. Old logs that nest a tool's sandbox events in the tool event's
//! `events` are read the same way.
//!
//! **Without events** (version 1, events not recorded, or events that do not carry the tool
//! calls: fewer `tool` events than the calls the messages record; decided per sample, so
//! nothing is counted twice) the sample's `messages` are read:
//! assistant messages and their tool calls, tool messages as results (and commands and edits as
//! above, without exit codes), and `model_usage` as one usage record per model (totals).
//!
//! **Tokens.** `input_tokens` is the whole prompt: Inspect keeps each provider's convention,
//! and where cached tokens are counted apart (Anthropic: `total_tokens = input_tokens +
//! input_tokens_cache_write + input_tokens_cache_read + output_tokens`) they are added back in;
//! otherwise (OpenAI and most others, which count them inside the prompt) `input_tokens` is
//! kept. `cache_read_tokens` is `input_tokens_cache_read`; `cost_usd` is `total_cost` when a
//! newer log records it.
//!
//! **Final state.** The scores Inspect's scorers gave (`scores{name: {value, answer,
//! explanation}}`) are kept as source scores; `exit_status` is `error`, `<type>_limit`, else
//! the stop reason of the sample's last output; `wall_time_s` is `total_time`.
//!
//! **Bare `NaN`.** Python writes NaN and infinite floats as the bare tokens `NaN`, `Infinity`
//! and `-Infinity`, which are not JSON. Outside strings they are rewritten to the strings
//! `"NaN"`, `"Infinity"` and `"-Infinity"` before parsing (line numbers stay the same): a
//! score that is NaN is kept as the string `"NaN"` with a warning, and a number field holding
//! one warns as a wrong type.
//!
//! **Limits.** A `.eval` is refused (one error for the file) when it holds more than
//! `max_zip_entries` entries, when its entries declare more than `max_unzipped_bytes` in all,
//! or when reading its header and summaries yields more than that (counted while
//! decompressing, so a header that lies about sizes cannot get past it); one entry may not
//! expand past `max_file_bytes`. Samples count by the size their entries declare, in entry
//! order, and no entry may expand past what it declares (the zip reader fails it, counting
//! decompressed bytes as they come): the sample entry that would pass a limit is an error,
//! and the archive is read no further, the samples before it kept. This holds for zstd
//! entries as for deflated ones, and the zstd decoder refuses frames asking for a window over
//! 128 MiB before allocating it. Entry names are never used as paths.
//!
//! **Reading.** A `.eval` is read as parts (`Input::parts`): the header and summaries on
//! opening, then a part per sample entry, decompressed, parsed and read by whichever thread
//! reads the part (every sample through its own handle on the file), so the samples of one
//! log are read on every core and memory holds the samples being read, not the log.
//!
//! **What it cannot provide.** Test outcomes (Inspect records only its scorers' verdicts),
//! a final diff, exit codes of commands run through `bash_session`, and line numbers in
//! warnings (a log is one JSON document; fields are named by their path in the sample).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Peek;
use super::edits::{self, is_editor};
use super::time::seconds;
use super::util::{Builder, HeaderParts, cap, guarded, hash, parse_json, read_bounded, split_mcp};
use crate::model::{
    Command, EditOp, ErrorEvent, ErrorKind, FileEdit, FinalState, Message, Record, Role, SourceScore, ToolCall,
    ToolResult, Usage,
};
use crate::{IngestError, Item, Limits, Part, Parts, Trajectory};

/// The newest log version this reader knows.
const NEWEST_VERSION: u64 = 3;

/// How far up the span tree an event is followed (a guard against cycles in a hostile file).
const MAX_SPAN_DEPTH: usize = 256;

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    if peek.magic.starts_with(b"PK\x03\x04") {
        // Entry names are stored in the clear: in the first local header and the directory.
        return ["_journal/start.json", "header.json", "samples/"].iter().any(|n| peek.contains(n));
    }
    // Inspect writes `version` and `status` first, but a rewritten log may put them last.
    let key = |k: &str| super::has_key(peek.head, k) || super::has_key(peek.tail, k);
    key("eval") && key("version") && (key("task") || key("eval_id")) && key("status")
}

/// The trajectories of one file: one per sample and epoch.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    match parts(path, limits) {
        Some(Ok(parts)) => parts.flat_map(|part| part.read(path, *limits)).collect(),
        Some(Err(e)) => vec![Err(e)],
        None => read_json(path, limits).unwrap_or_else(|e| vec![Err(e)]),
    }
}

/// A `.eval` log as parts, in the order [`read`] gives its items: the archive's own errors, a
/// part per sample entry (decompressed, parsed and read by whichever thread reads the part),
/// then the samples found missing. `None` for a `.json` log, which is read whole.
pub(crate) fn parts(path: &Path, limits: &Limits) -> Option<Result<Parts, IngestError>> {
    is_zip(path).then(|| EvalParts::open(path, limits).map(|p| Parts::items(Box::new(p))))
}

fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    fs_err::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"PK\x03\x04"
}

/// A `.json` log: the header and every sample in one document.
fn read_json(path: &Path, limits: &Limits) -> Result<Vec<Result<Trajectory, IngestError>>, IngestError> {
    let (bytes, non_finite) = quote_non_finite(read_bounded(path, limits)?);
    let mut log = parse_json(path, &bytes)?;
    drop(bytes);
    let Value::Object(obj) = &mut log else {
        return Err(IngestError::new(path, None, "an Inspect log is a JSON object"));
    };
    let samples = match obj.remove("samples") {
        None | Some(Value::Null) => None,
        Some(Value::Array(samples)) if samples.is_empty() => None,
        Some(Value::Array(samples)) => Some(samples),
        Some(_) => return Err(IngestError::new(path, None, "expected an array of samples").with_field("samples")),
    };
    let samples = match samples {
        None => {
            // A header that counts samples over a log that holds none: the samples were lost
            // (a header-only copy, a cut rewrite), not absent by design.
            return Ok(match promised_samples(&log) {
                Some((field, n)) => vec![Err(IngestError::new(
                    path,
                    None,
                    format!(
                        "the log holds no samples (`samples` is null, missing or empty) although `{field}` counts {n}"
                    ),
                )
                .with_field("samples"))],
                None => Vec::new(),
            });
        }
        Some(samples) => samples,
    };
    Ok(samples
        .iter()
        .enumerate()
        .map(|(i, sample)| {
            let content = serde_json::to_vec(sample).unwrap_or_default();
            guarded(
                path,
                || format!("`samples[{i}]`"),
                || read_sample(path, limits, &log, sample, &content, non_finite),
            )
            .map_err(|e| if e.field.is_none() { e.with_field(format!("samples[{i}]")) } else { e })
        })
        .collect())
}

/// How many samples a log's header says it has, and the field that says so; `None` when it
/// counts none or the eval was run without logging samples (`eval.config.log_samples` false).
fn promised_samples(log: &Value) -> Option<(&'static str, u64)> {
    if log.pointer("/eval/config/log_samples").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    [
        ("results.completed_samples", "/results/completed_samples"),
        ("results.total_samples", "/results/total_samples"),
        ("eval.dataset.samples", "/eval/dataset/samples"),
    ]
    .into_iter()
    // The first count the log has decides: an eval that completed none promises none, whatever
    // its dataset holds.
    .find_map(|(field, ptr)| Some((field, log.pointer(ptr)?.as_u64()?)))
    .filter(|(_, n)| *n > 0)
}

/// A `.eval` log: `header.json` (or the journal of an unfinished run) and one entry per sample,
/// listed in entry order. The header and the summaries are read on opening; each sample is read
/// by whoever reads its part, so memory holds the samples being read, never the file.
struct EvalParts {
    /// What reading a sample needs: the file, the limits, the header.
    log: Arc<EvalLog>,
    zip: zip::ZipArchive<SharedFile>,
    names: std::vec::IntoIter<(usize, Result<String, String>)>,
    /// Errors found on opening (the central directory's, the summaries'), given first.
    early: VecDeque<IngestError>,
    /// The sample entries the summaries list, and where they list each.
    listed: Vec<(String, String)>,
    /// The sample entries found so far.
    present: HashSet<String>,
    /// Bytes the archive may still expand to: the header and summaries as read, each sample by
    /// the size its entry declares (which the zip reader does not let it pass), counted in entry
    /// order so that which entry passes the limit does not depend on the thread reading it.
    budget: u64,
    /// Errors given once every entry is listed (samples missing), or nothing more at all.
    trailing: Option<VecDeque<IngestError>>,
}

struct EvalLog {
    path: PathBuf,
    limits: Limits,
    header: Value,
}

impl EvalParts {
    fn open(path: &Path, limits: &Limits) -> Result<EvalParts, IngestError> {
        let err = |msg: String| IngestError::new(path, None, msg);
        let len = fs_err::metadata(path).map_err(|e| err(e.to_string()))?.len();
        if len > limits.max_file_bytes {
            return Err(err(format!("file is {len} bytes, over the limit of {}", limits.max_file_bytes)));
        }
        let file = fs_err::File::open(path).map_err(|e| err(e.to_string()))?;
        let mut zip = zip::ZipArchive::new(SharedFile::new(file.into_file(), len))
            .map_err(|e| err(format!("not a readable .eval (zip) archive: {e}")))?;
        if zip.len() > limits.max_zip_entries {
            return Err(err(format!(
                "archive has {} entries, over the limit of {}",
                zip.len(),
                limits.max_zip_entries
            )));
        }
        if let Some(total) = zip.decompressed_size()
            && total > u128::from(limits.max_unzipped_bytes)
        {
            return Err(err(format!(
                "archive declares {total} bytes unzipped, over the limit of {}",
                limits.max_unzipped_bytes
            )));
        }
        let mut budget = limits.max_unzipped_bytes;
        // A name that does not decode is kept as an error: the entry is reported, not skipped.
        let names: Vec<(usize, Result<String, String>)> = (0..zip.len())
            .map(|i| {
                let name = match zip.name_for_index(i) {
                    Some(Ok(name)) => Ok(name.into_owned()),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err("no such entry".to_owned()),
                };
                (i, name)
            })
            .collect();
        let find = |wanted: &str| names.iter().find(|(_, n)| n.as_deref() == Ok(wanted)).map(|(i, _)| *i);
        // The header: `header.json` once the run finished; `_journal/start.json` while it runs;
        // the first `.eval` logs (0.3.4x) wrote `start.json` and, when finished, `results.json`.
        let (start, results) = match (find("header.json"), find("_journal/start.json"), find("start.json")) {
            (Some(i), _, _) => ((i, "header.json"), None),
            (None, Some(i), _) => ((i, "_journal/start.json"), None),
            (None, None, Some(i)) => ((i, "start.json"), find("results.json").map(|r| (r, "results.json"))),
            (None, None, None) => {
                return Err(err("no header.json or _journal/start.json: not an Inspect .eval log".into()));
            }
        };
        let mut read_json_entry = |(index, name): (usize, &str), budget: &mut u64| -> Result<Value, IngestError> {
            let (bytes, _) = quote_non_finite(read_counted(&mut zip, index, name, budget, limits, path)??);
            parse_json(path, &bytes).map_err(|e| in_entry(e, name))
        };
        let mut header = read_json_entry(start, &mut budget)?;
        let results = results.map(|r| read_json_entry(r, &mut budget)).transpose()?;
        if let Value::Object(obj) = &mut header {
            if let Some(Value::Object(results)) = results {
                obj.extend(results);
            }
            // Without a status the run had not finished when the file was copied.
            obj.entry("status").or_insert_with(|| "started".into());
        }
        let mut early = VecDeque::new();
        // Entries the zip library cannot give us: two entries under one name (it keeps one), or
        // an end record that counts fewer entries than the central directory holds (it stops
        // there).
        let listed_entries = central_directory_entries(path, zip.central_directory_start(), limits);
        if zip.has_duplicate_names() || listed_entries.is_some_and(|n| n != zip.len()) {
            let holds = listed_entries.map_or(String::new(), |n| format!("holds {n} entries but "));
            early.push_back(err(format!(
                "the archive's central directory {holds}gives {} readable ones{}: entries are duplicated or miscounted, so samples may be missing",
                zip.len(),
                if zip.has_duplicate_names() { " (some names appear twice)" } else { "" }
            ))
            .with_field("samples"));
        }
        // The samples the log lists: `summaries.json` once finished, the journal's while running.
        let summary_entries: Vec<(usize, &str)> = match find("summaries.json") {
            Some(i) => vec![(i, "summaries.json")],
            None => names
                .iter()
                .filter_map(|(i, n)| {
                    let n = n.as_deref().ok()?;
                    n.strip_prefix("_journal/summaries/").is_some_and(|f| f.ends_with(".json")).then_some((*i, n))
                })
                .collect(),
        };
        let mut listed: Vec<(String, String)> = Vec::new();
        for (index, name) in summary_entries {
            let summaries = match read_counted(&mut zip, index, name, &mut budget, limits, path)? {
                Ok(bytes) => parse_json(path, &quote_non_finite(bytes).0).map_err(|e| in_entry(e, name)),
                Err(e) => Err(e),
            };
            match summaries {
                Ok(Value::Array(summaries)) => {
                    for (k, summary) in summaries.iter().enumerate() {
                        let id = match summary.get("id") {
                            Some(Value::String(id)) => id.clone(),
                            Some(Value::Number(id)) => id.to_string(),
                            _ => continue,
                        };
                        let Some(epoch) = summary.get("epoch").and_then(Value::as_u64) else { continue };
                        listed.push((format!("samples/{id}_epoch_{epoch}.json"), format!("{name}[{k}]")));
                    }
                }
                Ok(_) => early.push_back(err(format!("{name}: expected an array of sample summaries"))),
                Err(e) => early.push_back(e.with_field("summaries")),
            }
        }
        Ok(EvalParts {
            log: Arc::new(EvalLog { path: path.to_owned(), limits: *limits, header }),
            zip,
            names: names.into_iter(),
            early,
            listed,
            present: HashSet::new(),
            budget,
            trailing: None,
        })
    }

    fn err(&self, msg: String) -> IngestError {
        IngestError::new(&self.log.path, None, msg).with_field("samples")
    }

    /// The part of the next entry that makes one: an error, or a sample to read.
    fn entry(&mut self) -> Option<Part> {
        let (limits, path) = (&self.log.limits, self.log.path.as_path());
        for (index, name) in self.names.by_ref() {
            let name = match name {
                Ok(name) => name,
                Err(e) => {
                    let e = format!("entry {index} of the archive has a damaged name ({e}); not read");
                    return Some(Part::Item(Item::error(self.err(e))));
                }
            };
            let Some(file) = name.strip_prefix("samples/") else { continue };
            if file.is_empty() {
                continue; // the folder itself
            }
            if sample_entry(file).is_none() {
                return Some(Part::Item(Item::error(self.err(format!(
                    "`{}` is not named like a sample entry (`samples/<id>_epoch_<n>.json`); not read",
                    name.escape_debug()
                )))));
            }
            self.present.insert(name.clone());
            // Past the limits: the archive is refused from this entry on (what was read stays).
            let cap = self.budget.min(limits.max_file_bytes);
            let declared = self.zip.by_index_data(index).map_or(0, |e| e.size());
            if declared > cap {
                self.names = Vec::new().into_iter();
                self.trailing = Some(VecDeque::new());
                return Some(Part::Item(Item::error(over_limits(&name, limits, path))));
            }
            self.budget -= declared;
            let (log, zip) = (Arc::clone(&self.log), self.zip.clone());
            let len = usize::try_from(declared).unwrap_or(usize::MAX);
            return Some(Part::Item(Item::new(len, move || read_eval_sample(&log, zip.clone(), index, &name, cap))));
        }
        None
    }

    /// The samples the summaries list that the archive lacks, or, without summaries, a header
    /// that counts more completed samples than the archive holds.
    fn missing(&self) -> VecDeque<IngestError> {
        let mut out = VecDeque::new();
        let mut missing_seen = HashSet::new();
        for (entry, listed_at) in &self.listed {
            if !self.present.contains(entry.as_str()) && missing_seen.insert(entry.as_str()) {
                out.push_back(self.err(format!(
                    "`{}` is listed in {listed_at} but the archive has no such entry: the sample is missing",
                    entry.escape_debug()
                )));
            }
        }
        // Without summaries, the header's count of completed samples is what the archive
        // promises.
        let completed = promised_samples(&self.log.header).filter(|(f, _)| *f == "results.completed_samples");
        if self.listed.is_empty()
            && let Some((field, n)) = completed
            && n > self.present.len() as u64
        {
            out.push_back(self.err(format!(
                "the header counts {n} completed samples (`{field}`) but the archive holds {} sample entries",
                self.present.len()
            )));
        }
        out
    }
}

impl Iterator for EvalParts {
    type Item = Part;

    fn next(&mut self) -> Option<Part> {
        if let Some(e) = self.early.pop_front() {
            return Some(Part::Item(Item::error(e)));
        }
        if self.trailing.is_none()
            && let Some(part) = self.entry()
        {
            return Some(part);
        }
        if self.trailing.is_none() {
            self.trailing = Some(self.missing());
        }
        self.trailing.as_mut()?.pop_front().map(|e| Part::Item(Item::error(e)))
    }
}

/// One sample entry of a `.eval` log, decompressed (at most `cap` bytes), parsed and read, a
/// panic in any of it this entry's error.
fn read_eval_sample(
    log: &EvalLog,
    mut zip: zip::ZipArchive<SharedFile>,
    index: usize,
    name: &str,
    cap: u64,
) -> Result<Trajectory, IngestError> {
    let (path, limits) = (log.path.as_path(), &log.limits);
    guarded(
        path,
        || format!("entry `{name}`"),
        || {
            let bytes = read_entry(&mut zip, index, name, cap, limits, path).and_then(|read| read)?;
            let (bytes, non_finite) = quote_non_finite(bytes);
            let sample = parse_json(path, &bytes).map_err(|e| in_entry(e, name))?;
            read_sample(path, limits, &log.header, &sample, &bytes, non_finite)
        },
    )
    .map_err(|e| in_entry(e, name))
}

/// The sample id and epoch of an entry under `samples/` named `<id>_epoch_<n>.json`.
fn sample_entry(file: &str) -> Option<(&str, u64)> {
    // Inspect writes the sample id as it is, `/` included (`django/django-1_epoch_1.json`);
    // entry names are only ever compared, never used as paths.
    let stem = file.strip_suffix(".json")?;
    let (id, epoch) = stem.rsplit_once("_epoch_")?;
    let epoch = epoch.parse().ok().filter(|_| epoch.bytes().all(|b| b.is_ascii_digit()))?;
    (!id.is_empty()).then_some((id, epoch))
}

/// An error inside a zip entry names the entry.
fn in_entry(mut e: IngestError, name: &str) -> IngestError {
    if !e.message.starts_with(name) {
        e.message = format!("{name}: {}", e.message);
    }
    e
}

/// How many entries the central directory starting at `start` really holds, walking its
/// headers (`PK\x01\x02`, 46 bytes, then name, extra field and comment) up to the end record;
/// `None` when it cannot be read or is larger than the limits allow.
fn central_directory_entries(path: &Path, start: u64, limits: &Limits) -> Option<usize> {
    use std::io::SeekFrom;
    let mut f = fs_err::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let size = len.checked_sub(start)?;
    // A central directory header is at least 46 bytes; names are at most 64 KiB each.
    let cap = (limits.max_zip_entries as u64).saturating_mul(46 + 3 * 65_535).min(256 << 20);
    if size > cap {
        return None;
    }
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut cd = Vec::new();
    f.take(size).read_to_end(&mut cd).ok()?;
    let (mut at, mut n) = (0usize, 0usize);
    while cd.get(at..at + 4) == Some(b"PK\x01\x02") {
        let field = |o: usize| cd.get(at + o..at + o + 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])));
        let (name, extra, comment) = (field(28)?, field(30)?, field(32)?);
        at = at.checked_add(46 + name + extra + comment)?;
        n += 1;
    }
    Some(n)
}

/// One entry's bytes, counted against the budget as they are read. The outer error is the
/// file's (a limit was passed: the whole archive is refused); the inner one only this entry's
/// (it is damaged).
fn read_counted<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    budget: &mut u64,
    limits: &Limits,
    path: &Path,
) -> Result<Result<Vec<u8>, IngestError>, IngestError> {
    let read = read_entry(zip, index, name, (*budget).min(limits.max_file_bytes), limits, path)?;
    if let Ok(bytes) = &read {
        *budget -= bytes.len() as u64;
    }
    Ok(read)
}

/// One entry's bytes, at most `cap` of them. The outer error is a limit passed; the inner one
/// a damaged entry.
fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    cap: u64,
    limits: &Limits,
    path: &Path,
) -> Result<Result<Vec<u8>, IngestError>, IngestError> {
    let mut entry = match zip.by_index(index) {
        Ok(entry) => entry,
        Err(e) => return Ok(Err(IngestError::new(path, None, format!("{name}: {e}")))),
    };
    if entry.size() > cap {
        return Err(over_limits(name, limits, path));
    }
    // Room for the size the entry declares (the zip reader fails an entry that passes it), up
    // to 64 MiB: more is grown into as it comes.
    let mut buf = Vec::with_capacity(usize::try_from(entry.size().min(64 << 20)).unwrap_or(0));
    // Counted while reading: the declared size comes from the file and may lie.
    if let Err(e) = (&mut entry).take(cap.saturating_add(1)).read_to_end(&mut buf) {
        return Ok(Err(IngestError::new(path, None, format!("{name}: {e}"))));
    }
    if buf.len() as u64 > cap {
        return Err(over_limits(name, limits, path));
    }
    Ok(Ok(buf))
}

fn over_limits(name: &str, limits: &Limits, path: &Path) -> IngestError {
    IngestError::new(
        path,
        None,
        format!(
            "{name} expands past the limits ({} bytes unzipped in all, {} per entry)",
            limits.max_unzipped_bytes, limits.max_file_bytes
        ),
    )
}

/// The archive's file, shared by the threads that read its entries: each clone has its own
/// position and reads at it, so none moves another's.
#[derive(Debug, Clone)]
struct SharedFile {
    file: Arc<std::fs::File>,
    len: u64,
    pos: u64,
}

impl SharedFile {
    fn new(file: std::fs::File, len: u64) -> SharedFile {
        SharedFile { file: Arc::new(file), len, pos: 0 }
    }
}

impl Read for SharedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_at(&self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        use std::io::SeekFrom;
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(off) => self.len.checked_add_signed(off),
            SeekFrom::Current(off) => self.pos.checked_add_signed(off),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek out of range"))?;
        Ok(self.pos)
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

/// Moves the file's own cursor too, which no reader here uses.
#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

#[cfg(not(any(unix, windows)))]
fn read_at(mut file: &std::fs::File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    static CURSOR: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _moving = CURSOR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    file.seek(std::io::SeekFrom::Start(pos))?;
    file.read(buf)
}

/// Rewrites Python's bare `NaN`, `Infinity` and `-Infinity` outside strings as JSON strings;
/// returns the bytes and how many tokens were rewritten.
fn quote_non_finite(bytes: Vec<u8>) -> (Vec<u8>, usize) {
    use memchr::memmem::find;
    if find(&bytes, b"NaN").is_none() && find(&bytes, b"Infinity").is_none() {
        return (bytes, 0);
    }
    // Where the bare tokens are: strings are skipped whole, to their closing quote.
    let mut tokens: Vec<(usize, &[u8])> = Vec::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'"' => {
                // To the string's end: the next quote no backslash escapes (or the end).
                i += 1;
                loop {
                    match bytes.get(i..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
                        Some(k) if bytes[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
            b'N' | b'I' | b'-' => {
                let rest = &bytes[i..];
                match [&b"NaN"[..], b"Infinity", b"-Infinity"].into_iter().find(|t| rest.starts_with(t)) {
                    Some(t) => {
                        tokens.push((i, t));
                        i += t.len();
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    if tokens.is_empty() {
        return (bytes, 0);
    }
    let mut out = Vec::with_capacity(bytes.len() + 2 * tokens.len());
    let mut from = 0;
    for &(at, t) in &tokens {
        out.extend_from_slice(&bytes[from..at]);
        out.push(b'"');
        out.extend_from_slice(t);
        out.push(b'"');
        from = at + t.len();
    }
    out.extend_from_slice(&bytes[from..]);
    (out, tokens.len())
}

/// One sample × epoch as a trajectory. `log` holds the header fields (`eval`, `plan`, …).
fn read_sample(
    path: &Path,
    limits: &Limits,
    log: &Value,
    sample: &Value,
    content: &[u8],
    non_finite: usize,
) -> Result<Trajectory, IngestError> {
    if !sample.is_object() {
        return Err(IngestError::new(path, None, "a sample is not a JSON object"));
    }
    #[cfg(test)]
    if sample.get("id").and_then(Value::as_str) == Some(tests::PANICS) {
        panic!("a bug this sample trips");
    }
    let known = log.get("version").and_then(Value::as_u64).filter(|v| (1..=NEWEST_VERSION).contains(v));
    let mut b = Builder::new(path, format!("inspect-ai/{}", known.unwrap_or(NEWEST_VERSION)), limits);
    match b.u64(log, "/version", None) {
        Some(1..=NEWEST_VERSION) => {}
        Some(v) => {
            b.warn(None, "version", format!("unknown Inspect log version {v}; read as version {NEWEST_VERSION}"))
        }
        None if log.get("version").is_none_or(Value::is_null) => {
            b.warn(None, "version", format!("no log version; read as version {NEWEST_VERSION}"));
        }
        None => {}
    }
    match b.str(log, "/status", None) {
        Some("success") => {}
        Some("cancelled") => b.warn(None, "status", "the eval was cancelled: samples it had not finished are missing"),
        Some("error") => {
            let why = b.str(log, "/error/message", None).unwrap_or("no message");
            b.warn(
                None,
                "status",
                format!("the eval ended with an error ({}): unfinished samples are missing", why.escape_debug()),
            );
        }
        other => b.warn(
            None,
            "status",
            format!(
                "the log is unfinished (status `{}`): samples still running are missing",
                other.unwrap_or("started").escape_debug()
            ),
        ),
    }
    let mut header = header_parts(&mut b, log, sample);
    let mut r = SampleReader::new(b, sample);
    r.steps();
    let final_state = r.final_state(log, non_finite);
    header.started_at = r.started_at.take();
    r.b.finish(header, Some(final_state), content, 0)
}

/// The header of one sample's trajectory.
fn header_parts(b: &mut Builder, log: &Value, sample: &Value) -> HeaderParts {
    let task = b.str(log, "/eval/task", None).map(str::to_owned);
    let solver = b.str(log, "/eval/solver", None).map(str::to_owned).or_else(|| {
        let steps = b.array(log, "/plan/steps", None).len();
        let last = steps.checked_sub(1)?;
        b.str(log, &format!("/plan/steps/{last}/solver"), None).map(str::to_owned)
    });
    let version = b.str(log, "/eval/packages/inspect_ai", None);
    let commit = b.str(log, "/eval/revision/commit", None);
    let agent_revision = match (version, commit) {
        (Some(v), Some(c)) => Some(format!("{v} (task commit {c})")),
        (Some(v), None) => Some(v.to_owned()),
        (None, Some(c)) => Some(format!("task commit {c}")),
        (None, None) => None,
    };
    let id = match sample.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Null) | None => None,
        Some(_) => {
            b.warn(None, "id", "expected a string or number; ignored");
            None
        }
    };
    let epoch = b.u64(sample, "/epoch", None);
    HeaderParts {
        id: id.map_or_else(String::new, |id| {
            format!("{}/{id}/epoch-{}", task.as_deref().unwrap_or("inspect"), epoch.unwrap_or(1))
        }),
        agent: solver.map_or_else(|| "inspect-ai".to_owned(), |s| format!("inspect-ai/{s}")),
        agent_revision,
        model: b.str(log, "/eval/model", None).map(str::to_owned),
        scenario: task,
        attempt: epoch.map(|e| u32::try_from(e).unwrap_or(u32::MAX)),
        started_at: None,
        // Inspect records the sandbox's kind, not the directory inside it.
        workspace: None,
    }
}

/// What the sandbox recorded of a shell tool's command: its exit code, how long it ran, where.
#[derive(Debug, Clone, Copy, Default)]
struct Exec<'a> {
    exit_code: Option<i32>,
    duration_s: Option<f64>,
    cwd: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
struct Span<'a> {
    parent: Option<&'a str>,
    kind: &'a str,
    name: Option<&'a str>,
}

/// Where an event ran: inside the harness (setup, scorers) or the agent, and inside which tool
/// call (the index of its `tool` event).
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    harness: bool,
    tool: Option<usize>,
}

/// What a first pass over a sample's events learns: the span tree, which tool event each tool
/// span belongs to, which legacy `step` scorer each event is inside, and the exit code of
/// each shell tool call (recorded by the sandbox event inside the call's span).
#[derive(Debug, Default)]
struct Layout<'a> {
    spans: HashMap<&'a str, Span<'a>>,
    tool_at_span: HashMap<&'a str, usize>,
    in_scorer_step: Vec<bool>,
    shell_runs: HashMap<usize, Exec<'a>>,
}

impl<'a> Layout<'a> {
    fn new(events: &'a [Value]) -> Self {
        let mut l = Layout::default();
        let mut steps: Vec<&str> = Vec::new();
        let mut pending: Vec<&'a str> = Vec::new();
        for (i, ev) in events.iter().enumerate() {
            match s(ev, "event") {
                Some("span_begin") => {
                    if let Some(id) = s(ev, "id") {
                        let kind = s(ev, "type").unwrap_or_default();
                        l.spans.insert(id, Span { parent: s(ev, "parent_id"), kind, name: s(ev, "name") });
                        if kind == "tool" {
                            pending.push(id);
                        }
                    }
                }
                Some("step") => match s(ev, "action") {
                    Some("begin") => steps.push(s(ev, "type").unwrap_or_default()),
                    Some("end") => {
                        steps.pop();
                    }
                    _ => {}
                },
                Some("tool") => {
                    // Newer logs write the tool event inside its own span; older ones in the
                    // enclosing span, just before the tool's span begins.
                    let (span, function) = (s(ev, "span_id"), s(ev, "function"));
                    let own = span.filter(|id| {
                        l.spans.get(id).is_some_and(|sp| sp.kind == "tool") && !l.tool_at_span.contains_key(id)
                    });
                    let claimed = own.or_else(|| {
                        pending
                            .iter()
                            .find(|p| l.spans.get(*p).is_some_and(|sp| sp.parent == span && sp.name == function))
                            .copied()
                    });
                    if let Some(id) = claimed {
                        pending.retain(|p| *p != id);
                        l.tool_at_span.insert(id, i);
                    }
                }
                _ => {}
            }
            l.in_scorer_step.push(steps.contains(&"scorer"));
        }
        for (i, ev) in events.iter().enumerate() {
            match s(ev, "event") {
                Some("sandbox") => {
                    let place = l.locate(ev, i);
                    if let Some(t) = place.tool.filter(|_| !place.harness) {
                        l.note_exec(events, t, ev);
                    }
                }
                Some("tool") => {
                    for inner in ev.get("events").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
                        if s(inner, "event") == Some("sandbox") {
                            l.note_exec(events, i, inner);
                        }
                    }
                }
                _ => {}
            }
        }
        l
    }

    /// Remembers the exit code of a shell tool's command (the last one it ran).
    fn note_exec(&mut self, events: &[Value], tool: usize, ev: &'a Value) {
        let is_shell_tool = events.get(tool).and_then(|t| s(t, "function")).is_some_and(is_shell);
        let cmd = s(ev, "cmd");
        if !is_shell_tool || s(ev, "action") != Some("exec") || cmd.is_none_or(is_plumbing) {
            return;
        }
        let time = |k: &str| s(ev, k).and_then(seconds);
        self.shell_runs.insert(
            tool,
            Exec {
                exit_code: ev.get("result").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok()),
                duration_s: time("completed").zip(time("timestamp")).map(|(end, start)| (end - start).max(0.0)),
                cwd: ev.get("options").and_then(|o| s(o, "cwd")),
            },
        );
    }

    /// Where the top-level event `i` ran.
    fn locate(&self, ev: &Value, i: usize) -> Place {
        let mut place = Place { harness: self.in_scorer_step.get(i).copied().unwrap_or(false), tool: None };
        let mut current = s(ev, "span_id");
        for _ in 0..MAX_SPAN_DEPTH {
            let Some(span) = current.and_then(|id| self.spans.get(id).map(|sp| (id, sp))) else { break };
            match span.1.kind {
                "tool" if place.tool.is_none() => place.tool = self.tool_at_span.get(span.0).copied(),
                "init" | "scorer" | "scorers" => place.harness = true,
                _ => {}
            }
            current = span.1.parent;
        }
        place
    }
}

/// Builds one sample's steps. Field names in warnings are paths from the sample's root.
struct SampleReader<'a> {
    b: Builder,
    sample: &'a Value,
    attachments: Option<&'a Map<String, Value>>,
    transcript_content: Option<&'a Map<String, Value>>,
    /// Tool calls a model output announced whose `tool` event (or tool message) has not come
    /// yet, by id. Counted, not a set: some providers reuse ids (the function name).
    announced: HashMap<String, usize>,
    /// System and user messages already recorded (model inputs repeat the conversation).
    inputs_seen: HashSet<String>,
    /// Error messages already recorded, so the sample's `error` is not repeated.
    errors_seen: HashSet<String>,
    limit_seen: bool,
    /// The first event's timestamp, when it is RFC 3339.
    started_at: Option<String>,
    warned_missing_attachment: bool,
    warned_bad_time: bool,
}

impl<'a> SampleReader<'a> {
    fn new(b: Builder, sample: &'a Value) -> Self {
        Self {
            b,
            sample,
            attachments: sample.get("attachments").and_then(Value::as_object),
            transcript_content: sample.pointer("/transcript/content").and_then(Value::as_object),
            announced: HashMap::new(),
            inputs_seen: HashSet::new(),
            errors_seen: HashSet::new(),
            limit_seen: false,
            started_at: None,
            warned_missing_attachment: false,
            warned_bad_time: false,
        }
    }

    /// The steps, from the events when they carry the sample's tool calls (or there are none),
    /// else from its messages: decided per sample, so nothing is counted twice.
    fn steps(&mut self) {
        for ptr in ["/events", "/transcript/events"] {
            let events = self.b.array(self.sample, ptr, None);
            if events.is_empty() {
                continue;
            }
            // Events carry the calls when they hold a `tool` event for each call the messages
            // record (an agent that trims its history may record fewer in its messages).
            let tool_events = events.iter().filter(|e| s(e, "event") == Some("tool")).count();
            if tool_events >= self.message_tool_calls() {
                return self.events(ptr, events);
            }
            break;
        }
        self.messages();
    }

    /// How many tool calls the sample's messages record (calls announced, else results).
    fn message_tool_calls(&self) -> usize {
        let messages = self.sample.get("messages").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let calls: usize = messages
            .iter()
            .filter(|m| s(m, "role") == Some("assistant"))
            .map(|m| m.get("tool_calls").and_then(Value::as_array).map_or(0, Vec::len))
            .fold(0, usize::saturating_add);
        let results = messages.iter().filter(|m| s(m, "role") == Some("tool")).count();
        calls.max(results)
    }

    fn events(&mut self, ptr: &str, events: &'a [Value]) {
        let layout = Layout::new(events);
        for (i, ev) in events.iter().enumerate() {
            let p = format!("{ptr}/{i}");
            let t = self.time(&p, "/timestamp");
            let place = layout.locate(ev, i);
            match s(ev, "event") {
                Some("model") => self.model(&p, t, place.harness),
                Some("tool") if !place.harness => self.tool(ev, &p, t, layout.shell_runs.get(&i).copied()),
                Some("sandbox") if !place.harness => self.sandbox(&p, t, place.tool.and_then(|k| events.get(k))),
                Some("error") => self.error_event(&p, t),
                Some("sample_limit") => self.limit_event(&p, t),
                _ => {}
            }
        }
    }

    /// A model call: new input messages, the assistant's answer and tool calls, usage.
    fn model(&mut self, p: &str, t: Option<f64>, harness: bool) {
        let model = self.str(p, "/model");
        let done = self.time(p, "/completed").or(t);
        if !harness {
            self.inputs(p, t);
            let out = format!("{p}/output/choices/0/message");
            if let Some(message) = self.sample.pointer(&out).filter(|m| m.is_object()) {
                self.assistant(message, &out, done);
            }
        }
        if let Some(error) = self.str(p, "/error").filter(|e| !e.is_empty()) {
            self.errors_seen.insert(error.to_owned());
            self.push(Record::Error(ErrorEvent {
                kind: ErrorKind::Infra,
                message: format!("model call failed: {error}"),
                elapsed_s: done,
            }));
        }
        self.usage(&format!("{p}/output/usage"), model);
    }

    /// The system and user messages of a model call's input that were not recorded yet.
    fn inputs(&mut self, p: &str, t: Option<f64>) {
        let mut messages: Vec<(String, &'a Value)> = Vec::new();
        // The pool: `message_pool` (log version 3), `events_data.messages` (0.3.2xx).
        let (pool, pool_ptr) = match self.sample.get("message_pool").and_then(Value::as_array) {
            Some(pool) => (pool.as_slice(), "/message_pool"),
            None => match self.sample.pointer("/events_data/messages").and_then(Value::as_array) {
                Some(pool) => (pool.as_slice(), "/events_data/messages"),
                None => (&[][..], "/message_pool"),
            },
        };
        for (k, range) in self.b.array(self.sample, &format!("{p}/input_refs"), None).iter().enumerate() {
            let bound = |n: usize| range.get(n).and_then(Value::as_u64).and_then(|v| usize::try_from(v).ok());
            match (bound(0), bound(1)) {
                (Some(start), Some(end)) if start <= end && end <= pool.len() => {
                    messages.extend((start..end).filter_map(|m| Some((format!("{pool_ptr}/{m}"), pool.get(m)?))));
                }
                _ => self.b.warn(
                    None,
                    super::util::pointer_to_field(&format!("{p}/input_refs/{k}")),
                    format!("expected a [start, end) range within the {} pooled messages; ignored", pool.len()),
                ),
            }
        }
        for (k, m) in self.b.array(self.sample, &format!("{p}/input"), None).iter().enumerate() {
            messages.push((format!("{p}/input/{k}"), m));
        }
        for (pos, (mp, m)) in messages.iter().enumerate() {
            let role = match s(m, "role") {
                Some("system") => Role::System,
                Some("user") => Role::User,
                _ => continue,
            };
            let content = self.text_at(mp, "/content");
            let key = match s(m, "id") {
                Some(id) => format!("id {id}"),
                None => format!("{pos} {}", hash(content.as_bytes())),
            };
            if self.inputs_seen.insert(key) {
                self.push(Record::Message(Message { role, content, elapsed_s: t }));
            }
        }
    }

    /// An assistant message and its tool calls.
    fn assistant(&mut self, message: &'a Value, mp: &str, t: Option<f64>) {
        let content = self.text_at(mp, "/content");
        self.push(Record::Message(Message { role: Role::Assistant, content, elapsed_s: t }));
        for k in 0..self.b.array(self.sample, &format!("{mp}/tool_calls"), None).len() {
            let cp = format!("{mp}/tool_calls/{k}");
            let (id, function) = (self.str(&cp, "/id"), self.str(&cp, "/function"));
            let Some(function) = function else { continue };
            if let Some(id) = id {
                *self.announced.entry(id.to_owned()).or_default() += 1;
            }
            let arguments = self.arguments(message.pointer(&format!("/tool_calls/{k}/arguments")));
            self.tool_call(id, function, arguments, t);
        }
    }

    /// Whether a model output already announced the call `id` (which is then taken).
    fn claim(&mut self, id: Option<&str>) -> bool {
        match id.and_then(|id| self.announced.get_mut(id)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    fn tool_call(&mut self, id: Option<&str>, function: &str, arguments: Value, t: Option<f64>) {
        let (tool, plugin) = split_mcp(function);
        self.push(Record::ToolCall(ToolCall { call_id: id.map(str::to_owned), tool, plugin, arguments, elapsed_s: t }));
    }

    /// A `tool` event: the call (unless its model output announced it), what it did, its result.
    fn tool(&mut self, ev: &'a Value, p: &str, t: Option<f64>, exec: Option<Exec<'a>>) {
        let Some(function) = self.str(p, "/function") else { return };
        let id = self.str(p, "/id");
        let arguments = self.arguments(ev.get("arguments"));
        if !self.claim(id) {
            self.tool_call(id, function, arguments.clone(), t);
        }
        let done = self.time(p, "/completed").or(t);
        // Old logs nest the tool's own events in it.
        for k in 0..self.b.array(self.sample, &format!("{p}/events"), None).len() {
            let ip = format!("{p}/events/{k}");
            let it = self.time(&ip, "/timestamp");
            match self.sample.pointer(&ip).and_then(|e| s(e, "event")) {
                Some("sandbox") => self.sandbox(&ip, it, Some(ev)),
                Some("model") => self.model(&ip, it, false),
                _ => {}
            }
        }
        let failed = ev.get("error").is_some_and(|e| !e.is_null())
            || self.b.bool(self.sample, &format!("{p}/failed"), None) == Some(true);
        let outcome = Outcome {
            result: self.text_at(p, "/result"),
            error_type: self.str(p, "/error/type"),
            error_message: self.str(p, "/error/message"),
            failed,
            exec: exec.or_else(|| {
                let started = self.sample.pointer(&format!("{p}/timestamp")).and_then(Value::as_str).and_then(seconds);
                let ended = self.sample.pointer(&format!("{p}/completed")).and_then(Value::as_str).and_then(seconds);
                Some(Exec { duration_s: started.zip(ended).map(|(a, b)| (b - a).max(0.0)), ..Exec::default() })
            }),
        };
        self.outcome(id, function, &arguments, outcome, done);
    }

    /// What a tool call did: a command for a shell tool, an edit for an editor, its result.
    fn outcome(&mut self, id: Option<&str>, function: &str, arguments: &Value, o: Outcome<'a>, t: Option<f64>) {
        let output = match (o.result.is_empty(), o.error_message.filter(|m| !m.is_empty())) {
            (_, None) => o.result,
            (true, Some(m)) => m.to_owned(),
            (false, Some(m)) => format!("{}\n{m}", o.result),
        };
        let refused = matches!(o.error_type, Some("parsing" | "approval"));
        if is_shell(function)
            && !refused
            && let Some(command) = shell_command(function, arguments)
        {
            let exec = o.exec.unwrap_or_default();
            self.push(Record::Command(Command {
                command,
                exit_code: exec.exit_code,
                duration_s: exec.duration_s,
                cwd: exec.cwd.map(str::to_owned),
                output: cap(&output),
                timed_out: o.error_type == Some("timeout"),
                call_id: id.map(str::to_owned),
                elapsed_s: t,
            }));
        }
        if !o.failed && is_editor(function) {
            self.edit(arguments, id, t);
        }
        self.push(Record::ToolResult(ToolResult {
            call_id: id.map(str::to_owned),
            is_error: Some(o.failed),
            output: cap(&output),
            elapsed_s: t,
        }));
    }

    /// A file edit from `text_editor`-style arguments.
    fn edit(&mut self, args: &Value, id: Option<&str>, t: Option<f64>) {
        if let Some(edit) = edits::editor(args) {
            self.push(Record::FileEdit(edit.file_edit(id.map(str::to_owned), t)));
        }
    }

    /// A sandbox action; `owner` is the tool event whose span it ran in.
    fn sandbox(&mut self, p: &str, t: Option<f64>, owner: Option<&'a Value>) {
        let owner_fn = owner.and_then(|o| s(o, "function"));
        let call_id = owner.and_then(|o| s(o, "id")).map(str::to_owned);
        match self.str(p, "/action") {
            Some("exec") => {
                let exit_code = self.b.i64(self.sample, &format!("{p}/result"), None);
                let Some(cmd) = self.str(p, "/cmd") else { return };
                // A shell tool's own command is recorded with its call; plumbing is not a command.
                if owner_fn.is_some_and(is_shell) || is_plumbing(cmd) {
                    return;
                }
                let done = self.time(p, "/completed");
                let output = self.str(p, "/output").map(|o| self.resolve(o)).unwrap_or_default();
                let cwd = self.str(p, "/options/cwd").map(str::to_owned);
                self.push(Record::Command(Command {
                    command: cmd.to_owned(),
                    exit_code: exit_code.and_then(|c| i32::try_from(c).ok()),
                    duration_s: done.zip(t).map(|(d, t)| (d - t).max(0.0)),
                    cwd,
                    output: cap(output),
                    timed_out: false,
                    call_id,
                    elapsed_s: done.or(t),
                }));
            }
            Some("write_file") => {
                let Some(file) = self.str(p, "/file") else { return };
                if owner_fn.is_some_and(is_editor) {
                    return;
                }
                self.push(Record::FileEdit(FileEdit {
                    path: file.to_owned(),
                    op: EditOp::Create,
                    from: None,
                    diff: None,
                    call_id,
                    elapsed_s: t,
                }));
            }
            _ => {}
        }
    }

    fn error_event(&mut self, p: &str, t: Option<f64>) {
        let message = self.str(p, "/error/message").unwrap_or("error").to_owned();
        self.errors_seen.insert(message.clone());
        self.push(Record::Error(ErrorEvent { kind: ErrorKind::Infra, message, elapsed_s: t }));
    }

    fn limit_event(&mut self, p: &str, t: Option<f64>) {
        let kind = self.str(p, "/type").unwrap_or("unknown");
        let message = self.str(p, "/message").map_or_else(|| format!("{kind} limit reached"), str::to_owned);
        self.limit_seen = true;
        self.push(Record::Error(ErrorEvent { kind: limit_kind(kind), message, elapsed_s: t }));
    }

    /// Without events: the conversation the sample ended with, and its total usage.
    fn messages(&mut self) {
        let root = self.sample;
        let mut arguments: HashMap<&'a str, Value> = HashMap::new();
        for (k, m) in self.b.array(root, "/messages", None).iter().enumerate() {
            let mp = format!("/messages/{k}");
            match self.str(&mp, "/role") {
                Some(role @ ("system" | "user")) => {
                    let role = if role == "system" { Role::System } else { Role::User };
                    let content = self.text_at(&mp, "/content");
                    self.push(Record::Message(Message { role, content, elapsed_s: None }));
                }
                Some("assistant") => {
                    for call in m.get("tool_calls").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
                        if let Some(id) = s(call, "id") {
                            let args = self.arguments(call.get("arguments"));
                            arguments.insert(id, args);
                        }
                    }
                    self.assistant(m, &mp, None);
                }
                Some("tool") => {
                    let id = self.str(&mp, "/tool_call_id");
                    let Some(function) = self.str(&mp, "/function") else { continue };
                    let args = id.and_then(|id| arguments.get(id)).cloned().unwrap_or(Value::Null);
                    if !self.claim(id) {
                        self.tool_call(id, function, args.clone(), None);
                    }
                    let outcome = Outcome {
                        result: self.text_at(&mp, "/content"),
                        error_type: self.str(&mp, "/error/type"),
                        error_message: self.str(&mp, "/error/message"),
                        failed: m.get("error").is_some_and(|e| !e.is_null()),
                        exec: None,
                    };
                    self.outcome(id, function, &args, outcome, None);
                }
                _ => {}
            }
        }
        let models: Vec<&'a String> =
            root.get("model_usage").and_then(Value::as_object).map(|m| m.keys().collect()).unwrap_or_default();
        for model in models {
            self.usage(&format!("/model_usage/{}", escape_pointer(model)), Some(model));
        }
    }

    /// One usage record from a `ModelUsage` object.
    fn usage(&mut self, up: &str, model: Option<&str>) {
        if !self.sample.pointer(up).is_some_and(Value::is_object) {
            return;
        }
        let root = self.sample;
        let mut n = |key: &str| self.b.u64(root, &format!("{up}/{key}"), None);
        let (input, output, total) = (n("input_tokens"), n("output_tokens"), n("total_tokens"));
        let (read, write) = (n("input_tokens_cache_read"), n("input_tokens_cache_write"));
        let cost_usd = self.b.f64(root, &format!("{up}/total_cost"), None);
        let cached = read.unwrap_or(0).saturating_add(write.unwrap_or(0));
        let counted_apart = cached > 0
            && matches!((input, output, total), (Some(i), Some(o), Some(t)) if t == i.saturating_add(o).saturating_add(cached));
        self.push(Record::Usage(Usage {
            model: model.map(str::to_owned),
            input_tokens: if counted_apart { input.map(|i| i.saturating_add(cached)) } else { input },
            output_tokens: output,
            cache_read_tokens: read,
            cache_write_tokens: write,
            cost_usd,
        }));
    }

    /// Scores, the sample's error and limit, how it ended.
    fn final_state(&mut self, log: &Value, non_finite: usize) -> FinalState {
        let error = match self.sample.get("error") {
            Some(Value::String(m)) => Some(m.as_str()),
            Some(Value::Object(_)) => self.str("", "/error/message"),
            _ => None,
        };
        if let Some(message) = error.filter(|m| !self.errors_seen.contains(*m)) {
            self.push(Record::Error(ErrorEvent {
                kind: ErrorKind::Infra,
                message: message.to_owned(),
                elapsed_s: None,
            }));
        }
        let limit = self.str("", "/limit/type");
        if let Some(kind) = limit.filter(|_| !self.limit_seen) {
            let of = self.sample.pointer("/limit/limit").map(|l| format!(" of {l}")).unwrap_or_default();
            self.push(Record::Error(ErrorEvent {
                kind: limit_kind(kind),
                message: format!("{kind} limit{of} reached"),
                elapsed_s: None,
            }));
        }
        let exit_status = match (error, limit) {
            (Some(_), _) => Some("error".to_owned()),
            (None, Some(kind)) => Some(format!("{kind}_limit")),
            (None, None) => self.str("", "/output/choices/0/stop_reason").map(str::to_owned),
        };
        FinalState {
            exit_status,
            wall_time_s: self.b.f64(self.sample, "/total_time", None),
            scores: self.scores(log, non_finite),
            ..FinalState::default()
        }
    }

    /// `scores{name: {value, answer, explanation}}`, or a version 1 sample's single `score`.
    fn scores(&mut self, log: &Value, non_finite: usize) -> Vec<SourceScore> {
        let root = self.sample;
        let named: Vec<(String, String)> = match root.get("scores") {
            Some(Value::Object(map)) => {
                map.keys().map(|name| (name.clone(), format!("/scores/{}", escape_pointer(name)))).collect()
            }
            None | Some(Value::Null) if root.get("score").is_some_and(Value::is_object) => {
                let name = log.pointer("/results/scorer/name").and_then(Value::as_str).unwrap_or("score");
                vec![(name.to_owned(), "/score".to_owned())]
            }
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                self.b.warn(None, "scores", "expected an object of scores; ignored");
                Vec::new()
            }
        };
        let mut out = Vec::new();
        for (name, sp) in named {
            let value = root.pointer(&format!("{sp}/value")).map_or(Value::Null, |v| self.resolve_value(v));
            if non_finite > 0 && matches!(value.as_str(), Some("NaN" | "Infinity" | "-Infinity")) {
                self.b.warn(
                    None,
                    super::util::pointer_to_field(&format!("{sp}/value")),
                    format!("the score is {value}, written as a bare token that is not JSON; kept as a string"),
                );
            }
            let answer = self.str(&sp, "/answer").map(|a| self.resolve(a).to_owned());
            let explanation = self.str(&sp, "/explanation").map(|e| self.resolve(e).to_owned());
            out.push(SourceScore { name, value: SourceScore::bounded(value), answer, explanation });
        }
        out
    }

    fn push(&mut self, record: Record) {
        self.b.push(0, record);
    }

    /// A string at `p` + `rel` from the sample's root; another type is a warning.
    fn str(&mut self, p: &str, rel: &str) -> Option<&'a str> {
        self.b.str(self.sample, &format!("{p}{rel}"), None)
    }

    /// Seconds since the sample's first event, from a timestamp at `p` + `rel`.
    fn time(&mut self, p: &str, rel: &str) -> Option<f64> {
        let ts = self.str(p, rel)?;
        if self.b.t0().is_none() && super::time::has_offset(ts) {
            self.started_at = Some(ts.to_owned());
        }
        let secs = seconds(ts);
        if secs.is_none() && !self.warned_bad_time {
            self.warned_bad_time = true;
            let field = super::util::pointer_to_field(&format!("{p}{rel}"));
            self.b.warn(None, field, format!("`{}` is not a timestamp; ignored", ts.escape_debug()));
        }
        self.b.elapsed_epoch(secs)
    }

    /// The text of the message content or tool result at `p` + `rel`, attachments resolved.
    fn text_at(&mut self, p: &str, rel: &str) -> String {
        match self.sample.pointer(&format!("{p}{rel}")) {
            Some(v) => self.text(v),
            None => String::new(),
        }
    }

    /// Text of a string, a content part, or a list of them (not reasoning, not images).
    fn text(&mut self, v: &'a Value) -> String {
        match v {
            Value::String(s) => self.resolve(s).to_owned(),
            Value::Array(parts) => {
                let texts: Vec<String> = parts
                    .iter()
                    .filter_map(|part| match part {
                        Value::String(s) => Some(self.resolve(s).to_owned()),
                        Value::Object(_) => self.part_text(part),
                        _ => None,
                    })
                    .collect();
                texts.join("\n")
            }
            Value::Object(_) => self.part_text(v).unwrap_or_default(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
        }
    }

    fn part_text(&mut self, part: &'a Value) -> Option<String> {
        if s(part, "type").is_some_and(|t| t != "text") {
            return None;
        }
        s(part, "text").map(|t| self.resolve(t).to_owned())
    }

    /// A string with an `attachment://` (or old `tc://`) reference replaced by its content.
    fn resolve(&mut self, s: &'a str) -> &'a str {
        let Some(key) = s.strip_prefix("attachment://").or_else(|| s.strip_prefix("tc://")) else { return s };
        // `tc://` refs (0.3.4x) live in `transcript.content` in JSON logs, in `attachments` in
        // `.eval` logs.
        let found = [self.attachments, self.transcript_content]
            .into_iter()
            .flatten()
            .find_map(|map| map.get(key).and_then(Value::as_str));
        found.unwrap_or_else(|| {
            if !self.warned_missing_attachment {
                self.warned_missing_attachment = true;
                self.b.warn(
                    None,
                    "attachments",
                    format!("`{}` is not among the sample's attachments; kept as written", s.escape_debug()),
                );
            }
            s
        })
    }

    /// A JSON value with every attachment reference in it resolved.
    fn resolve_value(&mut self, v: &'a Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.resolve(s).to_owned()),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.resolve_value(i)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), self.resolve_value(v))).collect()),
            other => other.clone(),
        }
    }

    /// Tool call arguments as a JSON object (a JSON string is parsed), attachments resolved.
    fn arguments(&mut self, v: Option<&'a Value>) -> Value {
        match v {
            Some(Value::String(s)) => match serde_json::from_str::<Value>(self.resolve(s)) {
                Ok(parsed @ Value::Object(_)) => parsed,
                _ => Value::String(s.clone()),
            },
            Some(v) => self.resolve_value(v),
            None => Value::Null,
        }
    }
}

/// What a tool call returned, from a `tool` event or a tool message.
struct Outcome<'a> {
    result: String,
    error_type: Option<&'a str>,
    error_message: Option<&'a str>,
    failed: bool,
    exec: Option<Exec<'a>>,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)?.as_str()
}

/// Inspect's tools that run shell commands (`bash`, `bash_session`, any other shell tool) or
/// code (`python`).
fn is_shell(function: &str) -> bool {
    crate::tools::is_shell_tool(function) || function == "python"
}

/// The command a shell tool call ran: `python` `code`, a `bash_session` input that was
/// submitted, any other shell tool's `command` or `cmd` (`bash` has `cmd`).
fn shell_command(function: &str, args: &Value) -> Option<String> {
    let arg = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_owned);
    match function {
        "python" => arg("code"),
        "bash_session" => match arg("action").as_deref() {
            None | Some("type_submit") => arg("input").or_else(|| arg("command")),
            Some(_) => None,
        },
        _ => crate::tools::shell_command(function, args),
    }
}

/// The channel Inspect's built-in tools use to reach the sandbox, not a command of the agent.
fn is_plumbing(cmd: &str) -> bool {
    cmd.contains("inspect-tool-support") || cmd.contains("inspect_tool_support")
}

fn limit_kind(kind: &str) -> ErrorKind {
    match kind {
        "time" | "working" => ErrorKind::Timeout,
        _ => ErrorKind::Agent,
    }
}

/// A key as one JSON pointer segment.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A sample with this id makes the reader panic (a stand-in for a bug one sample trips).
    pub(super) const PANICS: &str = "panics";

    /// What `quote_non_finite` did before it skipped strings whole: byte by byte.
    fn quote_non_finite_bytewise(bytes: &[u8]) -> (Vec<u8>, usize) {
        let mut out = Vec::new();
        let (mut in_string, mut escaped, mut count, mut i) = (false, false, 0, 0);
        while let Some(&c) = bytes.get(i) {
            let rest = &bytes[i..];
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
                i += 1;
                continue;
            }
            match [&b"NaN"[..], b"Infinity", b"-Infinity"].into_iter().find(|t| rest.starts_with(t)) {
                Some(t) => {
                    out.extend_from_slice(&[&b"\""[..], t, b"\""].concat());
                    count += 1;
                    i += t.len();
                }
                None => {
                    in_string = c == b'"';
                    out.push(c);
                    i += 1;
                }
            }
        }
        (out, count)
    }

    proptest::proptest! {
        #[test]
        fn skipping_strings_whole_quotes_what_the_bytewise_scan_quotes(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["NaN", "Infinity", "-Infinity", "\"", "\\", "N", "a", "-", "I", " ", "x"]),
                0..40,
            )
        ) {
            let bytes = parts.concat().into_bytes();
            proptest::prop_assert_eq!(quote_non_finite(bytes.clone()), quote_non_finite_bytewise(&bytes));
        }
    }

    /// A `.eval` holding `header.json` and one entry per sample id.
    fn eval_of(path: &Path, ids: &[&str]) {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Zstd);
        let header = serde_json::json!({"version": 2, "status": "success", "eval": {"task": "t", "model": "m"}});
        out.start_file("header.json", options).unwrap();
        out.write_all(header.to_string().as_bytes()).unwrap();
        for id in ids {
            let sample = serde_json::json!({
                "id": id,
                "epoch": 1,
                "messages": [
                    {"role": "user", "content": "list the files"},
                    {"role": "assistant", "content": "", "tool_calls": [
                        {"id": "c1", "function": "bash", "arguments": {"cmd": "ls"}}
                    ]},
                    {"role": "tool", "tool_call_id": "c1", "function": "bash", "content": "a.txt"}
                ]
            });
            out.start_file(format!("samples/{id}_epoch_1.json"), options).unwrap();
            out.write_all(sample.to_string().as_bytes()).unwrap();
        }
        fs_err::write(path, out.finish().unwrap().into_inner()).unwrap();
    }

    #[test]
    fn a_panic_reading_one_sample_is_that_samples_error_read_whole_or_by_parts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bug.eval");
        eval_of(&path, &["a", PANICS, "b"]);
        let limits = Limits::default();
        let check = |items: Vec<Result<Trajectory, IngestError>>| {
            assert_eq!(items.len(), 3, "{items:?}");
            assert_eq!(items[0].as_ref().unwrap().header.id, "t/a/epoch-1");
            assert_eq!(items[2].as_ref().unwrap().header.id, "t/b/epoch-1");
            let e = items[1].as_ref().unwrap_err();
            assert!(e.bug, "{e}");
            assert!(e.message.starts_with("samples/panics_epoch_1.json: "), "{e}");
            assert!(e.message.contains("a bug this sample trips"), "{e}");
        };
        check(read(&path, &limits));
        let input = crate::Input { path: path.clone(), kind: crate::InputKind::Inspect };
        check(input.read(limits).collect());
        // Part by part, on other threads, in reverse: the same items.
        let parts: Vec<Part> = input.parts(limits).unwrap().unwrap().collect();
        let mut items: Vec<_> = std::thread::scope(|s| {
            let reads: Vec<_> = parts.iter().rev().map(|p| s.spawn(|| p.read(&path, limits))).collect();
            reads.into_iter().flat_map(|r| r.join().unwrap()).collect()
        });
        items.reverse();
        check(items);
    }

    #[test]
    fn bare_non_finite_tokens_become_strings_outside_strings_only() {
        let (out, n) = quote_non_finite(br#"{"a": NaN, "b": "NaN \" Infinity", "c": [-Infinity, Infinity]}"#.to_vec());
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a": "NaN", "b": "NaN \" Infinity", "c": ["-Infinity", "Infinity"]}"#
        );
        let (out, n) = quote_non_finite(b"{\"a\": 1}".to_vec());
        assert_eq!((out.as_slice(), n), (&b"{\"a\": 1}"[..], 0));
    }
}
