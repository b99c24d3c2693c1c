#!/usr/bin/env python3
"""Write ``golden.npz``: a small stored input and the shipped models' predictions on it.

Run from the repository root whenever the shipped weights change (the golden test fails,
naming this script, until the file is regenerated), and review the printed R^2 first:

    python tests/data/make_golden.py

The input is four synthetic 40x40 windows per source kind, at SNR 1, in metres, with one
decorrelated (NaN) pixel cluster; it is stored, not regenerated, so the test pins the
weights and the engine and not the synthetic generator.
"""
import os

import numpy as np

from mintpy_aedenoise.api import denoise_windows, resolve_model
from mintpy_aedenoise.metrics import r2_per_window
from mintpy_aedenoise.store import file_sha256, resolve_weights
from mintpy_aedenoise.synthetic import KINDS, generate_windows

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden.npz")
N_WINDOWS = 4
SNR = 1.0


def main():
    out = {}
    for i, kind in enumerate(KINDS):
        rng = np.random.default_rng([2021, i])
        b = generate_windows(rng, N_WINDOWS, kind=kind, snr=SNR)
        series = b.series.copy()
        series[0, :, 5:8, 30:34] = np.nan
        pred = denoise_windows(series, b.dem, model=resolve_model(kind))
        naive = series[:, -1] - series[:, 0]
        print(f"{kind}: network R2 {np.round(r2_per_window(pred, b.target), 3).tolist()}, "
              f"naive {np.round(r2_per_window(naive, b.target), 3).tolist()}")
        out.update({f"{kind}_series": series, f"{kind}_dem": b.dem, f"{kind}_target": b.target,
                    f"{kind}_expected": pred.astype(np.float32),
                    f"{kind}_weights_sha256": np.array(file_sha256(resolve_weights(kind)[0]))})
    np.savez_compressed(GOLDEN, **out)
    print(f"wrote {GOLDEN} ({os.path.getsize(GOLDEN) / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
