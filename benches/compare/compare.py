#!/usr/bin/env python3
"""Measure goalpost against the Python tools people grade with today, and print ratios.

Two comparisons, each side a whole process timed from outside:

  SWE-bench  goalpost run --no-cache over a SWE-bench run directory (trajectories, report.json,
             test_output.txt) against the SWE-bench harness's own grading of the test logs alone
             (swebench 5.0.2: make_test_spec + get_eval_report per instance, multiprocessing.Pool(2),
             one report.json written per instance, as `swebench report` does).
  Inspect    goalpost run --no-cache over one Inspect .eval log against
             inspect_ai.log.read_eval_log(path) in a fresh Python process and
             `inspect score LOG --scorer includes`.

For each run: wall time, CPU time (user + sys, the process and every child it waited for) and
peak RSS (the largest single process), all from the kernel's accounting of the finished child
(os.wait4), plus the peak of the summed PSS of the process tree (sampled from /proc every 50 ms),
which is the fairer memory figure for a Pool of workers.

The data is generated from the real recorded runs in the shared corpora (README.md beside this
file says how) into --work and reused when already there. The Python side runs in a venv made
here (GOALPOST_COMPARE_VENV, default ~/.cache/goalpost-compare/venv) from requirements.txt,
which pins swebench and inspect_ai and everything they pull in; nothing but PyPI is reached.

The script runs with any python3 >= 3.9; the parts that need swebench or inspect_ai are run as
`VENV/bin/python compare.py _<step> ...` child processes.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REQUIREMENTS = HERE / "requirements.txt"
PINNED = {"swebench": "5.0.2", "inspect_ai": "0.3.285"}
DEFAULT_VENV = Path.home() / ".cache" / "goalpost-compare" / "venv"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "goalpost-compare"
DEFAULT_CORPORA = [REPO.parent / "shared" / "corpora", Path("/work/shared/corpora")]

# The real Inspect log whose sample is replicated: the corpus's one agentic sample with a
# sandbox (4 browser tool calls, 10 sandbox events, 13 attachments). The corpus's other
# tool-using sample (log_message_deduplication.eval) is another task, and a log holds one task.
INSPECT_SOURCE = "inspect-ai/analysis__test_logs__2025-05-12T20-27-36-04-00_browser.json"
SWEBENCH_SOURCE = "swebench-calibration"

# The goals: goalpost faster by at least this factor (wall, whole process), and for
# Inspect a peak RSS below a tenth of theirs.
GOALS = {"swebench": 5.0, "read_eval_log": 20.0, "inspect_score": 50.0}
MEMORY_GOAL = 10.0


# --------------------------------------------------------------------------------------------
# Measuring one child process


class TreePss:
    """Samples the summed PSS of a process and its descendants until stopped; keeps the peak."""

    def __init__(self, pid, interval=0.05):
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _tree(self):
        pids, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
        return pids

    def _pss_kb(self, pid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _run(self):
        while not self._stop.is_set():
            total = sum(self._pss_kb(p) for p in self._tree())
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.interval)


def measure(cmd, cwd=None, stdout_path=None):
    """Runs cmd to completion; returns its figures. stdout goes to stdout_path (else discarded)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = tempfile.TemporaryFile()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        sampler = TreePss(proc.pid)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    finally:
        err.close()
        if stdout_path:
            out.close()
    return {
        "wall_s": wall,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "peak_rss_mb": ru.ru_maxrss / 1024.0,
        "tree_pss_mb": sampler.peak_kb / 1024.0,
        "exit": proc.returncode,
        "stderr": stderr,
    }


def median_of(runs):
    keys = ["wall_s", "user_s", "sys_s", "cpu_s", "peak_rss_mb", "tree_pss_mb"]
    row = {k: statistics.median(r[k] for r in runs) for k in keys}
    row["wall_min"] = min(r["wall_s"] for r in runs)
    row["wall_max"] = max(r["wall_s"] for r in runs)
    row["runs"] = len(runs)
    return row


def check_exit(name, fig, cmd):
    if fig["exit"] != 0:
        sys.exit(
            f"{name} exited {fig['exit']}: {' '.join(str(c) for c in cmd)}\n"
            + fig["stderr"][-4000:]
        )


# --------------------------------------------------------------------------------------------
# The venv


