"""goalpost: grade what autonomous coding agents did against what they were asked to do.

The grading core of the ``goalpost`` command, for notebooks and data pipelines::

    import goalpost
    specs = goalpost.Specs.load(scenarios="scenarios", rubrics="rubrics")
    table = specs.grade(["trajectories/"])          # a pyarrow.Table
    table.to_pandas().query("row == 'trajectory'")[["trajectory", "status", "score"]]
    goalpost.read_results("reports/<run>")           # a run written by `goalpost run`

The table has the columns and types of a run's ``results.parquet`` (one row per trajectory, per
criterion and per input that could not be graded; ``docs/reports.md``): both are built
by one builder in Rust. An input that cannot be read is an error row, never an exception.
Grading releases the GIL and uses every core (``jobs`` to limit it). ``goalpost.ray`` grades on
a Ray cluster.
"""

from __future__ import annotations

import datetime as _dt
import hashlib as _hashlib
import json as _json
import os as _os
import warnings as _warnings
from pathlib import Path as _Path
from typing import Iterable, Sequence, Union

import pyarrow as pa
import pyarrow.parquet as pq

from . import _goalpost

__all__ = ["Specs", "SpecError", "grade_batch", "read_results", "schema", "COLUMNS", "SCHEMA_VERSION", "__version__"]

__version__: str = _goalpost.__version__
#: The results table's columns, in order.
COLUMNS: list[str] = _goalpost.columns()
#: The layout version stored in every row (``schema_version``).
SCHEMA_VERSION: int = _goalpost.SCHEMA_VERSION

PathLike = Union[str, "_os.PathLike[str]"]


class SpecError(ValueError):
    """Scenarios, rubrics or the price table have problems (each in ``problems``)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the scenarios and rubrics:\n  {shown}{more}")


def _paths(paths: Union[PathLike, Iterable[PathLike]]) -> list[str]:
    if isinstance(paths, (str, _os.PathLike)):
        paths = [paths]
    out = [_os.fspath(p) for p in paths]
    for p in out:
        if not isinstance(p, str):
            raise TypeError(f"a path must be text, not {type(p).__name__}: {p!r}")
    return out


def _now() -> tuple[str, str]:
    """A run id and start time in the form ``goalpost run`` uses."""
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    salt = _hashlib.blake2b(f"{now.isoformat()}{_os.getpid()}{id(now)}".encode(), digest_size=4).hexdigest()
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + salt, now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _table(batch: pa.RecordBatch) -> pa.Table:
    return pa.Table.from_batches([batch])


class Specs:
    """Scenarios and rubrics, loaded and checked once, to grade trajectories against.

    Picklable: a copy sent to another process (a Ray worker) loads the same files there, and
    refuses to grade if their content differs from what was loaded here.
    """

    def __init__(self, _inner: "_goalpost._Specs", _args: tuple, _fingerprint: str):
        self._inner = _inner
        self._args = _args
        self._fingerprint = _fingerprint

    @classmethod
    def load(
        cls,
        scenarios: PathLike | None = None,
        rubrics: PathLike | None = None,
        prices: PathLike | None = None,
        *,
        project: bool = True,
    ) -> "Specs":
        """Loads scenarios (searched recursively), rubrics and the price table.

        Called with none of them, it loads the project's, as every ``goalpost`` command does:
        the nearest ``goalpost.toml`` in or above the working directory names them
        (``project=False`` skips the search). Otherwise, or outside any project,
        ``rubrics=None`` grades with the rubric and tool catalog built into goalpost,
        ``prices=None`` with its built-in price table, ``scenarios=None`` with no scenario (each
        trajectory by the default rubric, unless it carries its scenario). A malformed or vague
        scenario or rubric raises :class:`SpecError` with every problem (file, line, field);
        warnings are issued as Python warnings.
        """
        if project and scenarios is None and rubrics is None and prices is None:
            found = _goalpost.project(_os.getcwd())
            if found is not None:
                _file, scenarios, rubrics, prices, _ledger = found
        args = tuple(None if p is None else _os.path.abspath(_os.fspath(p)) for p in (scenarios, rubrics, prices))
        inner, diags = _goalpost._Specs.load(*args)
        problems = [text for severity, text in diags if severity != "warning"]
        if problems:
            raise SpecError(problems)
        for severity, text in diags:
            if severity == "warning":
                _warnings.warn(text, stacklevel=2)
        return cls(inner, args, _fingerprint(args))

    @property
    def scenarios(self) -> list[str]:
        """The loaded scenarios' ids."""
        return self._inner.scenarios()

    @property
    def rubrics(self) -> list[str]:
        """The loaded rubrics' ids."""
        return self._inner.rubrics()

    def __repr__(self) -> str:
        return f"<goalpost.Specs: {len(self.scenarios)} scenario(s), rubrics {', '.join(self.rubrics)}>"

    def __reduce__(self):
        return (_reload, (self._args, self._fingerprint))

    def grade(
        self,
        paths: Union[PathLike, Iterable[PathLike]],
        *,
        scenario: str | None = None,
        team: str | None = None,
        ledger: PathLike | None = None,
        jobs: int | None = None,
        run_id: str | None = None,
        started_at: str | None = None,
    ) -> pa.Table:
        """Grades every trajectory under ``paths`` (files or directories, in any format
        ``goalpost run`` reads) and returns the results table.

        ``scenario`` grades every trajectory against that scenario; ``team`` is the team of
        trajectories whose scenario names none; ``ledger`` applies reviewers' decisions
        (``reviews/ledger.jsonl``); ``jobs`` caps the threads (default: every core).
        """
        rid, at = _now()
        batch, _totals, _jsonl = self._inner.grade(
            _paths(paths),
            run_id or rid,
            started_at or at,
            scenario=scenario,
            team=team,
            ledger=None if ledger is None else _os.fspath(ledger),
            jobs=jobs,
        )
        return _table(batch)

    def grade_bytes(
        self,
        items: Sequence[tuple[str, bytes]],
        *,
        scenario: str | None = None,
        team: str | None = None,
        ledger: PathLike | None = None,
        jobs: int | None = None,
        run_id: str | None = None,
        started_at: str | None = None,
    ) -> pa.Table:
        """Grades files given as ``(name, content)`` pairs (read from an object store, say);
        their rows name them by ``name``."""
        rid, at = _now()
        batch, _totals, _jsonl = self._inner.grade_bytes(
            [(str(n), bytes(b)) for n, b in items],
            run_id or rid,
            started_at or at,
            scenario=scenario,
            team=team,
            ledger=None if ledger is None else _os.fspath(ledger),
            jobs=jobs,
        )
        return _table(batch)


