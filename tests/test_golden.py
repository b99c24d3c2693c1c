"""Golden regression: the shipped weights on a small stored input (tests/data/golden.npz)."""
import hashlib
import os

import numpy as np
import pytest

import mintpy_aedenoise as ae
from mintpy_aedenoise.metrics import r2_per_window
from mintpy_aedenoise.store import resolve_weights

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden.npz")


@pytest.fixture(scope="module")
def golden():
    with np.load(GOLDEN) as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def predictions(golden):
    """The shipped models' predictions on the stored windows, computed once per kind."""
    return {kind: ae.denoise_windows(golden[f"{kind}_series"], golden[f"{kind}_dem"], model=kind)
            for kind in ("fault", "mogi")}


@pytest.mark.parametrize("kind", ["fault", "mogi"])
def test_shipped_weights_reproduce_the_stored_predictions(golden, predictions, kind):
    with open(resolve_weights(kind)[0], "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert digest == str(golden[f"{kind}_weights_sha256"]), (
        f"the shipped {kind} weights changed: review and re-run tests/data/make_golden.py")
    expected, pred = golden[f"{kind}_expected"], predictions[kind]
    assert np.array_equal(np.isnan(pred), np.isnan(expected))
    assert np.isnan(pred[0, 5:8, 30:34]).all()           # the stored NaN cluster stays NaN
    ok = np.isfinite(expected)
    # float32 inference: allow round-off from a different CPU / oneDNN kernel choice
    np.testing.assert_allclose(pred[ok], expected[ok], rtol=1e-3,
                               atol=1e-4 * np.abs(expected[ok]).max())


@pytest.mark.parametrize("kind", ["fault", "mogi"])
def test_shipped_weights_beat_the_naive_difference_at_snr_1(golden, predictions, kind):
    series, target, pred = golden[f"{kind}_series"], golden[f"{kind}_target"], predictions[kind]
    naive = series[:, -1] - series[:, 0]
    ok = np.isfinite(pred) & np.isfinite(naive)
    r2_net = r2_per_window(pred, target, ok).mean()
    r2_naive = r2_per_window(naive, target, ok).mean()
    assert r2_net > r2_naive + 0.5, (r2_net, r2_naive)
