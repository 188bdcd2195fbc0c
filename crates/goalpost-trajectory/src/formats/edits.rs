//! File edits that several formats record the same way, and every unified diff a reader
//! builds from a tool's arguments: one owner, so that an edit reads the same to the grader
//! whichever format recorded it.
//!
//! **Diffs.** The grader reads which file changed and which lines came and went (its diff
//! reader takes the path from the `+++` line and the lines from the hunks; the numbers in a
//! hunk header are for people). Every diff here is one file's:
//! - [`create`]: `--- /dev/null`, `+++ b/P`, one hunk `@@ -0,0 +1,N @@` adding the text (no
//!   hunk for an empty file, as git writes it);
//! - [`replace`]: `--- a/P`, `+++ b/P`, one hunk replacing the old lines by the new ones. A
//!   snippet edit does not record where in the file it was, so the hunk is placed at line 1;
//!   [`replace_at`] places it where the source says. An empty side starts at the line before
//!   (git's convention: `@@ -1,1 +0,0 @@`). Removing a snippet (the new text empty) is a change
//!   of the file, never `+++ /dev/null`, which would read as the file deleted;
//! - [`replace_each`]: several snippet hunks under one header (`MultiEdit`), so that the grader,
//!   which reads one file per edit, sees every one of them;
//! - [`insert_after`]: the text inserted after line N (0: at the top), `@@ -N,0 +N+1,K @@`;
//! - [`delete`]: `--- a/P`, `+++ /dev/null`, and a hunk removing the old text when it is known.
//!
//! Line numbers come from the trajectory: they saturate at `u64::MAX` and never overflow.
//!
//! **Editing tools.** [`from_call`] maps a tool call to the edits it made, for the tools whose
//! arguments say enough: the editor family ([`editor`]), Claude Code's and Gemini CLI's
//! whole-file writes and snippet edits (`Write`, `write_file`, `create_file`; `Edit`,
//! `replace`, `edit`; `MultiEdit`), and Codex's `apply_patch` envelope ([`apply_patch`]).
//! Readers that know more than the arguments (OpenHands' recorded diffs, Claude Code's
//! `structuredPatch`, SWE-agent's displayed windows) use [`editor_at`] and the diff builders.

use serde_json::Value;

use crate::{EditOp, FileEdit};

/// One file edit as a tool call describes it; a reader adds the call id and time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edit {
    pub(crate) path: String,
    pub(crate) op: EditOp,
    /// The old path of a rename.
    pub(crate) from: Option<String>,
    pub(crate) diff: Option<String>,
}

impl Edit {
    fn new(path: &str, op: EditOp, diff: Option<String>) -> Self {
        Self { path: path.to_owned(), op, from: None, diff }
    }

    /// The canonical record of this edit, made by the call `call_id` at `elapsed_s`.
    pub(crate) fn file_edit(self, call_id: Option<String>, elapsed_s: Option<f64>) -> FileEdit {
        FileEdit { path: self.path, op: self.op, from: self.from, diff: self.diff, call_id, elapsed_s }
    }
}

/// The editor family's tool names: SWE-agent's and OpenHands' `str_replace_editor`,
/// Anthropic's `str_replace_based_edit_tool`, Inspect's `text_editor`, and `edit_file`.
pub(crate) const EDITOR_TOOLS: &[&str] =
    &["str_replace_editor", "str_replace_based_edit_tool", "text_editor", "edit_file"];

/// Whether `tool` is of the editor family.
pub(crate) fn is_editor(tool: &str) -> bool {
    EDITOR_TOOLS.contains(&tool)
}

/// The file an editor call names: `path`, else `file_path`.
pub(crate) fn editor_path(args: &Value) -> Option<&str> {
    str_arg(args, "path").or_else(|| str_arg(args, "file_path"))
}

/// The edit an editor call made (see [`editor_at`]), on the file it names.
pub(crate) fn editor(args: &Value) -> Option<Edit> {
    editor_at(args, editor_path(args)?)
}

