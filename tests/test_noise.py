import numpy as np
import pytest

from mintpy_aedenoise.noise import (decorrelation_mask, fractal_dem, orbital_ramps, power_law_fields,
                                    radial_psd, stratified_delay, turbulent_delay, unwrapping_errors)


@pytest.mark.parametrize("beta", [5.0 / 3.0, 8.0 / 3.0, 11.0 / 3.0])
def test_power_law_spectrum_slope_matches_target(beta):
    fields = power_law_fields(np.random.default_rng(0), 64, (128, 128), beta=beta, oversample=2.0)
    k, psd = radial_psd(fields, nbins=24)
    sel = (k > 1 / 40) & (k < 1 / 4)       # well inside the band, away from grid effects
    slope = np.polyfit(np.log(k[sel]), np.log(psd[sel]), 1)[0]
    assert slope == pytest.approx(-beta, abs=0.25)


def test_outer_scale_flattens_long_wavelengths():
    rng = np.random.default_rng(1)
    pure = power_law_fields(rng, 64, (128, 128), beta=8 / 3, pixel_size=100.0)
    vk = power_law_fields(rng, 64, (128, 128), beta=8 / 3, outer_scale=500.0, pixel_size=100.0)

    def low_slope(f):
        k, p = radial_psd(f, pixel_size=100.0, nbins=24)
        sel = k < 1 / 2000.0
        return np.polyfit(np.log(k[sel]), np.log(p[sel]), 1)[0]

    assert low_slope(vk) > low_slope(pure) + 1.0


@pytest.mark.parametrize("shape", [(40, 40), (28, 28)])   # synthesis grids 64 and 45 (odd) wide
def test_fields_are_isotropic_north_south_as_east_west(shape):
    """Planes fitted to the fields tilt as much along rows as along columns: irfft2 keeps
    only the real part of the kx = 0 (and Nyquist) column, which once carried half power
    (east-west to north-south slope variance 1.55)."""
    f = power_law_fields(np.random.default_rng(1), 2000, shape, beta=11 / 3, outer_scale=20e3,
                         pixel_size=100.0)
    y, x = np.mgrid[:shape[0], :shape[1]].astype(float)
    a = np.stack([np.ones(x.size), x.ravel(), y.ravel()], axis=1)
    coef = np.linalg.lstsq(a, f.reshape(len(f), -1).T, rcond=None)[0]
    ratio = coef[1].var() / coef[2].var()
    assert 0.88 < ratio < 1.12, ratio


@pytest.mark.parametrize("size", [64, 45])
def test_white_fields_have_a_flat_spectrum_on_every_line(size):
    """beta = 0 on the whole grid: every non-DC bin of the averaged periodogram carries the same
    power, the kx = 0 column, the ky = 0 row and the Nyquist column (even size) included."""
    f = power_law_fields(np.random.default_rng(3), 400, (size, size), beta=0.0, oversample=1.0)
    p = (np.abs(np.fft.rfft2(f)) ** 2).mean(axis=0)
    p[0, 0] = np.nan
    ref = np.nanmean(p[1:-1, 1:-1])
    lines = {"kx = 0": p[1:, 0], "ky = 0": p[0, 1:]}
    if size % 2 == 0:
        lines["kx = Nyquist"] = p[:, -1]
    for name, line in lines.items():
        assert np.mean(line) / ref == pytest.approx(1.0, abs=0.05), name


def test_fields_are_unit_std_zero_mean_and_reproducible():
    a = power_law_fields(np.random.default_rng(5), 4, (40, 50))
    b = power_law_fields(np.random.default_rng(5), 4, (40, 50))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (4, 40, 50) and a.dtype == np.float32
    np.testing.assert_allclose(a.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(a.std(axis=(1, 2)), 1, atol=1e-4)
    assert not np.array_equal(a, power_law_fields(np.random.default_rng(6), 4, (40, 50)))


def test_turbulent_delay_has_requested_sigma():
    d = turbulent_delay(np.random.default_rng(2), 3, (32, 32), sigma=[0.001, 0.01, 0.05])
    np.testing.assert_allclose(d.std(axis=(1, 2)), [0.001, 0.01, 0.05], rtol=1e-4)


def test_stratified_delay_is_exact_quadratic_in_height():
    rng = np.random.default_rng(3)
    dem = fractal_dem(rng, 2, (30, 30))
    d = stratified_delay(rng, dem, 5, linear_std=1e-5, quadratic_std=1e-9)
    assert d.shape == (2, 5, 30, 30)
    for b in range(2):
        h = dem[b].ravel().astype(np.float64)
        design = np.stack([np.ones_like(h), h, h * h], axis=1)
        for t in range(5):
            y = d[b, t].ravel().astype(np.float64)
            coef, *_ = np.linalg.lstsq(design, y, rcond=None)
            assert np.abs(design @ coef - y).max() < 1e-5 * max(np.abs(y).max(), 1e-9) + 1e-9
    # fresh coefficients on every frame
    assert not np.allclose(d[0, 0], d[0, 1])


def test_stratified_coefficient_spread():
    rng = np.random.default_rng(4)
    dem = np.linspace(0, 1000, 100, dtype=np.float32).reshape(1, 10, 10)
    d = stratified_delay(rng, dem, 4000, linear_std=2e-5, quadratic_std=0.0, h_ref=0.0)
    slopes = d[0, :, -1, -1] / 1000.0
    assert slopes.std() == pytest.approx(2e-5, rel=0.05)


def test_fractal_dem_relief_and_floor():
    rng = np.random.default_rng(8)
    dem = fractal_dem(rng, 50, (40, 40), relief=(100.0, 1000.0), base=(200.0, 300.0))
    relief = dem.max(axis=(1, 2)) - dem.min(axis=(1, 2))
    assert dem.min() >= 200.0
    assert relief.min() >= 100.0 - 1e-3 and relief.max() <= 1000.0 + 1e-3
    with pytest.raises(ValueError, match="relief"):
        fractal_dem(rng, 1, (8, 8), relief=(0.0, 10.0))


def test_orbital_ramps_are_planar():
    r = orbital_ramps(np.random.default_rng(9), 3, (20, 30), sigma=0.01)
    np.testing.assert_allclose(np.diff(r, 2, axis=1), 0, atol=1e-7)
    np.testing.assert_allclose(np.diff(r, 2, axis=2), 0, atol=1e-7)
    np.testing.assert_allclose(r.std(axis=(1, 2)), 0.01, rtol=1e-4)


def test_unwrapping_errors_are_whole_cycles():
    wl = 0.0555
    u = unwrapping_errors(np.random.default_rng(10), 200, (24, 24), wavelength=wl, probability=0.5,
                          max_cycles=2)
    cycles = u / (wl / 2)
    np.testing.assert_allclose(cycles, np.round(cycles), atol=1e-5)
    affected = (np.abs(u) > 0).any(axis=(1, 2)).mean()
    assert 0.35 < affected < 0.65
    assert np.abs(cycles).max() <= 2 + 1e-6


def test_decorrelation_mask_fraction_and_clustering():
    m = decorrelation_mask(np.random.default_rng(11), 4, (64, 64), fraction=0.1)
    assert m.dtype == bool
    np.testing.assert_allclose(m.mean(axis=(1, 2)), 0.1, atol=0.01)
    # clustered: a bad pixel's right neighbour is bad far more often than chance
    assert (m[:, :, 1:] & m[:, :, :-1]).mean() / m.mean() > 0.5
    with pytest.raises(ValueError, match=r"fraction must be in \[0, 1\)"):
        decorrelation_mask(np.random.default_rng(0), 1, (8, 8), fraction=1.0)
