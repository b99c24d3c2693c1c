#!/usr/bin/env python3
"""Estimators told more than any real one, scored on the benchmark's own windows.

The evaluation protocol asks for mean R² >= 0.6 from SNR 0.1. To see how much of the gap is
a limit of the windows' information and how much the network's, this script scores, on the
protocol's windows (``evaluate.level_batch``, the same seeds, replayed to recover what the
generator drew), estimators that know every frame's turbulence covariance (the von Karman
slope and outer scale that drew it, and the scale of its Gaussian field; except
``--fit-spectrum generic``) and keep the
stratified delay ``a_t (h - h_ref) + b_t (h - h_ref)^2`` unknown (two coefficients per frame,
as for every estimator):

- ``shape``: told the deformation's map ``u`` (the target up to its amplitude) and its time
  history ``h_t``; only the amplitude ``A`` is unknown, and generalised least squares over the
  9 frames estimates it:

      d_t = A h_t u + a_t s1 + b_t s2 + n_t ,   n_t ~ N(0, v_t P K P) + level_t ,

  where ``P`` removes the window mean (the synthetic turbulence has zero mean over every
  window) and ``level_t`` is the window level of ``--level-noise r`` (standard deviation ``r``
  times the window's noise std; none in the protocol, 1-2.5 on a real scene; ``inf`` ignores
  the frame levels). The model is Gaussian while the generator divides each field by its own
  spread, so this is close to, not exactly, the best linear unbiased estimate. It is not a
  bound on the mean R² either: the per-window R² rewards shrinking the amplitude of windows
  whose deformation is mostly a level, which an estimator with a prior could do. Its medians
  show what the information allows for the typical window; its means, the tail.
- ``mogi-fit`` (Mogi benchmark): told only that the window holds one Mogi source; it finds the
  source's position and depth (grid, then a local search), its timing (every history the
  generator can draw) and its LOS components by maximum likelihood, ignoring frame levels. It
  is what a geodesist who knew the source family could do, and measures what finding the
  source costs. With ``--fit-spectrum generic`` it is no longer told the spectra: one spectrum
  for every frame and each frame's variance measured from the data, as a real fit would have.
- ``fault-fit`` (fault benchmark): the same, told that the window holds one rectangular
  dislocation (Okada); seven non-linear parameters (position, strike, dip, length, width, top
  depth), the rake and the LOS entering linearly. Its search is harder than Mogi's, so with
  ``--fit-start grid+truth`` the local search also starts from the true source and the
  likelihood picks among all the starts: this removes the search's failures near the true
  source, so it approximates the maximum-likelihood estimate more closely than the grid alone,
  but leans optimistic (a spurious maximum elsewhere that the grid misses stays missed). Both
  results are reported (grid only, and with the true start), with how often that start won.

The reference map is scored with the protocol's per-window R². The replay of the generator's
random draws is checked: every frame's noise minus the replayed turbulence must lie in the
span of 1, ``s1`` and ``s2``; with ``--fit-start grid+truth``, the maps of each true source
(``WindowBatch.sources``) must span the window's target (1e-5 relative).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

EXAMPLE = """example:
  python benchmarks/informed_estimators.py --model fault mogi
  python benchmarks/informed_estimators.py --model mogi --reference mogi-fit --fit-windows 32
  python benchmarks/informed_estimators.py --model mogi --reference mogi-fit --fit-spectrum generic
  python benchmarks/informed_estimators.py --model fault --reference fault-fit --fit-start grid+truth --fit-windows 16
  python benchmarks/informed_estimators.py --model mogi --level-noise 0 inf --levels 20 25 30 --json o.json
