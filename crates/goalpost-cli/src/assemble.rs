//! The results files of a run, assembled from its partial file: rows were appended there as
//! they were graded (in completion order, see [`crate::progress::Bar`]); here they are read back
//! in input order, reviewers' decisions applied, and written to `results.jsonl`, `results.csv`
//! and `results.parquet` a row at a time. Memory holds one row (and one parquet batch), never
//! the run.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use anyhow::{Result, bail};
use goalpost_grade::ledger::Ledger;
use goalpost_grade::{CsvWriter, ErrorKind, ErrorRow, JsonlWriter, ResultRow, Totals, Verdict, fault};
use goalpost_report::table::{ParquetStream, RunMeta};
use rayon::prelude::*;

use crate::progress::Placed;
use crate::render::TableRows;

/// What the run's summary needs once its results are written.
#[derive(Debug)]
pub(crate) struct Assembled {
    pub(crate) totals: Totals,
    pub(crate) table: TableRows,
    /// Tools the catalog has not decided, over the run, in input order of first call.
    pub(crate) unlisted: Vec<goalpost_grade::manifest::RunUnlistedTool>,
}

/// A row's line as written, and the row it reads back as.
type ReadBack = (Vec<u8>, Result<ResultRow, ErrorRow>);

/// Rows read back (and parsed on every core) at a time.
const CHUNK: usize = 256;

