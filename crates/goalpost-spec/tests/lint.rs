//! Scenario and rubric lint: malformed files are errors naming file, line and field; vague
//! scenarios are rejected with the reason; the rest of the directory still loads.

use std::path::Path;

use goalpost_spec::{Diagnostic, Severity, load};

const RUBRIC: &str = r#"
id = "mini"
[[criteria]]
id = "acceptance-tests"
kind = "acceptance_tests"
[[criteria]]
id = "process"
kind = "process_smells"
gating = false
"#;

const GOOD: &str = r#"
id = "good"
objective = "Make the failing login tests pass without touching the session code."
rubric = "mini"
[acceptance]
tests_fail_to_pass = ["tests/test_login.py::test_a"]
[out_of_scope]
paths = ["webshop/session/**"]
[budget]
cost_usd = 1.5
"#;

fn lint(files: &[(&str, &str)]) -> (usize, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    let (s, r) = (dir.path().join("scenarios"), dir.path().join("rubrics"));
    fs_err::create_dir_all(&s).unwrap();
    fs_err::create_dir_all(&r).unwrap();
    fs_err::write(r.join("mini.toml"), RUBRIC).unwrap();
    for (name, text) in files {
        fs_err::write(s.join(name), text).unwrap();
    }
    let (set, diags) = load(&s, &r);
    let diags = diags
        .into_iter()
        .map(|mut d| {
            d.file = Path::new(d.file.file_name().unwrap()).to_owned();
            d
        })
        .collect();
    (set.plans().count(), diags)
}

fn one(diags: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    &diags[0]
}

#[test]
fn a_good_scenario_loads_beside_bad_ones() {
    let (plans, diags) = lint(&[("good.toml", GOOD), ("bad.toml", "id = 3")]);
    assert_eq!(plans, 1);
    assert_eq!(one(&diags).file, Path::new("bad.toml"));
}

#[test]
fn unknown_field_names_file_line_and_field() {
    let text = GOOD.replace("cost_usd = 1.5", "cost_usd = 1.5\nmoney = 3");
    let (plans, diags) = lint(&[("s.toml", &text)]);
    assert_eq!(plans, 0);
    let d = one(&diags);
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.line, Some(11));
    assert_eq!(d.field.as_deref(), Some("budget.money"));
    assert!(d.message.contains("unknown field `money`"), "{d}");
}

#[test]
fn wrong_type_and_missing_field() {
    let (_, diags) = lint(&[("s.toml", &GOOD.replace("cost_usd = 1.5", "cost_usd = \"cheap\""))]);
    let d = one(&diags);
    assert_eq!((d.line, d.field.as_deref()), (Some(10), Some("budget.cost_usd")));
    let (_, diags) = lint(&[(
        "s.toml",
        &GOOD.replace("objective = \"Make the failing login tests pass without touching the session code.\"\n", ""),
    )]);
    let d = one(&diags);
    assert_eq!(d.field.as_deref(), Some("objective"));
    assert!(d.message.contains("missing field"), "{d}");
}

#[test]
fn vague_scenarios_are_rejected_with_each_reason() {
    let vague = "id = \"v\"\nobjective = \"Make it faster.\"\nrubric = \"mini\"\n";
    let (plans, diags) = lint(&[("v.toml", vague)]);
    assert_eq!(plans, 0);
    let fields: Vec<_> = diags.iter().map(|d| (d.severity, d.field.clone().unwrap())).collect();
    assert_eq!(
        fields,
        [
            (Severity::Vague, "objective".to_owned()),
            (Severity::Vague, "acceptance".to_owned()),
            (Severity::Vague, "out_of_scope".to_owned()),
            (Severity::Vague, "budget".to_owned()),
        ]
    );
    assert!(diags[1].message.contains("no checkable acceptance criterion"));
}