def _fingerprint(args: tuple) -> str:
    """A hash of every file under the scenarios and rubrics directories and of the price table."""
    h = _hashlib.blake2b(digest_size=16)
    for root in args:
        if root is None:
            h.update(b"\0none")
            continue
        h.update(root.encode("utf-8", "surrogateescape"))
        if _os.path.isfile(root):
            files = [root]
        else:
            files = sorted(
                _os.path.join(d, f) for d, _, fs in _os.walk(root) for f in fs if f.endswith(".toml")
            )
        for f in files:
            h.update(_os.path.relpath(f, root).encode("utf-8", "surrogateescape"))
            with open(f, "rb") as fh:
                h.update(_hashlib.blake2b(fh.read(), digest_size=16).digest())
    return h.hexdigest()


# Specs a worker process has loaded, by what was loaded: each Ray task unpickles its function's
# Specs, and a worker runs many tasks. Keyed by the driver's fingerprint, a hit is exactly what
# the driver loaded (files changed since give another fingerprint, checked on the miss).
_LOADED: dict[tuple, "Specs"] = {}


def _reload(args: tuple, fingerprint: str) -> Specs:
    """A :class:`Specs` loaded again where it was unpickled, from the same files."""
    cached = _LOADED.get((args, fingerprint))
    if cached is not None:
        return cached
    try:
        found = _fingerprint(args)
    except OSError as e:
        raise SpecError([f"the scenarios and rubrics are not readable here ({e}): workers must see the files the driver loaded"]) from None
    if found != fingerprint:
        raise SpecError(
            ["the scenarios, rubrics or price table differ here from what was loaded: one run would grade by two plans"]
        )
    inner, diags = _goalpost._Specs.load(*args)
    problems = [text for severity, text in diags if severity != "warning"]
    if problems:
        raise SpecError(problems)
    loaded = Specs(inner, args, fingerprint)
    if len(_LOADED) >= 8:
        _LOADED.clear()
    _LOADED[(args, fingerprint)] = loaded
    return loaded


def read_results(path: PathLike, *, columns: Sequence[str] | None = None) -> pa.Table:
    """A run's results as a pyarrow Table.

    ``path`` is a run directory written by ``goalpost run`` or ``goalpost merge``
    (its ``results.parquet``), one written by :func:`goalpost.ray.grade_to` (its
    ``part-*.parquet``, in order), or a ``.parquet`` file. A run directory must hold its
    ``manifest.json``: an unfinished or killed run is refused, never read in part.
    """
    p = _Path(_os.fspath(path))
    if p.is_file():
        return pq.read_table(p, columns=columns)
    if not p.is_dir():
        raise FileNotFoundError(f"{p}: no such run or file")
    unfinished = ValueError(f"{p}: the run did not finish (killed, or still running): no whole manifest.json")
    if (p / "run.json").exists() or not (p / "manifest.json").is_file():
        raise unfinished
    try:
        _json.loads((p / "manifest.json").read_bytes())
    except ValueError:
        raise unfinished from None
    whole = p / "results.parquet"
    if whole.is_file():
        return pq.read_table(whole, columns=columns)
    parts = sorted(p.glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"{p}: holds neither results.parquet nor part-*.parquet")
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in parts])