"""


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, epilog=EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", nargs="+", choices=["fault", "mogi"], default=["fault", "mogi"],
                   help="benchmark kinds (default: %(default)s)")
    p.add_argument("--level-noise", type=float, nargs="+", default=[0.0, 1.0, 2.0, np.inf],
                   help="window level r of the windows and of the reference's covariance; inf: "
                        "frame levels ignored, on the protocol's windows (default: 0 1 2 inf)")
    p.add_argument("--levels", type=int, nargs="+", default=None,
                   help="indices into the 50 SNR levels (default: all from SNR 0.05)")
    p.add_argument("--per-level", type=int, default=64, help="windows per level (default: %(default)s)")
    p.add_argument("--seed", type=int, default=12345, help="benchmark seed (default: %(default)s)")
    p.add_argument("--reference", nargs="+", choices=["shape", "mogi-fit", "fault-fit"],
                   default=["shape"],
                   help="shape: told the source's map and timing; mogi-fit: told that the window "
                        "holds one Mogi source (Mogi benchmark only, about 2 s a window); "
                        "fault-fit: told that it holds one rectangular fault (fault benchmark "
                        "only, about 20 s a window) (default: %(default)s)")
    p.add_argument("--fit-levels", type=int, nargs="+", default=[17, 20, 23, 26, 29, 33],
                   help="level indices for the fits (default: SNR 0.11, 0.17, 0.26, 0.39, 0.60, 1.05)")
    p.add_argument("--fit-spectrum", choices=["true", "generic"], default="true",
                   help="the fits' covariance: each frame's true spectrum and variance, or one "
                        "spectrum for all (slope 8/3, outer scale 4.5 km, the middle of the "
                        "generator's ranges) with each frame's variance from the data after "
                        "removing 1, h and h^2 (what a real estimator could use) (default: %(default)s)")
    p.add_argument("--fit-start", choices=["grid", "grid+truth"], default="grid",
                   help="where the fits' local search starts: the grid's best hypotheses, or "
                        "those and the true source (the likelihood picks among all starts: "
                        "closer to the maximum-likelihood estimate, leaning optimistic; the "
                        "table also gives the grid-only result and counts the windows where the "
                        "true source's start won) (default: %(default)s)")
    p.add_argument("--fit-windows", type=int, default=None,
                   help="the first N windows of each level for the fits (default: 32, at most --per-level)")
    p.add_argument("--json", help="write the figures (per-level means and medians, thresholds, "
                                  "per-window R², the network's on the same windows) to this JSON file")
    return p


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(iargs)
    if any(np.isnan(r) or r < 0 for r in inps.level_noise):
        parser.error(f"--level-noise values must be >= 0 or inf, got {inps.level_noise}")
    if inps.levels is not None and any(not 0 <= i < 50 for i in inps.levels):
        parser.error(f"--levels must be indices in 0..49, got {inps.levels}")
    if inps.per_level < 1:
        parser.error("--per-level must be >= 1")
    if inps.seed < 0:
        parser.error(f"--seed must be >= 0, got {inps.seed}")
    if inps.levels is not None:
        inps.levels = sorted(set(inps.levels))
    inps.fit_levels = sorted(set(inps.fit_levels))
    if inps.json and not os.path.isdir(os.path.dirname(os.path.abspath(inps.json))):
        parser.error(f"--json {inps.json}: its folder does not exist")
    inps.level_noise = sorted(set(inps.level_noise))
    fits = [r for r in inps.reference if r.endswith("-fit")]
    for r in fits:
        if r[:-4] not in inps.model:
            parser.error(f"--reference {r} needs --model {r[:-4]}")
    if fits:
        if inps.fit_start == "grid+truth" and inps.fit_spectrum == "generic":
            # the second, rescaled fit would take its variances from the overall winner, so
            # the grid-only column would no longer be the grid's alone
            parser.error("--fit-start grid+truth needs --fit-spectrum true")
        if inps.fit_windows is None:
            inps.fit_windows = min(32, inps.per_level)
        if not 1 <= inps.fit_windows <= inps.per_level:
            parser.error(f"--fit-windows must be in 1..--per-level ({inps.per_level}), got {inps.fit_windows}")
        if any(not 0 <= i < 50 for i in inps.fit_levels):
            parser.error(f"--fit-levels must be indices in 0..49, got {inps.fit_levels}")
    return inps


class SpectrumWhitener:
    """Whitening of the window-demeaned turbulence, one matrix per (slope, outer scale).

    The generator draws the field on an FFT grid and crops it, so before demeaning it is
    stationary with covariance ``K(dy, dx) = Re ifft2(PSD)`` on that grid (the sqrt(2) of the
    ``kx = 0`` column makes the field isotropic; ``noise.turbulence``). The spectrum and the
    grid are the generator's own (``_amplitude_spectra`` and ``power_law_fields``'s
    ``oversample``). The demeaned field
    ``P f`` has covariance ``P K P`` (rank n - 1); its first n - 1 pixels have a full-rank
    covariance, so ``W = L^-1 [P d]_(:n-1)`` with ``L L^T = [P K P]_(:n-1, :n-1)`` whitens it.
    ``K`` is scaled so that the mean variance of ``P f`` is 1. Each matrix takes 20 MB (float64),
    81 of them at most.
    """

    def __init__(self, size, pixel_size):
        import inspect

        from mintpy_aedenoise.noise.turbulence import _fft_size, power_law_fields

        oversample = inspect.signature(power_law_fields).parameters["oversample"].default
        self.size, self.pixel_size = size, pixel_size
        self.grid = _fft_size(np.ceil(size * oversample))
        iy, ix = np.divmod(np.arange(size * size), size)
        self._lag = ((iy[:, None] - iy[None, :]) % self.grid, (ix[:, None] - ix[None, :]) % self.grid)
        self._cache = {}

    def __call__(self, beta, outer_scale):
        key = (round(float(beta), 6), round(float(outer_scale), 3))
        if key not in self._cache:
            self._cache[key] = self._build(*key)
        return self._cache[key]

    def _build(self, beta, outer_scale):
        from scipy.linalg import cholesky, solve_triangular

        from mintpy_aedenoise.noise.turbulence import _amplitude_spectra

        g, n = self.grid, self.size * self.size
        amp = _amplitude_spectra(g, g, self.pixel_size, beta, outer_scale, 1)[0].astype(np.float64)
        # the PSD is even in kx, so the half-plane's inverse real FFT is Re ifft2 of the whole
        cov = np.fft.irfft2(amp ** 2, s=(g, g))[self._lag]
        mean_row = cov.mean(axis=0)
        pkp = cov - mean_row[:, None] - mean_row[None, :] + mean_row.mean()
        pkp /= np.trace(pkp) / n
        chol = cholesky(pkp[:-1, :-1], lower=True)
        # W = L^-1 [I | 0] P = L^-1 [I | 0] - (L^-1 1) 1^T / n
        linv = solve_triangular(chol, np.eye(n - 1), lower=True)
        w = np.zeros((n - 1, n))
        w[:, :-1] = linv
        w -= linv.sum(axis=1)[:, None] / n
        return w


def _level_draws(index, seed, per_level):
    """A protocol level's generator, as ``evaluate.level_batch`` seeds it, and its DEMs (the
    first draws, before the sources')."""
    from mintpy_aedenoise import synthetic
    from mintpy_aedenoise.evaluate import EVAL_SEED_OFFSET
    from mintpy_aedenoise.noise import fractal_dem

    rng = np.random.default_rng([seed, EVAL_SEED_OFFSET + index])
    size = synthetic.WINDOW
    return rng, fractal_dem(rng, per_level, (size, size), pixel_size=synthetic.PIXEL_SIZE)


