"""Template options mintpy.aedenoise.*: parsing, auto values, errors, and the .cfg files."""
import os
import re
from pathlib import Path

import pytest

from mintpy_aedenoise import config
from mintpy_aedenoise.config import AUTO_FILE, OPTION_BY_KEY, OPTIONS, PREFIX, read_template_options

TEMPLATE_FILE = Path(__file__).resolve().parents[1] / "templates" / "aedenoise.cfg"
LINE_RE = re.compile(r"^mintpy\.aedenoise\.(?P<key>\w+)\s*=\s*(?P<value>\S+)\s*"
                     r"(#\[(?P<choices>[^\]]*)\], auto for (?P<auto>[^,]+),)?")


def _write(path, text):
    path.write_text(text)
    return str(path)


def _entries(path):
    """{key: match} of the mintpy.aedenoise.* lines of a .cfg file."""
    return {m["key"]: m for m in map(LINE_RE.match, Path(path).read_text().splitlines()) if m}


def test_all_auto(tmp_path):
    opts = read_template_options(work_dir=tmp_path)
    assert opts == {"enable": False, "model": "fault", "mask_file": None,
                    "out_file": str(tmp_path / "deformation_ae.h5"), "tile_rows": 256, "overlap": 20,
                    "batch_size": 64, "uncertainty": False}
    # the user template as shipped (every key = auto) gives the same
    assert read_template_options(TEMPLATE_FILE, work_dir=tmp_path) == opts


def test_default_and_def_mean_auto(tmp_path):
    template = _write(tmp_path / "t.txt", "mintpy.aedenoise.tileRows = default\nmintpy.aedenoise.overlap = DEF\n")
    opts = read_template_options(template, work_dir=tmp_path)
    assert (opts["tile_rows"], opts["overlap"]) == (256, 20)


def test_values_and_override_order(tmp_path):
    (tmp_path / "maskTempCoh.h5").touch()
    (tmp_path / "tiny.weights.h5").touch()
    first = _write(tmp_path / "smallbaselineApp.cfg",
                   "mintpy.load.processor = isce\n"
                   f"{PREFIX}tileRows = 64   # comment\n{PREFIX}overlap = 10\n")
    custom = _write(tmp_path / "Proj.txt",
                    f"{PREFIX}enable = True\n{PREFIX}model = tiny.weights.h5\n{PREFIX}overlap = 0\n"
                    f"{PREFIX}batchSize = 8\n{PREFIX}uncertainty = on\n{PREFIX}outFile = out/ae.h5\n")
    opts = read_template_options([first, custom], work_dir=tmp_path)
    assert opts == {"enable": True, "model": str(tmp_path / "tiny.weights.h5"),
                    "mask_file": str(tmp_path / "maskTempCoh.h5"),
                    "out_file": str(tmp_path / "out" / "ae.h5"),
                    "tile_rows": 64, "overlap": 0, "batch_size": 8, "uncertainty": True}


@pytest.mark.parametrize("value, expected", [("auto", "maskTempCoh.h5"), ("no", None), ("None", None),
                                             ("other.h5", "other.h5")])
def test_mask_file(tmp_path, value, expected):
    for name in ("maskTempCoh.h5", "other.h5"):
        (tmp_path / name).touch()
    t = _write(tmp_path / "t.cfg", f"{PREFIX}maskFile = {value}\n")
    got = read_template_options(t, work_dir=tmp_path)["mask_file"]
    assert got == (expected and str(tmp_path / expected))


def test_auto_mask_absent_means_none_but_a_given_one_must_exist(tmp_path, caplog):
    assert read_template_options(work_dir=tmp_path)["mask_file"] is None
    assert "maskTempCoh.h5 not found: no mask" in caplog.text and caplog.records[-1].levelname == "WARNING"
    t = _write(tmp_path / "t.cfg", f"{PREFIX}maskFile = maskTempCoh.h5\n")
    with pytest.raises(ValueError, match="maskFile = maskTempCoh.h5: file .* not found"):
        read_template_options(t, work_dir=tmp_path)


def test_auto_mask_of_a_geo_folder_is_geocode_s_geo_mask(tmp_path):
    """geocode.py writes geo/geo_maskTempCoh.h5 beside geo/geo_timeseries*.h5."""
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "geo_maskTempCoh.h5").touch()
    assert read_template_options(work_dir=geo)["mask_file"] == str(geo / "geo_maskTempCoh.h5")
    (geo / "maskTempCoh.h5").touch()                      # a plain name still comes first
    assert read_template_options(work_dir=geo)["mask_file"] == str(geo / "maskTempCoh.h5")
    other = tmp_path / "other"                            # only in a folder named geo
    other.mkdir()
    (other / "geo_maskTempCoh.h5").touch()
    assert read_template_options(work_dir=other)["mask_file"] is None


