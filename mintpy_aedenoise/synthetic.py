"""Synthetic training windows after Rouet-Leduc et al. (2021).

A window is ``N_FRAMES = 9`` acquisitions of ``WINDOW = 40`` x 40 pixels of LOS displacement:

- deformation from one source, a rectangular Okada dislocation (``kind="fault"``) or a Mogi
  point source (``kind="mogi"``), projected on a random LOS (incidence 30-45 degrees, any
  azimuth, MintPy's angle conventions);
- a random time history: the source starts at a random onset and finishes after a random
  duration, strictly inside the window, so that frames 0 and 8 never deform;
- noise drawn fresh for every frame: turbulent delay (von Karman spectrum, random slope,
  outer scale 1-20 km and per-frame amplitude) plus a stratified delay quadratic in
  elevation, over a fractal DEM.

The target is the cumulative deformation, frame 8 minus frame 0. The signal-to-noise ratio
is the paper's ``SNR = mean|target| / std(noise)``, where ``std(noise)`` is taken over all
frames and pixels of the window after removing each frame's spatial mean (a constant per
acquisition is not observable in InSAR, which is relative to a reference point).

Pixel spacing
-------------
Windows assume a nominal ``PIXEL_SIZE = 100`` m, i.e. a 4 km x 4 km window, which is the
ground footprint of multilooked Sentinel-1 time series in MintPy (radar geometry multilooked
to ~100 m, or geocoded at 0.0008-0.001 degrees). Elastic half-space displacements are
self-similar (scaling every length and the slip by k scales the displacement by k), and the
window amplitude is normalised, so the spacing matters only through the physical range of
source sizes and depths relative to the window, and through the turbulence outer scale.
Both are drawn so that sources span 2-60 pixels and the turbulence has power from sub-window
scales up to 1.6 windows (6.4 km), the size of its synthesis grid
(:func:`~mintpy_aedenoise.noise.power_law_fields`), which cuts the longer outer scales.
"""
from dataclasses import dataclass

import numpy as np

from .noise import (decorrelation_mask, fractal_dem, orbital_ramps, power_law_fields,
                    stratified_delay, unwrapping_errors)
from .physics import enu2los, mogi, okada

__all__ = ["N_FRAMES", "WINDOW", "PIXEL_SIZE", "KINDS", "EXTRAS", "WindowBatch",
           "generate_windows", "random_source_deformation", "time_history", "noise_std",
           "turbulence_draws"]

N_FRAMES = 9
WINDOW = 40
PIXEL_SIZE = 100.0
KINDS = ("fault", "mogi")
EXTRAS = ("ramp", "unwrap", "nan")
SENTINEL1_WAVELENGTH = 0.05546576


@dataclass(frozen=True)
class WindowBatch:
    """A batch of synthetic windows (arrays float32 in metres, LOS positive toward the satellite;
    ``sources`` float64).

    Attributes
    ----------
    series : numpy.ndarray
        (B, 9, H, W) noisy LOS displacement; NaN where pixels are decorrelated.
    dem : numpy.ndarray
        (B, H, W) elevation in metres.
    target : numpy.ndarray
        (B, H, W) cumulative deformation, frame 8 minus frame 0.
    snr : numpy.ndarray
        (B,) mean|target| / std(noise).
    noise : numpy.ndarray
        (B, 9, H, W) the noise that was added (turbulence + stratified + extras).
    sources : dict of numpy.ndarray, optional
        The sources the generator drew, each entry (B,) float64, in the units of
        :func:`random_source_deformation`'s ``sources``, with the strength scaled to the
        target: ``slip`` (m, fault) or ``dvol`` (m^3, Mogi). None for batches built by hand.
    """

    series: np.ndarray
    dem: np.ndarray
    target: np.ndarray
    snr: np.ndarray
    noise: np.ndarray
    sources: dict = None


def _grid(size, pixel_size):
    """East/north coordinates (1, H, W) in metres, origin at the window centre, north up."""
    c = (np.arange(size, dtype=np.float64) - (size - 1) / 2.0) * pixel_size
    east, north = np.meshgrid(c, c[::-1])
    return east[None], north[None]


def _col(x):
    return np.asarray(x, dtype=np.float64).reshape(-1, 1, 1)


