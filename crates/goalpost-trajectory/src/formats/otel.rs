//! OpenTelemetry GenAI spans exported as OTLP JSON: one `{"resourceSpans":[…]}` document per
//! file (an OTLP/HTTP request body), or one per line as the collector's file exporter writes
//! them (documents may also simply follow each other).
//!
//! Each trace (spans grouped by `traceId`, in start-time order) is one trajectory; an
//! `invoke_agent` span names the agent (`gen_ai.agent.name`, else `gen_ai.agent.id`, else the
//! resource's `service.name`). Both generations of the GenAI semantic conventions are read:
//! 1.37 and later (`gen_ai.provider.name`, `gen_ai.input.messages` / `output.messages` /
//! `system_instructions` as attributes or on a `gen_ai.client.inference.operation.details`
//! event) and earlier ones (`gen_ai.system`, per-message span events `gen_ai.user.message`,
//! `gen_ai.choice`, …, the older `gen_ai.content.prompt` / `completion` events and indexed
//! `gen_ai.prompt.N.*` attributes), as are span names of the form `gen_ai.execute_tool`.
//!
//! What it provides: messages (deduplicated, since every inference span repeats the history
//! it was given); one [`Usage`] per inference span (`chat`, `generate_content`,
//! `text_completion`) with `gen_ai.usage.input_tokens` as recorded (the conventions count
//! cached prompt tokens in it), `output_tokens` and `cache_read.input_tokens`; agent spans'
//! own usage only when the trace has no inference span carrying usage, so nothing is counted
//! twice; every `execute_tool` span as a tool call (`gen_ai.tool.name`, `call.id`,
//! `call.arguments`) and result (`is_error` from an ERROR status or `error.type`); a shell
//! tool (bash, shell, exec_command, … with a `command` argument) also as a command; edits
//! through the editing tools `formats::edits` reads (`apply_patch`, the `str_replace_editor`
//! family, `Write`, `Edit`, `MultiEdit`, …) as file edits. When a
//! trace has no `execute_tool` span, the tool calls and results in the messages stand in.
//!
//! What it cannot: exit codes unless an attribute records one (`process.exit.code`); cost;
//! file edits through other tools; anything the instrumentation did not capture (message
//! content and tool arguments are opt-in).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::Peek;
use super::codex::split_mcp;
use super::edits;
use super::util::{Builder, HeaderParts, cap, pointer_to_field, read_bounded};
use crate::model::{Command, ErrorEvent, ErrorKind, FinalState, Message, Record, Role, ToolCall, ToolResult, Usage};
use crate::{IngestError, Limits, Trajectory};

/// The newest semantic-conventions minor version this reader was written against.
const KNOWN_SEMCONV_MINOR: u64 = 44;

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    super::has_key(peek.head, "resourceSpans")
}

/// One trajectory per trace in the file.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    let bytes = match read_bounded(path, limits) {
        Ok(b) => b,
        Err(e) => return vec![Err(e)],
    };
    let docs = match documents(path, &bytes, limits) {
        Ok(d) => d,
        Err(e) => return vec![Err(e)],
    };
    let mut notes = Vec::new();
    let traces = group_by_trace(&docs, &mut notes);
    let out: Vec<_> = traces
        .into_iter()
        .filter_map(|(trace_id, spans)| {
            crate::isolate::isolate(|| read_trace(path, limits, &notes, &trace_id, &spans)).unwrap_or_else(|panic| {
                Some(Err(IngestError::reader_bug(path, &format!("trace `{}`", trace_id.escape_debug()), &panic)))
            })
        })
        .collect();
    if out.is_empty() {
        return vec![Err(IngestError::new(path, None, "no GenAI spans (gen_ai.* attributes) in this trace export"))];
    }
    out
}

/// One JSON document of the file and the line it starts on.
struct Doc {
    line: u64,
    value: Value,
}

/// Every JSON document of the file: one, or one per line, or any whitespace-separated run.
fn documents(path: &Path, bytes: &[u8], limits: &Limits) -> Result<Vec<Doc>, IngestError> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    let (mut line, mut counted) = (1u64, 0usize);
    loop {
        let before = stream.byte_offset();
        let Some(item) = stream.next() else { break };
        let value = item.map_err(|e| {
            let msg = if e.is_eof() { format!("truncated JSON: {e}") } else { e.to_string() };
            IngestError::new(path, (e.line() > 0).then_some(e.line() as u64), msg)
        })?;
        let start = bytes
            .get(before..)
            .and_then(|rest| rest.iter().position(|b| !b.is_ascii_whitespace()))
            .map_or(before, |p| before + p);
        line += bytes.get(counted..start).map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count() as u64);
        counted = start;
        if stream.byte_offset().saturating_sub(start) > limits.max_line_bytes {
            return Err(IngestError::new(
                path,
                Some(line),
                format!("document is longer than the limit of {} bytes", limits.max_line_bytes),
            ));
        }
        docs.push(Doc { line, value });
    }
    Ok(docs)
}

/// A span as found in the file, with what it inherits from its resource and scope.
struct RawSpan<'a> {
    span: &'a Value,
    line: u64,
    resource: &'a Value,
    schema_url: Option<&'a str>,
}

