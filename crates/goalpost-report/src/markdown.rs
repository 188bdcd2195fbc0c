//! `summary.md` (being written).
use crate::summary::Report;

pub fn escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_punctuation() { format!("\\{c}") } else { c.to_string() }).collect()
}

pub fn render(r: &Report) -> String {
    format!("# {}\n", escape(&r.run_id))
}
