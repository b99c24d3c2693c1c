"""Classical estimators of the cumulative deformation of a window, for the benchmark.

Each estimator maps windows ``(B, T, H, W)`` of LOS displacement in metres (NaN where a pixel
is missing) to ``(B, H, W)`` estimates of the deformation between the first and the last
acquisition, the quantity the network predicts. They are what a geodesist would do without a
learned model:

``naive``
    :func:`naive_difference`: last frame minus first frame.
``height``
    :func:`height_correction`: remove, frame by frame, the elevation terms of the
    least-squares fit of ``c0 + c1 h + c2 h^2`` over the window, keeping the frame's level
    (the per-window analogue of MintPy's ``tropo_phase_elevation``,
    :func:`remove_height_correlation`), then last minus first.
``gaussian``
    :func:`temporal_gaussian` with ``sigma=2`` frames and no spatial part: height
    correction, then a Gaussian low-pass filter in time, then filtered last minus filtered
    first.
``licsbas``
    height correction (which LiCSBAS leaves off by default; here the windows hold a
    stratified delay that it removes), then :func:`temporal_gaussian` with LiCSBAS step
    16's defaults (``LiCSBAS16_filt_ts.py``, Morishita et al., 2020) translated to a
    window: temporal width 3 mean acquisition
    intervals (``sigma=3`` frames) and spatial width 2 km (``spatial_sigma=20`` pixels of
    :data:`~mintpy_aedenoise.synthetic.PIXEL_SIZE` = 100 m). The atmospheric phase screen is
    estimated as the spatial Gaussian low-pass of the temporal high-pass of the series, as in
    StaMPS and LiCSBAS, and subtracted from the series.

:data:`ESTIMATORS` maps these names to callables ``f(series, dem)``.

Missing data
------------
A pixel gets an estimate where its first and last frames are finite (and, for the estimators
that use elevation, its elevation is finite): NaN never spreads to neighbouring pixels.
Height fits use the valid pixels of each frame; the temporal filter skips missing frames of a
pixel; the spatial filter is a normalised convolution over the valid pixels.
"""
import functools

import numpy as np

__all__ = ["naive_difference", "remove_height_correlation", "height_correction",
           "gaussian_lowpass_time", "nan_gaussian_lowpass_space", "temporal_gaussian",
           "ESTIMATORS", "BASELINES_VERSION", "DEFAULT_TEMPORAL_SIGMA", "LICSBAS_TEMPORAL_SIGMA",
           "LICSBAS_SPATIAL_SIGMA"]

#: Version of the estimators' definitions, recorded in evaluation results: 1 up to package
#: 0.2.1, whose height fits also removed every frame's window level; 2 from 0.2.2, whose height
#: fits keep it (:func:`remove_height_correlation`). The network's scores do not depend on it.
BASELINES_VERSION = 2
#: Default temporal width (standard deviation, in acquisitions) of :func:`temporal_gaussian`:
#: it averages about 5 acquisitions, which leaves a 9-acquisition window with some
#: independent samples at each end.
DEFAULT_TEMPORAL_SIGMA = 2.0
#: LiCSBAS's default temporal width is 3 times the mean acquisition interval.
LICSBAS_TEMPORAL_SIGMA = 3.0
#: LiCSBAS's default spatial width, 2 km, in pixels of 100 m.
LICSBAS_SPATIAL_SIGMA = 20.0


def _check_series(series):
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 4 or series.shape[1] < 2:
        raise ValueError(f"series must have shape (B, T, H, W) with T >= 2, got {series.shape}")
    return series


def _check_dem(dem, series):
    dem = np.asarray(dem, dtype=np.float64)
    if dem.ndim == 2:
        dem = np.broadcast_to(dem, (series.shape[0],) + dem.shape)
    if dem.shape != (series.shape[0],) + series.shape[2:]:
        raise ValueError(f"dem shape {dem.shape} does not match series {series.shape}")
    return dem


def _last_minus_first(series):
    return (series[:, -1] - series[:, 0]).astype(np.float32)


def naive_difference(series, dem=None):
    """Last frame minus first frame.

    Parameters
    ----------
    series : array_like
        (B, T, H, W) LOS displacement in metres, NaN where missing.
    dem : array_like or None
        Ignored; accepted so that every estimator has the signature ``f(series, dem)``.

    Returns
    -------
    numpy.ndarray
        (B, H, W) float32 estimate, NaN where the first or last frame is missing.

    Examples
    --------
    >>> s = np.arange(2 * 3 * 1 * 2, dtype=float).reshape(2, 3, 1, 2)
    >>> naive_difference(s)[0].tolist()
    [[4.0, 4.0]]
    """
    return _last_minus_first(_check_series(series))


