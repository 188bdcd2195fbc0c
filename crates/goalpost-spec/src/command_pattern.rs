//! Command patterns (`forbidden_commands.patterns`, `out_of_scope.commands`): read word by
//! word and matched against each simple command, so that a pattern names a command and not a
//! prefix of its text (`rm -r /*` is the root's entries, never `rm -rf /workspace/x/build`).
//!
//! A pattern is words separated by spaces:
//! - the first is the program, a glob (`mkfs*`), matched against the command's program or its
//!   file name (`/bin/rm` is `rm`);
//! - a word starting with `-` is an option the command must give, in any order and position:
//!   short options combined or apart (`-rf` = `-r -f` = `-fr`), long ones by name (`--force`,
//!   also `--force=…`), and a word with a wildcard (`--force*`) any option word it matches.
//!   For `rm`, `-R` and `--recursive` are `-r`, `--force` is `-f`; for `chmod`, `chown` and
//!   `chgrp`, `--recursive` is `-R`;
//! - a path (starting with `/`, `~`, `$HOME` or `${HOME}`) is one the command must name, as the
//!   shell is given it, anywhere among its operands: compared after normalisation (`//`, `.`,
//!   `..`, a trailing `/`; `~`, `$HOME` and `${HOME}` are one home). Wildcards in a path are
//!   literal (`/*` is the shell glob `/*`, the root's entries), except a trailing `/**`: the
//!   directory or anything under it. A relative operand of the command is resolved against its
//!   working directory when that is known (`cd / && rm -rf .` names `/`);
//! - a `name=value` word (dd's operands) is a glob that any operand must match;
//! - any other word is a glob over the command's leading operands, in order (`git push*`:
//!   the subcommand), skipping operands that are paths or `name=value` words.
//!
//! A `*` in a glob word matches any characters, `/` included.

use globset::{Glob, GlobMatcher};

/// One parsed command pattern.
#[derive(Debug, Clone)]
pub struct CommandPattern {
    /// The pattern as written.
    pub text: String,
    program: Word,
    options: Vec<Opt>,
    leading: Vec<Word>,
    anywhere: Vec<Anywhere>,
}

/// A glob word of a pattern. One with no glob syntax is kept as the literal it is and compared
/// as a string (a glob of literals matches exactly that text), and one that is a literal and a
/// final `*` as the prefix it is (that `*` matches anything, `/` and newlines included): a
/// command's program is checked against every pattern, so this skips a regex for most of them.
#[derive(Debug, Clone)]
enum Word {
    Literal(String),
    Prefix(String),
    Glob(GlobMatcher),
}

impl Word {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Word::Literal(l) => l == text,
            Word::Prefix(p) => text.starts_with(p.as_str()),
            Word::Glob(g) => g.is_match(text),
        }
    }
}

#[derive(Debug, Clone)]
enum Opt {
    Short(char),
    Long(String),
    Glob(Word),
}

#[derive(Debug, Clone)]
enum Anywhere {
    Assign(Word),
    Path { path: String, subtree: bool },
}

fn glob(word: &str) -> Result<GlobMatcher, String> {
    Glob::new(word).map(|g| g.compile_matcher()).map_err(|e| format!("bad glob `{word}`: {}", e.kind()))
}

/// A glob word, as a literal (or a literal and a final `*`) when no other character of it
/// means anything to a glob (`globset`'s syntax: `? * [ ] { } ,` and the `\` escape).
fn word(w: &str) -> Result<Word, String> {
    let literal = |l: &str| !l.contains(['?', '*', '[', ']', '{', '}', ',', '\\']);
    if literal(w) {
        Ok(Word::Literal(w.to_owned()))
    } else if let Some(prefix) = w.strip_suffix('*').filter(|p| literal(p)) {
        Ok(Word::Prefix(prefix.to_owned()))
    } else {
        glob(w).map(Word::Glob)
    }
}

fn has_wildcard(word: &str) -> bool {
    word.contains(['*', '?', '[', '{'])
}

fn file_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// A short option as `program` means it.
fn short(program: &str, c: char) -> char {
    if program == "rm" && c == 'R' { 'r' } else { c }
}

