"""Grading on Ray Data (``pip install 'goalpost[ray]'``).

::

    import goalpost, goalpost.ray
    specs = goalpost.Specs.load(scenarios="scenarios", rubrics="rubrics")
    ds = goalpost.ray.grade(["/shared/trajectories"], specs)      # a lazy ray.data.Dataset
    goalpost.ray.grade_to("reports/nightly", ["/shared/trajectories"], specs)  # a run directory

Paths on a filesystem every node sees are discovered on the driver (no file is read there) and
each input is opened by goalpost's Rust reader on the worker that grades it: large files never
pass through Python. An object-store URI (``s3://``, ``gs://``, ``file://`` …; anything
``pyarrow.fs`` opens) is one work item: the worker that grades it copies the object, or every
object under the prefix with its layout, to a private temporary directory and grades that as
the same files on disk would be graded (companion files stay beside their trajectories). Give
one URI per run directory to spread a large bucket over the cluster.

The defaults are chosen not to bite: grading runs as Ray *tasks* (a function, not an actor
pool: an actor pool as large as the cluster's CPUs starves the read stage and deadlocks), each
task grades its batch on as many threads as Ray assigned it CPUs (``num_cpus``, one by
default: a wider task is faster on a dedicated cluster but waits forever when something else
holds a CPU of every node; Ray pins no cores, so the thread count is what keeps a task to its
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

from . import Specs, _call, _goalpost, _grade_inputs, _is_uri, _paths, _shown

__all__ = ["grade", "grade_to"]

#: The most inputs a task grades when ``batch_size`` is not given: a task costs Ray tens of
#: milliseconds, so batches are as large as spreading the work allows (about four per task the
#: cluster can run at once), within [16, 1024].
MAX_BATCH = 1024

#: Times Ray retries a task whose worker died (Ray Data's default is forever: a batch that kills
#: its worker every time, out of memory say, would hang the run).
_RETRIES = 3

Inputs = Union[str, "_os.PathLike[str]", Iterable[Union[str, "_os.PathLike[str]"]]]


def _started() -> None:
    if not ray.is_initialized():
        ray.init()


def _task_cpus(given: float | None) -> float:
    """CPUs per task (and the threads it grades on): one unless told. A wider task is faster on
    a cluster that does nothing else (on 2 CPUs, one 2-CPU task at a time graded a corpus in
    2.4 s where 1-CPU tasks took 3.8 s; docs/scale-out.md), but a task asking for more CPUs
    than are ever free together (an actor or a trial holds one) waits forever, and what is free
    cannot be known for sure when the tasks are submitted."""
    if given is None:
        return 1.0
    if given <= 0:
        raise ValueError("num_cpus must be positive")
    return given


def _batch_size(given: int | None, inputs: int, num_cpus: float) -> int:
    if given is not None:
        if given < 1:
            raise ValueError("batch_size must be at least 1")
        return given
    cpus = max(1.0, float(ray.cluster_resources().get("CPU", 1)))
    tasks = max(1, int(cpus / max(num_cpus, 0.01)))
    return max(16, min(MAX_BATCH, -(-inputs // (4 * tasks))))


def _assigned_cpus() -> int | None:
    """The CPUs Ray assigned this task: the threads it grades on."""
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    except Exception:  # not in a Ray worker
        return None
    return max(1, int(cpus))


def _plan(paths_or_uris: Inputs, specs: Specs, call: dict):
    """The work items (one per input found under the local paths, one per URI), the rows of
    inputs found unreadable on the driver and the files skipped. Local paths are made absolute:
    workers do not share the driver's working directory."""
    given = list(dict.fromkeys(_paths(paths_or_uris)))
    local = [_os.path.abspath(p) for p in given if not _is_uri(p)]
    uris = [u for u in given if _is_uri(u)]
    tokens, (errors, lines, skipped) = specs._inner.discover(local, call)
    items = [{"index": i, "kind": "token", "input": t} for i, t in enumerate(tokens)]
    items += [{"index": len(tokens) + i, "kind": "uri", "input": u} for i, u in enumerate(uris)]
    return given, items, (pa.Table.from_batches([errors]), lines), skipped


def _prepare(specs, scenario, team, ledger, run_id, started_at, num_cpus, *, lines=False):
    _started()
    ledger = None if ledger is None else _os.path.abspath(_os.fspath(ledger))
    ledger_hash = None if ledger is None else _goalpost.ledger_hash(ledger)  # a missing file raises
    call = _call(run_id, started_at, scenario, team, ledger, ledger_hash, lines=lines)
    specs._inner.check(call)  # an unknown scenario raises here, not on every worker
    return call, _task_cpus(num_cpus)


def _graded(batch: pa.Table, specs: Specs, call: dict):
    """A task's batch of work items graded on the CPUs Ray assigned it: rows, lines, skipped."""
    items = list(zip(batch.column("input").to_pylist(), batch.column("kind").to_pylist()))
    return _grade_inputs(specs, items, {**call, "jobs": _assigned_cpus()})


def _rows(batch: pa.Table, specs: Specs, call: dict) -> pa.Table:
    return _graded(batch, specs, call)[0]


def _tasks(items: list[dict], fn, fn_kwargs: dict, batch_size: int | None, cpus: float) -> "ray.data.Dataset":
    """``fn`` over the work items as Ray tasks of ``cpus`` CPUs, on batches sized from the cluster."""
    return ray.data.from_items(items).map_batches(
        fn,
        fn_kwargs=fn_kwargs,
        batch_format="pyarrow",
        batch_size=_batch_size(batch_size, len(items), cpus),
        num_cpus=cpus,
        max_retries=_RETRIES,
    )


