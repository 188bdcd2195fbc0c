//! How a mini-swe-agent `*.traj.json` is read where the reader takes shortcuts: the parts of a
//! message's `extra` and of `info.config` that are never looked at are checked but not kept,
//! and the path of the field that failed is worked out only for a file that does not parse.
//! A file reads, or fails with the same message, line and field, as if every value were kept.

use std::path::{Path, PathBuf};

use goalpost_trajectory::swebench::read_mini_trajectory;
use goalpost_trajectory::{IngestError, Record, Trajectory, Usage};

/// A 1.0 trajectory: a system and a user message, then an assistant turn answered by `obs`,
/// with `extra` and `config` as given (JSON text).
fn traj(extra: &str, config: &str, obs: &str) -> String {
    format!(
        r#"{{
  "info": {{"exit_status": "Submitted", "submission": "", "mini_version": "1.0", "config": {config}}},
  "messages": [
    {{"role": "system", "content": "You are a helpful assistant."}},
    {{"role": "user", "content": "<pr_description>\nConsider the following PR description:\n  Fix it \n</pr_description>"}},
    {{"role": "assistant", "content": "THOUGHT: list\n\n```bash\nls -la\n```", "extra": {extra}}},
    {{"role": "user", "content": {obs}}}
  ],
  "trajectory_format": "mini-swe-agent-1",
  "instance_id": "octo__cat-1"
}}"#
    )
}

const RESPONSE: &str = r#"{"response": {"id": "x", "created": 1700000000, "model": "m1",
  "choices": [{"message": {"content": "THOUGHT: list\n\n```bash\nls -la\n```", "reasoning": [1, {"a": null}]}}],
  "usage": {"prompt_tokens": 10, "completion_tokens": 5, "cost": 0.25, "prompt_tokens_details": {"cached_tokens": 3}, "other": [1]}}}"#;
const CONFIG: &str = r#"{"agent": {"system_template": "long", "step_limit": 250, "cost_limit": 3.0},
  "model": {"model_name": "vendor/model", "model_kwargs": {"t": 0}}, "environment": {"cwd": "/testbed", "image": "img:1", "env": {"A": "1"}}}"#;
const OBS: &str = r#""<returncode>2</returncode>\n<output>\nno such file\n</output>""#;

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("octo__cat-1.traj.json");
    fs_err::write(&path, text).unwrap();
    path
}

fn read(text: &str) -> Result<Trajectory, IngestError> {
    let dir = tempfile::tempdir().unwrap();
    read_mini_trajectory(&write(dir.path(), text), None)
}

/// `(line, field, message)` of the error reading `text`.
fn error(text: &str) -> (Option<u64>, Option<String>, String) {
    let e = read(text).expect_err("the file does not parse");
    (e.line, e.field, e.message)
}

fn usage(t: &Trajectory) -> Vec<&Usage> {
    t.steps
        .iter()
        .filter_map(|s| match &s.record {
            Record::Usage(u) => Some(u),
            _ => None,
        })
        .collect()
}

