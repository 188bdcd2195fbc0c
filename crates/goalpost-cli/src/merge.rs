//! Shards: `run --shard K/N` grades the inputs whose stable hash falls in shard K, and
//! `goalpost merge PARTS... --out RUN` makes one run of the shards' runs — the same rows, in
//! the order the unsharded run has them, and the same totals and report. A shard that is
//! missing, unfinished or from another plan is named, never dropped: no merged run is written.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use goalpost_grade::manifest::{Manifest, MergedPart, ShardEntry};

use crate::exit::Exit;
use crate::progress::Placed;
use crate::render;

/// What places a results row in the merged run: its kind and the input it came from.
#[derive(serde::Deserialize)]
struct RowHead<'a> {
    #[serde(rename = "type", borrow)]
    ty: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    file: std::borrow::Cow<'a, str>,
}

/// `K/N`: K a number, or the name of an environment variable holding it.
pub(crate) fn parse_shard(s: &str, inputs_total: usize) -> Result<ShardEntry> {
    let shown = render::clean(s, 100);
    let Some((k, n)) = s.split_once('/') else { bail!("--shard `{shown}`: expected K/N (shard K of N, from 0)") };
    let count: u32 = match n.trim().parse() {
        Ok(n) if n >= 1 => n,
        _ => bail!("--shard `{shown}`: N must be a whole number of shards, at least 1"),
    };
    let k = k.trim();
    let index: u32 = if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) {
        k.parse().with_context(|| format!("--shard `{shown}`: K is too large"))?
    } else {
        let value = std::env::var(k).with_context(|| {
            format!("--shard `{shown}`: `{}` is not a number nor a set environment variable", render::clean(k, 100))
        })?;
        value.trim().parse().with_context(|| {
            format!(
                "--shard `{shown}`: `{}` holds {:?}, not a shard index",
                render::clean(k, 100),
                render::clean(&value, 40)
            )
        })?
    };
    if index >= count {
        bail!("--shard `{shown}`: shard {index} of {count} does not exist (shards are numbered from 0)");
    }
    Ok(ShardEntry { index, count, inputs_total: inputs_total as u64 })
}

/// The shard an input belongs to: a blake3 of its path as discovered, the same on every
/// machine given the same `--trajectories`.
pub(crate) fn shard_of(path: &Path, count: u32) -> u32 {
    let h = blake3::hash(path.as_os_str().as_encoded_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&h.as_bytes()[..8]);
    (u64::from_le_bytes(first) % u64::from(count.max(1))) as u32
}

