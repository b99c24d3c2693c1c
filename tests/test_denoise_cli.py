"""aedenoise.py end to end on simulated MintPy datasets, and MintPy's own tools on the output."""
import functools
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from mintpy_aedenoise import mintpy_io
from mintpy_aedenoise.api import predict_normalised
from mintpy_aedenoise.cli.aedenoise import main
from mintpy_aedenoise.engine import blend_image
from mintpy_aedenoise.version import __version__

BIN = Path(sys.executable).parent


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if ".tmp" in p.name]


def _mintpy(*args, cwd):
    """Start a MintPy console script (the one next to this Python); returns the running process."""
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.Popen([sys.executable, str(BIN / args[0]), *map(str, args[1:])], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc, name):
    """Wait for a MintPy script; assert it succeeded; return its stdout."""
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"{name}: {out[-2000:]}\n{err[-2000:]}"
    return out


@pytest.fixture(scope="module")
def radar_run(ae_dataset, tiny_model_file, tmp_path_factory):
    """One CLI run on the radar dataset: 3 strips of 17 rows, no mask, with the uncertainty file."""
    scene, paths = ae_dataset
    out = tmp_path_factory.mktemp("radar_out") / "deformation_ae.h5"
    before = {role: _sha(paths[role]) for role in ("timeseries", "geometry")}
    main([paths["timeseries"], "-g", paths["geometry"], "--model", tiny_model_file, "-m", "no",
          "-o", str(out), "--tile-rows", "17", "--uncertainty"])
    after = {role: _sha(paths[role]) for role in ("timeseries", "geometry")}
    return scene, paths, out, before, after


def test_output_is_a_mintpy_time_series_of_window_end_dates(radar_run, tiny_model_file):
    scene, paths, out, _, _ = radar_run
    with h5py.File(out, "r") as f:
        atr = dict(f.attrs)
        assert sorted(f) == ["bperp", "date", "startDate", "timeseries"]
        assert f["timeseries"].shape == (4, 50, 60) and f["timeseries"].dtype == np.float32
        assert [d.decode() for d in f["date"][:]] == scene.dates[8:]
        assert [d.decode() for d in f["startDate"][:]] == scene.dates[:4]
        np.testing.assert_allclose(f["bperp"][:], scene.bperp[8:])
    assert atr["FILE_TYPE"] == "timeseries" and atr["UNIT"] == "m" and "REF_DATE" not in atr
    assert (atr["REF_Y"], atr["REF_X"]) == tuple(str(v) for v in scene.ref_yx)
    assert atr["START_DATE"] == scene.dates[8] and atr["END_DATE"] == scene.dates[-1]
    for key in ("WAVELENGTH", "HEADING", "ORBIT_DIRECTION", "PLATFORM"):
        assert key in atr
    assert atr["AE_MODEL"] == tiny_model_file and atr["AE_MODEL_KIND"] == "fault"
    assert atr["AE_WEIGHTS_VERSION"] == f"min_package_version={__version__} samples_seen=0"
    assert (atr["AE_WINDOW"], atr["AE_PATCH"], atr["AE_OVERLAP"], atr["AE_TILE_ROWS"]) == ("9", "40", "20", "17")
    assert atr["AE_INPUT_FILE"] == os.path.abspath(paths["timeseries"])
    assert atr["AE_GEOMETRY_FILE"] == os.path.abspath(paths["geometry"]) and atr["AE_MASK_FILE"] == "none"
    assert atr["AE_VERSION"] and len(atr["AE_FINGERPRINT"]) == 64
    assert atr["AE_REFERENCE"] == "REF_Y/REF_X: every map is 0 there"
    # the uncertainty: a separate MintPy time series with the same dates, and no reference point
    std_file = mintpy_io.uncertainty_file(str(out))
    with h5py.File(std_file, "r") as f:
        assert not {"REF_Y", "REF_X", "REF_LAT", "REF_LON"} & set(f.attrs)
        assert f.attrs["AE_REFERENCE"] == "none (a spread)"
        assert f["timeseries"].shape == (4, 50, 60)
        assert [d.decode() for d in f["date"][:]] == scene.dates[8:]
        assert np.nanmin(f["timeseries"][:]) >= 0
    assert _leftovers(out.parent) == []


