#!/usr/bin/env python3
"""Which windows decide a level's mean R² on the evaluation protocol, and why.

For the protocol's levels nearest the requested SNRs (the windows of ``aedenoise_evaluate.py``,
``evaluate.level_batch``), prints the network's mean and median R² and the mean without the
worst ``--drop`` windows. For each of those worst windows it splits the error exactly:

    R² = 1 - level - shape,   level = (mean(p) - mean(t))² / var(t),   shape = var(p - t) / var(t)

with ``p`` the prediction and ``t`` the true cumulative deformation over the window's pixels,
and gives ``share = mean(t)² / var(t)``, how much of the deformation is a window-wide level
(the level term of a prediction whose window mean is 0), with its ratio to the median share of
the level's 64 windows.
"""
import argparse
import sys

import numpy as np

EXAMPLE = """example:
  python benchmarks/worst_windows.py --model mogi --snr 0.52 1.05 1.84
  python benchmarks/worst_windows.py --model fault --snr 0.39 0.45 0.52
"""


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, epilog=EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="mogi", help="fault, mogi or a .weights.h5 path (default: %(default)s)")
    p.add_argument("--kind", choices=("fault", "mogi"), help="window kind (default: the sidecar's)")
    p.add_argument("--snr", type=float, nargs="+", default=[0.52, 1.05, 1.84],
                   help="SNRs; the nearest protocol levels are used (default: %(default)s)")
    p.add_argument("--drop", type=int, default=3, help="worst windows to report (default: %(default)s)")
    p.add_argument("--seed", type=int, default=12345, help="benchmark seed (default: %(default)s)")
    p.add_argument("--per-level", dest="per_level", type=int, default=64,
                   help="windows per level (default: %(default)s, the protocol)")
    return p


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(iargs)
    if not all(np.isfinite(s) and s > 0 for s in inps.snr):
        parser.error(f"--snr values must be finite and > 0, got {inps.snr}")
    if not 1 <= inps.drop < inps.per_level:
        parser.error(f"--drop must be between 1 and --per-level - 1 ({inps.per_level - 1}), got {inps.drop}")
    return inps


def split_error(pred, target):
    """(level, shape, share) of every window, over the pixels where both are finite."""
    ok = np.isfinite(pred) & np.isfinite(target)
    n = ok.sum(axis=(1, 2))
    t = np.where(ok, target, 0.0).sum(axis=(1, 2)) / n
    p = np.where(ok, pred, 0.0).sum(axis=(1, 2)) / n
    var_t = np.where(ok, (target - t[:, None, None]) ** 2, 0.0).sum(axis=(1, 2)) / n
    resid = pred - target - (p - t)[:, None, None]
    shape = np.where(ok, resid ** 2, 0.0).sum(axis=(1, 2)) / n / var_t
    return (p - t) ** 2 / var_t, shape, t ** 2 / var_t


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    from mintpy_aedenoise import evaluate as ev
    from mintpy_aedenoise.api import denoise_windows, resolve_model
    from mintpy_aedenoise.metrics import r2_per_window

    net = resolve_model(inps.model)
    kind = inps.kind or net.meta.get("kind", inps.model)
    levels = ev.snr_levels(50)
    for snr in inps.snr:
        i = int(np.argmin(np.abs(np.log(levels / snr))))
        batch = ev.level_batch(kind, i, levels[i], seed=inps.seed, per_level=inps.per_level)
        pred = denoise_windows(batch.series, batch.dem, model=net).astype(np.float64)
        target = batch.target.astype(np.float64)
        r2 = r2_per_window(pred, target)
        level, shape, share = split_error(pred, target)
        finite = np.flatnonzero(np.isfinite(r2))
        worst = finite[np.argsort(r2[finite])[:inps.drop]]
        kept = np.setdiff1d(finite, worst)
        median_share = np.median(share[finite])
        print(f"{kind} SNR {levels[i]:.3g}: mean R2 {ev._finite_mean(r2):.3f}, median "
              f"{np.median(r2[finite]):.3f}, mean without the worst {inps.drop} {r2[kept].mean():.3f}; "
              f"median share {median_share:.3f}")
        for j in worst:
            print(f"  R2 {r2[j]:.2f} = 1 - level {level[j]:.2f} - shape {shape[j]:.2f}; share "
                  f"{share[j]:.2f} ({share[j] / median_share:.0f} x the median)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
