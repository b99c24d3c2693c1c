"""smallbaselineApp_ae.py: MintPy's smallbaselineApp with the denoise_ae step."""
import h5py
import numpy as np
import pytest
from mintpy.cli import smallbaselineApp as mintpy_cli
from mintpy.defaults.template import STEP_LIST as MINTPY_STEP_LIST
from mintpy.smallbaselineApp import TimeSeriesAnalysis

from mintpy_aedenoise.cli import smallbaselineApp_ae as app_cli
from mintpy_aedenoise.cli.smallbaselineApp_ae import STEP_LIST, STEP_NAME, TimeSeriesAnalysisAE, main


def test_step_sits_between_reference_date_and_velocity():
    assert STEP_LIST.index(STEP_NAME) == STEP_LIST.index("reference_date") + 1
    assert STEP_LIST.index(STEP_NAME) == STEP_LIST.index("velocity") - 1
    assert [s for s in STEP_LIST if s != STEP_NAME] == MINTPY_STEP_LIST


def test_help_lists_the_step_and_leaves_mintpy_alone(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["-h"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: smallbaselineApp_ae.py")
    assert "'reference_date', 'denoise_ae']" in out          # in the step list of --help
    assert "--dostep denoise_ae" in out and "mintpy.aedenoise.enable" in out
    # MintPy's own CLI is untouched afterwards
    assert mintpy_cli.STEP_LIST is MINTPY_STEP_LIST and STEP_NAME not in MINTPY_STEP_LIST
    assert STEP_NAME not in mintpy_cli.create_parser().format_help()


def test_unknown_step_is_refused_with_the_extended_list(tmp_path):
    tmpl = tmp_path / "Proj.txt"
    tmpl.write_text("mintpy.plot = no\n")
    listed = "'reference_date', 'denoise_ae', 'velocity'"
    with pytest.raises(ValueError, match=f"(?s)Input step not found: denoise\n.*{listed}"):
        app_cli.cmd_line_parse([str(tmpl), "--dostep", "denoise"])
    inps = app_cli.cmd_line_parse([str(tmpl), "--start", "reference_date", "--end", "velocity"])
    assert inps.runSteps == ["reference_date", STEP_NAME, "velocity"]


@pytest.mark.parametrize("steps, forced", [([STEP_NAME], True),
                                           (["reference_date", STEP_NAME, "velocity"], False)])
def test_run_dispatch_and_when_the_step_is_forced(monkeypatch, tmp_path, steps, forced):
    calls = []
    monkeypatch.setattr(TimeSeriesAnalysis, "run", lambda self, s: calls.append(("mintpy", s)))
    monkeypatch.setattr(TimeSeriesAnalysisAE, "run_denoise_ae",
                        lambda self, name, force=False: calls.append((name, force)))
    TimeSeriesAnalysisAE(None, str(tmp_path)).run(steps)
    assert calls == [(STEP_NAME, forced) if s == STEP_NAME else ("mintpy", [s]) for s in steps]


def test_step_is_off_unless_enabled(tmp_path, capsys):
    app = TimeSeriesAnalysisAE(None, str(tmp_path))
    app.templateFile = str(tmp_path / "smallbaselineApp.cfg")
    (tmp_path / "smallbaselineApp.cfg").write_text("mintpy.aedenoise.enable = auto\n")
    app.customTemplateFile = None
    assert app.run_denoise_ae(STEP_NAME) is None
    assert "auto-encoder denoising is OFF" in capsys.readouterr().out


def test_a_step_that_is_off_never_reads_its_other_options(tmp_path, capsys):
    app = TimeSeriesAnalysisAE(None, str(tmp_path))
    app.templateFile = str(tmp_path / "smallbaselineApp.cfg")
    (tmp_path / "smallbaselineApp.cfg").write_text("mintpy.aedenoise.enable = no\n"
                                                   "mintpy.aedenoise.model = old/gone.weights.h5\n")
    app.customTemplateFile = None
    assert app.run_denoise_ae(STEP_NAME) is None
    assert "auto-encoder denoising is OFF" in capsys.readouterr().out


def test_without_a_custom_template_the_step_reads_the_one_backed_up_in_inputs(tmp_path):
    """smallbaselineApp_ae.py --dir mintpy --start velocity: the custom template's keys still count."""
    app = TimeSeriesAnalysisAE(None, str(tmp_path))
    app.templateFile = str(tmp_path / "smallbaselineApp.cfg")
    (tmp_path / "smallbaselineApp.cfg").write_text("mintpy.aedenoise.enable = auto\n")
    (tmp_path / "inputs").mkdir()
    custom = tmp_path / "inputs" / "MyProj.txt"
    custom.write_text("mintpy.aedenoise.enable = yes\nmintpy.aedenoise.model = old/gone.weights.h5\n")
    app.customTemplateFile = None
    assert app.denoise_templates() == [app.templateFile, str(custom)]
    with pytest.raises(ValueError, match=f"{custom}: mintpy.aedenoise.model = old/gone.weights.h5"):
        app.run_denoise_ae(STEP_NAME)           # enabled by the backed-up template: its model is read
    app.customTemplateFile = str(tmp_path / "Other.txt")                 # a named one wins
    assert app.denoise_templates() == [app.templateFile, app.customTemplateFile]


# ---------------------------------------------------------------------------- simulated inputs
def test_write_ifgram_stack_layout_and_phase(rng, tmp_path):
    from mintpy_aedenoise.simulate import simulate_scene, write_ifgram_stack

    scene = simulate_scene(rng, (16, 20), 9, events=("mogi",), decorrelated=0.05)
    paths = write_ifgram_stack(scene, str(tmp_path), n_connections=2, rng=rng)
    assert paths == {"ifgram_stack": str(tmp_path / "inputs" / "ifgramStack.h5"),
                     "geometry": str(tmp_path / "inputs" / "geometryRadar.h5")}
    with h5py.File(paths["ifgram_stack"], "r") as f:
        atr = dict(f.attrs)
        pairs = [(a.decode(), b.decode()) for a, b in f["date"][:]]
        phase, coh, cc = f["unwrapPhase"][:], f["coherence"][:], f["connectComponent"][:]
        assert f["dropIfgram"][:].all() and f["bperp"].shape == (len(pairs),)
    d = scene.dates
    assert pairs == [(d[i], d[j]) for i in range(9) for j in range(i + 1, min(i + 2, 8) + 1)]
    assert atr["FILE_TYPE"] == "ifgramStack" and atr["UNIT"] == "radian" and "REF_Y" not in atr
    # phase = -4 pi / wavelength * (d2 - d1) up to a constant per interferogram
    i, j = d.index(pairs[0][0]), d.index(pairs[0][1])
    expect = -4 * np.pi / float(atr["WAVELENGTH"]) * (scene.timeseries[j] - scene.timeseries[i])
    diff = (phase[0] - expect)[scene.mask]
    np.testing.assert_allclose(diff, diff[0], atol=1e-3)
    assert (coh[:, scene.mask] >= 0.7).all() and (coh[:, ~scene.mask] <= 0.3).all()
    assert (cc[:, scene.mask] == 1).all() and (cc[:, ~scene.mask] == 0).all()
    with h5py.File(paths["geometry"], "r") as f:
        assert {"height", "incidenceAngle", "latitude", "longitude"} <= set(f)


def test_simulate_cli_ifgram_flag(tmp_path):
    from mintpy_aedenoise.cli import simulate

    out = tmp_path / "sim"
    assert simulate.main([str(out), "--size", "16", "16", "--dates", "9", "--ifgram", "--connections", "1"]) == 0
    assert (out / "timeseries.h5").is_file() and (out / "geometryRadar.h5").is_file()
    with h5py.File(out / "inputs" / "ifgramStack.h5", "r") as f:
        assert f["unwrapPhase"].shape == (8, 16, 16)
    assert (out / "inputs" / "geometryRadar.h5").is_file()


# ---------------------------------------------------------------------------- real MintPy run
N_DATES = 12


@pytest.fixture
def loaded_work_dir(tmp_path):
    """A MintPy work folder after load_data: simulated interferograms, geometry, a tiny model."""
    from mintpy_aedenoise.model import build_model
    from mintpy_aedenoise.simulate import simulate_scene, write_ifgram_stack
    from mintpy_aedenoise.store import save_model

    work = tmp_path / "mintpy"
    scene = simulate_scene(np.random.default_rng(3), (40, 48), N_DATES, events=("fault@3:7",),
                           decorrelated=0.03)
    write_ifgram_stack(scene, str(work), n_connections=3, rng=np.random.default_rng(4))
    weights = tmp_path / "tiny.weights.h5"
    save_model(build_model(widths=(8, 16), seed=0), str(weights), {"kind": "fault"})
    ry, rx = scene.ref_yx
    template = tmp_path / "SimAE.txt"
    template.write_text(f"""\
mintpy.compute.cluster          = no
mintpy.reference.yx             = {ry},{rx}
mintpy.troposphericDelay.method = height_correlation
mintpy.deramp                   = no
mintpy.topographicResidual      = yes
mintpy.geocode                  = no
mintpy.save.kmz                 = no
mintpy.save.hdfEos5             = no
mintpy.plot                     = no
mintpy.aedenoise.enable         = yes
mintpy.aedenoise.model          = {weights}
mintpy.aedenoise.tileRows       = 40
""")
    return scene, work, template


# MintPy 1.6.4 warnings that are not ours: timeseries_rms reads its own text file, whose first
# line is empty, with numpy.loadtxt; get_template_content and update_template_file leave
# smallbaselineApp.cfg open (ResourceWarning, reported by pytest as unraisable)
@pytest.mark.filterwarnings("ignore:Input line 1 contained no data:UserWarning")
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*smallbaselineApp[.]cfg:pytest.PytestUnraisableExceptionWarning")
def test_full_run_from_interferograms_to_deformation_ae(loaded_work_dir, monkeypatch, tmp_path):
    scene, work, template = loaded_work_dir
    monkeypatch.chdir(tmp_path)   # smallbaselineApp changes directory; restore it even on failure
    main([str(template), "--dir", str(work), "--start", "modify_network"])

    with h5py.File(work / "deformation_ae.h5", "r") as f:
        assert f["timeseries"].shape == (N_DATES - 8, 40, 48)
        assert [d.decode() for d in f["date"][:]] == scene.dates[8:]
        assert [d.decode() for d in f["startDate"][:]] == scene.dates[:N_DATES - 8]
        maps = f["timeseries"][:]
        atr = dict(f.attrs)
    # it read the final time series (the one velocity read), the auto mask and the tiny model
    assert atr["AE_INPUT_FILE"] == str(work / "timeseries_tropHgt_demErr.h5")
    assert atr["AE_MASK_FILE"] == str(work / "maskTempCoh.h5")
    assert atr["AE_MODEL"] == str(tmp_path / "tiny.weights.h5")
    assert (work / "velocity.h5").is_file()
    # MintPy's inversion of the simulated interferograms gives back the scene (sign convention)
    with h5py.File(work / "timeseries.h5", "r") as f:
        ts = f["timeseries"][:]
    np.testing.assert_allclose((ts - ts[:1])[:, scene.mask], scene.timeseries[:, scene.mask], atol=1e-5)
    # decorrelated pixels fail MintPy's temporal coherence test and stay out
    assert np.isnan(maps[:, ~scene.mask]).all() and np.isfinite(maps[:, scene.mask]).mean() > 0.9

    # a lone --dostep denoise_ae is up to date: the output is not rewritten
    before = (work / "deformation_ae.h5").stat().st_mtime_ns
    main([str(template), "--dir", str(work), "--dostep", STEP_NAME])
    assert (work / "deformation_ae.h5").stat().st_mtime_ns == before
