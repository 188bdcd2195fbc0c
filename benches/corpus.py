#!/usr/bin/env python3
"""Builds the real-trajectory corpus of the throughput and memory figures.

The 230 real SWE-bench runs of ../shared/corpora/swebench-calibration are imported to canonical
JSONL (with the scenarios their reports carry), then copied under new trajectory ids until the
corpus holds COPIES copies of each (copy 0 is the import itself). Only the header line's `id`
changes (`<id>#<copy>`), so every copy grades exactly like its original.

    cargo build --release -p goalpost-cli
    python3 benches/corpus.py --copies 36 --out /tmp/corpus-1g      # 8,280 trajectories, 1.0 GB
    GOALPOST_BENCH_CORPUS=/tmp/corpus-1g/trajectories \\
    GOALPOST_BENCH_SCENARIOS=/tmp/corpus-1g/scenarios cargo bench -p goalpost-bench --bench replay corpus

`--copies 180` makes 5.3 GB (41,400 trajectories).
"""

import argparse
import os
import re
import subprocess
import sys

ID = re.compile(rb'"id":( ?)"([^"\\]*)"')


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=36)
    ap.add_argument("--out", required=True)
    ap.add_argument("--goalpost", default=os.path.join(root, "target", "release", "goalpost"))
    ap.add_argument("--corpora", default=os.path.join(os.path.dirname(root), "shared", "corpora"))
    args = ap.parse_args()
    source = os.path.join(args.corpora, "swebench-calibration")
    imported = os.path.join(args.out, "import")
    if not os.path.isdir(os.path.join(imported, "scenarios")):
        subprocess.run([args.goalpost, "import", source, "--out", imported], check=True, cwd=root)
    scenarios = os.path.join(imported, "scenarios")
    originals = []
    for dirpath, _, names in os.walk(imported):
        if dirpath.startswith(scenarios):
            continue
        originals += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".jsonl")]
    originals.sort()
    if not originals:
        print(f"no trajectories imported in {imported}", file=sys.stderr)
        return 1
    texts = [open(p, "rb").read() for p in originals]
    out = os.path.join(args.out, "trajectories")
    total = 0
    for copy in range(args.copies):
        d = os.path.join(out, f"c{copy:03}")
        os.makedirs(d, exist_ok=True)
        for path, text in zip(originals, texts):
            nl = text.find(b"\n")
            nl = len(text) if nl < 0 else nl
            head = text[:nl]
            if copy:
                head, n = ID.subn(lambda m: b'"id":' + m.group(1) + b'"' + m.group(2) + b"#" + str(copy).encode() + b'"', head, count=1)
                if n != 1:
                    print(f"{path}: no id on the first line", file=sys.stderr)
                    return 1
            with open(os.path.join(d, os.path.basename(path)), "wb") as f:
                f.write(head)
                f.write(text[nl:])
            total += len(text)
    # The scenarios beside the trajectories, under the name the bench reads.
    link = os.path.join(args.out, "scenarios")
    if not os.path.exists(link):
        os.symlink(scenarios, link)
    print(f"{args.copies * len(originals)} trajectories, {total / 1e9:.2f} GB in {out}; scenarios in {link}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
