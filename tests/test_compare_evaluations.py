"""tools/compare_evaluations.py: paired, level-by-level comparison of two evaluation JSONs."""
import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "docs" / "figures" / "evaluation_fault.json"


@pytest.fixture
def shipped():
    return json.loads(SHIPPED.read_text())


def test_bands_count_the_levels_of_the_docs(tool, shipped):
    result = tool("compare_evaluations").compare(shipped, shipped)
    assert [b[5] for b in result["bands"]] == [8, 8, 8, 9]
    assert result["from_0.1"][5] == 33 and result["from_0.1"][4] == 0
    assert result["from_0.1"][2] == result["from_0.1"][3]
    assert result["threshold"] == (shipped["threshold_snr"]["network"],) * 2


def test_a_better_candidate_is_counted_where_it_is_better(tool, shipped, tmp_path, capsys):
    better = copy.deepcopy(shipped)
    snr = better["snr"]
    r2 = better["mean_r2"]["network"]
    for i, s in enumerate(snr):
        if 0.3 <= s < 1.0:
            r2[i] += 0.1
        elif 1.0 <= s < 3.0:
            r2[i] += 1e-4               # within TIE: neither better nor worse
        elif s >= 3.0:
            r2[i] -= 0.01
    better["threshold_snr"]["network"] = 0.339
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(shipped))
    b.write_text(json.dumps(better))
    assert tool("compare_evaluations").main([str(a), str(b), "--names", "old", "new", "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("fault (level noise 0): mean R2 of the network, new / old")
    band = [line for line in out if "SNR 0.3-1:" in line][0]
    assert band.endswith("(8 of 8)")
    new, old = (float(v) for v in band.split(":")[1].split("(")[0].split("/"))
    assert new == pytest.approx(old + 0.1, abs=1e-3)
    assert [line for line in out if "SNR 0.1-0.3:" in line][0].endswith("(0 of 8)")
    assert [line for line in out if "SNR 1-3:" in line][0].endswith("(0 of 8)")
    assert out[-2].endswith("(8 of 33; worse at 9; sign test p = 1)")
    shipped_threshold = tool("compare_evaluations")._fmt_snr(shipped["threshold_snr"]["network"])   # e.g. "0.518"
    assert out[-1] == f"  R2>=0.6 from SNR: 0.339 / {shipped_threshold}"
    result = tool("compare_evaluations").compare(shipped, better)
    assert result["worse_from_0.1"] == 9 and result["sign_test_p"] == pytest.approx(1.0)
    assert tool("compare_evaluations").sign_test(25, 8) == pytest.approx(0.00455, abs=5e-5)
    assert tool("compare_evaluations").sign_test(3, 0) == pytest.approx(0.25)


def test_other_windows_or_bad_files_are_refused(tool, shipped, tmp_path, capsys):
    other = dict(shipped, level_noise=1.0)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(shipped))
    b.write_text(json.dumps(other))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "not of the same windows: level_noise" in capsys.readouterr().err
    b.write_text(json.dumps(dict(shipped, broad_sources=[0.2, 4.0])))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "not of the same windows: broad_sources None against [0.2, 4.0]" in capsys.readouterr().err
    b.write_text(json.dumps(dict(shipped, bar=0.5)))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "not of the same windows: bar 0.6 against 0.5" in capsys.readouterr().err
    # the same seeds drew other noise before 0.2.1, and those files have no version (= 1)
    older = {k: v for k, v in shipped.items() if k != "benchmark_version"}
    b.write_text(json.dumps(older))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "not of the same windows: benchmark_version 2 against 1" in capsys.readouterr().err
    b.write_text(json.dumps(dict(shipped, mean_r2={"naive": shipped["mean_r2"]["naive"]})))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "has no 'network' scores" in capsys.readouterr().err
    b.write_text(json.dumps(dict(shipped, snr=shipped["snr"][:-1])))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert "snr 50 levels 0.01-10 against 49 levels" in capsys.readouterr().err
    b.write_text("{}")
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert f"{b}: not an aedenoise_evaluate.py JSON" in capsys.readouterr().err
    assert tool("compare_evaluations").main([str(a), str(tmp_path / "none.json")]) == 2
    assert "none.json: cannot read an evaluation JSON" in capsys.readouterr().err


def _with_windows(data, window_r2):
    """``data`` with per-window R² ``window_r2`` (levels x windows) and the means it implies."""
    import numpy as np

    out = copy.deepcopy(data)
    out["window_r2"] = {"network": np.asarray(window_r2).tolist()}
    out["mean_r2"]["network"] = np.asarray(window_r2).mean(axis=1).tolist()
    return out


def test_paired_bootstrap_sees_a_shift_that_the_window_spread_hides(tool, shipped, tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(5)
    n_levels, per_level = len(shipped["snr"]), shipped["per_level"]
    # a spread of 0.5 per window: each level's mean has a standard error of about 0.06
    base = np.asarray(shipped["mean_r2"]["network"])[:, None] + rng.normal(0, 0.5, (n_levels, per_level))
    first, second = _with_windows(shipped, base), _with_windows(shipped, base + 0.01)
    tool = tool("compare_evaluations")
    snr, bar = shipped["snr"], shipped["bar"]
    boot = tool.paired_bootstrap(snr, bar, base, base + 0.01, np.random.default_rng(0), 500)
    assert boot["difference"] == pytest.approx(0.01)
    assert boot["interval"] == pytest.approx([0.01, 0.01])    # paired: the spread cancels
    assert boot["p_not_better"] == 0.0
    assert boot["threshold_higher"] == 0.0
    # windows whose errors are not shared: the same mean shift is lost in their spread
    other = base + 0.01 + rng.normal(0, 0.5, base.shape)
    wide = tool.paired_bootstrap(snr, bar, base, other, np.random.default_rng(0), 500)
    assert wide["interval"][0] < 0 < wide["interval"][1]
    assert 0.05 < wide["p_not_better"] < 0.95

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(first))
    b.write_text(json.dumps(second))
    assert tool.main([str(a), str(b), "--names", "old", "new", "--bootstrap", "200"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("  paired bootstrap (200 resamples of the windows of each level, "
                              "the same for both): mean R2 from SNR 0.1 new - old = +0.010, "
                              "90 % interval +0.010 to +0.010, <= 0 in 0.0 % of resamples")
    assert out[-1].startswith("  threshold of new lower / same / higher than old's in ")
    assert tool.main([str(a), str(b), "--bootstrap", "0"]) == 0
    assert "paired bootstrap" not in capsys.readouterr().out


def test_paired_bootstrap_needs_windows_in_both(tool, shipped, tmp_path, capsys):
    import numpy as np

    base = np.tile(np.asarray(shipped["mean_r2"]["network"])[:, None], (1, shipped["per_level"]))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({k: v for k, v in shipped.items() if k != "window_r2"}))
    b.write_text(json.dumps(_with_windows(shipped, base)))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"  paired bootstrap skipped: no per-window R2 (window_r2) in {a}")
    ragged = _with_windows(shipped, base)
    ragged["window_r2"]["network"][4] = ragged["window_r2"]["network"][4][:10]
    b.write_text(json.dumps(ragged))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert f"{b}: window_r2 is not a (levels x windows) table of numbers" in capsys.readouterr().err
    bad = _with_windows(shipped, base[:, :3])
    b.write_text(json.dumps(bad))
    a.write_text(json.dumps(_with_windows(shipped, base)))
    assert tool("compare_evaluations").main([str(a), str(b)]) == 2
    assert f"{b}: window_r2 has shape (50, 3), expected (50, 64)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        tool("compare_evaluations").main([str(a), str(a), "--bootstrap", "-1"])
    assert exc.value.code == 2 and "--bootstrap must be >= 0, got -1" in capsys.readouterr().err


def test_paired_bootstrap_leaves_out_missing_windows_as_evaluate_does(tool):
    import numpy as np

    a = np.array([[0.5, 0.7, 0.4, 0.2], [0.8, 0.9, 0.7, 0.6]])
    b = a + 0.1
    b[0, 3] = np.nan                                # a window the second could not score
    boot = tool("compare_evaluations").paired_bootstrap([0.1, 1.0], 0.6, a, b, np.random.default_rng(0), 50)
    expected = np.mean([np.mean(b[0, :3]), b[1].mean()]) - a.mean()
    assert boot["difference"] == pytest.approx(expected)
    assert np.isfinite(boot["interval"]).all()
    with pytest.raises(ValueError, match="interval"):
        tool("compare_evaluations").paired_bootstrap([0.1, 1.0], 0.6, a, b, np.random.default_rng(0), 50, interval=1.5)