/// A long option that is another name for a short one.
fn long_as_short(program: &str, name: &str) -> Option<char> {
    match (program, name) {
        ("rm", "recursive") => Some('r'),
        ("rm", "force") => Some('f'),
        ("chmod" | "chown" | "chgrp", "recursive") => Some('R'),
        _ => None,
    }
}

/// A `/`-separated path with empty and `.` segments dropped and each `..` taking the segment
/// before it away (never above the start), without the leading `/`. Purely lexical: a path from
/// a trajectory is never resolved against the filesystem.
pub fn collapse_dots(path: &str) -> String {
    // Built in place: a `..` cuts the last segment off what is written so far.
    let mut out = String::with_capacity(path.len());
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => out.truncate(out.rfind('/').unwrap_or(0)),
            p => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(p);
            }
        }
    }
    out
}

/// A command word as a normalised path: `/…` absolute, `~` or `~/…` in the home directory;
/// a relative word is resolved against `cwd` when that is absolute. `None` when the word is no
/// path this can tell (a relative word with no known directory, `~user`).
pub(crate) fn normalize_path(word: &str, cwd: Option<&str>) -> Option<String> {
    let home = word.strip_prefix("${HOME}").or_else(|| word.strip_prefix("$HOME")).or_else(|| word.strip_prefix('~'));
    if let Some(rest) = home {
        if !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        let c = collapse_dots(rest);
        return Some(if c.is_empty() { "~".to_owned() } else { format!("~/{c}") });
    }
    let joined = if word.starts_with('/') {
        word.to_owned()
    } else {
        let cwd = cwd.filter(|c| c.starts_with('/') || c.starts_with('~'))?;
        if word.is_empty() {
            return None;
        }
        return normalize_path(&format!("{cwd}/{word}"), None);
    };
    Some(format!("/{}", collapse_dots(&joined)))
}

/// Whether a word is written as a path from the root or the home directory.
fn is_rooted(word: &str) -> bool {
    word.starts_with('/') || word.starts_with('~') || word.starts_with("$HOME") || word.starts_with("${HOME}")
}

