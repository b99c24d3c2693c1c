"""tools/ship_weights.py: a run's weights become the shipped ones, evaluated, inputs untouched."""
import importlib.util
import json
import os
from pathlib import Path

import pytest

from mintpy_aedenoise.train import TrainConfig, file_sha256, train

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("ship_weights", ROOT / "tools" / "ship_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(kind="mogi", out_dir=str(out), steps=2, batch=4, widths=(8, 16),
                      checkpoint_every=2, validation_size=8, warmup=1))
    return out


def test_ship_copies_evaluates_and_leaves_the_run_alone(tmp_path, run_dir, capsys):
    weights_dir, figures = tmp_path / "weights", tmp_path / "figures"
    weights_dir.mkdir()
    figures.mkdir()
    run_sidecar = (run_dir / "mogi.json").read_text()
    status = _tool().main([str(run_dir), "--kind", "mogi", "--weights-dir", str(weights_dir),
                           "--figures-dir", str(figures), "--levels", "2", "--per-level", "2",
                           "--no-golden"])
    assert status == 0
    shipped = weights_dir / "mogi.weights.h5"
    assert file_sha256(shipped) == file_sha256(run_dir / "mogi.weights.h5")
    assert oct(os.stat(shipped).st_mode & 0o777) == "0o644"
    meta = json.loads((weights_dir / "mogi.json").read_text())
    assert meta["kind"] == "mogi" and meta["training"]["samples_seen"] == 8
    evaluation = meta["evaluation"]
    assert evaluation["kind"] == "mogi" and evaluation["n_levels"] == 2
    assert evaluation["summary"].startswith("mogi: R2>=0.6 from SNR")
    assert (figures / "evaluation_mogi.png").stat().st_size > 0
    assert json.loads((figures / "evaluation_mogi.json").read_text())["summary"] == evaluation["summary"]
    assert (run_dir / "mogi.json").read_text() == run_sidecar          # the run is not modified
    assert not list(weights_dir.glob("*.tmp"))
    assert evaluation["summary"] in capsys.readouterr().out


def test_ship_refuses_the_wrong_kind_and_a_missing_run(tmp_path, run_dir, capsys):
    tool = _tool()
    with pytest.raises(SystemExit) as err:
        tool.main([str(run_dir), "--kind", "fault", "--weights-dir", str(tmp_path), "--no-golden"])
    assert err.value.code == 2
    assert "fault.weights.h5: not found" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    for name in ("mogi.weights.h5", "mogi.json"):
        (tmp_path / "bad" / name.replace("mogi", "fault")).write_bytes((run_dir / name).read_bytes())
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / "bad"), "--kind", "fault", "--weights-dir", str(tmp_path), "--no-golden"])
    assert "trained on 'mogi' windows, not 'fault'" in capsys.readouterr().err
    assert not (tmp_path / "fault.weights.h5").exists()


def test_ship_needs_no_golden_outside_the_package(tmp_path, run_dir, capsys):
    with pytest.raises(SystemExit):
        _tool().main([str(run_dir), "--kind", "mogi", "--weights-dir", str(tmp_path)])
    assert "give --no-golden" in capsys.readouterr().err
