"""The simulator writes genuine MintPy files that MintPy's own tools read."""
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from mintpy_aedenoise.cli import simulate as cli
from mintpy_aedenoise import simulate
from mintpy_aedenoise.simulate import parse_event, simulate_scene

BIN = Path(sys.executable).parent


def _run_tool(name, *args, cwd):
    proc = subprocess.run([str(BIN / name), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"MPLBACKEND": "Agg", "PATH": str(BIN)})
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_layout_and_referencing(sim_dataset):
    scene, paths = sim_dataset
    with h5py.File(paths["timeseries"], "r") as f:
        ts = f["timeseries"][:]
        assert ts.shape == (12, 64, 72) and ts.dtype == np.float32
        assert [d.decode() for d in f["date"][:]] == scene.dates
        assert f["bperp"].shape == (12,)
        atr = dict(f.attrs)
    for key in ("REF_Y", "REF_X", "REF_DATE", "WAVELENGTH", "HEADING", "LENGTH", "WIDTH", "UNIT"):
        assert key in atr
    assert atr["FILE_TYPE"] == "timeseries" and atr["UNIT"] == "m"
    ry, rx = int(atr["REF_Y"]), int(atr["REF_X"])
    np.testing.assert_array_equal(ts[:, ry, rx], 0)     # reference pixel
    np.testing.assert_array_equal(ts[0][scene.mask], 0)  # reference date
    assert (ts[:, ~scene.mask] == 0).all()               # decorrelated pixels written as 0, like MintPy
    with h5py.File(paths["geometry"], "r") as f:
        assert {"height", "incidenceAngle", "azimuthAngle", "slantRangeDistance"} <= set(f)
        inc = f["incidenceAngle"][:]
    assert 30 <= inc.min() and inc.max() <= 45
    events = json.loads(Path(paths["events"]).read_text())["events"]
    assert [e["kind"] for e in events] == ["fault", "mogi"]


def test_truth_contains_the_events_at_their_times(sim_dataset):
    scene, paths = sim_dataset
    with h5py.File(paths["truth"], "r") as f:
        truth = f["timeseries"][:]
    fault, mogi = scene.events
    step = np.abs(np.diff(truth, axis=0)).max(axis=(1, 2))
    # the truth only changes while an event is active
    active = np.zeros(11, bool)
    for ev in scene.events:
        active[ev.start:ev.end] = True
    assert (step[~active] < 1e-9).all() and (step[active] > 1e-5).all()
    # noise = data - truth is of the requested magnitude (5 mm default turbulence)
    noise = (scene.timeseries - truth)[1:, scene.mask]
    assert 1e-3 < noise.std() < 3e-2


