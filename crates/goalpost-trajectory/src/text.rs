//! Text from a trajectory made safe to show: control characters (C0 but newline and tab, DEL,
//! C1) and the invisible formatting characters that reorder or hide text (bidirectional
//! overrides and isolates, zero-width marks) are written as visible escapes (`\u{1b}`), so a
//! terminal never acts on them and a reviewer sees that they were there. Every place that
//! shows trajectory text (the terminal, report.html, summary.md, report and gate files) goes
//! through here.

use std::borrow::Cow;

/// Whether `c` would act on a terminal or hide or reorder text instead of showing itself.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            // Arabic letter mark; zero-width space, joiners, LRM/RLM; line and paragraph
            // separators; bidi embeddings and overrides; word joiner and invisible operators;
            // bidi isolates; the byte-order mark.
            '\u{61c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Pushes `c` onto `out`, written as `\u{…}` when it is hidden: the one escape every place
/// that shows trajectory text uses, one character at a time.
pub fn push_visible(out: &mut String, c: char) {
    if is_hidden(c) {
        use std::fmt::Write as _;
        let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
    } else {
        out.push(c);
    }
}

/// [`visible`], cut after `max` characters (an ellipsis says so): for one line of a message.
pub fn visible_capped(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        push_visible(&mut out, c);
    }
    out
}

/// `s` with every hidden character written as `\u{…}`.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_with(s, |c, out| push_visible(out, c))
}

/// JSON text with every hidden character inside its strings written as a JSON escape
/// (`\u009b`): the same JSON value, nothing raw left for a terminal. JSON's structural
/// characters are never hidden ones, so only string contents change.
pub fn json_visible(s: &str) -> Cow<'_, str> {
    escape_with(s, |c, out| {
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            out.push_str(&format!("\\u{u:04x}"));
        }
    })
}

fn escape_with(s: &str, esc: impl Fn(char, &mut String)) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) { esc(c, &mut out) } else { out.push(c) }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_become_visible_escapes() {
        assert_eq!(visible("plain\ttext\nok"), "plain\ttext\nok");
        assert_eq!(visible("a\u{1b}[31mred\u{7}"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(visible("c1 \u{9b}2J \u{7f} \r"), "c1 \\u{9b}2J \\u{7f} \\u{d}");
        assert_eq!(visible("evil\u{202e}txt.exe\u{200b}"), "evil\\u{202e}txt.exe\\u{200b}");
        assert_eq!(visible("修复 é “q”"), "修复 é “q”");
        assert_eq!(visible("a\u{2028}b\u{61c}\u{2060}"), "a\\u{2028}b\\u{61c}\\u{2060}");
        assert_eq!(visible_capped("ab\u{1b}cd", 3), "ab\\u{1b}…");
    }

    #[test]
    fn json_stays_the_same_value() {
        let v = serde_json::json!({"cmd": "x\u{9b}2J\u{7f}\u{202e}"});
        let raw = serde_json::to_string(&v).unwrap();
        let safe = json_visible(&raw);
        assert!(!safe.chars().any(is_hidden), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), v);
    }
}
