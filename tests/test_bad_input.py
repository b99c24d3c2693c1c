"""aedenoise.py refuses bad inputs with a clear message naming the file, and writes nothing."""
import logging
import os
import shutil

import h5py
import numpy as np
import pytest

from mintpy_aedenoise.cli.aedenoise import main


def _write(path, datasets, file_type, shape, extra=None):
    """A small MintPy-style HDF5 file written with MintPy's own writer."""
    from mintpy.utils import writefile

    meta = {"FILE_TYPE": file_type, "LENGTH": str(shape[0]), "WIDTH": str(shape[1]), **(extra or {})}
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    writefile.write(datasets, out_file=str(path), metadata=meta, print_msg=False)
    return str(path)


def _fails(args, capsys, *expected):
    """``main(args)`` exits non-zero; stderr holds every ``expected`` string."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code not in (0, None)
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, err
    return err


@pytest.fixture
def inputs(ae_dataset, tiny_model_file, tmp_path):
    """Valid inputs, and an output folder that must stay empty."""
    _, paths = ae_dataset
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    return dict(paths, model=tiny_model_file, out=str(out_dir / "deformation_ae.h5"), out_dir=out_dir)


def _args(inputs, **over):
    a = {"ts": inputs["timeseries"], "-g": inputs["geometry"], "--model": inputs["model"], "-m": "no",
         "-o": inputs["out"], **over}
    return [a.pop("ts")] + [x for k, v in a.items() for x in (k, v)]


def _runs_with_warning(inputs, caplog, option, path, warning):
    """``main`` with ``option path`` succeeds and logs ``warning``."""
    with caplog.at_level(logging.WARNING):
        assert main(_args(inputs, **{option: path})) == 0
    assert warning in caplog.text


def _nothing_written(inputs):
    assert list(inputs["out_dir"].iterdir()) == []


def test_missing_file(inputs, capsys, tmp_path):
    missing = str(tmp_path / "timeseries_ERA5_demErr.h5")
    _fails(_args(inputs, ts=missing), capsys, missing, "not found")
    _nothing_written(inputs)


def test_geometry_file_given_as_time_series(inputs, capsys):
    _fails(_args(inputs, ts=inputs["geometry"]), capsys, inputs["geometry"], "not a MintPy time series",
           "FILE_TYPE = geometry")
    _nothing_written(inputs)


def test_velocity_file_given_as_time_series(inputs, capsys, tmp_path):
    vel = _write(tmp_path / "velocity.h5", {"velocity": np.zeros((50, 60), np.float32)}, "velocity", (50, 60))
    _fails(_args(inputs, ts=vel), capsys, vel, "not a MintPy time series", "FILE_TYPE = velocity")
    _nothing_written(inputs)


def test_fewer_than_9_dates(inputs, capsys, ae_dataset, tmp_path):
    scene, _ = ae_dataset
    short = _write(tmp_path / "timeseries_ERA5.h5",
                   {"timeseries": scene.timeseries[:8], "date": np.array(scene.dates[:8], np.bytes_),
                    "bperp": scene.bperp[:8]}, "timeseries", (50, 60), {"REF_DATE": scene.dates[0]})
    _fails(_args(inputs, ts=short), capsys, short, "8 dates", "at least 9")
    _nothing_written(inputs)


def _no_data_series(scene, path):
    """The scene's time series with every value NaN."""
    return _write(path, {"timeseries": np.full_like(scene.timeseries, np.nan),
                         "date": np.array(scene.dates, np.bytes_), "bperp": scene.bperp},
                  "timeseries", (50, 60), {"REF_DATE": scene.dates[0]})


def test_time_series_without_data(inputs, capsys, ae_dataset, tmp_path):
    scene, _ = ae_dataset
    empty = _no_data_series(scene, tmp_path / "timeseries_ERA5.h5")
    _fails(_args(inputs, ts=empty), capsys, empty, "no pixel with data", "nothing to denoise")
    _nothing_written(inputs)


def test_geometry_with_no_finite_height_is_named(inputs, capsys, tmp_path):
    geom = _write(tmp_path / "geometryRadar.h5", {"height": np.full((50, 60), np.nan, np.float32)}, "geometry",
                  (50, 60))
    with pytest.warns(RuntimeWarning, match="reference pixel"):     # NaN there too, before the error
        _fails(_args(inputs, **{"-g": geom}), capsys, "no pixel with data", f"or its height in {geom} is NaN")
    _nothing_written(inputs)


