#!/usr/bin/env python3
"""Where in the window the synthetic sources move, and whether the networks care.

``synthetic.time_history`` draws the onset frame uniformly in 1..7 and then the end frame
uniformly in onset..7, so that frame 0 is the reference and frame 8 equals frame 7. This prints

1. the prior: the mean share of the cumulative deformation that falls in each of the 8
   intervals between consecutive frames, and how often each interval holds any motion, over
   ``--draws`` histories;
2. the networks' response to it: windows of the evaluation's kind at each ``--snr``, kept when
   their motion lies within intervals 2..7 (frames 0 and 1 equal, frames 7 and 8 equal), are
   scored twice with the same source and the same noise, once with their own history ``h`` and
   once with its time mirror ``1 - h[::-1]`` (which also lies within 2..7, so both are in the
   training support). The mean R² of both and their paired difference show whether the
   model has learnt the prior's lean toward late motion.
"""
import argparse
import sys

import numpy as np

EXAMPLE = """example:
  python benchmarks/time_prior.py --model fault mogi
  python benchmarks/time_prior.py --model runs/mogi24/mogi.weights.h5 --snr 0.3 1 --windows 512
"""


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, epilog=EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", nargs="+", default=["fault", "mogi"],
                   help="fault, mogi or .weights.h5 paths (default: %(default)s)")
    p.add_argument("--snr", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0],
                   help="SNR levels (default: %(default)s)")
    p.add_argument("--windows", type=int, default=512,
                   help="windows drawn per level, before keeping those within 2..7 (default: %(default)s)")
    p.add_argument("--draws", type=int, default=200_000,
                   help="histories for the prior's table (default: %(default)s)")
    p.add_argument("--seed", type=int, default=20261206, help="seed (default: %(default)s)")
    return p


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(iargs)
    if any(not np.isfinite(s) or s <= 0 for s in inps.snr):
        parser.error(f"--snr values must be finite and > 0, got {inps.snr}")
    if inps.windows < 1 or inps.draws < 1:
        parser.error("--windows and --draws must be >= 1")
    return inps


def interval_table(rng, n):
    """Mean share of the motion and fraction of histories with motion, per interval."""
    from mintpy_aedenoise.synthetic import time_history

    step = np.diff(time_history(rng, n), axis=1)
    return step.mean(axis=0), (step > 0).mean(axis=0)


def recover_history(batch):
    """Each window's normalised history, from ``series = h * target + noise``."""
    signal = batch.series - batch.noise
    t = batch.target[:, None]
    return (signal * t).sum(axis=(2, 3)) / np.maximum((t * t).sum(axis=(2, 3)), 1e-30)


def mirrored_scores(model, kind, snr, n, seed):
    """Mean R² with the own and the mirrored histories, and the paired difference's 90 % interval."""
    from mintpy_aedenoise.api import predict_normalised
    from mintpy_aedenoise.metrics import r2_per_window
    from mintpy_aedenoise.synthetic import generate_windows

    batch = generate_windows(np.random.default_rng([seed, int(round(snr * 1e4))]), n, kind=kind,
                             snr=snr)
    h = np.clip(np.round(recover_history(batch), 5), 0.0, 1.0)
    keep = (h[:, 1] == 0) & (h[:, 0] == 0)          # motion within intervals 2..7
    if not keep.any():
        return 0, None, None, None
    mirror = 1.0 - h[:, ::-1]
    series = {"own": batch.series[keep],
              "mirrored": (mirror[keep, :, None, None] * batch.target[keep, None] + batch.noise[keep])}
    r2 = {name: r2_per_window(predict_normalised(model, s.astype(np.float32), batch.dem[keep],
                                                 batch_size=128), batch.target[keep])
          for name, s in series.items()}
    diff = r2["mirrored"] - r2["own"]
    boot = np.random.default_rng([seed, 1]).integers(0, diff.size, (2000, diff.size))
    lo, hi = np.percentile(diff[boot].mean(axis=1), [5, 95])
    centre = (np.diff(h[keep], axis=1) * np.arange(1, 9)).sum(axis=1)
    return int(keep.sum()), r2, (diff.mean(), lo, hi), centre


def _mean(x):
    return f"{x.mean():.3f}" if x.size else "-"


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    share, moving = interval_table(np.random.default_rng(inps.seed), inps.draws)
    print(f"prior over {inps.draws} histories (synthetic.time_history), interval k = frame k-1 -> k:")
    print("  interval:       " + " ".join(f"{k:>6d}" for k in range(1, 9)))
    print("  mean share:     " + " ".join(f"{v:6.3f}" for v in share))
    print("  P(any motion):  " + " ".join(f"{v:6.3f}" for v in moving))

    from mintpy_aedenoise import load_model
    for name in inps.model:
        model = load_model(name)
        kind = model.meta["kind"]
        print(f"{name} ({kind}): windows with motion in intervals 2..7, own history against its "
              "time mirror (same source, same noise)")
        for snr in inps.snr:
            n, r2, diff, centre = mirrored_scores(model, kind, snr, inps.windows, inps.seed)
            if not n:
                print(f"  SNR {snr:g}: no window with motion within intervals 2..7; draw more (--windows)")
                continue
            (d, lo, hi), early = diff, centre < 4.5
            own, mir = r2["own"], r2["mirrored"]
            print(f"  SNR {snr:g}: {n} windows; mean R2 own {own.mean():.3f}, mirrored {mir.mean():.3f} "
                  f"(medians {np.median(own):.3f}, {np.median(mir):.3f}), paired difference {d:+.3f} "
                  f"(90 % {lo:+.3f} to {hi:+.3f}); own history with early / late motion (centre "
                  f"< / >= 4.5): {_mean(own[early])} ({early.sum()}) / {_mean(own[~early])} "
                  f"({(~early).sum()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
