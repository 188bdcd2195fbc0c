"""Shared fixtures: the repository's fixtures as one corpus (every format goalpost reads, a real
SWE-bench run, a malformed and an empty trajectory), the `goalpost` binary, and a run of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Ray: no usage report (this machine reaches only package registries), no token file, and
# workers that can import what the test modules define.
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")
_here = os.path.dirname(os.path.abspath(__file__))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_here, os.environ.get("PYTHONPATH")) if p)

ROOT = Path(__file__).resolve().parents[2]

BROKEN = (
    '{"type":"header","format":"goalpost-trajectory/1.0","id":"broken","agent":"a"}\n'
    "{not json\n"
)


@pytest.fixture(scope="session")
def goalpost_bin() -> Path:
    """The `goalpost` binary: $GOALPOST_BIN, else a debug build of the workspace's."""
    given = os.environ.get("GOALPOST_BIN")
    if given:
        return Path(given)
    subprocess.run(["cargo", "build", "-q", "-p", "goalpost-cli"], cwd=ROOT, check=True)
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT, check=True, capture_output=True
        ).stdout
    )
    return Path(meta["target_directory"]) / "debug" / "goalpost"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[str]:
    """Absolute input paths: the bundled examples plus a malformed and an empty trajectory
    (one directory), every real format fixture, and a real SWE-bench run."""
    d = tmp_path_factory.mktemp("corpus")
    examples = d / "examples"
    shutil.copytree(ROOT / "examples" / "trajectories", examples)
    (examples / "broken.jsonl").write_text(BROKEN)
    (examples / "empty.jsonl").write_text("")
    return [str(examples), str(ROOT / "fixtures" / "formats"), str(ROOT / "fixtures" / "swebench-run")]


@pytest.fixture(scope="session")
def specs():
    import goalpost

    return goalpost.Specs.load(scenarios=ROOT / "scenarios", rubrics=ROOT / "rubrics")


def run_cli(goalpost_bin: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """`goalpost ARGS` in `cwd` (outside any project); exit 0 or 1 (errored inputs) expected."""
    env = dict(os.environ, GOALPOST_CACHE_DIR=str(cwd / ".cache"))
    p = subprocess.run([str(goalpost_bin), *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert p.returncode in (0, 1), f"goalpost {' '.join(args)}: exit {p.returncode}\n{p.stderr}"
    return p


def cli_run(goalpost_bin: Path, corpus: list[str], out: Path, *extra: str) -> Path:
    run_cli(
        goalpost_bin,
        [
            "run", "-q", "--no-cache",
            "--scenarios", str(ROOT / "scenarios"),
            "--rubrics", str(ROOT / "rubrics"),
            "--trajectories", *corpus,
            "--out", str(out), *extra,
        ],
        out.parent,
    )
    return out


@pytest.fixture(scope="session")
def cli_whole(goalpost_bin, corpus, tmp_path_factory) -> Path:
    """The corpus graded by `goalpost run`, at once."""
    return cli_run(goalpost_bin, corpus, tmp_path_factory.mktemp("cli") / "whole")


# Columns that name the run, not what was graded.
RUN_COLUMNS = ("run_id", "started_at")


def rows(table, *, sort: bool = False) -> list[tuple]:
    """The table's rows without the run's id and time; sorted when order is not the point."""
    names = [n for n in table.column_names if n not in RUN_COLUMNS]
    cols = [table.column(n).to_pylist() for n in names]
    out = [tuple(json.dumps(c[i], sort_keys=True) for c in cols) for i in range(table.num_rows)]
    return sorted(out) if sort else out


def pytest_sessionfinish(session, exitstatus):
    """With GOALPOST_REQUIRE_PYTHON=1 (CI), a skipped test fails the session: a suite that
    quietly did not run (Ray missing, say) is not a pass. No test at all already exits 5."""
    if os.environ.get("GOALPOST_REQUIRE_PYTHON") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"GOALPOST_REQUIRE_PYTHON=1: {skipped} test(s) skipped, which CI counts as a failure")
        session.exitstatus = 1
