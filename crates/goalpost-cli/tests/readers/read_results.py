"""Reads a results.parquet with the defaults of pandas, pyarrow, polars and duckdb (what a
researcher types first) and prints, as JSON, each reader's row count and the first trajectory
row's tags. Run by crates/goalpost-cli/tests/it/readers.rs."""
import json
import sys

path = sys.argv[1]
out = {}

import pandas as pd

df = pd.read_parquet(path)
first = df[df["row"] == "trajectory"].iloc[0]
out["pandas"] = {"rows": len(df), "tags": [str(t) for t in first["tags"]]}

import pyarrow as pa
import pyarrow.parquet as pq

t = pq.read_table(path)
trajectory = pa.array([r == "trajectory" for r in t.column("row").to_pylist()])
out["pyarrow"] = {"rows": t.num_rows, "tags": t.filter(trajectory).column("tags")[0].as_py()}

import polars as pl

p = pl.read_parquet(path)
out["polars"] = {"rows": p.height, "tags": p.filter(pl.col("row") == "trajectory")["tags"][0].to_list()}

import duckdb

con = duckdb.connect()
rows = con.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
tags = con.sql(f"select tags from read_parquet('{path}') where row = 'trajectory' limit 1").fetchall()[0][0]
out["duckdb"] = {"rows": rows, "tags": list(tags)}

print(json.dumps(out))
