//! Fault injection for the tests of the panic boundary and of resume, read from one variable,
//! `GOALPOST_FAULT=<stage>:<key>`:
//! - `grade:<id>`: the grader panics on the trajectory `<id>`;
//! - `read:<file name>`: the reader panics after the first trajectory of that file;
//! - `kill:<point>`: the process dies on the spot (abort: no destructor, no flush, as under
//!   SIGKILL) at that point of a run: before a final file is written (`results.jsonl`,
//!   `results.csv`, `results.parquet`, `manifest.json`), at `cleanup`, or `after:N` results were
//!   appended to the partial file.
//!
//! They stand in for a bug an odd input could trip, or a machine lost mid-run, so that both are
//! tested end to end without keeping a real bug.

use std::sync::OnceLock;

fn fault() -> Option<&'static (String, String)> {
    static FAULT: OnceLock<Option<(String, String)>> = OnceLock::new();
    FAULT
        .get_or_init(|| {
            let v = std::env::var("GOALPOST_FAULT").ok()?;
            let (stage, key) = v.split_once(':')?;
            Some((stage.to_owned(), key.to_owned()))
        })
        .as_ref()
}

/// Panics when `GOALPOST_FAULT` names this stage and key.
pub(crate) fn inject(stage: &str, key: &str) {
    if let Some((s, k)) = fault()
        && s == stage
        && k == key
    {
        panic!("injected fault ({stage}:{key})");
    }
}

/// Whether any fault is set: then nothing may stand in for grading (the verdict cache is off),
/// so that the fault fires where it is meant to.
pub fn armed() -> bool {
    fault().is_some()
}

/// Whether a kill point is set at all (so a caller builds a point's name only then).
pub fn kill_armed() -> bool {
    fault().is_some_and(|(s, _)| s == "kill")
}

/// Aborts the process when `GOALPOST_FAULT` is `kill:<point>`.
pub fn kill_point(point: &str) {
    if fault().is_some_and(|(s, k)| s == "kill" && k == point) {
        std::process::abort();
    }
}
