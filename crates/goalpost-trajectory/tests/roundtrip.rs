//! The canonical format round-trips: any trajectory written with `write_trajectory`/`to_jsonl`
//! reads back equal, strings with odd Unicode and numbers at the limits of their types included.
//! Floats are finite: the format has no NaN or infinity (a non-finite float is written as
//! `null`, which an optional field reads back as absent and a required one refuses).

use std::io::Cursor;
use std::path::Path;

use goalpost_trajectory::{
    Command, EditOp, ErrorEvent, ErrorKind, FileEdit, FinalState, Header, Limits, Message, Metric, Origin, Record,
    Role, SideEffect, SourceInfo, SourceScore, Step, TestOutcome, TestResult, TestRun, ToolCall, ToolResult,
    Trajectory, TrajectoryReader, Usage, ValueSource, read_file, to_jsonl, write_trajectory,
};
use proptest::prelude::*;
use serde_json::Value;

const ODD: &[&str] = &[
    "",
    "\u{201c}https://x\u{201d}",
    "修复https://x",
    "e\u{301}",
    "\u{202e}evil",
    "\u{200b}\u{feff}",
    "\u{1b}[31m\u{7}\u{9b}",
    "\u{0}",
    "\r\n\t",
    "👩\u{200d}👩\u{200d}👧",
    "\u{10ffff}",
    "\u{2028}\u{85}",
    "\"\\/",
    "é://",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => proptest::sample::select(ODD).prop_map(str::to_owned),
        1 => (proptest::sample::select(ODD), any::<String>(), proptest::sample::select(ODD))
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        proptest::sample::select(vec![
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            1e308,
            0.1,
            1.0 / 3.0,
            9_007_199_254_740_993.0,
        ]),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ]
}

fn opt_float() -> impl Strategy<Value = Option<f64>> {
    proptest::option::of(float())
}