# --- grading a batch of inputs: the one function Ray tasks, Spark's mapInArrow and any other
# engine call on their workers.

_SCHEMES = ("s3://", "gs://", "gcs://", "abfs://", "abfss://", "hdfs://", "file://", "az://", "viewfs://")


def _is_uri(p: str) -> bool:
    return "://" in p and p.split("://", 1)[0].lower() + "://" in _SCHEMES


def _list_uris(uri: str) -> list[str]:
    """The files under an object-store URI (the object itself when it is one), sorted."""
    import pyarrow.fs as pafs

    fs, path = pafs.FileSystem.from_uri(uri)
    info = fs.get_file_info(path)
    if info.type != pafs.FileType.Directory:
        return [uri]  # a file, or missing: its read fails on the worker, an error row naming it
    scheme = uri.split("://", 1)[0]
    found = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    names = [f.path for f in found if f.type == pafs.FileType.File and not _os.path.basename(f.path).startswith(".")]
    return sorted(f"{scheme}://{n}" for n in names)


def _grade_batch(
    batch,
    specs: "Specs",
    *,
    jobs=None,
    run_id: str,
    started_at: str,
    scenario=None,
    team=None,
    ledger=None,
    lines: bool = False,
) -> tuple[pa.Table, list[str], bytes]:
    """Grades one batch of work items; returns its rows, the totals of each piece (JSON) and,
    with ``lines``, the rows as results.jsonl lines."""
    names = batch.schema.names
    inputs = batch.column(names.index("input")).to_pylist()
    if "kind" in names:
        kinds = batch.column(names.index("kind")).to_pylist()
    else:
        kinds = ["uri" if _is_uri(i) else "path" for i in inputs]
    opts = {"scenario": scenario, "team": team, "ledger": ledger, "jobs": jobs, "lines": lines}
    tables, totals, lines = [], [], []

    def keep(rows):
        b, t, j = rows
        tables.append(pa.Table.from_batches([b]))
        totals.append(t)
        lines.append(j)

    tokens = [i for k, i in zip(kinds, inputs) if k == "token"]
    paths = [i for k, i in zip(kinds, inputs) if k == "path"]
    uris = [i for k, i in zip(kinds, inputs) if k == "uri"]
    if tokens:
        keep(specs._inner.grade_inputs(tokens, run_id, started_at, **opts))
    if paths:
        keep(specs._inner.grade(paths, run_id, started_at, **opts))
    if uris:
        import pyarrow.fs as pafs

        fetched, failed = [], []
        for uri in uris:
            try:
                fs, path = pafs.FileSystem.from_uri(uri)
                with fs.open_input_stream(path) as f:
                    fetched.append((uri, f.read()))
            except Exception as e:  # unreadable: its own error row, never a failed task
                failed.append((uri, f"could not read the object: {type(e).__name__}: {e}"))
        if fetched:
            keep(specs._inner.grade_bytes(fetched, run_id, started_at, **opts))
        if failed:
            keep(specs._inner.error_rows(failed, run_id, started_at))
    if not tables:
        keep(specs._inner.error_rows([], run_id, started_at))
    return pa.concat_tables(tables), totals, b"".join(lines)


def grade_batch(
    batch,
    specs: "Specs",
    *,
    run_id: str,
    started_at: str,
    scenario: str | None = None,
    team: str | None = None,
    ledger: PathLike | None = None,
    jobs: int | None = None,
) -> pa.Table:
    """Grades a batch of inputs on a worker of any engine and returns their result rows.

    ``batch`` is a pyarrow Table or RecordBatch with a text column ``input``: a path (file or
    directory) on a filesystem this worker sees, or an object-store URI (``s3://…``, read as
    bytes here). Every batch of one run must get the same ``run_id`` and ``started_at``. An
    input that cannot be read is an error row. This is what ``goalpost.ray`` runs in each task.
    """
    ledger = None if ledger is None else _os.fspath(ledger)
    return _grade_batch(
        batch, specs, jobs=jobs, run_id=run_id, started_at=started_at, scenario=scenario, team=team, ledger=ledger
    )[0]


def schema() -> pa.Schema:
    """The results table's Arrow schema (that of ``results.parquet``)."""
    return Specs.load(project=False).grade([], run_id="", started_at="").schema
