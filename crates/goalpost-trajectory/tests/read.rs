//! The canonical reader on bad input: every error names file, line and field, and costs only
//! the trajectory it is in.

use std::io::Cursor;

use goalpost_trajectory::{IngestError, Limits, Record, Trajectory, TrajectoryReader, to_jsonl};

const H1: &str = r#"{"type":"header","format":"goalpost-trajectory/1.0","id":"a","agent":"x","scenario":"s"}"#;
const H2: &str = r#"{"type":"header","format":"goalpost-trajectory/1.0","id":"b","agent":"x"}"#;
const H3: &str = r#"{"type":"header","format":"goalpost-trajectory/1.0","id":"c","agent":"x"}"#;
const CMD: &str = r#"{"type":"command","command":"ls","exit_code":0}"#;

fn read(text: &str, limits: Limits) -> Vec<Result<Trajectory, IngestError>> {
    TrajectoryReader::new("t.jsonl", Cursor::new(text.as_bytes().to_vec()), limits).collect()
}

/// `Ok(id)` or `Err("line:field:message")` per item.
fn summary(text: &str) -> Vec<Result<String, String>> {
    read(text, Limits::default())
        .into_iter()
        .map(|r| match r {
            Ok(t) => Ok(t.header.id),
            Err(e) => Err(format!("{}:{}:{}", e.line.unwrap_or(0), e.field.unwrap_or_default(), e.message)),
        })
        .collect()
}

#[test]
fn several_trajectories_stream_in_order_with_numbered_steps() {
    let text = format!("{H1}\n{CMD}\n\n{CMD}\n{H2}\n{CMD}\n");
    let items = read(&text, Limits::default());
    let ts: Vec<Trajectory> = items.into_iter().map(Result::unwrap).collect();
    assert_eq!(ts.len(), 2);
    assert_eq!(ts[0].steps.iter().map(|s| (s.n, s.line)).collect::<Vec<_>>(), [(1, 2), (2, 4)]);
    assert_eq!(ts[1].origin.line, 5);
    assert_ne!(ts[0].content_hash, ts[1].content_hash);
}

#[test]
fn malformed_json_costs_only_its_own_trajectory() {
    let text = format!("{H1}\n{CMD}\n{{\"type\":\"command\",\"command\":\n{CMD}\n{H2}\n{CMD}\n");
    let s = summary(&text);
    assert_eq!(s.len(), 2, "{s:?}");
    let e = s[0].as_ref().unwrap_err();
    assert!(e.starts_with("3::invalid JSON"), "{e}");
    assert_eq!(s[1], Ok("b".into()));
}

#[test]
fn a_wrong_type_names_the_field() {
    let text = format!("{H1}\n{{\"type\":\"command\",\"command\":\"ls\",\"exit_code\":\"zero\"}}\n{H2}\n");
    let s = summary(&text);
    let e = s[0].as_ref().unwrap_err();
    assert!(e.starts_with("2:exit_code:invalid type: string \"zero\""), "{e}");
    assert_eq!(s[1], Ok("b".into()));
}

#[test]
fn nested_and_missing_fields_are_named() {
    let bad_outcome = r#"{"type":"test_run","tests":[{"name":"a","outcome":"passed"},{"name":"b","outcome":"maybe"}]}"#;
    let missing = r#"{"type":"file_edit","op":"modify"}"#;
    let unknown = r#"{"type":"command","command":"ls","exitcode":0}"#;
    let text = format!("{H1}\n{bad_outcome}\n{H2}\n{missing}\n{H3}\n{unknown}\n");
    let s = summary(&text);
    assert!(s[0].as_ref().unwrap_err().starts_with("2:tests[1].outcome:unknown variant `maybe`"), "{s:?}");
    assert!(s[1].as_ref().unwrap_err().starts_with("4:path:missing field `path`"), "{s:?}");
    assert!(s[2].as_ref().unwrap_err().starts_with("6:exitcode:unknown field `exitcode`"), "{s:?}");
}

#[test]
fn a_huge_line_is_skipped_without_being_buffered() {
    let huge = format!("{{\"type\":\"message\",\"role\":\"user\",\"content\":\"{}\"}}", "x".repeat(10_000));
    let text = format!("{H1}\n{huge}\n{CMD}\n{H2}\n{CMD}\n");
    let items = read(&text, Limits { max_line_bytes: 1024, ..Limits::default() });
    assert_eq!(items.len(), 2);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("longer than the limit of 1024 bytes"), "{e}");
    assert_eq!(items[1].as_ref().unwrap().header.id, "b");
}

