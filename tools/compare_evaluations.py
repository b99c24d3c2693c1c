#!/usr/bin/env python3
"""Compare two evaluations of ``aedenoise_evaluate.py --json`` level by level.

Both must be of the same windows (kind, seed, levels, windows per level, level noise), so the
comparison is paired: the window-to-window spread that dominates each level's standard error
is common to both. Prints, per SNR band, the network's mean R² in each and the number of levels
where the second is better, then the mean over every level from SNR 0.1 and both thresholds:
the figures quoted in docs/evaluation.md and docs/model.md when new weights are weighed against
the shipped ones.

Where both files hold the network's R² of every window (``window_r2``, written by
``aedenoise_evaluate.py --json``; files written before it was added lack it), a paired
bootstrap follows: the windows of each level are resampled with replacement, with the same
draw for both evaluations, and the difference of their mean R² over the levels from SNR 0.1,
and their thresholds, are recomputed on every resample. A window that is hard for both models
moves both means together, so it widens the interval of the difference less than it widens
the interval of either mean.

    aedenoise_evaluate.py --model runs/mogi9/mogi.weights.h5 --json /tmp/mogi9.json
    python tools/compare_evaluations.py docs/figures/evaluation_mogi.json /tmp/mogi9.json
"""
import argparse
import json
import sys

import numpy as np

from mintpy_aedenoise.evaluate import (INTERVAL, _check_resampling, _finite_mean, _fmt_snr,
                                       _outer_quantiles, _resampled_means, _tails,
                                       _thresholds_of_rows)

EXAMPLE = """example:
  python tools/compare_evaluations.py docs/figures/evaluation_mogi.json /tmp/mogi9.json --names mogi7 mogi9
"""

#: SNR bands of the comparison tables, [low, high); the last one includes its top.
BANDS = ((0.1, 0.3), (0.3, 1.0), (1.0, 3.0), (3.0, 10.0))
#: A level counts as better only by more than this (half the printed precision), so that the
#: rounding of two machines' kernels (about 1e-6) is not counted as a difference.
TIE = 5e-4
#: Keys that must agree for two evaluations to be of the same windows.
SAME_WINDOWS = ("kind", "seed", "seed_scheme", "per_level", "snr", "level_noise", "broad_sources", "bar",
                "benchmark_version")
#: What a key missing from an older evaluation means: written before versions were recorded
#: (<= 0.2.0), or before broad sources existed (the protocol's prior).
OLDER = {"benchmark_version": 1, "broad_sources": None}