def replay(kind, index, snr, seed, per_level, level_noise):
    """The protocol's batch and what the generator drew for it.

    Returns the batch, each frame's spectral slope and outer scale (B, T), the generator's
    turbulence (B, T, H, W), with each frame's log-normal strength but before the window's
    scale ``c`` (:func:`turbulence_scales`), and each window's time history (B, T).
    """
    from mintpy_aedenoise import synthetic
    from mintpy_aedenoise.evaluate import level_batch

    batch = level_batch(kind, index, snr, seed=seed, per_level=per_level, level_noise=level_noise)
    rng, dem = _level_draws(index, seed, per_level)
    n, t, size = per_level, synthetic.N_FRAMES, synthetic.WINDOW
    synthetic.random_source_deformation(rng, n, kind, size=size, pixel_size=synthetic.PIXEL_SIZE)
    hist = synthetic.time_history(rng, n, t).astype(np.float64)
    beta, outer, turb = synthetic.turbulence_draws(rng, n, t, (size, size), synthetic.PIXEL_SIZE)
    turb = turb.astype(np.float64)
    signal = batch.series - batch.noise
    # float32 rounding of series - noise scales with the series, which the noise dominates
    # at low SNR (a tolerance on the signal's size failed Mogi's replay at SNR 0.013)
    if not (np.array_equal(dem, batch.dem) and np.allclose(
            signal, hist[:, :, None, None] * batch.target[:, None], rtol=0,
            atol=1e-6 * np.abs(batch.series).max())):
        raise RuntimeError("the replay of the generator's draws diverged (DEM or histories): "
                           "synthetic.generate_windows changed; update replay()")
    return batch, beta, outer, turb, hist


def true_geometry(kind, sources):
    """The sources the generator drew (``WindowBatch.sources``), in :class:`SourceFit`'s parameters.

    Returns (B, k): Mogi east, north, 1000 ln(depth); fault east, north, strike, dip,
    1000 ln(length), 1000 ln(width), top depth.
    """
    names = (("east", "north", "depth") if kind == "mogi" else
             ("east", "north", "strike", "dip", "length", "width", "top"))
    cols = [1e3 * np.log(sources[k]) if k in ("depth", "length", "width") else sources[k]
            for k in names]
    return np.stack(cols, axis=1)


def elevation_terms(batch, i):
    """Window ``i``'s stratified-delay terms ``s1 = h - mean(h)`` and ``s2 = s1^2``, flattened."""
    s1 = batch.dem[i].astype(np.float64).ravel()
    s1 = s1 - s1.mean()
    return s1, s1 * s1


def remove_span(x, columns):
    """``x`` (..., n) less its least-squares part in the span of ``columns`` (n, k)."""
    q, _ = np.linalg.qr(columns)
    return x - (x @ q) @ q.T


def turbulence_scales(batch, turb, n):
    """Each window's factor ``c`` with ``noise_t = c turb_t + a_t s1 + b_t s2 + level_t``.

    This checks the replay: what the fit leaves must be float32 rounding. Returns the factors
    (n,) and the largest relative RMS left; raises if it exceeds 1e-4.
    """
    c, worst = np.empty(n), 0.0
    for i in range(n):
        s1, s2 = elevation_terms(batch, i)
        basis = np.stack([np.ones_like(s1), s1, s2], axis=1)
        t = batch.noise.shape[1]
        n_p = remove_span(batch.noise[i].astype(np.float64).reshape(t, -1), basis)
        t_p = remove_span(turb[i].reshape(t, -1), basis)
        c[i] = np.sum(n_p * t_p) / np.sum(t_p * t_p)
        worst = max(worst, np.sqrt(np.mean((n_p - c[i] * t_p) ** 2) / np.mean(n_p ** 2)))
    if worst > 1e-4:
        raise RuntimeError(f"the replayed turbulence misses the window's noise by {worst:.2e} "
                           "(relative RMS): synthetic.generate_windows changed; update replay()")
    return c, worst


