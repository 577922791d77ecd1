#!/usr/bin/env python3
"""NBIS's minutiae (mindtct, through `nbis-py`) against the generator's ground truth.

A check of the ground truth as much as of NBIS: for each image, ground-truth minutiae (DIR/truth.csv)
and NBIS minutiae are paired closest first within --distance pixels; among pairs, directions are
compared (ISO/IEC 19794-2: counter-clockwise from the x axis, y down) within --angle degrees.

Usage: nbis_truth.py --dir DIR [--images 1_1 2_1 ...] [--distance 12] [--angle 30]
"""

import argparse
import csv
import math
import os

import nbis


def turn(a, b):
    d = (a - b) % 360.0
    return min(d, 360.0 - d)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--images", nargs="*")
    parser.add_argument("--distance", type=float, default=12.0)
    parser.add_argument("--angle", type=float, default=30.0)
    args = parser.parse_args()

    truth = {}
    with open(os.path.join(args.dir, "truth.csv")) as f:
        for r in csv.DictReader(f):
            truth.setdefault(r["image"], []).append((int(r["x"]), int(r["y"]), float(r["angle_deg"])))
    images = args.images or sorted(n for n in truth if n.endswith("_1"))
    extractor = nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=500.0
        )
    )
    real = found = paired = same_way = opposite = 0
    for name in images:
        with open(os.path.join(args.dir, f"{name}.png"), "rb") as f:
            ms = extractor.extract_minutiae(f.read()).get()
        got = [(m.x(), m.y(), m.angle()) for m in ms]
        t = truth.get(name, [])
        real += len(t)
        found += len(got)
        candidates = sorted(
            (math.hypot(a[0] - b[0], a[1] - b[1]), i, j)
            for i, a in enumerate(t)
            for j, b in enumerate(got)
        )
        used_t, used_g = set(), set()
        for dist, i, j in candidates:
            if dist > args.distance or i in used_t or j in used_g:
                continue
            used_t.add(i)
            used_g.add(j)
            paired += 1
            if turn(t[i][2], got[j][2]) <= args.angle:
                same_way += 1
            elif turn(t[i][2], got[j][2] + 180.0) <= args.angle:
                opposite += 1
    print(
        f"{len(images)} images: {real} ground-truth minutiae, {found} NBIS minutiae; "
        f"{paired} paired within {args.distance:g} px "
        f"(recall {paired / max(real, 1):.2f}, precision {paired / max(found, 1):.2f}); "
        f"of the pairs, {same_way / max(paired, 1):.2f} agree in direction within {args.angle:g} deg, "
        f"{opposite / max(paired, 1):.2f} point the opposite way"
    )


if __name__ == "__main__":
    main()