def venv_python(venv):
    return venv / "bin" / "python"


def ensure_venv(venv):
    """Makes the venv from requirements.txt unless it already has the pinned versions."""
    py = venv_python(venv)
    probe = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({p: m.version(p) for p in %r}))" % (sorted(PINNED),)
    )
    if py.exists():
        got = subprocess.run([py, "-c", probe], capture_output=True, text=True)
        if got.returncode == 0 and json.loads(got.stdout) == PINNED:
            return py
    print(f"making the venv {venv} (swebench {PINNED['swebench']}, "
          f"inspect_ai {PINNED['inspect_ai']}, from {REQUIREMENTS.name}) ...", flush=True)
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([py, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    got = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True)
    if json.loads(got.stdout) != PINNED:
        sys.exit(f"the venv has {got.stdout.strip()}, not {PINNED}")
    return py


def step(py, name, *args):
    """Runs `VENV/bin/python compare.py _name args` (an untimed step), echoing its output."""
    cmd = [str(py), str(Path(__file__).resolve()), "_" + name] + [str(a) for a in args]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.exit(f"step {name} failed ({done.returncode}): {' '.join(cmd)}")
    return done.stdout


# --------------------------------------------------------------------------------------------
# SWE-bench data (steps run in the venv)

# Lines the harness's eval script prints around the tests (set -x echoes each command).
MARK_START = "+ : '>>>>> Start Test Output'"
MARK_END = "+ : '>>>>> End Test Output'"
BASE = "0000000000000000000000000000000000000000"


def swebench_parser_name(repo):
    """The PARSER_REGISTRY key swebench 5.0.2 grades a repository's logs with."""
    from swebench.harness.log_parsers import PARSER_REGISTRY
    from swebench.harness.log_parsers.python import MAP_REPO_TO_PARSER_PY

    fn = MAP_REPO_TO_PARSER_PY[repo]
    names = [k for k, f in PARSER_REGISTRY.items() if f is fn]
    short = repo.split("/")[1].split("-")[0]
    own = [k for k in names if short in k]
    return (own or names)[0]


def test_log(parser, tests):
    """A harness test_output.txt for these (name, PASSED|FAILED) results.

    Laid out as the harness's eval script and the repository's test runner print it, with only
    what report.json records: each test's outcome (no tracebacks, no captured output).
    """
    failed = sum(1 for _, s in tests if s == "FAILED")
    passed = len(tests) - failed
    if parser == "parse_log_django":
        modules = sorted({n.rsplit("(", 1)[1].rstrip(")").rsplit(".", 1)[0]
                          for n, _ in tests if n.endswith(")") and "(" in n})
        files = ["tests/" + m.replace(".", "/") + ".py" for m in modules[:20]]
        cmd = "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 " + " ".join(modules[:20])
        body = ["Testing against Django installed in '/testbed/django'",
                "Importing application " + (modules[0].split(".")[0] if modules else "tests"),
                "Skipping setup of unused database(s): other.",
                "System check identified no issues (0 silenced)."]
        body += [f"{n} ... {'ok' if s == 'PASSED' else 'FAIL'}" for n, s in tests]
        body += ["", "-" * 70, f"Ran {len(tests)} tests in 1.234s", "",
                 f"FAILED (failures={failed})" if failed else "OK"]
    elif parser == "parse_log_sympy":
        files = ["sympy/core/tests/test_basic.py"]
        cmd = "bin/test -C --verbose " + files[0]
        body = ["=" * 29 + " test process starts " + "=" * 30,
                "executable:         /opt/miniconda3/envs/testbed/bin/python  (3.9.20-final-0) [CPython]",
                "architecture:       64-bit", "cache:              no",
                "ground types:       python ", "numpy:              None",
                "random seed:        56189985",
                "hash randomization: on (PYTHONHASHSEED=3073192576)", "",
                f"{files[0]}[{len(tests)}] "]
        body += [f"{n} {'ok' if s == 'PASSED' else 'F'}" for n, s in tests]
        summary = f"tests finished: {passed} passed" + (f", {failed} failed" if failed else "")
        body += ["", "", f"================== {summary}, in 1.23 seconds =================="]
    else:
        by_file = {}
        for n, s in tests:
            by_file.setdefault(n.split("::", 1)[0], []).append("." if s == "PASSED" else "F")
        files = [f for f in by_file if f.endswith(".py")][:20]
        cmd = "pytest -rA " + " ".join(files)
        body = ["=" * 29 + " test session starts " + "=" * 30,
                "platform linux -- Python 3.9.20, pytest-7.4.4, pluggy-1.5.0",
                "rootdir: /testbed", f"collected {len(tests)} items", ""]
        body += [f"{f} {''.join(marks)}".ljust(72) + " [100%]" for f, marks in by_file.items()]
        body += ["", "=" * 27 + " short test summary info " + "=" * 28]
        body += [f"PASSED {n}" if s == "PASSED" else f"FAILED {n} - AssertionError" for n, s in tests]
        summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
        body += [f"======================== {summary} in 3.21s ========================"]
    lines = [f"+ git checkout {BASE} " + " ".join(files), "Updated 0 paths from 0000000000",
             "+ git apply -v -"]
    for f in files:
        lines += [f"Checking patch {f}...", f"Applied patch {f} cleanly."]
    lines += [MARK_START, "+ " + cmd] + body
    code = 1 if failed else 0
    lines += [f"+ SWEBENCH_TEST_EXIT_CODE={code}", MARK_END,
              f"+ echo '>>>>> Test Exit Code: {code}'", f">>>>> Test Exit Code: {code}",
              f"+ git checkout {BASE} " + " ".join(files), f"Updated {len(files)} paths from 0000000000"]
    return "\n".join(lines) + "\n"


def _gen_swebench(argv):
    """_gen-swebench CORPORA_DIR N OUT: the run directory and the harness's inputs."""
    src, n, out = Path(argv[0]) / SWEBENCH_SOURCE, int(argv[1]), Path(argv[2])
    ids = sorted(p.name[: -len(".traj.json")] for p in (src / "trajs").glob("*.traj.json")
                 if (src / "logs" / p.name[: -len(".traj.json")] / "report.json").is_file())
    if not ids:
        sys.exit(f"no instances in {src}")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "run" / "trajs").mkdir(parents=True)
    (tmp / "harness").mkdir()
    dataset = open(tmp / "harness" / "dataset.jsonl", "w")
    preds = open(tmp / "harness" / "preds.jsonl", "w")
    expected = {}
    sources = {}
    for k in range(n):
        sid, copy = ids[k % len(ids)], k // len(ids)
        iid = sid if copy == 0 else f"{sid}_c{copy}"
        if sid not in sources:
            traj_text = (src / "trajs" / f"{sid}.traj.json").read_text(encoding="utf-8")
            report_text = (src / "logs" / sid / "report.json").read_text(encoding="utf-8")
            report = json.loads(report_text)
            if "tests_status" not in report:
                report = report[sid]
            sources[sid] = (traj_text, report_text, report)
        traj_text, report_text, report = sources[sid]
        traj = json.loads(traj_text)
        if copy:
            traj["instance_id"] = iid
            (tmp / "run" / "trajs" / f"{iid}.traj.json").write_text(
                json.dumps(traj, indent=2), encoding="utf-8")
        else:
            (tmp / "run" / "trajs" / f"{iid}.traj.json").write_text(traj_text, encoding="utf-8")
        owner, rest = sid.split("__", 1)
        repo = f"{owner}/{rest.rsplit('-', 1)[0]}"
        parser = swebench_parser_name(repo)
        status = report["tests_status"]
        f2p = status["FAIL_TO_PASS"]["success"] + status["FAIL_TO_PASS"]["failure"]
        p2p = status["PASS_TO_PASS"]["success"] + status["PASS_TO_PASS"]["failure"]
        failing = set(status["FAIL_TO_PASS"]["failure"]) | set(status["PASS_TO_PASS"]["failure"])
        tests, seen = [], set()
        for name in f2p + p2p:
            if name not in seen:
                seen.add(name)
                tests.append((name, "FAILED" if name in failing else "PASSED"))
        patch = traj.get("info", {}).get("submission")
        logs = tmp / "run" / "logs" / iid
        logs.mkdir(parents=True)
        (logs / "report.json").write_text(report_text, encoding="utf-8")
        (logs / "test_output.txt").write_text(test_log(parser, tests), encoding="utf-8")
        model = traj.get("info", {}).get("config", {}).get("model", {}).get("model_name", "model")
        image = traj.get("info", {}).get("config", {}).get("environment", {}).get("image", "")
        files = sorted({t.split("::", 1)[0] for t in f2p + p2p if "::" in t})[:20]
        row = {
            "instance_id": iid,
            "repo": repo,
            "version": "",
            "image": image,
            "FAIL_TO_PASS": json.dumps(f2p),
            "PASS_TO_PASS": json.dumps(p2p),
            "log_parser": parser,
            "eval_type": "pass_and_fail",
            "eval_script": "\n".join([
                "#!/bin/bash", "set -uxo pipefail", "cd /testbed",
                f"git checkout {BASE} " + " ".join(files),
                ": '>>>>> Start Test Output'", "run the repository's tests " + " ".join(files),
                ": '>>>>> End Test Output'", f"git checkout {BASE} " + " ".join(files)]),
        }
        dataset.write(json.dumps(row) + "\n")
        preds.write(json.dumps({"instance_id": iid, "model_name_or_path": model,
                                "model_patch": patch}) + "\n")
        expected[iid] = bool(report.get("resolved"))
    dataset.close()
    preds.close()
    meta = {"instances": n, "sources": len(ids), "expected_resolved": expected}
    (tmp / "meta.json").write_text(json.dumps(meta))
    agree = _check_swebench_logs(tmp, sources)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    print(f"  {n} instances from {len(ids)} real runs; the harness re-grades "
          f"{agree}/{len(sources)} distinct synthesized test logs exactly as their report.json")


