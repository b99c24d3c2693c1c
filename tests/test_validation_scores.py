"""tools/validation_scores.py: a run's validation scores, for any weights."""
import json
from pathlib import Path

import numpy as np
import pytest

from mintpy_aedenoise import load_model
from mintpy_aedenoise.train import VALIDATION_LEVEL_NOISE, VALIDATION_LEVEL_SUFFIX, TrainConfig, train


def _run(out, dtype_policy=None):
    """A two-step run with level noise, so that its checkpoint scores both validation sets."""
    config = TrainConfig(kind="fault", out_dir=str(out), steps=2, batch=4, widths=(8, 16), checkpoint_every=2,
                         validation_size=32, warmup=1, seed=5, level_noise=(0.1, 5.0))
    return config, train(config, dtype_policy=dtype_policy)


def _logged(config):
    """The validation scores of the run's last checkpoint, keyed like ``scores``'."""
    last = json.loads(Path(config.out_dir, "state.json").read_text())["history"][-1]
    return {None: last, VALIDATION_LEVEL_NOISE: {k[:-len(VALIDATION_LEVEL_SUFFIX)]: v for k, v in last.items()
                                                 if k.endswith(VALIDATION_LEVEL_SUFFIX)}}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("run"))


def test_the_tool_reproduces_the_runs_own_validation(tool, tiny_run):
    """The float32 scores of a run's exported weights are those its last checkpoint logged."""
    config, weights = tiny_run
    logged = _logged(config)
    got = tool("validation_scores").scores(load_model(weights), "fault", config.seed, size=config.validation_size)
    for level_noise in (None, VALIDATION_LEVEL_NOISE):
        for key, value in got[(level_noise, "float32")].items():
            assert value == pytest.approx(logged[level_noise][key], abs=2e-6), key
    # another seed is other windows
    other = tool("validation_scores").scores(load_model(weights), "fault", config.seed + 1, size=config.validation_size)
    assert other[(None, "float32")] != got[(None, "float32")]


def test_bfloat16_reproduces_a_bf16_runs_own_validation(tool, tmp_path):
    """A --bf16 run's checkpoints are scored in bfloat16; so are its weights with
    --precision mixed_bfloat16."""
    config, weights = _run(tmp_path, "mixed_bfloat16")
    logged = _logged(config)
    got = tool("validation_scores").scores(load_model(weights), "fault", config.seed,
                                           size=config.validation_size, precision=("mixed_bfloat16",))
    for level_noise in (None, VALIDATION_LEVEL_NOISE):
        for key, value in got[(level_noise, "mixed_bfloat16")].items():
            assert value == pytest.approx(logged[level_noise][key], abs=2e-6), key


def test_bfloat16_scores_the_same_weights(tool, tiny_run):
    config, weights = tiny_run
    got = tool("validation_scores").scores(load_model(weights), "fault", config.seed,
                                           size=config.validation_size, precision=("float32", "mixed_bfloat16"))
    for level_noise in (None, VALIDATION_LEVEL_NOISE):
        f32, bf16 = got[(level_noise, "float32")], got[(level_noise, "mixed_bfloat16")]
        assert f32.keys() == bf16.keys()
        assert np.allclose(list(f32.values()), list(bf16.values()), atol=0.05)


def test_the_cli_prints_both_level_settings(tool, tiny_run, capsys):
    config, weights = tiny_run
    args = [weights, "--seed", str(config.seed), "--size", str(config.validation_size)]
    assert tool("validation_scores").main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["level_noise None", f"level_noise {VALIDATION_LEVEL_NOISE}"]
    assert all("r2_snr_0.1-10 " in line for line in lines)
    assert tool("validation_scores").main(args + ["--precision", "float32", "mixed_bfloat16"]) == 0
    labels = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert labels == [f"level_noise {r} {p}" for r in (None, VALIDATION_LEVEL_NOISE)
                      for p in ("float32", "mixed_bfloat16")]
    with pytest.raises(SystemExit) as exc:
        tool("validation_scores").main(args[:3] + ["--size", "0"])
    assert exc.value.code == 2 and "not a positive number" in capsys.readouterr().err


def test_a_missing_weights_file_exits_2_naming_it(tool, tmp_path, capsys):
    missing = tmp_path / "none.weights.h5"
    with pytest.raises(SystemExit) as exc:
        tool("validation_scores").main([str(missing), "--seed", "1"])
    assert exc.value.code == 2 and str(missing) in capsys.readouterr().err
