#!/usr/bin/env python3
"""What a model puts out where there is (almost) no deformation.

On the evaluation protocol, R² at SNR << 0.1 divides the misfit by the variance of a target that
is nearly zero, so it reads as large negative numbers (-20, -30) that say little about the size
of the spurious signal. This prints it in the units a user sees: for windows of SNR ``--snr``
(default 0.01), the RMS of the network's misfit ``p - t`` over the window, divided by the RMS of
the input series after removing each frame's window mean (the noise, nearly all of it), as the
median and 90th percentile over ``--windows`` windows; with ``--level-noise r`` the frames also
carry window levels as in ``aedenoise_evaluate.py --level-noise``. The first rows give the
naive last-minus-first difference on the same windows.
"""
import argparse
import sys

import numpy as np

EXAMPLE = """example:
  python benchmarks/spurious_output.py --model mogi
  python benchmarks/spurious_output.py --model OLD/mogi.weights.h5 mogi --level-noise 0 1
"""


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, epilog=EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", nargs="+", default=["mogi"],
                   help="fault, mogi or .weights.h5 paths (default: %(default)s)")
    p.add_argument("--kind", choices=("fault", "mogi"), help="window kind (default: each sidecar's)")
    p.add_argument("--snr", type=float, default=0.01, help="SNR of the windows (default: %(default)s)")
    p.add_argument("--level-noise", dest="level_noise", type=float, nargs="+", default=[0.0, 1.0],
                   help="frame-level ratios to measure at (default: %(default)s)")
    p.add_argument("--windows", type=int, default=512, help="windows per measurement (default: %(default)s)")
    p.add_argument("--seed", type=int, default=20261204, help="seed of the windows (default: %(default)s)")
    return p


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(iargs)
    if not (np.isfinite(inps.snr) and inps.snr > 0):
        parser.error(f"--snr must be finite and > 0, got {inps.snr}")
    if any(not np.isfinite(r) or r < 0 for r in inps.level_noise):
        parser.error(f"--level-noise values must be finite and >= 0, got {inps.level_noise}")
    if inps.windows < 1:
        parser.error(f"--windows must be >= 1, got {inps.windows}")
    return inps


def misfit_ratio(model, windows):
    """Per window: RMS of the misfit of ``model`` (or of the naive last-minus-first difference
    for ``None``) over RMS of the frame-mean-free input."""
    from mintpy_aedenoise.api import predict_normalised

    pred = (windows.series[:, -1] - windows.series[:, 0] if model is None
            else predict_normalised(model, windows.series, windows.dem, batch_size=128))
    noise = windows.series - np.nanmean(windows.series, axis=(2, 3), keepdims=True)
    return (np.sqrt(np.nanmean((pred - windows.target) ** 2, axis=(1, 2)))
            / np.sqrt(np.nanmean(noise ** 2, axis=(1, 2, 3))))


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    from mintpy_aedenoise import load_model
    from mintpy_aedenoise.synthetic import generate_windows

    print(f"SNR {inps.snr:g}, {inps.windows} windows, seed {inps.seed}: RMS(misfit) / RMS(input "
          "without frame means), median and 90th percentile")
    models = {name: load_model(name) for name in inps.model}
    # the naive difference on the windows of the first model's kind
    rows = [("naive", None, inps.kind or models[inps.model[0]].meta["kind"])]
    rows += [(name, m, inps.kind or m.meta["kind"]) for name, m in models.items()]
    for name, model, kind in rows:
        for r in inps.level_noise:
            # the same windows for every model and level ratio; the levels are drawn last
            rng = np.random.default_rng(inps.seed)
            levels = np.full(inps.windows, r) if r else None
            windows = generate_windows(rng, inps.windows, kind=kind, snr_range=(inps.snr, inps.snr),
                                       level_noise=levels)
            ratio = misfit_ratio(model, windows)
            print(f"  {name} ({kind}), level noise {r:g}: {np.median(ratio):.3f}, "
                  f"{np.percentile(ratio, 90):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
