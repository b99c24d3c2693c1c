import numpy as np
import pytest

from mintpy_aedenoise.synthetic import (N_FRAMES, generate_windows, noise_std, random_source_deformation,
                                        time_history)


@pytest.mark.parametrize("kind", ["fault", "mogi"])
def test_windows_follow_the_published_recipe(kind):
    b = generate_windows(np.random.default_rng(0), 32, kind=kind)
    assert b.series.shape == (32, N_FRAMES, 40, 40) and b.series.dtype == np.float32
    assert b.dem.shape == b.target.shape == (32, 40, 40)
    signal = b.series.astype(np.float64) - b.noise
    tol = 1e-6 * np.abs(b.series).max()   # float32 rounding of signal + noise
    # frames 0 and 8 never deform: frame 0 is zero, frame 8 equals frame 7 equals the target
    np.testing.assert_allclose(signal[:, 0], 0, atol=tol)
    np.testing.assert_allclose(signal[:, -1], b.target, atol=tol)
    np.testing.assert_allclose(signal[:, -2], b.target, atol=tol)
    # deformation only grows in time (monotone history) and every window has a source
    assert np.abs(b.target).mean(axis=(1, 2)).min() > 0
    # fresh noise on every frame
    assert not np.allclose(b.noise[:, 0], b.noise[:, 1])
    # SNR as defined: mean|target| / std(noise)
    np.testing.assert_allclose(np.abs(b.target).mean(axis=(1, 2)) / noise_std(b.noise), b.snr, rtol=1e-4)


def test_requested_snr_and_reproducibility():
    a = generate_windows(np.random.default_rng(3), 8, kind="fault", snr=0.1)
    b = generate_windows(np.random.default_rng(3), 8, kind="fault", snr=0.1)
    np.testing.assert_array_equal(a.series, b.series)
    np.testing.assert_allclose(a.snr, 0.1)
    np.testing.assert_allclose(np.abs(a.target).mean(axis=(1, 2)) / noise_std(a.noise), 0.1, rtol=1e-4)


def test_noise_level_sets_physical_amplitude():
    b = generate_windows(np.random.default_rng(4), 64, kind="mogi", noise_level=(0.002, 0.002))
    np.testing.assert_allclose(noise_std(b.noise), 0.002, rtol=1e-4)


def test_time_history_onsets_are_random_and_inside():
    h = time_history(np.random.default_rng(5), 2000)
    assert (h[:, 0] == 0).all() and (h[:, -2:] == 1).all()
    assert (np.diff(h, axis=1) >= 0).all()
    onset = (h > 0).argmax(axis=1)
    assert set(np.unique(onset)) == set(range(1, 8))
    durations = (h < 1).sum(axis=1) - onset + 1
    assert durations.min() == 1 and durations.max() == 7


def test_mogi_inflation_and_deflation_both_occur():
    los = random_source_deformation(np.random.default_rng(6), 200, "mogi")
    centre_sign = np.sign(los[:, 20, 20])
    assert (centre_sign > 0).any() and (centre_sign < 0).any()


def test_surface_reaching_faults_have_offsets():
    los = random_source_deformation(np.random.default_rng(7), 200, "fault")
    # a surface rupture makes a step between neighbouring pixels much larger than the typical gradient
    grad = np.abs(np.diff(los, axis=2))
    ratio = grad.max(axis=(1, 2)) / np.median(grad, axis=(1, 2))
    assert (ratio > 20).mean() > 0.5


@pytest.mark.parametrize("kind", ["fault", "mogi"])
def test_batch_reports_the_sources_that_make_its_target(kind):
    from mintpy_aedenoise.physics import enu2los, mogi, okada
    b = generate_windows(np.random.default_rng(9), 6, kind=kind, snr=0.5)
    s = b.sources
    c = (np.arange(40) - 19.5) * 100.0
    east, north = np.meshgrid(c, c[::-1])
    col = {k: v[:, None, None] for k, v in s.items()}
    if kind == "fault":
        # the depth is the fault's centre, below its upper edge
        np.testing.assert_allclose(s["depth"], s["top"] + 0.5 * s["width"] * np.sin(np.deg2rad(s["dip"])))
        enu = okada.displacement(east, north, x0=col["east"], y0=col["north"], depth=col["depth"],
                                 strike=col["strike"], dip=col["dip"], length=col["length"],
                                 width=col["width"], rake=col["rake"], slip=col["slip"])
    else:
        enu = mogi.displacement(east, north, x0=col["east"], y0=col["north"], depth=col["depth"],
                                dvol=col["dvol"])
    assert (30 <= s["incidence"]).all() and (s["incidence"] <= 45).all()
    los = enu2los(*enu, col["incidence"], col["azimuth"])
    np.testing.assert_allclose(los, b.target, rtol=0, atol=1e-6 * np.abs(b.target).max())
    # reporting the sources does not change the draws
    rng1, rng2 = np.random.default_rng(1), np.random.default_rng(1)
    los1 = random_source_deformation(rng1, 4, kind)
    los2, _ = random_source_deformation(rng2, 4, kind, return_sources=True)
    np.testing.assert_array_equal(los1, los2)
    assert rng1.bit_generator.state == rng2.bit_generator.state