def _check_swebench_logs(root, sources):
    """Grades each source instance's synthesized log with the harness; must equal report.json."""
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    rows = {}
    for line in open(root / "harness" / "dataset.jsonl"):
        row = json.loads(line)
        if row["instance_id"] in sources:
            rows[row["instance_id"]] = row
    agree = 0
    for iid, row in sorted(rows.items()):
        want = sources[iid][2]
        got = get_eval_report(make_test_spec(row), {"instance_id": iid, "model_patch": "x"},
                              str(root / "run" / "logs" / iid / "test_output.txt"), True)[iid]
        same = got["resolved"] == want["resolved"] and all(
            sorted(got["tests_status"][k][s]) == sorted(want["tests_status"][k][s])
            for k in ("FAIL_TO_PASS", "PASS_TO_PASS") for s in ("success", "failure"))
        if same:
            agree += 1
        else:
            print(f"  warning: the harness grades the synthesized log of {iid} unlike its report.json")
    return agree


def _grade_one(args):
    row, pred, log_path, out_dir = args
    from swebench.harness.grading import get_eval_report
    from swebench.harness.utils import make_test_spec

    iid = row["instance_id"]
    report = get_eval_report(test_spec=make_test_spec(row), prediction=pred,
                             test_log_path=log_path, include_tests_status=True)
    d = os.path.join(out_dir, iid)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "report.json"), "w") as f:
        f.write(json.dumps(report, indent=4))
    return iid, report[iid]["resolved"]


