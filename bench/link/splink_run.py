#!/usr/bin/env python3
"""Links canonical person CSVs with Splink (DuckDB backend) set up as in its tutorials, and writes
`source,record_id,person_id`, one row per input record (the `marsad link` output contract).

    splink_run.py --input A.csv [--input B.csv ...] --output OUT.csv [--threshold 0.9]
                  [--stats STATS.json] [--max-pairs-u 1e7]

The model (a standard Fellegi-Sunter model as in Splink's tutorials, nothing tuned to the data):
- names and places get the usual light standardisation (lower case, accents stripped,
  punctuation as spaces; see CLEANED), nothing script- or transliteration-aware;
- all inputs are concatenated and deduplicated together (link and dedupe; the unique id is
  `source|record_id`);
- blocking rules for prediction, on names, date of birth and the document number:
  given+family name, given/family swapped, family name+birth date, given name+birth date,
  document number;
- comparisons: given_name and family_name (NameComparison: exact, Jaro-Winkler >= 0.92 / 0.88 /
  0.7, with term-frequency adjustment), birth_date (DateOfBirthComparison on ISO strings: exact,
  within a month, a year, ten years), sex (exact), document_number (exact, Levenshtein <= 1, 2),
  locality (exact, term-frequency adjusted); a comparison whose column is empty in every record
  (sex in FEBRL) is left out;
- the prior from deterministic rules (given+family name+birth date; document number) with
  recall 0.7, u by random sampling (1e7 pairs, seeded), m by EM on two blocking rules
  (given+family name; birth date+locality), each capped at --max-pairs-em blocked pairs;
- predict at the threshold, cluster by connected components at the same threshold.
Wall time of the whole run (loading CSVs to writing the output) and the peak resident memory
(resource.getrusage, this process; DuckDB runs in-process) go to --stats as JSON and to stdout.
"""
import argparse
import json
import logging
import os
import resource
import sys
import time

import duckdb
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

COLS = ["source", "record_id", "given_name", "family_name", "father_name", "mother_name", "sex",
        "birth_date", "birth_place", "nationality", "document_type", "document_number", "phone",
        "address", "locality", "postcode"]

PREDICTION_RULES = [
    block_on("given_name", "family_name"),
    "l.given_name = r.family_name and l.family_name = r.given_name",
    block_on("family_name", "birth_date"),
    block_on("given_name", "birth_date"),
    block_on("document_number"),
]

TRAINING_RULES = [
    block_on("given_name", "family_name"),
    block_on("birth_date", "locality"),
]

DETERMINISTIC_RULES = [
    block_on("given_name", "family_name", "birth_date"),
    block_on("document_number"),
]


COMPARED = ["given_name", "family_name", "birth_date", "sex", "document_number", "locality"]


def comparison_list():
    return [
        ("given_name",
         cl.NameComparison("given_name").configure(term_frequency_adjustments=True)),
        ("family_name",
         cl.NameComparison("family_name").configure(term_frequency_adjustments=True)),
        ("birth_date", cl.DateOfBirthComparison("birth_date", input_is_string=True)),
        ("sex", cl.ExactMatch("sex")),
        ("document_number", cl.LevenshteinAtThresholds("document_number", [1, 2])),
        ("locality", cl.ExactMatch("locality").configure(term_frequency_adjustments=True)),
    ]


# The usual light standardisation before Splink (its tutorials start from cleaned data): names
# and places lower-cased, accents stripped, hyphens, apostrophes and dots as spaces, spaces
# collapsed. Nothing script- or transliteration-aware.
CLEANED = {"given_name", "family_name", "father_name", "mother_name", "birth_place", "locality"}


def clean(c):
    if c not in CLEANED:
        return f"nullif(trim({c}), '')"
    e = f"regexp_replace(lower(strip_accents({c})), '[-''.]', ' ', 'g')"
    e = f"trim(regexp_replace({e}, '\\s+', ' ', 'g'))"
    return f"nullif({e}, '')"


