"""Synthetic benchmark of a model against classical estimators (Figure 2 of the paper).

Protocol (Rouet-Leduc et al., 2021, Fig. 2): held-out synthetic windows at ``n_levels`` SNR
levels log-spaced from ``snr_min`` to ``snr_max``, ``per_level`` windows at each level; every
window is scored by its coefficient of determination R^2 against the true cumulative
deformation (:func:`mintpy_aedenoise.metrics.r2_per_window`), and R^2 is averaged per level
for the network and for each estimator of :data:`mintpy_aedenoise.baselines.ESTIMATORS`. The
headline number is the SNR from which the mean R^2 stays above 0.6 (:func:`threshold_snr`).

Relative R^2
------------
The protocol scores the absolute level of each 40x40 window. InSAR cannot observe a constant
over a window (each date is relative to a reference point, usually far outside it), and the
engine removes every frame's window mean on purpose, so the network can only infer the level
of a window from the shape of the signal. As a diagnostic, every estimator is also scored on
the deformation relative to the window mean (``r2_per_window(..., relative=True)``): the gap
between the two scores is the error in the window's level, the rest is the error in its shape.

Held-out seeds
--------------
Training seeds its batches with ``numpy.random.default_rng([seed, step])`` (``step`` <
10**6 in practice) and its validation set with ``[seed, 10**9]``. Level ``i`` of the
benchmark uses ``default_rng([seed, EVAL_SEED_OFFSET + i])`` with
``EVAL_SEED_OFFSET = 7_000_000`` and a default ``seed`` of 12345 (training defaults to 0),
so benchmark windows never coincide with training or validation windows.
"""
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from .api import denoise_windows, resolve_model
from .baselines import BASELINES_VERSION, ESTIMATORS
from .metrics import r2_per_window
from .synthetic import KINDS, generate_windows

__all__ = ["BENCHMARK_VERSION", "EVAL_SEED_OFFSET", "R2_BAR", "NETWORK", "EvaluationResult", "evaluate",
           "snr_levels", "threshold_snr", "standard_error", "bootstrap", "interval_line", "level_batch",
           "format_table", "summary_line", "plot"]

logger = logging.getLogger(__name__)

#: Added to the level index in the evaluation generator's seed, far above training steps.
EVAL_SEED_OFFSET = 7_000_000
#: Version of the benchmark's windows, raised whenever the generator draws other windows from
#: the same seeds: 1 up to package 0.2.0; 2 from 0.2.1 (isotropic turbulence). Evaluations of
#: different versions are not of the same windows (tools/compare_evaluations.py refuses them).
BENCHMARK_VERSION = 2
#: The paper's quality bar on the mean R^2.
R2_BAR = 0.6
#: Name of the network's entry in the results.
NETWORK = "network"
#: SNRs at which :func:`summary_line` quotes the mean R^2 (interpolated in log SNR).
SUMMARY_SNRS = (0.1, 1.0)
#: Central probability of the bootstrap intervals of :func:`bootstrap`.
INTERVAL = 0.9
#: Added to the benchmark seed for the bootstrap's generator, ``default_rng([seed, offset])``.
BOOTSTRAP_SEED_OFFSET = 8_000_000
#: Decimals of the per-window R^2 in :meth:`EvaluationResult.window_table`.
WINDOW_DECIMALS = 6


def snr_levels(n_levels=50, snr_min=0.01, snr_max=10.0):
    """The benchmark's SNR levels, log-spaced and increasing.

    Examples
    --------
    >>> snr_levels(4, 0.01, 10.0).round(3).tolist()
    [0.01, 0.1, 1.0, 10.0]
    """
    if n_levels < 1:
        raise ValueError(f"n_levels must be >= 1, got {n_levels}")
    if not 0 < snr_min <= snr_max:
        raise ValueError(f"need 0 < snr_min <= snr_max, got {snr_min}, {snr_max}")
    return np.logspace(np.log10(snr_min), np.log10(snr_max), int(n_levels))


