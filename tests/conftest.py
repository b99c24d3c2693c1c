"""Shared fixtures: small simulated MintPy datasets built in tmp_path."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def sim_dataset(tmp_path_factory):
    """A 64 x 72 px, 12-date simulated dataset with a fault and a Mogi event (radar coords)."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    out = tmp_path_factory.mktemp("sim")
    scene = simulate_scene(np.random.default_rng(7), (64, 72), 12, events=("fault@2:5", "mogi@4:8"),
                           decorrelated=0.03)
    paths = write_dataset(scene, str(out))
    return scene, paths