def frame_variances(beta, outer, turb, c, whitener):
    """The variance scale of each frame's Gaussian field, ``|W f|^2 / (n - 1)`` (n, T).

    ``f = c turb`` is the realised turbulence; the generator divides each field by its own
    spread, so the spread itself is not that scale.
    """
    n, t = c.size, beta.shape[1]
    v = np.empty((n, t))
    for i in range(n):
        for f in range(t):
            w = whitener(beta[i, f], outer[i, f])
            v[i, f] = np.sum((w @ (c[i] * turb[i, f].ravel())) ** 2) / w.shape[0]
    return v


def whitened_rows(batch, beta, outer, v, whitener):
    """The whitened demeaned frames of every window: (B, T, n - 1, 4).

    ``W`` applied to ``u`` (the target), ``s1``, ``s2`` and the data, divided by the frame's
    ``sqrt(v)`` (:func:`frame_variances`). Window levels do not reach these rows (``W 1 = 0``),
    so one call serves every ``r``.
    """
    n, t, size, _ = batch.series.shape
    rows = np.empty((n, t, size * size - 1, 4))
    for i in range(n):
        s1, s2 = elevation_terms(batch, i)
        cols = np.stack([batch.target[i].astype(np.float64).ravel(), s1, s2, s1], axis=1)
        for f in range(t):
            cols[:, 3] = batch.series[i, f].astype(np.float64).ravel()
            rows[i, f] = whitener(beta[i, f], outer[i, f]) @ cols / np.sqrt(v[i, f])
    return rows


def oracle_maps(batch, hist, rows, v, level_noise):
    """``a * u`` for every window, ``a`` from generalised least squares for the amplitude.

    ``rows`` and ``v`` come from :func:`whitened_rows` and :func:`frame_variances` (on the same
    windows, any level noise);
    with a finite ``level_noise`` every frame's mean adds a row whose noise is the window level
    (exact to float32 rounding without one), and with ``inf`` the frame levels are ignored.
    ``u`` is the target and ``hist`` the windows' histories (B, T).
    """
    from mintpy_aedenoise.synthetic import noise_std

    n, t, size, _ = batch.series.shape
    sigma = noise_std(batch.noise.astype(np.float64))
    out = np.empty(batch.target.shape)
    for i in range(n):
        _, s2 = elevation_terms(batch, i)
        design = np.zeros((t, rows.shape[2] + 1, 1 + 2 * t))
        rhs = np.zeros((t, rows.shape[2] + 1))
        for f in range(t):
            design[f, :-1, 0] = hist[i, f] * rows[i, f, :, 0]
            design[f, :-1, 1 + f] = rows[i, f, :, 1]
            design[f, :-1, 1 + t + f] = rows[i, f, :, 2]
            rhs[f, :-1] = rows[i, f, :, 3]
            if np.isfinite(level_noise):
                # the frame mean: its noise is the window level alone
                sd = max(level_noise * sigma[i], 1e-6 * np.sqrt(v[i, f]))
                design[f, -1, 0] = hist[i, f] * batch.target[i].mean() / sd
                design[f, -1, 1 + t + f] = np.mean(s2) / sd
                rhs[f, -1] = batch.series[i, f].astype(np.float64).mean() / sd
        design, rhs = design.reshape(-1, 1 + 2 * t), rhs.ravel()
        # equilibrate the columns (heights squared against millimetres): the SVD's cut-off
        # would otherwise drop the amplitude's direction
        norm = np.linalg.norm(design, axis=0)
        norm[norm == 0] = 1.0
        theta, *_ = np.linalg.lstsq(design / norm, rhs, rcond=None)
        out[i] = theta[0] / norm[0] * batch.target[i]
    return out


def all_histories(n_frames):
    """Every history the generator can draw: (onset, end) with 1 <= onset <= end <= T - 2."""
    t = np.arange(n_frames)
    return np.array([np.clip((t - on + 1) / (end - on + 1), 0.0, 1.0)
                     for on in range(1, n_frames - 1) for end in range(on, n_frames - 1)])


_GRID_BASES = {}


