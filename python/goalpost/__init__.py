"""goalpost: grade what autonomous coding agents did against what they were asked to do.

The grading core of the ``goalpost`` command, for notebooks and data pipelines::

    import goalpost
    specs = goalpost.Specs.load(scenarios="scenarios", rubrics="rubrics")
    table = specs.grade(["trajectories/"])          # a pyarrow.Table
    table.to_pandas().query("row == 'trajectory'")[["trajectory", "status", "score"]]
    goalpost.read_results("reports/<run>")           # a run written by `goalpost run`

The table has the columns and types of a run's ``results.parquet`` (one row per trajectory, per
criterion and per input that could not be graded; ``docs/reports.md``): both are built by one
builder in Rust. An input that cannot be read is an error row, never an exception. Grading
releases the GIL and uses every core (``jobs`` to limit it). ``goalpost.ray`` grades on a Ray
cluster; :func:`grade_batch` is the function any other engine's workers call.
"""

from __future__ import annotations

import datetime as _dt
import errno as _errno
import hashlib as _hashlib
import os as _os
import re as _re
import shutil as _shutil
import tempfile as _tempfile
import time as _time
import warnings as _warnings
from typing import Iterable, Sequence, Union

import pyarrow as pa
import pyarrow.parquet as pq

from . import _goalpost

__all__ = [
    "Specs",
    "SpecError",
    "grade_batch",
    "read_results",
    "schema",
    "COLUMNS",
    "SCHEMA_VERSION",
    "__version__",
]

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


def _call(
    run_id=None, started_at=None, scenario=None, team=None, ledger=None, ledger_hash=None, jobs=None, lines=False
) -> dict:
    """A grading call's options, as the Rust core takes them."""
    if run_id is None or started_at is None:
        rid, at = _now()
        run_id, started_at = run_id or rid, started_at or at
    return {
        "run_id": run_id,
        "started_at": started_at,
        "scenario": scenario,
        "team": team,
        "ledger": None if ledger is None else _os.path.abspath(_os.fspath(ledger)),
        "ledger_hash": ledger_hash,
        "jobs": jobs,
        "lines": lines,
    }


class Specs:
    """Scenarios and rubrics, loaded and checked once, to grade trajectories against.

    Picklable: a copy sent to another process (a Ray or Spark worker) loads the same files
    there, and refuses to grade if what it loaded differs from what was loaded here (the files
    changed, a catalog elsewhere changed, another goalpost version).
    """

    def __init__(self, _inner: "_goalpost._Specs", _args: tuple):
        self._inner = _inner
        self._args = _args
        self._hash = _inner.specs_hash()

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
        return cls(inner, args)

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
        return (_reload, (self._args, self._hash, __version__))

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
        """Grades every trajectory under ``paths`` and returns the results table.

        A path is a file or directory in any format ``goalpost run`` reads, or an object-store
        URI (``s3://``, ``gs://``, ``file://`` …: anything ``pyarrow.fs`` opens), fetched to a
        private temporary directory and graded as the same files on disk would be.
        ``scenario`` grades every trajectory against that scenario; ``team`` is the team of
        trajectories whose scenario names none; ``ledger`` applies reviewers' decisions
        (``reviews/ledger.jsonl``; a path that is not a file raises); ``jobs`` caps the threads
        (default: every core). Finding nothing to grade warns.
        """
        given = _paths(paths)
        call = _call(run_id, started_at, scenario, team, ledger, jobs=jobs)
        self._inner.check(call)
        table, _lines, skipped = _grade_inputs(self, [(p, "uri" if _is_uri(p) else "path") for p in given], call)
        if table.num_rows == 0 and given:
            _warnings.warn(
                f"no trajectories found under {', '.join(_shown(g) for g in given[:5])}"
                + (f" ({len(skipped)} file(s) skipped: {skipped[0][0]}: {skipped[0][1]}, …)" if skipped else ""),
                stacklevel=2,
            )
        return table

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
        """Grades files given as ``(name, content)`` pairs (read from an object store, say).

        Each is written, under its own name (its last path segment, made safe), to a private
        temporary directory and graded as that file; its rows name it by ``name`` (a URI
        without its query or user information, which may hold credentials). Formats that take
        a trajectory's id from its file name (SWE-agent) see the original name.
        """
        call = _call(run_id, started_at, scenario, team, ledger, jobs=jobs)
        self._inner.check(call)
        with _tempfile.TemporaryDirectory(prefix="goalpost-bytes-") as tmp:
            roots = []
            for i, (name, content) in enumerate(items):
                d = _os.path.join(tmp, f"{i:08d}", *["_"] * _DEPTH)
                _os.makedirs(d)
                local = _os.path.join(d, _safe_name(str(name)))
                with open(local, "wb") as f:
                    f.write(bytes(content))
                roots.append((local, _shown(str(name))))
            batch, _lines, _skipped = self._inner.grade_copies(roots, call)
        return pa.Table.from_batches([batch])


