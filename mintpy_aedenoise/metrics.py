"""Scores used in training, evaluation and the demo."""
import numpy as np

__all__ = ["r2_per_window"]


def r2_per_window(pred, target, mask=None, relative=False):
    """Coefficient of determination of each window, ``1 - SS_res / SS_tot``.

    Parameters
    ----------
    pred, target : numpy.ndarray
        (B, H, W) predictions and truth.
    mask : numpy.ndarray or None
        (B, H, W) bool, pixels to score (default: where both are finite).
    relative : bool
        Score the deformation *relative to the window mean*: the prediction and the truth
        each lose their mean over the scored pixels first, so a constant offset of the whole
        window (unobservable in InSAR, which measures relative to a reference point) is not
        counted as an error.

    Returns
    -------
    numpy.ndarray
        (B,) R^2 (NaN for a window whose target is constant).

    Examples
    --------
    >>> t = np.arange(8.0).reshape(1, 2, 4)
    >>> r2_per_window(t, t).tolist(), r2_per_window(np.zeros_like(t) + t.mean(), t).tolist()
    ([1.0], [0.0])
    >>> r2_per_window(t + 5.0, t).round(2).tolist(), r2_per_window(t + 5.0, t, relative=True).tolist()
    ([-3.76], [1.0])
    """
    pred = np.asarray(pred, np.float64)
    target = np.asarray(target, np.float64)
    if mask is None:
        mask = np.isfinite(pred) & np.isfinite(target)
    m = mask.astype(np.float64)
    n = np.maximum(m.sum(axis=(1, 2)), 1.0)
    t = np.where(mask, target, 0.0)
    p = np.where(mask, pred, 0.0)
    tmean = t.sum(axis=(1, 2)) / n
    if relative:
        p = p - ((p.sum(axis=(1, 2)) / n)[:, None, None] - tmean[:, None, None])
    ss_tot = (((t - tmean[:, None, None]) * m) ** 2).sum(axis=(1, 2))
    ss_res = (((p - t) * m) ** 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.nan)
