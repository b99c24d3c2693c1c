"""Sliding windows in time: 9 consecutive acquisitions per window, read once per strip.

For ``n >= 9`` dates, window ``k`` covers dates ``k .. k + 8`` (``n - 8`` windows); its output
is the deformation between its first (start) and last (end) acquisition.
:func:`iter_window_frames` streams a strip of rows through time with a rolling buffer of 9
frames, so every date of the strip is read exactly once and peak memory does not grow with
the number of dates.
"""
from dataclasses import dataclass

import numpy as np

from ..synthetic import N_FRAMES

__all__ = ["TimeWindow", "iter_windows", "window_dates", "iter_window_frames"]


@dataclass(frozen=True)
class TimeWindow:
    """Dates ``[start, stop)`` of window ``index`` (date indices into the time series)."""

    index: int
    start: int
    stop: int

    @property
    def end(self):
        """Index of the last (end) date of the window."""
        return self.stop - 1


def iter_windows(n_dates, length=N_FRAMES):
    """Yield the sliding windows of ``length`` consecutive dates.

    Parameters
    ----------
    n_dates : int
        Number of acquisitions, >= ``length``.
    length : int
        Acquisitions per window.

    Yields
    ------
    TimeWindow

    Examples
    --------
    >>> [(w.index, w.start, w.end) for w in iter_windows(11)]
    [(0, 0, 8), (1, 1, 9), (2, 2, 10)]
    """
    if length < 1:
        raise ValueError(f"window length must be >= 1, got {length}")
    if n_dates < length:
        raise ValueError(f"need at least {length} dates for one window, got {n_dates}")
    for k in range(n_dates - length + 1):
        yield TimeWindow(k, k, k + length)


def window_dates(dates, length=N_FRAMES):
    """Start and end dates of every window.

    Parameters
    ----------
    dates : sequence of str
        Acquisition dates in time order.
    length : int
        Acquisitions per window.

    Returns
    -------
    start_dates, end_dates : list of str
        One entry per window.

    Examples
    --------
    >>> window_dates(["d0", "d1", "d2", "d3"], length=3)
    (['d0', 'd1'], ['d2', 'd3'])
    """
    wins = list(iter_windows(len(dates), length))
    return [dates[w.start] for w in wins], [dates[w.end] for w in wins]


def iter_window_frames(read, n_dates, rows, length=N_FRAMES):
    """Stream a strip of rows through time, yielding the frames of every window.

    Each date is read once, into a rolling buffer of ``length`` frames; a window is yielded
    as soon as its last date is in the buffer.

    Parameters
    ----------
    read : callable
        ``read(date_index, rows) -> (n_rows, width)`` array of that date over ``rows``.
    n_dates : int
        Number of acquisitions, >= ``length``.
    rows : slice
        Rows of the strip, passed through to ``read``.
    length : int
        Acquisitions per window.

    Yields
    ------
    window : TimeWindow
        Which dates the frames cover.
    frames : numpy.ndarray
        (length, n_rows, width) float32 frames in time order; a fresh array for each window.

    Examples
    --------
    >>> stack = np.arange(4, dtype=np.float32).reshape(4, 1, 1) * np.ones((1, 2, 3))
    >>> [(w.index, f[:, 0, 0].tolist()) for w, f in
    ...  iter_window_frames(lambda d, r: stack[d, r], 4, slice(0, 2), length=3)]
    [(0, [0.0, 1.0, 2.0]), (1, [1.0, 2.0, 3.0])]
    """
    windows = iter(list(iter_windows(n_dates, length)))   # checks n_dates >= length
    buf = None
    for d in range(n_dates):
        frame = np.asarray(read(d, rows), dtype=np.float32)
        if frame.ndim != 2:
            raise ValueError(f"read({d}, {rows}) returned shape {frame.shape}, expected (rows, width)")
        if buf is None:
            buf = np.empty((length,) + frame.shape, np.float32)
        buf[d % length] = frame
        if d >= length - 1:
            win = next(windows)
            order = [(win.start + j) % length for j in range(length)]
            yield win, buf[order]
