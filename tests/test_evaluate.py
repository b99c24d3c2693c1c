"""Tests of the synthetic benchmark (mintpy_aedenoise.evaluate) and its CLI."""
import json
import math
import os

import numpy as np
import pytest

from mintpy_aedenoise import evaluate as ev
from mintpy_aedenoise.baselines import ESTIMATORS
from mintpy_aedenoise.metrics import r2_per_window


@pytest.fixture(scope="module")
def tiny_model():
    from mintpy_aedenoise.model import build_model

    return build_model(widths=(8, 16), seed=0)


@pytest.fixture(scope="module")
def result(tiny_model):
    return ev.evaluate(tiny_model, "fault", n_levels=3, per_level=4, snr_min=0.1)


def test_r2_per_window_on_hand_made_arrays():
    t = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    assert r2_per_window(t, t)[0] == 1.0
    assert r2_per_window(t + 1.0, t)[0] == pytest.approx(1.0 - 4.0 / 5.0)
    assert math.isnan(r2_per_window(t, np.ones_like(t))[0])


@pytest.mark.parametrize("r2, expected", [
    ([0.1, 0.7, 0.8], 1.0),                 # from the second level
    ([0.7, 0.5, 0.8], 10.0),                # a dip above resets the threshold
    ([0.7, 0.8, 0.9], 0.1),                 # every level passes
    ([0.7, 0.8, 0.5], None),                # the top level fails
    ([0.7, 0.8, float("nan")], None),       # NaN counts as a failure
    ([0.1, 0.6, 0.6], 1.0),                 # the bar itself passes
])
def test_threshold_snr(r2, expected):
    assert ev.threshold_snr([0.1, 1.0, 10.0], r2) == expected


def test_threshold_snr_sorts_levels_and_checks_shapes():
    assert ev.threshold_snr([10.0, 0.1, 1.0], [0.8, 0.1, 0.7]) == 1.0
    assert ev.threshold_snr([0.1, 1.0], [0.5, 0.7], bar=0.4) == 0.1
    with pytest.raises(ValueError, match="matching non-empty 1-D arrays"):
        ev.threshold_snr([0.1, 1.0], [0.5])


def test_thresholds_of_rows_agree_with_threshold_snr():
    rng = np.random.default_rng(3)
    levels = ev.snr_levels(7, 0.1, 10.0)
    means = rng.uniform(0.3, 0.9, size=(200, levels.size))
    means[::17, 2] = np.nan
    means[0], means[1], means[2] = 0.8, 0.8, 0.8     # every level passes
    means[1, -1] = np.nan                             # the top level is NaN: never
    means[2, -1] = 0.5                                # the top level fails: never
    rows = ev._thresholds_of_rows(levels, means, ev.R2_BAR)
    assert rows[0] == levels[0] and np.isinf(rows[1]) and np.isinf(rows[2])
    for row, got in zip(means, rows):
        want = ev.threshold_snr(levels, row)
        assert (got == np.inf) if want is None else got == pytest.approx(want)
    assert np.isinf(rows).any() and np.isfinite(rows).any()


def _hovering_result():
    """Level 1 has mean exactly at the bar, so resampling its windows moves the threshold."""
    r2 = {"network": np.array([[0.7] * 4, [0.2, 1.0, 0.2, 1.0], [0.9] * 4]),
          "naive": np.array([[-1.0] * 4, [0.0] * 4, [0.5] * 4])}
    return ev.EvaluationResult("fault", 0, 4, [0.1, 1.0, 10.0], r2, window_r2_relative=r2)


