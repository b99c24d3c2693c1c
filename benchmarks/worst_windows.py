#!/usr/bin/env python3
"""Which windows decide a level's mean R² on the evaluation protocol.

For the protocol's levels nearest the requested SNRs (the windows of ``aedenoise_evaluate.py``,
same seed scheme), prints the network's mean and median R², the mean without the worst
``--drop`` windows, and, for those worst windows, their R² and how much of their deformation is
a window-wide level: ``mean² / variance`` of the true cumulative deformation (0 for a signal
centred in the window, large for a broad dome seen through a 40 px window).

    python benchmarks/worst_windows.py --model mogi --snr 0.52 1.05 1.84
"""
import argparse
import sys

import numpy as np


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="mogi", help="fault, mogi or a .weights.h5 path (default: %(default)s)")
    p.add_argument("--kind", help="window kind (default: the sidecar's)")
    p.add_argument("--snr", type=float, nargs="+", default=[0.52, 1.05, 1.84],
                   help="SNRs; the nearest protocol levels are used (default: %(default)s)")
    p.add_argument("--drop", type=int, default=3, help="worst windows to report (default: %(default)s)")
    p.add_argument("--seed", type=int, default=12345, help="benchmark seed (default: %(default)s)")
    return p


def main(iargs=None):
    args = create_parser().parse_args(iargs)
    from mintpy_aedenoise.api import denoise_windows, resolve_model
    from mintpy_aedenoise.evaluate import EVAL_SEED_OFFSET, snr_levels
    from mintpy_aedenoise.metrics import r2_per_window
    from mintpy_aedenoise.synthetic import generate_windows

    net = resolve_model(args.model)
    kind = args.kind or net.meta.get("kind", args.model)
    levels = snr_levels(50)
    for snr in args.snr:
        i = int(np.argmin(np.abs(np.log(levels / snr))))
        batch = generate_windows(np.random.default_rng([args.seed, EVAL_SEED_OFFSET + i]), 64,
                                 kind=kind, snr=levels[i])
        r2 = r2_per_window(denoise_windows(batch.series, batch.dem, model=net), batch.target)
        target = batch.target.reshape(len(r2), -1)
        level_share = target.mean(axis=1) ** 2 / target.var(axis=1)
        worst = np.argsort(r2)[:args.drop]
        kept = np.setdiff1d(np.arange(r2.size), worst)
        print(f"{kind} SNR {levels[i]:.3g}: mean R2 {r2.mean():.3f}, median {np.median(r2):.3f}, "
              f"mean without the worst {args.drop} {r2[kept].mean():.3f}; worst R2 "
              f"{[round(float(v), 2) for v in r2[worst]]}, their mean^2/var "
              f"{[round(float(v), 1) for v in level_share[worst]]} "
              f"(median of the level {np.median(level_share):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
