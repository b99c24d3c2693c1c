#!/usr/bin/env python3
"""How large is a window's level on a real scene, in units of the noise inside the window?

``generate_windows`` draws turbulence with zero mean over every 40 x 40 px window. On a MintPy
scene each date is relative to a reference point, so a window's mean on every date carries the
atmosphere between the window and that point. This script draws turbulent fields with the
generator's spectra (slopes 5/3-11/3, outer scales 1-20 km, 100 m pixels) on a 51 km square,
and for random windows and reference pixels 10-25 km away reports

    std(window mean - reference value) / RMS(std inside the window)

per spectrum. This is the ``level_noise`` ratio of ``generate_windows`` that such a scene
corresponds to; docs/model.md §3 quotes the output.

    python benchmarks/level_ratio.py
"""
import argparse

import numpy as np

from mintpy_aedenoise.noise.turbulence import power_law_fields
from mintpy_aedenoise.synthetic import PIXEL_SIZE, WINDOW


def level_ratio(rng, beta, outer_scale, *, size=512, fields=64, per_field=8, ref_km=(10.0, 25.0)):
    """Level std over within-window std for one spectrum."""
    f = power_law_fields(rng, fields, (size, size), beta=beta, outer_scale=outer_scale,
                         pixel_size=PIXEL_SIZE, oversample=1.0)
    lo, hi = (r * 1e3 / PIXEL_SIZE for r in ref_km)
    levels, inside = [], []
    for k in range(fields):
        for _ in range(per_field):
            y, x = rng.integers(0, size - WINDOW, 2)
            win = f[k, y:y + WINDOW, x:x + WINDOW]
            while True:
                ry, rx = rng.integers(0, size, 2)
                if lo <= np.hypot(ry - y - WINDOW / 2, rx - x - WINDOW / 2) <= hi:
                    break
            levels.append(win.mean() - f[k, ry, rx])
            inside.append(win.std())
    return float(np.std(levels) / np.sqrt(np.mean(np.square(inside))))


def main(iargs=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    inps = parser.parse_args(iargs)
    rng = np.random.default_rng(inps.seed)
    for beta in (5 / 3, 8 / 3, 11 / 3):
        for outer in (1e3, 5e3, 2e4):
            print(f"slope {beta:.2f}, outer scale {outer / 1e3:4.0f} km: "
                  f"level std / noise std inside the window = {level_ratio(rng, beta, outer):.2f}")


if __name__ == "__main__":
    main()