def test_bootstrap_interval_spans_a_level_at_the_bar():
    result = _hovering_result()
    assert result.thresholds()["network"] == 0.1
    boot = ev.bootstrap(result, np.random.default_rng(0), n_resamples=400)
    assert boot["threshold_snr"]["network"] == [0.1, 10.0]
    assert boot["never"] == {"network": 0.0, "naive": 1.0}
    assert boot["threshold_snr"]["naive"] == [None, None]
    again = ev.bootstrap(result, np.random.default_rng(0), n_resamples=400)
    assert again == boot
    assert ev.bootstrap(result, np.random.default_rng(0), n_resamples=400, relative=True)["relative"]
    line = ev.interval_line(result, boot)
    assert line.startswith("fault: R2>=0.6 from SNR 0.1 (network), 90 % bootstrap interval 0.1 to 10 ")
    # level 1: std of (0.2, 1, 0.2, 1) is 0.462, over sqrt(4)
    assert "at SNR 1 0.23" in line
    d = result.to_dict(boot)
    assert d["bootstrap"] is boot and d["summary_interval"] == line
    assert d["mean_r2_se"]["network"] == pytest.approx([0.0, 0.2309, 0.0], abs=1e-4)


def test_bootstrap_sorts_the_levels():
    result = _hovering_result()
    order = [2, 0, 1]
    shuffled = ev.EvaluationResult("fault", 0, 4, result.levels[order],
                                   {k: v[order] for k, v in result.window_r2.items()})
    assert shuffled.thresholds() == result.thresholds()
    assert (ev.bootstrap(shuffled, np.random.default_rng(0), n_resamples=400)["threshold_snr"]
            == ev.bootstrap(result, np.random.default_rng(0), n_resamples=400)["threshold_snr"])


def test_bootstrap_quantiles_are_levels_and_never_is_partial():
    # network: level 0 passes when a resample holds its 0.9 window at least twice (26 %), the
    # top level fails when it holds its 0.2 window at least 4 times (1.1 %)
    levels = [0.1, 1.0, 10.0]
    r2 = {"network": np.array([[0.9] + [0.55] * 7, [0.7] * 8, [0.2] + [0.9] * 7]),
          "naive": np.array([[0.7] * 8, [0.7] * 8, [-5.0] + [0.9] * 7])}
    result = ev.EvaluationResult("fault", 0, 8, levels, r2)
    boot = ev.bootstrap(result, np.random.default_rng(2), n_resamples=2000)
    net_low, net_high = boot["threshold_snr"]["network"]
    assert [net_low, net_high] == [0.1, 1.0]      # levels of the grid, not interpolated
    assert 0 < boot["never"]["network"] < 0.05
    assert 0.05 < boot["never"]["naive"] < 1 and boot["threshold_snr"]["naive"] == [0.1, None]


def test_bootstrap_collapses_when_windows_agree():
    r2 = {"network": np.array([[0.1] * 5, [0.7] * 5, [0.8] * 5])}
    result = ev.EvaluationResult("mogi", 0, 5, [0.1, 1.0, 10.0], r2)
    boot = ev.bootstrap(result, np.random.default_rng(1), n_resamples=50, interval=0.5)
    assert boot["threshold_snr"]["network"] == [1.0, 1.0] and boot["interval"] == 0.5


@pytest.mark.parametrize("kwargs, error, needle", [
    (dict(rng=0), TypeError, "numpy.random.Generator"),
    (dict(n_resamples=0), ValueError, "n_resamples"),
    (dict(interval=1.0), ValueError, "interval"),
])
def test_bootstrap_rejects_bad_arguments(kwargs, error, needle):
    args = dict(rng=np.random.default_rng(0), n_resamples=10)
    args.update(kwargs)
    with pytest.raises(error, match=needle):
        ev.bootstrap(_hovering_result(), **args)
    plain = ev.EvaluationResult("fault", 0, 1, [1.0], {"network": np.array([[0.5]])})
    with pytest.raises(ValueError, match="no relative scores"):
        ev.bootstrap(plain, np.random.default_rng(0), relative=True)


def test_snr_levels_and_seed_scheme():
    levels = ev.snr_levels(50)
    assert levels.size == 50 and levels[0] == pytest.approx(0.01) and levels[-1] == pytest.approx(10.0)
    assert np.all(np.diff(np.log(levels)) > 0)
    # held-out windows never reuse the training streams default_rng([seed, step])
    assert ev.EVAL_SEED_OFFSET > 10 ** 6


