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
6. invalid pixels are zero in every channel, and a mask channel marks the valid ones;
7. (version 3) each frame's spatial mean removed in step 3, divided by ``s``, is given back
   in a channel of its own (one per frame, constant over the valid pixels): the window's
   *level* on each date. InSAR levels are relative to the reference point and carry the
   atmosphere between it and the window, so a model trained with level noise
   (``generate_windows(level_noise=...)``) learns from the 9 levels how far to trust them
   (a step between flat stretches is deformation; scatter from date to date is atmosphere).
   The frames themselves stay spatially centred, as in version 2.

The network predicts the cumulative deformation divided by ``s``; multiplying back by ``s``
returns metres. Because ``s`` scales with the input, scaling the input by ``k`` scales the
output by exactly ``k``.
"""
import numpy as np

__all__ = ["DEM_SCALE_FLOOR", "NORMALISATION_TEXT", "NORMALISATION_VERSION", "SUPPORTED_VERSIONS",
           "normalise_windows", "valid_mask", "version_of_model_args"]

#: Version of this contract for new models, stored in every weights sidecar and checked at load.
NORMALISATION_VERSION = 3
#: Versions this package can feed: 2 (frames, elevation, mask) and 3 (plus the 9 frame levels).
SUPPORTED_VERSIONS = (2, 3)
#: One-line description of each version, written into the weights sidecar (``normalisation``).
NORMALISATION_TEXT = {
    2: "mintpy_aedenoise.engine.normalise: temporal and per-frame spatial means removed, window RMS "
       "scale, DEM (h-mean)/max(std,10 m) and its square, validity mask",
    3: "mintpy_aedenoise.engine.normalise: temporal and per-frame spatial means removed, window RMS "
       "scale, DEM (h-mean)/max(std,10 m) and its square, validity mask, then the 9 removed frame "
       "means divided by the scale (the window's level on each date)",
}

#: Elevation standard deviation (m) below which the DEM is not amplified further: over flat
#: ground the stratified delay is negligible and DEM noise should stay small.
DEM_SCALE_FLOOR = 10.0


def valid_mask(series):
    """Pixels finite in every frame: (B, T, H, W) -> (B, H, W) bool."""
    return np.isfinite(series).all(axis=1)


def version_of_model_args(config_args):
    """The normalisation a network built with ``build_model(**config_args)`` takes.

    >>> version_of_model_args({"n_frames": 9}), version_of_model_args({"level_inputs": True})
    (2, 3)
    """
    return 3 if config_args.get("level_inputs") else 2


def normalise_windows(series, dem, version=NORMALISATION_VERSION):
    """Turn windows in metres into network input.

    Parameters
    ----------
    series : numpy.ndarray
        (B, T, H, W) LOS displacement in metres, NaN where invalid.
    dem : numpy.ndarray
        (B, H, W) elevation in metres (NaN allowed where invalid).
    version : {2, 3}
        Contract version: 3 adds the T frame levels after the mask channel (step 7).

    Returns
    -------
    x : numpy.ndarray
        (B, H, W, T + 3) float32 network input, (B, H, W, 2 T + 3) for version 3.
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
    >>> v2, _, _ = normalise_windows(s, d, version=2)
    >>> step = np.zeros((2, 9, 1, 1)); step[:, 5:] = 1.0                         # a level step
    >>> v3, _, _ = normalise_windows(s + step, d, version=3)
    >>> v3.shape, bool(np.allclose(v3[..., :12], v2, atol=1e-5))                 # frames unchanged
    ((2, 8, 8, 21), True)
    >>> lv = v3[:, 0, 0, 12:] - normalise_windows(s, d, version=3)[0][:, 0, 0, 12:]
    >>> bool((lv[:, 5:] > 0).all() and (lv[:, :5] < 0).all())                   # levels see the step
    True
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unknown normalisation version {version!r}; supported: {SUPPORTED_VERSIONS}")
    series = np.asarray(series, dtype=np.float32)
    dem = np.asarray(dem, dtype=np.float32)
    valid = valid_mask(series) & np.isfinite(dem)
    vf = valid[:, None].astype(np.float32)
    count = np.maximum(vf.sum(axis=(-2, -1), keepdims=True), 1.0)

    s = np.where(vf > 0, series, 0.0)
    s = s - s.mean(axis=1, keepdims=True)
    level = s.sum(axis=(-2, -1), keepdims=True) / count
    s = (s - level) * vf
    scale = np.sqrt((s * s).sum(axis=(1, 2, 3)) / np.maximum(count[:, 0, 0, 0] * series.shape[1], 1))
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    s /= safe[:, None, None, None]

    h = np.where(valid, dem, 0.0)
    hc = count[:, 0]
    h = (h - h.sum(axis=(-2, -1), keepdims=True) / hc) * valid
    hs = np.sqrt((h * h).sum(axis=(-2, -1), keepdims=True) / hc)
    h = h / np.maximum(hs, DEM_SCALE_FLOOR)

    channels = [s, h[:, None], (h * h)[:, None], valid[:, None].astype(np.float32)]
    if version == 3:
        channels.append(level / safe[:, None, None, None] * vf)
    x = np.concatenate(channels, axis=1)
    return np.moveaxis(x, 1, -1).astype(np.float32), scale.astype(np.float32), valid
