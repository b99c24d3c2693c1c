"""tools/weigh_candidate.py: a run's candidate checks, written as its record holds them."""
import dataclasses
import json
import os
import shutil

import pytest

from mintpy_aedenoise import load_model
from mintpy_aedenoise.cli import evaluate
from mintpy_aedenoise.train import TrainConfig, train

CONFIG = TrainConfig(kind="fault", steps=2, batch=4, widths=(8, 16), checkpoint_every=2,
                     validation_size=8, warmup=1)
SMALL = ["--levels", "2", "--per-level", "2", "--bootstrap", "0"]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A tiny 'shipped' fault model (trained by the run 'old0') with its results in figures/."""
    old = tmp_path_factory.mktemp("old")
    train(dataclasses.replace(CONFIG, out_dir=str(old), seed=3))
    root = tmp_path_factory.mktemp("shipped")
    (root / "weights").mkdir()
    (root / "figures").mkdir()
    for name in ("fault.weights.h5", "fault.json"):
        shutil.copy(old / name, root / "weights" / name)
    for r in (0, 1, 2):
        suffix = f"_level{r}" if r else ""
        assert evaluate.main(["--model", str(root / "weights" / "fault.weights.h5"), "--level-noise", str(r),
                              "--json", str(root / "figures" / f"evaluation_fault{suffix}.json"), *SMALL]) == 0
    return root, old.name


@pytest.fixture(scope="module")
def candidate(shipped, tmp_path_factory):
    """A bfloat16 run continued from the shipped weights, as a new generation is."""
    root, _ = shipped
    out = tmp_path_factory.mktemp("cand")
    train(dataclasses.replace(CONFIG, out_dir=str(out), seed=7,
                              init_from=str(root / "weights" / "fault.weights.h5")),
          dtype_policy="mixed_bfloat16")
    return out


def _args(run, root, *extra):
    return [str(run), "--weights-dir", str(root / "weights"), "--figures-dir", str(root / "figures"),
            *SMALL, "--spurious-windows", "4", "--no-real", *extra]


def test_weigh_writes_the_records_checks(tool, shipped, candidate, tmp_path):
    root, old = shipped
    name = candidate.name
    assert tool("weigh_candidate").main(_args(candidate, root)) == 0
    out = candidate / "eval"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"evaluation_{name}{s}.json" for s in ("", "_level1", "_level2")]
        + [f"compare_{old}{s}.txt" for s in ("", "_level1", "_level2")]
        + ["spurious_output.txt", "donor_validation.txt"])
    weights = candidate / "fault.weights.h5"
    for r, suffix in ((0, ""), (1, "_level1"), (2, "_level2")):
        result = json.loads((out / f"evaluation_{name}{suffix}.json").read_text())
        assert result["level_noise"] == r and result["n_levels"] == 2 and result["weights"] == str(weights)
        compare = (out / f"compare_{old}{suffix}.txt").read_text().splitlines()
        assert compare[0].startswith("# python tools/compare_evaluations.py ")
        assert compare[0].endswith(f'--names shipped {name} ("shipped" is {old}, '
                                   f'{os.path.relpath(root / "weights" / "fault.weights.h5", tool("weigh_candidate").ROOT)})')
        assert compare[1].startswith(f"fault (level noise {r}): mean R2 of the network, {name} / shipped")
    spurious = (out / "spurious_output.txt").read_text()
    assert spurious.startswith("# python benchmarks/spurious_output.py --model ")
    assert spurious.count("(fault), level noise ") == 6                # naive, shipped, candidate at r = 0, 1
    # the donor, scored on the candidate's validation windows in both precisions, as the tool does in-process
    donor = (out / "donor_validation.txt").read_text().splitlines()
    assert donor[0].endswith(f"--seed 7 --precision float32 mixed_bfloat16 --size 8 "
                             f"(the donor {root / 'weights' / 'fault.weights.h5'} on {name}'s validation windows)")
    got = tool("validation_scores").scores(load_model(str(root / "weights" / "fault.weights.h5")), "fault", 7,
                                           size=8, precision=("float32",))
    expected = ", ".join(f"{k} " + ("n/a" if v is None else f"{v:.3f}") for k, v in got[(None, "float32")].items())
    assert f"level_noise None float32: {expected}" in donor
    assert any(line.startswith("level_noise None mixed_bfloat16: ") for line in donor)

    # archive_run copies the checks with the log, state and sidecar, not the figures under eval/
    (out / "real").mkdir()
    (out / "real" / "real_mexico_city_fault.png").write_bytes(b"png")
    assert tool("archive_run").main([str(candidate), "--dest", str(tmp_path)]) == 0
    archived = sorted(p.name for p in (tmp_path / name).iterdir())
    assert archived == sorted(["state.json", "fault.json"] + [p.name for p in out.iterdir() if p.is_file()])


def test_weigh_refuses_what_it_cannot_weigh(tool, shipped, candidate, tmp_path):
    root, old = shipped
    with pytest.raises(SystemExit, match=f"{tmp_path}: no state.json, not a training run folder"):
        tool("weigh_candidate").main(_args(tmp_path, root))
    figures = tmp_path / "figures"
    figures.mkdir()
    with pytest.raises(SystemExit, match="evaluation_fault.json: no results of the shipped model"):
        tool("weigh_candidate").main([str(candidate), "--weights-dir", str(root / "weights"),
                                      "--figures-dir", str(figures), "--out", str(tmp_path / "eval"), "--no-real"])
    assert not list((tmp_path / "eval").iterdir())
    # the shipped model is this run: nothing to weigh it against
    with pytest.raises(SystemExit, match="the shipped fault model's sidecar names this run"):
        tool("weigh_candidate").main(_args(root.parent / old, root))