class SourceFit:
    """Maximum-likelihood source for one window, given a whitener and a variance per frame.

    Unknowns: the source's geometry (subclasses: a grid, then a local search), its timing (any
    history the generator can draw) and the coefficients of the source's ``n_comp`` basis maps
    (linear: east, north and up maps of the source, each with a free coefficient, which span
    every LOS and source strength). The stratified coefficients stay free per frame; frame
    levels are not used. With the frames' true spectra this is the estimator a geodesist would
    write who knew the window's source family and each date's atmosphere; with a generic one,
    what a real fit of the source family can do.
    """

    n_comp = 0
    chunk = 400                 # hypotheses per basis block of the grid search
    starts, maxiter = 2, 150    # Nelder-Mead: from the grid's best hypotheses, iterations each

    def __init__(self, batch, i, whiteners, v):
        from mintpy_aedenoise import synthetic

        self.t = batch.series.shape[1]
        self.east, self.north = (g.ravel() for g in synthetic._grid(batch.series.shape[-1],
                                                                      synthetic.PIXEL_SIZE))
        elevation = np.stack(elevation_terms(batch, i), axis=1)
        self.w, self.q, self.y = [], [], []
        for f in range(self.t):
            w = whiteners[f] / np.sqrt(v[f])
            q, _ = np.linalg.qr(w @ elevation)
            y = w @ batch.series[i, f].astype(np.float64).ravel()
            self.w.append(w.astype(np.float32))          # the source search in float32: 2x faster
            self.q.append(q)
            self.y.append(y - q @ (q.T @ y))
        self.hist = all_histories(self.t)

    def _basis(self, params):
        """The basis maps of the hypotheses ``params`` (hyps, k): (n, n_comp * hyps)."""
        raise NotImplementedError

    def _grid(self):
        """The grid search's hypotheses (hyps, k)."""
        raise NotImplementedError

    def _simplex(self, p):
        """Nelder-Mead's first simplex (k + 1, k) around ``p``."""
        raise NotImplementedError

    bounds = None

    def _normal(self, basis):
        """Per-frame ``B^T B`` (F, hyps, c, c) and ``B^T y`` (F, hyps, c), nuisances removed."""
        btb, bty = [], []
        basis = basis.astype(np.float32)
        for w, q, y in zip(self.w, self.q, self.y):
            b = (w @ basis).astype(np.float64)
            b -= q @ (q.T @ b)
            b = b.reshape(b.shape[0], -1, self.n_comp)
            btb.append(np.einsum("phi,phj->hij", b, b))
            bty.append(np.einsum("phi,p->hi", b, y))
        return np.asarray(btb), np.asarray(bty)

    def _scores(self, btb, bty):
        """Log-likelihood gain ``g^T G^-1 g`` (hyps, histories) and the coefficients."""
        h = self.hist
        g_mat = np.einsum("kf,fhij->hkij", h ** 2, btb) + 1e-12 * np.eye(self.n_comp)
        g_vec = np.einsum("kf,fhi->hki", h, bty)
        coef = np.linalg.solve(g_mat, g_vec[..., None])[..., 0]
        return np.einsum("hki,hki->hk", coef, g_vec), coef

    def fit(self, extra_starts=()):
        """The best source's LOS map at full scale (last minus first frame).

        The local search starts from the grid's best ``starts`` hypotheses and from every one of
        ``extra_starts`` (k,); the likelihood alone picks the result, so another start can only
        bring the search closer to the maximum-likelihood estimate. ``self.won_by_extra`` tells
        whether one of ``extra_starts`` led to it.
        """
        from scipy.optimize import minimize

        grid = self._grid()
        # the grid's maps are the same in every window: made once per class and window size
        key = (type(self), self.east.size)
        if key not in _GRID_BASES:
            _GRID_BASES.clear()
            _GRID_BASES[key] = [self._basis(grid[k:k + self.chunk]).astype(np.float32)
                                for k in range(0, len(grid), self.chunk)]
        score = np.concatenate([self._scores(*self._normal(b))[0] for b in _GRID_BASES[key]])
        starts = [grid[j] for j in np.argsort(score.max(axis=1))[::-1][:self.starts]]
        starts += [np.asarray(p, dtype=np.float64) for p in extra_starts]

        def neg(p):
            return -self._scores(*self._normal(self._basis(p[None])))[0].max()

        results = [minimize(neg, p, method="Nelder-Mead", bounds=self.bounds,
                            options={"xatol": 10.0, "fatol": 1e-2, "maxiter": self.maxiter,
                                     "initial_simplex": self._simplex(p)})
                   for p in starts]
        grid_won = min(range(self.starts), key=lambda j: results[j].fun)
        won = min(range(len(results)), key=lambda j: results[j].fun)
        self.won_by_extra = won != grid_won
        self.grid_map = self._map(results[grid_won].x)
        # the winner's map last, so that self.best is the winner's
        return self._map(results[won].x) if self.won_by_extra else self.grid_map

    def span_misfit(self, params, target):
        """Relative misfit of ``target`` by the span of the basis maps of geometry ``params``."""
        basis = self._basis(params[None])
        u = np.asarray(target, dtype=np.float64).ravel()
        coef, *_ = np.linalg.lstsq(basis, u, rcond=None)
        return np.linalg.norm(basis @ coef - u) / np.linalg.norm(u)

    def _map(self, p):
        """The LOS map (last minus first frame) of geometry ``p`` with its best timing and
        coefficients; keeps them in ``self.best``."""
        basis = self._basis(p[None])
        score, coef = self._scores(*self._normal(basis))
        k = int(np.argmax(score[0]))
        self.best = (basis, coef[0, k], self.hist[k])
        return (basis @ coef[0, k]) * (self.hist[k, -1] - self.hist[k, 0])

    def residual_scale(self):
        """Each frame's mean square whitened residual of the last :meth:`fit`, per degree of freedom.

        Multiplying the frame variances by it re-estimates them from what the fit leaves, as a
        fit told no variances would.
        """
        basis, coef, hist = self.best
        out = np.empty(self.t)
        for f, (w, q, y) in enumerate(zip(self.w, self.q, self.y)):
            b = (w @ basis.astype(np.float32)).astype(np.float64) @ coef * hist[f]
            res = y - (b - q @ (q.T @ b))
            out[f] = np.sum(res ** 2) / (res.size - q.shape[1])
        return out