def remove_height_correlation(series, dem):
    """Remove from each frame the elevation-dependent part of its fit of ``c0 + c1 h + c2 h^2``.

    The fitted delay is referenced at the window's mean elevation ``h_m``: what is removed is
    ``fit(h) - fit(h_m)``, so a frame's window level is kept, as MintPy's
    ``tropo_phase_elevation`` keeps it by referencing the fitted delay at the reference pixel
    (a stratified delay ``a (h - h_m) + b (h - h_m)^2``, the synthetic windows' convention, is
    removed exactly, its level included).

    The fit of every frame of every window uses the pixels where that frame and the elevation
    are finite; all fits are solved at once through their 3 x 3 normal equations (elevation
    centred and scaled per window for conditioning, which does not change the fitted
    values). The mean elevation is taken over the pixels with a known elevation. A flat DEM
    (up to rounding) removes nothing, and a DEM of two heights only its linear term; a frame
    with fewer valid pixels than terms falls back on the minimum-norm fit.

    Parameters
    ----------
    series : array_like
        (B, T, H, W) LOS displacement in metres, NaN where missing.
    dem : array_like
        (B, H, W) or (H, W) elevation in metres, NaN where unknown.

    Returns
    -------
    numpy.ndarray
        (B, T, H, W) float64 residual series, NaN where the frame or the elevation is
        missing.

    Examples
    --------
    >>> h = np.linspace(0.0, 1500.0, 16).reshape(1, 4, 4)
    >>> hm = h - h.mean()
    >>> s = np.stack([0.01 + 2e-5 * hm + 3e-9 * hm ** 2, -0.02 - 1e-5 * hm], axis=1)
    >>> r = remove_height_correlation(s, h)            # the levels 0.01 and -0.02 are kept
    >>> bool(np.abs(r[0, 0] - 0.01).max() < 1e-12 and np.abs(r[0, 1] + 0.02).max() < 1e-12)
    True
    """
    series = _check_series(series)
    dem = _check_dem(dem, series)
    dem_ok = np.isfinite(dem)
    valid = np.isfinite(series) & dem_ok[:, None]
    # centre and scale the elevation of each window over its known pixels
    n_dem = np.maximum(dem_ok.sum(axis=(1, 2)), 1)[:, None, None]
    h = np.where(dem_ok, dem, 0.0)
    mean = h.sum(axis=(1, 2), keepdims=True) / n_dem
    h = np.where(dem_ok, h - mean, 0.0)
    std = np.sqrt((h * h).sum(axis=(1, 2), keepdims=True) / n_dem)
    # a flat DEM (up to rounding) has no elevation term; a two-valued one (integer heights on
    # flat ground) no quadratic one: h^2 is then a line in h, and the fit's split between the
    # collinear columns would move the frame level
    flat = std <= 1e-9 * np.maximum(1.0, np.abs(mean))
    h = np.where(flat, 0.0, h / np.where(flat, 1.0, std))
    m3, m4 = ((h ** k).sum(axis=(1, 2), keepdims=True) / n_dem for k in (3, 4))
    linear = flat | (m4 - 1.0 - m3 * m3 <= 1e-9 * np.maximum(1.0, m4))
    basis = np.stack([np.ones_like(h), h, np.where(linear, 0.0, h * h)], axis=-1)   # (B, H, W, 3)
    w = valid.astype(np.float64)                                      # (B, T, H, W)
    y = np.where(valid, series, 0.0)
    gram = np.einsum("bthw,bhwi,bhwj->btij", w, basis, basis, optimize=True)
    rhs = np.einsum("bthw,bhwi->bti", y, basis, optimize=True)
    coef = np.einsum("btij,btj->bti", np.linalg.pinv(gram, rcond=1e-10, hermitian=True), rhs)
    # the elevation terms only: the basis is centred at the mean elevation, where the fit is c0
    fit = np.einsum("bhwi,bti->bthw", basis[..., 1:], coef[..., 1:], optimize=True)
    return np.where(valid, series - fit, np.nan)


def height_correction(series, dem):
    """Per-frame quadratic height correction, then last minus first.

    Parameters
    ----------
    series : array_like
        (B, T, H, W) LOS displacement in metres, NaN where missing.
    dem : array_like
        (B, H, W) or (H, W) elevation in metres.

    Returns
    -------
    numpy.ndarray
        (B, H, W) float32 estimate, NaN where the first or last frame or the elevation is
        missing.

    See Also
    --------
    remove_height_correlation : the correction applied to each frame.
    """
    return _last_minus_first(remove_height_correlation(series, dem))


