"""The wheel ships the pretrained weights, their sidecars and the template defaults."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (whl,) = out.glob("mintpy_aedenoise-*.whl")
    return whl


def test_wheel_contains_weights_sidecars_and_defaults(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in ("fault", "mogi"):
        assert f"mintpy_aedenoise/weights/{model}.weights.h5" in names
        assert f"mintpy_aedenoise/weights/{model}.json" in names
    assert "mintpy_aedenoise/defaults/aedenoise_auto.cfg" in names


def test_wheel_declares_console_scripts(wheel):
    zf = zipfile.ZipFile(wheel)
    (ep,) = [n for n in zf.namelist() if n.endswith("entry_points.txt")]
    text = zf.read(ep).decode()
    for script in ("aedenoise.py", "aedenoise_simulate.py", "aedenoise_train.py", "aedenoise_evaluate.py",
                   "aedenoise_demo.py", "smallbaselineApp_ae.py"):
        assert f"{script} = " in text