def test_inputs_are_unchanged_and_failed_pixels_are_nan(radar_run):
    scene, _, out, before, after = radar_run
    assert before == after
    with h5py.File(out, "r") as f:
        maps = f["timeseries"][:]
    assert np.isnan(maps[:, ~scene.mask]).all()                 # decorrelated (written as 0) -> NaN
    assert np.isfinite(maps[:, scene.mask]).all()               # reference pixel included
    assert np.nanmax(np.abs(maps)) > 0


def test_file_workflow_equals_whole_image_in_memory(radar_run, tiny_model):
    """Strips read from the file through the rolling buffer give the in-memory whole-image result,
    referenced to the input's reference pixel."""
    scene, _, out, _, _ = radar_run
    windows = np.stack([scene.timeseries[k:k + 9] for k in range(4)])
    for w in windows:
        mintpy_io.nan_where_zero(w, 0, scene.ref_yx)
    expected = blend_image(functools.partial(predict_normalised, tiny_model), windows, scene.height)[0]
    at_ref = expected[:, scene.ref_yx[0], scene.ref_yx[1]]
    assert np.isfinite(at_ref).all() and (np.abs(at_ref) > 1e-3 * np.nanmax(np.abs(expected))).all()
    expected = expected - at_ref[:, None, None]
    with h5py.File(out, "r") as f:
        maps = f["timeseries"][:]
    assert (maps[:, scene.ref_yx[0], scene.ref_yx[1]] == 0).all()
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-5 * np.nanmax(np.abs(expected)))


def test_reference_pixel_in_a_later_strip(ae_dataset, tiny_model, tiny_model_file, tmp_path):
    """The strip holding the reference pixel is predicted first, whichever strip it is."""
    scene, paths = ae_dataset
    ts_file = tmp_path / "timeseries.h5"
    shutil.copy(paths["timeseries"], ts_file)
    ref = (40, 7)                                     # in the third of 3 strips of 17 rows
    assert scene.mask[ref]
    with h5py.File(ts_file, "r+") as f:
        f.attrs.update(REF_Y=str(ref[0]), REF_X=str(ref[1]))
    out = tmp_path / "deformation_ae.h5"
    main([str(ts_file), "-g", paths["geometry"], "--model", tiny_model_file, "-m", "no", "-o", str(out),
          "--tile-rows", "17"])
    windows = np.stack([scene.timeseries[k:k + 9] for k in range(4)])
    for w in windows:
        mintpy_io.nan_where_zero(w, 0, ref)
    expected = blend_image(functools.partial(predict_normalised, tiny_model), windows, scene.height)[0]
    expected -= expected[:, ref[0], ref[1]][:, None, None]
    with h5py.File(out, "r") as f:
        assert (f.attrs["REF_Y"], f.attrs["REF_X"]) == ("40", "7")
        maps = f["timeseries"][:]
    assert (maps[:, ref[0], ref[1]] == 0).all()
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-5 * np.nanmax(np.abs(expected)))


def test_masked_reference_pixel_leaves_the_maps_unreferenced_with_a_warning(ae_dataset, tiny_model,
                                                                            tiny_model_file, tmp_path):
    from mintpy.utils import writefile

    scene, paths = ae_dataset
    valid = scene.mask.copy()
    valid[scene.ref_yx] = False
    mask = str(tmp_path / "mask.h5")
    writefile.write({"mask": valid}, out_file=mask, print_msg=False,
                    metadata={"FILE_TYPE": "mask", "LENGTH": "50", "WIDTH": "60"})
    out = tmp_path / "deformation_ae.h5"
    with pytest.warns(RuntimeWarning, match=r"reference pixel \(y, x\) = .* is NaN in output map 0"):
        main([paths["timeseries"], "-g", paths["geometry"], "--model", tiny_model_file, "-m", mask, "-o", str(out)])
    with h5py.File(out, "r") as f:
        maps, atr = f["timeseries"][:], dict(f.attrs)
    assert not {"REF_Y", "REF_X"} & set(atr)
    assert atr["AE_REFERENCE"].startswith("none: REF_Y/REF_X = ") and "NaN in 4 of 4 maps" in atr["AE_REFERENCE"]
    assert "other maps" not in atr["AE_REFERENCE"]          # there are none
    windows = np.stack([scene.timeseries[k:k + 9] for k in range(4)])
    for w in windows:
        mintpy_io.nan_where_zero(w, 0, scene.ref_yx)
    expected = blend_image(functools.partial(predict_normalised, tiny_model), windows, scene.height, mask=valid)[0]
    assert np.isnan(maps[:, scene.ref_yx[0], scene.ref_yx[1]]).all() and np.isfinite(maps[:, valid]).all()
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-5 * np.nanmax(np.abs(expected)))