def _safe_divide(num, den):
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def gaussian_lowpass_time(series, sigma=DEFAULT_TEMPORAL_SIGMA):
    """Gaussian low-pass filter along the acquisitions, corrected at the ends.

    LiCSBAS replaces each acquisition by the average of all acquisitions weighted by
    ``exp(-dt^2 / (2 sigma^2))``. Near the first and last acquisitions that average is
    one-sided and pulls the estimate toward the interior, so a steady trend loses part of
    its amplitude exactly at the two dates that define the cumulative deformation. Here each
    acquisition gets instead the value at ``dt = 0`` of the straight line fitted to the
    series by least squares with the same Gaussian weights (a local-linear kernel smoother).
    Where the weights are symmetric this equals LiCSBAS's weighted average; at the ends it
    reproduces linear trends exactly while still averaging the noise of several dates.
    Acquisitions are assumed evenly spaced, so ``dt`` is in acquisitions.

    Parameters
    ----------
    series : array_like
        (B, T, H, W), NaN where missing; missing dates of a pixel get zero weight.
    sigma : float
        Standard deviation of the Gaussian weights, in acquisitions (> 0).

    Returns
    -------
    numpy.ndarray
        (B, T, H, W) float64 filtered series, NaN where the input is NaN. A pixel with a
        single valid date keeps its value (weighted average fallback).

    Examples
    --------
    >>> s = np.linspace(0.0, 8.0, 9).reshape(1, 9, 1, 1)
    >>> bool(np.allclose(gaussian_lowpass_time(s, 2.0), s))
    True
    """
    series = _check_series(series)
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    t = np.arange(series.shape[1], dtype=np.float64)
    dt = t[None, :] - t[:, None]                       # dt[i, j] = t_j - t_i
    kern = np.exp(-0.5 * (dt / sigma) ** 2)
    valid = np.isfinite(series)
    m = valid.astype(np.float64)
    x = np.where(valid, series, 0.0)

    def wsum(k, a):
        return np.einsum("ij,bjhw->bihw", k, a)

    s0, s1, s2 = wsum(kern, m), wsum(kern * dt, m), wsum(kern * dt * dt, m)
    t0, t1 = wsum(kern, x), wsum(kern * dt, x)
    det = s0 * s2 - s1 * s1
    linear = _safe_divide(s2 * t0 - s1 * t1, np.where(det > 1e-9 * s0 * s2, det, 0.0))
    out = np.where(np.isfinite(linear), linear, _safe_divide(t0, s0))
    return np.where(valid, out, np.nan)


def nan_gaussian_lowpass_space(maps, sigma):
    """Normalised Gaussian convolution of each map over its finite pixels.

    Missing pixels and the outside of the map get zero weight, like LiCSBAS's
    ``astropy.convolution.convolve_fft(..., fill_value=nan)`` with a ``Gaussian2DKernel``.

    Parameters
    ----------
    maps : array_like
        (..., H, W), NaN where missing.
    sigma : float
        Standard deviation of the kernel in pixels (>= 0; 0 returns the maps unchanged).

    Returns
    -------
    numpy.ndarray
        (..., H, W) float64 low-passed maps, NaN where the input is NaN.
    """
    from scipy.ndimage import gaussian_filter

    maps = np.asarray(maps, dtype=np.float64)
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    if sigma == 0:
        return maps.copy()
    valid = np.isfinite(maps)
    sig = (0,) * (maps.ndim - 2) + (sigma, sigma)
    num = gaussian_filter(np.where(valid, maps, 0.0), sig, mode="constant", cval=0.0)
    den = gaussian_filter(valid.astype(np.float64), sig, mode="constant", cval=0.0)
    return np.where(valid, _safe_divide(num, den), np.nan)


def temporal_gaussian(series, dem=None, sigma=DEFAULT_TEMPORAL_SIGMA, spatial_sigma=0.0):
    """LiCSBAS-style filtered series, then filtered last minus filtered first.

    1. If ``dem`` is given, remove each frame's height-correlated delay
       (:func:`remove_height_correlation`).
    2. Low-pass in time, ``L = gaussian_lowpass_time(x, sigma)``.
    3. With ``spatial_sigma = 0`` the filtered series is ``L``. With ``spatial_sigma > 0``
       it is LiCSBAS's (and StaMPS's) spatio-temporal filter: the atmospheric screen is
       estimated as the spatial low-pass of the temporal high-pass, and removed,
       ``x - G_s * (x - L)``. The two agree as ``spatial_sigma`` goes to 0 (note that in
       LiCSBAS a zero spatial width instead switches the whole filter off).

    A series that is linear in time at every pixel is returned unchanged by step 2 and 3,
    so its total change is recovered exactly.

    Parameters
    ----------
    series : array_like
        (B, T, H, W) LOS displacement in metres, NaN where missing.
    dem : array_like or None
        (B, H, W) or (H, W) elevation in metres; None skips the height correction.
    sigma : float
        Temporal width (standard deviation) in acquisitions.
    spatial_sigma : float
        Spatial width (standard deviation) of the atmospheric-screen low-pass in pixels,
        0 for a purely temporal filter.

    Returns
    -------
    numpy.ndarray
        (B, H, W) float32 estimate, NaN where the first or last frame (or the elevation) is
        missing.
    """
    x = remove_height_correlation(series, dem) if dem is not None else _check_series(series)
    low = gaussian_lowpass_time(x, sigma)
    if spatial_sigma > 0:
        low = x - nan_gaussian_lowpass_space(x - low, spatial_sigma)
    return _last_minus_first(low)


#: Estimator name -> callable ``f(series, dem) -> (B, H, W)``, in the order they are reported.
ESTIMATORS = {
    "naive": naive_difference,
    "height": height_correction,
    "gaussian": functools.partial(temporal_gaussian, sigma=DEFAULT_TEMPORAL_SIGMA),
    "licsbas": functools.partial(temporal_gaussian, sigma=LICSBAS_TEMPORAL_SIGMA,
                                 spatial_sigma=LICSBAS_SPATIAL_SIGMA),
}