def _reload(args: tuple, specs_hash: str, version: str) -> Specs:
    """A :class:`Specs` loaded again where it was unpickled, from the same files, and checked
    to be what was loaded where it was pickled."""
    cached = _LOADED.get((args, specs_hash))
    if cached is not None:
        return cached
    if version != __version__:
        raise SpecError([f"these specs were loaded by goalpost {version}, and this worker has {__version__}"])
    try:
        inner, diags = _goalpost._Specs.load(*args)
    except OSError as e:
        raise SpecError([f"the scenarios and rubrics are not readable here ({e}): workers must see the files the driver loaded"]) from None
    problems = [text for severity, text in diags if severity != "warning"]
    if problems:
        raise SpecError(problems)
    if inner.specs_hash() != specs_hash:
        raise SpecError(
            ["the scenarios, rubrics, tool catalogs or price table differ here from what was loaded: one run would grade by two plans"]
        )
    loaded = Specs(inner, args)
    if len(_LOADED) >= 8:
        _LOADED.clear()
    _LOADED[(args, specs_hash)] = loaded
    return loaded


# Specs a worker process has loaded, by what was loaded: each Ray task unpickles its function's
# Specs, and a worker runs many tasks. Keyed by the plan's hash, a hit is exactly what the
# driver loaded.
_LOADED: dict[tuple, Specs] = {}


def read_results(path: PathLike, *, columns: Sequence[str] | None = None) -> pa.Table:
    """A run's results as a pyarrow Table.

    ``path`` is a run directory written by ``goalpost run`` or ``goalpost merge``
    (its ``results.parquet``), one written by :func:`goalpost.ray.grade_to` (its
    ``part-*.parquet``, in order), or a ``.parquet`` file. A run directory must hold its
    ``manifest.json``: an unfinished or killed run is refused (``ValueError``), never read in
    part.
    """
    files = _goalpost.results_files(_os.fspath(path))
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in files])


def schema() -> pa.Schema:
    """The results table's Arrow schema (that of ``results.parquet``)."""
    return Specs.load(project=False).grade([], run_id="", started_at="").schema


# --- grading a batch of inputs: the one function Ray tasks, Spark's mapInArrow and any other
# engine call on their workers.

_SCHEMES = ("s3", "gs", "gcs", "abfs", "abfss", "hdfs", "file", "az", "viewfs")


def _is_uri(p: str) -> bool:
    scheme, sep, _ = p.partition("://")
    return bool(sep) and scheme.lower() in _SCHEMES