def test_mintpy_tools_read_the_output(radar_run, tmp_path):
    scene, _, out, _, _ = radar_run
    y, x = 25, 30
    runs = {
        "info": _mintpy("info.py", out, "--date", cwd=tmp_path),
        "view": _mintpy("view.py", out, "--nodisplay", "--dpi", 50, "-o", "maps.png", cwd=tmp_path),
        "tsview": _mintpy("tsview.py", out, "--yx", y, x, "--nodisplay", "--noverbose", "--dpi", 50, "-o", "pixel",
                          cwd=tmp_path),
        "subset": _mintpy("subset.py", out, "-y", 10, 40, "-x", 5, 50, "-o", tmp_path / "sub.h5", cwd=tmp_path),
    }
    stdout = {name: _finish(proc, name) for name, proc in runs.items()}   # run side by side
    assert stdout["info"].split() == scene.dates[8:]
    assert (tmp_path / "maps.png").stat().st_size > 0
    assert (tmp_path / "pixel_ts.pdf").exists() and len(list(tmp_path.glob("pixel_2*.png"))) == 1
    rows = [line.split() for line in (tmp_path / "pixel_ts.txt").read_text().splitlines() if line[:1] != "#"]
    assert [r[0] for r in rows] == scene.dates[8:]
    with h5py.File(tmp_path / "sub.h5", "r") as f, h5py.File(out, "r") as g:
        assert f["timeseries"].shape == (4, 30, 45)
        np.testing.assert_array_equal(f["timeseries"][:], g["timeseries"][:, 10:40, 5:50])
        np.testing.assert_array_equal(f["startDate"][:], g["startDate"][:])


def test_work_folder_geocoded_and_save_kmz(ae_geo_dataset, tiny_model_file, tmp_path, caplog):
    """A work folder: latest time series, geometryGeo.h5 and maskTempCoh.h5 found like smallbaselineApp."""
    scene, paths = ae_geo_dataset
    work = tmp_path / "work"
    shutil.copytree(Path(paths["timeseries"]).parent, work)
    with caplog.at_level(logging.WARNING):
        assert main([str(work), "--model", tiny_model_file]) == 0
    assert "no tropospheric correction" in caplog.text
    out = work / "deformation_ae.h5"
    with h5py.File(out, "r") as f, h5py.File(paths["timeseries"], "r") as g:
        atr = dict(f.attrs)
        for key in ("X_FIRST", "Y_FIRST", "X_STEP", "Y_STEP", "REF_LAT", "REF_LON"):
            assert atr[key] == g.attrs[key]
        assert f["timeseries"].shape == (2, 40, 48)
        assert np.isnan(f["timeseries"][:][:, ~scene.mask]).all()
    assert atr["AE_GEOMETRY_FILE"] == str(work / "geometryGeo.h5")
    assert atr["AE_MASK_FILE"] == str(work / "maskTempCoh.h5")
    _finish(_mintpy("save_kmz.py", out, scene.dates[-1], "--dpi", 50, "-o", tmp_path / "defo.kmz",
                     cwd=tmp_path), "save_kmz")
    assert (tmp_path / "defo.kmz").stat().st_size > 0