def _finite_mean(values, axis=-1):
    """Mean over the finite entries along ``axis`` (NaN where there is none), warning-free."""
    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values)
    total = np.where(ok, values, 0.0).sum(axis=axis)
    count = ok.sum(axis=axis)
    out = np.full(total.shape, np.nan)
    np.divide(total, count, out=out, where=count > 0)
    return out


def threshold_snr(levels, mean_r2, bar=R2_BAR):
    """The lowest SNR from which every higher level has a mean R^2 of at least ``bar``.

    Parameters
    ----------
    levels : array_like
        SNR levels (any order).
    mean_r2 : array_like
        Mean R^2 at each level (NaN counts as a failure).
    bar : float
        Quality bar.

    Returns
    -------
    float or None
        The threshold SNR, or None when the highest level is below the bar.

    Examples
    --------
    >>> threshold_snr([0.1, 1.0, 10.0], [0.1, 0.7, 0.8])
    1.0
    >>> threshold_snr([0.1, 1.0, 10.0, 20.0], [0.7, 0.5, 0.8, 0.9])
    10.0
    >>> threshold_snr([0.1, 1.0], [0.9, 0.5]) is None
    True
    """
    levels = np.asarray(levels, dtype=np.float64)
    r2 = np.asarray(mean_r2, dtype=np.float64)
    if levels.shape != r2.shape or levels.ndim != 1 or levels.size == 0:
        raise ValueError(f"levels and mean_r2 must be matching non-empty 1-D arrays, "
                         f"got {levels.shape} and {r2.shape}")
    order = np.argsort(levels)
    thr = _thresholds_of_rows(levels[order], r2[order][None], bar)[0]
    return float(thr) if np.isfinite(thr) else None


def _thresholds_of_rows(levels, means, bar):
    """:func:`threshold_snr` of every row of ``means`` (R, L) over increasing ``levels``.

    Returns (R,) thresholds, ``inf`` where the top level fails (``threshold_snr``'s None).
    """
    passed = np.nan_to_num(means, nan=-np.inf) >= bar
    n_levels = levels.size
    last_fail = np.where(passed, -1, np.arange(n_levels)).max(axis=1)
    first_pass = np.minimum(last_fail + 1, n_levels - 1)
    return np.where(last_fail < n_levels - 1, levels[first_pass], np.inf)


def _outer_quantiles(thresholds, tails):
    """[low, high] quantiles of resampled thresholds, rounded outward to values that occur.

    Never interpolated, so each bound is a level of the grid (or None for "never", ``inf``).

    Examples
    --------
    >>> _outer_quantiles(np.array([0.1, 10.0]), (0.05, 0.95))
    [0.1, 10.0]
    >>> _outer_quantiles(np.array([1.0] * 9 + [np.inf]), (0.05, 0.95))
    [1.0, None]
    """
    bounds = (np.quantile(thresholds, tails[0], method="lower"),
              np.quantile(thresholds, tails[1], method="higher"))
    return [float(b) if np.isfinite(b) else None for b in bounds]


def standard_error(window_r2):
    """Standard error of each level's mean R^2: std over its finite windows / sqrt(count).

    Examples
    --------
    >>> standard_error(np.array([[0.0, 1.0, np.nan], [0.5, 0.5, 0.5]])).round(3).tolist()
    [0.5, 0.0]
    """
    values = np.asarray(window_r2, dtype=np.float64)
    ok = np.isfinite(values)
    count = ok.sum(axis=-1)
    mean = _finite_mean(values)
    dev = np.where(ok, values - mean[..., None], 0.0)
    out = np.full(count.shape, np.nan)
    np.divide(np.sqrt((dev ** 2).sum(axis=-1) / np.maximum(count - 1, 1)), np.sqrt(count),
              out=out, where=count > 1)
    return out