def test_evaluate_shapes_and_values(result):
    assert result.names == ["network", *ESTIMATORS]
    np.testing.assert_allclose(result.levels, [0.1, 1.0, 10.0])
    for name in result.names:
        assert result.window_r2[name].shape == (3, 4)
        assert result.mean_r2[name].shape == (3,)
    for name in ESTIMATORS:
        assert np.isfinite(result.window_r2[name]).all()
    # the untrained network's output layer is zero-initialised: it predicts 0 everywhere,
    # so R^2 = -mean(target)^2 / var(target) <= 0
    assert np.all(result.window_r2["network"] <= 0)
    # with a signal ten times the noise the naive difference is nearly exact, and every
    # classical estimator explains most of the deformation
    assert result.mean_r2["naive"][-1] > 0.9
    assert all(result.mean_r2[name][-1] > 0.5 for name in ESTIMATORS)
    # at SNR 0.1 no classical estimator is usable
    assert all(result.mean_r2[name][0] < 0 for name in ESTIMATORS)
    assert result.thresholds()["naive"] == pytest.approx(10.0)
    assert result.thresholds()["network"] is None
    # relative to the window mean, a constant prediction scores exactly 0, and no estimator
    # scores worse than in absolute terms by more than round-off
    np.testing.assert_allclose(result.window_r2_relative["network"], 0.0, atol=1e-9)
    for name in ESTIMATORS:
        assert np.all(result.window_r2_relative[name] >= result.window_r2[name] - 1e-9)


def test_evaluate_is_reproducible(tiny_model, result):
    again = ev.evaluate(tiny_model, "fault", n_levels=3, per_level=4, snr_min=0.1)
    for name in result.names:
        np.testing.assert_array_equal(again.window_r2[name], result.window_r2[name])
    other = ev.evaluate(tiny_model, "fault", n_levels=3, per_level=4, snr_min=0.1, seed=1,
                        estimators={"naive": ESTIMATORS["naive"]})
    assert other.names == ["network", "naive"]
    assert not np.array_equal(other.window_r2["naive"], result.window_r2["naive"])


def test_level_noise_leaves_a_version_2_network_alone_and_hurts_the_naive_difference(tiny_model):
    """Version-2 inputs drop every frame's mean, so per-frame levels cannot change the network."""
    from mintpy_aedenoise.model import build_model

    net = build_model(widths=(8, 16), seed=0)
    for layer in net.layers:                      # non-zero head: predictions depend on the input
        if layer.name == "kernel":
            layer.set_weights([np.full_like(w, 0.05) for w in layer.get_weights()])
    kw = dict(n_levels=2, per_level=4, snr_min=1.0, estimators={"naive": ESTIMATORS["naive"]})
    plain = ev.evaluate(net, "mogi", **kw)
    lev = ev.evaluate(net, "mogi", level_noise=3.0, **kw)
    np.testing.assert_allclose(lev.window_r2["network"], plain.window_r2["network"], atol=1e-4)
    assert np.all(lev.window_r2["naive"] < plain.window_r2["naive"])
    assert lev.level_noise == 3.0 and lev.to_dict()["level_noise"] == 3.0
    assert ev.summary_line(lev).startswith("mogi (level noise 3): R2>=0.6")
    assert ev.summary_line(plain).startswith("mogi: R2>=0.6")
    with pytest.raises(ValueError, match="level_noise"):
        ev.evaluate(net, "mogi", level_noise=-1.0, **kw)


