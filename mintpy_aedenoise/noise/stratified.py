"""Stratified tropospheric delay: a quadratic function of elevation for each acquisition.

The vertical refractivity profile changes from one acquisition to the next, so the delay
that correlates with topography has new coefficients on every date (Doin et al., 2009):

    d_t(x) = a_t (h(x) - h_ref) + b_t (h(x) - h_ref)^2 .
"""
import numpy as np

__all__ = ["stratified_delay"]


def stratified_delay(rng, dem, n_frames, *, linear_std, quadratic_std, h_ref=None):
    """Random quadratic-in-elevation delay maps, one per acquisition.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    dem : numpy.ndarray
        (..., H, W) elevation in metres.
    n_frames : int
        Number of acquisitions.
    linear_std : float or numpy.ndarray
        Standard deviation of the linear coefficient ``a_t`` in m of delay per m of height;
        broadcasts against ``dem.shape[:-2]``.
    quadratic_std : float or numpy.ndarray
        Standard deviation of the quadratic coefficient ``b_t`` in m per m².
    h_ref : float, numpy.ndarray or None
        Reference height (broadcasting against ``dem.shape[:-2]``); None uses each map's mean.

    Returns
    -------
    numpy.ndarray
        (..., n_frames, H, W) float32 delay in metres.

    Examples
    --------
    >>> dem = np.linspace(0, 1000, 16, dtype=np.float32).reshape(1, 4, 4)
    >>> d = stratified_delay(np.random.default_rng(0), dem, 5, linear_std=1e-5, quadratic_std=0.0)
    >>> d.shape
    (1, 5, 4, 4)
    """
    dem = np.asarray(dem, dtype=np.float32)
    if dem.ndim < 2:
        raise ValueError(f"dem must be at least 2-D, got shape {dem.shape}")
    lead = dem.shape[:-2]
    if h_ref is None:
        h_ref = dem.mean(axis=(-2, -1))
    dh = (dem - np.asarray(h_ref, np.float32)[..., None, None])[..., None, :, :]
    coef_shape = lead + (int(n_frames), 1, 1)
    lin = np.asarray(linear_std, np.float32)[..., None, None, None]
    quad = np.asarray(quadratic_std, np.float32)[..., None, None, None]
    a = rng.standard_normal(coef_shape, dtype=np.float32) * lin
    b = rng.standard_normal(coef_shape, dtype=np.float32) * quad
    return (a * dh + b * dh * dh).astype(np.float32, copy=False)