def test_work_folder_reads_the_custom_template_backed_up_in_inputs(ae_dataset, tiny_model_file, tmp_path):
    """aedenoise.py WORK_DIR takes mintpy.aedenoise.* from inputs/<custom>.txt, as smallbaselineApp_ae.py does."""
    _, paths = ae_dataset
    work = tmp_path / "work"
    (work / "inputs").mkdir(parents=True)
    shutil.copy(paths["timeseries"], work / "timeseries.h5")
    shutil.copy(paths["geometry"], work / "inputs" / "geometryRadar.h5")
    (work / "smallbaselineApp.cfg").write_text("mintpy.aedenoise.overlap = 30\nmintpy.aedenoise.tileRows = 25\n")
    (work / "inputs" / "MyProject.txt").write_text(
        f"mintpy.aedenoise.model = {tiny_model_file}\nmintpy.aedenoise.overlap = 10\n"
        "mintpy.aedenoise.maskFile = no\nmintpy.aedenoise.outFile = defo_custom.h5\n")
    assert main([str(work)]) == 0
    with h5py.File(work / "defo_custom.h5", "r") as f:
        atr = dict(f.attrs)
    assert (atr["AE_MODEL"], atr["AE_OVERLAP"], atr["AE_TILE_ROWS"]) == (tiny_model_file, "10", "25")
    # -t replaces the folder's templates; the command line wins over both
    assert main([str(work), "-t", str(work / "smallbaselineApp.cfg"), "--model", tiny_model_file,
                 "-m", "no", "-o", str(work / "defo_t.h5"), "--tile-rows", "50"]) == 0
    with h5py.File(work / "defo_t.h5", "r") as f:
        assert (f.attrs["AE_OVERLAP"], f.attrs["AE_TILE_ROWS"]) == ("30", "50")


def test_latest_time_series_follows_the_smallbaselineApp_chain(ae_dataset, tmp_path):
    _, paths = ae_dataset
    for name in ("timeseries.h5", "timeseries_ERA5.h5", "timeseries_ERA5_demErr.h5"):
        shutil.copy(paths["timeseries"], tmp_path / name)
    assert mintpy_io.find_timeseries_file(str(tmp_path)) == str(tmp_path / "timeseries_ERA5_demErr.h5")
    cfg = tmp_path / "smallbaselineApp.cfg"
    cfg.write_text("mintpy.troposphericDelay.method = pyaps\nmintpy.topographicResidual = no\n")
    assert mintpy_io.find_timeseries_file(str(tmp_path)) == str(tmp_path / "timeseries_ERA5.h5")
    assert mintpy_io.find_timeseries_file(str(cfg)) == str(tmp_path / "timeseries_ERA5.h5")
    cfg.write_text("mintpy.troposphericDelay.method = gacos\n")        # _GACOS missing: latest existing
    assert mintpy_io.find_timeseries_file(str(tmp_path)) == str(tmp_path / "timeseries.h5")
    assert mintpy_io.has_tropo_correction("timeseries_GACOS_ramp_demErr.h5")


def test_a_work_folder_with_a_damaged_or_bare_timeseries_is_an_error_naming_it(ae_dataset, tmp_path):
    _, paths = ae_dataset
    (tmp_path / "timeseries.h5").write_bytes(b"not hdf5")
    with pytest.raises(mintpy_io.InputError, match=f"{tmp_path / 'timeseries.h5'}: cannot read it as a MintPy"):
        mintpy_io.find_timeseries_file(str(tmp_path))
    shutil.copy(paths["timeseries"], tmp_path / "timeseries.h5")
    with h5py.File(tmp_path / "timeseries.h5", "r+") as f:
        del f.attrs["PLATFORM"]                     # MintPy names the ERA5 file after it
    (tmp_path / "smallbaselineApp.cfg").write_text("mintpy.troposphericDelay.method = pyaps\n")
    with pytest.raises(mintpy_io.InputError, match="attribute 'PLATFORM' missing from timeseries.h5"):
        mintpy_io.find_timeseries_file(str(tmp_path))