def peak_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", action="append", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--stats")
    ap.add_argument("--max-pairs-u", type=float, default=1e7)
    ap.add_argument("--max-pairs-em", type=float, default=5e6,
                    help="cap on blocked pairs per EM session (Splink samples records to stay "
                         "near it); the (birth date, locality) block is large at 1M records")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--memory-limit", default=os.environ.get("SPLINK_MEMORY_LIMIT", "8GB"),
                    help="DuckDB memory_limit (it spills to --temp-dir beyond it); default 8GB "
                         "or $SPLINK_MEMORY_LIMIT")
    ap.add_argument("--temp-dir", help="DuckDB temp_directory (default: next to --output)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING if a.quiet else logging.INFO)

    started = time.monotonic()
    con = duckdb.connect(":memory:")
    def sql(q):
        return con.execute(q).fetchall()

    sql(f"SET threads = {a.threads}")
    sql(f"SET memory_limit = '{a.memory_limit}'")
    temp_dir = a.temp_dir or os.path.join(os.path.dirname(os.path.abspath(a.output)), "duckdb-tmp")
    sql(f"SET temp_directory = '{temp_dir}'")

    def phase(name):
        print(f"[{time.monotonic() - started:8.1f} s] {name}", file=sys.stderr, flush=True)
    selects = []
    for path in a.input:
        cols = ", ".join(f"{clean(c)} AS {c}" for c in COLS)
        selects.append(
            f"SELECT {cols} FROM read_csv('{path}', header = true, all_varchar = true, "
            f"columns = {{{', '.join(repr(c) + ': ' + repr('VARCHAR') for c in COLS)}}}, "
            f"quote = '\"', escape = '\"')"
        )
    sql("CREATE TABLE persons AS SELECT source || '|' || record_id AS unique_id, * FROM ("
                + " UNION ALL ".join(selects) + ")")
    n = sql("SELECT count(*) FROM persons")[0][0]
    load_s = time.monotonic() - started

    # A comparison on a column that is empty in every record (sex in FEBRL) cannot be trained;
    # a practitioner would leave it out, and so does this script.
    present = {c for c in COMPARED
               if sql(f"SELECT count({c}) FROM persons")[0][0] > 0}
    comparisons = [comp for c, comp in comparison_list() if c in present]

    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=PREDICTION_RULES,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
    )
    df = db_api.register("persons")
    linker = Linker(df, settings, log_level=logging.WARNING if a.quiet else logging.INFO)
    phase(f"loaded {n} records; training")
    linker.training.estimate_probability_two_random_records_match(DETERMINISTIC_RULES, recall=0.7)
    phase("u by random sampling")
    linker.training.estimate_u_using_random_sampling(max_pairs=a.max_pairs_u, seed=1)
    for rule in TRAINING_RULES:
        phase(f"EM on {rule.get_blocking_rule('duckdb').blocking_rule_sql}")
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=a.max_pairs_em)
    train_s = time.monotonic() - started - load_s

    phase("predict")
    pairs = linker.inference.predict(threshold_match_probability=a.threshold)
    n_pairs = sql(f"SELECT count(*) FROM {pairs.physical_name}")[0][0]
    phase(f"{n_pairs} pairs above the threshold; clustering")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs, threshold_match_probability=a.threshold)
    sql(
        f"COPY (SELECT source, record_id, cluster_id AS person_id FROM {clusters.physical_name} "
        f"ORDER BY source, record_id) TO '{a.output}' (HEADER, DELIMITER ',')")
    wall = time.monotonic() - started
    phase("written")
    stats = {
        "tool": "splink",
        "version": splink.__version__,
        "duckdb": duckdb.__version__,
        "records": n,
        "pairs_above_threshold": n_pairs,
        "threshold": a.threshold,
        "comparisons": sorted(present),
        "wall_s": round(wall, 2),
        "load_s": round(load_s, 2),
        "train_s": round(train_s, 2),
        "peak_mb": round(peak_mb(), 1),
        "memory_limit": a.memory_limit,
    }
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump(stats, f)
    print(json.dumps(stats))


if __name__ == "__main__":
    sys.exit(main())