def _check_resampling(rng, n_resamples, interval):
    """Raise unless ``rng`` is a Generator, ``n_resamples`` >= 1 and ``interval`` in (0, 1)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng)}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0 < interval < 1:
        raise ValueError(f"interval must be in (0, 1), got {interval}")


def _tails(interval):
    """Lower and upper quantile probabilities of a central ``interval``."""
    return (1 - interval) / 2, (1 + interval) / 2


def _resampled_means(window_r2, idx):
    """(R, L) level means of ``window_r2`` (L, n) over the window indices ``idx`` (R, L, n),
    NaN windows left out as in the protocol."""
    return _finite_mean(np.take_along_axis(np.asarray(window_r2, np.float64)[None], idx, axis=2))


def bootstrap(result, rng, n_resamples=1000, interval=INTERVAL, relative=False):
    """Bootstrap interval of every estimator's threshold SNR.

    The windows of each level are resampled with replacement, independently per level, and
    :func:`threshold_snr` is recomputed on every resample. With 64 windows per level the
    level means move by a few hundredths (fault) to tenths (Mogi; :func:`standard_error`),
    and the threshold is the
    first of a run of levels that all clear the bar, so one level just under it moves the
    threshold a long way: the interval says how far the protocol's figure can be trusted.

    Parameters
    ----------
    result : EvaluationResult
        Output of :func:`evaluate`.
    rng : numpy.random.Generator
        Source of the resampling.
    n_resamples : int
        Bootstrap resamples.
    interval : float
        Central probability of the interval, in (0, 1).
    relative : bool
        Use the scores relative to the window mean.

    Returns
    -------
    dict
        ``n_resamples``, ``interval``, ``relative``; ``threshold_snr``: name -> [low, high]
        (None for "never"); ``never``: name -> fraction of resamples in which the top level
        fails.

    Examples
    --------
    >>> r = EvaluationResult("fault", 0, 4, [0.1, 1.0],
    ...                      {"network": np.array([[0.7, 0.7, 0.7, 0.7], [0.9, 0.9, 0.9, 0.9]])})
    >>> bootstrap(r, np.random.default_rng(0), 50)["threshold_snr"]
    {'network': [0.1, 0.1]}
    """
    _check_resampling(rng, n_resamples, interval)
    per_window = result._windows(relative)
    order = np.argsort(result.levels)
    levels = result.levels[order]
    n_windows = next(iter(per_window.values())).shape[1]
    idx = rng.integers(0, n_windows, size=(n_resamples, levels.size, n_windows))
    tails = _tails(interval)
    out = {"n_resamples": int(n_resamples), "interval": float(interval), "relative": bool(relative),
           "quantiles": f"{100 * tails[0]:g} % and {100 * tails[1]:g} % of the resampled thresholds, "
                 "each a level of the grid (None: never)",
           "threshold_snr": {}, "never": {}}
    for name, r2 in per_window.items():
        thr = _thresholds_of_rows(levels, _resampled_means(np.asarray(r2)[order], idx), result.bar)
        out["threshold_snr"][name] = _outer_quantiles(thr, tails)
        out["never"][name] = float(np.isinf(thr).mean())
    return out


def interval_line(result, boot):
    """One line: the network's threshold with its bootstrap interval, and the standard error of
    its mean R^2 at the summary SNRs.

    Examples
    --------
    >>> r = EvaluationResult("fault", 0, 4, [0.1, 1.0],
    ...                      {"network": np.array([[0.5, 0.7, 0.7, 0.9], [0.9, 0.9, 0.9, 0.9]])})
    >>> interval_line(r, {"threshold_snr": {"network": [0.1, None]}, "interval": 0.9, "n_resamples": 10})
    'fault: R2>=0.6 from SNR 0.1 (network), 90 % bootstrap interval 0.1 to never (10 resamples of the windows of each level); standard error of the mean R2 at SNR 0.1 0.08, at SNR 1 0.00'
    """
    thr = result.thresholds(relative=boot.get("relative", False)).get(NETWORK)
    low, high = boot["threshold_snr"][NETWORK]
    score = "relative R2 (window mean removed)" if boot.get("relative") else "R2"
    line = (f"{_label(result)}: {score}>={result.bar:g} from SNR {_fmt_snr(thr)} ({NETWORK}), "
            f"{100 * boot['interval']:g} % bootstrap interval {_fmt_snr(low)} to {_fmt_snr(high)} "
            f"({boot['n_resamples']} resamples of the windows of each level)")
    se = standard_error(result._windows(boot.get("relative", False))[NETWORK])
    quoted = [f"at SNR {snr:g} {_at_snr(result.levels, se, snr):.2f}" for snr in SUMMARY_SNRS
              if result.levels[0] <= snr <= result.levels[-1]]
    if quoted:
        line += "; standard error of the mean R2 " + ", ".join(quoted)
    return line


def _at_snr(levels, values, snr):
    """``values`` (one per level) interpolated linearly in log SNR at ``snr``; NaN outside."""
    x = np.log(levels)
    inside = x[0] <= np.log(snr) <= x[-1]
    return float(np.interp(np.log(snr), x, values)) if inside else float("nan")


def _json_floats(values):
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, np.float64)]


@dataclass
class EvaluationResult:
    """Outcome of :func:`evaluate`.

    Attributes
    ----------
    kind : str
        Deformation source of the benchmark windows.
    seed : int
        Benchmark seed.
    per_level : int
        Windows per SNR level.
    levels : numpy.ndarray
        (L,) SNR levels, increasing.
    window_r2 : dict of str to numpy.ndarray
        Estimator name ("network" first, then the baselines) -> (L, per_level) R^2 of every
        window.
    window_r2_relative : dict of str to numpy.ndarray or None
        The same, scored relative to the window mean (see the module notes).
    bar : float
        Quality bar for :meth:`thresholds`.
    wall_s : float
        Wall-clock time of the evaluation in seconds.
    level_noise : float
        Per-frame window-level noise of the benchmark windows, in units of the noise std (0:
        the protocol's windows, whose turbulence has zero mean over the window).
    broad_sources : tuple
        ``(fraction, max_scale)`` of broad sources in the benchmark windows
        (``generate_windows``'s ``broad``); () for the protocol's prior.
    """

    kind: str
    seed: int
    per_level: int
    levels: np.ndarray
    window_r2: dict
    window_r2_relative: dict = None
    bar: float = R2_BAR
    wall_s: float = 0.0
    level_noise: float = 0.0
    broad_sources: tuple = ()
    mean_r2: dict = field(init=False)
    mean_r2_relative: dict = field(init=False)

    def __post_init__(self):
        self.levels = np.asarray(self.levels, dtype=np.float64)
        self.broad_sources = tuple(float(v) for v in self.broad_sources)
        self.mean_r2 = {name: _finite_mean(r2) for name, r2 in self.window_r2.items()}
        self.mean_r2_relative = {name: _finite_mean(r2)
                                 for name, r2 in (self.window_r2_relative or {}).items()}

    def _windows(self, relative):
        if relative and not self.window_r2_relative:
            raise ValueError("this result has no relative scores")
        return self.window_r2_relative if relative else self.window_r2

    def _means(self, relative):
        self._windows(relative)
        return self.mean_r2_relative if relative else self.mean_r2

    @property
    def names(self):
        """Estimator names in report order."""
        return list(self.window_r2)

    def thresholds(self, bar=None, relative=False):
        """Estimator name -> :func:`threshold_snr` (None where never reached)."""
        bar = self.bar if bar is None else bar
        return {name: threshold_snr(self.levels, r2, bar)
                for name, r2 in self._means(relative).items()}

    def r2_at(self, snr, relative=False):
        """Estimator name -> mean R^2 interpolated linearly in log SNR (NaN outside the levels)."""
        return {name: _at_snr(self.levels, r2, snr) for name, r2 in self._means(relative).items()}

    def to_dict(self, boot=None):
        """JSON-ready summary (non-finite numbers become None; per-window R^2 left out, see
        :meth:`window_table`).

        ``boot``, a :func:`bootstrap` result, is stored under "bootstrap" with its
        :func:`interval_line` as "summary_interval".
        """
        out = {"kind": self.kind, "seed": int(self.seed), "per_level": int(self.per_level),
                "n_levels": int(self.levels.size), "bar": float(self.bar),
                "snr": _json_floats(self.levels),
                "mean_r2": {name: _json_floats(r2) for name, r2 in self.mean_r2.items()},
                "mean_r2_se": {name: _json_floats(standard_error(r2))
                               for name, r2 in self.window_r2.items()},
                "threshold_snr": self.thresholds(), "wall_s": round(float(self.wall_s), 1),
                "seed_scheme": f"numpy.random.default_rng([seed, {EVAL_SEED_OFFSET} + level])",
                "benchmark_version": BENCHMARK_VERSION, "baselines_version": BASELINES_VERSION,
                "level_noise": float(self.level_noise),
                "broad_sources": list(self.broad_sources) or None,
                "summary": summary_line(self)}
        if self.mean_r2_relative:
            out.update(mean_r2_relative={name: _json_floats(r2)
                                         for name, r2 in self.mean_r2_relative.items()},
                       threshold_snr_relative=self.thresholds(relative=True),
                       summary_relative=summary_line(self, relative=True))
        if boot is not None:
            out.update(bootstrap=boot, summary_interval=interval_line(self, boot))
        return out

    def window_table(self):
        """{"network": (levels x windows) R^2 of every window}, rounded to
        :data:`WINDOW_DECIMALS` decimals, None where not finite: JSON-ready. Stored as
        "window_r2" by ``aedenoise_evaluate.py --json`` (not in the sidecar), where
        ``tools/compare_evaluations.py`` pairs two such files window by window."""
        return {NETWORK: [_json_floats(np.round(row, WINDOW_DECIMALS))
                          for row in np.asarray(self.window_r2[NETWORK])]}


def level_batch(kind, index, snr, *, seed=12345, per_level=64, level_noise=0.0, broad_sources=()):
    """The benchmark's windows at level ``index`` (SNR ``snr``): a :class:`WindowBatch`.

    Drawn from ``numpy.random.default_rng([seed, EVAL_SEED_OFFSET + index])``, so that
    :func:`evaluate` and any diagnostic of one level (``benchmarks/worst_windows.py``) see the
    same windows.
    """
    rng = np.random.default_rng([seed, EVAL_SEED_OFFSET + index])
    return generate_windows(rng, per_level, kind=kind, snr=snr,   # generate_windows checks both
                            level_noise=level_noise or None, broad=tuple(broad_sources) or None)


def evaluate(model, kind, *, seed=12345, n_levels=50, per_level=64, snr_min=0.01,
             snr_max=10.0, batch_size=64, estimators=None, level_noise=0.0, broad_sources=()):
    """Score a model and the classical estimators on held-out synthetic windows.

    Parameters
    ----------
    model : str or keras.Model
        "fault", "mogi", a ``*.weights.h5`` path, or a loaded model.
    kind : {"fault", "mogi"}
        Deformation source of the benchmark windows.
    seed : int
        Benchmark seed; level ``i`` draws from
        ``numpy.random.default_rng([seed, EVAL_SEED_OFFSET + i])``.
    n_levels : int
        Number of SNR levels, log-spaced from ``snr_min`` to ``snr_max``.
    per_level : int
        Windows per level.
    snr_min, snr_max : float
        SNR range.
    batch_size : int
        Windows per forward pass of the network.
    estimators : dict or None
        Name -> ``f(series, dem)``; default :data:`mintpy_aedenoise.baselines.ESTIMATORS`.
    level_noise : float
        0 for the protocol. Otherwise every frame of every window gets a constant of this
        standard deviation in units of the window's noise std (``generate_windows``'s
        ``level_noise``), the atmosphere between a window and a distant reference point. The
        other draws, and the SNR, are the protocol's.
    broad_sources : tuple
        () for the protocol. Otherwise ``(fraction, max_scale)``: that fraction of the sources
        has its lengths scaled by up to ``max_scale`` (``generate_windows``'s ``broad``),
        sources broader than the window; the windows then differ from the protocol's.

    Returns
    -------
    EvaluationResult
        Per-window and per-level R^2 of the network and every estimator. All are scored on
        the same pixels: those where the truth and every estimate are finite.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose from {KINDS}")
    if per_level < 1:
        raise ValueError(f"per_level must be >= 1, got {per_level}")
    estimators = ESTIMATORS if estimators is None else estimators
    levels = snr_levels(n_levels, snr_min, snr_max)
    net = resolve_model(model)
    trained_on = getattr(net, "meta", {}).get("kind")
    if trained_on is not None and trained_on != kind:
        logger.warning("model trained on %r windows, evaluated on %r windows", trained_on, kind)
    names = [NETWORK, *estimators]
    r2 = {name: np.full((levels.size, per_level), np.nan) for name in names}
    r2_rel = {name: np.full((levels.size, per_level), np.nan) for name in names}
    start = time.perf_counter()
    for i, snr in enumerate(levels):
        batch = level_batch(kind, i, snr, seed=seed, per_level=per_level, level_noise=level_noise,
                            broad_sources=broad_sources)
        preds = {NETWORK: denoise_windows(batch.series, batch.dem, model=net,
                                          batch_size=batch_size)}
        preds.update({name: f(batch.series, batch.dem) for name, f in estimators.items()})
        mask = np.isfinite(batch.target)
        for p in preds.values():
            mask &= np.isfinite(p)
        for name, p in preds.items():
            r2[name][i] = r2_per_window(p, batch.target, mask)
            r2_rel[name][i] = r2_per_window(p, batch.target, mask, relative=True)
        logger.debug("SNR %.3g: %s", snr, ", ".join(f"{n} {_finite_mean(r2[n][i]):.3f}"
                                                    for n in names))
    wall = time.perf_counter() - start
    logger.info("evaluated %d windows of kind %s in %.1f s", levels.size * per_level, kind, wall)
    return EvaluationResult(kind=kind, seed=seed, per_level=per_level, levels=levels,
                            window_r2=r2, window_r2_relative=r2_rel, wall_s=wall,
                            level_noise=float(level_noise), broad_sources=tuple(broad_sources))


def format_table(result):
    """A text table: one row per SNR level, mean R^2 of the network and each estimator.

    Parameters
    ----------
    result : EvaluationResult
        Output of :func:`evaluate`.

    Returns
    -------
    str
        The table, with a header line and no trailing newline; a last column gives the
        network's relative R^2 when the result has it.
    """
    names = result.names
    columns = [["SNR", *(f"{snr:.4f}" for snr in result.levels)]]
    columns += [[name, *(f"{v:.3f}" for v in result.mean_r2[name])] for name in names]
    if NETWORK in result.mean_r2_relative:
        columns.append([f"{NETWORK}_rel", *(f"{v:.3f}" for v in result.mean_r2_relative[NETWORK])])
    widths = [max(len(c) for c in col) + 2 for col in columns]
    rows = zip(*columns)
    return "\n".join("".join(f"{c:>{w}}" for c, w in zip(row, widths)) for row in rows)


def _fmt_snr(value):
    return "never" if value is None else f"{value:.3g}"


def _label(result):
    """The kind, with the benchmark's departures from the protocol: "mogi (level noise 1)"."""
    prior = ([f"level noise {result.level_noise:g}"] if result.level_noise else []) + \
        ([f"broad sources {result.broad_sources[0]:g} x {result.broad_sources[1]:g}"]
         if result.broad_sources else [])
    return f"{result.kind} ({', '.join(prior)})" if prior else result.kind


def summary_line(result, relative=False):
    """One line: the network's threshold SNR, the baselines' thresholds, R^2 at SNR 0.1 and 1.

    With ``relative=True`` the line quotes the scores relative to the window mean, and says so.

    Examples
    --------
    >>> r = EvaluationResult("fault", 0, 1, [0.1, 1.0, 10.0],
    ...                      {"network": np.array([[0.7], [0.8], [0.9]]),
    ...                       "naive": np.array([[-5.0], [0.2], [0.95]])})
    >>> summary_line(r)
    'fault: R2>=0.6 from SNR 0.1 (network); naive 10; mean R2 at SNR 0.1: network 0.70, naive -5.00; at SNR 1: network 0.80, naive 0.20'
    """
    thr = result.thresholds(relative=relative)
    bar = f"{result.bar:g}"
    baselines = ", ".join(f"{n} {_fmt_snr(thr[n])}" for n in result.names if n != NETWORK)
    score = "relative R2 (window mean removed)" if relative else "R2"
    parts = [f"{_label(result)}: {score}>={bar} from SNR {_fmt_snr(thr.get(NETWORK))} ({NETWORK})"]
    if baselines:
        parts.append(baselines)
    for k, snr in enumerate(SUMMARY_SNRS):
        if not result.levels[0] <= snr <= result.levels[-1]:
            continue
        at = result.r2_at(snr, relative=relative)
        head = "mean R2 at SNR" if k == 0 else "at SNR"
        parts.append(f"{head} {snr:g}: " + ", ".join(f"{n} {v:.2f}" for n, v in at.items()))
    return "; ".join(parts)


def plot(result, png_path, clip=(-1.0, 1.0), boot=None):
    """Plot mean R^2 against SNR (log axis) for the network and the baselines.

    The network's curve carries a band of its mean R^2 plus or minus the normal quantile of
    :data:`INTERVAL` times its :func:`standard_error`; with ``boot`` (a :func:`bootstrap`
    result) the interval of its threshold is shaded too.

    Uses Matplotlib's Agg canvas directly, without pyplot, so it works headless and leaves
    the caller's backend alone.

    Parameters
    ----------
    result : EvaluationResult
        Output of :func:`evaluate`.
    png_path : str
        Output image.
    clip : tuple of float
        Display range of R^2 (values outside are clipped).

    Returns
    -------
    str
        ``png_path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.8, 4.2), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    thr = result.thresholds()
    for name in result.names:
        style = dict(lw=2.2, color="k") if name == NETWORK else dict(lw=1.2)
        ax.plot(result.levels, np.clip(result.mean_r2[name], *clip), marker=".",
                label=f"{name} (R2>={result.bar:g} from {_fmt_snr(thr[name])})", **style)
    from scipy.stats import norm

    half = norm.ppf(0.5 + INTERVAL / 2) * standard_error(result.window_r2[NETWORK])
    mean = result.mean_r2[NETWORK]
    ax.fill_between(result.levels, np.clip(mean - half, *clip), np.clip(mean + half, *clip),
                    color="k", alpha=0.15, lw=0, label=f"{NETWORK}: {100 * INTERVAL:g} % band of the mean")
    if boot is not None:
        low, high = boot["threshold_snr"][NETWORK]
        if low is not None:
            ax.axvspan(low, high if high is not None else result.levels[-1], color="C3", alpha=0.1,
                       lw=0, label=f"{NETWORK} threshold, {100 * boot['interval']:g} % bootstrap interval")
    ax.axhline(result.bar, ls="--", color="0.4", lw=1)
    ax.set_xscale("log")
    ax.set_ylim(clip[0] - 0.05, clip[1] + 0.05)
    ax.set_xlabel("SNR = mean|deformation| / std(noise)")
    ax.set_ylabel(f"mean R$^2$ (clipped to [{clip[0]:g}, {clip[1]:g}])")
    ax.set_title(f"{result.kind}: {result.per_level} windows per level, seed {result.seed}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)   # outside: no curve hidden
    fig.tight_layout()
    fig.savefig(png_path)
    return png_path
