//! A generator of realistic canonical trajectories for the benches: hundreds of steps each,
//! with the mix a coding agent produces (messages with usage, shell commands with output,
//! file edits with diffs, test runs, a final diff and harness test results).

use std::fmt::Write as _;

/// Canonical JSONL of one trajectory of about `steps` steps against `scenario`.
pub fn trajectory(index: usize, steps: usize, scenario: &str) -> String {
    let mut out = String::with_capacity(steps * 700);
    let rec = |out: &mut String, v: serde_json::Value| {
        out.push_str(&v.to_string());
        out.push('\n');
    };
    rec(
        &mut out,
        serde_json::json!({"type":"header","format":"goalpost-trajectory/1.0","id":format!("bench/{index}"),
            "agent":"bench-agent","agent_revision":"r1","model":"bench-model","scenario":scenario,"attempt":1}),
    );
    rec(
        &mut out,
        serde_json::json!({"type":"message","role":"user","content":"Fix the open redirect in the login view (issue #412)."}),
    );
    let mut n = 1;
    let mut t = 0.0;
    let mut turn = 0;
    while n < steps {
        turn += 1;
        t += 7.5;
        let thought = format!(
            "Turn {turn}: looking at webshop/views/module_{}.py to see how the redirect target is validated; \
             the previous output suggests the helper is called from two places, so I will check both before editing.",
            turn % 17
        );
        rec(&mut out, serde_json::json!({"type":"message","role":"assistant","content":thought,"elapsed_s":t}));
        rec(
            &mut out,
            serde_json::json!({"type":"usage","model":"bench-model","input_tokens":4000 + turn * 150,"output_tokens":220,"cost_usd":0.0125}),
        );
        n += 2;
        let file = format!("webshop/views/module_{}.py", turn % 17);
        match turn % 6 {
            0 => {
                let diff = format!(
                    "--- a/{file}\n+++ b/{file}\n@@ -40,5 +40,7 @@ def view(request):\n     user = authenticate(request)\n-    return redirect(nxt)\n+    if not url_is_safe(nxt):\n+        nxt = \"/\"\n+    return redirect(nxt)\n"
                );
                rec(
                    &mut out,
                    serde_json::json!({"type":"file_edit","path":file,"op":"modify","diff":diff,"elapsed_s":t}),
                );
            }
            3 => {
                let mut output = String::new();
                for i in 0..20 {
                    let _ = writeln!(output, "tests/test_login.py::test_case_{i} PASSED");
                }
                rec(
                    &mut out,
                    serde_json::json!({"type":"command","command":"python -m pytest tests/test_login.py -q -x","exit_code": i32::from(turn % 12 == 3),"duration_s":2.4,"output":output,"elapsed_s":t}),
                );
                let tests: Vec<_> = (0..20).map(|i| serde_json::json!({"name":format!("tests/test_login.py::test_case_{i}"),"outcome":"passed"})).collect();
                rec(
                    &mut out,
                    serde_json::json!({"type":"test_run","command":"python -m pytest tests/test_login.py -q -x","framework":"pytest","tests":tests,"source":"agent","elapsed_s":t}),
                );
                n += 1;
            }
            _ => {
                let mut output = String::new();
                for i in 0..12 {
                    let _ = writeln!(
                        output,
                        "{file}:{}:    return redirect(request.GET.get(\"next\", \"/\"))  # line {i}",
                        40 + i
                    );
                }
                let cmd =
                    format!("cd /workspace && grep -rn \"redirect(\" {file} | head -n 40 && sed -n '30,60p' {file}");
                rec(
                    &mut out,
                    serde_json::json!({"type":"command","command":cmd,"exit_code":0,"duration_s":0.05,"output":output,"elapsed_s":t}),
                );
            }
        }
        n += 1;
    }
    let diff: String = (0..5)
        .map(|i| format!("diff --git a/webshop/views/module_{i}.py b/webshop/views/module_{i}.py\n--- a/webshop/views/module_{i}.py\n+++ b/webshop/views/module_{i}.py\n@@ -40,3 +40,5 @@\n-    return redirect(nxt)\n+    if not url_is_safe(nxt):\n+        nxt = \"/\"\n+    return redirect(nxt)\n"))
        .collect();
    let tests = [
        "tests/test_login.py::test_next_offsite_is_ignored",
        "tests/test_login.py::test_next_scheme_relative_is_ignored",
        "tests/test_login.py::test_login_ok",
        "tests/test_login.py::test_next_local_path",
        "tests/test_session.py::test_session_rotates",
    ]
    .map(|name| serde_json::json!({"name":name,"outcome":"passed"}));
    rec(
        &mut out,
        serde_json::json!({"type":"final","exit_status":"submitted","diff":diff,"tests":tests,"tests_source":"bench","wall_time_s":t}),
    );
    out
}

/// `count` trajectories of about `steps` steps each.
pub fn corpus(count: usize, steps: usize, scenario: &str) -> Vec<String> {
    (0..count).map(|i| trajectory(i, steps, scenario)).collect()
}