#[test]
fn steps_before_a_header_or_after_final_are_errors() {
    let s = summary(&format!("{CMD}\n{CMD}\n{H2}\n"));
    assert_eq!(s.len(), 2);
    assert!(s[0].as_ref().unwrap_err().contains("expected a `header` record"));
    assert_eq!(s[1], Ok("b".into()));
    let s = summary(&format!("{H1}\n{{\"type\":\"final\"}}\n{CMD}\n"));
    assert!(s[0].as_ref().unwrap_err().contains("after the `final` record"), "{s:?}");
}

#[test]
fn versions_are_checked() {
    let newer = H1.replace("1.0", "1.7");
    let items = read(&format!("{newer}\n{CMD}\n"), Limits::default());
    let t = items[0].as_ref().unwrap();
    assert_eq!(t.warnings.len(), 1);
    assert_eq!(t.warnings[0].field.as_deref(), Some("format"));
    let s = summary(&format!("{}\n{CMD}\n{H2}\n", H1.replace("1.0", "2.0")));
    assert!(s[0].as_ref().unwrap_err().starts_with("1:format:unsupported format"), "{s:?}");
    assert_eq!(s[1], Ok("b".into()));
}

#[test]
fn a_hostile_header_with_a_bad_version_after_a_good_trajectory_keeps_the_good_one() {
    let bad = H2.replace("goalpost-trajectory/1.0", "../../etc/passwd");
    let s = summary(&format!("{H1}\n{CMD}\n{bad}\n{CMD}\n{H3}\n"));
    assert_eq!(s[0], Ok("a".into()));
    assert!(s[1].is_err(), "{s:?}");
    assert_eq!(s[2], Ok("c".into()));
}

#[test]
fn write_then_read_round_trips() {
    let text = format!(
        "{H1}\n{CMD}\n{}\n{}\n",
        r#"{"type":"side_effect","kind":"vcs_push","target":"origin","reversible":false}"#,
        r#"{"type":"final","diff":"diff --git a/x b/x","tests":[{"name":"t","outcome":"passed"}]}"#
    );
    let t = read(&text, Limits::default()).remove(0).unwrap();
    let again = read(&to_jsonl(&t), Limits::default()).remove(0).unwrap();
    assert_eq!(t.header, again.header);
    assert_eq!(
        t.steps.iter().map(|s| &s.record).collect::<Vec<_>>(),
        again.steps.iter().map(|s| &s.record).collect::<Vec<_>>()
    );
    assert_eq!(t.final_state, again.final_state);
    assert!(matches!(again.steps[1].record, Record::SideEffect(_)));
}

/// The content hash is blake3 of the trajectory's non-blank lines, whatever their sizes (lines
/// are hashed in gathered blocks; one longer than a block goes straight through).
#[test]
fn the_content_hash_is_the_hash_of_the_lines() {
    let big = format!(r#"{{"type":"command","command":"cat log","exit_code":0,"output":"{}"}}"#, "x".repeat(200_000));
    let mut lines = vec![H1.to_owned()];
    for i in 0..3000 {
        lines.push(format!(r#"{{"type":"command","command":"echo {i}","exit_code":0}}"#));
        if i == 1500 {
            lines.push(big.clone());
        }
    }
    let text = lines.join("\n\n") + "\n";
    let ts: Vec<Trajectory> = read(&text, Limits::default()).into_iter().map(Result::unwrap).collect();
    let mut h = blake3::Hasher::new();
    for l in &lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    assert_eq!(ts[0].content_hash, h.finalize().to_hex().to_string());
    assert_eq!(ts[0].steps.len(), 3001);
}

/// A line with two `type` keys is refused, whichever comes first: its type would depend on
/// the reader.
#[test]
fn two_type_keys_are_refused() {
    for line in
        [r#"{"type":"command","type":"usage","command":"ls"}"#, r#"{"command":"ls","type":"command","type":"command"}"#]
    {
        let s = summary(&format!("{H1}\n{line}\n"));
        let e = s[0].as_ref().unwrap_err();
        assert!(e.contains("duplicate field `type`"), "{e}");
        assert!(e.starts_with("2:"), "{e}");
    }
}

/// Whitespace and key order do not change what a line is: the tag first or last, spaced or
/// not, gives the same record.
#[test]
fn a_record_reads_the_same_however_its_tag_is_placed() {
    let forms = [
        r#"{"type":"command","command":"ls","exit_code":0}"#,
        r#"  { "type" : "command" , "command":"ls","exit_code":0}"#,
        r#"{"command":"ls","exit_code":0,"type":"command"}"#,
        r#"{"type":"comm\u0061nd","command":"ls","exit_code":0}"#,
    ];
    let records: Vec<Record> = forms
        .iter()
        .map(|l| read(&format!("{H1}\n{l}\n"), Limits::default()).remove(0).unwrap().steps.remove(0).record)
        .collect();
    assert!(records.iter().all(|r| *r == records[0]), "{records:?}");
}
