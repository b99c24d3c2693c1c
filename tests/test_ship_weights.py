"""tools/ship_weights.py: a run's weights become the shipped ones, evaluated, or nothing changes."""
import dataclasses
import json
import os

import pytest

from mintpy_aedenoise.cli import evaluate
from mintpy_aedenoise.store import file_sha256
from mintpy_aedenoise.train import TrainConfig, train

CONFIG = TrainConfig(kind="mogi", steps=2, batch=4, widths=(8, 16), checkpoint_every=2,
                     validation_size=8, warmup=1)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(dataclasses.replace(CONFIG, out_dir=str(out)))
    return out


@pytest.fixture
def dest(tmp_path):
    (tmp_path / "weights").mkdir()
    (tmp_path / "figures").mkdir()
    return tmp_path


def _args(run, dest, *extra):
    return [str(run), "--kind", "mogi", "--weights-dir", str(dest / "weights"), "--figures-dir",
            str(dest / "figures"), "--levels", "2", "--per-level", "2", "--no-golden", *extra]


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_ship_copies_evaluates_and_leaves_the_run_alone(tool, dest, run_dir, capsys):
    before = _tree(run_dir)
    assert tool("ship_weights").main(_args(run_dir, dest)) == 0
    shipped = dest / "weights" / "mogi.weights.h5"
    assert file_sha256(shipped) == file_sha256(run_dir / "mogi.weights.h5")
    umask = os.umask(0)
    os.umask(umask)
    for path in (shipped, dest / "weights" / "mogi.json"):
        assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask
    meta = json.loads((dest / "weights" / "mogi.json").read_text())
    assert meta["kind"] == "mogi" and meta["training"]["samples_seen"] == 8
    evaluation = meta["evaluation"]
    assert evaluation["kind"] == "mogi" and evaluation["n_levels"] == 2
    assert evaluation["summary"].startswith("mogi: R2>=0.6 from SNR")
    assert (dest / "figures" / "evaluation_mogi.png").stat().st_size > 0
    results = json.loads((dest / "figures" / "evaluation_mogi.json").read_text())
    assert results["summary"] == evaluation["summary"] and results["weights"] == str(shipped)
    assert sorted(_tree(dest)) == ["figures/evaluation_mogi.json", "figures/evaluation_mogi.png",
                                   "weights/mogi.json", "weights/mogi.weights.h5"]   # no staging left
    assert _tree(run_dir) == before                                                   # run untouched
    out = capsys.readouterr().out
    assert evaluation["summary"] in out and "shipped" in out
    # shipping the same weights again changes nothing, unless forced
    assert tool("ship_weights").main(_args(run_dir, dest)) == 0
    assert "already holds these weights" in capsys.readouterr().out


def test_a_failed_evaluation_leaves_the_shipped_weights_as_they_were(tool, dest, run_dir, monkeypatch):
    (dest / "weights" / "mogi.weights.h5").write_bytes(b"old weights")
    (dest / "weights" / "mogi.json").write_text("{}")
    before = _tree(dest)

    def interrupted(iargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "main", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tool("ship_weights").main(_args(run_dir, dest))
    assert _tree(dest) == before


def test_ship_refuses_a_partial_run_unless_allowed(tool, dest, tmp_path_factory, capsys):
    partial = tmp_path_factory.mktemp("partial")
    train(dataclasses.replace(CONFIG, out_dir=str(partial), steps=6, checkpoint_every=2, time_limit=1e-9))
    with pytest.raises(SystemExit) as err:
        tool("ship_weights").main(_args(partial, dest))
    assert err.value.code == 2
    assert "the run is at step 1 of 6" in capsys.readouterr().err
    assert not (dest / "weights" / "mogi.weights.h5").exists()
    assert tool("ship_weights").main(_args(partial, dest, "--allow-partial")) == 0
    assert (dest / "weights" / "mogi.weights.h5").exists()


def test_ship_refuses_the_wrong_kind_and_a_missing_run(tool, dest, run_dir, capsys):
    tool = tool("ship_weights")
    args = ["--weights-dir", str(dest / "weights"), "--figures-dir", str(dest / "figures"), "--no-golden"]
    with pytest.raises(SystemExit) as err:
        tool.main([str(run_dir), "--kind", "fault", *args])
    assert err.value.code == 2
    assert "fault.weights.h5: not found" in capsys.readouterr().err
    (dest / "bad").mkdir()
    for name in ("mogi.weights.h5", "mogi.json"):
        (dest / "bad" / name.replace("mogi", "fault")).write_bytes((run_dir / name).read_bytes())
    with pytest.raises(SystemExit):
        tool.main([str(dest / "bad"), "--kind", "fault", *args])
    assert "trained on 'mogi' windows, not 'fault'" in capsys.readouterr().err
    assert not list((dest / "weights").iterdir())


def test_ship_needs_no_golden_outside_the_package(tool, dest, run_dir, capsys):
    with pytest.raises(SystemExit):
        tool("ship_weights").main([str(run_dir), "--kind", "mogi", "--weights-dir", str(dest / "weights")])
    assert "give --no-golden" in capsys.readouterr().err


def test_ship_best_ships_the_kept_best_checkpoint(tool, dest, tmp_path_factory, run_dir, capsys):
    kept = tmp_path_factory.mktemp("kept")
    train(dataclasses.replace(CONFIG, out_dir=str(kept), steps=4, keep_best="r2_mean"))
    selected = json.loads((kept / "mogi.best.json").read_text())["training"]["selected"]
    assert tool("ship_weights").main(_args(kept, dest, "--best")) == 0
    shipped = dest / "weights" / "mogi.weights.h5"
    assert file_sha256(shipped) == file_sha256(kept / "mogi.best.weights.h5")
    assert json.loads((dest / "weights" / "mogi.json").read_text())["training"]["selected"] == selected
    # a run trained without --keep-best has no best checkpoint to ship
    with pytest.raises(SystemExit) as err:
        tool("ship_weights").main(_args(run_dir, dest, "--best", "--force"))
    assert err.value.code == 2
    assert "mogi.best.weights.h5: not found; was" in capsys.readouterr().err
