"""Window normalisation: the contract between metres and the network's units.

For one window of 9 frames:

1. a pixel is *valid* when it is finite in every frame (MintPy's zeros must be turned into
   NaN by the caller first);
2. each pixel loses its temporal mean over the window: a field shared by all 9 frames does not
   change the deformation between the first and the last frame, and MintPy series always carry
   one (the atmosphere of the reference date, subtracted from every date);
3. each frame loses its spatial mean over the valid pixels (a per-date constant is not
   observable in InSAR);
4. the window is divided by its scale ``s``, the RMS over all frames and valid pixels, so the
   network always sees unit-RMS input whatever the amplitude (sub-millimetre to decimetres);
5. elevation becomes ``(h - mean) / max(std, DEM_SCALE_FLOOR)`` and its square;
6. invalid pixels are zero in every channel, and a mask channel marks the valid ones.

The network predicts the cumulative deformation divided by ``s``; multiplying back by ``s``
returns metres. Because ``s`` scales with the input, scaling the input by ``k`` scales the
output by exactly ``k``.
"""
import numpy as np

__all__ = ["DEM_SCALE_FLOOR", "NORMALISATION_VERSION", "normalise_windows", "valid_mask"]

#: Version of this contract, stored in every weights sidecar and checked at load time.
NORMALISATION_VERSION = 2

#: Elevation standard deviation (m) below which the DEM is not amplified further: over flat
#: ground the stratified delay is negligible and DEM noise should stay small.
DEM_SCALE_FLOOR = 10.0


def valid_mask(series):
    """Pixels finite in every frame: (B, T, H, W) -> (B, H, W) bool."""
    return np.isfinite(series).all(axis=1)


def normalise_windows(series, dem):
    """Turn windows in metres into network input.

    Parameters
    ----------
    series : numpy.ndarray
        (B, T, H, W) LOS displacement in metres, NaN where invalid.
    dem : numpy.ndarray
        (B, H, W) elevation in metres (NaN allowed where invalid).

    Returns
    -------
    x : numpy.ndarray
        (B, H, W, T + 3) float32 network input.
    scale : numpy.ndarray
        (B,) float32 window scales in metres (0 for windows with no valid signal).
    valid : numpy.ndarray
        (B, H, W) bool validity mask.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s, d = rng.normal(size=(2, 9, 8, 8)), rng.normal(size=(2, 8, 8))
    >>> x, scale, valid = normalise_windows(s, d)
    >>> x2, scale2, _ = normalise_windows(3 * s, d)
    >>> bool(np.allclose(x, x2, atol=1e-5) and np.allclose(scale2, 3 * scale))
    True
    >>> x3, _, _ = normalise_windows(s + rng.normal(size=(2, 1, 8, 8)), d)   # a field in every frame
    >>> bool(np.allclose(x, x3, atol=1e-5))
    True
    """
    series = np.asarray(series, dtype=np.float32)
    dem = np.asarray(dem, dtype=np.float32)
    valid = valid_mask(series) & np.isfinite(dem)
    vf = valid[:, None].astype(np.float32)
    count = np.maximum(vf.sum(axis=(-2, -1), keepdims=True), 1.0)

    s = np.where(vf > 0, series, 0.0)
    s = s - s.mean(axis=1, keepdims=True)
    s = (s - s.sum(axis=(-2, -1), keepdims=True) / count) * vf
    scale = np.sqrt((s * s).sum(axis=(1, 2, 3)) / np.maximum(count[:, 0, 0, 0] * series.shape[1], 1))
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    s /= safe[:, None, None, None]

    h = np.where(valid, dem, 0.0)
    hc = count[:, 0]
    h = (h - h.sum(axis=(-2, -1), keepdims=True) / hc) * valid
    hs = np.sqrt((h * h).sum(axis=(-2, -1), keepdims=True) / hc)
    h = h / np.maximum(hs, DEM_SCALE_FLOOR)

    x = np.concatenate([s, h[:, None], (h * h)[:, None], valid[:, None].astype(np.float32)], axis=1)
    return np.moveaxis(x, 1, -1).astype(np.float32), scale.astype(np.float32), valid
