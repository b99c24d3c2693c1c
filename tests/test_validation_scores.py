"""tools/validation_scores.py: a run's validation scores, for any weights."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from mintpy_aedenoise import load_model
from mintpy_aedenoise.train import VALIDATION_LEVEL_NOISE, VALIDATION_LEVEL_SUFFIX, TrainConfig, train

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("validation_scores", ROOT / "tools" / "validation_scores.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A two-step run with level noise, so that its checkpoint scores both validation sets."""
    out = tmp_path_factory.mktemp("run")
    config = TrainConfig(kind="fault", out_dir=str(out), steps=2, batch=4, widths=(8, 16), checkpoint_every=2,
                         validation_size=32, warmup=1, seed=5, level_noise=(0.1, 5.0))
    return config, train(config)


def test_the_tool_reproduces_the_runs_own_validation(tiny_run):
    """The float32 scores of a run's exported weights are those its last checkpoint logged."""
    config, weights = tiny_run
    logged = json.loads(Path(config.out_dir, "state.json").read_text())["history"][-1]
    got = _tool().scores(load_model(weights), "fault", config.seed, size=config.validation_size)
    for key, value in got[(None, "float32")].items():
        assert value == pytest.approx(logged[key], abs=1e-4), key
    for key, value in got[(VALIDATION_LEVEL_NOISE, "float32")].items():
        assert value == pytest.approx(logged[key + VALIDATION_LEVEL_SUFFIX], abs=1e-4), key
    # another seed is other windows
    other = _tool().scores(load_model(weights), "fault", config.seed + 1, size=config.validation_size)
    assert other[(None, "float32")] != got[(None, "float32")]


def test_bfloat16_scores_the_same_weights(tiny_run):
    config, weights = tiny_run
    got = _tool().scores(load_model(weights), "fault", config.seed, size=config.validation_size,
                         precision=("float32", "mixed_bfloat16"))
    for level_noise in (None, VALIDATION_LEVEL_NOISE):
        f32, bf16 = got[(level_noise, "float32")], got[(level_noise, "mixed_bfloat16")]
        assert f32.keys() == bf16.keys()
        assert np.allclose(list(f32.values()), list(bf16.values()), atol=0.05)


def test_the_cli_prints_both_level_settings(tiny_run, capsys):
    config, weights = tiny_run
    assert _tool().main([weights, "--seed", str(config.seed), "--size", str(config.validation_size)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["level_noise None", f"level_noise {VALIDATION_LEVEL_NOISE}"]
    assert all("r2_snr_0.1-10 " in line for line in lines)


def test_a_missing_weights_file_exits_2_naming_it(tmp_path, capsys):
    missing = tmp_path / "none.weights.h5"
    with pytest.raises(SystemExit) as exc:
        _tool().main([str(missing), "--seed", "1"])
    assert exc.value.code == 2 and str(missing) in capsys.readouterr().err