def test_mask_without_a_pixel_with_data(inputs, capsys, tmp_path):
    mask = _write(tmp_path / "maskTempCoh.h5", {"mask": np.zeros((50, 60), bool)}, "mask", (50, 60))
    with pytest.warns(RuntimeWarning, match="reference pixel"):     # masked too, before the error
        _fails(_args(inputs, **{"-m": mask}), capsys, inputs["timeseries"],
               f"no pixel with data inside the mask {mask}")
    _nothing_written(inputs)


def test_failed_run_keeps_an_unreadable_output_in_update_mode(inputs, capsys, ae_dataset, tmp_path):
    """MintPy's run_or_skip deletes an output it cannot read; a failing run must leave it alone."""
    scene, _ = ae_dataset
    out = inputs["out_dir"] / "deformation_ae.h5"
    out.write_bytes(b"not HDF5")
    empty = _no_data_series(scene, tmp_path / "timeseries_ERA5.h5")
    _fails(_args(inputs, ts=empty), capsys, "no pixel with data")
    assert out.read_bytes() == b"not HDF5" and sorted(inputs["out_dir"].iterdir()) == [out]
    assert main(_args(inputs)) == 0                                   # a good run replaces it
    with h5py.File(out, "r") as f:
        assert f["timeseries"].shape == (len(scene.dates) - 8, 50, 60)


def test_reference_pixel_outside_the_image_is_a_warning_and_no_reference(inputs, caplog, ae_dataset, tmp_path):
    """subset.py shifts REF_Y/REF_X without a range check: such a file is denoised, unreferenced."""
    scene, _ = ae_dataset
    ts = _write(tmp_path / "timeseries_ERA5.h5",
                {"timeseries": scene.timeseries, "date": np.array(scene.dates, np.bytes_), "bperp": scene.bperp},
                "timeseries", (50, 60), {"REF_DATE": scene.dates[0], "REF_Y": "50", "REF_X": "3"})
    with caplog.at_level(logging.WARNING):
        assert main(_args(inputs, ts=ts)) == 0
    assert f"{ts}: reference pixel REF_Y/REF_X = (50, 3) is outside the 50 x 60 image" in caplog.text
    with h5py.File(inputs["out"], "r") as f:
        assert not {"REF_Y", "REF_X"} & set(f.attrs) and f.attrs["AE_REFERENCE"] == \
            "none (the input's REF_Y/REF_X = 50, 3 is not a pixel of it)"


def test_geometry_of_a_different_size(inputs, capsys, tmp_path):
    geom = _write(tmp_path / "geometryRadar.h5", {"height": np.zeros((40, 60), np.float32)}, "geometry", (40, 60))
    _fails(_args(inputs, **{"-g": geom}), capsys, geom, "40 x 60", "50 x 60")
    _nothing_written(inputs)


def test_mask_of_a_different_size(inputs, capsys, tmp_path):
    mask = _write(tmp_path / "maskTempCoh.h5", {"mask": np.ones((50, 61), bool)}, "mask", (50, 61))
    _fails(_args(inputs, **{"-m": mask}), capsys, mask, "the mask is 50 x 61")
    _nothing_written(inputs)


def test_time_series_given_as_geometry_or_mask(inputs, capsys):
    ts = inputs["timeseries"]
    _fails(_args(inputs, **{"-g": ts}), capsys, ts, "a timeseries file with no 'height' dataset, not a geometry file")
    _fails(_args(inputs, **{"-m": ts}), capsys, ts, "not a mask, it has no 2-D dataset", "'timeseries' (12, 50, 60)")
    _nothing_written(inputs)


def test_coherence_given_as_mask_is_a_warning(inputs, caplog, tmp_path):
    coh = _write(tmp_path / "temporalCoherence.h5", {"temporalCoherence": np.full((50, 60), 0.4, np.float32)},
                 "temporalCoherence", (50, 60))
    _runs_with_warning(inputs, caplog, "-m", coh,
                       f"{coh}: a mask of floating-point values ('temporalCoherence', FILE_TYPE temporalCoherence)")


def test_a_mask_file_is_read_where_it_was_checked(inputs, caplog, tmp_path):
    """With a float dataset beside 'mask', the mask is what is read (and no float warning)."""
    keep = np.ones((50, 60), bool)
    keep[:, :20] = False
    both = _write(tmp_path / "masks.h5", {"coherence": np.full((50, 60), 0.4, np.float32), "mask": keep}, "mask",
                  (50, 60))
    with caplog.at_level(logging.WARNING):
        assert main(_args(inputs, **{"-m": both})) == 0
    assert "floating-point" not in caplog.text
    with h5py.File(inputs["out"], "r") as f:
        maps = f["timeseries"][:]
    assert np.isnan(maps[:, :, :20]).all() and np.isfinite(maps[:, :, 20:]).any()