@pytest.mark.parametrize("kind", ["fault", "mogi"])
def test_broad_sources_scale_every_length_and_leave_the_default_prior_unchanged(kind):
    plain = generate_windows(np.random.default_rng(11), 8, kind=kind, snr=1.0)
    for broad in (None, (0.0, 4.0)):        # a zero fraction draws nothing more
        same = generate_windows(np.random.default_rng(11), 8, kind=kind, snr=1.0, broad=broad)
        np.testing.assert_array_equal(same.series, plain.series)
        assert "scale" not in same.sources
    _, base = random_source_deformation(np.random.default_rng(12), 400, kind, return_sources=True)
    los, s = random_source_deformation(np.random.default_rng(12), 400, kind, return_sources=True,
                                       broad=(0.5, 4.0))
    scaled = s["scale"] > 1
    assert (1 <= s["scale"]).all() and (s["scale"] <= 4).all() and 0.4 < scaled.mean() < 0.6
    assert s["scale"][scaled].max() > 3
    # each source is the default draw with its lengths scaled, its angles as drawn (the LOS is
    # drawn after the scale factors, so it differs)
    names = ("east", "north", "depth") + (("length", "width", "top") if kind == "fault" else ())
    for name in names:
        np.testing.assert_allclose(s[name], base[name] * s["scale"])
    for name in ("strike", "dip", "rake") if kind == "fault" else ("dvol",):
        np.testing.assert_array_equal(s[name], base[name])
    # broader maps: smaller gradients relative to their amplitude
    rough = np.abs(np.diff(los, axis=2)).mean(axis=(1, 2)) / np.abs(los).mean(axis=(1, 2))
    assert np.median(rough[s["scale"] > 2]) < 0.7 * np.median(rough[~scaled])
    with pytest.raises(ValueError, match="broad must be"):
        random_source_deformation(np.random.default_rng(0), 2, kind, broad=(0.5, 0.9))


def test_extras():
    b = generate_windows(np.random.default_rng(8), 16, extras=("ramp", "unwrap", "nan"))
    nan = np.isnan(b.series)
    assert nan.any() and not nan.all()
    # NaN pixels are NaN in every frame (decorrelated pixels)
    np.testing.assert_array_equal(nan.any(axis=1), nan.all(axis=1))
    assert np.isfinite(b.target).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "dyke"}, "unknown kind"),
    ({"extras": ("fog",)}, "unknown extras"),
    ({"n_frames": 2}, "n_frames"),
    ({"size": 1}, "size must be >= 2"),
    ({"snr_range": (0.0, 10.0)}, r"snr_range must be \(min, max\) with 0 < min <= max"),
    ({"snr_range": (10.0, 0.1)}, "snr_range"),
    ({"noise_level": (0.0, 0.01)}, "noise_level"),
    ({"noise_level": (float("nan"), 0.01)}, "noise_level"),
    ({"snr": -1.0}, "non-negative"),
    ({"level_noise": -1.0}, "level_noise"),
    ({"level_noise": float("nan")}, "level_noise"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_windows(np.random.default_rng(0), 2, **kwargs)


def test_level_noise_adds_one_constant_per_frame_and_keeps_the_rest():
    plain = generate_windows(np.random.default_rng(3), 32, kind="mogi")
    lev = generate_windows(np.random.default_rng(3), 32, kind="mogi", level_noise=2.0)
    np.testing.assert_array_equal(lev.target, plain.target)
    np.testing.assert_allclose(lev.snr, plain.snr)
    shift = (lev.series - plain.series).reshape(32, 9, -1)
    np.testing.assert_allclose(shift.std(axis=-1), 0.0, atol=1e-6)           # constant in space
    np.testing.assert_allclose(lev.noise - plain.noise, lev.series - plain.series, atol=1e-6)
    ratio = shift[..., 0].std() / np.sqrt(np.mean(noise_std(plain.noise) ** 2))
    assert 1.6 < ratio < 2.4                                                    # 2 x the noise std
