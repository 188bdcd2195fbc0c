//! Rows of `results.jsonl` read back: the one-pass reading (`type` first, as goalpost writes
//! it) gives what the tag-anywhere reading gives, on the rows of the bundled examples.

use std::path::{Path, PathBuf};

use goalpost_grade::{NoReporter, ResultRow, RunOptions, header_line, row_line};
use goalpost_trajectory::discover;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every row of a run over the examples, the hostile fixtures and a damaged file, as written.
fn lines() -> Vec<String> {
    let root = root();
    let (specs, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    let bad = tempfile::tempdir().unwrap();
    fs_err::write(
        bad.path().join("bad.jsonl"),
        "{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.0\",\"id\":\"b\\u202e\"}\n{\"type\":\"command\",\"exit_code\":\"x\"}\n",
    )
    .unwrap();
    // A trial whose reward file nests its value as deep as a reader accepts: the row holds it
    // deeper still, and must read back all the same.
    let trial = bad.path().join("trial");
    let atif = root.join("fixtures/formats/atif/openhands-hello-world");
    fs_err::create_dir_all(trial.join("agent")).unwrap();
    fs_err::create_dir_all(trial.join("verifier")).unwrap();
    fs_err::copy(atif.join("agent/trajectory.json"), trial.join("agent/trajectory.json")).unwrap();
    let deep = format!("{{\"r\": {}1{}, \"ok\": 1}}", "[".repeat(126), "]".repeat(126));
    fs_err::write(trial.join("verifier/reward.json"), deep).unwrap();
    let (inputs, _) =
        discover(&[root.join("examples/trajectories"), root.join("fixtures/hostile/commands"), bad.path().to_owned()]);
    assert!(inputs.iter().any(|i| i.path.starts_with(&trial)), "the deep trial is read: {inputs:?}");
    let r = goalpost_grade::run(&inputs, vec![], &specs, RunOptions::default(), &NoReporter);
    assert!(!r.verdicts.is_empty() && !r.errors.is_empty(), "both kinds: {} {}", r.verdicts.len(), r.errors.len());
    let deep_scores: Vec<_> = r.verdicts.iter().flat_map(|v| &v.source_scores).filter(|s| s.name == "r").collect();
    assert_eq!(deep_scores.len(), 1, "{deep_scores:?}");
    assert_eq!(deep_scores[0].value, "(a value nested more than 32 levels deep: not kept)");
    let mut out = vec![header_line()];
    out.extend(r.verdicts.iter().map(|v| row_line(Ok(v))));
    out.extend(r.errors.iter().map(|e| row_line(Err(e))));
    out
}

/// The same object with `type` moved to the end.
fn type_last(line: &str) -> String {
    let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
    let ty = v.remove("type").unwrap();
    v.insert("type".into(), ty);
    serde_json::to_string(&v).unwrap()
}

#[test]
fn rows_read_back_the_same_wherever_the_tag_is() {
    for line in lines() {
        assert!(line.starts_with("{\"type\":"), "{line}");
        let fast: ResultRow = serde_json::from_str(&line).unwrap();
        let moved = type_last(&line);
        assert!(!moved.starts_with("{\"type\":"));
        let careful: ResultRow = serde_json::from_str(&moved).unwrap();
        assert_eq!(fast, careful);
        // Written again, the row is the same bytes.
        let again = match &fast {
            ResultRow::Header { .. } => header_line(),
            ResultRow::Verdict(v) => row_line(Ok(v)),
            ResultRow::Error(e) => row_line(Err(e)),
        };
        assert_eq!(again, line);
    }
}

#[test]
fn a_row_without_a_known_type_is_refused() {
    for (line, wanted) in [
        (r#"{"type":"verdicts","trajectory":"x"}"#, "unknown variant `verdicts`"),
        (r#"{"trajectory":"x","type":"nope"}"#, "unknown variant `nope`"),
        (r#"{}"#, "missing field `type`"),
        (r#"{"trajectory":"x"}"#, "missing field `type`"),
        (r#"{"type":"verdict","trajectory":"x"}"#, "missing field"),
        (r#"[1]"#, "an object with a `type`"),
    ] {
        let e = serde_json::from_str::<ResultRow>(line).unwrap_err().to_string();
        assert!(e.contains(wanted), "{line}: {e}");
    }
}