def _shown(uri: str) -> str:
    """A URI as rows, manifests and messages show it: without its query (options, credentials)
    or user information (``key:secret@``, even with a ``/`` in the secret)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    rest = rest.split("?", 1)[0]
    at = rest.rfind("@")
    if at >= 0 and ":" in rest[:at]:
        rest = rest[at + 1 :]
    return f"{scheme}://{rest}"


def _scrub(text: str, uri: str) -> str:
    """``text`` (an exception's, say) with ``uri`` shown as :func:`_shown` shows it and every
    value of its query blanked."""
    text = text.replace(uri, _shown(uri))
    query = uri.partition("://")[2].partition("?")[2]
    for pair in query.split("&"):
        value = pair.partition("=")[2]
        if len(value) >= 3:
            text = text.replace(value, "***")
    return text


def _plain_segment(p: str) -> bool:
    """Whether ``p`` is usable as one local path component as it is."""
    return p not in ("", ".", "..") and not any(c in p for c in "/\\\0") and len(p.encode("utf-8", "surrogateescape")) <= 255


def _safe_name(name: str) -> str:
    """The last path segment of ``name`` as a local file name: as it is when it is a plain path
    component (formats that take an id from the file name see the original), else with its
    unusual characters replaced; never a path or a hidden file."""
    base = name.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if _plain_segment(base) and not base.startswith("."):
        return base
    base = _re.sub(r"[^A-Za-z0-9._+-]", "_", base.rsplit("\\", 1)[-1])[:200].lstrip(".")
    return base or "input"


_ATTEMPTS = 3
# Copies sit this many private directories below the temporary directory, so that a reader
# looking for companions above a file (Terminal-Bench reads ../../../run_metadata.json) finds
# nothing rather than whatever another user left in the shared temporary directory.
_DEPTH = 4


def _why(e: BaseException, uri: str | None = None) -> str:
    """An exception as an error row's message: its type and at most 1,000 characters of text,
    the URI's credentials scrubbed."""
    text = str(e) if uri is None else _scrub(str(e), uri)
    return f"{type(e).__name__}: {text[:1000]}{' …' if len(text) > 1000 else ''}"


def _filesystem(uri: str):
    """The filesystem a URI names, and the path in it (pyarrow's; tests stand in a store)."""
    import pyarrow.fs as pafs

    return pafs.FileSystem.from_uri(uri)


class _LocalError(Exception):
    """Writing the local copy failed (a full disk, a name the filesystem refuses): not the
    store's fault, not retried."""


def _fetch(uri: str, into: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Copies the object or prefix ``uri`` under the new private directory ``into``, keeping the
    layout under the prefix (companion files stay beside their trajectories). Returns the local
    root and the objects that could not be copied, as ``(shown name, error kind, why)``. Reads
    from the store are tried three times; a name that is not a plain relative path is not
    copied. A ``file://`` URI is not copied: its local path is returned as it is (discovery then
    follows links and reads each file once, as for a path)."""
    import pyarrow.fs as pafs

    def attempt(f):
        for i in range(_ATTEMPTS):
            try:
                return f()
            except (FileNotFoundError, _LocalError):
                raise
            except OSError:
                if i == _ATTEMPTS - 1:
                    raise
                _time.sleep(0.2 * 4**i)

    fs, path = _filesystem(uri)
    info = attempt(lambda: fs.get_file_info(path))
    if info.type not in (pafs.FileType.File, pafs.FileType.Directory):
        raise FileNotFoundError(_shown(uri))
    if isinstance(fs, pafs.LocalFileSystem):
        return path, []
    shown = _shown(uri).rstrip("/")
    root = _os.path.join(into, *["_"] * _DEPTH)
    _os.makedirs(root)

    def copy(src: str, dst: str) -> None:
        try:
            _os.makedirs(_os.path.dirname(dst), exist_ok=True)
            out = open(dst, "wb")
        except OSError as e:
            raise _LocalError(e) from e

        def once():
            out.seek(0)
            out.truncate()
            with fs.open_input_stream(src) as r:
                while chunk := r.read(1 << 20):
                    try:
                        out.write(chunk)
                    except OSError as e:
                        raise _LocalError(e) from e

        with out:
            attempt(once)

    if info.type == pafs.FileType.File:
        local = _os.path.join(root, _safe_name(path))
        copy(path, local)
        return local, []
    found = attempt(lambda: fs.get_file_info(pafs.FileSelector(path, recursive=True)))
    failed = []
    base = path.rstrip("/")
    for f in found:
        if f.type != pafs.FileType.File:
            continue
        rel = f.path[len(base) + 1 :] if f.path.startswith(base + "/") else None
        parts = rel.split("/") if rel else []
        if not parts or not all(_plain_segment(p) for p in parts):
            failed.append((f"{shown}/{rel or f.path}", "input", "an object name that is not a plain relative path: not copied"))
            continue
        try:
            copy(f.path, _os.path.join(root, *parts))
        except _LocalError as e:
            if getattr(e.__cause__, "errno", None) == _errno.ENOSPC:
                raise
            failed.append((f"{shown}/{rel}", "input", f"could not be copied here: {_why(e.__cause__ or e, uri)}"))
        except OSError as e:
            failed.append((f"{shown}/{rel}", "fetch", f"could not read the object: {_why(e, uri)}"))
    return root, failed


def _distinct_uris(uris: list[str]) -> list[str]:
    """``uris`` once each (as shown), without those under another one given: a prefix and an
    object under it are graded once, as a directory and a file under it are."""
    by_key: dict[str, str] = {}
    for u in uris:
        by_key.setdefault(_shown(u).rstrip("/"), u)
    return [u for k, u in by_key.items() if not any(k.startswith(o + "/") for o in by_key)]


def _grade_inputs(specs: "Specs", inputs: list[tuple[str, str]], call: dict):
    """Grades ``(input, kind)`` items: ``path`` (on this machine), ``token`` (found by
    discovery elsewhere), ``uri`` (fetched here first, one at a time). Returns the table, its
    results.jsonl lines (with ``call["lines"]``) and the skipped files."""
    tables, lines, skipped = [], [], []

    def keep(rows):
        b, j, s = rows
        tables.append(pa.Table.from_batches([b]))
        lines.append(j)
        skipped.extend(s)

    by_kind: dict[str, list[str]] = {"path": [], "token": [], "uri": []}
    errors = []
    for value, kind in inputs:
        if not isinstance(value, str) or not value:
            errors.append(("", "input", f"an input that is not a path or URI: {value!r:.200}"))
        elif kind == "token":
            by_kind["token"].append(value)
        else:  # a path or URI, whatever a caller's `kind` column said
            by_kind["uri" if _is_uri(value) else "path"].append(value)
    if by_kind["token"]:
        keep(specs._inner.grade_inputs(by_kind["token"], call))
    if by_kind["path"]:
        keep(specs._inner.grade(by_kind["path"], call))
    # One URI at a time: the disk holds one prefix's copy, not a batch's.
    for uri in _distinct_uris(by_kind["uri"]):
        shown = _shown(uri)
        with _tempfile.TemporaryDirectory(prefix="goalpost-fetch-") as tmp:
            try:
                local, failed = _fetch(uri, tmp)
            except FileNotFoundError:  # names nothing: the input's fault, as a missing path is
                errors.append((shown, "input", "no such object or prefix"))
                continue
            except (ValueError, TypeError) as e:  # not a URI pyarrow can parse: the input's fault
                errors.append((shown, "input", f"not a URI this worker can open: {_why(e, uri)}"))
                continue
            except _LocalError as e:
                errors.append((shown, "fetch", f"could not be copied here: {_why(e.__cause__ or e, uri)}"))
                continue
            except Exception as e:  # the store failed: its own error row, never a failed task
                errors.append((shown, "fetch", f"could not read the object: {_why(e, uri)}"))
                continue
            errors.extend(failed)
            keep(specs._inner.grade_copies([(local, shown)], call))
    if errors or not tables:
        keep(specs._inner.error_rows(errors, call))
    return pa.concat_tables(tables), b"".join(lines), skipped


def grade_batch(
    batch,
    specs: Specs,
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
    directory) on a filesystem this worker sees, or an object-store URI (``s3://…``, fetched
    here). Every batch of one run must get the same ``run_id`` and ``started_at``. An input
    that cannot be read (or is empty) is an error row. ``goalpost.ray`` runs this in each task.
    """
    names = batch.schema.names
    values = batch.column(names.index("input")).to_pylist()
    kinds = batch.column(names.index("kind")).to_pylist() if "kind" in names else ["path"] * len(values)
    call = _call(run_id, started_at, scenario, team, ledger, jobs=jobs)
    return _grade_inputs(specs, list(zip(values, kinds)), call)[0]
