"""DuckDB's side of issue 7's measure: the same indicator table computed from the same records,
stored as Parquet, and checked against marsad's.

    python duckdb_side.py DIR [--repeat 5]

DIR holds persons.csv, placements.csv and marsad_table.csv written by the `indicator_bench`
example. The CSV files become Parquet first (not timed); then DuckDB computes workers placed by
year and sex x destination x occupation with every margin (GROUP BY year, CUBE(...)), joining
each placement to its worker, `--repeat` times; the median is printed as `RESULT duckdb.*` lines.
Every cell of marsad's aggregation (the cube's exact counts for the cells of its table, which the
table publishes perturbed by the cell key method) must equal DuckDB's; the script exits 1 otherwise.
"""

import argparse
import csv
import os
import statistics
import sys
import time

import duckdb

QUERY = """
SELECT CAST(year(p.contract_start) AS INTEGER) AS year,
       w.sex AS sex,
       p.destination_country AS destination,
       'OC' || CAST(p.occupation AS VARCHAR) AS occupation,
       count(*) AS placements
FROM read_parquet('{dir}/placements.parquet') p
JOIN read_parquet('{dir}/persons.parquet') w ON p.person_record_id = w.record_id
GROUP BY year(p.contract_start), CUBE(w.sex, p.destination_country, 'OC' || CAST(p.occupation AS VARCHAR))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    for name, types in (
        ("persons", "{'record_id': 'VARCHAR', 'sex': 'VARCHAR', 'birth_date': 'DATE'}"),
        (
            "placements",
            "{'record_id': 'VARCHAR', 'person_record_id': 'VARCHAR', "
            "'destination_country': 'VARCHAR', 'occupation': 'INTEGER', 'contract_start': 'DATE'}",
        ),
    ):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{d}/{name}.csv', header=true, columns={types})) "
            f"TO '{d}/{name}.parquet' (FORMAT parquet)"
        )
    size = sum(os.path.getsize(f"{d}/{n}.parquet") for n in ("persons", "placements"))
    print(f"RESULT duckdb.parquet_bytes={size}")
    print(f"RESULT duckdb.threads={threads}")
    times = []
    rows = None
    for _ in range(a.repeat):
        t = time.perf_counter()
        rows = con.execute(QUERY.format(dir=d)).fetchall()
        times.append(time.perf_counter() - t)
    print(f"RESULT duckdb.query_s={statistics.median(times):.4f}")
    print(f"RESULT duckdb.query_min_s={min(times):.4f}")

    theirs = {}
    for year, sex, dest, occ, n in rows:
        key = (str(year), sex or "_T", dest or "_T", occ if occ is not None else "_T")
        theirs[key] = n
    checked = suppressed = 0
    bad = []
    with open(f"{d}/marsad_table.csv", newline="") as f:
        for r in csv.DictReader(f):
            key = (r["year"], r["sex"], r["destination"], r["occupation"])
            if r["placements"] == "":
                suppressed += 1
                continue
            checked += 1
            ours = float(r["placements"])
            if abs(ours - theirs.get(key, 0)) > 1e-9:
                bad.append((key, ours, theirs.get(key)))
    nonzero = sum(1 for v in theirs.values() if v)
    print(f"RESULT duckdb.cells={nonzero}")
    print(f"RESULT check.cells_compared={checked}")
    print(f"RESULT check.cells_suppressed={suppressed}")
    if bad:
        for b in bad[:10]:
            print("differs:", b, file=sys.stderr)
        print(f"RESULT check.agree=no ({len(bad)} cells differ)")
        sys.exit(1)
    print("RESULT check.agree=yes")


if __name__ == "__main__":
    main()
