#!/usr/bin/env python3
"""Writes the WSQ fixtures of marsad-biometrics' format tests.

For each synthetic fingerprint-like image (ridges along curved arcs around a
"core", inside an elliptical finger mask on a white background) this writes:

- `NAME.wsq`: the image encoded by NIST's NBIS WSQ encoder;
- `NAME.pgm`: the pixels NIST's NBIS WSQ decoder produces from that file
  (binary PGM, 8-bit grey), which the Rust decoder must reproduce;
- `NAME.src.pgm` (not for the 500 x 500 image, to keep the fixtures small): the
  image before encoding, which the Rust encoder must turn into `NAME.wsq` byte
  for byte.

NBIS is reached through the `wsq` package on PyPI (a Pillow plugin around
NBIS): `python3 -m venv ~/.cache/bio-formats-venv &&
~/.cache/bio-formats-venv/bin/pip install wsq pillow numpy`, then run this
script from any directory. Note: that package's `_wsq.compress` ignores its
bit-rate argument and always encodes at 0.75 bit per pixel (its NIST comment
says `WSQ_BITRATE 0.750000`), so every fixture is at 0.75 bpp; the sizes and
contents vary instead.

It then decodes with NBIS every `rust_*.wsq` found here (files written by this
crate's WSQ encoder, see the `write_wsq_encoder_fixtures` test) into
`rust_*.pgm`, so the tests can check that NBIS reads the Rust encoder's output
exactly as the Rust decoder does.
"""

import math
import os

import _wsq  # the C extension of the `wsq` package (NBIS)
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name, width, height, ridge period (pixels), seed of the noise
IMAGES = [
    ("ridges_300x400", 300, 400, 9.0, 1),
    ("ridges_257x311", 257, 311, 8.0, 2),
    ("ridges_500x500", 500, 500, 10.0, 3),
    ("ridges_129x97", 129, 97, 6.0, 4),
]


def ridges(width, height, period, seed):
    """A grey fingerprint-like image: dark ridges (0) on a light ground (255)."""
    rng = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    cx, cy = width * 0.5, height * 0.45
    # Arcs around the core, bent by a slow warp so the orientation curves.
    warp = 6.0 * np.sin(x / (width / 2.3)) + 4.0 * np.cos(y / (height / 3.1))
    r = np.hypot((x - cx) * 1.0, (y - cy) * 1.3) + warp
    wave = np.cos(2.0 * math.pi * r / period)
    inside = ((x - cx) / (width * 0.42)) ** 2 + ((y - cy) / (height * 0.48)) ** 2
    mask = np.clip((1.0 - inside) * 4.0, 0.0, 1.0)
    img = 200.0 - 90.0 * wave * mask + rng.normal(0.0, 6.0, size=wave.shape)
    img = img * mask + 245.0 * (1.0 - mask)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def main():
    for name, width, height, period, seed in IMAGES:
        img = ridges(width, height, period, seed)
        encoded = _wsq.compress(img.tobytes(), height, width, 0.75)
        pixels, w, h, ppi = _wsq.decompress(encoded)
        assert (w, h) == (width, height), (w, h)
        with open(os.path.join(HERE, name + ".wsq"), "wb") as f:
            f.write(encoded)
        with open(os.path.join(HERE, name + ".pgm"), "wb") as f:
            f.write(b"P5\n%d %d\n255\n" % (w, h))
            f.write(bytes(pixels))
        if width * height < 500 * 500:
            with open(os.path.join(HERE, name + ".src.pgm"), "wb") as f:
                f.write(b"P5\n%d %d\n255\n" % (width, height))
                f.write(img.tobytes())
        print(name, len(encoded), "bytes, ppi", ppi)
    for name in sorted(os.listdir(HERE)):
        if name.startswith("rust_") and name.endswith(".wsq"):
            with open(os.path.join(HERE, name), "rb") as f:
                pixels, w, h, ppi = _wsq.decompress(f.read())
            with open(os.path.join(HERE, name[:-4] + ".pgm"), "wb") as f:
                f.write(b"P5\n%d %d\n255\n" % (w, h))
                f.write(bytes(pixels))
            print(name, "decoded by NBIS:", w, "x", h)


if __name__ == "__main__":
    main()