#[test]
fn what_is_read_of_extra_and_config_is_kept() {
    let t = read(&traj(RESPONSE, CONFIG, OBS)).unwrap();
    assert_eq!(t.header.model.as_deref(), Some("vendor/model"));
    assert_eq!(t.header.workspace.as_deref(), Some("/testbed"));
    let u = usage(&t);
    assert_eq!(u.len(), 1);
    assert_eq!(
        (u[0].model.as_deref(), u[0].input_tokens, u[0].output_tokens, u[0].cache_read_tokens, u[0].cost_usd),
        (Some("m1"), Some(10), Some(5), Some(3), Some(0.25))
    );
    let commands: Vec<_> = t
        .steps
        .iter()
        .filter_map(|s| match &s.record {
            Record::Command(c) => Some((c.command.as_str(), c.exit_code, c.output.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(commands, [("ls -la", Some(2), "<output>\nno such file\n</output>")]);
}

#[test]
fn a_repeated_key_keeps_its_last_value_and_a_usage_of_any_type_counts() {
    // The last `response` wins, as in a JSON value: its usage is `null`, which still records a
    // call (with no tokens).
    let extra =
        r#"{"response": {"created": 1, "usage": {"prompt_tokens": 99}}, "response": {"model": "m2", "usage": null}}"#;
    let t = read(&traj(extra, "{}", OBS)).unwrap();
    let u = usage(&t);
    assert_eq!(u.len(), 1);
    assert_eq!((u[0].model.as_deref(), u[0].input_tokens, u[0].cost_usd), (Some("m2"), None, None));
    // An `extra`, a `response` or a config that is no object has nothing to find.
    for extra in [r#""text""#, "[1, 2]", "null", r#"{"response": [1, {"usage": {}}]}"#, r#"{"response": "r"}"#] {
        let t = read(&traj(extra, r#"{"model": ["model_name"], "environment": "/testbed"}"#, OBS)).unwrap();
        assert!(usage(&t).is_empty(), "{extra}");
        assert_eq!((t.header.model.as_deref(), t.header.workspace.as_deref()), (None, None), "{extra}");
    }
}

#[test]
fn errors_name_the_same_field_whether_or_not_the_value_is_kept() {
    let text = traj(RESPONSE, CONFIG, OBS);
    // A wrong type in a typed field.
    let bad = text.replacen(r#""role": "assistant""#, r#""role": 5"#, 1);
    assert_eq!(
        error(&bad),
        (
            Some(7),
            Some("messages[2].role".to_owned()),
            "invalid type: integer `5`, expected a string at line 7 column 14".to_owned()
        )
    );
    // Inside parts of `extra.response` that are not kept.
    let bad = text.replacen(r#""reasoning": [1, "#, r#""reasoning": [1e999, "#, 1);
    assert_eq!(
        error(&bad),
        (
            Some(8),
            Some("messages[2].extra.response.choices[0].message.reasoning[0]".to_owned()),
            "number out of range at line 8 column 98".to_owned()
        )
    );
    let bad = text.replacen(r#""id": "x""#, r#""id": "\ud800x""#, 1);
    assert_eq!(
        error(&bad),
        (
            Some(7),
            Some("messages[2].extra.response.id".to_owned()),
            "unexpected end of hex escape at line 7 column 115".to_owned()
        )
    );
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    let bad = text.replacen(r#""other": [1]"#, &format!(r#""other": {deep}"#), 1);
    let (line, field, message) = error(&bad);
    assert_eq!((line, message.as_str()), (Some(9), "recursion limit exceeded at line 9 column 249"));
    assert_eq!(field.unwrap(), format!("messages[2].extra.response.usage.other{}", "[0]".repeat(121)));
    // Inside parts of `info.config` that are not kept, and a key that is no string.
    let bad = text.replacen(r#""env": {"A": "1"}"#, r#""env": {"A": tru}"#, 1);
    assert_eq!(
        error(&bad),
        (Some(3), Some("info.config.environment.env.A".to_owned()), "expected ident at line 3 column 139".to_owned())
    );
    let bad = text.replacen(r#"{"t": 0}"#, "{t: 0}", 1);
    assert_eq!(
        error(&bad),
        (
            Some(3),
            Some("info.config.model.model_kwargs.?".to_owned()),
            "key must be a string at line 3 column 60".to_owned()
        )
    );
    // A file cut short.
    let cut = &text[..text.find("\"usage\"").unwrap()];
    assert_eq!(
        error(cut),
        (
            Some(9),
            Some("messages[2].extra.response.?".to_owned()),
            "EOF while parsing a value at line 9 column 2".to_owned()
        )
    );
}

#[test]
fn what_follows_the_trajectory_is_not_read() {
    let t = read(&format!("{} trailing", traj(RESPONSE, CONFIG, OBS))).unwrap();
    assert_eq!(t.header.id, "octo__cat-1");
}