/// The edit an editor call made on `path` (the file it names, as the reader resolved it):
/// - `create`: a create, the diff adding `file_text`;
/// - `str_replace`: a modify, the diff replacing `old_str` by `new_str` (no diff without an
///   `old_str`: what was replaced is unknown);
/// - `insert`: a modify, the diff inserting `new_str` after line `insert_line` (a
///   non-negative integer, or a string of one; no diff without it);
/// - `undo_edit`: a modify without a diff (what it restored is not recorded);
/// - `view`, a missing or unknown `command`: no edit.
pub(crate) fn editor_at(args: &Value, path: &str) -> Option<Edit> {
    let text = |k: &str| str_arg(args, k).unwrap_or_default();
    let (op, diff) = match str_arg(args, "command")? {
        "create" => (EditOp::Create, Some(create(path, text("file_text")))),
        "str_replace" => (EditOp::Modify, str_arg(args, "old_str").map(|old| replace(path, old, text("new_str")))),
        "insert" => (EditOp::Modify, line_arg(args, "insert_line").map(|n| insert_after(path, n, text("new_str")))),
        "undo_edit" => (EditOp::Modify, None),
        _ => return None,
    };
    Some(Edit::new(path, op, diff))
}

/// The edits a tool call made, from its name and arguments (see the module's documentation);
/// empty for a tool that edits nothing or whose arguments do not say which file.
pub(crate) fn from_call(tool: &str, args: &Value) -> Vec<Edit> {
    let path = editor_path(args);
    let edit = match tool {
        t if is_editor(t) => editor(args),
        // Whole-file writes: whether the file existed is not recorded, so a write is taken as
        // the creation of its whole content.
        "Write" | "write_file" | "create_file" => {
            path.map(|p| Edit::new(p, EditOp::Create, Some(create(p, str_arg(args, "content").unwrap_or_default()))))
        }
        "Edit" | "replace" | "edit" => {
            path.filter(|_| tool != "edit" || str_arg(args, "old_string").is_some()).map(|p| {
                let diff = str_arg(args, "old_string")
                    .map(|old| replace(p, old, str_arg(args, "new_string").unwrap_or_default()));
                Edit::new(p, EditOp::Modify, diff)
            })
        }
        "MultiEdit" => path.map(|p| Edit::new(p, EditOp::Modify, multi_edit(p, args))),
        "apply_patch" => {
            return str_arg(args, "input").or_else(|| str_arg(args, "patch")).map(apply_patch).unwrap_or_default();
        }
        _ => None,
    };
    edit.into_iter().collect()
}

/// The diff of a Claude Code `MultiEdit` call on `path`: one hunk per `edits[]` pair
/// (`old_string` → `new_string`); `None` when it lists none.
pub(crate) fn multi_edit(path: &str, args: &Value) -> Option<String> {
    let pairs: Vec<(&str, &str)> = args
        .get("edits")
        .and_then(Value::as_array)?
        .iter()
        .map(|e| (str_arg(e, "old_string").unwrap_or_default(), str_arg(e, "new_string").unwrap_or_default()))
        .collect();
    (!pairs.is_empty()).then(|| replace_each(path, &pairs))
}

/// The files of a Codex patch (`*** Begin Patch` … `*** End Patch`), each with its diff: an
/// added file's is [`create`]'s, a deleted file's [`delete`]'s (its content is not in the
/// patch), an updated or moved file's keeps the patch's own hunks, whose headers carry Codex's
/// context anchors (`@@ def f():`) instead of line numbers.
pub(crate) fn apply_patch(patch: &str) -> Vec<Edit> {
    let mut files: Vec<(Edit, Vec<&str>)> = Vec::new();
    for line in patch.lines() {
        let start = |op, path: &str| (Edit::new(path.trim(), op, None), Vec::new());
        if let Some(p) = line.strip_prefix("*** Add File: ") {
            files.push(start(EditOp::Create, p));
        } else if let Some(p) = line.strip_prefix("*** Update File: ") {
            files.push(start(EditOp::Modify, p));
        } else if let Some(p) = line.strip_prefix("*** Delete File: ") {
            files.push(start(EditOp::Delete, p));
        } else if let Some(p) = line.strip_prefix("*** Move to: ") {
            if let Some((f, _)) = files.last_mut() {
                f.from = Some(std::mem::replace(&mut f.path, p.trim().to_owned()));
                f.op = EditOp::Rename;
            }
        } else if line.starts_with("*** ") {
            // `*** Begin Patch`, `*** End Patch`, `*** End of File`.
        } else if let Some((_, body)) = files.last_mut() {
            body.push(line);
        }
    }
    files
        .into_iter()
        .filter(|(f, _)| !f.path.is_empty())
        .map(|(mut f, body)| {
            f.diff = Some(match f.op {
                EditOp::Create => {
                    let added: Vec<&str> = body.iter().filter_map(|l| l.strip_prefix('+')).collect();
                    create_lines(&f.path, &added)
                }
                EditOp::Delete => delete(&f.path, ""),
                EditOp::Modify | EditOp::Rename => {
                    let mut d = format!("--- a/{}\n+++ b/{}\n", f.from.as_deref().unwrap_or(&f.path), f.path);
                    let mut in_hunk = false;
                    for l in body {
                        if l.starts_with("@@") {
                            in_hunk = true;
                        } else if !in_hunk {
                            d.push_str("@@\n");
                            in_hunk = true;
                        }
                        d.push_str(l);
                        d.push('\n');
                    }
                    d
                }
            });
            f
        })
        .collect()
}