/// Writes the results files of the run in `out` from the rows `index` places in `partial`:
/// every verdict in input order (within an input, file order), then `pre_errors` (inputs that
/// could not be opened or recognised), then every other error in input order. Rows are read a
/// chunk at a time and parsed on `jobs` threads (default every core); `results.parquet` is
/// written on a thread of its own while the rest is.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    out: &Path,
    partial: &Path,
    inputs: &[goalpost_trajectory::Input],
    mut index: Vec<Placed>,
    pre_errors: &[ErrorRow],
    ledger: &Ledger,
    meta: RunMeta<'_>,
    jobs: Option<usize>,
    team: Option<&str>,
) -> Result<Assembled> {
    // An input's rows were written in file order by the one thread grading it.
    index.sort_by_key(|p| (p.input, p.offset));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.unwrap_or(0)).build().ok();
    let mut file = fs_err::File::open(partial)?;
    // The rows at `places`, as written (by `row_line`: exactly results.jsonl lines), and each
    // read back. A row that does not read back (it should always: a reader bug) is its input's
    // grader error, never the end of the run.
    let mut read = |places: &[Placed]| -> Result<Vec<ReadBack>> {
        let mut lines = Vec::with_capacity(places.len());
        for p in places {
            let mut buf = vec![0; p.len as usize];
            file.seek(SeekFrom::Start(p.offset))?;
            file.read_exact(&mut buf)?;
            lines.push(buf);
        }
        let parse = |(buf, p): (Vec<u8>, &Placed)| {
            let row = serde_json::from_slice(&buf).map_err(|e| ErrorRow {
                kind: ErrorKind::Grader,
                file: inputs.get(p.input as usize).map_or_else(String::new, |i| i.path.display().to_string()),
                line: None,
                field: None,
                trajectory: None,
                message: format!("a row graded in this run does not read back ({e}): not kept"),
            });
            (buf, row)
        };
        let work = || lines.into_par_iter().zip(places).map(parse).collect();
        Ok(match &pool {
            Some(pool) => pool.install(work),
            None => work(),
        })
    };
    let mut jsonl = JsonlWriter::create(&out.join("results.jsonl"))?;
    let mut csv = CsvWriter::create(&out.join("results.csv"))?;
    let parquet = ParquetStream::create(&out.join("results.parquet"), meta)?;
    let mut totals = Totals::default();
    let mut table = TableRows::default();
    let (mut unlisted, mut unlisted_at) = (Vec::new(), std::collections::HashMap::new());
    std::thread::scope(|scope| -> Result<()> {
        // results.parquet is the costliest file to write: its rows go to a thread of its own.
        let (send, rows) = std::sync::mpsc::sync_channel::<Vec<Result<Verdict, ErrorRow>>>(2);
        let writer = scope.spawn(move || -> Result<ParquetStream> {
            let mut parquet = parquet;
            for batch in rows {
                for row in batch {
                    match row {
                        Ok(v) => parquet.verdict(v)?,
                        Err(e) => parquet.error(e)?,
                    }
                }
            }
            Ok(parquet)
        });
        let mut written = || -> Result<()> {
            let mut unreadable = Vec::new();
            let verdicts: Vec<Placed> = index.iter().filter(|p| !p.error).copied().collect();
            for places in verdicts.chunks(CHUNK) {
                let mut batch = Vec::with_capacity(places.len());
                for ((buf, row), p) in read(places)?.into_iter().zip(places) {
                    let mut v = match row {
                        Ok(ResultRow::Verdict(v)) => v,
                        Err(e) => {
                            unreadable.push(e);
                            continue;
                        }
                        Ok(_) => bail!("`{}` at byte {}: expected a verdict", partial.display(), p.offset),
                    };
                    // The run's team and reviewers' decisions are applied last (the same
                    // whether the run was resumed or not).
                    if !goalpost_grade::ledger::finish_verdict(&mut v, team, ledger) {
                        jsonl.line(&buf)?;
                    } else {
                        jsonl.row(Ok(&v))?;
                    }
                    totals.add_verdict(&v);
                    table.verdict(&v);
                    goalpost_grade::manifest::add_unlisted(&mut unlisted, &mut unlisted_at, &v);
                    csv.row(Ok(&v))?;
                    batch.push(Ok(*v));
                }
                if send.send(batch).is_err() {
                    return Ok(());
                }
            }
            let mut batch = Vec::new();
            let mut error = |e: ErrorRow, line: Option<&[u8]>| -> Result<()> {
                totals.add_error();
                table.error(&e);
                match line {
                    Some(line) => jsonl.line(line)?,
                    None => jsonl.row(Err(&e))?,
                }
                csv.row(Err(&e))?;
                batch.push(Err(e));
                Ok(())
            };
            for e in pre_errors.iter().cloned().chain(unreadable) {
                error(e, None)?;
            }
            let errors: Vec<Placed> = index.iter().filter(|p| p.error).copied().collect();
            for places in errors.chunks(CHUNK) {
                for ((buf, row), p) in read(places)?.into_iter().zip(places) {
                    match row {
                        Ok(ResultRow::Error(e)) => error(e, Some(&buf))?,
                        Err(e) => error(e, None)?,
                        Ok(_) => bail!("`{}` at byte {}: expected an error row", partial.display(), p.offset),
                    }
                }
            }
            let _ = send.send(batch);
            Ok(())
        };
        let done = written();
        drop(send);
        // The parquet thread's error first: when it stopped, the rows sent to it failed too.
        let parquet = match writer.join() {
            Ok(r) => r?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        done?;
        fault::kill_point("results.jsonl");
        jsonl.commit()?;
        fault::kill_point("results.csv");
        csv.commit()?;
        fault::kill_point("results.parquet");
        parquet.commit()?;
        Ok(())
    })?;
    Ok(Assembled { totals, table, unlisted })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_that_does_not_read_back_is_its_inputs_error_and_the_rest_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("results.partial.jsonl");
        let good = ErrorRow {
            kind: ErrorKind::Input,
            file: "b.jsonl".into(),
            line: Some(2),
            field: None,
            trajectory: None,
            message: "bad".into(),
        };
        let good_line = goalpost_grade::row_line(Err(&good));
        // A verdict row cut short (what a row nested past the reader's limit looks like to it).
        let broken = "{\"type\":\"verdict\",\"trajectory\":\"t\"\n";
        fs_err::write(&partial, format!("{broken}{good_line}")).unwrap();
        let index = vec![
            Placed { input: 0, offset: 0, len: broken.len() as u32, error: false },
            Placed { input: 1, offset: broken.len() as u64, len: good_line.len() as u32, error: true },
        ];
        let inputs: Vec<goalpost_trajectory::Input> = ["a.jsonl", "b.jsonl"]
            .map(|p| goalpost_trajectory::Input { path: p.into(), kind: goalpost_trajectory::InputKind::Canonical })
            .to_vec();
        let meta = RunMeta { run_id: "r", started_at: "2026-12-04T00:00:00Z" };
        let done = assemble(dir.path(), &partial, &inputs, index, &[], &Ledger::empty(), meta, Some(2), None).unwrap();
        assert_eq!((done.totals.found, done.totals.graded, done.totals.errored), (2, 0, 2));
        let jsonl = fs_err::read_to_string(dir.path().join("results.jsonl")).unwrap();
        let lines: Vec<&str> = jsonl.lines().collect();
        assert_eq!(lines.len(), 3, "{jsonl}");
        assert!(lines[1].contains("\"kind\":\"grader\"") && lines[1].contains("a.jsonl"), "{}", lines[1]);
        assert!(lines[1].contains("does not read back"), "{}", lines[1]);
        assert_eq!(format!("{}\n", lines[2]), good_line);
    }
}
