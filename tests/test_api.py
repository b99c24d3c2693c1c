"""Public Python API: shapes, errors, and the same patching as aedenoise.py."""
import numpy as np
import pytest

import mintpy_aedenoise as ae
from mintpy_aedenoise.engine import version_of_model_args
from mintpy_aedenoise.api import predict_normalised
from mintpy_aedenoise.synthetic import generate_windows


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(3)
    return (rng.normal(size=(11, 50, 60)) * 0.01).astype(np.float32), rng.uniform(0, 500, (50, 60)).astype(np.float32)


def test_denoise_windows_on_training_sized_windows(tiny_model):
    b = generate_windows(np.random.default_rng(0), 3, kind="mogi")
    out = ae.denoise_windows(b.series, b.dem, model=tiny_model)
    assert out.shape == (3, 40, 40) and out.dtype == np.float32 and np.isfinite(out).all()
    # scale equivariance: metres in, metres out
    np.testing.assert_allclose(ae.denoise_windows(10 * b.series, b.dem, model=tiny_model), 10 * out,
                               rtol=1e-4, atol=1e-6)


def test_denoise_series_is_a_blend_of_40_px_patches(series, tiny_model):
    """Checked against the network on hand-cut patches: on a 50 x 60 image with overlap 20 the
    patch grid starts at rows (0, 10) and columns (0, 20)."""
    ts, dem = series
    maps = ae.denoise_series(ts, dem, model=tiny_model)
    assert maps.shape == (3, 50, 60) and np.isfinite(maps).all()
    windows = np.stack([ts[k:k + 9] for k in range(3)])
    patches = {(r, c): predict_normalised(tiny_model, windows[:, :, r:r + 40, c:c + 40], np.broadcast_to(
        dem[r:r + 40, c:c + 40], (3, 40, 40))) for r in (0, 10) for c in (0, 20)}
    # pixels covered by one patch only are that patch's prediction
    np.testing.assert_allclose(maps[:, :10, :20], patches[0, 0][:, :10, :20], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(maps[:, 40:, 40:], patches[10, 20][:, 30:, 20:], rtol=1e-5, atol=1e-7)
    # the others are weighted means of the patches that cover them, not any one of them
    stack = np.stack([patches[r, c][:, 25 - r, 30 - c] for r, c in patches])      # (4 patches, 3 maps)
    assert (stack.min(0) - 1e-7 <= maps[:, 25, 30]).all() and (maps[:, 25, 30] <= stack.max(0) + 1e-7).all()
    assert (np.abs(stack - maps[:, 25, 30]).min(0) > 0).all()
    # each map depends only on its own 9 dates
    np.testing.assert_allclose(ae.denoise_series(ts[1:10], dem, model=tiny_model)[0], maps[1], rtol=1e-5, atol=1e-7)


def test_nan_pixels_come_out_nan(series, tiny_model):
    ts, dem = series
    ts = ts.copy()
    ts[4, 10, 12] = np.nan
    maps = ae.denoise_series(ts, dem, model=tiny_model)
    assert np.isnan(maps[:, 10, 12]).all() and np.isfinite(maps[:, 30, 30]).all()


def test_model_by_path(series, tiny_model_file):
    ts, dem = series
    assert ae.denoise_series(ts[:9], dem, model=str(tiny_model_file)).shape == (1, 50, 60)


def test_weights_rewritten_at_the_same_path_are_reloaded(series, tiny_model, tmp_path):
    from mintpy_aedenoise.api import resolve_model
    from mintpy_aedenoise.store import save_model

    ts, dem = series
    path = str(tmp_path / "run.weights.h5")
    save_model(tiny_model, path, {"kind": "fault"})
    first = ae.denoise_series(ts[:9], dem, model=path)
    assert resolve_model(path) is resolve_model(path)          # loaded once
    head = tiny_model.get_layer("kernel")
    kernel, bias = head.get_weights()
    head.set_weights([2 * kernel, bias])
    try:
        save_model(tiny_model, path, {"kind": "fault", "note": "rewritten"})
    finally:
        head.set_weights([kernel, bias])
    assert resolve_model(path).meta["note"] == "rewritten"
    assert not np.allclose(ae.denoise_series(ts[:9], dem, model=path), first)


@pytest.mark.parametrize("bad, match", [
    (lambda ts, dem: (ts[:8], dem), "at least 9"),
    (lambda ts, dem: (ts[0], dem), "shape"),
    (lambda ts, dem: (ts, dem[:10]), "dem shape"),
    (lambda ts, dem: (np.full_like(ts, np.nan), dem), "windows contain no finite"),
    (lambda ts, dem: (ts, np.full_like(dem, np.nan)), "dem contains no finite"),
    (lambda ts, dem: (np.where(np.arange(len(ts))[:, None, None] % 2 == np.indices(dem.shape).sum(0) % 2,
                               np.nan, ts), dem), "no pixel is finite on every date"),
])
def test_bad_input_raises_value_error(series, tiny_model, bad, match):
    ts, dem = bad(*series)
    with pytest.raises(ValueError, match=match):
        ae.denoise_series(ts, dem, model=tiny_model)


def test_an_unusable_window_beside_usable_ones_comes_back_nan(tiny_model):
    """The all-NaN refusal is for the batch: a dead first window, with its own DEM, does not
    stop the next one, and comes back all NaN."""
    b = generate_windows(np.random.default_rng(1), 3, kind="fault")
    series, dem = b.series.copy(), b.dem.copy()
    series[0] = np.nan
    dem[1] = np.nan                                  # a per-window DEM: window 1 unusable too
    out = ae.denoise_windows(series, dem, model=tiny_model)
    assert np.isnan(out[0]).all() and np.isnan(out[1]).all() and np.isfinite(out[2]).all()
    with pytest.raises(ValueError, match="no pixel is finite on every date of a window and in the dem"):
        ae.denoise_windows(series[:2], dem[:2], model=tiny_model)


def test_a_bare_keras_model_or_a_bad_batch_size_is_refused(series, tiny_model):
    import keras

    bare = keras.Model(tiny_model.inputs, tiny_model.outputs)       # the same network without config_args
    with pytest.raises(ValueError, match="a bare Keras model lacks the network's config_args"):
        ae.denoise_series(*series, model=bare)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        ae.denoise_series(*series, model=tiny_model, batch_size=0)


def test_unknown_model_name(series):
    with pytest.raises(ValueError, match="unknown model"):
        ae.denoise_series(*series, model="volcano")


def test_only_a_version_3_network_sees_a_level_step(tiny_model):
    """Version 2 is blind to per-frame constants; version 3 passes them to the network."""
    from mintpy_aedenoise.model import build_model

    v3 = build_model(widths=(8, 16), level_inputs=True)
    for layer in v3.layers:
        if layer.name == "kernel":
            layer.set_weights([np.full_like(w, 0.05) for w in layer.get_weights()])
    rng = np.random.default_rng(4)
    win, dem = rng.normal(0, 1e-3, (2, 9, 40, 40)), rng.normal(500, 50, (2, 40, 40))
    step = np.zeros((1, 9, 1, 1))
    step[:, 5:] = 5e-3
    for model, changes in ((tiny_model, False), (v3, True)):
        a, b = ae.denoise_windows(win, dem, model=model), ae.denoise_windows(win + step, dem, model=model)
        assert (np.abs(a - b).max() > 1e-5) == changes


def test_shipped_models_load_offline():
    for name in ("fault", "mogi"):
        m = ae.load_model(name)
        assert m.meta["kind"] == name
        assert m.meta["normalisation_version"] == version_of_model_args(m.meta["model"])
