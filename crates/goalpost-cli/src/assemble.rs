//! The results files of a run, assembled from its partial file: rows were appended there as
//! they were graded (in completion order, see [`crate::progress::Bar`]); here they are read back
//! in input order, reviewers' decisions applied, and written to `results.jsonl`, `results.csv`
//! and `results.parquet` a row at a time. Memory holds one row (and one parquet batch), never
//! the run.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use goalpost_grade::ledger::{Applied, Ledger};
use goalpost_grade::{CsvWriter, ErrorRow, JsonlWriter, ResultRow, Totals, fault};
use goalpost_report::table::{ParquetStream, RunMeta};

use crate::progress::Placed;
use crate::render::TableRows;

/// What the run's summary needs once its results are written.
#[derive(Debug)]
pub(crate) struct Assembled {
    pub(crate) totals: Totals,
    pub(crate) table: TableRows,
}

/// Writes the results files of the run in `out` from the rows `index` places in `partial`:
/// every verdict in input order (within an input, file order), then `pre_errors` (inputs that
/// could not be opened or recognised), then every other error in input order.
pub(crate) fn assemble(
    out: &Path,
    partial: &Path,
    mut index: Vec<Placed>,
    pre_errors: &[ErrorRow],
    ledger: &Ledger,
    meta: RunMeta<'_>,
) -> Result<Assembled> {
    // An input's rows were written in file order by the one thread grading it.
    index.sort_by_key(|p| (p.input, p.offset));
    let mut file = fs_err::File::open(partial)?;
    let mut buf = Vec::new();
    // The row at `p`; its line as written (by `row_line`: exactly a results.jsonl line) is
    // left in `buf`.
    let read = |file: &mut fs_err::File, buf: &mut Vec<u8>, p: &Placed| -> Result<ResultRow> {
        buf.resize(p.len as usize, 0);
        file.seek(SeekFrom::Start(p.offset))?;
        file.read_exact(buf)?;
        serde_json::from_slice(buf).with_context(|| {
            format!("`{}` at byte {}: a row this run wrote does not read back", partial.display(), p.offset)
        })
    };
    let mut jsonl = JsonlWriter::create(&out.join("results.jsonl"))?;
    let mut csv = CsvWriter::create(&out.join("results.csv"))?;
    let mut parquet = ParquetStream::create(&out.join("results.parquet"), meta)?;
    let mut totals = Totals::default();
    let mut table = TableRows::default();
    for p in index.iter().filter(|p| !p.error) {
        let ResultRow::Verdict(mut v) = read(&mut file, &mut buf, p)? else {
            bail!("`{}` at byte {}: expected a verdict", partial.display(), p.offset);
        };
        // Reviewers' decisions are applied last (the same whether the run was resumed or not).
        if ledger.apply(&mut v) == Applied::default() {
            jsonl.line(&buf)?;
        } else {
            jsonl.row(Ok(&v))?;
        }
        totals.add_verdict(&v);
        table.verdict(&v);
        csv.row(Ok(&v))?;
        parquet.verdict(*v)?;
    }
    let mut error = |e: ErrorRow, line: Option<&[u8]>| -> Result<()> {
        totals.add_error();
        table.error(&e);
        match line {
            Some(line) => jsonl.line(line)?,
            None => jsonl.row(Err(&e))?,
        }
        csv.row(Err(&e))?;
        parquet.error(e)?;
        Ok(())
    };
    for e in pre_errors {
        error(e.clone(), None)?;
    }
    for p in index.iter().filter(|p| p.error) {
        let ResultRow::Error(e) = read(&mut file, &mut buf, p)? else {
            bail!("`{}` at byte {}: expected an error row", partial.display(), p.offset);
        };
        error(e, Some(&buf))?;
    }
    fault::kill_point("results.jsonl");
    jsonl.commit()?;
    fault::kill_point("results.csv");
    csv.commit()?;
    fault::kill_point("results.parquet");
    parquet.commit()?;
    Ok(Assembled { totals, table })
}
