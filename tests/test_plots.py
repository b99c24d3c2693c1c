"""Map figures (mintpy_aedenoise.plots): colour scales shared by the grid or per row."""
import numpy as np
import pytest

from mintpy_aedenoise.plots import colour_limits, map_grid, save_map_grid


def _maps(rng, n, shape=(20, 30), amplitude=0.01):
    return [amplitude * rng.standard_normal(shape) for _ in range(n)]


def _clims(fig):
    """Colour limits of the map panels, row-major (colour bars excluded)."""
    return [im.get_clim() for ax in fig.axes for im in ax.get_images()]


def _n_colour_bars(fig):
    return sum(ax.get_label() == "<colorbar>" for ax in fig.axes)


def test_colour_limits():
    data = np.linspace(-3.0, 1.0, 401)
    lim = np.percentile(np.abs(data), 99)
    assert colour_limits([data[:200], data[200:], np.full(3, np.nan)]) == pytest.approx((-lim, lim))
    assert colour_limits([data], symmetric=False) == pytest.approx(tuple(np.percentile(data, [1, 99])))
    assert colour_limits([data], vmax=0.5) == (-0.5, 0.5)
    assert colour_limits([data], vmax=0.0) == (-1.0, 1.0)                 # never an empty scale
    assert colour_limits([np.full((2, 2), np.nan)]) == (-1.0, 1.0)
    assert colour_limits([]) == (-1.0, 1.0)


def test_grid_scale_is_shared_and_in_display_units(rng):
    m = _maps(rng, 5)
    rows = [[("a", m[0]), ("b", m[1]), ("c", m[2])], [("d", m[3]), ("e", m[4])]]
    fig = map_grid(rows, row_titles=["first", "second"], suptitle="title")
    lim = np.percentile(np.abs(np.concatenate([x.ravel() for x in m])) * 1000.0, 99)
    clims = _clims(fig)
    assert len(clims) == 5 and all(c == pytest.approx((-lim, lim)) for c in clims)
    assert _n_colour_bars(fig) == 1
    grid = fig.axes[:6]
    assert [ax.get_title() for ax in grid if ax.axison] == ["a", "b", "c", "d", "e"]
    assert not grid[5].axison                                         # the short row's blank panel
    assert (grid[0].get_ylabel(), grid[3].get_ylabel()) == ("first", "second")
    assert fig.get_suptitle() == "title"
    np.testing.assert_allclose(grid[4].get_images()[0].get_array(), m[4] * 1000.0)


def test_row_scales_given_or_from_each_row(rng):
    small, large = _maps(rng, 2, amplitude=0.001), _maps(rng, 2, amplitude=0.05)
    rows = [[("s0", small[0]), ("s1", small[1])], [("l0", large[0]), ("l1", large[1])]]
    fig = map_grid(rows, colour_scale="row", vmax=[0.002, None])
    clims = _clims(fig)
    assert clims[:2] == [(-2.0, 2.0)] * 2                             # given, metres -> mm
    lim = np.percentile(np.abs(np.concatenate([x.ravel() for x in large])) * 1000.0, 99)
    assert all(c == pytest.approx((-lim, lim)) for c in clims[2:])
    assert _n_colour_bars(fig) == 2
    # one value for every row
    assert set(_clims(map_grid(rows, colour_scale="row", vmax=0.004))) == {(-4.0, 4.0)}


def test_save_writes_a_png(rng, tmp_path):
    png = tmp_path / "maps.png"
    assert save_map_grid(str(png), [[("a", _maps(rng, 1)[0])]], colour_scale="row") == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("rows, kwargs, match", [
    ([], {}, "non-empty"),
    ([[]], {}, "non-empty"),
    ([[("a", np.zeros((4, 4)))]], {"colour_scale": "column"}, "colour_scale must be one of"),
    ([[("a", np.zeros((4, 4)))]], {"vmax": [1.0]}, "needs colour_scale='row'"),
    ([[("a", np.zeros((4, 4)))]], {"colour_scale": "row", "vmax": [1.0, 2.0]}, "vmax has 2 entries for 1 rows"),
    ([[("a", np.zeros((4, 4)))]], {"row_titles": ["x", "y"]}, "row_titles has 2 entries for 1 rows"),
])
def test_bad_arguments(rows, kwargs, match):
    with pytest.raises(ValueError, match=match):
        map_grid(rows, **kwargs)
