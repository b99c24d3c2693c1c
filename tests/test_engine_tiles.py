"""Spatial patches and blending (mintpy_aedenoise.engine.tiles), with the real tiny network."""
import functools

import numpy as np
import pytest

from mintpy_aedenoise.api import predict_normalised
from mintpy_aedenoise.engine import (blend_image, blend_strip, coverage, input_rows, iter_blocks, iter_patches,
                                     patch_starts)


@pytest.fixture(scope="module")
def predict(tiny_model):
    return functools.partial(predict_normalised, tiny_model, batch_size=64)


def _scene(rng, shape, n_win=1):
    """(n_win, 9, L, W) windows of mm-scale noise plus a smooth signal, and an (L, W) DEM."""
    length, width = shape
    yy, xx = np.mgrid[0:length, 0:width]
    signal = 0.01 * np.exp(-((yy - length / 2) ** 2 + (xx - width / 3) ** 2) / 200.0)
    ramp = np.linspace(0, 1, 9)[:, None, None] * signal
    frames = ramp[None] + 0.003 * rng.standard_normal((n_win, 9, length, width))
    dem = 500.0 + 10.0 * yy + 3.0 * rng.standard_normal(shape)
    return frames.astype(np.float32), dem.astype(np.float32)


def _by_strips(predict, frames, dem, tile_rows, **kw):
    """Blend strip by strip, giving each strip only its input rows, as the file workflow does."""
    length = frames.shape[-2]
    out = []
    for strip in iter_blocks(frames.shape[-2:], (tile_rows, frames.shape[-1])):
        r0, r1 = input_rows((strip.row_start, strip.row_stop), length, kw.get("patch", 40))
        out.append(blend_strip(predict, frames[..., r0:r1, :], dem[r0:r1], (strip.row_start, strip.row_stop),
                               frames.shape[-2:], row_offset=r0, **kw)[0])
    return np.concatenate(out, axis=-2)


@pytest.mark.parametrize("shape, block", [((100, 60), (25, 60)), ((67, 53), (13, 53)), ((5, 7), (2, 3)),
                                          ((31, 40), (7, 9)), ((1, 1), (4, 4))])
def test_blocks_touch_every_pixel_exactly_once(shape, block):
    count = np.zeros(shape, int)
    for b in iter_blocks(shape, block):
        count[tuple(b)] += 1
        assert 0 < b.shape[0] <= block[0] and 0 < b.shape[1] <= block[1]
    np.testing.assert_array_equal(count, 1)


@pytest.mark.parametrize("size", [1, 39, 40, 41, 59, 60, 61, 100, 137])
def test_patch_grid_covers_the_axis_and_is_clamped(size):
    starts = patch_starts(size, 40, 20)
    assert starts[0] == 0 and starts == sorted(set(starts))
    assert starts[-1] == max(size - 40, 0)                     # last patch flush with the edge
    assert all(b - a <= 20 for a, b in zip(starts, starts[1:]))  # stride never exceeded
    covered = np.zeros(max(size, 40), int)
    for s in starts:
        covered[s:s + 40] += 1
    assert covered[:size].min() >= 1
    # interior pixels are seen by 2 patches along each axis (about 4 in 2-D)
    if size >= 80:
        assert (covered[20:size - 20] >= 2).all()


def test_blending_weights_sum_to_one():
    # Hann bells at 50 % overlap are a partition of unity in the interior; the normaliser is > 0 everywhere
    np.testing.assert_allclose(coverage((100, 100), floor=0.0)[20:80, 20:80], 1.0, atol=1e-12)
    assert coverage((67, 53)).min() > 0 and coverage((23, 31)).min() > 0


@pytest.mark.parametrize("shape", [(67, 53), (23, 31), (90, 30)])
def test_blending_reproduces_position_independent_predictions(rng, shape):
    """With normalised weights, blending patches that agree returns their common value exactly."""
    frames, dem = _scene(rng, shape)
    frames[0, 3, 5, 7] = np.nan

    def last_minus_first(series, dem):   # follows the predict contract: NaN where any frame is
        return np.where(np.isfinite(series).all(axis=1), series[:, -1] - series[:, 0], np.nan)

    out, std = blend_image(last_minus_first, frames, dem, uncertainty=True)
    expected = frames[:, -1] - frames[:, 0]
    expected[0, 5, 7] = np.nan
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-9)
    assert np.isnan(out[0, 5, 7]) and np.isnan(std[0, 5, 7])
    np.testing.assert_allclose(np.nan_to_num(std), 0.0, atol=1e-7)   # the patches agree: no spread


