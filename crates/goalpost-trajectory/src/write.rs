use std::io::{self, Write};

use crate::model::{Record, Trajectory};

/// Writes one trajectory as canonical JSON Lines: header, steps, final state.
pub fn write_trajectory(w: &mut impl Write, t: &Trajectory) -> io::Result<()> {
    let line = |w: &mut dyn Write, r: &Record| -> io::Result<()> {
        serde_json::to_writer(&mut *w, r)?;
        w.write_all(b"\n")
    };
    line(w, &Record::Header(t.header.clone()))?;
    for s in &t.steps {
        line(w, &s.record)?;
    }
    if let Some(f) = &t.final_state {
        line(w, &Record::Final(f.clone()))?;
    }
    Ok(())
}

/// The canonical JSON Lines of one trajectory, as a string.
pub fn to_jsonl(t: &Trajectory) -> String {
    let mut out = Vec::new();
    write_trajectory(&mut out, t).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
