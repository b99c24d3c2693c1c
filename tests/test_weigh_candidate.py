"""tools/weigh_candidate.py: a run's candidate checks, written as its record holds them."""
import dataclasses
import json
import os
import re
import shutil

import pytest

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


def test_weigh_writes_the_records_checks(tool, shipped, candidate, tmp_path, capsys):
    root, old = shipped
    name = candidate.name
    out = candidate / "eval"
    out.mkdir()
    for stale in ("real_data.md", "mexico_city_r2.txt"):        # from an earlier weighing with real data
        (out / stale).write_text("stale")
    assert tool("weigh_candidate").main(_args(candidate, root)) == 0
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
                                   f'{root / "weights" / "fault.weights.h5"})')    # outside the repository
        assert compare[1].startswith(f"fault (level noise {r}): mean R2 of the network, {name} / shipped")
    spurious = (out / "spurious_output.txt").read_text()
    assert spurious.startswith("# python benchmarks/spurious_output.py --model ")
    assert spurious.count("(fault), level noise ") == 6                # naive, shipped, candidate at r = 0, 1
    # the donor (not the candidate), scored on the candidate's validation windows in float32 and
    # in the run's bfloat16, as tools/validation_scores.py prints it
    donor_file = root / "weights" / "fault.weights.h5"
    donor = (out / "donor_validation.txt").read_text().splitlines()
    sha = json.loads((candidate / "state.json").read_text())["lineage"][0]["sha256"]
    assert donor[0] == (f"# python tools/validation_scores.py {donor_file} --seed 7 --precision float32 "
                        f"mixed_bfloat16 --size 8 (the donor {donor_file} (SHA-256 {sha[:12]}, run "
                        f"{root.parent / old}) on {name}'s validation windows)")
    capsys.readouterr()
    tool("validation_scores").main([str(donor_file), "--seed", "7", "--size", "8",
                                    "--precision", "float32", "mixed_bfloat16"])
    assert donor[1:] == capsys.readouterr().out.splitlines() and len(donor) == 5

    # archive_run copies the checks with the log, state and sidecar, not the figures or other
    # files under eval/, and never replaces a different record file of a check's name
    (out / "real").mkdir()
    (out / "real" / "real_mexico_city_fault.png").write_bytes(b"png")
    checks = [p.name for p in out.iterdir() if p.is_file()]
    (out / "cmp0.txt").write_text("a hand-made file")
    (tmp_path / name).mkdir()
    (tmp_path / name / "spurious_output.txt").write_text("written by hand")
    assert tool("archive_run").main([str(candidate), "--dest", str(tmp_path)]) == 0
    archived = sorted(p.name for p in (tmp_path / name).iterdir())
    assert archived == sorted(["state.json", "fault.json"] + checks)
    assert (tmp_path / name / "spurious_output.txt").read_text() == "written by hand"
    assert (tmp_path / name / "donor_validation.txt").read_text() == (out / "donor_validation.txt").read_text()


def test_a_run_on_another_prior_is_weighed_there_too(tool, shipped, candidate, tmp_path):
    """--broad-sources evaluates both models on that prior and compares them, under names that
    archive_run copies into the record."""
    import fnmatch

    root, old = shipped
    name, out = candidate.name, tmp_path / "eval"
    assert tool("weigh_candidate").main(_args(candidate, root, "--out", str(out), "--broad-sources", "1", "4")) == 0
    written = {p.name for p in out.iterdir()}
    broad = {f"evaluation_{old}_broad.json", f"evaluation_{name}_broad.json", f"compare_{old}_broad.txt"}
    assert broad <= written
    for label, weights in ((old, root / "weights" / "fault.weights.h5"), (name, candidate / "fault.weights.h5")):
        result = json.loads((out / f"evaluation_{label}_broad.json").read_text())
        assert result["broad_sources"] == [1.0, 4.0] and result["weights"] == str(weights)
    compare = (out / f"compare_{old}_broad.txt").read_text().splitlines()
    assert compare[1].startswith(f"fault (level noise 0, broad sources 1 x 4): mean R2 of the network, {name} / shipped")
    patterns = [p.format(run=name) for p in tool("archive_run").CHECKS]
    assert all(any(fnmatch.fnmatch(f, p) for p in patterns) for f in broad)


def test_paths_inside_the_repository_become_relative(tool):
    weigh = tool("weigh_candidate")
    inside = os.path.join(weigh.ROOT, "mintpy_aedenoise", "weights", "fault.weights.h5")
    assert weigh._relative(inside) == "mintpy_aedenoise/weights/fault.weights.h5"
    assert weigh._relative(f"fault32={inside}") == "fault32=mintpy_aedenoise/weights/fault.weights.h5"
    outside = os.path.join(os.path.dirname(weigh.ROOT), "elsewhere", "fault.weights.h5")
    assert weigh._relative(outside) == outside and weigh._relative(f"x={outside}") == f"x={outside}"
    assert weigh._relative("--seed") == "--seed" and weigh._relative("runs/f/fault.weights.h5") == "runs/f/fault.weights.h5"


def test_weigh_refuses_what_it_cannot_weigh(tool, shipped, candidate, tmp_path):
    root, old = shipped
    with pytest.raises(SystemExit, match=f"{re.escape(str(tmp_path))}: no state.json, not a training run folder"):
        tool("weigh_candidate").main(_args(tmp_path, root))
    figures = tmp_path / "figures"
    figures.mkdir()
    for name in ("evaluation_fault.json", "evaluation_fault_level1.json"):
        shutil.copy(root / "figures" / name, figures / name)
    with pytest.raises(SystemExit, match="evaluation_fault_level2.json: no results of the shipped model"):
        tool("weigh_candidate").main([str(candidate), "--weights-dir", str(root / "weights"),
                                      "--figures-dir", str(figures), "--out", str(tmp_path / "eval"), "--no-real"])
    assert not (tmp_path / "eval").exists()                      # checked before any step ran
    # a step that fails stops the tool with its command
    shutil.copy(root / "figures" / "evaluation_fault_level2.json", figures)
    (figures / "evaluation_fault.json").write_text("{}")
    with pytest.raises(SystemExit, match="'python tools/compare_evaluations.py .* exited with status 2"):
        tool("weigh_candidate").main([str(candidate), "--weights-dir", str(root / "weights"), "--figures-dir",
                                      str(figures), "--out", str(tmp_path / "eval"), "--no-real", *SMALL])
    # the shipped model is this run: nothing to weigh it against
    with pytest.raises(SystemExit, match="the shipped fault model's sidecar names this run"):
        tool("weigh_candidate").main(_args(root.parent / old, root))
