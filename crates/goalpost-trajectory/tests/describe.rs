//! `Record::describe` (what `explain` prints for a step) writes values out for a person: no
//! debug form (`usage $Some(0.02)`, `Modify src/a.py`, `User message`) reaches a user.

use goalpost_trajectory::{EditOp, ErrorEvent, ErrorKind, FileEdit, Message, Record, Role, SideEffect, Usage};

#[test]
fn no_step_is_described_in_debug_text() {
    let records = [
        Record::Usage(Usage {
            cost_usd: Some(0.02),
            input_tokens: Some(1000),
            output_tokens: Some(234),
            ..Usage::default()
        }),
        Record::Usage(Usage::default()),
        Record::Message(Message { role: Role::User, content: "hi".into(), elapsed_s: None }),
        Record::FileEdit(FileEdit {
            path: "src/a.py".into(),
            op: EditOp::Modify,
            from: None,
            diff: None,
            call_id: None,
            elapsed_s: None,
        }),
        Record::SideEffect(SideEffect {
            kind: "vcs_push".into(),
            target: "origin".into(),
            reversible: None,
            detail: None,
            elapsed_s: None,
        }),
        Record::Error(ErrorEvent { kind: ErrorKind::Infra, message: "disk full".into(), elapsed_s: None }),
    ];
    let got: Vec<String> = records.iter().map(Record::describe).collect();
    assert_eq!(
        got,
        [
            "usage: 1234 tokens, $0.0200",
            "usage: nothing recorded",
            "user message: hi",
            "modify src/a.py",
            "side effect vcs_push origin (reversibility not declared)",
            "infrastructure error: disk full",
        ]
    );
    for d in &got {
        assert!(!d.contains("Some(") && !d.contains("None"), "{d}");
    }
}

#[test]
fn an_edit_operation_reads_as_the_format_writes_it() {
    use goalpost_trajectory::EditOp;
    for op in [EditOp::Create, EditOp::Modify, EditOp::Delete, EditOp::Rename] {
        assert_eq!(serde_json::to_value(op).unwrap(), op.as_str());
    }
}