def _grade_swebench(argv):
    """_grade-swebench DATA OUT: the timed harness side (one process, Pool(2))."""
    import multiprocessing

    import swebench.harness.grading  # noqa: F401  (imported before the fork, as the harness does)
    import swebench.harness.utils  # noqa: F401

    data, out = Path(argv[0]), argv[1]
    dataset = [json.loads(line) for line in open(data / "harness" / "dataset.jsonl")]
    preds = {}
    for line in open(data / "harness" / "preds.jsonl"):
        p = json.loads(line)
        preds[p["instance_id"]] = p
    logs = data / "run" / "logs"
    work = [(row, preds[row["instance_id"]],
             str(logs / row["instance_id"] / "test_output.txt"), out) for row in dataset]
    pool = multiprocessing.Pool(2)
    results = dict(pool.imap_unordered(_grade_one, work, chunksize=8))
    pool.close()
    pool.join()
    print(json.dumps({"graded": len(results), "resolved": sorted(k for k, v in results.items() if v)}))


# --------------------------------------------------------------------------------------------
# Inspect data (a step run in the venv)


def _gen_inspect(argv):
    """_gen-inspect CORPORA_DIR N OUT: a .eval of N copies of the real sample, by inspect_ai."""
    import zipfile

    from inspect_ai.log import read_eval_log, write_eval_log

    src, n, out = Path(argv[0]) / INSPECT_SOURCE, int(argv[1]), Path(argv[2])
    log = read_eval_log(str(src))
    base = [s for s in log.samples if any(m.role == "assistant" and m.tool_calls for m in s.messages)]
    samples = []
    for k in range(n):
        s = base[k % len(base)]
        sid = f"{s.id}-{k + 1:05d}"
        samples.append(s.model_copy(update={"id": sid, "uuid": f"{s.uuid or 'sample'}-{k + 1:05d}"}))
    reductions = None
    if log.reductions:
        reductions = []
        for red in log.reductions:
            one = red.samples[0]
            copies = [one.model_copy(update={"sample_id": s.id}) for s in samples]
            reductions.append(red.model_copy(update={"samples": copies}))
    dataset = log.eval.dataset.model_copy(update={"samples": n, "sample_ids": [s.id for s in samples]})
    results = log.results.model_copy(update={"total_samples": n, "completed_samples": n})
    tmp = out.with_name(out.stem + ".tmp.eval")
    new = log.model_copy(update={
        "eval": log.eval.model_copy(update={"dataset": dataset}),
        "results": results, "reductions": reductions, "samples": samples, "location": str(tmp)})
    write_eval_log(new, str(tmp), format="eval")
    with zipfile.ZipFile(tmp) as z:
        sample_bytes = sum(i.file_size for i in z.infolist() if i.filename.startswith("samples/"))
        entries = sum(1 for i in z.infolist() if i.filename.startswith("samples/"))
    tmp.rename(out)
    tool_calls = sum(len(m.tool_calls or []) for s in base for m in s.messages if m.role == "assistant")
    meta = {"samples": n, "sample_entries": entries, "sample_json_bytes": sample_bytes,
            "file_bytes": out.stat().st_size, "source": INSPECT_SOURCE,
            "tool_calls_per_sample": tool_calls / len(base)}
    out.with_suffix(".meta.json").write_text(json.dumps(meta))
    print(f"  {n} samples, {sample_bytes / 1e6:.0f} MB of sample JSON "
          f"({out.stat().st_size / 1e6:.0f} MB compressed), written by inspect_ai")