class MogiFit(SourceFit):
    """One Mogi source: east, north (m) and 1000 ln(depth), one tolerance for all."""

    n_comp = 3

    def _basis(self, params):
        from mintpy_aedenoise.physics import mogi

        ue, un, uz = mogi.displacement(self.east[:, None], self.north[:, None], x0=params[:, 0],
                                       y0=params[:, 1], depth=np.exp(params[:, 2] / 1e3), dvol=1e6)
        return np.stack([ue, un, uz], axis=-1).reshape(self.east.size, -1)   # (n, 3 * hyps)

    def _grid(self, grid=7, depths=5):
        half = 1200.0                        # +-60 % of the window's 2 km half-width, as generated
        xs = np.linspace(-half, half, grid)
        x0, y0, dep = (a.ravel() for a in np.meshgrid(xs, xs, np.geomspace(300.0, 2500.0, depths),
                                                       indexing="ij"))
        return np.stack([x0, y0, 1e3 * np.log(dep)], axis=1)

    def _simplex(self, p):
        # an explicit first simplex: SciPy's default step for a coordinate at 0 is 0.00025
        return p + np.array([[0.0, 0.0, 0.0], [200.0, 0.0, 0.0], [0.0, 200.0, 0.0], [0.0, 0.0, 250.0]])


class FaultFit(SourceFit):
    """One rectangular dislocation (Okada), in the generator's ranges.

    Geometry: centroid east and north (m), strike and dip (degrees), 1000 ln(length) and
    1000 ln(width) (m), and the top edge's depth (m). The slip's strike- and dip-slip parts and
    the LOS's three components make six linear coefficients: every rake, slip and LOS, and
    more (the LOS's incidence is not constrained), as ``MogiFit``'s three are for Mogi.
    """

    n_comp = 6
    starts, maxiter = 3, 600
    # the window for the centroid (the generator draws +-1200 m), the generator's ranges for the
    # rest (synthetic.random_source_deformation, 100 m pixels)
    bounds = [(-2000.0, 2000.0), (-2000.0, 2000.0), (None, None), (15.0, 90.0),
              (1e3 * np.log(500.0), 1e3 * np.log(6000.0)), (1e3 * np.log(300.0), 1e3 * np.log(3000.0)),
              (0.0, 1500.0)]
    _step = np.array([300.0, 300.0, 30.0, 15.0, 400.0, 400.0, 300.0])

    def _basis(self, params):
        from mintpy_aedenoise.physics import okada

        x0, y0, strike, dip, lnl, lnw, top = params.T
        dip = np.clip(dip, 15.0, 90.0)
        width = np.exp(lnw / 1e3)
        geometry = dict(x0=x0, y0=y0, depth=np.maximum(top, 0.0) + 0.5 * width * np.sin(np.radians(dip)),
                        strike=strike, dip=dip, length=np.exp(lnl / 1e3), width=width, slip=1.0)
        maps = [c for rake in (0.0, 90.0)
                for c in okada.displacement(self.east[:, None], self.north[:, None], rake=rake,
                                            **geometry)]
        return np.stack(maps, axis=-1).reshape(self.east.size, -1)          # (n, 6 * hyps)

    def _grid(self):
        xs = np.linspace(-1200.0, 1200.0, 5)
        # the centres of equal log-spaced bins of the generator's length and width ranges
        lnl = np.log(500.0) + (np.arange(3) + 0.5) / 3 * np.log(12.0)
        lnw = np.log(300.0) + (np.arange(2) + 0.5) / 2 * np.log(10.0)
        axes = (xs, xs, np.arange(0.0, 360.0, 45.0), np.array([25.0, 50.0, 80.0]), 1e3 * lnl,
                1e3 * lnw, np.array([0.0]))
        return np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)

    def _simplex(self, p):
        """Steps toward the inside of the bounds, so that no vertex is clipped onto another."""
        out = np.repeat(p[None], p.size + 1, axis=0)
        for k, ((lo, hi), step) in enumerate(zip(self.bounds, self._step)):
            up = hi is None or p[k] + step <= hi
            out[k + 1, k] += step if up else -step
        return out