@pytest.mark.parametrize("shape, tile_rows", [((67, 53), 13), ((43, 41), 3), ((23, 31), 7), ((90, 30), 41),
                                              ((45, 70), 45)])
def test_strips_equal_whole_image(rng, predict, shape, tile_rows):
    frames, dem = _scene(rng, shape, n_win=2)
    frames[1, :, 10, 4] = np.nan
    whole, whole_std = blend_image(predict, frames, dem, uncertainty=True)
    strips = _by_strips(predict, frames, dem, tile_rows)
    assert whole.shape == frames[:, 0].shape and whole.dtype == np.float32
    assert np.isfinite(whole).sum() == whole.size - 1 and np.isnan(whole[1, 10, 4])
    assert np.nanmax(np.abs(whole)) > 1e-4 and np.nanmin(whole_std) >= 0
    np.testing.assert_allclose(strips, whole, rtol=1e-5, atol=1e-5 * np.nanmax(np.abs(whole)))


def test_strip_needs_its_input_rows(rng, predict):
    frames, dem = _scene(rng, (100, 40))
    with pytest.raises(ValueError, match="do not contain rows"):
        blend_strip(predict, frames[..., 50:, :], dem[50:], (60, 80), (100, 40), row_offset=50)


def test_invalid_pixel_does_not_influence_neighbours(rng, predict):
    frames, dem = _scene(rng, (60, 60))
    y, x = 30, 31
    nan_run = frames.copy()
    nan_run[0, 4, y, x] = np.nan                    # NaN in one frame only
    wild = frames.copy()
    wild[0, :, y, x] = 1e3                          # absurd values, masked out
    mask = np.ones((60, 60), bool)
    mask[y, x] = False
    a = blend_image(predict, nan_run, dem)[0]
    b = blend_image(predict, wild, dem, mask=mask)[0]
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    assert np.isnan(a[0, y, x]) and np.isfinite(a).sum() == a.size - 1
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    # the same wild values unmasked do change the neighbourhood: the test can see a leak
    c = blend_image(predict, wild, dem)[0]
    near = (0, slice(y - 3, y + 4), slice(x - 3, x + 4))
    assert np.nanmax(np.abs(c[near] - a[near])) > 1e-4


@pytest.mark.parametrize("k", [1e-3, 37.0])
def test_scale_equivariance(rng, predict, k):
    frames, dem = _scene(rng, (50, 45))
    out, std = blend_image(predict, frames, dem, uncertainty=True)
    out_k, std_k = blend_image(predict, k * frames, dem, uncertainty=True)
    np.testing.assert_allclose(out_k, k * out, rtol=1e-4, atol=1e-6 * k * np.abs(out).max())
    np.testing.assert_allclose(std_k, k * std, rtol=1e-3, atol=1e-5 * k * np.abs(out).max())


def test_uncertainty_is_the_spread_of_overlapping_patches(rng, predict):
    frames, dem = _scene(rng, (60, 60))
    out, std = blend_image(predict, frames, dem, uncertainty=True)
    assert std.shape == out.shape and std.dtype == np.float32
    assert std[0, 0, 0] <= 1e-6 * abs(out[0, 0, 0])  # a corner pixel is seen by a single patch
    assert std[0, 25:35, 25:35].min() > 0           # interior pixels: 4 patches that disagree a little
    assert blend_image(predict, frames, dem)[1] is None


def test_patches_of_a_strip_are_on_the_global_grid():
    whole = {(p.row_start, p.col_start) for p in iter_patches((95, 70))}
    for y0, y1 in [(0, 13), (13, 26), (50, 95), (94, 95)]:
        sub = {(p.row_start, p.col_start) for p in iter_patches((95, 70), rows=(y0, y1))}
        assert sub <= whole
        assert sub == {(r, c) for r, c in whole if r < y1 and r + 40 > y0}