# --------------------------------------------------------------------------------------------
# goalpost's results


def check_goalpost(out_dir, expected, label, source_of):
    """Verdict rows must equal the inputs, with no error rows, and every copy must be graded as
    the real run it was copied from (source_of: trajectory id -> the source's id)."""
    manifest = json.loads((Path(out_dir) / "manifest.json").read_text())
    totals = manifest["totals"]
    verdicts, errors, warned, by_source = 0, [], 0, {}
    with open(Path(out_dir) / "results.jsonl") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") == "verdict":
                verdicts += 1
                if row.get("warnings"):
                    warned += 1
                graded = (row["outcome"], row["score"], [c["status"] for c in row["criteria"]])
                by_source.setdefault(source_of(row["trajectory"]), []).append(graded)
            elif row.get("type") == "error":
                errors.append(row)
    unlike = sum(1 for g in by_source.values() for x in g[1:] if x != g[0])
    ok = (verdicts == expected and not errors and totals["found"] == expected
          and totals["errored"] == 0 and not unlike)
    print(f"  goalpost on {label}: {verdicts} verdicts for {expected} inputs, {len(errors)} error rows, "
          f"{warned} trajectories with warnings, {unlike} copies graded unlike their source; "
          f"totals {json.dumps(totals)}" + ("" if ok else "  <-- PROBLEM"))
    for e in errors[:20]:
        print("    error row: " + json.dumps(e)[:600])
    return {"verdicts": verdicts, "errors": len(errors), "warned": warned, "totals": totals, "ok": ok}


# --------------------------------------------------------------------------------------------
# Running the comparisons


def warm(paths):
    """Reads the data once so every timed run starts with it in the page cache."""
    for p in paths:
        p = Path(p)
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        for f in files:
            with open(f, "rb") as fh:
                while fh.read(1 << 20):
                    pass


