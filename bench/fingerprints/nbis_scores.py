#!/usr/bin/env python3
"""NIST NBIS (mindtct + bozorth3, through the `nbis-py` bindings) on an FVC-layout data set.

Extracts a template from every image DIR/<finger>_<impression>.png, compares every pair of the FVC
protocol, and writes:
  OUT/nbis_scores.csv   probe,candidate,score   (bozorth3 score, higher = more alike)
  OUT/nbis_fte.txt      images NBIS failed to enrol (an error, or fewer than --min-minutiae minutiae)

Usage: nbis_scores.py --dir DIR --fingers F --impressions I --out OUT [--min-minutiae 1]
"""

import argparse
import os
import sys
import time

import nbis


def fvc_pairs(fingers, impressions):
    """Genuine: (i, j)-(i, k), j < k; impostor: (i, 1)-(k, 1), i < k (1-based names)."""
    for i in range(1, fingers + 1):
        for j in range(1, impressions + 1):
            for k in range(j + 1, impressions + 1):
                yield f"{i}_{j}", f"{i}_{k}"
    for i in range(1, fingers + 1):
        for k in range(i + 1, fingers + 1):
            yield f"{i}_1", f"{k}_1"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--fingers", type=int, required=True)
    parser.add_argument("--impressions", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ext", default="png")
    parser.add_argument("--min-minutiae", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    settings = nbis.NbisExtractorSettings(
        min_quality=0.0,
        get_center=False,
        check_fingerprint=False,
        compute_nfiq2=False,
        ppi=500.0,
    )
    extractor = nbis.new_nbis_extractor(settings)

    templates, failed, counts = {}, [], []
    start = time.time()
    for i in range(1, args.fingers + 1):
        for j in range(1, args.impressions + 1):
            name = f"{i}_{j}"
            path = os.path.join(args.dir, f"{name}.{args.ext}")
            try:
                with open(path, "rb") as f:
                    minutiae = extractor.extract_minutiae(f.read())
                n = len(minutiae.get())
            except Exception as e:  # NBIS refused the image
                print(f"{name}: {e}", file=sys.stderr)
                failed.append(name)
                continue
            if n < args.min_minutiae:
                failed.append(name)
                continue
            templates[name] = minutiae
            counts.append(n)
    extract_time = time.time() - start

    start = time.time()
    pairs = 0
    with open(os.path.join(args.out, "nbis_scores.csv"), "w") as out:
        out.write("probe,candidate,score\n")
        for a, b in fvc_pairs(args.fingers, args.impressions):
            pairs += 1
            if a in templates and b in templates:
                out.write(f"{a},{b},{templates[a].compare(templates[b])}\n")
            else:
                out.write(f"{a},{b},\n")
    compare_time = time.time() - start
    with open(os.path.join(args.out, "nbis_fte.txt"), "w") as out:
        out.writelines(f"{name}\n" for name in failed)

    images = args.fingers * args.impressions
    mean = sum(counts) / len(counts) if counts else 0.0
    print(
        f"NBIS: {images} images in {extract_time:.1f} s "
        f"({1000 * extract_time / max(images, 1):.0f} ms each, {mean:.1f} minutiae on average, "
        f"{len(failed)} failed to enrol); {pairs} comparisons in {compare_time:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