pub(crate) fn merge(parts: &[PathBuf], out: &Path) -> Result<Exit> {
    // Every part, read; a part that did not finish (or is not a shard's run) is named.
    let mut problems = Vec::new();
    let mut shards: BTreeMap<u32, (PathBuf, Manifest)> = BTreeMap::new();
    let mut count = None;
    for p in parts {
        match Manifest::load(p) {
            Ok(m) => match m.shard {
                None => problems.push(format!("`{}` is not a shard's run (no `run --shard`)", p.display())),
                Some(s) => {
                    if *count.get_or_insert(s.count) != s.count {
                        problems.push(format!(
                            "`{}` is shard {} of {}, not of {}",
                            p.display(),
                            s.index,
                            s.count,
                            count.unwrap_or(0)
                        ));
                    } else if let Some((other, _)) = shards.get(&s.index) {
                        problems.push(format!(
                            "shard {} is given twice: `{}` and `{}`",
                            s.index,
                            other.display(),
                            p.display()
                        ));
                    } else {
                        shards.insert(s.index, (p.clone(), m));
                    }
                }
            },
            Err(e) => problems.push(format!("failed shard: {e}")),
        }
    }
    let Some(count) = count else { bail!("no finished shard among the parts given: {}", problems.join("; ")) };
    for k in 0..count {
        if !shards.contains_key(&k) {
            problems.push(format!("shard {k} of {count} is missing: run it with `goalpost run --shard {k}/{count}`"));
        }
    }
    // One run is graded by one plan, one goalpost, over one set of inputs.
    let first = &shards.values().next().context("no shard")?.1;
    for (k, (p, m)) in &shards {
        let same = m.goalpost_version == first.goalpost_version
            && m.scenarios == first.scenarios
            && m.rubrics == first.rubrics
            && m.catalogs == first.catalogs
            && m.prices == first.prices
            && m.trajectories == first.trajectories
            && m.shard.map(|s| s.inputs_total) == first.shard.map(|s| s.inputs_total);
        if !same {
            problems.push(format!(
                "shard {k} (`{}`) was graded by another goalpost, plan or set of inputs than shard {}: grade it again",
                p.display(),
                first.shard.map_or(0, |s| s.index)
            ));
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            render::hint(&render::clean(p, 2000));
        }
        bail!("{} problem(s) with the shards: no merged run written", problems.len());
    }

    // The rows of every shard, placed by their input's index in the whole run.
    fs_err::create_dir_all(out)?;
    let partial = out.join("results.partial.jsonl");
    let mut file = fs_err::File::create(&partial)?;
    let mut index = Vec::new();
    let mut pos = 0u64;
    let mut inputs = Vec::new();
    let mut skipped = BTreeMap::new();
    let mut pre_errors = Vec::new();
    for (k, (dir, m)) in &shards {
        let at: BTreeMap<&str, u64> = m.inputs.iter().filter_map(|i| Some((i.path.as_str(), i.index?))).collect();
        let text = fs_err::read(dir.join("results.jsonl"))?;
        for line in text.split_inclusive(|&b| b == b'\n').skip(1) {
            // Only what places the row; the row itself is read once, when it is assembled.
            let row: RowHead<'_> = serde_json::from_slice(line).with_context(|| {
                format!("shard {k}: `{}` has a row that does not read", dir.join("results.jsonl").display())
            })?;
            let file_of: &str = &row.file;
            // An input that could not be opened (or recognised) has no index: its error goes
            // where a run puts those, after the verdicts and before other errors.
            let Some(&input) = at.get(file_of) else {
                match serde_json::from_slice::<goalpost_grade::ResultRow>(line) {
                    Ok(goalpost_grade::ResultRow::Error(e)) => pre_errors.push(e),
                    _ => bail!(
                        "shard {k}: a row of `{}` names a file the shard did not read",
                        render::clean(file_of, 300)
                    ),
                }
                continue;
            };
            let len = u32::try_from(line.len()).context("a row over 4 GiB")?;
            file.write_all(line)?;
            index.push(Placed {
                input: u32::try_from(input).unwrap_or(u32::MAX),
                offset: pos,
                len,
                error: row.ty == "error",
            });
            pos += u64::from(len);
        }
        inputs.extend(m.inputs.iter().cloned());
        for s in &m.skipped {
            skipped.insert(s.path.clone(), s.clone());
        }
    }
    file.sync_data()?;
    drop(file);
    inputs.sort_by_key(|i| i.index);
    // Discovery names them in walk order: by path within a directory.
    pre_errors.sort_by(|a: &goalpost_grade::ErrorRow, b| a.file.cmp(&b.file));
    let started_at = shards.values().map(|(_, m)| m.started_at.clone()).min().unwrap_or_default();
    let started: jiff::Timestamp = started_at.parse().unwrap_or_else(|_| jiff::Timestamp::now());
    let run_id = crate::manifest::run_id(started, &inputs);
    let grading_inputs: Vec<goalpost_trajectory::Input> = inputs
        .iter()
        .map(|i| goalpost_trajectory::Input {
            path: PathBuf::from(&i.path),
            kind: goalpost_trajectory::InputKind::Canonical,
        })
        .collect();
    let meta = goalpost_report::table::RunMeta {
        run_id: &run_id,
        started_at: &started.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    };
    // Reviewers' decisions were applied in each shard's results; the rows are taken as they are.
    let ledger = goalpost_grade::ledger::Ledger::empty();
    let assembled =
        crate::assemble::assemble(out, &partial, &grading_inputs, index, &pre_errors, &ledger, meta, None, None)?;
    let mut m = Manifest::new(&run_id, &started.to_string(), assembled.totals.clone());
    m.trajectories = first.trajectories.clone();
    m.inputs = inputs
        .into_iter()
        .map(|mut i| {
            i.index = None;
            i
        })
        .collect();
    m.skipped = skipped.into_values().collect();
    m.scenarios = first.scenarios.clone();
    m.rubrics = first.rubrics.clone();
    m.catalogs = first.catalogs.clone();
    m.prices = first.prices.clone();
    m.unlisted_tools = assembled.unlisted.clone();
    m.ledger = first.ledger.clone();
    m.merged_from = shards
        .iter()
        .map(|(k, (dir, sm))| MergedPart { shard: *k, run_id: sm.run_id.clone(), dir: dir.display().to_string() })
        .collect();
    m.write(out).with_context(|| format!("writing {}", out.join("manifest.json").display()))?;
    let _ = fs_err::remove_file(&partial);
    render::summary_table(&assembled.table, &assembled.totals)?;
    render::hint(&format!("merged {count} shard(s) into {}", out.display()));
    Ok(Exit::problems_if(assembled.totals.errored > 0))
}
