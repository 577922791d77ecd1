#!/usr/bin/env python3
"""Prints the results of bench/link/run.sh (WORK/results.jsonl) as one Markdown table, then the
marsad/Splink wall-time ratio per data set.

    table.py RESULTS.jsonl
"""
import json
import sys


def main():
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    print("| dataset | records | tool | precision | recall | F1 | wall s | peak MB "
          "| largest cluster (pred/true) | clusters > 10 (pred/true) |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    records = {r["dataset"]: r["records"] for r in rows if "records" in r}
    notes = []
    for r in rows:
        ds, tool = r["dataset"], r["tool"]
        n = records.get(ds, "")
        n = f"{n:,}" if isinstance(n, int) else n
        if r["status"] != "ok":
            print(f"| {ds} | {n} | {tool} | {r['status']} | | | | | | |")
            continue
        print(f"| {ds} | {n} | {tool} | {r['precision']:.4f} | {r['recall']:.4f} "
              f"| **{r['f1']:.4f}** | {r['wall_s']:.1f} | {r['peak_mb']:.0f} "
              f"| {r['largest_predicted_cluster']}/{r['largest_true_cluster']} "
              f"| {r['predicted_clusters_over_10']}/{r['true_clusters_over_10']} |")
        if not r["contract_ok"]:
            notes.append(f"{ds} {tool}: output contract FAILED: " + "; ".join(r["problems"]))
    print()
    for ds in dict.fromkeys(r["dataset"] for r in rows):
        by = {r["tool"]: r for r in rows if r["dataset"] == ds and r["status"] == "ok"}
        if "marsad" in by and "splink" in by and by["splink"]["wall_s"] > 0:
            m, s = by["marsad"], by["splink"]
            print(f"{ds}: marsad/Splink wall time {m['wall_s'] / s['wall_s']:.2f} "
                  f"({m['wall_s']:.1f} s / {s['wall_s']:.1f} s), "
                  f"F1 {m['f1']:.4f} vs {s['f1']:.4f}")
        else:
            print(f"{ds}: marsad/Splink wall time: n/a")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
