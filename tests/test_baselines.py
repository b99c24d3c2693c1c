"""Tests of the classical estimators (mintpy_aedenoise.baselines)."""
import numpy as np
import pytest

from mintpy_aedenoise.baselines import (ESTIMATORS, gaussian_lowpass_time, height_correction,
                                        naive_difference, nan_gaussian_lowpass_space,
                                        remove_height_correlation, temporal_gaussian)

B, T, H, W = 3, 9, 12, 10


@pytest.fixture
def dem():
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([500.0 + 80.0 * x + 30.0 * y + 40.0 * rng.standard_normal((H, W))
                     for _ in range(B)])


def stratified(rng, dem):
    """Exactly quadratic-in-elevation delays, referenced at the mean elevation as the synthetic
    windows' are, with new coefficients on every frame."""
    hc = dem - dem.mean(axis=(1, 2), keepdims=True)
    a = rng.normal(0, 2e-5, (B, T, 1, 1))
    b = rng.normal(0, 2e-8, (B, T, 1, 1))
    return a * hc[:, None] + b * hc[:, None] ** 2


def test_naive_difference_is_last_minus_first():
    s = np.random.default_rng(0).normal(size=(B, T, H, W))
    out = naive_difference(s)
    assert out.shape == (B, H, W) and out.dtype == np.float32
    np.testing.assert_allclose(out, s[:, -1] - s[:, 0], rtol=1e-6)


def test_height_correction_removes_exact_quadratic_and_keeps_the_level(dem):
    """A delay ``c + a (h - h_m) + b (h - h_m)^2`` loses its elevation terms and keeps its
    level ``c``, as MintPy's correction referenced at a pixel of the mean elevation would."""
    rng = np.random.default_rng(2)
    strat = stratified(rng, dem)
    level = rng.normal(0, 0.01, (B, T, 1, 1))
    assert np.abs(strat[:, -1] - strat[:, 0]).max() > 1e-2   # the naive estimate is wrong
    np.testing.assert_allclose(height_correction(strat, dem), 0.0, atol=1e-6)
    np.testing.assert_allclose(remove_height_correlation(strat + level, dem),
                               np.broadcast_to(level, strat.shape), atol=1e-9)
    np.testing.assert_allclose(height_correction(strat + level, dem),
                               np.broadcast_to(level[:, -1] - level[:, 0], (B, H, W)), atol=1e-6)


def test_height_correction_keeps_deformation_orthogonal_to_elevation(dem):
    """A step deformation with no [1, h, h^2] component survives the correction exactly."""
    rng = np.random.default_rng(3)
    basis = np.stack([np.ones_like(dem), dem, dem ** 2], axis=-1).reshape(B, -1, 3)
    defo = rng.normal(0, 0.02, (B, H * W))
    coef = np.stack([np.linalg.lstsq(basis[k], defo[k], rcond=None)[0] for k in range(B)])
    defo = (defo - np.einsum("bni,bi->bn", basis, coef)).reshape(B, H, W)
    step = (np.arange(T) >= 4).astype(float)[None, :, None, None]
    series = stratified(rng, dem) + step * defo[:, None]
    np.testing.assert_allclose(height_correction(series, dem), defo, atol=1e-6)


def test_height_correction_flat_dem_removes_nothing():
    s = np.random.default_rng(4).normal(size=(1, T, H, W))
    out = height_correction(s, np.full((H, W), 120.0))
    np.testing.assert_allclose(out, s[:, -1] - s[:, 0], atol=1e-6)


@pytest.mark.parametrize("sigma", [0.5, 2.0, 3.0, 8.0])
def test_temporal_filter_recovers_linear_trend(sigma, dem):
    """Noise-free linear-in-time series: the boundary-corrected filter is exact at the ends."""
    rate = np.random.default_rng(5).normal(0, 0.01, (B, 1, H, W))
    series = rate * np.arange(T, dtype=float)[None, :, None, None]
    np.testing.assert_allclose(gaussian_lowpass_time(series, sigma), series, atol=1e-12)
    np.testing.assert_allclose(temporal_gaussian(series, sigma=sigma), rate[:, 0] * (T - 1),
                               atol=1e-6)
    # LiCSBAS's spatial part and the height correction leave an orthogonal trend alone too
    np.testing.assert_allclose(
        temporal_gaussian(series, sigma=sigma, spatial_sigma=4.0), rate[:, 0] * (T - 1),
        atol=1e-6)


def test_temporal_filter_reduces_white_noise():
    rng = np.random.default_rng(6)
    noise = rng.normal(size=(4, T, 32, 32))
    naive = naive_difference(noise).std()
    assert temporal_gaussian(noise, sigma=2.0).std() < 0.8 * naive
    # a wider filter averages more dates
    assert temporal_gaussian(noise, sigma=4.0).std() < temporal_gaussian(noise, sigma=1.0).std()