def test_broad_sources_change_the_benchmark_windows_and_are_recorded(tiny_model):
    """--broad-sources scores other windows (broader targets), says so in the summary and JSON;
    without it the protocol's windows and records are unchanged."""
    kw = dict(n_levels=2, per_level=4, snr_min=1.0, estimators={"naive": ESTIMATORS["naive"]})
    plain = ev.evaluate(tiny_model, "mogi", **kw)
    broad = ev.evaluate(tiny_model, "mogi", broad_sources=(1.0, 4.0), **kw)
    assert not np.allclose(broad.window_r2["naive"], plain.window_r2["naive"])
    assert broad.to_dict()["broad_sources"] == [1.0, 4.0] and plain.to_dict()["broad_sources"] is None
    assert ev.summary_line(broad).startswith("mogi (broad sources 1 x 4): R2>=0.6")
    both = ev.EvaluationResult("mogi", 0, 1, [1.0], {"network": np.array([[0.5]])}, level_noise=1.0,
                               broad_sources=(0.2, 4))
    assert ev.summary_line(both).startswith("mogi (level noise 1, broad sources 0.2 x 4): R2>=0.6")
    boot = {"threshold_snr": {"network": [1.0, 1.0]}, "interval": 0.9, "n_resamples": 10}
    assert ev.interval_line(both, boot).startswith("mogi (level noise 1, broad sources 0.2 x 4): R2>=0.6")
    batch = ev.level_batch("mogi", 0, 1.0, per_level=4, broad_sources=(1.0, 4.0))
    assert (batch.sources["scale"] >= 1).all() and "scale" not in ev.level_batch("mogi", 0, 1.0, per_level=4).sources


def test_evaluate_rejects_bad_arguments(tiny_model):
    with pytest.raises(ValueError, match="kind"):
        ev.evaluate(tiny_model, "volcano", n_levels=1, per_level=1)
    with pytest.raises(ValueError, match="n_levels"):
        ev.evaluate(tiny_model, "fault", n_levels=0, per_level=1)


