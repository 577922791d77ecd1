#!/usr/bin/env python3
"""Scores a linkage output `source,record_id,person_id` against a truth file
`source,record_id,entity`.

    evaluate.py --truth TRUTH.csv --output OUT.csv [--json] [--label NAME]

Pairwise precision, recall and F1 (pairs are counted with combinatorics over the contingency
table of predicted cluster x true entity, never enumerated, so a million records is fine),
cluster-size statistics (largest predicted vs largest true cluster, clusters of more than 10
records) and the output contract check: every truth (= input) record has exactly one output row,
and no output row names a record that was not input.

A record missing from the output counts as a singleton for the scores (and the check fails).
Exit status 0 unless the files cannot be read; the contract check is reported, not fatal, so a
table can still be printed. With --json one JSON object is printed.
"""
import argparse
import csv
import json
import os
import sys
from collections import Counter


def read_keyed(path, value_col):
    if not os.path.exists(path):
        return [], "no such file"
    with open(path, newline="", encoding="utf-8-sig") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header is None:
            return [], "empty file"
        header = [h.strip() for h in header]
        try:
            si, ri, vi = header.index("source"), header.index("record_id"), header.index(value_col)
        except ValueError:
            return [], f"header {header} lacks source, record_id or {value_col}"
        rows = []
        for row in r:
            if not row:
                continue
            rows.append(((row[si], row[ri]), row[vi]))
        return rows, None


def c2(n):
    return n * (n - 1) // 2


def evaluate(truth_path, output_path):
    truth_rows, err = read_keyed(truth_path, "entity")
    if err:
        raise SystemExit(f"{truth_path}: {err}")
    truth = dict(truth_rows)
    out_rows, out_err = read_keyed(output_path, "person_id")
    problems = []
    if out_err:
        problems.append(f"{output_path}: {out_err}")
    pred = {}
    dup = 0
    for k, v in out_rows:
        if k in pred:
            dup += 1
        pred[k] = v
    unknown = sum(1 for k in pred if k not in truth)
    missing = 0
    cells = Counter()
    pred_sizes = Counter()
    for k, e in truth.items():
        p = pred.get(k)
        if p is None:
            missing += 1
            p = ("\x00missing", k)  # a singleton
        cells[(p, e)] += 1
        pred_sizes[p] += 1
    true_sizes = Counter(truth.values())
    tp = sum(c2(n) for n in cells.values())
    pred_pairs = sum(c2(n) for n in pred_sizes.values())
    true_pairs = sum(c2(n) for n in true_sizes.values())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if dup:
        problems.append(f"{dup} input records have more than one output row")
    if missing:
        problems.append(f"{missing} input records have no output row")
    if unknown:
        problems.append(f"{unknown} output rows name records that were not input")
    return {
        "records": len(truth),
        "output_rows": len(out_rows),
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "true_positive_pairs": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "entities": len(true_sizes),
        "predicted_clusters": len(pred_sizes),
        "largest_true_cluster": max(true_sizes.values(), default=0),
        "largest_predicted_cluster": max(pred_sizes.values(), default=0),
        "true_clusters_over_10": sum(1 for n in true_sizes.values() if n > 10),
        "predicted_clusters_over_10": sum(1 for n in pred_sizes.values() if n > 10),
        "contract_ok": not problems,
        "problems": problems,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    res = evaluate(a.truth, a.output)
    if a.label:
        res["label"] = a.label
    if a.json:
        print(json.dumps(res))
        return
    print(f"records {res['records']}  output rows {res['output_rows']}")
    print(f"pairs: true {res['true_pairs']}  predicted {res['predicted_pairs']}  "
          f"correct {res['true_positive_pairs']}")
    print(f"precision {res['precision']:.4f}  recall {res['recall']:.4f}  F1 {res['f1']:.4f}")
    print(f"clusters: true {res['entities']} (largest {res['largest_true_cluster']}, "
          f">10: {res['true_clusters_over_10']})  predicted {res['predicted_clusters']} "
          f"(largest {res['largest_predicted_cluster']}, >10: {res['predicted_clusters_over_10']})")
    print("contract: ok" if res["contract_ok"] else "contract: FAILED: " + "; ".join(res["problems"]))


if __name__ == "__main__":
    sys.exit(main())
