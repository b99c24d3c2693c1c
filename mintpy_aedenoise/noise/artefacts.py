"""Optional processing artefacts: orbital ramps, unwrapping errors, decorrelated pixels.

They are off by default in the training data (the published method uses turbulence and
stratified delay only) and can be switched on in :func:`mintpy_aedenoise.synthetic.generate_windows`
and in the scene simulator to test robustness.
"""
import numpy as np

from .turbulence import power_law_fields

__all__ = ["orbital_ramps", "unwrapping_errors", "decorrelation_mask"]


def orbital_ramps(rng, n, shape, *, sigma):
    """Random planar ramps ``a*x + b*y`` (residual orbit errors).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of maps.
    shape : tuple of int
        (H, W) in pixels.
    sigma : float
        Standard deviation of each ramp over the map, in metres.

    Returns
    -------
    numpy.ndarray
        (n, H, W) float32 zero-mean ramps.
    """
    h, w = shape
    y = np.linspace(-1.0, 1.0, h, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :]
    angle = rng.uniform(0, 2 * np.pi, (n, 1, 1)).astype(np.float32)
    ramp = np.cos(angle) * x + np.sin(angle) * y
    ramp -= ramp.mean(axis=(1, 2), keepdims=True)
    std = ramp.std(axis=(1, 2), keepdims=True)
    return (sigma * ramp / np.where(std > 0, std, 1.0)).astype(np.float32)


def unwrapping_errors(rng, n, shape, *, wavelength, probability=0.2, max_cycles=1):
    """Patches shifted by whole phase cycles (unwrapping errors).

    One cycle of interferometric phase (2π) is ``wavelength / 2`` of LOS displacement.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of maps.
    shape : tuple of int
        (H, W) in pixels.
    wavelength : float
        Radar wavelength in metres (0.0555 for Sentinel-1).
    probability : float
        Probability that a map has one error patch.
    max_cycles : int
        Largest number of cycles of a jump (sign random).

    Returns
    -------
    numpy.ndarray
        (n, H, W) float32 maps of zeros with whole-cycle patches.
    """
    h, w = shape
    out = np.zeros((n, h, w), np.float32)
    has = rng.random(n) < probability
    m = int(has.sum())
    if m == 0:
        return out
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy = rng.uniform(0, h, (m, 1, 1))
    cx = rng.uniform(0, w, (m, 1, 1))
    ry = rng.uniform(0.05, 0.3, (m, 1, 1)) * h
    rx = rng.uniform(0.05, 0.3, (m, 1, 1)) * w
    inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
    cycles = rng.integers(1, max_cycles + 1, (m, 1, 1)) * rng.choice([-1, 1], (m, 1, 1))
    out[has] = inside * (cycles * wavelength / 2.0)
    return out


def decorrelation_mask(rng, n, shape, *, fraction=0.05):
    """Clustered masks of decorrelated pixels (True = bad), like vegetation or water patches.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of masks.
    shape : tuple of int
        (H, W) in pixels.
    fraction : float
        Fraction of bad pixels in each mask, in [0, 1).

    Returns
    -------
    numpy.ndarray
        (n, H, W) bool masks.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}")
    field = power_law_fields(rng, n, shape, beta=3.0)
    thresh = np.quantile(field.reshape(n, -1), 1.0 - fraction, axis=1).reshape(n, 1, 1)
    return field > thresh
