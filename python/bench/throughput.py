"""Grades a corpus with the Python package, in process or on a local Ray, and prints the
seconds the grading took (without Ray's start-up) and trajectories per second.

    python python/bench/throughput.py python|ray CORPUS SCENARIOS [--cpus 2] [--batch N] [--task-cpus N] [--out DIR]

The CLI on the same corpus and cores, for comparison (docs/scale-out.md, "Throughput"):

    goalpost run -q --no-cache -j 2 --trajectories CORPUS --scenarios SCENARIOS --out DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time

import goalpost


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["python", "ray"])
    ap.add_argument("corpus")
    ap.add_argument("scenarios")
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--task-cpus", type=float, default=None, help="num_cpus per Ray task (default: goalpost.ray's)")
    ap.add_argument("--out")
    a = ap.parse_args()
    specs = goalpost.Specs.load(scenarios=a.scenarios)
    if a.mode == "python":
        t0 = time.perf_counter()
        table = specs.grade([a.corpus], jobs=a.cpus)
        took = time.perf_counter() - t0
        import pyarrow.compute as pc

        found = table.filter(pc.field("row") != "criterion").num_rows
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        import ray
        import ray.data

        from goalpost import ray as goalpost_ray

        ray.init(num_cpus=a.cpus, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.issue_detectors_config.detectors = []
        out = a.out or tempfile.mkdtemp(prefix="goalpost-ray-")
        runs = []
        for _ in range(2):  # the first with Ray's workers cold (starting, importing), then warm
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            goalpost_ray.grade_to(out, [a.corpus], specs, batch_size=a.batch, num_cpus=a.task_cpus)
            runs.append(time.perf_counter() - t0)
        took, cold = runs[1], runs[0]
        found = json.load(open(os.path.join(out, "manifest.json")))["totals"]["found"]
        ray.shutdown()
        if not a.out:
            shutil.rmtree(out, ignore_errors=True)
        print(json.dumps({"mode": "ray-cold", "seconds": round(cold, 3), "per_second": round(found / cold, 1)}))
        a.mode = f"ray (num_cpus={a.task_cpus or 1:g} per task)"
    print(json.dumps({"mode": a.mode, "seconds": round(took, 3), "trajectories": found, "per_second": round(found / took, 1)}))


if __name__ == "__main__":
    main()