fn u64_edge() -> impl Strategy<Value = u64> {
    prop_oneof![proptest::sample::select(vec![0, 1, u64::from(u32::MAX), i64::MAX as u64, u64::MAX]), any::<u64>()]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        u64_edge().prop_map(Value::from),
        float().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(text(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn role() -> impl Strategy<Value = Role> {
    proptest::sample::select(vec![Role::System, Role::User, Role::Assistant, Role::Tool])
}

fn source() -> impl Strategy<Value = ValueSource> {
    proptest::sample::select(vec![ValueSource::Agent, ValueSource::Harness])
}

fn test_result() -> impl Strategy<Value = TestResult> {
    let outcome = proptest::sample::select(vec![
        TestOutcome::Passed,
        TestOutcome::Failed,
        TestOutcome::Error,
        TestOutcome::Skipped,
        TestOutcome::Xfailed,
        TestOutcome::Xpassed,
    ]);
    (text(), outcome).prop_map(|(name, outcome)| TestResult { name, outcome })
}

fn metric() -> impl Strategy<Value = Metric> {
    (text(), float(), opt_text(), source(), opt_float()).prop_map(|(name, value, unit, source, elapsed_s)| Metric {
        name,
        value,
        unit,
        source,
        elapsed_s,
    })
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (role(), text(), opt_float()).prop_map(|(role, content, elapsed_s)| Record::Message(Message {
            role,
            content,
            elapsed_s
        })),
        (opt_text(), text(), opt_text(), json(), opt_float()).prop_map(
            |(call_id, tool, plugin, arguments, elapsed_s)| {
                Record::ToolCall(ToolCall { call_id, tool, plugin, arguments, elapsed_s })
            }
        ),
        (opt_text(), proptest::option::of(any::<bool>()), text(), opt_float()).prop_map(
            |(call_id, is_error, output, elapsed_s)| Record::ToolResult(ToolResult {
                call_id,
                is_error,
                output,
                elapsed_s
            })
        ),
        (
            text(),
            proptest::option::of(any::<i32>()),
            opt_float(),
            opt_text(),
            text(),
            any::<bool>(),
            opt_text(),
            opt_float()
        )
            .prop_map(|(command, exit_code, duration_s, cwd, output, timed_out, call_id, elapsed_s)| {
                Record::Command(Command { command, exit_code, duration_s, cwd, output, timed_out, call_id, elapsed_s })
            }),
        (
            text(),
            proptest::sample::select(vec![EditOp::Create, EditOp::Modify, EditOp::Delete, EditOp::Rename]),
            opt_text(),
            opt_text(),
            opt_text(),
            opt_float()
        )
            .prop_map(|(path, op, from, diff, call_id, elapsed_s)| {
                Record::FileEdit(FileEdit { path, op, from, diff, call_id, elapsed_s })
            }),
        (opt_text(), opt_text(), proptest::collection::vec(test_result(), 0..4), source(), opt_float()).prop_map(
            |(command, framework, tests, source, elapsed_s)| {
                Record::TestRun(TestRun { command, framework, tests, source, elapsed_s })
            }
        ),
        (text(), text(), proptest::option::of(any::<bool>()), opt_text(), opt_float()).prop_map(
            |(kind, target, reversible, detail, elapsed_s)| {
                Record::SideEffect(SideEffect { kind, target, reversible, detail, elapsed_s })
            }
        ),
        (
            opt_text(),
            proptest::option::of(u64_edge()),
            proptest::option::of(u64_edge()),
            proptest::option::of(u64_edge()),
            proptest::option::of(u64_edge()),
            opt_float()
        )
            .prop_map(
                |(model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd)| {
                    Record::Usage(Usage {
                        model,
                        input_tokens,
                        output_tokens,
                        cache_read_tokens,
                        cache_write_tokens,
                        cost_usd,
                    })
                }
            ),
        metric().prop_map(Record::Metric),
        (proptest::sample::select(vec![ErrorKind::Infra, ErrorKind::Timeout, ErrorKind::Agent]), text(), opt_float())
            .prop_map(|(kind, message, elapsed_s)| Record::Error(ErrorEvent { kind, message, elapsed_s })),
    ]
}

fn final_state() -> impl Strategy<Value = FinalState> {
    let score = (text(), json(), opt_text(), opt_text()).prop_map(|(name, value, answer, explanation)| SourceScore {
        name,
        value,
        answer,
        explanation,
    });
    (
        opt_text(),
        opt_text(),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(test_result(), 0..4),
        opt_text(),
        proptest::collection::vec(metric(), 0..3),
        opt_float(),
        proptest::collection::vec(score, 0..3),
    )
        .prop_map(|(exit_status, diff, patch_applied, tests, tests_source, metrics, wall_time_s, scores)| {
            FinalState { exit_status, diff, patch_applied, tests, tests_source, metrics, wall_time_s, scores }
        })
}

fn header() -> impl Strategy<Value = Header> {
    let source = (text(), text()).prop_map(|(format, path)| SourceInfo { format, path });
    (
        proptest::sample::select(vec!["goalpost-trajectory/1.0", "goalpost-trajectory/1.1", "goalpost-trajectory/1.2"]),
        text(),
        text(),
        opt_text(),
        opt_text(),
        opt_text(),
        prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()],
        opt_text(),
        proptest::option::of(source),
        opt_text(),
    )
        .prop_map(
            |(format, id, agent, agent_revision, model, scenario, attempt, started_at, source, workspace)| Header {
                format: format.to_owned(),
                id,
                agent,
                agent_revision,
                model,
                scenario,
                attempt,
                started_at,
                source,
                workspace,
            },
        )
}

/// A trajectory as the reader gives it back for `path`: the fields the text does not carry
/// (origin, hash, size, step lines) are what reading that text yields.
fn trajectory() -> impl Strategy<Value = Trajectory> {
    (header(), proptest::collection::vec(record(), 0..12), proptest::option::of(final_state())).prop_map(
        |(header, records, final_state)| Trajectory {
            header,
            steps: records
                .into_iter()
                .enumerate()
                .map(|(i, record)| Step { n: i as u32 + 1, line: i as u64 + 2, record })
                .collect(),
            final_state,
            origin: Origin { path: "t.jsonl".into(), line: 1 },
            content_hash: String::new(),
            bytes: 0,
            warnings: Vec::new(),
            embedded_scenario: None,
        },
    )
}

fn expected(t: &Trajectory, text: &str, path: &Path) -> Trajectory {
    let mut t = t.clone();
    t.origin.path = path.to_owned();
    t.content_hash = blake3::hash(text.as_bytes()).to_hex().to_string();
    t.bytes = text.len() as u64;
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn written_trajectories_read_back_equal(t in trajectory()) {
        let text = to_jsonl(&t);
        let mut buf = Vec::new();
        write_trajectory(&mut buf, &t).unwrap();
        prop_assert_eq!(text.as_bytes(), &buf[..]);
        let back: Vec<_> =
            TrajectoryReader::new("t.jsonl", Cursor::new(buf), Limits::default()).collect();
        prop_assert_eq!(back.len(), 1);
        let back = back.into_iter().next().unwrap().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &expected(&t, &text, Path::new("t.jsonl")));
        // Writing what was read gives the same bytes.
        prop_assert_eq!(to_jsonl(&back), text.clone());

        // The same through a file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        fs_err::write(&path, &text).unwrap();
        let back: Vec<_> = read_file(&path, Limits::default()).unwrap().collect();
        prop_assert_eq!(back.len(), 1);
        let back = back.into_iter().next().unwrap().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &expected(&t, &text, &path));
    }
}

/// A non-finite float is no number in JSON: written as `null`, an optional field reads back
/// absent and a required one (`metric.value`) is refused with its field named.
#[test]
fn non_finite_floats_are_absent_or_refused() {
    let mut t = Trajectory {
        header: Header {
            format: goalpost_trajectory::format_tag(),
            id: "x".into(),
            agent: "a".into(),
            agent_revision: None,
            model: None,
            scenario: None,
            attempt: 1,
            started_at: None,
            source: None,
            workspace: None,
        },
        steps: vec![Step {
            n: 1,
            line: 2,
            record: Record::Message(Message { role: Role::User, content: "hi".into(), elapsed_s: Some(f64::NAN) }),
        }],
        final_state: None,
        origin: Origin { path: "t.jsonl".into(), line: 1 },
        content_hash: String::new(),
        bytes: 0,
        warnings: Vec::new(),
        embedded_scenario: None,
    };
    let read = |t: &Trajectory| {
        TrajectoryReader::new("t.jsonl", Cursor::new(to_jsonl(t).into_bytes()), Limits::default()).collect::<Vec<_>>()
    };
    let back = read(&t);
    let Record::Message(m) = &back[0].as_ref().unwrap().steps[0].record else { panic!("{back:?}") };
    assert_eq!(m.elapsed_s, None);

    t.steps[0].record = Record::Metric(Metric {
        name: "m".into(),
        value: f64::INFINITY,
        unit: None,
        source: ValueSource::Harness,
        elapsed_s: None,
    });
    let back = read(&t);
    let e = back[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("value"), "{e}");
}