def grade(
    paths_or_uris: Inputs,
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
    about a quarter of an even share per task, within [16, 1024]) on ``num_cpus`` threads (one
    by default; as many as a node has CPUs is faster on a cluster that runs nothing else). Inputs that could not be opened or recognised are error rows in the
    dataset, as are objects a worker could not read. The dataset grades again on every action
    that reads it: ``materialize()`` it to read it more than once.
    """
    call, cpus = _prepare(specs, scenario, team, ledger, run_id, started_at, num_cpus)
    _given, items, (errors, _lines), _skipped = _plan(paths_or_uris, specs, call)
    parts = []
    if items:
        parts.append(_tasks(items, _rows, {"specs": specs, "call": call}, batch_size, cpus))
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


def _write_table(table: pa.Table, path: str, call: dict) -> None:
    meta = {b"goalpost.schema_version": str(_goalpost.SCHEMA_VERSION).encode(), b"goalpost.run_id": call["run_id"].encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    _atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def _write_part(batch: pa.Table, specs: Specs, call: dict, out: str) -> pa.Table:
    """Grades a batch and writes its rows to ``part-<first input index>.parquet`` and
    ``.jsonl`` (atomically: a retried task writes the same part again)."""
    table, jsonl, skipped = _graded(batch, specs, call)
    first = min(batch.column("index").to_pylist())
    # Where `out` is not shared this makes a directory the driver never sees: it then names the
    # missing parts, rather than this task failing on a path that is not there.
    _os.makedirs(out, exist_ok=True)
    stem = _os.path.join(out, f"part-{first:012d}")

    def lines(tmp):
        with open(tmp, "wb") as f:
            f.write(jsonl)

    _atomic(stem + ".jsonl", lines)
    _write_table(table, stem + ".parquet", call)
    return pa.table(
        {
            "part": [_os.path.basename(stem)],
            "rows": [table.num_rows],
            "skipped": [_json.dumps(skipped)],
        }
    )


def grade_to(
    out: Union[str, "_os.PathLike[str]"],
    paths_or_uris: Inputs,
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
    by its first input's place in the run), ``results.jsonl`` (the lines ``goalpost run``
    writes) and ``manifest.json``, written last. ``goalpost report``, ``compare``, ``gate``,
    ``promote`` and :func:`goalpost.read_results` read it like any run. ``out`` must be new or
    empty, on a filesystem every node sees: a part a worker wrote where the driver cannot see it
    stops the run, naming it.
    """
    out = _Path(_os.fspath(out)).absolute()
    out.mkdir(parents=True, exist_ok=True)
    # Taken before anything is written, and exclusively: two runs into one directory would
    # write parts under the same names.
    lock = out / ".goalpost-grade_to"
    try:
        _os.close(_os.open(lock, _os.O_CREAT | _os.O_EXCL | _os.O_WRONLY, 0o644))
    except FileExistsError:
        raise FileExistsError(f"{out}: another grade_to is writing here (or one was killed: remove {lock.name})") from None
    if any(p != lock for p in out.iterdir()):
        lock.unlink()
        raise FileExistsError(f"{out}: not empty (a run directory is written whole, once)")
    call, cpus = _prepare(specs, scenario, team, ledger, run_id, started_at, num_cpus, lines=True)
    given, items, (errors, error_lines), skipped = _plan(paths_or_uris, specs, call)
    reported = []
    if items:
        written = _tasks(items, _write_part, {"specs": specs, "call": call, "out": str(out)}, batch_size, cpus)
        for row in written.take_all():
            reported.append((row["part"], row["rows"]))
            skipped += [tuple(s) for s in _json.loads(row["skipped"])]
    if errors.num_rows or not items:
        # Inputs discovery could not open or recognise: a part after every graded one.
        _write_table(errors, str(out / "part-errors.parquet"), call)
        (out / "part-errors.jsonl").write_bytes(error_lines)
        reported.append(("part-errors", errors.num_rows))
    # Every part a task reported is here, whole, and no other: else the workers wrote where
    # this driver cannot see (`out` is not shared), and the run would be short.
    on_disk = {p.name[: -len(".parquet")] for p in out.glob("part-*.parquet")}
    names = {name for name, _ in reported}
    missing, extra = sorted(names - on_disk), sorted(on_disk - names)
    if missing:
        raise RuntimeError(
            f"{out}: {len(missing)} part(s) the workers wrote are not here (first: {missing[:3]}): "
            "is it on a filesystem every node sees?"
        )
    if extra:
        raise RuntimeError(f"{out}: part(s) no task of this run wrote: {extra[:3]}")
    for name, rows in reported:
        if pq.read_metadata(out / f"{name}.parquet").num_rows != rows:
            raise RuntimeError(f"{out / name}.parquet: not the {rows} row(s) its task wrote")

    def assemble(tmp):
        with open(tmp, "wb") as f:
            f.write(_goalpost.results_header())
            for name in sorted(n for n, _ in reported):
                with open(out / f"{name}.jsonl", "rb") as src:
                    _shutil.copyfileobj(src, f, 1 << 20)

    # results.jsonl, as `goalpost run` writes it (the regression store, review pages and merge
    # read it): the header, then each part's lines in part order.
    _atomic(str(out / "results.jsonl"), assemble)
    for name, _ in reported:
        (out / f"{name}.jsonl").unlink()
    _goalpost.finish_run(
        specs._inner,
        str(out),
        call["run_id"],
        call["started_at"],
        [_shown(g) for g in given],
        _os.getcwd(),
        skipped,
        call["ledger"],
        call["ledger_hash"],
    )
    lock.unlink()
    return out