/// Something odd about the file's structure, reported on every trajectory read from it.
struct Note {
    line: u64,
    field: String,
    message: String,
}

/// Spans grouped by trace id, traces in order of first appearance.
fn group_by_trace<'a>(docs: &'a [Doc], notes: &mut Vec<Note>) -> Vec<(String, Vec<RawSpan<'a>>)> {
    let mut traces: Vec<(String, Vec<RawSpan<'a>>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut note = |line, field: String, message: &str| notes.push(Note { line, field, message: message.to_owned() });
    for doc in docs {
        let Some(resource_spans) = doc.value.get("resourceSpans") else {
            // Logs or metrics from the same exporter: not spans, nothing to read.
            continue;
        };
        let Some(resource_spans) = resource_spans.as_array() else {
            note(doc.line, "resourceSpans".to_owned(), "expected an array; ignored");
            continue;
        };
        for (i, rs) in resource_spans.iter().enumerate() {
            let resource = rs.pointer("/resource/attributes").unwrap_or(&Value::Null);
            let scopes = rs.get("scopeSpans").or_else(|| rs.get("instrumentationLibrarySpans"));
            let Some(scopes) = scopes.and_then(Value::as_array) else {
                note(doc.line, format!("resourceSpans[{i}].scopeSpans"), "expected an array; ignored");
                continue;
            };
            for (j, ss) in scopes.iter().enumerate() {
                let schema_url = ss
                    .get("schemaUrl")
                    .and_then(Value::as_str)
                    .or_else(|| rs.get("schemaUrl").and_then(Value::as_str))
                    .filter(|s| !s.is_empty());
                let Some(spans) = ss.get("spans").and_then(Value::as_array) else {
                    note(doc.line, format!("resourceSpans[{i}].scopeSpans[{j}].spans"), "expected an array; ignored");
                    continue;
                };
                for span in spans {
                    let trace_id = span.get("traceId").and_then(Value::as_str).unwrap_or_default().to_owned();
                    let n = *index.entry(trace_id.clone()).or_insert_with(|| {
                        traces.push((trace_id, Vec::new()));
                        traces.len() - 1
                    });
                    if let Some((_, v)) = traces.get_mut(n) {
                        v.push(RawSpan { span, line: doc.line, resource, schema_url });
                    }
                }
            }
        }
    }
    traces
}

/// What kind of GenAI operation a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Agent,
    Inference,
    Tool,
    Other,
}

/// A span with its attributes decoded from OTLP's typed values into plain JSON.
struct Span {
    line: u64,
    name: String,
    span_id: String,
    parent: String,
    start: Option<u64>,
    end: Option<u64>,
    attrs: Value,
    events: Vec<(String, Value)>,
    /// `Some(true)` for ERROR, `Some(false)` for OK, `None` when unset.
    error: Option<bool>,
    status_message: Option<String>,
    op: Op,
}

impl Span {
    fn attr(&self, key: &str) -> Option<&Value> {
        self.attrs.get(key).filter(|v| !v.is_null())
    }

    fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(Value::as_str)
    }

    fn seconds(&self) -> Option<f64> {
        Some(self.end?.checked_sub(self.start?)? as f64 / 1e9)
    }
}

/// A message of a model call's input or output, whichever convention recorded it.
#[derive(Debug, Default)]
struct Msg {
    role: Option<Role>,
    text: String,
    calls: Vec<(Option<String>, String, Value)>,
    results: Vec<(Option<String>, String)>,
}

