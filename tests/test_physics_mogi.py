"""Tests of the Mogi (1958) point source (mintpy_aedenoise.physics.mogi)."""
import math

import numpy as np
import pytest

from mintpy_aedenoise.physics import mogi


def test_closed_form_at_points():
    """Independent evaluation with the classic nu = 0.25 factor 3 dV / (4 pi) and
    spherical coordinates: u = C dV / R**2 along the unit vector from the source."""
    dvol, depth = 2.5e6, 3000.0
    for x, y in ((0.0, 0.0), (4000.0, 0.0), (-1500.0, 2500.0), (7000.0, -9000.0)):
        dist = math.sqrt(x * x + y * y + depth * depth)
        mag = 3.0 * dvol / (4.0 * math.pi) / dist ** 2
        expected = (mag * x / dist, mag * y / dist, mag * depth / dist)
        got = mogi.displacement(x + 100.0, y - 200.0, x0=100.0, y0=-200.0, depth=depth,
                                dvol=dvol)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("nu", [0.2, 0.25, 0.3])
def test_maximum_uplift_above_source(nu):
    dvol, depth = 1e6, 2000.0
    c = np.linspace(-10e3, 10e3, 201)
    east, north = np.meshgrid(c, c)
    ue, un, uz = mogi.displacement(east, north, x0=0.0, y0=0.0, depth=depth, dvol=dvol, nu=nu)
    assert uz.max() == pytest.approx((1 - nu) * dvol / (np.pi * depth ** 2), rel=1e-12)
    assert np.unravel_index(uz.argmax(), uz.shape) == (100, 100)
    assert ue[100, 100] == 0.0 and un[100, 100] == 0.0


def test_radial_symmetry_and_horizontal_ratio():
    depth = 2500.0
    r = np.array([500.0, 2000.0, 6000.0])
    angles = np.radians(np.arange(0, 360, 30))
    east = r[:, None] * np.sin(angles)[None]
    north = r[:, None] * np.cos(angles)[None]
    ue, un, uz = mogi.displacement(east, north, x0=0.0, y0=0.0, depth=depth, dvol=1e6)
    ur = ue * np.sin(angles) + un * np.cos(angles)
    ut = ue * np.cos(angles) - un * np.sin(angles)
    np.testing.assert_allclose(uz, uz[:, :1].repeat(len(angles), 1), rtol=1e-12)
    np.testing.assert_allclose(ur, ur[:, :1].repeat(len(angles), 1), rtol=1e-12)
    np.testing.assert_allclose(ut, 0.0, atol=1e-15)
    np.testing.assert_allclose(ur / uz, r[:, None] / depth * np.ones_like(uz), rtol=1e-12)


def test_far_field_decay():
    """uz ~ r**-3 and the horizontal component ~ r**-2 for r >> depth."""
    depth = 1000.0
    r = np.geomspace(20.0, 80.0, 9) * depth
    ue, un, uz = mogi.displacement(r, 0.0, x0=0.0, y0=0.0, depth=depth, dvol=1e6)
    assert abs(np.polyfit(np.log(r), np.log(uz), 1)[0] + 3.0) < 0.01
    assert abs(np.polyfit(np.log(r), np.log(ue), 1)[0] + 2.0) < 0.01


def test_sign_of_inflation_and_deflation():
    east = np.array([0.0, 1500.0, -3000.0])
    up = mogi.displacement(east, 500.0, x0=0.0, y0=0.0, depth=2000.0, dvol=1e6)
    down = mogi.displacement(east, 500.0, x0=0.0, y0=0.0, depth=2000.0, dvol=-1e6)
    assert np.all(up[2] > 0) and np.all(down[2] < 0)
    assert up[0][1] > 0 > up[0][2]  # inflation pushes the ground away from the source
    for a, b in zip(up, down):
        np.testing.assert_array_equal(a, -b)


def test_broadcasting_and_dtype():
    c = np.linspace(-2000.0, 2000.0, 5)
    east, north = (g[None] for g in np.meshgrid(c, c))
    depth = np.array([500.0, 1000.0, 3000.0])[:, None, None]
    out = mogi.displacement(east, north, x0=0.0, y0=0.0, depth=depth, dvol=1e6)
    assert all(u.shape == (3, 5, 5) and u.dtype == np.float64 for u in out)
    for i in range(3):
        single = mogi.displacement(east[0], north[0], x0=0.0, y0=0.0, depth=depth[i, 0, 0],
                                   dvol=1e6)
        for got, want in zip(out, single):
            np.testing.assert_allclose(got[i], want, rtol=1e-14)
    f32 = mogi.displacement(east.astype(np.float32), north.astype(np.float32),
                            x0=np.float32(0), y0=np.float32(0), depth=np.float32(1000),
                            dvol=np.float32(1e6))
    assert all(u.dtype == np.float32 for u in f32)
    np.testing.assert_allclose(f32[2][0], out[2][1], rtol=1e-6)


@pytest.mark.parametrize("bad, reason", [
    (dict(depth=0.0), "depth must be > 0"), (dict(depth=-5.0), "depth must be > 0"),
    (dict(nu=0.0), "nu must be in"), (dict(nu=0.5), "nu must be in"),
    (dict(dvol=np.nan), "dvol must be finite"),
    (dict(depth=np.array([1.0, 2.0, 3.0])), "do not broadcast"),
])
def test_bad_parameters_raise(bad, reason):
    kw = {**dict(x0=0.0, y0=0.0, depth=1000.0, dvol=1e6), **bad}
    with pytest.raises(ValueError, match=f"^mogi.displacement: .*{reason}"):
        mogi.displacement(np.array([0.0, 1.0]), 0.0, **kw)