def create_parser():
    parser = argparse.ArgumentParser(
        description="Compare the network's scores of two aedenoise_evaluate.py JSON files.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("first", help="evaluation JSON (the reference)")
    parser.add_argument("second", help="evaluation JSON (the candidate)")
    parser.add_argument("--names", nargs=2, metavar=("FIRST", "SECOND"),
                        help="labels for the two (default: the file names)")
    parser.add_argument("--bootstrap", type=int, default=2000, metavar="N",
                        help="paired bootstrap resamples, where both files hold per-window R2;\n"
                             "0 for none (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the bootstrap, numpy.random.default_rng(seed) (default: %(default)s)")
    return parser


def _load(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: cannot read an evaluation JSON ({err})") from None
    data = {**OLDER, **data}
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
    first, second = ({**OLDER, **d} for d in (first, second))
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


def _window_r2(data, path):
    """(levels, windows) network R² of every window of a loaded evaluation, or None."""
    rows = data.get("window_r2", {}).get("network")
    if rows is None:
        return None
    try:
        values = np.array(rows, np.float64)     # None (a window without a score) becomes NaN
    except (TypeError, ValueError):
        raise ValueError(f"{path}: window_r2 is not a (levels x windows) table of numbers") from None
    if values.shape != (len(data["snr"]), data["per_level"]):
        raise ValueError(f"{path}: window_r2 has shape {values.shape}, expected "
                         f"({len(data['snr'])}, {data['per_level']})")
    return values


def paired_bootstrap(snr, bar, a, b, rng, n_resamples=2000, interval=INTERVAL):
    """Paired bootstrap of two evaluations of the same windows (as :func:`compare` checks).

    Parameters
    ----------
    snr : array_like
        (levels,) SNR of each level.
    bar : float
        Quality bar of the thresholds.
    a, b : numpy.ndarray
        (levels, windows) network R² of every window of each.
    rng : numpy.random.Generator
        Source of the resampling; each resample draws one set of window indices per level and
        applies it to both.
    n_resamples : int
        Bootstrap resamples.
    interval : float
        Central probability of the interval.

    Returns
    -------
    dict
        ``difference``: second minus first in mean R² over the levels from SNR 0.1, as
        measured; ``interval``: [low, high] of its resampled values; ``p_not_better``: the
        fraction of resamples where the difference is <= 0 (a bootstrap proportion, 0 when
        none of them is; it covers only the draw of benchmark windows, not the spread between
        training runs); ``threshold_lower`` /
        ``threshold_same`` / ``threshold_higher``: fractions of resamples where the second's
        threshold is below, equal to or above the first's; ``threshold_interval``: [low,
        high] of the second's resampled thresholds (None for never).

    Examples
    --------
    >>> a = np.array([[0.5, 0.7, 0.4], [0.8, 0.9, 0.7]])
    >>> r = paired_bootstrap([0.1, 1.0], 0.6, a, a + 0.05, np.random.default_rng(0), 100)
    >>> round(r["difference"], 6), [round(v, 6) for v in r["interval"]], r["p_not_better"]
    (0.05, [0.05, 0.05], 0.0)
    """
    _check_resampling(rng, n_resamples, interval)
    snr = np.asarray(snr, np.float64)
    order = np.argsort(snr)
    levels, a, b = snr[order], a[order], b[order]
    from_low = levels >= BANDS[0][0]
    idx = rng.integers(0, a.shape[1], size=(n_resamples, *a.shape))
    ma, mb = _resampled_means(a, idx), _resampled_means(b, idx)
    diff = np.nanmean(mb[:, from_low], axis=1) - np.nanmean(ma[:, from_low], axis=1)
    tails = _tails(interval)
    ta, tb = _thresholds_of_rows(levels, ma, bar), _thresholds_of_rows(levels, mb, bar)
    measured = np.nanmean(_finite_mean(b)[from_low]) - np.nanmean(_finite_mean(a)[from_low])
    return {"n_resamples": int(n_resamples), "interval_probability": float(interval),
            "difference": float(measured),
            "interval": [float(q) for q in np.quantile(diff, tails)],
            "p_not_better": float((diff <= 0).mean()),
            "threshold_lower": float((tb < ta).mean()), "threshold_same": float((tb == ta).mean()),
            "threshold_higher": float((tb > ta).mean()),
            "threshold_interval": _outer_quantiles(tb, tails)}


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(iargs)
    if inps.bootstrap < 0:
        parser.error(f"--bootstrap must be >= 0, got {inps.bootstrap}")
    return inps


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    try:
        first, second = _load(inps.first), _load(inps.second)
        result = compare(first, second)
        windows = (_window_r2(first, inps.first), _window_r2(second, inps.second))
    except ValueError as err:
        print(f"compare_evaluations.py: error: {err}", file=sys.stderr)
        return 2
    name_a, name_b = inps.names or (inps.first, inps.second)
    broad = first["broad_sources"]
    prior = f"level noise {first['level_noise']:g}" + (f", broad sources {broad[0]:g} x {broad[1]:g}" if broad else "")
    print(f"{first['kind']} ({prior}): mean R2 of the network, "
          f"{name_b} / {name_a} (levels where {name_b} is better by more than {TIE:g})")
    for lo, hi, ma, mb, better, n in result["bands"]:
        print(f"  SNR {lo:g}-{hi:g}: {mb:.3f} / {ma:.3f} ({better} of {n})")
    lo, hi, ma, mb, better, n = result["from_0.1"]
    print(f"  all {n} levels from SNR {lo:g}: {mb:.3f} / {ma:.3f} ({better} of {n}; worse at "
          f"{result['worse_from_0.1']}; sign test p = {result['sign_test_p']:.2g})")
    ta, tb = result["threshold"]
    print(f"  R2>={first['bar']:g} from SNR: {_fmt_snr(tb)} / {_fmt_snr(ta)}")
    if not inps.bootstrap:
        return 0
    if any(w is None for w in windows):
        lacking = [p for p, w in zip((inps.first, inps.second), windows) if w is None]
        print(f"  paired bootstrap skipped: no per-window R2 (window_r2) in {', '.join(lacking)}")
        return 0
    boot = paired_bootstrap(first["snr"], first["bar"], *windows, np.random.default_rng(inps.seed),
                            n_resamples=inps.bootstrap)
    low, high = boot["interval"]
    pct = 100 * boot["interval_probability"]
    print(f"  paired bootstrap ({boot['n_resamples']} resamples of the windows of each level, the "
          f"same for both): mean R2 from SNR {lo:g} {name_b} - {name_a} = {boot['difference']:+.3f}, "
          f"{pct:g} % interval {low:+.3f} to {high:+.3f}, <= 0 in {100 * boot['p_not_better']:.1f} % "
          f"of resamples")
    tl, th = boot["threshold_interval"]
    print(f"  threshold of {name_b} lower / same / higher than {name_a}'s in "
          f"{100 * boot['threshold_lower']:.0f} / {100 * boot['threshold_same']:.0f} / "
          f"{100 * boot['threshold_higher']:.0f} % of resamples ({name_b}: {pct:g} % interval "
          f"{_fmt_snr(tl)} to {_fmt_snr(th)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
