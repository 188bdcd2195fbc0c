//! Reading a canonical file part by part (to parse its trajectories on every core) gives what
//! reading it whole gives: the same trajectories and errors, in the same order, with the same
//! line numbers and content hashes, whatever the file holds.

use std::path::{Path, PathBuf};

use goalpost_trajectory::{Limits, Part, parts, read_file};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn whole(path: &Path, limits: Limits) -> Vec<String> {
    read_file(path, limits).unwrap().map(|r| format!("{r:?}")).collect()
}

fn by_parts(path: &Path, limits: Limits) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut n = 0;
    for part in parts(path, limits).unwrap() {
        n += 1;
        match part {
            Part::Rest(reader) => out.extend(reader.map(|r| format!("{r:?}"))),
            lines => out.extend(lines.read(path, limits).into_iter().map(|r| format!("{r:?}"))),
        }
    }
    (out, n)
}

fn same(path: &Path, limits: Limits) -> usize {
    let (parts, n) = by_parts(path, limits);
    assert_eq!(whole(path, limits), parts, "{}", path.display());
    n
}

#[test]
fn every_canonical_example_reads_the_same_by_parts() {
    let mut files: Vec<PathBuf> =
        fs_err::read_dir(root().join("examples/trajectories")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 6);
    for f in files {
        same(&f, Limits::default());
    }
}

#[test]
fn a_file_of_many_trajectories_with_every_kind_of_damage_reads_the_same_by_parts() {
    let good = fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--good.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let header = lines.remove(0);
    let body = lines.join("\n");
    let with_id = |id: &str| header.replacen("fix-login-redirect/r42/good", id, 1);
    let mut text = String::new();
    // Lines before any header, a blank line, and a step with the word header in it.
    text.push_str("{\"type\":\"message\",\"role\":\"user\",\"content\":\"a header before the header\"}\n\n");
    for i in 0..20 {
        text.push_str(&with_id(&format!("t{i}")));
        text.push('\n');
        match i {
            // A broken line in the middle: the trajectory ends, the reader resumes at the next.
            3 => text.push_str("{not json, says the header\n"),
            // A header whose format this build does not read, right after a good trajectory.
            5 => {
                text.push_str(&body);
                text.push('\n');
                text.push_str(&header.replacen("goalpost-trajectory/1.", "goalpost-trajectory/9.", 1));
                text.push('\n');
            }
            // A header with a wrong field (not a header to either reader).
            7 => text.push_str(&header.replacen("\"attempt\": 1", "\"attempt\": \"first\"", 1)),
            // A line that names a header in its text, then a second final record.
            9 => {
                text.push_str(
                    "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"{\\\"type\\\":\\\"header\\\"}\"}\n",
                );
                text.push_str(&body);
                text.push('\n');
            }
            // A header whose type is its last key: cut there too (the careful path).
            11 => {
                let mut h: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&with_id("t11-type-last")).unwrap();
                let ty = h.remove("type").unwrap();
                h.insert("type".into(), ty);
                text.push_str(&body);
                text.push('\n');
                text.push_str(&serde_json::Value::Object(h).to_string());
                text.push('\n');
            }
            _ => {}
        }
        text.push_str(&body);
        text.push('\n');
    }
    // No newline at the end of the file.
    text.push_str(&with_id("last"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.jsonl");
    fs_err::write(&path, &text).unwrap();
    let n = same(&path, Limits::default());
    // The lines before any header, t0..t19, the unknown format's header, the type-last header
    // and the last one: every line that parses as a header starts a part.
    assert_eq!(n, 24, "cut at every header");
    let ids = whole(&path, Limits::default());
    assert!(ids.iter().any(|t| t.contains("t11-type-last")), "the type-last header starts a trajectory");
    // A line over the limit: the rest of the file from that trajectory is read whole.
    let small = Limits { max_line_bytes: 300, ..Limits::default() };
    same(&path, small);
}