def test_reports(result, tmp_path):
    table = ev.format_table(result).splitlines()
    assert len(table) == 1 + 3
    assert table[0].split() == ["SNR", *result.names, "network_rel"]
    assert table[-1].split()[0] == "10.0000"
    line = ev.summary_line(result)
    assert "\n" not in line
    assert line.startswith("fault: R2>=0.6 from SNR never (network); naive 10, ")
    assert "mean R2 at SNR 0.1: network" in line and "at SNR 1: network" in line
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["threshold_snr"]["naive"] == pytest.approx(10.0)
    assert d["snr"] == pytest.approx([0.1, 1.0, 10.0]) and d["summary"] == line
    assert d["benchmark_version"] == ev.BENCHMARK_VERSION == 2
    assert d["baselines_version"] == 2          # height fits that keep the frame levels
    assert set(d["mean_r2"]) == set(result.names) == set(d["mean_r2_relative"])
    assert "window_r2" not in d
    rows = json.loads(json.dumps(result.window_table(), allow_nan=False))
    assert list(rows) == ["network"]
    np.testing.assert_allclose(np.mean(rows["network"], axis=1), d["mean_r2"]["network"], atol=1e-6)
    rel = ev.summary_line(result, relative=True)
    assert rel.startswith("fault: relative R2 (window mean removed)>=0.6 from SNR never (network)")
    assert d["summary_relative"] == rel and d["threshold_snr_relative"]["network"] is None
    png = ev.plot(result, str(tmp_path / "r2.png"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def saved_model(tiny_model, tmp_path):
    from mintpy_aedenoise.store import save_model

    path = str(tmp_path / "tiny.weights.h5")
    save_model(tiny_model, path, {"kind": "mogi", "training": {"seed": 0}})
    return path


def test_cli_writes_png_json_and_sidecar(saved_model, tmp_path, capsys):
    from mintpy_aedenoise.cli.evaluate import main

    png, js = tmp_path / "out.png", tmp_path / "out.json"
    assert main(["--model", saved_model, "--levels", "2", "--per-level", "2",
                 "--png", str(png), "--json", str(js), "--update-sidecar"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].split()[:2] == ["SNR", "network"] and len(out) == 1 + 2 + 3
    assert out[-3].startswith("mogi: R2>=0.6 from SNR ") and "% bootstrap interval" in out[-3]
    assert out[-2].startswith("mogi: relative R2 (window mean removed)>=0.6 from SNR ")
    assert out[-1].startswith("mogi: R2>=0.6 from SNR ")      # kind from the sidecar
    assert png.stat().st_size > 0
    data = json.loads(js.read_text())
    assert data["kind"] == "mogi" and data["summary"] == out[-1] and len(data["snr"]) == 2
    assert data["summary_interval"] == out[-3] and data["bootstrap"]["n_resamples"] == 1000
    assert np.shape(data["window_r2"]["network"]) == (2, 2)
    assert data["bootstrap"]["seed_scheme"] == "numpy.random.default_rng([seed, 8000000])"
    assert set(data["bootstrap"]["threshold_snr"]) == set(data["mean_r2"]) == set(data["mean_r2_se"])
    side = json.loads((tmp_path / "tiny.json").read_text())
    assert side["evaluation"]["summary"] == out[-1] and "window_r2" not in side["evaluation"]
    assert side["training"] == {"seed": 0} and side["kind"] == "mogi"   # the rest is kept
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_cli_bootstrap_0_prints_and_stores_no_interval(saved_model, tmp_path, capsys):
    from mintpy_aedenoise.cli.evaluate import main

    js = tmp_path / "out.json"
    assert main(["--model", saved_model, "--levels", "2", "--per-level", "2", "--bootstrap", "0",
                 "--json", str(js)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 + 2 + 2 and not [line for line in out if "bootstrap interval" in line]
    data = json.loads(js.read_text())
    assert "bootstrap" not in data and "summary_interval" not in data and "mean_r2_se" in data


def test_cli_json_records_the_weights_relative_under_the_working_directory(
        saved_model, tmp_path, monkeypatch):
    """A record written in a repository names the weights relative to it (valid in any clone),
    one written elsewhere names them by absolute path; the SHA-256 pins the file either way."""
    from mintpy_aedenoise.cli.evaluate import main
    from mintpy_aedenoise.store import file_sha256

    args = ["--model", saved_model, "--levels", "2", "--per-level", "2", "--bootstrap", "0"]
    monkeypatch.chdir(tmp_path)
    assert main(args + ["--json", "inside.json"]) == 0
    inside = json.loads((tmp_path / "inside.json").read_text())
    assert inside["weights"] == os.path.relpath(saved_model, tmp_path) and not os.path.isabs(inside["weights"])
    assert inside["weights_sha256"] == file_sha256(saved_model)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(args + ["--json", "outside.json"]) == 0
    outside = json.loads((elsewhere / "outside.json").read_text())
    assert outside["weights"] == os.path.realpath(saved_model)


@pytest.mark.parametrize("args, needle", [
    (["--model", "missing/nothing.weights.h5"], "missing/nothing.weights.h5: weights file not found"),
    (["--model", "volcano"], "unknown model 'volcano'"),
    (["--model", "x.weights.h5", "--levels", "0"], "--levels"),
    (["--model", "x.weights.h5", "--bootstrap", "-1"], "--bootstrap must be >= 0"),
    (["--model", "x.weights.h5", "--level-noise", "-1"], "--level-noise must be finite and >= 0"),
    (["--model", "x.weights.h5", "--level-noise", "1", "--update-sidecar"], "drop --level-noise"),
    (["--model", "x.weights.h5", "--broad-sources", "0.2", "4", "--update-sidecar"], "and --broad-sources"),
    (["--model", "x.weights.h5", "--broad-sources", "0.2", "0.5"], "--broad-sources needs 0 < FRACTION <= 1"),
])
def test_cli_bad_input_exits_with_message(args, needle, capsys):
    from mintpy_aedenoise.cli.evaluate import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code != 0
    assert needle in capsys.readouterr().err


def test_cli_missing_sidecar_names_it(tiny_model, tmp_path, capsys):
    from mintpy_aedenoise.cli.evaluate import main

    path = str(tmp_path / "lonely.weights.h5")
    tiny_model.save_weights(path)
    with pytest.raises(SystemExit) as exc:
        main(["--model", path])
    assert exc.value.code != 0
    assert str(tmp_path / "lonely.json") in capsys.readouterr().err