def fmt_side(name, m):
    return (f"  {name:<44} {m['wall_s']:8.2f} {m['cpu_s']:8.2f} {m['user_s']:7.2f} {m['sys_s']:6.2f} "
            f"{m['peak_rss_mb']:9.0f} {m['tree_pss_mb']:9.0f}   ({m['wall_min']:.2f}-{m['wall_max']:.2f})")


HEADER = (f"  {'side (median of runs)':<44} {'wall s':>8} {'cpu s':>8} {'user':>7} {'sys':>6} "
          f"{'peak RSS':>9} {'tree PSS':>9}   (wall min-max)\n"
          f"  {'':<44} {'':>8} {'':>8} {'':>7} {'':>6} {'MB':>9} {'MB':>9}")


def ratios(a, b):
    return {"wall": b["wall_s"] / a["wall_s"], "cpu": b["cpu_s"] / a["cpu_s"],
            "peak_rss": b["peak_rss_mb"] / a["peak_rss_mb"],
            "tree_pss": b["tree_pss_mb"] / max(a["tree_pss_mb"], 1e-9)}


def run_swebench(args, py, goalpost, work):
    n = args.instances
    data = work / f"swebench-{n}"
    if not (data / "meta.json").is_file():
        print(f"generating a SWE-bench run of {n} instances in {data} ...", flush=True)
        step(py, "gen-swebench", args.corpora, n, data)
    else:
        print(f"reusing {data}")
    meta = json.loads((data / "meta.json").read_text())
    warm([data])
    a_runs, b_runs = [], []
    for i in range(args.repeat):
        out = work / "out-goalpost-swebench"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [goalpost, "run", "--no-cache", "--trajectories", data / "run", "--out", out]
        fig = measure(cmd, cwd=REPO, stdout_path=work / "goalpost-swebench.stdout")
        if fig["exit"] == 1:
            print("  goalpost exited 1: some input could not be graded (see the error rows below)")
        elif fig["exit"] != 0:
            check_exit("goalpost", fig, cmd)
        a_runs.append(fig)
        if i == 0:
            check = check_goalpost(out, n, f"the SWE-bench run ({n} instances)",
                                   lambda t: re.sub(r"_c[0-9]+$", "", t))
        reports = work / "out-swebench-reports"
        shutil.rmtree(reports, ignore_errors=True)
        cmd = [py, Path(__file__).resolve(), "_grade-swebench", data, reports]
        fig = measure(cmd, stdout_path=work / "swebench-grade.stdout")
        check_exit("the swebench harness", fig, cmd)
        b_runs.append(fig)
        if i == 0:
            res = json.loads((work / "swebench-grade.stdout").read_text())
            want = sorted(k for k, v in meta["expected_resolved"].items() if v)
            print(f"  swebench harness: {res['graded']} reports written, {len(res['resolved'])} resolved "
                  f"({'the same instances as' if res['resolved'] == want else 'NOT the same as'} "
                  f"the {len(want)} the real report.json files resolve)")
        print(f"  run {i + 1}/{args.repeat}: goalpost {a_runs[-1]['wall_s']:.2f} s, "
              f"harness {b_runs[-1]['wall_s']:.2f} s", flush=True)
    a, b = median_of(a_runs), median_of(b_runs)
    size = sum(f.stat().st_size for f in (data / "run").rglob("*") if f.is_file())
    print(f"\nSWE-bench: {n} instances ({size / 1e6:.0f} MB: trajectories, report.json, test_output.txt), "
          f"{args.repeat} runs each")
    print(HEADER)
    print(fmt_side("goalpost run --no-cache (grades everything)", a))
    print(fmt_side("swebench 5.0.2 get_eval_report, Pool(2)", b))
    r = ratios(a, b)
    print(f"  {'harness / goalpost':<44} {r['wall']:7.2f}x {r['cpu']:7.2f}x {'':>7} {'':>6} "
          f"{r['peak_rss']:8.2f}x {r['tree_pss']:8.2f}x\n")
    return {"instances": n, "bytes": size, "goalpost": a, "harness": b, "ratios": r, "check": check}


