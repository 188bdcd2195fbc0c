//! Costs a trajectory records only as tokens are estimated with the price table and marked so;
//! a cost that cannot be known (no tokens, or a model the table does not price) leaves a cost
//! budget unscored, never passed.

use std::path::{Path, PathBuf};

use goalpost_grade::{Status, Verdict, grade};
use goalpost_trajectory::{Limits, TrajectoryReader};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The default rubric's unscoped plan (a $10 cost budget) grading a trajectory whose usage
/// lines are `usage`.
fn graded(model: &str, usage: &[&str]) -> Verdict {
    let (specs, diags) = goalpost_spec::load(&root().join("scenarios"), &root().join("rubrics"));
    assert!(diags.is_empty(), "{diags:?}");
    let plan = specs.unscoped_plan().unwrap();
    let mut text = format!(
        "{{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.0\",\"id\":\"t\",\"agent\":\"a\",\"model\":\"{model}\"}}\n"
    );
    for u in usage {
        text.push_str(&format!("{{\"type\":\"usage\",{u}}}\n"));
    }
    let t = TrajectoryReader::new("t.jsonl", std::io::Cursor::new(text), Limits::default()).next().unwrap().unwrap();
    grade(&t, &plan)
}

fn budget(v: &Verdict) -> (Status, String) {
    let c = v.criteria.iter().find(|c| c.id == "budget").unwrap();
    (c.status, c.message.clone())
}

#[test]
fn tokens_are_priced_from_the_table_and_the_cost_is_marked_estimated() {
    // Sonnet 4.5: $3 a million prompt tokens, $0.30 read from cache, $3.75 written, $15 output.
    // 1.2M prompt tokens of which 1M read and 0.1M written: 0.1·3 + 1·0.30 + 0.1·3.75 = 0.975,
    // and 0.05M output: 0.75.
    let v = graded(
        "claude-sonnet-4-5-20250929",
        &[r#""input_tokens":1200000,"cache_read_tokens":1000000,"cache_write_tokens":100000,"output_tokens":50000"#],
    );
    let cost = v.summary.cost_usd.unwrap();
    assert!((cost - 1.725).abs() < 1e-9, "{cost}");
    assert!(v.summary.cost_estimated);
    let (status, message) = budget(&v);
    assert_eq!(status, Status::Pass);
    assert!(message.contains("cost_usd 1.7250 (estimated from tokens: price table 20"), "{message}");

    // A recorded cost is kept as it is, and not marked.
    let recorded = graded("claude-sonnet-4-5", &[r#""input_tokens":1000,"output_tokens":10,"cost_usd":0.5"#]);
    assert_eq!((recorded.summary.cost_usd, recorded.summary.cost_estimated), (Some(0.5), false));

    // Recorded and estimated together: the sum, marked estimated. Over the budget on an
    // estimate: a person confirms it against the bill (a review item, not a fail).
    let mixed = graded("gpt-5-codex", &[r#""cost_usd":9.5"#, r#""input_tokens":1000000,"output_tokens":0"#]);
    assert_eq!(mixed.summary.cost_usd, Some(10.75));
    assert!(mixed.summary.cost_estimated);
    let (status, message) = budget(&mixed);
    assert_eq!(status, Status::Review, "{message}");
    assert!(
        message.starts_with("estimated cost over budget, to confirm against the bill: cost_usd 10.7500"),
        "{message}"
    );
    // Recorded and over: conclusive, estimated parts beside it or not.
    let billed = graded("gpt-5-codex", &[r#""cost_usd":10.5"#]);
    assert_eq!(budget(&billed).0, Status::Fail);
    let billed = graded("gpt-5-codex", &[r#""cost_usd":50.0"#, r#""input_tokens":100,"output_tokens":1"#]);
    assert!(billed.summary.cost_estimated);
    assert_eq!(budget(&billed).0, Status::Fail, "{}", budget(&billed).1);
    // A call that used no tokens costs nothing, priced or not.
    let free = graded("<synthetic>", &[r#""input_tokens":0,"output_tokens":0"#, r#""cost_usd":0.25"#]);
    assert_eq!((free.summary.cost_usd, budget(&free).0), (Some(0.25), Status::Pass));
}

#[test]
fn a_cost_that_cannot_be_known_leaves_the_cost_budget_unscored() {
    // A model the table does not list: no partial sum (it would pass what it should not).
    let unpriced = graded("acme-local-7b", &[r#""cost_usd":0.01"#, r#""input_tokens":5000000,"output_tokens":100000"#]);
    assert_eq!(unpriced.summary.cost_usd, None);
    let (status, message) = budget(&unpriced);
    assert_eq!(status, Status::Unscored, "{message}");
    assert!(message.contains("model `acme-local-7b`, which the price table"), "{message}");
    // A negative recorded cost is no cost: it would lower a total that is over.
    let negative = graded("gpt-5-codex", &[r#""cost_usd":100.0"#, r#""cost_usd":-99.5"#]);
    assert_eq!(negative.summary.cost_usd, None);
    let (status, message) = budget(&negative);
    assert_eq!(status, Status::Unscored, "{message}");
    assert!(message.contains("a recorded cost of -99.5, not a cost"), "{message}");
    // Neither cost nor tokens.
    let nothing = graded("claude-sonnet-4-5", &[]);
    let (status, message) = budget(&nothing);
    assert_eq!(status, Status::Unscored, "{message}");
    assert!(message.contains("no cost and no tokens recorded"), "{message}");
}
