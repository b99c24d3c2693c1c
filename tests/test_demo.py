"""aedenoise_demo.py end to end at a small size with tiny models, and its helpers."""
import math
import re

import h5py
import numpy as np
import pytest

from mintpy_aedenoise.cli import demo

NUMBER = r"[-+]?(?:\d+\.\d+|nan|inf)"
ROW = re.compile(rf"^\s+(naive difference|denoised \((fault|mogi) model\))\s+({NUMBER})\s+({NUMBER})\s+"
                 rf"({NUMBER}) mm\s+({NUMBER}) mm\s+({NUMBER}) mm$")


def test_demo_end_to_end(tiny_model_file, tmp_path, capsys):
    out = tmp_path / "demo_out"
    rc = demo.main([str(out), "--size", "64", "80", "--dates", "12", "--seed", "5",
                    "--fault", tiny_model_file, "--mogi", tiny_model_file])
    assert rc == 0
    text = capsys.readouterr().out

    for name in ("demo_events.png", "demo_fault.png", "demo_mogi.png"):
        png = out / name
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    for kind in ("fault", "mogi"):       # the real aedenoise.py outputs, one map per window
        with h5py.File(out / f"deformation_ae_{kind}.h5", "r") as f:
            assert f["timeseries"].shape == (12 - 8, 64, 80)
            assert f.attrs["AE_MODEL"] == tiny_model_file

    rows = [m.groups() for m in map(ROW.match, text.splitlines()) if m]
    assert [r[0] for r in rows] == ["naive difference", "denoised (fault model)",
                                    "naive difference", "denoised (mogi model)"], text
    for row in rows:
        values = [float(v) for v in row[2:]]
        assert all(math.isfinite(v) for v in values), row
        assert values[0] <= 1.0 and values[1] <= 1.0 and values[2] >= 0 and values[3] >= 0, row
    # the naive difference is dominated by noise: far from the truth
    assert float(rows[0][2]) < 0.5 and float(rows[2][2]) < 0.5
    truth_peaks = re.findall(rf"^\s+truth\s+({NUMBER}) mm$", text, flags=re.M)
    assert len(truth_peaks) == 2 and all(abs(float(p)) > 0 for p in truth_peaks)
    assert re.search(r"^noise: \d+\.\d mm RMS on one date", text, flags=re.M)
    assert "fault slow-slip event" in text and "Mogi source" in text


def test_missing_weights_fail_before_simulating(tmp_path, capsys):
    out = tmp_path / "demo_out"
    assert demo.main([str(out), "--model-dir", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "fault model" in err and "weights file not found" in err and "--model-dir" in err
    assert not out.exists()


@pytest.mark.parametrize("args, message", [(["--dates", "8"], "--dates must be >= 9"),
                                           (["--size", "20", "80"], "--size must be at least 48 x 48"),
                                           (["--amplitude", "0"], "--amplitude must be > 0")])
def test_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        demo.cmd_line_parse(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("n_dates", range(9, 40))
def test_each_event_fits_in_a_window(n_dates):
    from mintpy_aedenoise.simulate import parse_event

    for spec in demo.event_specs(n_dates):
        _, start, end = parse_event(spec, n_dates)        # valid timing
        i = demo.event_window(start, end, n_dates)
        assert 0 <= i <= n_dates - 9 and i <= start and end <= i + 8


def test_neighbourhood_and_scores():
    truth = np.zeros((60, 70))
    truth[20:30, 30:36] = -4e-3
    truth[25, 33] = -5e-3
    region = demo.neighbourhood(truth, 25, 33)
    rows, cols = np.nonzero(region)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (15, 34, 25, 40)
    s = demo.scores(truth.copy(), truth, region)
    assert s["r2_event"] == 1.0 and s["r2_scene"] == 1.0 and s["rms_event"] == 0.0 and s["peak"] == -5e-3
    noisy = truth + np.random.default_rng(0).normal(0, 5e-3, truth.shape)
    assert demo.scores(noisy, truth, region)["r2_event"] < 0