def random_source_deformation(rng, n, kind, *, size=WINDOW, pixel_size=PIXEL_SIZE,
                               return_sources=False, broad=None):
    """Random source geometry projected on a random LOS.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of windows.
    kind : {"fault", "mogi"}
        Source type.
    size : int
        Window size in pixels.
    pixel_size : float
        Pixel spacing in metres.
    return_sources : bool
        Also return the drawn parameters (the draws are the same either way).
    broad : tuple of float or None
        ``(fraction, max_scale)``: that fraction of the sources has every length (position,
        depth and, for a fault, length, width and upper edge) multiplied by a factor drawn
        log-uniformly from 1 to ``max_scale``, i.e. the window sees its source as at a pixel
        spacing that many times finer, up to sources broader than the window (a subsidence
        bowl tens of kilometres wide). None or a zero fraction draws nothing more, so the
        default prior's draws are unchanged.

    Returns
    -------
    numpy.ndarray
        (n, size, size) float64 LOS displacement for a unit source strength
        (1 m slip, or 1e6 m^3 volume change), positive toward the satellite.
    dict of numpy.ndarray
        Only with ``return_sources``: (n,) float64 arrays, lengths in metres from the window
        centre (east, north positive) and angles in degrees. Both kinds: ``east``, ``north``,
        ``depth`` (of the point source, or of the fault's centre), ``incidence`` and
        ``azimuth`` (MintPy's LOS convention, :func:`~mintpy_aedenoise.physics.enu2los`).
        Fault: ``strike``, ``dip``, ``rake``, ``length``, ``width``, ``top`` (depth of the
        upper edge) and ``slip`` (1). Mogi: ``dvol`` (+-1e6 m^3). With ``broad``, also
        ``scale``, the factor applied to the lengths (1 for the sources left as drawn).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose from {KINDS}")
    if broad is not None:
        fraction, max_scale = (float(v) for v in broad)
        if not (0.0 <= fraction <= 1.0 and np.isfinite(max_scale) and max_scale >= 1.0):
            raise ValueError(f"broad must be (fraction in [0, 1], max_scale >= 1), got {tuple(broad)}")
        broad = (fraction, max_scale) if fraction > 0 else None
    east, north = _grid(size, pixel_size)
    half = size * pixel_size / 2.0
    x0 = _col(rng.uniform(-0.6, 0.6, n) * half)
    y0 = _col(rng.uniform(-0.6, 0.6, n) * half)
    if kind == "fault":
        dip = rng.uniform(15.0, 90.0, n)
        length = np.exp(rng.uniform(np.log(5), np.log(60), n)) * pixel_size
        width = np.exp(rng.uniform(np.log(3), np.log(30), n)) * pixel_size
        # mostly shallow and surface-reaching (creep, shallow slow slip), some buried
        top = np.where(rng.random(n) < 0.7, 0.0, rng.uniform(0.0, 15.0, n) * pixel_size)
        strike = rng.uniform(0, 360, n)
        rake = rng.uniform(-180, 180, n)
        scale = _broad_scale(rng, n, broad)
        x0, y0, length, width, top = (v * scale.reshape(v.shape) for v in (x0, y0, length, width, top))
        depth = top + 0.5 * width * np.sin(np.deg2rad(dip))
        ue, un, uz = okada.displacement(
            east, north, x0=x0, y0=y0, depth=_col(depth), strike=_col(strike), dip=_col(dip),
            length=_col(length), width=_col(width), rake=_col(rake), slip=1.0)
        sources = dict(strike=strike, dip=dip, rake=rake, length=length, width=width, top=top,
                       slip=np.ones(n))
    else:
        depth = np.exp(rng.uniform(np.log(3), np.log(25), n)) * pixel_size
        dvol = rng.choice([-1.0, 1.0], n) * 1e6
        scale = _broad_scale(rng, n, broad)
        x0, y0, depth = (v * scale.reshape(v.shape) for v in (x0, y0, depth))
        ue, un, uz = mogi.displacement(east, north, x0=x0, y0=y0, depth=_col(depth),
                                       dvol=_col(dvol))
        sources = dict(dvol=dvol)
    inc = rng.uniform(30.0, 45.0, n)
    az = rng.uniform(-180.0, 180.0, n)
    los = enu2los(ue, un, uz, _col(inc), _col(az))
    if not return_sources:
        return los
    sources.update(east=x0.ravel(), north=y0.ravel(), depth=np.asarray(depth, dtype=np.float64),
                   incidence=inc, azimuth=az)
    if broad is not None:
        sources["scale"] = scale
    return los, sources


def _broad_scale(rng, n, broad):
    """Length factors of :func:`random_source_deformation`'s ``broad`` sources (ones, drawing
    nothing, without them)."""
    if broad is None:
        return np.ones(n)
    fraction, max_scale = broad
    factor = np.exp(rng.uniform(0.0, np.log(max_scale), n))
    return np.where(rng.random(n) < fraction, factor, 1.0)


def time_history(rng, n, n_frames=N_FRAMES):
    """Random normalised source histories with no motion at the first and last frames.

    The onset and end frames are drawn with ``1 <= onset <= end <= n_frames - 2``; the source
    moves linearly between them, so the history is 0 at frame 0 and reaches 1 before the last
    frame.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of histories.
    n_frames : int
        Number of acquisitions.

    Returns
    -------
    numpy.ndarray
        (n, n_frames) float32 in [0, 1], 0 at frame 0 and 1 at frames ``end..n_frames-1``.

    Examples
    --------
    >>> h = time_history(np.random.default_rng(0), 4)
    >>> bool((h[:, 0] == 0).all() and (h[:, -1] == 1).all() and (h[:, -2] == 1).all())
    True
    """
    last = n_frames - 2
    onset = rng.integers(1, last + 1, n)
    end = onset + np.floor(rng.random(n) * (last - onset + 1)).astype(int)
    t = np.arange(n_frames)[None, :]
    frac = (t - onset[:, None] + 1) / (end - onset + 1)[:, None]
    return np.clip(frac, 0.0, 1.0).astype(np.float32)


def noise_std(noise):
    """The SNR denominator: std over frames and pixels after removing each frame's mean.

    Parameters
    ----------
    noise : numpy.ndarray
        (B, T, H, W) noise cubes (NaN ignored).

    Returns
    -------
    numpy.ndarray
        (B,) standard deviations.
    """
    demeaned = noise - np.nanmean(noise, axis=(-2, -1), keepdims=True)
    return np.sqrt(np.nanmean(demeaned ** 2, axis=(1, 2, 3)))


def turbulence_draws(rng, n, n_frames, shape, pixel_size):
    """Each frame's turbulent delay and the draws behind it, unit-free.

    The draws come in the order :func:`generate_windows` makes them, so a caller that
    replays the generator (``benchmarks/informed_estimators.py``) gets the same fields.

    Parameters
    ----------
    rng : numpy.random.Generator
    n, n_frames : int
        Number of windows and of frames per window.
    shape : tuple of int
        (H, W) of each frame.
    pixel_size : float
        Pixel spacing in metres (sets the outer scales' wavenumbers).

    Returns
    -------
    beta, outer_scale : numpy.ndarray
        (B, T) spectral slope and outer scale (m) of each frame.
    turb : numpy.ndarray
        (B, T, H, W) float32 turbulence, each frame scaled by its log-normal strength.
    """
    m = n * n_frames
    # spectral slope and outer scale from discrete sets (9 x 9 spectra), so that the
    # spectra are computed once per batch rather than once per frame
    beta = rng.choice(np.linspace(5.0 / 3.0, 11.0 / 3.0, 9), m)
    outer = rng.choice(np.geomspace(1e3, 2e4, 9), m)
    turb = power_law_fields(rng, m, shape, beta=beta, outer_scale=outer,
                            pixel_size=pixel_size).reshape(n, n_frames, *shape)
    # per-acquisition turbulence strength varies with the weather (log-normal)
    turb *= np.exp(0.5 * rng.standard_normal((n, n_frames, 1, 1))).astype(np.float32)
    return beta.reshape(n, n_frames), outer.reshape(n, n_frames), turb


def _atmosphere(rng, dem, n_frames, pixel_size):
    """Turbulent plus stratified delay with random relative weights, unit-free."""
    n, h, w = dem.shape
    _, _, turb = turbulence_draws(rng, n, n_frames, (h, w), pixel_size)
    # stratified part scaled to a random fraction of the turbulence, in units of the
    # window's height variation
    dem_std = np.maximum(dem.std(axis=(1, 2)), 1.0)
    ratio = np.exp(rng.uniform(np.log(0.1), np.log(3.0), n))
    strat = stratified_delay(rng, dem, n_frames, linear_std=ratio / dem_std,
                             quadratic_std=0.5 * ratio / dem_std ** 2)
    return turb + strat


def generate_windows(rng, n, *, kind="fault", size=WINDOW, n_frames=N_FRAMES, snr=None,
                     snr_range=(0.01, 10.0), noise_level=(1e-3, 5e-2), pixel_size=PIXEL_SIZE,
                     extras=(), level_noise=None, broad=None):
    """Generate a batch of synthetic training or test windows.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the batch is reproducible from its state.
    n : int
        Number of windows.
    kind : {"fault", "mogi"}
        Deformation source.
    size : int
        Window size in pixels (square).
    n_frames : int
        Acquisitions per window (>= 3).
    snr : float, array_like of shape (n,), or None
        Requested SNR; None draws it log-uniformly from ``snr_range``.
    snr_range : tuple of float
        (min, max) SNR when ``snr`` is None.
    noise_level : tuple of float
        (min, max) of the noise standard deviation in metres, drawn log-uniformly; sets the
        physical amplitude of the window (the SNR sets the deformation relative to it).
    pixel_size : float
        Pixel spacing in metres.
    extras : iterable of str
        Optional artefacts from :data:`EXTRAS`: ``"ramp"`` (orbital ramps), ``"unwrap"``
        (whole-cycle unwrapping errors), ``"nan"`` (decorrelated NaN pixels).
    level_noise : float, array_like of shape (n,), or None
        Window level on each date: a constant per frame, drawn independently for every frame
        with this standard deviation in units of the window's noise std (the atmosphere
        between the window and a reference point outside it; 1-2.5 for the spectra here and a
        reference 10-25 km away, see ``benchmarks/level_ratio.py``). None or 0 adds none:
        the turbulence then has zero mean over the window. Drawn last, so the rest of the
        batch is the same with or without it; the SNR is unchanged (it is defined after
        removing each frame's mean).
    broad : tuple of float or None
        ``(fraction, max_scale)``: sources broader than the default prior, see
        :func:`random_source_deformation`; None keeps the default prior's draws unchanged.

    Returns
    -------
    WindowBatch
        The batch: its arrays float32, its ``sources`` float64.

    Examples
    --------
    >>> b = generate_windows(np.random.default_rng(0), 2, kind="mogi", snr=1.0)
    >>> b.series.shape, b.dem.shape, b.target.shape
    ((2, 9, 40, 40), (2, 40, 40), (2, 40, 40))
    >>> bool(np.allclose(b.snr, 1.0))
    True
    >>> b2 = generate_windows(np.random.default_rng(0), 2, kind="mogi", snr=1.0, level_noise=2.0)
    >>> bool(np.allclose(b2.series - b2.series.mean(axis=(2, 3), keepdims=True),
    ...                  b.series - b.series.mean(axis=(2, 3), keepdims=True), atol=1e-6))
    True
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"number of windows must be >= 1, got {n}")
    if n_frames < 3:
        raise ValueError(f"n_frames must be >= 3, got {n_frames}")
    if int(size) < 2:
        raise ValueError(f"size must be >= 2 pixels (a noise std needs two), got {size}")
    for name, (lo, hi) in (("snr_range", snr_range), ("noise_level", noise_level)):
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
            raise ValueError(f"{name} must be (min, max) with 0 < min <= max, got ({lo}, {hi})")
    unknown = set(extras) - set(EXTRAS)
    if unknown:
        raise ValueError(f"unknown extras {sorted(unknown)}; choose from {EXTRAS}")
    if level_noise is not None:
        level_noise = np.broadcast_to(np.asarray(level_noise, dtype=np.float64), (n,))
        if np.any(level_noise < 0) or not np.all(np.isfinite(level_noise)):
            raise ValueError(f"level_noise must be finite and >= 0, got {level_noise}")
    shape = (size, size)
    dem = fractal_dem(rng, n, shape, pixel_size=pixel_size)
    defo, sources = random_source_deformation(rng, n, kind, size=size, pixel_size=pixel_size,
                                              return_sources=True, broad=broad)
    history = time_history(rng, n, n_frames)

    noise = _atmosphere(rng, dem, n_frames, pixel_size)
    if "ramp" in extras:
        noise += orbital_ramps(rng, n * n_frames, shape, sigma=1.0).reshape(noise.shape)
    sigma = noise_std(noise)
    level = np.exp(rng.uniform(np.log(noise_level[0]), np.log(noise_level[1]), n))
    noise *= (level / sigma).astype(np.float32)[:, None, None, None]
    if "unwrap" in extras:
        noise += unwrapping_errors(rng, n * n_frames, shape,
                                   wavelength=SENTINEL1_WAVELENGTH).reshape(noise.shape)
    sigma = noise_std(noise)

    if snr is None:
        snr = np.exp(rng.uniform(np.log(snr_range[0]), np.log(snr_range[1]), n))
    snr = np.broadcast_to(np.asarray(snr, dtype=np.float64), (n,))
    if np.any(snr < 0):
        raise ValueError("snr must be non-negative")
    mean_abs = np.maximum(np.abs(defo).mean(axis=(1, 2)), 1e-30)
    strength = snr * sigma / mean_abs
    target = (defo * strength[:, None, None]).astype(np.float32)
    unit = "slip" if kind == "fault" else "dvol"
    sources[unit] = sources[unit] * strength

    series = history[:, :, None, None] * target[:, None] + noise
    if "nan" in extras:
        bad = decorrelation_mask(rng, n, shape, fraction=0.05)
        series[np.broadcast_to(bad[:, None], series.shape)] = np.nan
    if level_noise is not None:        # drawn last: the rest of the batch does not depend on it
        levels = (rng.standard_normal((n, n_frames)) * (level_noise * sigma)[:, None]).astype(np.float32)
        series += levels[:, :, None, None]
        noise += levels[:, :, None, None]
    return WindowBatch(series=series.astype(np.float32), dem=dem, target=target,
                       snr=snr.astype(np.float32), noise=noise.astype(np.float32), sources=sources)
