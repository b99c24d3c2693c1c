"""Public Python API for scripts: denoise windows or whole series in memory.

Example (``series`` is (n, H, W) LOS displacement in metres, ``dem`` is (H, W) metres)::

    import mintpy_aedenoise as ae
    maps = ae.denoise_series(series, dem, model="fault")     # (n - 8, H, W) metres
"""
import functools
import os

import numpy as np

from .engine import OVERLAP, PATCH, blend_image, normalise_windows
from .engine.normalise import valid_mask, version_of_model_args
from .synthetic import N_FRAMES

__all__ = ["denoise_windows", "denoise_series", "resolve_model"]


@functools.lru_cache(maxsize=4)
def _cached_model(weights_file, stamp):
    from .store import load_model

    return load_model(weights_file)


def _stamp(path):
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def resolve_model(model):
    """A loaded model from a name ("fault", "mogi"), a ``*.weights.h5`` path or a model object.

    Loaded models are cached by path, weights and sidecar modification time and size, so a
    script that calls the API repeatedly loads each model once, and weights rewritten at the
    same path (a training run's export) are picked up.
    """
    if isinstance(model, (str, os.PathLike)):
        from .store import resolve_weights, sidecar_path

        weights_file = os.path.abspath(resolve_weights(model)[0])
        return _cached_model(weights_file, _stamp(weights_file) + _stamp(sidecar_path(weights_file)))
    if not hasattr(model, "predict") or not hasattr(model, "config_args"):
        raise ValueError("model must be 'fault', 'mogi', a .weights.h5 path or a model from load_model or "
                         f"build_model (a bare Keras model lacks the network's config_args), got {type(model)}")
    return model


def _check_usable(windows, dem):
    """Refuse windows with no pixel finite on every date and in the DEM: the output would be all NaN."""
    # window by window, so that a sliding-window view of a long series is never expanded into
    # a (B, 9, H, W) mask at once; the normal case stops at the first window
    for k in range(len(windows)):
        if (valid_mask(windows[k:k + 1])[0] & np.isfinite(dem[k])).any():
            return                           # the reasons only on failure
    if not np.isfinite(windows).any():
        raise ValueError("windows contain no finite value (all NaN/inf)")
    if not np.isfinite(dem).any():
        raise ValueError("dem contains no finite value (all NaN/inf)")
    raise ValueError("no pixel is finite on every date of a window and in the dem: the output would be all NaN")


def predict_normalised(model, series, dem, batch_size=64):
    """Run ``model`` on (B, 9, H, W) windows in metres; returns (B, H, W) metres, NaN where invalid.

    The input contract (normalisation version 2 or 3) follows from the network's inputs.
    """
    x, scale, valid = normalise_windows(series, dem, version=version_of_model_args(model.config_args))
    h, w = x.shape[1:3]
    m = 2 ** (len(model.config_args["widths"]) - 1)
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:  # the U-Net needs sizes divisible by 2**levels: pad with invalid pixels
        x = np.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)))
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float32)
    out = out[:, :h, :w, 0] * scale[:, None, None]
    return np.where(valid, out, np.nan).astype(np.float32)


def denoise_windows(windows, dem, model="fault", batch_size=64, overlap=OVERLAP):
    """Cumulative deformation of each 9-acquisition window.

    Parameters
    ----------
    windows : array_like
        (B, 9, H, W) LOS displacement in metres, positive toward the satellite; NaN marks
        invalid pixels.
    dem : array_like
        (B, H, W) or (H, W) elevation in metres.
    model : str or keras.Model
        "fault", "mogi", a ``*.weights.h5`` path, or a loaded model.
    batch_size : int
        Patches per forward pass.
    overlap : int
        Overlap in pixels of the 40 x 40 px patches when H or W differs from 40 (see
        :mod:`mintpy_aedenoise.engine.tiles`).

    Returns
    -------
    numpy.ndarray
        (B, H, W) float32 deformation between the first and last acquisition, metres; NaN where
        any frame is invalid.
    """
    windows = np.asarray(windows, dtype=np.float32)
    if windows.ndim != 4 or windows.shape[1] != N_FRAMES:
        raise ValueError(f"windows must have shape (B, {N_FRAMES}, H, W), got {windows.shape}")
    dem = np.asarray(dem, dtype=np.float32)
    shared_dem = dem.ndim == 2
    if shared_dem:
        dem = np.broadcast_to(dem, (windows.shape[0],) + dem.shape)
    if dem.shape != (windows.shape[0],) + windows.shape[2:]:
        raise ValueError(f"dem shape {dem.shape} does not match windows {windows.shape}: "
                         f"expected {(windows.shape[0],) + windows.shape[2:]} or {windows.shape[2:]}")
    _check_usable(windows, dem)
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    model = resolve_model(model)
    patch = getattr(model, "meta", {}).get("inference", {}).get("patch", PATCH)
    if windows.shape[-2:] == (patch, patch):
        return predict_normalised(model, windows, dem, batch_size=batch_size)
    # larger (or smaller) maps: 40 x 40 patches normalised one by one, exactly as in training,
    # blended on the engine's global grid (the same path as aedenoise.py)
    predict = functools.partial(predict_normalised, model, batch_size=batch_size)
    out = np.empty(windows.shape[:1] + windows.shape[2:], np.float32)
    if shared_dem:                           # one DEM for every window: one blended pass
        out[:] = blend_image(predict, windows, dem[0], patch=patch, overlap=overlap, batch_size=batch_size)[0]
    else:
        for i in range(len(windows)):
            out[i] = blend_image(predict, windows[i:i + 1], dem[i], patch=patch, overlap=overlap,
                                 batch_size=batch_size)[0][0]
    return out


def denoise_series(series, dem, model="fault", batch_size=64):
    """Sliding-window deformation maps of a whole series (a moving integral of deformation).

    Each output map is the deformation between acquisitions ``i`` and ``i + 8``, from 40 x 40 px
    patches blended exactly as ``aedenoise.py`` does. For scenes larger than memory, use
    :func:`mintpy_aedenoise.denoise.run` on files, which also streams strips of rows.

    Parameters
    ----------
    series : array_like
        (n, H, W) LOS displacement in metres, n >= 9.
    dem : array_like
        (H, W) elevation in metres.
    model, batch_size
        As in :func:`denoise_windows`.

    Returns
    -------
    numpy.ndarray
        (n - 8, H, W) float32 maps in metres.
    """
    series = np.asarray(series, dtype=np.float32)
    if series.ndim != 3:
        raise ValueError(f"series must have shape (n, H, W), got {series.shape}")
    if series.shape[0] < N_FRAMES:
        raise ValueError(f"series needs at least {N_FRAMES} acquisitions, got {series.shape[0]}")
    dem = np.asarray(dem, dtype=np.float32)
    if dem.shape != series.shape[1:]:
        raise ValueError(f"dem shape {dem.shape} does not match series {series.shape[1:]}")
    n_win = series.shape[0] - N_FRAMES + 1
    windows = np.lib.stride_tricks.sliding_window_view(series, N_FRAMES, axis=0)
    windows = np.moveaxis(windows, -1, 1)[:n_win]
    return denoise_windows(windows, dem, model=model, batch_size=batch_size)
