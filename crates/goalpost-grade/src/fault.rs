//! Fault injection for the tests of the panic boundary: with `GOALPOST_FAULT=grade:<id>` the
//! grader panics on the trajectory `<id>`, and with `GOALPOST_FAULT=read:<file name>` the
//! reader panics after the first trajectory of that file. Both stand in for a bug an odd
//! input could trip, so that the boundary is tested end to end without keeping a real bug.

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
