//! A reader for git's unified diffs: which files changed, how, and which lines came and went.

/// One file's change in a diff, its text borrowed from the diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileDiff<'a> {
    pub(crate) path: &'a str,
    pub(crate) old_path: Option<&'a str>,
    pub(crate) created: bool,
    pub(crate) deleted: bool,
    /// The hunks in order, each line with its mark: `' '` context, `'+'` added, `'-'` removed.
    /// The text after a hunk header's second `@@` (git's enclosing function) comes first, as
    /// a context line.
    pub(crate) hunks: Vec<Vec<Line<'a>>>,
}

/// A line of a hunk with its mark (`' '`, `'+'` or `'-'`).
pub(crate) type Line<'a> = (char, &'a str);

/// The lines of `hunks` marked `mark`, in order.
pub(crate) fn marked<'h, 'a: 'h>(hunks: &'h [Vec<Line<'a>>], mark: char) -> impl Iterator<Item = &'a str> + Clone + 'h {
    hunks.iter().flatten().filter(move |(m, _)| *m == mark).map(|(_, l)| *l)
}

impl<'a> FileDiff<'a> {
    /// The lines added, in order.
    pub(crate) fn added(&self) -> impl Iterator<Item = &'a str> + Clone + '_ {
        marked(&self.hunks, '+')
    }

    /// The lines removed, in order.
    pub(crate) fn removed(&self) -> impl Iterator<Item = &'a str> + Clone + '_ {
        marked(&self.hunks, '-')
    }
}

/// Parses a `git diff` (or plain unified diff). Unknown lines are skipped, never fatal.
pub(crate) fn parse(diff: &str) -> Vec<FileDiff<'_>> {
    let mut files: Vec<FileDiff<'_>> = Vec::new();
    let mut in_hunk = false;
    for line in diff.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            in_hunk = false;
            let path = rest.rsplit_once(" b/").map_or(rest, |(_, b)| b);
            files.push(FileDiff { path, ..FileDiff::default() });
            continue;
        }
        if line.starts_with("--- ") && !in_hunk {
            if files.is_empty() || files.last().is_some_and(|f| f.added().chain(f.removed()).next().is_some()) {
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
                f.path = p.strip_prefix("b/").unwrap_or(p);
            }
        } else if line.starts_with("new file mode") {
            f.created = true;
        } else if line.starts_with("deleted file mode") {
            f.deleted = true;
        } else if let Some(from) = line.strip_prefix("rename from ") {
            f.old_path = Some(from);
        } else if let Some(header) = line.strip_prefix("@@") {
            in_hunk = true;
            let mut hunk = Vec::new();
            if let Some((_, func)) = header.split_once("@@")
                && !func.trim().is_empty()
            {
                hunk.push((' ', func.trim_start()));
            }
            f.hunks.push(hunk);
        } else if in_hunk {
            let mark = if let Some(a) = line.strip_prefix('+') {
                Some(('+', a))
            } else if let Some(r) = line.strip_prefix('-') {
                Some(('-', r))
            } else {
                line.strip_prefix(' ').map(|c| (' ', c)).or(line.is_empty().then_some((' ', "")))
            };
            if let (Some(line), Some(h)) = (mark, f.hunks.last_mut()) {
                h.push(line);
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
        assert!(files[0].removed().eq(["    assert y == 1"]));
        assert!(files[0].added().eq(["    y = 2"]));
        assert!(files[1].created && !files[1].deleted);
        assert!(files[2].deleted);
        assert_eq!(files[0].hunks, [vec![(' ', "x"), ('-', "    assert y == 1"), ('+', "    y = 2")]]);
    }

    #[test]
    fn keeps_the_enclosing_function_of_a_hunk_header_as_context() {
        let files =
            parse("--- a/t.py\n+++ b/t.py\n@@ -10,2 +10,3 @@ def test_b():\n+    pytest.skip('x')\n     assert f()\n");
        assert_eq!(files[0].hunks[0][0], (' ', "def test_b():"));
        assert_eq!(files[0].hunks[0].len(), 3);
    }

    #[test]
    fn reads_a_plain_unified_diff() {
        let files = parse("--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-a\n+b\n");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, "x.txt");
    }
}