def run_inspect(args, py, goalpost, work):
    n = args.samples
    log = work / f"inspect-{n}.eval"
    if not log.with_suffix(".meta.json").is_file() or not log.is_file():
        print(f"generating an Inspect log of {n} samples at {log} ...", flush=True)
        step(py, "gen-inspect", args.corpora, n, log)
    else:
        print(f"reusing {log}")
    meta = json.loads(log.with_suffix(".meta.json").read_text())
    warm([log])
    read_code = ("import sys\nfrom inspect_ai.log import read_eval_log\n"
                 "log = read_eval_log(sys.argv[1])\nprint(len(log.samples))\n")
    score_dir = work / "inspect-score-cwd"
    a_runs, r_runs, s_runs = [], [], []
    for i in range(args.repeat):
        out = work / "out-goalpost-inspect"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [goalpost, "run", "--no-cache", "--trajectories", log, "--out", out]
        fig = measure(cmd, cwd=REPO, stdout_path=work / "goalpost-inspect.stdout")
        if fig["exit"] == 1:
            print("  goalpost exited 1: some input could not be graded (see the error rows below)")
        elif fig["exit"] != 0:
            check_exit("goalpost", fig, cmd)
        a_runs.append(fig)
        if i == 0:
            check = check_goalpost(out, n, f"the Inspect log ({n} samples)",
                                   lambda t: re.sub(r"-[0-9]{5}/", "/", t))
        cmd = [py, "-c", read_code, log]
        fig = measure(cmd, stdout_path=work / "read_eval_log.stdout")
        check_exit("read_eval_log", fig, cmd)
        r_runs.append(fig)
        if i == 0:
            got = (work / "read_eval_log.stdout").read_text().strip()
            print(f"  read_eval_log: {got} samples read")
        if not args.skip_score:
            shutil.rmtree(score_dir, ignore_errors=True)
            score_dir.mkdir()
            scored = score_dir / "scored.eval"
            cmd = [Path(py).parent / "inspect", "score", log, "--scorer", "includes",
                   "--action", "overwrite", "--model", "mockllm/model", "--display", "none",
                   "--output-file", scored]
            fig = measure(cmd, cwd=score_dir, stdout_path=work / "inspect-score.stdout")
            check_exit("inspect score", fig, cmd)
            s_runs.append(fig)
            if i == 0:
                probe = ("import sys\nfrom inspect_ai.log import read_eval_log\n"
                         "h = read_eval_log(sys.argv[1], header_only=True)\n"
                         "print(h.results.scores[0].scorer, h.results.scores[0].scored_samples)\n")
                got = subprocess.run([py, "-c", probe, scored], capture_output=True, text=True)
                print(f"  inspect score wrote {scored.name}: scorer and scored samples: {got.stdout.strip()}")
        print(f"  run {i + 1}/{args.repeat}: goalpost {a_runs[-1]['wall_s']:.2f} s, read_eval_log "
              f"{r_runs[-1]['wall_s']:.2f} s" + (f", inspect score {s_runs[-1]['wall_s']:.2f} s" if s_runs else ""),
              flush=True)
    a, r = median_of(a_runs), median_of(r_runs)
    s = median_of(s_runs) if s_runs else None
    print(f"\nInspect: one .eval of {n} samples ({meta['sample_json_bytes'] / 1e6:.0f} MB of sample JSON, "
          f"{meta['file_bytes'] / 1e6:.0f} MB on disk), {args.repeat} runs each")
    print(HEADER)
    print(fmt_side("goalpost run --no-cache (grades every sample)", a))
    print(fmt_side("inspect_ai read_eval_log(path)", r))
    if s:
        print(fmt_side("inspect score --scorer includes", s))
    rr = ratios(a, r)
    print(f"  {'read_eval_log / goalpost':<44} {rr['wall']:7.2f}x {rr['cpu']:7.2f}x {'':>7} {'':>6} "
          f"{rr['peak_rss']:8.2f}x {rr['tree_pss']:8.2f}x")
    rs = None
    if s:
        rs = ratios(a, s)
        print(f"  {'inspect score / goalpost':<44} {rs['wall']:7.2f}x {rs['cpu']:7.2f}x {'':>7} {'':>6} "
              f"{rs['peak_rss']:8.2f}x {rs['tree_pss']:8.2f}x")
    print()
    return {"samples": n, "meta": meta, "goalpost": a, "read_eval_log": r, "inspect_score": s,
            "ratios_read": rr, "ratios_score": rs, "check": check}


