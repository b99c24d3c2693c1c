"""Sliding windows in time and the rolling buffer (mintpy_aedenoise.engine.windows)."""
import numpy as np
import pytest

from mintpy_aedenoise.engine import iter_window_frames, iter_windows, window_dates


@pytest.mark.parametrize("n_dates", [9, 12, 30])
def test_rolling_buffer_reads_each_date_once_and_yields_the_windows(rng, n_dates):
    stack = rng.standard_normal((n_dates, 20, 7)).astype(np.float32)
    reads = []

    def read(date_index, rows):
        reads.append(date_index)
        return stack[date_index, rows]

    for rows in (slice(0, 20), slice(3, 11), slice(19, 20)):
        reads.clear()
        windows = []
        for win, frames in iter_window_frames(read, n_dates, rows):
            # streaming: when window k comes out, only dates 0 .. k + 8 have been read
            assert reads == list(range(win.end + 1))
            windows.append((win, frames.copy()))
        assert reads == list(range(n_dates))                      # every date read exactly once
        assert [w.index for w, _ in windows] == list(range(n_dates - 8))
        for win, frames in windows:
            assert (win.start, win.end, win.stop) == (win.index, win.index + 8, win.index + 9)
            assert frames.shape == (9, rows.stop - rows.start, 7) and frames.dtype == np.float32
            np.testing.assert_array_equal(frames, stack[win.start:win.stop, rows])


def test_yielded_frames_are_not_overwritten_by_later_reads(rng):
    stack = rng.standard_normal((12, 4, 5)).astype(np.float32)
    kept = [f for _, f in iter_window_frames(lambda d, r: stack[d, r], 12, slice(0, 4))]
    for k, frames in enumerate(kept):
        np.testing.assert_array_equal(frames, stack[k:k + 9])


def test_window_dates_and_count():
    dates = [f"2020{m:02d}01" for m in range(1, 13)]
    start, end = window_dates(dates)
    assert start == dates[:4] and end == dates[8:]
    assert len(list(iter_windows(100))) == 92
    assert [(w.start, w.end) for w in iter_windows(5, length=3)] == [(0, 2), (1, 3), (2, 4)]


def test_too_few_dates_and_bad_reader():
    with pytest.raises(ValueError, match="at least 9 dates"):
        list(iter_windows(8))
    with pytest.raises(ValueError, match="at least 9 dates"):
        next(iter_window_frames(lambda d, r: np.zeros((2, 2)), 8, slice(0, 2)))
    with pytest.raises(ValueError, match="expected \\(rows, width\\)"):
        next(iter_window_frames(lambda d, r: np.zeros(2), 9, slice(0, 1)))