def test_options_given_elsewhere_are_skipped(tmp_path, caplog):
    """aedenoise.py -m: the auto mask is neither looked for nor warned about."""
    opts = read_template_options(work_dir=tmp_path, skip=("mask_file",))
    assert "mask_file" not in opts and "not found" not in caplog.text


def test_work_folder_templates(tmp_path):
    assert config.work_folder_templates(str(tmp_path)) == []
    work_cfg = _write(tmp_path / "smallbaselineApp.cfg", "mintpy.load.processor = isce\n")
    (tmp_path / "inputs").mkdir()
    _write(tmp_path / "inputs" / "notes.txt", "mintpy.load.processor = isce\nsome text\n")
    assert config.work_folder_templates(str(tmp_path)) == [work_cfg]
    custom = _write(tmp_path / "inputs" / "Proj.txt", f"{PREFIX}overlap = 10\n")
    assert config.work_folder_templates(str(tmp_path)) == [work_cfg, custom]
    (tmp_path / "inputs" / "binary.txt").write_bytes(b"\xff\xfe\x00mintpy")     # skipped, with a warning
    (tmp_path / "inputs" / "smallbaselineApp.cfg").write_text(f"{PREFIX}overlap = 5\n")   # MintPy's backup
    assert config.work_folder_templates(str(tmp_path)) == [work_cfg, custom]
    _write(tmp_path / "inputs" / "Proj2.template", f"{PREFIX}model = mogi\n")
    with pytest.raises(ValueError, match=r"inputs: several templates set mintpy.aedenoise.\* keys "
                                         r"\(Proj.txt, Proj2.template\); choose one with -t"):
        config.work_folder_templates(str(tmp_path))


def test_unknown_key_names_file_key_and_suggestion(tmp_path):
    t = _write(tmp_path / "MyProject.txt", f"{PREFIX}enable = yes\n{PREFIX}tilerows = 128\n")
    with pytest.raises(ValueError) as err:
        read_template_options(t)
    msg = str(err.value)
    assert msg.startswith(f"{t}: unknown template key mintpy.aedenoise.tilerows")
    assert "did you mean mintpy.aedenoise.tileRows?" in msg


def test_unknown_key_without_close_match(tmp_path):
    t = _write(tmp_path / "t.txt", "mintpy.AEdenoise.colour = red\n")
    with pytest.raises(ValueError, match=r"key mintpy.AEdenoise.colour \(valid keys: enable, model"):
        read_template_options(t)


@pytest.mark.parametrize("key, value, reason", [
    ("tileRows", "-3", "out of range"),
    ("tileRows", "0", "out of range"),
    ("tileRows", "1e3", "not an integer"),
    ("overlap", "40", "out of range"),
    ("overlap", "-1", "out of range"),
    ("batchSize", "0", "out of range"),
    ("enable", "maybe", "not a yes/no value"),
    ("uncertainty", "2", "not a yes/no value"),
    ("model", "xyz", "neither a shipped model"),
    ("model", "missing.weights.h5", "not found"),
    ("outFile", "deformation.txt", "HDF5"),
])
def test_bad_values_name_file_key_value_and_choices(tmp_path, key, value, reason):
    t = _write(tmp_path / "Proj.txt", f"{PREFIX}{key} = {value}\n")
    with pytest.raises(ValueError) as err:
        read_template_options(t, work_dir=tmp_path)
    msg = str(err.value)
    assert msg.startswith(f"{t}: {PREFIX}{key} = {value}: ")
    assert reason in msg
    assert msg.endswith(f"expected [{OPTION_BY_KEY[key].choices}]")


def test_missing_template_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        read_template_options(str(tmp_path / "nope.txt"))


def test_cfg_files_are_rendered_from_options():
    hint = ("regenerate with: python -c \"from mintpy_aedenoise import config; "
            "print(config.template_text(), end='')\" > templates/aedenoise.cfg "
            "(and auto_text() > mintpy_aedenoise/defaults/aedenoise_auto.cfg)")
    assert TEMPLATE_FILE.read_text() == config.template_text(), hint
    assert Path(AUTO_FILE).read_text() == config.auto_text(), hint


def test_template_and_auto_file_agree_with_options():
    template, auto = _entries(TEMPLATE_FILE), _entries(AUTO_FILE)
    keys = [opt.key for opt in OPTIONS]
    assert list(template) == keys and list(auto) == keys
    for opt in OPTIONS:
        line = template[opt.key]
        assert line["value"] == "auto"
        assert line["choices"] == opt.choices, opt.key
        assert line["auto"] == auto[opt.key]["value"] == opt.auto, opt.key


def test_auto_file_is_package_data():
    assert os.path.isfile(AUTO_FILE)
    assert Path(AUTO_FILE).parent.name == "defaults"
    assert Path(AUTO_FILE).parent.parent == Path(config.__file__).parent