def test_temporal_filter_skips_missing_dates():
    series = np.arange(T, dtype=float)[None, :, None, None] * np.ones((1, T, 2, 2))
    series[0, 3, 0, 0] = np.nan
    out = gaussian_lowpass_time(series, 2.0)
    assert np.isnan(out[0, 3, 0, 0]) and np.isfinite(np.delete(out[0, :, 0, 0], 3)).all()
    np.testing.assert_allclose(np.delete(out[0, :, 0, 0], 3), np.delete(series[0, :, 0, 0], 3))
    # a pixel with a single valid date keeps it
    series[0, :, 1, 1] = np.nan
    series[0, 5, 1, 1] = 7.0
    assert gaussian_lowpass_time(series, 2.0)[0, 5, 1, 1] == pytest.approx(7.0)


def test_spatial_lowpass_normalised_over_valid_pixels():
    maps = np.full((2, H, W), 3.0)
    maps[0, 4, 5] = np.nan
    out = nan_gaussian_lowpass_space(maps, 3.0)
    assert np.isnan(out[0, 4, 5]) and np.isfinite(out).sum() == 2 * H * W - 1
    np.testing.assert_allclose(out[np.isfinite(out)], 3.0)   # constants survive, edges included
    np.testing.assert_array_equal(nan_gaussian_lowpass_space(maps, 0.0), maps)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_nan_pixels_stay_nan_and_do_not_spread(name, dem):
    rng = np.random.default_rng(7)
    series = stratified(rng, dem) + rng.normal(0, 0.005, (B, T, H, W))
    series[0, :, 2, 3] = np.nan      # decorrelated in every frame
    series[1, 0, 5, 5] = np.nan      # missing in the first frame only
    series[2, 4, 7, 1] = np.nan      # missing in an interior frame only
    dem = dem.copy()
    dem[2, 0, 0] = np.nan
    out = ESTIMATORS[name](series, dem)
    assert out.shape == (B, H, W) and out.dtype == np.float32
    expected = np.zeros((B, H, W), bool)
    expected[0, 2, 3] = expected[1, 5, 5] = True
    if name != "naive":              # the estimators that use elevation
        expected[2, 0, 0] = True
    np.testing.assert_array_equal(np.isnan(out), expected)


def test_estimators_reject_bad_shapes(dem):
    with pytest.raises(ValueError, match="shape"):
        naive_difference(np.zeros((T, H, W)))
    with pytest.raises(ValueError, match="dem shape"):
        height_correction(np.zeros((B, T, H, W)), dem[:, :-1])
    with pytest.raises(ValueError, match="sigma"):
        gaussian_lowpass_time(np.zeros((B, T, H, W)), 0.0)


@pytest.mark.parametrize("flat_value", [120.0, 123.4, 2240.7])
def test_degenerate_dems_keep_the_level(flat_value):
    """A flat DEM whose mean is not exact in binary, or one of two heights (integer heights on
    flat ground), must neither remove nor invent a level or a step."""
    rng = np.random.default_rng(5)
    level = rng.normal(0, 0.01, (1, T, 1, 1))
    s = np.broadcast_to(level, (1, T, H, W)).copy()
    flat = np.full((H, W), flat_value)
    np.testing.assert_allclose(remove_height_correlation(s, flat), s, atol=1e-12)
    for share in (0.5, 0.3):                         # equal and unequal counts of the two heights
        two = np.where(rng.random((H, W)) < share, flat_value, flat_value + 1.0)
        np.testing.assert_allclose(remove_height_correlation(s, two), s, atol=1e-12)
        linear = s + 0.003 * (two - two.mean())[None, None]           # a linear delay goes
        np.testing.assert_allclose(remove_height_correlation(linear, two), s, atol=1e-12)


def test_level_kept_with_missing_pixels(dem):
    """Missing pixels in a frame and unknown elevations: the level is kept on the rest."""
    level = np.random.default_rng(6).normal(0, 0.01, (B, T, 1, 1))
    d = dem.copy()
    d[:, 0, 0] = np.nan
    # the delay is referenced at the mean over the known elevations
    hc = np.where(np.isnan(d), np.nan, d - np.nanmean(d, axis=(1, 2), keepdims=True))
    rng2 = np.random.default_rng(7)
    a, b = rng2.normal(0, 2e-5, (B, T, 1, 1)), rng2.normal(0, 2e-8, (B, T, 1, 1))
    series = a * hc[:, None] + b * hc[:, None] ** 2 + level
    series[:, 2, 3, 4] = np.nan
    out = remove_height_correlation(series, d)
    expected = np.where(np.isfinite(series), np.broadcast_to(level, series.shape), np.nan)
    np.testing.assert_allclose(out, expected, atol=1e-9)
