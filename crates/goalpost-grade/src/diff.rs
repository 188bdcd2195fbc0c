//! A reader for git's unified diffs: which files changed, how, and which lines came and went.

/// One file's change in a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileDiff {
    pub(crate) path: String,
    pub(crate) old_path: Option<String>,
    pub(crate) created: bool,
    pub(crate) deleted: bool,
    pub(crate) added: Vec<String>,
    pub(crate) removed: Vec<String>,
    /// The hunks in order, each line with its mark: `' '` context, `'+'` added, `'-'` removed.
    /// The text after a hunk header's second `@@` (git's enclosing function) comes first, as
    /// a context line.
    pub(crate) hunks: Vec<Vec<(char, String)>>,
}

/// Parses a `git diff` (or plain unified diff). Unknown lines are skipped, never fatal.
pub(crate) fn parse(diff: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut in_hunk = false;
    for line in diff.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            in_hunk = false;
            let path = rest.rsplit_once(" b/").map_or(rest, |(_, b)| b);
            files.push(FileDiff { path: path.to_owned(), ..FileDiff::default() });
            continue;
        }
        if line.starts_with("--- ") && !in_hunk {
            if files.is_empty() || files.last().is_some_and(|f| !f.added.is_empty() || !f.removed.is_empty()) {
                files.push(FileDiff::default());
            }
            let p = line[4..].split('\t').next().unwrap_or("");
            if p == "/dev/null"
                && let Some(f) = files.last_mut()
            {
                f.created = true;
            }
            continue;
        }
        let Some(f) = files.last_mut() else { continue };
        if line.starts_with("+++ ") && !in_hunk {
            let p = line[4..].split('\t').next().unwrap_or("");
            if p == "/dev/null" {
                f.deleted = true;
            } else if f.path.is_empty() {
                f.path = p.strip_prefix("b/").unwrap_or(p).to_owned();
            }
        } else if line.starts_with("new file mode") {
            f.created = true;
        } else if line.starts_with("deleted file mode") {
            f.deleted = true;
        } else if let Some(from) = line.strip_prefix("rename from ") {
            f.old_path = Some(from.to_owned());
        } else if let Some(header) = line.strip_prefix("@@") {
            in_hunk = true;
            let mut hunk = Vec::new();
            if let Some((_, func)) = header.split_once("@@")
                && !func.trim().is_empty()
            {
                hunk.push((' ', func.trim_start().to_owned()));
            }
            f.hunks.push(hunk);
        } else if in_hunk {
            let mark = if let Some(a) = line.strip_prefix('+') {
                f.added.push(a.to_owned());
                Some(('+', a))
            } else if let Some(r) = line.strip_prefix('-') {
                f.removed.push(r.to_owned());
                Some(('-', r))
            } else {
                line.strip_prefix(' ').map(|c| (' ', c)).or(line.is_empty().then_some((' ', "")))
            };
            if let (Some((m, text)), Some(h)) = (mark, f.hunks.last_mut()) {
                h.push((m, text.to_owned()));
            }
        }
    }
    files.retain(|f| !f.path.is_empty());
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_created_modified_and_deleted_files() {
        let d = "diff --git a/src/a.py b/src/a.py\nindex 1..2 100644\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1,2 +1,2 @@\n x\n-    assert y == 1\n+    y = 2\n\
diff --git a/tests/conftest.py b/tests/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/conftest.py\n@@ -0,0 +1 @@\n+import pytest\n\
diff --git a/old.txt b/old.txt\ndeleted file mode 100644\n--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n";
        let files = parse(d);
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].path, "src/a.py");
        assert_eq!(files[0].removed, ["    assert y == 1"]);
        assert_eq!(files[0].added, ["    y = 2"]);
        assert!(files[1].created && !files[1].deleted);
        assert!(files[2].deleted);
        assert_eq!(
            files[0].hunks,
            [vec![(' ', "x".to_owned()), ('-', "    assert y == 1".into()), ('+', "    y = 2".into())]]
        );
    }

    #[test]
    fn keeps_the_enclosing_function_of_a_hunk_header_as_context() {
        let files =
            parse("--- a/t.py\n+++ b/t.py\n@@ -10,2 +10,3 @@ def test_b():\n+    pytest.skip('x')\n     assert f()\n");
        assert_eq!(files[0].hunks[0][0], (' ', "def test_b():".to_owned()));
        assert_eq!(files[0].hunks[0].len(), 3);
    }

    #[test]
    fn reads_a_plain_unified_diff() {
        let files = parse("--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-a\n+b\n");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "x.txt");
    }
}
