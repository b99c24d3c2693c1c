"""benchmarks/real_data_compare.py: its model list and its errors (the comparison itself needs
the real data of ../shared, which the tests do not use)."""
import pytest


@pytest.fixture(scope="module")
def compare(tool):
    return tool("real_data_compare", "benchmarks")


def test_models_are_named_or_their_own_name(compare, tmp_path):
    odd = tmp_path / "lr=1e-3" / "fault.weights.h5"          # an existing file whose path holds '='
    odd.parent.mkdir()
    odd.write_bytes(b"")
    got = compare.parse_models(["fault29=fault", "mogi", str(odd), "new=runs/lr=1e-3/fault.weights.h5"])
    assert got == {"fault29": "fault", "mogi": "mogi", str(odd): str(odd),
                   "new": "runs/lr=1e-3/fault.weights.h5"}


@pytest.mark.parametrize("specs, message", [(["=fault"], "give MODEL or NAME=MODEL"),
                                            (["a="], "give MODEL or NAME=MODEL"),
                                            (["a=fault", "a=mogi"], "used twice"),
                                            (["fault", "fault"], "used twice")])
def test_bad_model_lists_are_refused(compare, specs, message):
    with pytest.raises(ValueError, match=message):
        compare.parse_models(specs)


def test_a_missing_model_exits_2_before_anything_runs(compare, tmp_path, capsys):
    missing = tmp_path / "none.weights.h5"
    with pytest.raises(SystemExit) as exc:
        compare.main(["fault", f"new={missing}", "--data-dir", str(tmp_path)])
    assert exc.value.code == 2 and str(missing) in capsys.readouterr().err


def test_missing_data_exits_naming_the_file(compare, tmp_path):
    with pytest.raises(SystemExit) as exc:
        compare.main(["fault", "--data-dir", str(tmp_path)])
    assert str(tmp_path / "timeseries_demErr.h5") in str(exc.value.code) and "not found" in str(exc.value.code)