def test_update_mode_skips_and_reruns_when_an_option_changes(ae_dataset, tiny_model_file, tmp_path):
    _, paths = ae_dataset
    out = tmp_path / "defo.h5"
    args = [paths["timeseries"], "--model", tiny_model_file, "-o", str(out), "--tile-rows", "64"]
    main(args)
    first = os.stat(out).st_mtime_ns
    main(args)
    assert os.stat(out).st_mtime_ns == first                       # up to date: skipped
    main(args + ["--overlap", "10"])
    second = os.stat(out).st_mtime_ns
    assert second != first
    with h5py.File(out, "r") as f:
        assert f.attrs["AE_OVERLAP"] == "10"
        assert f.attrs["AE_MASK_FILE"] == paths["mask"]             # auto: maskTempCoh.h5 next to the input
    main(args + ["--overlap", "10", "--force"])
    assert os.stat(out).st_mtime_ns != second
    assert _leftovers(tmp_path) == []


def test_failure_mid_run_leaves_no_output(tiny_model_file, tmp_path, caplog, capsys):
    """A mask damaged from row 96 on fails at the 4th strip of 16 rows: nothing is left behind."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    scene = simulate_scene(np.random.default_rng(5), (120, 40), 9, events=("fault@2:6",))
    paths = write_dataset(scene, str(tmp_path / "tall"))
    bad_mask = tmp_path / "tall" / "maskDamaged.h5"
    with h5py.File(bad_mask, "w") as f:
        ds = f.create_dataset("mask", data=np.ones((120, 40), np.int8), chunks=(8, 40), compression="gzip")
        f.attrs.update(FILE_TYPE="mask", LENGTH="120", WIDTH="40")
        chunks = [ds.id.get_chunk_info(i) for i in range(ds.id.get_num_chunks())]
        damaged = [c for c in chunks if c.chunk_offset[0] >= 96]            # rows 96-119
    with open(bad_mask, "r+b") as f:                                      # scramble those chunks on disk
        for chunk in damaged:
            f.seek(chunk.byte_offset)
            f.write(b"\xff" * chunk.size)
    out = tmp_path / "out" / "defo.h5"
    out.parent.mkdir()
    with caplog.at_level(logging.INFO, logger="mintpy_aedenoise"), pytest.raises(SystemExit) as exc:
        main([paths["timeseries"], "--model", tiny_model_file, "-m", str(bad_mask), "-o", str(out),
              "--tile-rows", "16"])
    assert exc.value.code == 1
    assert "strip 3/8" in caplog.text and "strip 4/8" not in caplog.text   # it failed mid-run
    err = capsys.readouterr().err
    assert str(bad_mask) in err and "cannot read rows 8-104" in err
    assert list(out.parent.iterdir()) == []


def test_a_run_removes_what_a_killed_run_left_and_nothing_else(ae_dataset, tiny_model_file, tmp_path, caplog):
    """Temporary files of dead processes on this machine go; live processes' and other machines' stay."""
    _, paths = ae_dataset
    out = tmp_path / "defo.h5"
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, host = int(done.stdout), mintpy_io._host_tag()
    assert not mintpy_io._pid_alive(dead)
    stale = tmp_path / f".defo.h5.{host}-{dead}.k3x_9q2a.tmp.h5"
    kept = [tmp_path / f".defo.h5.{host}-{os.getpid()}.abcdefgh.tmp.h5",         # a live process
            tmp_path / f".defo.h5.{host}x-{dead}.abcdefgh.tmp.h5",              # another machine
            tmp_path / f".other.h5.{host}-{dead}.abcdefgh.tmp.h5",              # another output
            tmp_path / f".defo.h5.{host}-{dead}.abcdefgh.tmp.h5.bak"]           # not a temporary file
    for path in [stale, *kept]:
        path.write_bytes(b"partial")
    with caplog.at_level(logging.WARNING, logger="mintpy_aedenoise"):
        main([paths["timeseries"], "--model", tiny_model_file, "-o", str(out)])
    assert not stale.exists() and all(path.exists() for path in kept)
    assert f"removed {stale}, left by an interrupted run (process {dead})" in caplog.text
    with h5py.File(out, "r") as f:
        assert f["timeseries"].shape[0] == len(ae_dataset[0].dates) - 8
    assert sorted(_leftovers(tmp_path)) == sorted(p.name for p in kept)
    # the writer's own temporary name is one that a later run recognises once its process is gone
    with mintpy_io.OutputFile(str(tmp_path / "x.h5"), (1, 2, 2), ["20200101"], ["20200101"], [0.0],
                              {"FILE_TYPE": "timeseries", "LENGTH": "2", "WIDTH": "2"}) as writer:
        own = Path(writer.tmp).name
    assert own.startswith(f".x.h5.{host}-{os.getpid()}.") and own.endswith(".tmp.h5")
    orphan = tmp_path / own.replace(f"-{os.getpid()}.", f"-{dead}.")
    orphan.write_bytes(b"partial")
    assert mintpy_io.remove_stale_temporaries(str(tmp_path / "x.h5")) == [str(orphan)]


def test_template_options_and_command_line_precedence(ae_dataset, tiny_model_file, tmp_path):
    _, paths = ae_dataset
    template = tmp_path / "smallbaselineApp.cfg"
    template.write_text(f"mintpy.aedenoise.model = {tiny_model_file}\nmintpy.aedenoise.overlap = 10\n"
                        "mintpy.aedenoise.tileRows = 25\nmintpy.aedenoise.maskFile = no\n")
    out = tmp_path / "defo.h5"
    main([paths["timeseries"], "-t", str(template), "-o", str(out)])
    with h5py.File(out, "r") as f:
        assert (f.attrs["AE_MODEL"], f.attrs["AE_OVERLAP"], f.attrs["AE_TILE_ROWS"], f.attrs["AE_MASK_FILE"]) == \
            (tiny_model_file, "10", "25", "none")
    main([paths["timeseries"], "-t", str(template), "-o", str(out), "--overlap", "5"])   # the command line wins
    with h5py.File(out, "r") as f:
        assert (f.attrs["AE_OVERLAP"], f.attrs["AE_TILE_ROWS"]) == ("5", "25")


def test_the_command_line_replaces_bad_template_values_and_uncertainty(ae_dataset, tiny_model_file, tmp_path,
                                                                        caplog):
    """A value the command line replaces is not checked; --no-uncertainty beats the template's yes."""
    _, paths = ae_dataset
    template = tmp_path / "MyProject.txt"
    template.write_text("mintpy.aedenoise.model = old/gone.weights.h5\nmintpy.aedenoise.outFile = out.txt\n"
                        "mintpy.aedenoise.uncertainty = yes\n")
    out = tmp_path / "defo.h5"
    main([paths["timeseries"], "-t", str(template), "--model", tiny_model_file, "-o", str(out)])
    std_file = Path(mintpy_io.uncertainty_file(str(out)))
    assert std_file.is_file()                                         # the template's uncertainty = yes
    with h5py.File(out, "r") as f:
        assert f.attrs["AE_MODEL"] == tiny_model_file
    stale = f"{std_file} is from an earlier run and does not match {out}"
    with caplog.at_level(logging.WARNING, logger="mintpy_aedenoise"):
        main([paths["timeseries"], "-t", str(template), "--model", tiny_model_file, "-o", str(out),
              "--no-uncertainty"])
    assert stale not in caplog.text                  # same inputs and maps options: the spread still holds
    with caplog.at_level(logging.WARNING, logger="mintpy_aedenoise"):
        main([paths["timeseries"], "-t", str(template), "--model", tiny_model_file, "-o", str(out),
              "--no-uncertainty", "--overlap", "10"])
    with h5py.File(out, "r") as f:
        assert f.attrs["AE_OVERLAP"] == "10"
    assert std_file.is_file()                                         # left alone, but named as stale
    assert stale in caplog.text
    # the template's bad values are still refused when nothing replaces them
    with pytest.raises(SystemExit):
        main([paths["timeseries"], "-t", str(template), "-o", str(out)])