/// The trajectory of one trace, or `None` when it has no GenAI span.
fn read_trace(
    path: &Path,
    limits: &Limits,
    notes: &[Note],
    trace_id: &str,
    raw: &[RawSpan<'_>],
) -> Option<Result<Trajectory, IngestError>> {
    let (version, unknown) = version_of(raw);
    let mut r = TraceReader {
        b: Builder::new(path, format!("otel-genai/{version}"), limits),
        seen: HashSet::new(),
        pending: HashMap::new(),
        answered: HashSet::new(),
    };
    let mut spans: Vec<Span> = raw.iter().map(|s| r.decode(s)).collect();
    if spans.iter().all(|s| s.op == Op::Other) {
        return None;
    }
    for n in notes {
        r.b.warn(Some(n.line), n.field.clone(), n.message.clone());
    }
    if let Some((line, url)) = unknown {
        let msg = format!(
            "semantic conventions `{}` are newer than this reader knows (1.{KNOWN_SEMCONV_MINOR}); read as 1.{KNOWN_SEMCONV_MINOR}",
            url.escape_debug()
        );
        r.b.warn(Some(line), "schemaUrl", msg);
    }
    // Start-time order; the sort is stable, so spans without a start keep file order.
    spans.sort_by_key(|s| s.start.unwrap_or(0));
    let header = header(trace_id, &spans, raw.first().map(|s| s.resource));
    r.steps(&spans);
    let first = spans.iter().filter_map(|s| s.start).min();
    let last = spans.iter().filter_map(|s| s.end).max();
    let final_state = first
        .zip(last)
        .and_then(|(a, z)| z.checked_sub(a))
        .map(|ns| FinalState { wall_time_s: Some(ns as f64 / 1e9), ..FinalState::default() });
    let content: Vec<u8> = raw.iter().flat_map(|s| serde_json::to_vec(s.span).unwrap_or_default()).collect();
    Some(r.b.finish(header, final_state, &content, raw.first().map_or(0, |s| s.line)))
}

/// The conventions' version: the schema URL's when the export names one, else which
/// generation the attributes belong to. A schema newer than this reader knows is returned
/// too, with its line, to be warned about.
fn version_of(raw: &[RawSpan<'_>]) -> (String, Option<(u64, String)>) {
    if let Some((line, url)) = raw.iter().find_map(|s| Some((s.line, s.schema_url?))) {
        let v = url.rsplit('/').next().unwrap_or(url);
        let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
        if let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) {
            let unknown = (major != 1 || minor > KNOWN_SEMCONV_MINOR).then(|| (line, url.to_owned()));
            return (v.to_owned(), unknown);
        }
        return (v.to_owned(), Some((line, url.to_owned())));
    }
    let newer =
        ["gen_ai.provider.name", "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions"];
    let is_newer = raw.iter().any(|s| {
        s.span.get("attributes").and_then(Value::as_array).is_some_and(|a| {
            a.iter().any(|kv| kv.get("key").and_then(Value::as_str).is_some_and(|k| newer.contains(&k)))
        })
    });
    ((if is_newer { "1.37+" } else { "pre-1.37" }).to_owned(), None)
}

/// The header: the trace id, the agent an `invoke_agent` span names (else the service), the
/// first model called.
fn header(trace_id: &str, spans: &[Span], resource: Option<&Value>) -> HeaderParts {
    let agent_span = spans.iter().find(|s| s.op == Op::Agent);
    let service = |key: &str| resource.and_then(|r| raw_string_attr(r, key));
    let agent = agent_span
        .and_then(|s| {
            s.attr_str("gen_ai.agent.name")
                .or_else(|| s.attr_str("gen_ai.agent.id"))
                .map(str::to_owned)
                .or_else(|| s.name.split_once(' ').map(|(_, n)| n.trim().to_owned()).filter(|n| !n.is_empty()))
        })
        .or_else(|| service("service.name"));
    let agent_revision = agent_span
        .and_then(|s| s.attr_str("gen_ai.agent.version").map(str::to_owned))
        .or_else(|| service("service.version"));
    let model_of = |s: &Span| {
        s.attr_str("gen_ai.response.model").or_else(|| s.attr_str("gen_ai.request.model")).map(str::to_owned)
    };
    let model =
        spans.iter().filter(|s| s.op == Op::Inference).find_map(model_of).or_else(|| agent_span.and_then(model_of));
    let started_at = spans
        .iter()
        .filter_map(|s| s.start)
        .min()
        .and_then(|ns| jiff::Timestamp::from_nanosecond(i128::from(ns)).ok())
        .map(|t| t.to_string());
    HeaderParts {
        id: trace_id.to_owned(),
        agent: agent.unwrap_or_default(),
        agent_revision,
        model,
        scenario: None,
        attempt: None,
        started_at,
        workspace: None,
    }
}

/// A string attribute from a raw OTLP attribute list.
fn raw_string_attr(list: &Value, key: &str) -> Option<String> {
    list.as_array()?
        .iter()
        .find(|kv| kv.get("key").and_then(Value::as_str) == Some(key))
        .and_then(|kv| kv.pointer("/value/stringValue"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

struct TraceReader {
    b: Builder,
    /// Messages already emitted, by [`seen_key`].
    seen: HashSet<String>,
    /// Tool calls read from messages and not yet answered: call id → its shell command.
    pending: HashMap<String, Option<String>>,
    /// Call ids whose result is already in the trajectory.
    answered: HashSet<String>,
}

impl TraceReader {
    fn decode(&mut self, r: &RawSpan<'_>) -> Span {
        let s = r.span;
        let line = Some(r.line);
        let name = self.b.str(s, "/name", line).unwrap_or_default().to_owned();
        let span_id = s.get("spanId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let parent = s.get("parentSpanId").and_then(Value::as_str).unwrap_or_default().to_owned();
        let start = self.nanos(s, "/startTimeUnixNano", r.line);
        let end = self.nanos(s, "/endTimeUnixNano", r.line);
        let attrs = self.attributes(s.get("attributes"), "attributes", r.line);
        let mut events = Vec::new();
        for (k, e) in self.b.array(s, "/events", line).iter().enumerate() {
            let event_name = e.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let a = self.attributes(e.get("attributes"), &format!("events[{k}].attributes"), r.line);
            events.push((event_name, a));
        }
        let error = match s.pointer("/status/code") {
            Some(Value::Number(n)) => match n.as_u64() {
                Some(2) => Some(true),
                Some(1) => Some(false),
                _ => None,
            },
            Some(Value::String(c)) => match c.as_str() {
                "STATUS_CODE_ERROR" | "ERROR" => Some(true),
                "STATUS_CODE_OK" | "OK" => Some(false),
                _ => None,
            },
            _ => None,
        };
        let status_message =
            s.pointer("/status/message").and_then(Value::as_str).filter(|m| !m.is_empty()).map(str::to_owned);
        let op = op_of(&name, &attrs);
        Span { line: r.line, name, span_id, parent, start, end, attrs, events, error, status_message, op }
    }

    /// A time in nanoseconds since the epoch (OTLP JSON writes 64-bit integers as strings).
    fn nanos(&mut self, s: &Value, ptr: &str, line: u64) -> Option<u64> {
        let n = match s.pointer(ptr)? {
            Value::String(t) => match t.parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    let msg = format!("`{}` is not a number of nanoseconds; ignored", t.escape_debug());
                    self.b.warn(Some(line), pointer_to_field(ptr), msg);
                    None
                }
            },
            _ => self.b.u64(s, ptr, Some(line)),
        };
        n.filter(|n| *n > 0)
    }

    /// OTLP's `[{key, value: {stringValue|intValue|…}}]` as a JSON object; a value of the
    /// wrong type is a warning naming the attribute.
    fn attributes(&mut self, list: Option<&Value>, field: &str, line: u64) -> Value {
        let mut map = Map::new();
        let Some(list) = list.filter(|l| !l.is_null()) else { return Value::Object(map) };
        let Some(items) = list.as_array() else {
            self.b.warn(Some(line), field, "expected an array; ignored");
            return Value::Object(map);
        };
        for kv in items {
            let Some(key) = kv.get("key").and_then(Value::as_str) else { continue };
            match any_value(kv.get("value").unwrap_or(&Value::Null)) {
                Ok(v) => {
                    map.insert(key.to_owned(), v);
                }
                Err(why) => self.b.warn(Some(line), key, format!("{why}; ignored")),
            }
        }
        Value::Object(map)
    }

    fn steps(&mut self, spans: &[Span]) {
        let tool_spans = spans.iter().any(|s| s.op == Op::Tool);
        let inference_usage = spans.iter().any(|s| s.op == Op::Inference && has_usage(s));
        // Times relative to the trace's first span, in nanoseconds until the last moment:
        // seconds since 1970 as f64 would lose the sub-microsecond part.
        let t0 = spans.iter().filter_map(|s| s.start).min().unwrap_or(0);
        let since = |t: Option<u64>| t.and_then(|t| t.checked_sub(t0)).map(|ns| ns as f64 / 1e9);
        // A tool span that records no result takes the one a later model call was given.
        let mut given: HashMap<String, String> = HashMap::new();
        for s in spans.iter().filter(|s| s.op == Op::Inference) {
            for (id, output) in messages(s).0.into_iter().flat_map(|m| m.results) {
                if let Some(id) = id {
                    given.entry(id).or_insert(output);
                }
            }
        }
        let mut agents = Vec::new();
        for s in spans {
            let elapsed = self.b.elapsed_epoch(since(s.start));
            match s.op {
                Op::Agent => {
                    let (inputs, outputs) = messages(s);
                    self.inputs(s.line, inputs, !tool_spans, elapsed);
                    agents.push((s, outputs));
                    if !inference_usage && has_usage(s) && is_root(s, spans) {
                        self.usage(s);
                    }
                }
                Op::Inference => {
                    let (inputs, outputs) = messages(s);
                    self.inputs(s.line, inputs, !tool_spans, elapsed);
                    self.outputs(s.line, outputs, !tool_spans, false, elapsed);
                    self.usage(s);
                    if s.error == Some(true) {
                        let e = ErrorEvent { kind: ErrorKind::Infra, message: failure(s), elapsed_s: elapsed };
                        self.b.push(s.line, Record::Error(e));
                    }
                }
                Op::Tool => self.tool(s, &given, elapsed),
                Op::Other => {}
            }
        }
        // An agent's answer repeats its last model call's: agents end after their children,
        // innermost first, and only what no model call recorded is kept.
        for (s, outputs) in agents.into_iter().rev() {
            let end = self.b.elapsed_epoch(since(s.end));
            self.outputs(s.line, outputs, false, true, end);
            if s.error == Some(true) {
                let e = ErrorEvent { kind: ErrorKind::Agent, message: failure(s), elapsed_s: end };
                self.b.push(s.line, Record::Error(e));
            }
        }
        let mut unanswered: Vec<(String, Option<String>)> = self.pending.drain().collect();
        unanswered.sort();
        for (id, command) in unanswered {
            if let Some(command) = command {
                self.b.push(0, Record::Command(shell(command, None, String::new(), Some(id), None)));
            }
        }
    }

    /// A model call's input: messages not seen before; tool results when no tool span has them.
    fn inputs(&mut self, line: u64, msgs: Vec<Msg>, from_messages: bool, elapsed: Option<f64>) {
        for m in msgs {
            if let Some(role @ (Role::System | Role::User | Role::Assistant)) = m.role
                && !m.text.is_empty()
                && self.seen.insert(seen_key(role, &m.text))
            {
                self.b.push(line, Record::Message(Message { role, content: m.text, elapsed_s: elapsed }));
            }
            if !from_messages {
                continue;
            }
            for (id, output) in m.results {
                let fresh = match &id {
                    Some(id) => self.answered.insert(id.clone()),
                    None => self.seen.insert(seen_key(Role::Tool, &output)),
                };
                if !fresh {
                    continue;
                }
                if let Some(command) = id.as_ref().and_then(|id| self.pending.remove(id)).flatten() {
                    self.b.push(line, Record::Command(shell(command, None, cap(&output), id.clone(), elapsed)));
                }
                let r = ToolResult { call_id: id, is_error: None, output: cap(&output), elapsed_s: elapsed };
                self.b.push(line, Record::ToolResult(r));
            }
        }
    }

    /// A model call's output; tool calls from it when no tool span records them.
    fn outputs(&mut self, line: u64, msgs: Vec<Msg>, from_messages: bool, only_new: bool, elapsed: Option<f64>) {
        for m in msgs {
            let role = m.role.unwrap_or(Role::Assistant);
            if role != Role::Tool && !m.text.is_empty() && (self.seen.insert(seen_key(role, &m.text)) || !only_new) {
                self.b.push(line, Record::Message(Message { role, content: m.text, elapsed_s: elapsed }));
            }
            if !from_messages {
                continue;
            }
            for (id, name, arguments) in m.calls {
                let (tool, plugin) = split_mcp(&name);
                let command = crate::tools::shell_command(&tool, &arguments);
                let call = ToolCall { call_id: id.clone(), tool, plugin, arguments, elapsed_s: elapsed };
                self.b.push(line, Record::ToolCall(call));
                match id {
                    Some(id) => {
                        self.pending.insert(id, command);
                    }
                    None => {
                        if let Some(command) = command {
                            self.b.push(line, Record::Command(shell(command, None, String::new(), None, elapsed)));
                        }
                    }
                }
            }
        }
    }

    fn usage(&mut self, s: &Span) {
        let usage = Usage {
            model: s
                .attr_str("gen_ai.response.model")
                .or_else(|| s.attr_str("gen_ai.request.model"))
                .map(str::to_owned),
            input_tokens: self.count(s, &INPUT_TOKENS),
            output_tokens: self.count(s, &OUTPUT_TOKENS),
            cache_read_tokens: self.count(s, &CACHE_READ_TOKENS),
            cache_write_tokens: None,
            cost_usd: None,
        };
        self.b.push(s.line, Record::Usage(usage));
    }

    /// The first of `keys` the span has, as a token count.
    fn count(&mut self, s: &Span, keys: &[&str]) -> Option<u64> {
        let key = keys.iter().find(|k| s.attr(k).is_some())?;
        self.b.u64(&s.attrs, &attr_ptr(key), Some(s.line))
    }

    /// An `execute_tool` span: the call, the command when it is a shell, the result, edits.
    fn tool(&mut self, s: &Span, given: &HashMap<String, String>, elapsed: Option<f64>) {
        let line = Some(s.line);
        let name = self
            .b
            .str(&s.attrs, &attr_ptr("gen_ai.tool.name"), line)
            .map(str::to_owned)
            .or_else(|| s.name.split_once(' ').map(|(_, n)| n.trim().to_owned()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        let call_id = self.b.str(&s.attrs, &attr_ptr("gen_ai.tool.call.id"), line).map(str::to_owned);
        let arguments = s.attr("gen_ai.tool.call.arguments").map(structured).unwrap_or(Value::Null);
        let output = s
            .attr("gen_ai.tool.call.result")
            .map(plain_text)
            .or_else(|| call_id.as_ref().and_then(|id| given.get(id)).cloned())
            .unwrap_or_default();
        let is_error = if s.attr("error.type").is_some() { Some(true) } else { s.error };
        let (tool, plugin) = split_mcp(&name);
        let command = crate::tools::shell_command(&tool, &arguments);
        let edits = if is_error == Some(true) { Vec::new() } else { edits::from_call(&tool, &arguments) };
        let call =
            ToolCall { call_id: call_id.clone(), tool, plugin, arguments: arguments.clone(), elapsed_s: elapsed };
        self.b.push(s.line, Record::ToolCall(call));
        if let Some(command) = command {
            let exit_code =
                self.b.i64(&s.attrs, &attr_ptr("process.exit.code"), line).and_then(|c| i32::try_from(c).ok());
            let cwd = ["workdir", "cwd", "working_directory", "directory"]
                .iter()
                .find_map(|k| arguments.get(k).and_then(Value::as_str))
                .map(str::to_owned);
            let mut c = shell(command, exit_code, cap(&output), call_id.clone(), elapsed);
            c.duration_s = s.seconds();
            c.cwd = cwd;
            self.b.push(s.line, Record::Command(c));
        }
        if let Some(id) = &call_id {
            self.answered.insert(id.clone());
        }
        let result = ToolResult { call_id: call_id.clone(), is_error, output: cap(&output), elapsed_s: elapsed };
        self.b.push(s.line, Record::ToolResult(result));
        for edit in edits {
            self.b.push(s.line, Record::FileEdit(edit.file_edit(call_id.clone(), elapsed)));
        }
    }
}

const INPUT_TOKENS: [&str; 2] = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"];
const OUTPUT_TOKENS: [&str; 2] = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"];
const CACHE_READ_TOKENS: [&str; 2] = ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"];

/// A message's identity for deduplication (`Role` has no `Hash`).
fn seen_key(role: Role, text: &str) -> String {
    format!("{role:?}\u{0}{text}")
}

fn has_usage(s: &Span) -> bool {
    INPUT_TOKENS.iter().chain(&OUTPUT_TOKENS).any(|k| s.attr(k).is_some())
}

fn is_root(s: &Span, spans: &[Span]) -> bool {
    s.parent.is_empty() || !spans.iter().any(|o| o.span_id == s.parent)
}

/// What a failed span says about its failure.
fn failure(s: &Span) -> String {
    s.status_message
        .clone()
        .or_else(|| s.attr_str("error.type").map(str::to_owned))
        .unwrap_or_else(|| format!("span `{}` failed", s.name.escape_debug()))
}

/// The JSON pointer of an attribute in a decoded attribute object.
fn attr_ptr(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn shell(
    command: String,
    exit_code: Option<i32>,
    output: String,
    call_id: Option<String>,
    elapsed: Option<f64>,
) -> Command {
    Command { command, exit_code, duration_s: None, cwd: None, output, timed_out: false, call_id, elapsed_s: elapsed }
}

/// The GenAI operation of a span, from `gen_ai.operation.name` or else its name's first word
/// (`chat gpt-4o`, `execute_tool bash`, `gen_ai.execute_tool`).
fn op_of(name: &str, attrs: &Value) -> Op {
    let genai = attrs.as_object().is_some_and(|m| m.keys().any(|k| k.starts_with("gen_ai.")));
    let first_word = name.split_whitespace().next().unwrap_or_default();
    let op = attrs
        .get("gen_ai.operation.name")
        .and_then(Value::as_str)
        .or_else(|| (genai || first_word.starts_with("gen_ai.")).then_some(first_word));
    match op.map(|o| o.strip_prefix("gen_ai.").unwrap_or(o)) {
        Some("invoke_agent") => Op::Agent,
        Some("chat" | "generate_content" | "text_completion") => Op::Inference,
        Some("execute_tool") => Op::Tool,
        _ => Op::Other,
    }
}

/// An OTLP `AnyValue` as plain JSON.
fn any_value(v: &Value) -> Result<Value, String> {
    let Some(o) = v.as_object() else { return Err("expected an OTLP AnyValue object".to_owned()) };
    if let Some(x) = o.get("stringValue") {
        return x.as_str().map(|s| Value::String(s.to_owned())).ok_or_else(|| "stringValue is not a string".to_owned());
    }
    if let Some(x) = o.get("intValue") {
        return match x {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(x.clone()),
            Value::String(s) => s
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("intValue `{}` is not an integer", s.escape_debug())),
            _ => Err("intValue is not an integer".to_owned()),
        };
    }
    if let Some(x) = o.get("doubleValue") {
        return match x {
            Value::Number(_) => Ok(x.clone()),
            // JSON has no NaN or infinities; OTLP writes them as strings.
            Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => Ok(Value::Null),
            _ => Err("doubleValue is not a number".to_owned()),
        };
    }
    if let Some(x) = o.get("boolValue") {
        return x.as_bool().map(Value::Bool).ok_or_else(|| "boolValue is not a boolean".to_owned());
    }
    if let Some(x) = o.get("arrayValue") {
        let values = x.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        return values.iter().map(any_value).collect::<Result<Vec<_>, _>>().map(Value::Array);
    }
    if let Some(x) = o.get("kvlistValue") {
        let mut map = Map::new();
        for kv in x.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            if let Some(k) = kv.get("key").and_then(Value::as_str) {
                map.insert(k.to_owned(), any_value(kv.get("value").unwrap_or(&Value::Null))?);
            }
        }
        return Ok(Value::Object(map));
    }
    if let Some(x) = o.get("bytesValue") {
        return x.as_str().map(|s| Value::String(s.to_owned())).ok_or_else(|| "bytesValue is not a string".to_owned());
    }
    Ok(Value::Null)
}

/// A JSON-encoded string attribute as the structure it encodes; anything else as it is.
fn structured(v: &Value) -> Value {
    match v {
        Value::String(s) if s.trim_start().starts_with(['[', '{']) => {
            super::util::embedded_json(s).unwrap_or_else(|| v.clone())
        }
        _ => v.clone(),
    }
}

/// Readable text of a content value: a string, parts with `text`/`content`, or JSON.
fn plain_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(parts) => parts.iter().map(plain_text).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n"),
        Value::Object(o) => match o.get("text").or_else(|| o.get("content")) {
            Some(inner) => plain_text(inner),
            None => v.to_string(),
        },
        other => other.to_string(),
    }
}

fn role_of(role: &str) -> Option<Role> {
    match role {
        "system" | "developer" => Some(Role::System),
        "user" | "human" => Some(Role::User),
        "assistant" | "model" | "ai" => Some(Role::Assistant),
        "tool" | "function" | "ipython" => Some(Role::Tool),
        _ => None,
    }
}

/// The input and output messages of a span, from whichever convention recorded them.
fn messages(s: &Span) -> (Vec<Msg>, Vec<Msg>) {
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    read_v137(&s.attrs, &mut inputs, &mut outputs);
    if inputs.is_empty() && outputs.is_empty() {
        indexed(&s.attrs, "gen_ai.prompt", &mut inputs);
        indexed(&s.attrs, "gen_ai.completion", &mut outputs);
    }
    if !inputs.is_empty() || !outputs.is_empty() {
        return (inputs, outputs);
    }
    for (name, a) in &s.events {
        match name.as_str() {
            "gen_ai.client.inference.operation.details" => read_v137(a, &mut inputs, &mut outputs),
            "gen_ai.system.message" => inputs.push(event_message(Role::System, a)),
            "gen_ai.user.message" => inputs.push(event_message(Role::User, a)),
            "gen_ai.assistant.message" => inputs.push(event_message(Role::Assistant, a)),
            "gen_ai.tool.message" => {
                let id = a.get("id").and_then(Value::as_str).map(str::to_owned);
                let text = a.get("content").map(plain_text).unwrap_or_default();
                inputs.push(Msg { role: Some(Role::Tool), results: vec![(id, text)], ..Msg::default() });
            }
            "gen_ai.choice" => {
                let message = a.get("message").map(structured).unwrap_or_else(|| a.clone());
                let mut m = event_message(Role::Assistant, &message);
                if let Some(r) = message.get("role").and_then(Value::as_str).and_then(role_of) {
                    m.role = Some(r);
                }
                outputs.push(m);
            }
            "gen_ai.content.prompt" => legacy_list(a.get("gen_ai.prompt"), Role::User, &mut inputs),
            "gen_ai.content.completion" => legacy_list(a.get("gen_ai.completion"), Role::Assistant, &mut outputs),
            _ => {}
        }
    }
    (inputs, outputs)
}

/// Conventions 1.37+: `gen_ai.system_instructions`, `gen_ai.input.messages` and
/// `gen_ai.output.messages`, each a list of `{role, parts:[{type, …}]}` (JSON-encoded or not).
fn read_v137(attrs: &Value, inputs: &mut Vec<Msg>, outputs: &mut Vec<Msg>) {
    if let Some(v) = attrs.get("gen_ai.system_instructions").map(structured) {
        let text = match &v {
            Value::Array(parts) => parts_text(parts),
            other => plain_text(other),
        };
        if !text.is_empty() {
            inputs.push(Msg { role: Some(Role::System), text, ..Msg::default() });
        }
    }
    for (key, out) in [("gen_ai.input.messages", &mut *inputs), ("gen_ai.output.messages", &mut *outputs)] {
        let Some(Value::Array(list)) = attrs.get(key).map(structured) else { continue };
        for m in &list {
            let mut msg = Msg { role: m.get("role").and_then(Value::as_str).and_then(role_of), ..Msg::default() };
            let parts = m.get("parts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            msg.text = parts_text(parts);
            for p in parts {
                let id = p.get("id").and_then(Value::as_str).map(str::to_owned);
                match p.get("type").and_then(Value::as_str) {
                    Some("tool_call") => {
                        let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                        let args = p.get("arguments").map(structured).unwrap_or(Value::Null);
                        msg.calls.push((id, name, args));
                    }
                    Some("tool_call_response") => {
                        msg.results.push((
                            id,
                            p.get("response").or_else(|| p.get("result")).map(plain_text).unwrap_or_default(),
                        ));
                    }
                    _ => {}
                }
            }
            out.push(msg);
        }
    }
}

/// The text parts of a 1.37+ message, joined.
fn parts_text(parts: &[Value]) -> String {
    parts
        .iter()
        .filter(|p| p.get("type").and_then(Value::as_str).is_none_or(|t| t == "text"))
        .filter_map(|p| p.get("content").or_else(|| p.get("text")).map(plain_text))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A pre-1.37 message event (`content`, and `tool_calls` in OpenAI's shape).
fn event_message(role: Role, a: &Value) -> Msg {
    let mut m = Msg { role: Some(role), text: a.get("content").map(plain_text).unwrap_or_default(), ..Msg::default() };
    if let Some(Value::Array(calls)) = a.get("tool_calls").map(structured) {
        for c in &calls {
            let id = c.get("id").and_then(Value::as_str).map(str::to_owned);
            let name = c.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let args = c.pointer("/function/arguments").map(structured).unwrap_or(Value::Null);
            m.calls.push((id, name, args));
        }
    }
    m
}

/// The 1.26-era `gen_ai.prompt` / `gen_ai.completion` event attributes: a JSON list of
/// `{role, content}`, or plain text.
fn legacy_list(v: Option<&Value>, default: Role, out: &mut Vec<Msg>) {
    match v.map(structured) {
        Some(Value::Array(list)) => {
            for m in &list {
                let role = m.get("role").and_then(Value::as_str).and_then(role_of).unwrap_or(default);
                out.push(event_message(role, m));
            }
        }
        Some(other) => out.push(Msg { role: Some(default), text: plain_text(&other), ..Msg::default() }),
        None => {}
    }
}

/// Indexed attributes as OpenLLMetry writes them: `gen_ai.prompt.0.role`, `….0.content`,
/// `gen_ai.completion.0.tool_calls.0.name`, ….
fn indexed(attrs: &Value, prefix: &str, out: &mut Vec<Msg>) {
    for i in 0.. {
        let get = |k: &str| attrs.get(format!("{prefix}.{i}.{k}").as_str());
        if get("role").is_none() && get("content").is_none() && get("tool_calls.0.name").is_none() {
            break;
        }
        let role = get("role").and_then(Value::as_str).and_then(role_of);
        let mut m = Msg { role, text: get("content").map(plain_text).unwrap_or_default(), ..Msg::default() };
        for j in 0.. {
            let Some(name) = get(&format!("tool_calls.{j}.name")).and_then(Value::as_str) else { break };
            let id = get(&format!("tool_calls.{j}.id")).and_then(Value::as_str).map(str::to_owned);
            let args = get(&format!("tool_calls.{j}.arguments")).map(structured).unwrap_or(Value::Null);
            m.calls.push((id, name.to_owned(), args));
        }
        out.push(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otlp_values_become_plain_json() {
        let v = |s: &str| any_value(&serde_json::from_str(s).unwrap());
        assert_eq!(v(r#"{"intValue":"1250"}"#), Ok(Value::from(1250)));
        assert_eq!(v(r#"{"intValue":7}"#), Ok(Value::from(7)));
        assert_eq!(v(r#"{"stringValue":"x"}"#), Ok(Value::from("x")));
        assert_eq!(v(r#"{"boolValue":true}"#), Ok(Value::Bool(true)));
        assert_eq!(
            v(r#"{"arrayValue":{"values":[{"stringValue":"stop"},{"doubleValue":0.5}]}}"#),
            Ok(serde_json::json!(["stop", 0.5]))
        );
        assert_eq!(
            v(r#"{"kvlistValue":{"values":[{"key":"role","value":{"stringValue":"assistant"}}]}}"#),
            Ok(serde_json::json!({"role": "assistant"}))
        );
        assert!(v(r#"{"intValue":"twelve"}"#).unwrap_err().contains("twelve"));
        assert!(v(r#"{"stringValue":3}"#).is_err());
        assert_eq!(v("{}"), Ok(Value::Null));
    }

    #[test]
    fn operations_come_from_the_attribute_or_the_span_name() {
        let attrs = |j: Value| j;
        assert_eq!(op_of("anything", &attrs(serde_json::json!({"gen_ai.operation.name": "chat"}))), Op::Inference);
        assert_eq!(op_of("execute_tool bash", &attrs(serde_json::json!({"gen_ai.tool.name": "bash"}))), Op::Tool);
        assert_eq!(op_of("gen_ai.execute_tool", &attrs(serde_json::json!({}))), Op::Tool);
        assert_eq!(
            op_of("invoke_agent fixer", &attrs(serde_json::json!({"gen_ai.operation.name": "invoke_agent"}))),
            Op::Agent
        );
        assert_eq!(op_of("chat room", &attrs(serde_json::json!({"http.method": "GET"}))), Op::Other);
        assert_eq!(op_of("POST /v1/chat", &attrs(serde_json::json!({"gen_ai.system": "openai"}))), Op::Other);
    }

    #[test]
    fn message_conventions_old_and_new() {
        let attrs = serde_json::json!({
            "gen_ai.system_instructions": "[{\"type\":\"text\",\"content\":\"Be brief.\"}]",
            "gen_ai.input.messages": "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]},{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"c1\",\"response\":\"ok\"}]}]",
            "gen_ai.output.messages": "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c2\",\"name\":\"bash\",\"arguments\":{\"command\":\"ls\"}}],\"finish_reason\":\"tool_call\"}]"
        });
        let (mut i, mut o) = (Vec::new(), Vec::new());
        read_v137(&attrs, &mut i, &mut o);
        assert_eq!((i.len(), o.len()), (3, 1));
        assert_eq!((i[0].role, i[0].text.as_str()), (Some(Role::System), "Be brief."));
        assert_eq!(i[2].results, [(Some("c1".to_owned()), "ok".to_owned())]);
        assert_eq!(o[0].calls[0].1, "bash");
        assert_eq!(crate::tools::shell_command("bash", &o[0].calls[0].2).as_deref(), Some("ls"));
        let attrs = serde_json::json!({"gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "q", "gen_ai.prompt.1.role": "assistant", "gen_ai.prompt.1.content": "a"});
        let mut v = Vec::new();
        indexed(&attrs, "gen_ai.prompt", &mut v);
        assert_eq!(
            v.iter().map(|m| (m.role, m.text.as_str())).collect::<Vec<_>>(),
            [(Some(Role::User), "q"), (Some(Role::Assistant), "a")]
        );
    }
}
