#!/usr/bin/env python3
"""Compare two evaluations of ``aedenoise_evaluate.py --json`` level by level.

Both must be of the same windows (kind, seed, levels, windows per level, level noise), so the
comparison is paired: the window-to-window spread that dominates each level's standard error
is common to both. Prints, per SNR band, the network's mean R² in each and the number of levels
where the second is better, then the mean over every level from SNR 0.1 and both thresholds:
the figures quoted in docs/evaluation.md and docs/model.md when new weights are weighed against
the shipped ones.

    aedenoise_evaluate.py --model runs/mogi9/mogi.weights.h5 --json /tmp/mogi9.json
    python tools/compare_evaluations.py docs/figures/evaluation_mogi.json /tmp/mogi9.json
"""
import argparse
import json
import sys

import numpy as np

from mintpy_aedenoise.evaluate import _fmt_snr

EXAMPLE = """example:
  python tools/compare_evaluations.py docs/figures/evaluation_mogi.json /tmp/mogi9.json --names mogi7 mogi9
"""

#: SNR bands of the comparison tables, [low, high); the last one includes its top.
BANDS = ((0.1, 0.3), (0.3, 1.0), (1.0, 3.0), (3.0, 10.0))
#: A level counts as better only by more than this (half the printed precision), so that the
#: rounding of two machines' kernels (about 1e-6) is not counted as a difference.
TIE = 5e-4
#: Keys that must agree for two evaluations to be of the same windows.
SAME_WINDOWS = ("kind", "seed", "seed_scheme", "per_level", "snr", "level_noise", "bar")


def create_parser():
    parser = argparse.ArgumentParser(
        description="Compare the network's scores of two aedenoise_evaluate.py JSON files.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("first", help="evaluation JSON (the reference)")
    parser.add_argument("second", help="evaluation JSON (the candidate)")
    parser.add_argument("--names", nargs=2, metavar=("FIRST", "SECOND"),
                        help="labels for the two (default: the file names)")
    return parser


def _load(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read an evaluation JSON ({err})") from None
    missing = [k for k in (*SAME_WINDOWS, "mean_r2", "threshold_snr") if k not in data]
    if missing:
        raise ValueError(f"{path}: not an aedenoise_evaluate.py JSON, missing {missing}")
    if "network" not in data["mean_r2"] or "network" not in data["threshold_snr"]:
        raise ValueError(f"{path}: the evaluation has no 'network' scores")
    return data


def sign_test(n_better, n_worse):
    """Two-sided sign-test p-value of ``n_better`` against ``n_worse`` (ties left out).

    Examples
    --------
    >>> round(sign_test(25, 8), 4), sign_test(0, 0)
    (0.0046, 1.0)
    """
    from scipy.stats import binomtest

    n = n_better + n_worse
    return 1.0 if n == 0 else float(binomtest(n_better, n, 0.5).pvalue)


def compare(first, second):
    """Band rows and totals of two loaded evaluations (dicts), network scores only.

    Returns
    -------
    dict
        ``bands``: list of (low, high, mean_first, mean_second, n_better, n_levels);
        ``from_0.1``: the same tuple over every level from SNR 0.1; ``worse_from_0.1``: the
        levels there where the second is worse by more than :data:`TIE`; ``sign_test_p``: the
        two-sided sign-test p-value of better against worse there; ``threshold``: (first,
        second).
    """
    for key in SAME_WINDOWS:
        x, y = first[key], second[key]
        same = (len(x) == len(y) and np.allclose(x, y, rtol=1e-9, atol=0)) if key == "snr" else x == y
        if not same:
            shown = (f"{len(x)} levels {x[0]:g}-{x[-1]:g} against {len(y)} levels {y[0]:g}-{y[-1]:g}"
                     if key == "snr" else f"{x!r} against {y!r}")
            raise ValueError(f"the evaluations are not of the same windows: {key} {shown}")
    snr = np.asarray(first["snr"], np.float64)
    a = np.asarray(first["mean_r2"]["network"], np.float64)
    b = np.asarray(second["mean_r2"]["network"], np.float64)

    def row(sel, low, high):
        return (low, high, float(np.nanmean(a[sel])), float(np.nanmean(b[sel])),
                int((b[sel] > a[sel] + TIE).sum()), int(sel.sum()))

    from_low = snr >= BANDS[0][0]
    worse = int((b[from_low] < a[from_low] - TIE).sum())

    bands = [row((snr >= lo) & ((snr < hi) | ((hi == BANDS[-1][1]) & (snr <= hi))), lo, hi)
             for lo, hi in BANDS]
    total = row(from_low, BANDS[0][0], float(snr.max()))
    return {"bands": bands, "from_0.1": total, "worse_from_0.1": worse,
            "sign_test_p": sign_test(total[4], worse),
            "threshold": (first["threshold_snr"]["network"], second["threshold_snr"]["network"])}


def cmd_line_parse(iargs=None):
    return create_parser().parse_args(iargs)


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    try:
        first, second = _load(inps.first), _load(inps.second)
        result = compare(first, second)
    except ValueError as err:
        print(f"compare_evaluations.py: error: {err}", file=sys.stderr)
        return 2
    name_a, name_b = inps.names or (inps.first, inps.second)
    print(f"{first['kind']} (level noise {first['level_noise']:g}): mean R2 of the network, "
          f"{name_b} / {name_a} (levels where {name_b} is better by more than {TIE:g})")
    for lo, hi, ma, mb, better, n in result["bands"]:
        print(f"  SNR {lo:g}-{hi:g}: {mb:.3f} / {ma:.3f} ({better} of {n})")
    lo, hi, ma, mb, better, n = result["from_0.1"]
    print(f"  all {n} levels from SNR {lo:g}: {mb:.3f} / {ma:.3f} ({better} of {n}; worse at "
          f"{result['worse_from_0.1']}; sign test p = {result['sign_test_p']:.2g})")
    ta, tb = result["threshold"]
    print(f"  R2>={first['bar']:g} from SNR: {_fmt_snr(tb)} / {_fmt_snr(ta)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
