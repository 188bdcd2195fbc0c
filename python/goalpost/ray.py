"""Grading on Ray Data (``pip install 'goalpost[ray]'``).

::

    import goalpost, goalpost.ray
    specs = goalpost.Specs.load(scenarios="scenarios", rubrics="rubrics")
    ds = goalpost.ray.grade(["/shared/trajectories"], specs)      # a lazy ray.data.Dataset
    goalpost.ray.grade_to("reports/nightly", ["/shared/trajectories"], specs)  # a run directory

Paths on a filesystem every node sees are discovered on the driver (no file is read there) and
each input is opened by goalpost's Rust reader on the worker that grades it: large files never
pass through Python. Object-store URIs (``s3://``, ``gs://``, ``file://`` …; anything
``pyarrow.fs`` opens) are listed on the driver and read as bytes on the worker.

The defaults are chosen not to bite: grading runs as Ray *tasks* (a function, not an actor
pool: an actor pool as large as the cluster's CPUs starves the read stage and deadlocks), each
task grades its batch on as many threads as Ray assigned it CPUs (``num_cpus``, by default
those of the smallest node: Ray pins no cores, so the thread count is what keeps a task to its
share), batches are sized from the cluster (a few per task), and an input that cannot be read
is an error row, as in ``goalpost run`` — a task never fails on one.
"""

from __future__ import annotations

import json as _json
import os as _os
import shutil as _shutil
import uuid as _uuid
from pathlib import Path as _Path
from typing import Iterable, Union

import pyarrow as pa
import pyarrow.parquet as pq

import ray
import ray.data

from . import Specs, _grade_batch, _is_uri, _list_uris, _now, _paths

__all__ = ["grade", "grade_to"]

#: The most inputs a task grades when ``batch_size`` is not given: a task costs Ray tens of
#: milliseconds, so batches are as large as spreading the work allows (about four per CPU of the
#: cluster), within [16, 1024].
MAX_BATCH = 1024