impl CommandPattern {
    /// Reads a pattern; the error names what is wrong with it.
    pub fn parse(text: &str) -> Result<CommandPattern, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((&first, rest)) = words.split_first() else {
            return Err("an empty command pattern".to_owned());
        };
        let program = word(first)?;
        let name = file_name(first);
        let (mut options, mut leading, mut anywhere) = (Vec::new(), Vec::new(), Vec::new());
        let mut operands_only = false;
        for &w in rest {
            if !operands_only && w == "--" {
                operands_only = true;
            } else if !operands_only && w.starts_with('-') && w.len() > 1 {
                if has_wildcard(w) {
                    options.push(Opt::Glob(word(w)?));
                } else if let Some(long) = w.strip_prefix("--") {
                    options.push(match long_as_short(name, long) {
                        Some(c) => Opt::Short(c),
                        None => Opt::Long(long.to_owned()),
                    });
                } else {
                    options.extend(w.chars().skip(1).map(|c| Opt::Short(short(name, c))));
                }
            } else if is_rooted(w) {
                let Some(p) = normalize_path(w, None) else {
                    return Err(format!("`{w}` is no path this can read (`~user` is not supported)"));
                };
                let (path, subtree) = match p.strip_suffix("/**") {
                    Some("") => ("/".to_owned(), true),
                    Some(dir) => (dir.to_owned(), true),
                    None => (p, false),
                };
                anywhere.push(Anywhere::Path { path, subtree });
            } else if w.contains('=') {
                anywhere.push(Anywhere::Assign(word(w)?));
            } else {
                leading.push(word(w)?);
            }
        }
        Ok(CommandPattern { text: text.to_owned(), program, options, leading, anywhere })
    }

    /// Whether the simple command `words` (program first, quotes removed), run in `cwd` when
    /// known, is one this pattern names.
    pub fn matches(&self, words: &[String], cwd: Option<&str>) -> bool {
        let Some(program) = words.first() else { return false };
        self.matches_named(words, file_name(program), cwd)
    }

    /// The first of `patterns` that names the simple command `words` (run in `cwd`), as
    /// [`CommandPattern::matches`] reads it; the command is read once for all of them.
    pub fn first_match<'p>(
        patterns: &'p [CommandPattern],
        words: &[String],
        cwd: Option<&str>,
    ) -> Option<&'p CommandPattern> {
        let name = file_name(words.first()?);
        patterns.iter().find(|p| p.matches_named(words, name, cwd))
    }

    /// [`CommandPattern::matches`], given the file name of the command's program.
    fn matches_named(&self, words: &[String], name: &str, cwd: Option<&str>) -> bool {
        let Some((program, rest)) = words.split_first() else { return false };
        if !self.program.is_match(program) && !self.program.is_match(name) {
            return false;
        }
        let mut shorts = Vec::new();
        let mut longs = Vec::new();
        let mut option_words = Vec::new();
        let mut operands = Vec::new();
        let mut operands_only = false;
        for w in rest {
            if !operands_only && w == "--" {
                operands_only = true;
            } else if !operands_only && w.starts_with('-') && w.len() > 1 {
                option_words.push(w.as_str());
                if let Some(long) = w.strip_prefix("--") {
                    let long = long.split('=').next().unwrap_or(long);
                    match long_as_short(name, long) {
                        Some(c) => shorts.push(c),
                        None => longs.push(long),
                    }
                } else {
                    shorts.extend(w.chars().skip(1).map(|c| short(name, c)));
                }
            } else {
                operands.push(w.as_str());
            }
        }
        let options_given = self.options.iter().all(|o| match o {
            Opt::Short(c) => shorts.contains(c),
            Opt::Long(l) => longs.contains(&l.as_str()),
            Opt::Glob(g) => option_words.iter().any(|w| g.is_match(w)),
        });
        if !options_given {
            return false;
        }
        let plain: Vec<&str> = operands.iter().copied().filter(|o| !o.contains('=') && !is_rooted(o)).collect();
        if plain.len() < self.leading.len() || !self.leading.iter().zip(&plain).all(|(g, o)| g.is_match(o)) {
            return false;
        }
        self.anywhere.iter().all(|a| match a {
            Anywhere::Assign(g) => operands.iter().any(|o| g.is_match(o)),
            Anywhere::Path { path, subtree } => operands.iter().filter_map(|o| normalize_path(o, cwd)).any(|p| {
                p == *path
                    || (*subtree
                        && (p.starts_with(&format!("{}/", path.trim_end_matches('/')))
                            || (path == "/" && p.starts_with('/'))))
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(pattern: &str, command: &str, cwd: Option<&str>) -> bool {
        let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        CommandPattern::parse(pattern).unwrap().matches(&words, cwd)
    }

    #[test]
    fn the_root_and_the_home_are_named_whatever_the_spelling() {
        for c in [
            "rm -rf /",
            "rm -fr /",
            "rm -r -f /",
            "rm -Rf /",
            "rm --recursive --force /",
            "rm -rf --no-preserve-root /",
            "rm -rf / --no-preserve-root",
            "rm -rf //",
            "rm -rf /.",
            "rm -rf /tmp/x /",
            "rm -rf -- /",
            "/bin/rm -rf /",
        ] {
            assert!(hit("rm -r /", c, None), "{c}");
        }
        assert!(hit("rm -r /*", "rm -rf /*", None));
        assert!(hit("rm -r /", "rm -rf .", Some("/")));
        assert!(hit("rm -r /", "rm -rf ..", Some("/tmp")));
        assert!(hit("rm -r /*", "rm -rf *", Some("/")));
        for c in ["rm -rf ~", "rm -rf ~/", "rm -rf $HOME", "rm -rf ${HOME}", "rm -rf $HOME/"] {
            assert!(hit("rm -r ~", c, None), "{c}");
        }
        assert!(hit("rm -r ~/*", "rm -rf $HOME/*", None));
    }

    #[test]
    fn paths_inside_are_not_the_root() {
        for c in [
            "rm -rf /workspace/ponylang__ponyc__0.1/build",
            "rm -rf /tmp/foo",
            "rm -rf ./build",
            "rm -rf build",
            "rm -rf ~/.cache/pip",
            "rm -rf $HOME/.cache",
            "rm -f /",
            "ls -rf /",
        ] {
            for p in ["rm -r /", "rm -r /*", "rm -r ~", "rm -r ~/*"] {
                assert!(!hit(p, c, Some("/workspace")), "`{p}` matched `{c}`");
            }
        }
        // A relative operand with no known directory is no path.
        assert!(!hit("rm -r /", "rm -rf .", None));
        assert!(!hit("rm -r /", "rm -rf .", Some("/testbed")));
        assert!(hit("rm -r /etc/**", "rm -rf /etc/ssh", None));
        assert!(!hit("rm -r /etc/**", "rm -rf /etcetera", None));
    }

    #[test]
    fn dots_collapse_as_a_list_of_segments_would() {
        let by_segments = |path: &str| {
            let mut parts: Vec<&str> = Vec::new();
            for p in path.split('/') {
                match p {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    p => parts.push(p),
                }
            }
            parts.join("/")
        };
        let pieces = ["a", "bé", "..", ".", "", "...", ".x"];
        let mut paths = vec![String::new()];
        for _ in 0..5 {
            paths = paths.iter().flat_map(|p| pieces.iter().map(move |x| format!("{p}/{x}"))).collect();
            for p in &paths {
                assert_eq!(collapse_dots(p), by_segments(p), "{p}");
                assert_eq!(collapse_dots(&p[1..]), by_segments(&p[1..]), "{p}");
            }
        }
    }

    #[test]
    fn literal_words_match_as_their_glob_would() {
        for w in ["rm", "git", "push", "bs=1M", "/bin/rm", "a.b", "x+y", "-", "é"] {
            let Word::Literal(_) = word(w).unwrap() else { panic!("`{w}` is a literal") };
            let g = glob(w).unwrap();
            for text in [w, "rm", "git", "push", "pushx", "bs=1M", "/bin/rm", "axb", "a.b", "x+y", "", "é", "E"] {
                assert_eq!(word(w).unwrap().is_match(text), g.is_match(text), "`{w}` on `{text}`");
            }
        }
        for w in ["mkfs*", "--force*", "*", "a/b*", "of=/dev/sd*"] {
            let Word::Prefix(_) = word(w).unwrap() else { panic!("`{w}` is a prefix") };
            let g = glob(w).unwrap();
            for text in ["mkfs", "mkfs.ext4", "mkf", "--force", "--force-x", "", "a/b", "a/b/c\nd", "of=/dev/sda"] {
                assert_eq!(word(w).unwrap().is_match(text), g.is_match(text), "`{w}` on `{text}`");
            }
        }
        for w in ["push?", "of=/dev/{sd,hd}*", "[ab]", "a\\*", "a,b", "a}", "a**", "*a*"] {
            assert!(!matches!(word(w), Ok(Word::Literal(_) | Word::Prefix(_))), "`{w}` is a glob");
        }
    }

    #[test]
    fn subcommands_options_and_assignments() {
        assert!(hit("git push --force*", "git push --force origin main", None));
        assert!(hit("git push --force*", "git push origin main --force-with-lease", None));
        assert!(hit("git push -f", "git push -fu origin main", None));
        assert!(hit("git push*", "git -C /repo push origin", None));
        assert!(!hit("git push*", "git commit -m push", None));
        assert!(!hit("git push -f", "git push origin main", None));
        assert!(hit("dd if=* of=/dev/sd*", "dd bs=1M if=/dev/zero of=/dev/sda", None));
        assert!(!hit("dd if=* of=/dev/sd*", "dd if=/dev/zero of=/dev/null", None));
        assert!(hit("mkfs*", "mkfs.ext4 /dev/sdb1", None));
        assert!(hit("kubectl*", "kubectl apply -f x.yaml", None));
        assert!(hit("chmod -R 777 /", "chmod --recursive 777 /", None));
        assert!(!hit("chmod -R 777 /", "chmod -R 777 /workspace/x", None));
        assert!(CommandPattern::parse("").is_err());
        assert!(CommandPattern::parse("rm {a").is_err());
    }
}