def final_table(res):
    print("Ratios (theirs / goalpost; above 1 means goalpost is faster or smaller)")
    print(f"  {'comparison':<36} {'wall':>7} {'cpu':>7} {'peak RSS':>9} {'tree PSS':>9}   goal")
    rows = []
    if "swebench" in res:
        rows.append(("SWE-bench harness / goalpost", res["swebench"]["ratios"], GOALS["swebench"], None))
    if "inspect" in res:
        rows.append(("read_eval_log / goalpost", res["inspect"]["ratios_read"], GOALS["read_eval_log"], MEMORY_GOAL))
        if res["inspect"]["ratios_score"]:
            rows.append(("inspect score / goalpost", res["inspect"]["ratios_score"], GOALS["inspect_score"], MEMORY_GOAL))
    for name, r, wall_goal, mem_goal in rows:
        goal = f"wall >= {wall_goal:g}x: {'met' if r['wall'] >= wall_goal else 'not met'}"
        if mem_goal:
            goal += f"; memory >= {mem_goal:g}x: {'met' if r['peak_rss'] >= mem_goal else 'not met'}"
        print(f"  {name:<36} {r['wall']:6.2f}x {r['cpu']:6.2f}x {r['peak_rss']:8.2f}x {r['tree_pss']:8.2f}x   {goal}")
    problems = [k for k in ("swebench", "inspect") if k in res and not res[k]["check"]["ok"]]
    if problems:
        print("goalpost problems on: " + ", ".join(problems) + " (see the lines marked PROBLEM above)")


def find_corpora(given):
    if given:
        return Path(given)
    for c in DEFAULT_CORPORA:
        if (c / SWEBENCH_SOURCE).is_dir():
            return c
    sys.exit("no corpora found: pass --corpora DIR (the shared corpora with swebench-calibration/ and inspect-ai/)")


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        steps = {"_gen-swebench": _gen_swebench, "_grade-swebench": _grade_swebench,
                 "_gen-inspect": _gen_inspect}
        return steps[sys.argv[1]](sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", type=int, default=2000, help="SWE-bench instances (default 2000)")
    ap.add_argument("--samples", type=int, default=1500, help="Inspect samples (default 1500)")
    ap.add_argument("--goalpost", default=str(REPO / "target" / "release" / "goalpost"),
                    help="the goalpost binary (default target/release/goalpost of this repository)")
    ap.add_argument("--work", default=str(DEFAULT_WORK),
                    help=f"generated data and scratch output, reused when present (default {DEFAULT_WORK})")
    ap.add_argument("--corpora", help="the shared corpora (default ../shared/corpora or /work/shared/corpora)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each side; medians are shown (default 3)")
    ap.add_argument("--only", choices=["swebench", "inspect"], help="run one comparison")
    ap.add_argument("--skip-score", action="store_true", help="leave out `inspect score` (the slowest side)")
    args = ap.parse_args()
    args.corpora = find_corpora(args.corpora)
    goalpost = Path(args.goalpost).resolve()
    if not goalpost.is_file():
        sys.exit(f"no goalpost binary at {goalpost}: build it with `cargo build --release` or pass --goalpost")
    venv = Path(os.environ.get("GOALPOST_COMPARE_VENV", DEFAULT_VENV)).expanduser()
    py = ensure_venv(venv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    version = subprocess.run([goalpost, "--version"], capture_output=True, text=True).stdout.strip()
    built = goalpost.stat().st_mtime
    print(f"goalpost: {goalpost} ({version}, built {time.strftime('%Y-%m-%d %H:%M', time.localtime(built))}); "
          f"venv: {venv}; work: {work}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    res = {}
    if args.only in (None, "swebench"):
        res["swebench"] = run_swebench(args, py, goalpost, work)
    if args.only in (None, "inspect"):
        res["inspect"] = run_inspect(args, py, goalpost, work)
    final_table(res)
    if goalpost.stat().st_mtime != built:
        print("warning: the goalpost binary was rebuilt while this ran; its figures mix two builds")
    for side in res.values():
        for v in side.values():
            if isinstance(v, dict):
                v.pop("stderr", None)
    (work / "results.json").write_text(json.dumps(res, indent=2))
    print(f"(figures also in {work / 'results.json'}; load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