#[test]
fn references_are_checked() {
    let (_, diags) = lint(&[("s.toml", &GOOD.replace("rubric = \"mini\"", "rubric = \"nope\""))]);
    assert!(one(&diags).message.contains("unknown rubric `nope`"));
    let text = format!("{GOOD}\n[overrides.not-a-criterion]\nweight = 2.0\n");
    let (_, diags) = lint(&[("s.toml", &text)]);
    let d = one(&diags);
    assert_eq!(d.field.as_deref(), Some("overrides.not-a-criterion"));
    assert_eq!(d.line, Some(12));
    let text = format!("{GOOD}\n[overrides.process]\nparams = {{ repeated_failure = \"many\" }}\n");
    let (_, diags) = lint(&[("s.toml", &text)]);
    assert_eq!(one(&diags).field.as_deref(), Some("overrides.process.params.repeated_failure"));
}

#[test]
fn hostile_ids_and_globs_are_errors() {
    let (_, diags) = lint(&[("s.toml", &GOOD.replace("id = \"good\"", "id = \"../../etc/x\""))]);
    assert_eq!(one(&diags).field.as_deref(), Some("id"));
    let (_, diags) = lint(&[("s.toml", &GOOD.replace("webshop/session/**", "webshop/[session"))]);
    assert_eq!(one(&diags).field.as_deref(), Some("out_of_scope.paths[0]"));
}

#[test]
fn the_repository_scenarios_and_rubrics_are_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (set, diags) = load(&root.join("scenarios"), &root.join("rubrics"));
    assert!(diags.is_empty(), "{diags:#?}");
    assert!(set.plans().count() >= 3);
}

#[test]
fn a_scenario_that_disables_every_criterion_is_refused() {
    let text = format!("{GOOD}\n[overrides.acceptance-tests]\nenabled = false\n[overrides.process]\nenabled = false\n");
    let (plans, diags) = lint(&[("s.toml", &text)]);
    assert_eq!(plans, 0);
    assert!(one(&diags).message.contains("no enabled criterion"), "{diags:?}");
}

#[test]
fn a_tool_catalog_effect_is_typed_and_a_bad_one_names_file_line_and_field() {
    use goalpost_spec::{CriterionConfig, ToolEffect};

    const CATALOG: &str = r#"
[[tools]]
name = "{get_*,list_*}"
plugin = "github"
status = "approved"
owner = "dev-productivity"
reviewed = "2026-12-04"
effect = "read_only"

[[tools]]
name = "merge_pull_request"
plugin = "github"
status = "approved"
owner = "dev-productivity"
reviewed = "2026-12-04"
effect = "EFFECT"
"#;
    const TOOLS_RUBRIC: &str = r#"
id = "mini"
[[criteria]]
id = "approved-tools"
kind = "approved_tools"
params = { catalog = "catalogs/tools.toml" }
"#;
    let check = |effect: &str| {
        let dir = tempfile::tempdir().unwrap();
        let (s, r) = (dir.path().join("scenarios"), dir.path().join("rubrics"));
        fs_err::create_dir_all(&s).unwrap();
        fs_err::create_dir_all(r.join("catalogs")).unwrap();
        fs_err::write(r.join("mini.toml"), TOOLS_RUBRIC).unwrap();
        fs_err::write(r.join("catalogs/tools.toml"), CATALOG.replace("EFFECT", effect)).unwrap();
        fs_err::write(s.join("good.toml"), GOOD).unwrap();
        let (set, diags) = load(&s, &r);
        let effects = set.plan("good").map(|p| match &p.criteria[0].config {
            CriterionConfig::ApprovedTools(p) => p.loaded.tools.iter().map(|t| t.effect).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        });
        (effects, diags)
    };

    let (effects, diags) = check("irreversible");
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(effects, Some(vec![Some(ToolEffect::ReadOnly), Some(ToolEffect::Irreversible)]));

    // A misspelt effect: the rubric does not load (nor the scenario graded with it), and the
    // diagnostic names the catalog's file, the line of the value and the entry's field.
    let (effects, diags) = check("read-only");
    assert_eq!(effects, None);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags[1].message.contains("unknown rubric `mini`"), "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.file.file_name().unwrap(), "mini.toml");
    assert_eq!(d.field.as_deref(), Some("criteria[0].params.catalog"));
    for what in ["catalogs/tools.toml:16", "`tools[1].effect`", "unknown variant `read-only`", "writes_outside"] {
        assert!(d.message.contains(what), "{what} missing from: {}", d.message);
    }
}