def _shipped_evaluation(kind, level_noise, inps):
    """The shipped network's evaluation JSON for these windows, or None.

    Only a file of the same seed, windows per level and level noise scores the same windows
    (the generator draws a level's windows together, so 2 windows are not the first 2 of 64).
    """
    from pathlib import Path

    from mintpy_aedenoise.evaluate import BENCHMARK_VERSION, snr_levels

    if not np.isfinite(level_noise):
        return None
    suffix = "" if level_noise == 0 else f"_level{level_noise:g}"
    path = Path(__file__).resolve().parents[1] / "docs" / "figures" / f"evaluation_{kind}{suffix}.json"
    if not path.exists():
        return None
    d = json.loads(path.read_text())
    same = (d.get("seed") == inps.seed and d.get("per_level") == inps.per_level
            and d.get("benchmark_version") == BENCHMARK_VERSION
            and float(d.get("level_noise", 0.0)) == float(level_noise)
            and np.allclose(d.get("snr", []), snr_levels()))
    return d if same else None


def data_variance(batch, n):
    """Each frame's variance after removing 1, h and h^2: a first guess that a real fit can make.

    For the generic spectrum (scaled to a mean pixel variance of 1) this is the frame's scale,
    deformation included; :meth:`SourceFit.residual_scale` then corrects it from the fit.
    """
    v = np.empty((n, batch.series.shape[1]))
    for i in range(n):
        s1, s2 = elevation_terms(batch, i)
        d = batch.series[i].astype(np.float64).reshape(v.shape[1], -1)
        v[i] = np.mean(remove_span(d, np.stack([np.ones_like(s1), s1, s2], axis=1)) ** 2, axis=1)
    return v


FITS = {"mogi": MogiFit, "fault": FaultFit}


def source_fit_table(inps, kind, levels, whitener):
    """Score the kind's :class:`SourceFit` on the first windows of some levels; print and return it."""
    from mintpy_aedenoise.metrics import r2_per_window

    n, generic, fit_class = inps.fit_windows, inps.fit_spectrum == "generic", FITS[kind]
    truth_start = inps.fit_start == "grid+truth"
    out = {"fit_spectrum": inps.fit_spectrum, "fit_start": inps.fit_start, "fit_windows": n,
           "snr": [], "mean_r2": [], "median_r2": [], "window_r2": [], "won_by_truth": [],
           "grid_mean_r2": [], "grid_median_r2": [], "grid_window_r2": [],
           "network_mean_r2": [], "network_median_r2": []}
    shipped = _shipped_evaluation(kind, 0.0, inps)
    told = "the family; one generic spectrum" if generic else "the family and the spectra"
    print(f"{kind}: maximum-likelihood {fit_class.__name__[:-3]} source (told {told}; levels "
          f"ignored; local search from the grid{' and the true source' if truth_start else ''}), "
          f"first {n} windows of each level")
    print("     SNR    fit (median)" + ("   grid only (median)  truth won" if truth_start else "")
          + ("    network (median)" if shipped else "") + "   s/window")
    for i in inps.fit_levels:
        t0 = time.time()
        batch, beta, outer, turb, _ = replay(kind, i, levels[i], inps.seed, inps.per_level, 0.0)
        c, _ = turbulence_scales(batch, turb, n)        # checks the replay
        truth = true_geometry(kind, batch.sources) if truth_start else None
        if generic:         # the true spectra are not used
            beta[:] = 8.0 / 3.0
            outer[:] = np.geomspace(1e3, 2e4, 9)[4]
            v = data_variance(batch, n)
        else:
            v = frame_variances(beta, outer, turb, c, whitener)
        maps, grid_maps, won = [], [], 0
        for j in range(n):
            whiteners = [whitener(beta[j, f], outer[j, f]) for f in range(beta.shape[1])]
            fit = fit_class(batch, j, whiteners, v[j])
            extra = (truth[j],) if truth_start else ()
            if truth_start and fit.span_misfit(truth[j], batch.target[j]) > 1e-5:
                raise RuntimeError("the true source misses the target in the fit's span: "
                                   f"{fit_class.__name__} and synthetic.random_source_deformation "
                                   "model the source differently")
            maps.append(fit.fit(extra))
            if generic:     # the frame variances again, from what the first fit leaves
                fit = fit_class(batch, j, whiteners, v[j] * fit.residual_scale())
                maps[-1] = fit.fit(extra)
            won += truth_start and fit.won_by_extra
            grid_maps.append(fit.grid_map)
        r2 = r2_per_window(np.stack(maps).reshape(batch.target[:n].shape), batch.target[:n])
        line = f"    {levels[i]:6.3g}  {np.mean(r2):6.3f} ({np.median(r2):6.3f})"
        out["snr"].append(float(levels[i]))
        out["mean_r2"].append(float(np.mean(r2)))
        out["median_r2"].append(float(np.median(r2)))
        out["window_r2"].append(np.round(r2, 4).tolist())
        if truth_start:
            r2g = r2_per_window(np.stack(grid_maps).reshape(batch.target[:n].shape), batch.target[:n])
            line += f"  {np.mean(r2g):9.3f} ({np.median(r2g):6.3f})  {won:4d}/{n:<4d}"
            out["won_by_truth"].append(int(won))
            out["grid_mean_r2"].append(float(np.mean(r2g)))
            out["grid_median_r2"].append(float(np.median(r2g)))
            out["grid_window_r2"].append(np.round(r2g, 4).tolist())
        if shipped:
            net = np.asarray(shipped["window_r2"]["network"][i][:n], float)
            line += f"  {net.mean():8.3f} ({np.median(net):6.3f})"
            out["network_mean_r2"].append(float(net.mean()))
            out["network_median_r2"].append(float(np.median(net)))
        print(line + f"  {(time.time() - t0) / n:5.1f}")
    return out