/// The diff creating `path` with `text`.
pub(crate) fn create(path: &str, text: &str) -> String {
    create_lines(path, &text.lines().collect::<Vec<_>>())
}

/// The diff replacing the snippet `old` by `new` somewhere in `path` (placed at line 1).
pub(crate) fn replace(path: &str, old: &str, new: &str) -> String {
    replace_at(path, 1, old, new)
}

/// The diff replacing `old`, which starts at line `start` of `path`, by `new`.
pub(crate) fn replace_at(path: &str, start: u64, old: &str, new: &str) -> String {
    let (old, new) = (lines(old), lines(new));
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    push_hunk(&mut out, side_start(start, &old), &old, side_start(start, &new), &new);
    out
}

/// The diff of several snippet replacements in `path`, `(old, new)` each, as hunks of one
/// file (each placed at line 1, like [`replace`]).
pub(crate) fn replace_each(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for (old, new) in pairs {
        let (old, new) = (lines(old), lines(new));
        push_hunk(&mut out, side_start(1, &old), &old, side_start(1, &new), &new);
    }
    out
}

/// The diff inserting `text` after line `after` of `path` (0: before the first line).
pub(crate) fn insert_after(path: &str, after: u64, text: &str) -> String {
    let new = lines(text);
    let new_start = if new.is_empty() { after } else { after.saturating_add(1) };
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    push_hunk(&mut out, after, &[], new_start, &new);
    out
}

/// The diff deleting `path`, whose content was `old` (empty when not known: no hunk).
pub(crate) fn delete(path: &str, old: &str) -> String {
    let old = lines(old);
    let mut out = format!("--- a/{path}\n+++ /dev/null\n");
    if !old.is_empty() {
        push_hunk(&mut out, 1, &old, 0, &[]);
    }
    out
}

