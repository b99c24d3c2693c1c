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
def tool():
    """``tool(name)`` imports the script ``tools/<name>.py`` (``tool(name, "benchmarks")``:
    ``benchmarks/<name>.py``) as a module: these are scripts, not a package."""
    import importlib.util
    from pathlib import Path

    def load(name, folder="tools"):
        path = Path(__file__).resolve().parents[1] / folder / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load


@pytest.fixture(scope="session")
def sim_dataset(tmp_path_factory):
    """A 64 x 72 px, 12-date simulated dataset with a fault and a Mogi event (radar coords)."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    out = tmp_path_factory.mktemp("sim")
    scene = simulate_scene(np.random.default_rng(7), (64, 72), 12, events=("fault@2:5", "mogi@4:8"),
                           decorrelated=0.03)
    paths = write_dataset(scene, str(out))
    return scene, paths


# ---------------------------------------------------------------- denoising engine and CLI
@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory):
    """A real ``*.weights.h5`` + sidecar of a tiny U-Net (widths 8, 16) with a non-zero output head.

    ``build_model`` initialises its output head to zero (every prediction 0); random head
    weights make the predictions depend on the input, so the engine tests can see differences.
    """
    from mintpy_aedenoise.model import build_model
    from mintpy_aedenoise.store import save_model

    model = build_model(widths=(8, 16), seed=0)
    head_rng = np.random.default_rng(0)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights and not any(np.any(w) for w in weights):          # the zero-initialised head
            layer.set_weights([head_rng.normal(0.0, 0.3, w.shape).astype(np.float32) for w in weights])
    path = tmp_path_factory.mktemp("tiny_model") / "tiny.weights.h5"
    save_model(model, str(path), {"kind": "fault", "inference": {"n_frames": 9, "patch": 40, "overlap": 20},
                                  "training": {"samples_seen": 0}})
    return str(path)


@pytest.fixture(scope="session")
def tiny_model(tiny_model_file):
    """The tiny model loaded back from :func:`tiny_model_file` (as the CLI loads it)."""
    from mintpy_aedenoise.store import load_model

    return load_model(tiny_model_file)


@pytest.fixture(scope="session")
def ae_dataset(tmp_path_factory):
    """A 50 x 60 px, 12-date (4 windows) radar-coordinate dataset with 5 % decorrelated pixels."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    out = tmp_path_factory.mktemp("ae_radar")
    scene = simulate_scene(np.random.default_rng(11), (50, 60), 12, events=("fault@2:6",), decorrelated=0.05)
    return scene, write_dataset(scene, str(out))


@pytest.fixture(scope="session")
def ae_geo_dataset(tmp_path_factory):
    """A 40 x 48 px, 10-date (2 windows) geocoded dataset (geometryGeo.h5)."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    out = tmp_path_factory.mktemp("ae_geo")
    scene = simulate_scene(np.random.default_rng(12), (40, 48), 10, events=("mogi@2:6",), decorrelated=0.02)
    return scene, write_dataset(scene, str(out), geocoded=True)