def _task_cpus(given: float | None) -> float:
    """CPUs per task: by default those of the cluster's smallest node. One task then grades on
    every core of a node with goalpost's own thread pool, which balances large and small inputs
    better than more, narrower tasks do (on 2 CPUs, one 2-thread task at a time graded a corpus
    in 2.4 s where two 1-thread tasks took 4.1 s; docs/scale-out.md)."""
    if given is not None:
        if given <= 0:
            raise ValueError("num_cpus must be positive")
        return given
    sizes = [n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")]
    sizes = [c for c in sizes if c > 0]
    return float(max(1, int(min(sizes)))) if sizes else 1.0


def _batch_size(given: int | None, inputs: int, num_cpus: float) -> int:
    if given is not None:
        if given < 1:
            raise ValueError("batch_size must be at least 1")
        return given
    cpus = max(1.0, float(ray.cluster_resources().get("CPU", 1)))
    tasks = max(1, int(cpus / max(num_cpus, 0.01)))
    return max(16, min(MAX_BATCH, -(-inputs // (4 * tasks))))

def _plan(paths_or_uris, specs: Specs, run_id: str, started_at: str):
    """The work items (one per input) and the rows of inputs found unreadable on the driver."""
    given = _paths(paths_or_uris)
    local = [p for p in given if not _is_uri(p)]
    uris = [u for p in given if _is_uri(p) for u in _list_uris(p)]
    tokens, (errors, totals, jsonl), skipped = specs._inner.discover(local, run_id, started_at)
    items = [{"index": i, "kind": "token", "input": t} for i, t in enumerate(tokens)]
    items += [{"index": len(tokens) + i, "kind": "uri", "input": u} for i, u in enumerate(uris)]
    return given, items, (pa.Table.from_batches([errors]), totals, jsonl), skipped


def _assigned_cpus() -> int | None:
    """The CPUs Ray assigned this task: the threads it grades on (Ray pins no cores, so a
    default rayon pool would take every core of the node whatever Ray promised others)."""
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    except Exception:  # not in a Ray worker
        return None
    return max(1, int(cpus))


def _rows(batch: pa.Table, specs: Specs, opts: dict) -> pa.Table:
    return _grade_batch(batch, specs, jobs=_assigned_cpus(), **opts)[0]


def _options(scenario, team, ledger, run_id, started_at) -> dict:
    rid, at = _now()
    return {
        "run_id": run_id or rid,
        "started_at": started_at or at,
        "scenario": scenario,
        "team": team,
        "ledger": None if ledger is None else _os.path.abspath(_os.fspath(ledger)),
    }


def grade(
    paths_or_uris: Union[str, "_os.PathLike[str]", Iterable[Union[str, "_os.PathLike[str]"]]],
    specs: Specs,
    *,
    scenario: str | None = None,
    team: str | None = None,
    ledger=None,
    batch_size: int | None = None,
    num_cpus: float | None = None,
    run_id: str | None = None,
    started_at: str | None = None,
) -> "ray.data.Dataset":
    """A lazy ``ray.data.Dataset`` of result rows (the columns of ``results.parquet``).

    Inputs are discovered on the driver; each task grades ``batch_size`` of them (by default
    about a quarter of an even share per task, within [16, 1024]) on ``num_cpus`` threads (by
    default as many as the smallest node has CPUs). Inputs that could not be opened or recognised are error rows in the
    dataset, as are objects a worker could not read.
    """
    opts = _options(scenario, team, ledger, run_id, started_at)
    specs._inner.grade([], opts["run_id"], opts["started_at"], scenario=scenario)  # an unknown scenario raises here
    cpus = _task_cpus(num_cpus)
    _given, items, (errors, _totals, _jsonl), _skipped = _plan(paths_or_uris, specs, opts["run_id"], opts["started_at"])
    parts = []
    if items:
        ds = ray.data.from_items(items)
        parts.append(
            ds.map_batches(
                _rows,
                fn_kwargs={"specs": specs, "opts": opts},
                batch_format="pyarrow",
                batch_size=_batch_size(batch_size, len(items), cpus),
                num_cpus=cpus,
            )
        )
    if errors.num_rows or not parts:
        parts.append(ray.data.from_arrow(errors))
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])


def _atomic(path: str, write) -> None:
    tmp = _os.path.join(_os.path.dirname(path), f".{_os.path.basename(path)}.{_uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        _os.replace(tmp, path)
    finally:
        if _os.path.exists(tmp):
            _os.remove(tmp)


def _write_part(batch: pa.Table, specs: Specs, opts: dict, out: str) -> pa.Table:
    """Grades a batch and writes its rows to ``part-<first input index>.parquet`` and
    ``.jsonl`` (atomically: a retried task writes the same part again)."""
    table, totals, jsonl = _grade_batch(batch, specs, jobs=_assigned_cpus(), lines=True, **opts)
    first = min(batch.column("index").to_pylist())
    stem = _os.path.join(out, f"part-{first:08d}")

    def lines(tmp):
        with open(tmp, "wb") as f:
            f.write(jsonl)

    _atomic(stem + ".jsonl", lines)
    _atomic(stem + ".parquet", lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    return pa.table({"part": [stem], "rows": [table.num_rows], "totals": [_json.dumps([_json.loads(t) for t in totals])]})


def grade_to(
    out: Union[str, "_os.PathLike[str]"],
    paths_or_uris,
    specs: Specs,
    *,
    scenario: str | None = None,
    team: str | None = None,
    ledger=None,
    batch_size: int | None = None,
    num_cpus: float | None = None,
    run_id: str | None = None,
    started_at: str | None = None,
) -> _Path:
    """Grades on Ray and writes a run directory ``out``: ``part-*.parquet`` (one per task, named
    by its first input's place in the run) and ``manifest.json``, written last. ``goalpost
    report``, ``compare`` and ``gate`` read it like any run; :func:`goalpost.read_results`
    reads it as one table. ``out`` must be on a filesystem every node sees, and new or empty.
    """
    out = _Path(_os.fspath(out)).absolute()
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out}: not empty (a run directory is written whole, once)")
    out.mkdir(parents=True, exist_ok=True)
    opts = _options(scenario, team, ledger, run_id, started_at)
    specs._inner.grade([], opts["run_id"], opts["started_at"], scenario=scenario)
    cpus = _task_cpus(num_cpus)
    given, items, (errors, error_totals, error_lines), skipped = _plan(paths_or_uris, specs, opts["run_id"], opts["started_at"])
    totals = []
    if items:
        written = ray.data.from_items(items).map_batches(
            _write_part,
            fn_kwargs={"specs": specs, "opts": opts, "out": str(out)},
            batch_format="pyarrow",
            batch_size=_batch_size(batch_size, len(items), cpus),
            num_cpus=cpus,
        )
        for row in written.take_all():
            totals += [_json.dumps(t) for t in _json.loads(row["totals"])]
    if errors.num_rows or not items:
        # Inputs discovery could not open or recognise: a part after every graded one.
        pq.write_table(errors, out / "part-errors.parquet", compression="zstd")
        (out / "part-errors.jsonl").write_bytes(error_lines)
        totals.append(error_totals)
    # results.jsonl, as `goalpost run` writes it (the regression store, review pages and merge
    # read it): the header, then each part's lines in part order.
    from . import _goalpost

    def assemble(tmp):
        with open(tmp, "wb") as f:
            f.write(_goalpost.results_header())
            for part in sorted(out.glob("part-*.jsonl")):
                with open(part, "rb") as src:
                    _shutil.copyfileobj(src, f, 1 << 20)

    _atomic(str(out / "results.jsonl"), assemble)
    for part in out.glob("part-*.jsonl"):
        part.unlink()

    _goalpost.write_manifest(
        specs._inner, str(out), opts["run_id"], opts["started_at"], totals, given, _os.getcwd(), skipped
    )
    return out
