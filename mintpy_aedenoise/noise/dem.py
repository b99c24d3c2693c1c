"""Synthetic fractal topography.

Topography has a power-law spectrum with a 2-D slope of about 4 (a Hurst exponent near 1
for profiles); this reproduces ridges and valleys at all scales. A mild power transform
makes valleys broad and peaks sharp, as in eroded relief.
"""
import numpy as np

from .turbulence import power_law_fields

__all__ = ["fractal_dem"]


def fractal_dem(rng, n, shape, *, relief=(50.0, 1500.0), base=(0.0, 2500.0), beta=4.0,
                pixel_size=100.0):
    """Random fractal DEMs in metres.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of DEMs.
    shape : tuple of int
        (H, W) in pixels.
    relief : tuple of float
        Range (min, max) of the peak-to-peak relief, drawn log-uniformly, in metres.
    base : tuple of float
        Range (min, max) of the lowest elevation, drawn uniformly, in metres.
    beta : float
        Spectral slope of the topography.
    pixel_size : float
        Pixel spacing in metres.

    Returns
    -------
    numpy.ndarray
        (n, H, W) float32 elevation in metres, >= ``base[0]``.

    Examples
    --------
    >>> dem = fractal_dem(np.random.default_rng(1), 2, (32, 32))
    >>> dem.shape, bool(dem.min() >= 0)
    ((2, 32, 32), True)
    """
    lo, hi = relief
    if not 0 < lo <= hi:
        raise ValueError(f"relief range must satisfy 0 < min <= max, got {relief}")
    field = power_law_fields(rng, n, shape, beta=beta, pixel_size=pixel_size)
    fmin = field.min(axis=(1, 2), keepdims=True)
    fmax = field.max(axis=(1, 2), keepdims=True)
    unit = (field - fmin) / np.maximum(fmax - fmin, 1e-12)
    unit = unit ** np.float32(1.5)
    peak = np.exp(rng.uniform(np.log(lo), np.log(hi), (n, 1, 1))).astype(np.float32)
    floor = rng.uniform(base[0], base[1], (n, 1, 1)).astype(np.float32)
    return (floor + peak * unit).astype(np.float32)