def test_missing_height_runs_flat_with_a_loud_warning(inputs, caplog, tmp_path):
    """Documented behaviour: a geometry without height is accepted, with a warning and a flat DEM."""
    geom = _write(tmp_path / "geometryRadar.h5", {"incidenceAngle": np.full((50, 60), 35.0, np.float32)},
                  "geometry", (50, 60))
    _runs_with_warning(inputs, caplog, "-g", geom, f"{geom} has no 'height' dataset: using a flat (zero) elevation")
    with h5py.File(inputs["out"], "r") as f:
        assert f.attrs["AE_GEOMETRY_FILE"] == f"{geom} (no height: flat elevation)"


def test_unknown_model_name(inputs, capsys):
    _fails(_args(inputs, **{"--model": "faults"}), capsys, "unknown model 'faults'", "fault or mogi")
    _nothing_written(inputs)


def test_corrupt_weights_file(inputs, capsys, tmp_path):
    bad = tmp_path / "broken.weights.h5"
    shutil.copy(inputs["model"][: -len(".weights.h5")] + ".json", tmp_path / "broken.json")
    bad.write_bytes(b"this is not HDF5" * 64)
    _fails(_args(inputs, **{"--model": str(bad)}), capsys, str(bad), "cannot load weights")
    _nothing_written(inputs)