fn create_lines(path: &str, new: &[&str]) -> String {
    let mut out = format!("--- /dev/null\n+++ b/{path}\n");
    if !new.is_empty() {
        push_hunk(&mut out, 0, &[], 1, new);
    }
    out
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Where a side of a hunk starting at `start` is said to start: an empty side at the line
/// before, as git writes it.
fn side_start(start: u64, side: &[&str]) -> u64 {
    if side.is_empty() { start.saturating_sub(1) } else { start }
}

fn push_hunk(out: &mut String, old_start: u64, old: &[&str], new_start: u64, new: &[&str]) {
    out.push_str(&format!("@@ -{old_start},{} +{new_start},{} @@\n", old.len(), new.len()));
    for (sign, side) in [('-', old), ('+', new)] {
        for line in side {
            out.push(sign);
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

/// A line number: a non-negative integer, or a string of one.
fn line_arg(args: &Value, key: &str) -> Option<u64> {
    match args.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diff_of(tool: &str, args: Value) -> Option<String> {
        let mut edits = from_call(tool, &args);
        assert!(edits.len() <= 1, "{edits:?}");
        edits.pop().and_then(|e| e.diff)
    }

    #[test]
    fn snippet_diffs_count_lines() {
        let d = replace("a.py", "x = 1\n", "x = 2\ny = 3\n");
        assert_eq!(d, "--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,2 @@\n-x = 1\n+x = 2\n+y = 3\n");
        assert_eq!(create("n.py", "a\n"), "--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,1 @@\n+a\n");
        assert_eq!(create("empty.py", ""), "--- /dev/null\n+++ b/empty.py\n");
    }

    #[test]
    fn hunks_keep_a_and_b_headers_for_deletions() {
        assert_eq!(insert_after("x.py", 3, "a\nb"), "--- a/x.py\n+++ b/x.py\n@@ -3,0 +4,2 @@\n+a\n+b\n");
        // Removing a snippet changes the file: `+++ b/`, not `+++ /dev/null`.
        assert_eq!(replace("x.py", "gone", ""), "--- a/x.py\n+++ b/x.py\n@@ -1,1 +0,0 @@\n-gone\n");
        assert_eq!(replace_at("x.py", 7, "", "new"), "--- a/x.py\n+++ b/x.py\n@@ -6,0 +7,1 @@\n+new\n");
        assert_eq!(delete("x.py", "a\nb\n"), "--- a/x.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
        assert_eq!(delete("x.py", ""), "--- a/x.py\n+++ /dev/null\n");
    }

    #[test]
    fn line_numbers_at_the_limit_saturate() {
        let max = u64::MAX;
        assert_eq!(insert_after("a.py", max, "x\n"), format!("--- a/a.py\n+++ b/a.py\n@@ -{max},0 +{max},1 @@\n+x\n"));
        assert_eq!(insert_after("a.py", max, ""), format!("--- a/a.py\n+++ b/a.py\n@@ -{max},0 +{max},0 @@\n"));
        assert_eq!(insert_after("a.py", 0, "top"), "--- a/a.py\n+++ b/a.py\n@@ -0,0 +1,1 @@\n+top\n");
        assert_eq!(
            replace_at("a.py", max, "a", "b"),
            format!("--- a/a.py\n+++ b/a.py\n@@ -{max},1 +{max},1 @@\n-a\n+b\n")
        );
        assert_eq!(replace_at("a.py", 0, "", ""), "--- a/a.py\n+++ b/a.py\n@@ -0,0 +0,0 @@\n");
        let args = json!({"command": "insert", "path": "x.py", "insert_line": max, "new_str": "y"});
        assert_eq!(
            diff_of("str_replace_editor", args),
            Some(format!("--- a/x.py\n+++ b/x.py\n@@ -{max},0 +{max},1 @@\n+y\n"))
        );
        // Past u64 or negative: no line number, so no diff (the edit is still one).
        for n in [json!(-1), json!(1e300), json!("18446744073709551616"), json!("３")] {
            let args = json!({"command": "insert", "path": "x.py", "insert_line": n, "new_str": "y"});
            let e = editor(&args).unwrap();
            assert_eq!((e.op, e.diff), (EditOp::Modify, None));
        }
    }

    #[test]
    fn editor_commands_map_to_edits() {
        let e = |args: Value| editor(&args);
        let created = e(json!({"command": "create", "path": "/w/a.py", "file_text": "x = 1\n"})).unwrap();
        assert_eq!((created.path.as_str(), created.op), ("/w/a.py", EditOp::Create));
        assert_eq!(created.diff.as_deref(), Some("--- /dev/null\n+++ b//w/a.py\n@@ -0,0 +1,1 @@\n+x = 1\n"));
        let replaced = e(json!({"command": "str_replace", "path": "a.py", "old_str": "x", "new_str": "y"})).unwrap();
        assert_eq!(replaced.diff.as_deref(), Some("--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,1 @@\n-x\n+y\n"));
        let no_old = e(json!({"command": "str_replace", "path": "a.py", "new_str": "y"})).unwrap();
        assert_eq!((no_old.op, no_old.diff), (EditOp::Modify, None));
        let inserted =
            e(json!({"command": "insert", "file_path": "a.py", "insert_line": "2", "new_str": "z"})).unwrap();
        assert_eq!(inserted.diff.as_deref(), Some("--- a/a.py\n+++ b/a.py\n@@ -2,0 +3,1 @@\n+z\n"));
        let undone = e(json!({"command": "undo_edit", "path": "a.py"})).unwrap();
        assert_eq!((undone.op, undone.diff), (EditOp::Modify, None));
        assert_eq!(e(json!({"command": "view", "path": "a.py", "view_range": [1, 5]})), None);
        assert_eq!(e(json!({"command": "rm", "path": "a.py"})), None);
        assert_eq!(e(json!({"command": "create", "file_text": "x"})), None);
        assert_eq!(e(json!({"path": "a.py"})), None);
        for tool in EDITOR_TOOLS {
            assert_eq!(from_call(tool, &json!({"command": "undo_edit", "path": "a.py"})).len(), 1, "{tool}");
        }
    }

    #[test]
    fn claude_and_gemini_tools_map_to_edits() {
        let w = from_call("Write", &json!({"file_path": "a.py", "content": "x\n"}));
        assert_eq!(
            (w[0].op, w[0].diff.as_deref()),
            (EditOp::Create, Some("--- /dev/null\n+++ b/a.py\n@@ -0,0 +1,1 @@\n+x\n"))
        );
        let d = diff_of("Edit", json!({"file_path": "a.py", "old_string": "x", "new_string": ""}));
        assert_eq!(d.as_deref(), Some("--- a/a.py\n+++ b/a.py\n@@ -1,1 +0,0 @@\n-x\n"));
        assert_eq!(
            diff_of("replace", json!({"file_path": "a.py", "old_string": "a", "new_string": "b"}))
                .map(|d| d.contains("-a\n+b\n")),
            Some(true)
        );
        assert!(from_call("edit", &json!({"path": "a.py", "content": "x"})).is_empty());
        let m = diff_of(
            "MultiEdit",
            json!({"file_path": "a.py", "edits": [{"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": "d\ne"}]}),
        );
        assert_eq!(
            m.as_deref(),
            Some("--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,1 @@\n-a\n+b\n@@ -1,1 +1,2 @@\n-c\n+d\n+e\n")
        );
        assert_eq!(diff_of("MultiEdit", json!({"file_path": "a.py"})), None);
        assert!(from_call("Read", &json!({"file_path": "a.py"})).is_empty());
        assert!(from_call("Write", &json!({"content": "x"})).is_empty());
    }

    #[test]
    fn patches_become_one_diff_per_file() {
        let patch = "*** Begin Patch\n*** Add File: hello.txt\n+Hello\n+world\n*** Update File: src/app.py\n*** Move to: src/main.py\n@@ def greet():\n-print(\"Hi\")\n+print(\"Hello\")\n*** Delete File: obsolete.txt\n*** End Patch";
        let files = apply_patch(patch);
        assert_eq!(files.len(), 3);
        assert_eq!((files[0].path.as_str(), files[0].op), ("hello.txt", EditOp::Create));
        assert_eq!(files[0].diff.as_deref(), Some("--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1,2 @@\n+Hello\n+world\n"));
        assert_eq!(
            (files[1].path.as_str(), files[1].op, files[1].from.as_deref()),
            ("src/main.py", EditOp::Rename, Some("src/app.py"))
        );
        assert_eq!(
            files[1].diff.as_deref(),
            Some("--- a/src/app.py\n+++ b/src/main.py\n@@ def greet():\n-print(\"Hi\")\n+print(\"Hello\")\n")
        );
        assert_eq!((files[2].path.as_str(), files[2].op), ("obsolete.txt", EditOp::Delete));
        assert_eq!(files[2].diff.as_deref(), Some("--- a/obsolete.txt\n+++ /dev/null\n"));
        assert_eq!(from_call("apply_patch", &json!({"input": patch})), files);
        assert_eq!(from_call("apply_patch", &json!({"patch": patch})), files);
        // An added file that keeps an empty last line.
        let f = apply_patch("*** Begin Patch\n*** Add File: a\n+x\n+\n*** End Patch");
        assert_eq!(f[0].diff.as_deref(), Some("--- /dev/null\n+++ b/a\n@@ -0,0 +1,2 @@\n+x\n+\n"));
    }

    #[test]
    fn edits_become_records() {
        let e = editor(&json!({"command": "undo_edit", "path": "a.py"})).unwrap();
        let r = e.file_edit(Some("c1".into()), Some(2.5));
        assert_eq!(
            (r.path.as_str(), r.op, r.call_id.as_deref(), r.elapsed_s),
            ("a.py", EditOp::Modify, Some("c1"), Some(2.5))
        );
    }
}
