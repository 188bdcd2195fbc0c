//! `goalpost regressions verify`: every golden trajectory must still fail the criteria its
//! entry pins, under the rubrics in force, or a rubric change would let a known failure through.

use goalpost_grade::{Planner, Status};
use goalpost_spec::SpecSet;
use goalpost_trajectory::TrajectoryReader;

use crate::{State, Store};

/// The check of one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyResult {
    pub id: String,
    /// Still caught: every pinned criterion fails on the golden trajectory.
    pub caught: bool,
    /// Per pinned criterion: its status now, or why it could not be checked.
    pub details: Vec<String>,
}

/// Re-grades each live entry's golden trajectory against its regression scenario.
pub fn verify(store: &Store, specs: &SpecSet) -> Vec<VerifyResult> {
    let mut out = Vec::new();
    for e in store.entries.iter().filter(|e| e.state != State::Retired) {
        let fail = |why: String| VerifyResult { id: e.id.clone(), caught: false, details: vec![why] };
        let Some(plan) = specs.plan(&e.id) else {
            out.push(fail(format!("scenario `{}` is not loaded (missing or rejected by lint)", e.id)));
            continue;
        };
        let path = store.dir.join(&e.id).join("golden.jsonl");
        let bytes = match fs_err::read(&path) {
            Ok(b) => b,
            Err(err) => {
                out.push(fail(format!("no golden trajectory: {err}")));
                continue;
            }
        };
        if e.golden_hash.as_deref() != Some(blake3::hash(&bytes).to_hex().as_str()) {
            out.push(fail("golden.jsonl does not match the hash recorded when it was promoted".into()));
            continue;
        }
        let mut reader = TrajectoryReader::new(path.clone(), std::io::Cursor::new(bytes), Default::default());
        let t = match reader.next() {
            Some(Ok(t)) => t,
            Some(Err(err)) => {
                out.push(fail(format!("golden trajectory unreadable: {err}")));
                continue;
            }
            None => {
                out.push(fail("golden trajectory is empty".into()));
                continue;
            }
        };
        let planner = Planner { specs, unscoped: None, assigned: Some(plan) };
        match goalpost_grade::grade_trajectory(&t, planner) {
            Ok(v) => {
                let mut caught = true;
                let mut details = Vec::new();
                for id in &e.criteria {
                    let status = v.criteria.iter().find(|c| &c.id == id).map(|c| c.status);
                    if status != Some(Status::Fail) {
                        caught = false;
                    }
                    details.push(match status {
                        Some(s) => format!("{id}: {}", s.as_str()),
                        None => format!("{id}: not in the rubric any more"),
                    });
                }
                out.push(VerifyResult { id: e.id.clone(), caught, details });
            }
            Err(err) => out.push(fail(format!("could not grade: {}", err.message))),
        }
    }
    out
}