@pytest.mark.parametrize("where", ["missing folder", "file as folder"])
def test_output_path_that_cannot_be_written(inputs, capsys, tmp_path, where):
    if where == "missing folder":
        out, problem = str(tmp_path / "no_such_dir" / "deformation_ae.h5"), "does not exist"
    else:
        (tmp_path / "a_file").write_text("x")
        out, problem = str(tmp_path / "a_file" / "deformation_ae.h5"), "is not a folder"
    _fails(_args(inputs, **{"-o": out}), capsys, out, "cannot write the output", problem)
    assert not os.path.exists(out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_output_in_a_read_only_folder(inputs, capsys):
    os.chmod(inputs["out_dir"], 0o555)
    try:
        _fails(_args(inputs), capsys, inputs["out"], "is not writable")
    finally:
        os.chmod(inputs["out_dir"], 0o755)
    _nothing_written(inputs)


def test_output_would_overwrite_the_input(inputs, capsys):
    _fails(_args(inputs, **{"-o": inputs["timeseries"]}), capsys, "would overwrite the input")


def test_bad_option_values_are_refused_by_the_parser(inputs, capsys):
    _fails(_args(inputs, **{"--tile-rows": "0"}), capsys, "--tile-rows must be >= 1")
    _fails(_args(inputs, **{"--overlap": "40"}), capsys, "overlap must be in [0, 40)")
    _nothing_written(inputs)


def _series_copy(scene, path, dates=None, bperp=None, extra=None):
    """The scene's time series written again with other dates, baselines or attributes."""
    dates = scene.dates if dates is None else dates
    return _write(path, {"timeseries": scene.timeseries, "date": np.array(dates, np.bytes_),
                         "bperp": scene.bperp if bperp is None else bperp},
                  "timeseries", (50, 60), {"REF_DATE": scene.dates[0], "UNIT": "m", **(extra or {})})


def test_repeated_or_unordered_dates(inputs, capsys, ae_dataset, tmp_path):
    scene, _ = ae_dataset
    twice = list(scene.dates)
    twice[5] = twice[4]
    path = _series_copy(scene, tmp_path / "twice" / "timeseries_ERA5.h5", dates=twice)
    _fails(_args(inputs, ts=path), capsys, path, f"date {twice[4]} appears twice")
    swapped = list(scene.dates)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    path = _series_copy(scene, tmp_path / "swapped" / "timeseries_ERA5.h5", dates=swapped)
    _fails(_args(inputs, ts=path), capsys, path, "not in time order", f"{swapped[0]} before {swapped[1]}")
    _nothing_written(inputs)


def test_time_series_not_in_metres(inputs, capsys, ae_dataset, tmp_path):
    scene, _ = ae_dataset
    path = _series_copy(scene, tmp_path / "timeseries_ERA5.h5", extra={"UNIT": "cm"})
    _fails(_args(inputs, ts=path), capsys, path, "UNIT = cm", "metres")
    _nothing_written(inputs)


def test_baselines_of_the_wrong_length(inputs, capsys, ae_dataset, tmp_path):
    scene, _ = ae_dataset
    path = _series_copy(scene, tmp_path / "timeseries_ERA5.h5", bperp=scene.bperp[:4])
    _fails(_args(inputs, ts=path), capsys, path, "'bperp' dataset has 4 values for 12 dates")
    _nothing_written(inputs)


def test_geometry_or_mask_in_other_coordinates(inputs, capsys, tmp_path):
    radar = {"height": np.zeros((50, 60), np.float32)}
    geo = {"Y_FIRST": "35.0", "X_FIRST": "-117.8", "Y_STEP": "-0.0009", "X_STEP": "0.0011"}
    geom = _write(tmp_path / "geometryGeo.h5", radar, "geometry", (50, 60), geo)
    _fails(_args(inputs, **{"-g": geom}), capsys, geom, "the geometry is geocoded",
           "in radar coordinates", "inputs/geometryRadar.h5")
    mask = _write(tmp_path / "geo_maskTempCoh.h5", {"mask": np.ones((50, 60), bool)}, "mask", (50, 60), geo)
    _fails(_args(inputs, **{"-m": mask}), capsys, mask, "the mask is geocoded")
    # the usual case: the other coordinates' file has another size too; the message says why
    other = _write(tmp_path / "other" / "geometryGeo.h5", {"height": np.zeros((31, 47), np.float32)},
                   "geometry", (31, 47), geo)
    _fails(_args(inputs, **{"-g": other}), capsys, other, "the geometry is geocoded", "in radar coordinates")
    sub = _write(tmp_path / "sub" / "geometryRadar.h5", radar, "geometry", (50, 60), {"SUBSET_YMIN": "10"})
    ts_sub = os.path.join(tmp_path, "sub", "timeseries_ERA5.h5")
    with h5py.File(inputs["timeseries"]) as src, h5py.File(ts_sub, "w") as dst:
        for name in src:
            src.copy(name, dst)
        dst.attrs.update({**src.attrs, "SUBSET_YMIN": "0"})
    _fails(_args(inputs, ts=ts_sub, **{"-g": sub}), capsys, sub, "on another grid", "SUBSET_YMIN = 10 against 0")
    _nothing_written(inputs)


def test_geocoded_geometry_on_another_grid(ae_geo_dataset, tiny_model_file, capsys, tmp_path):
    _, paths = ae_geo_dataset
    with h5py.File(paths["geometry"]) as src, h5py.File(tmp_path / "geometryGeo.h5", "w") as dst:
        for name in src:
            src.copy(name, dst)
        dst.attrs.update({**src.attrs, "X_FIRST": str(float(src.attrs["X_FIRST"]) + 0.01)})
    geom = str(tmp_path / "geometryGeo.h5")
    _fails([paths["timeseries"], "-g", geom, "--model", tiny_model_file, "-m", "no",
            "-o", str(tmp_path / "deformation_ae.h5")], capsys, geom, "on another grid", "X_FIRST")
    assert not os.path.exists(tmp_path / "deformation_ae.h5")


def test_output_must_end_in_h5(inputs, capsys):
    out = inputs["out"][:-3] + ".he5"
    _fails(_args(inputs, **{"-o": out}), capsys, out, "must be an HDF5 file ending in .h5")
    _nothing_written(inputs)


def test_geocoded_files_of_one_grid_pass_despite_subset_keys_and_rounding(ae_geo_dataset, tmp_path):
    """geocode.py keeps the radar SUBSET_* keys, and writers round the steps differently."""
    from mintpy_aedenoise import mintpy_io as mio

    _, paths = ae_geo_dataset
    ts = mio.open_timeseries(paths["timeseries"])
    geom = str(tmp_path / "geometryGeo.h5")
    with h5py.File(paths["geometry"]) as src, h5py.File(geom, "w") as dst:
        for name in src:
            src.copy(name, dst)
        step = float(src.attrs["X_STEP"])
        dst.attrs.update({**src.attrs, "SUBSET_YMIN": "150", "X_STEP": f"{step * (1 + 1e-5):.12g}"})
    assert mio.check_geometry(geom, ts.shape, ts) is True
    with h5py.File(geom, "a") as dst:         # a step off by a pixel over the image is another grid
        dst.attrs["X_STEP"] = str(step * (1 + 1.0 / ts.width))
    with pytest.raises(mio.InputError, match="on another grid"):
        mio.check_geometry(geom, ts.shape, ts)