def test_mintpy_tools_read_the_dataset(sim_dataset, tmp_path):
    _, paths = sim_dataset
    out = _run_tool("info.py", paths["timeseries"], cwd=tmp_path)
    assert "timeseries" in out and "20200101" in out
    assert "height" in _run_tool("info.py", paths["geometry"], cwd=tmp_path)
    _run_tool("view.py", paths["timeseries"], "--nodisplay", "-o", tmp_path / "ts.png", cwd=tmp_path)
    _run_tool("view.py", paths["geometry"], "height", "--nodisplay", "-o", tmp_path / "h.png", cwd=tmp_path)
    _run_tool("tsview.py", paths["timeseries"], "--nodisplay", "--yx", 10, 10, "--save", cwd=tmp_path)
    assert (tmp_path / "ts.png").stat().st_size > 0 and (tmp_path / "h.png").stat().st_size > 0
    # tsview saves the point time series as text and the map as PNG
    txt = tmp_path / "y10x10_ts.txt"
    rows = [ln for ln in txt.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(rows) == 12


def test_cli_writes_folder_and_geocoded_option(tmp_path, capsys):
    out = tmp_path / "sim"
    assert cli.main([str(out), "--size", "32", "40", "--dates", "10", "--seed", "3",
                     "--events", "fault@2:5", "--geocoded"]) == 0
    with h5py.File(out / "timeseries.h5", "r") as f:
        assert f["timeseries"].shape == (10, 32, 40)
        atr = dict(f.attrs)
    # 100 m pixels both ways: degrees of longitude shrink with the cosine of the latitude
    lat = np.deg2rad(float(atr["Y_FIRST"]))
    assert float(atr["X_STEP"]) * 111320.0 * np.cos(lat) == pytest.approx(100.0, rel=1e-6)
    assert -float(atr["Y_STEP"]) * 111320.0 == pytest.approx(100.0, rel=1e-6)
    assert (out / "geometryGeo.h5").is_file()
    assert "event fault" in capsys.readouterr().out


@pytest.mark.parametrize("heading", [-12.0, -168.0])
def test_incidence_grows_away_from_the_satellite(heading):
    """Columns run east: the incidence grows toward the far range, i.e. away from the side
    the ground-to-satellite vector (MintPy's azimuthAngle) points to."""
    from mintpy.utils import utils0 as ut0
    scene = simulate_scene(np.random.default_rng(1), (16, 24), 9, events=(), heading=heading)
    inc = scene.incidence[0]
    east = ut0.get_unit_vector4component_of_interest(
        los_inc_angle=30.0, los_az_angle=float(scene.azimuth[0, 0]), comp="enu2los")[0]
    assert inc.min() >= 30 and inc.max() <= 45
    # the LOS east component is > 0 when the satellite lies east of the ground
    assert np.sign(inc[-1] - inc[0]) == -np.sign(east)


@pytest.mark.parametrize("heading", [-12.0, -168.0])
def test_range_metadata_agrees_with_the_geometry(heading):
    """MintPy's range formulas on the metadata give the scene's pixel spacing, and the
    slantRangeDistance layer grows by RANGE_PIXEL_SIZE per column away from the near range."""
    from mintpy.utils import utils0 as ut0
    from mintpy_aedenoise.simulate import _metadata, slant_range_columns
    scene = simulate_scene(np.random.default_rng(1), (16, 40), 9, events=(), heading=heading,
                           pixel_size=80.0)
    atr = _metadata(scene, geocoded=False)
    assert ut0.range_ground_resolution(atr) == pytest.approx(80.0, rel=1e-6)
    assert ut0.incidence_angle(atr, dimension=0) == pytest.approx(37.5, abs=1e-5)
    # wide scenes too (the near range is solved in MintPy's own geometry)
    start, step = slant_range_columns(3000, 100.0, heading)[1]
    wide = {**atr, "WIDTH": "3000", "STARTING_RANGE": str(start), "RANGE_PIXEL_SIZE": str(step)}
    assert ut0.range_ground_resolution(wide) == pytest.approx(100.0, rel=1e-6)
    step = float(atr["RANGE_PIXEL_SIZE"])
    diffs = np.diff(scene.slant_range.astype(np.float64), axis=1)
    np.testing.assert_allclose(np.abs(diffs), step, rtol=0, atol=0.07)   # float32 at ~850 km
    near = scene.slant_range[0, 0] if heading > -90 else scene.slant_range[0, -1]
    assert near == pytest.approx(float(atr["STARTING_RANGE"]), abs=0.1)
    assert near == scene.slant_range.min()


def test_ifgram_stack_needs_a_generator(tmp_path):
    from mintpy_aedenoise.simulate import write_ifgram_stack
    scene = simulate_scene(np.random.default_rng(1), (16, 16), 9, events=())
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        write_ifgram_stack(scene, str(tmp_path), rng=None)


def test_seed_reproducibility():
    a = simulate_scene(np.random.default_rng(5), (32, 32), 9)
    b = simulate_scene(np.random.default_rng(5), (32, 32), 9)
    np.testing.assert_array_equal(a.timeseries, b.timeseries)
    c = simulate_scene(np.random.default_rng(6), (32, 32), 9)
    assert not np.array_equal(a.timeseries, c.timeseries)


@pytest.mark.parametrize("args, message", [
    (["--size", "-5", "40"], "--size"),
    (["--size", "32", "32", "--dates", "8"], "--dates must be >= 9"),
    (["--events", "dyke"], "bad event 'dyke'"),
    (["--events", "fault@5:3"], "bad event timing"),
    (["--amplitude", "-1"], "--amplitude must be >= 0"),
])
def test_cli_bad_arguments(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        cli.main([str(tmp_path / "x"), *args])
    assert exc.value.code != 0
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_refuses_existing_folder_without_force(tmp_path, capsys):
    out = tmp_path / "exists"
    out.mkdir()
    (out / "keep.txt").write_text("user data")
    with pytest.raises(SystemExit) as exc:
        cli.main([str(out), "--size", "16", "16", "--dates", "9"])
    assert exc.value.code != 0
    assert "exists" in capsys.readouterr().err and (out / "keep.txt").exists()
    assert cli.main([str(out), "--size", "16", "16", "--dates", "9", "--force"]) == 0
    assert (out / "timeseries.h5").is_file()


def test_parse_event():
    assert parse_event("MOGI@1:2", 5) == ("mogi", 1, 2)
    with pytest.raises(ValueError, match="bad event timing 'fault@0:3'"):
        parse_event("fault@0:3", 5)    # the first date is the reference: events start later


def test_coordinates_are_pixel_centres():
    """MintPy's coordinate object reads REF_LAT/REF_LON and the radar lookup table as pixel
    centres: both map back to the reference pixel and to their own rows and columns."""
    from mintpy.objects.coord import coordinate
    scene = simulate_scene(np.random.default_rng(4), (24, 32), 9, events=())
    atr = simulate._metadata(scene, geocoded=True)
    coord = coordinate(atr)
    ref = (int(atr["REF_Y"]), int(atr["REF_X"]))
    assert tuple(coord.lalo2yx(float(atr["REF_LAT"]), float(atr["REF_LON"]))) == ref
    assert coord.yx2lalo(*ref) == pytest.approx((float(atr["REF_LAT"]), float(atr["REF_LON"])), abs=1e-9)
    table = simulate._lookup_table(scene)
    for row, col in ((0, 0), (23, 31), (7, 19)):
        assert coord.yx2lalo(row, col) == pytest.approx(
            (table["latitude"][row, col], table["longitude"][row, col]), abs=1e-5)