def shape_table(inps, kind, idx, levels, whitener):
    """Score the ``shape`` estimator on every level and ``r``; print and return it."""
    from mintpy_aedenoise.evaluate import level_batch, threshold_snr
    from mintpy_aedenoise.metrics import r2_per_window

    t0, worst = time.time(), 0.0
    r2 = {r: [] for r in inps.level_noise}
    for i in idx:
        base, beta, outer, turb, hist = replay(kind, i, levels[i], inps.seed, inps.per_level, 0.0)
        c, misfit = turbulence_scales(base, turb, inps.per_level)
        worst = max(worst, misfit)
        v = frame_variances(beta, outer, turb, c, whitener)
        rows = whitened_rows(base, beta, outer, v, whitener)
        for r in inps.level_noise:
            # r = inf scores the protocol's windows with their levels ignored
            batch = base if not np.isfinite(r) or r == 0 else level_batch(
                kind, i, levels[i], seed=inps.seed, per_level=inps.per_level, level_noise=r)
            r2[r].append(r2_per_window(oracle_maps(batch, hist, rows, v, r), batch.target))
    print(f"{kind}: told the map and timing, {inps.per_level} windows per level, {time.time() - t0:.0f} s; "
          f"replayed turbulence misses the noise by {worst:.1e} (relative RMS) at most")
    snr = levels[np.asarray(idx)]
    # a threshold needs every level from the lowest scored one up to SNR 10
    contiguous = sorted(idx) == list(range(min(idx), len(levels)))
    out = {"replay_misfit": worst, "threshold_computed": contiguous}
    for r in inps.level_noise:
        w = np.asarray(r2[r])
        mean, median = np.nanmean(w, axis=1), np.nanmedian(w, axis=1)
        thr = threshold_snr(snr, mean) if contiguous else None
        label = "frame levels ignored" if np.isinf(r) else f"level noise r={r:g}"
        if thr is not None:
            label += (f": R2>=0.6 from SNR {thr:.3g}" if thr > snr.min() else
                      f": R2>=0.6 from the lowest level scored, SNR {thr:.3g}, or lower")
        print("  " + label)
        shipped = _shipped_evaluation(kind, r, inps)
        print("     SNR    mean  (median)" + ("   network   naive" if shipped else ""))
        for j, i in enumerate(idx):
            line = f"    {levels[i]:6.3g}  {mean[j]:7.3f}  ({median[j]:6.3f})"
            if shipped:
                line += f"  {shipped['mean_r2']['network'][i]:8.3f} {shipped['mean_r2']['naive'][i]:7.3f}"
            print(line)
        out[f"r{r:g}"] = {"mean_r2": mean.tolist(), "median_r2": median.tolist(),
                          "threshold_snr": thr, "window_r2": np.round(w, 4).tolist()}
    return out


def _finite(x):
    """JSON has no NaN: None in its place."""
    if isinstance(x, float):
        return x if np.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    from mintpy_aedenoise import synthetic
    from mintpy_aedenoise.evaluate import BENCHMARK_VERSION, snr_levels

    levels = snr_levels()
    idx = inps.levels if inps.levels is not None else [i for i, s in enumerate(levels) if s >= 0.05]
    whitener = SpectrumWhitener(synthetic.WINDOW, synthetic.PIXEL_SIZE)
    args = sys.argv[1:] if iargs is None else list(iargs)
    report = {"command": "python benchmarks/informed_estimators.py " + " ".join(args),
              "benchmark_version": BENCHMARK_VERSION, "seed": inps.seed, "per_level": inps.per_level}
    if "shape" in inps.reference:
        report["shape"] = {"snr": [float(levels[i]) for i in idx]}
        for kind in inps.model:
            report["shape"][kind] = shape_table(inps, kind, idx, levels, whitener)
    for kind in inps.model:
        if f"{kind}-fit" in inps.reference:
            report[f"{kind}_fit"] = source_fit_table(inps, kind, levels, whitener)
    if inps.json:
        with open(inps.json, "w") as fh:
            json.dump(_finite(report), fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
