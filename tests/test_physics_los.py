"""Tests of the MintPy-convention LOS helpers (mintpy_aedenoise.physics.los)."""
import numpy as np
import pytest
from mintpy.utils import utils as mintpy_utils

from mintpy_aedenoise.physics import enu2los, los, los_unit_vector


def test_matches_mintpy():
    rng = np.random.default_rng(0)
    ue, un, uz = rng.normal(size=(3, 4, 5))
    inc = rng.uniform(20.0, 50.0, (4, 5))
    az = rng.uniform(-180.0, 180.0, (4, 5))
    expected = mintpy_utils.enu2los(ue, un, uz, inc_angle=inc, az_angle=az)
    np.testing.assert_array_equal(enu2los(ue, un, uz, inc, az), expected)


def test_pure_uplift_projects_with_cos_incidence():
    inc = np.array([0.0, 30.0, 45.0, 60.0])
    np.testing.assert_allclose(enu2los(0.0, 0.0, 1.0, inc, 77.0), np.cos(np.radians(inc)),
                               rtol=1e-15)


def test_sentinel1_geometries():
    """Right-looking radar: descending (heading ~ -168) looks west, so eastward motion is
    toward the satellite (positive LOS); ascending (heading ~ -12) looks east."""
    az_desc = los.heading2azimuth(-168.0)
    az_asc = los.heading2azimuth(-12.0)
    assert az_desc == pytest.approx(-102.0)
    assert az_asc == pytest.approx(102.0)
    assert enu2los(1.0, 0.0, 0.0, 39.0, az_desc) > 0
    assert enu2los(1.0, 0.0, 0.0, 39.0, az_asc) < 0
    # the north component is small for near-polar orbits and of opposite sign
    assert abs(enu2los(0.0, 1.0, 0.0, 39.0, az_desc)) < 0.15
    e, n, u = los_unit_vector(39.0, az_desc)
    assert e > 0.6 and u > 0.7


def test_heading_azimuth_round_trip():
    heading = np.array([-168.0, -12.0, 10.0, 170.0])
    for look in ("right", "left"):
        az = los.heading2azimuth(heading, look_direction=look)
        np.testing.assert_allclose(los.azimuth2heading(az, look_direction=look), heading)
    np.testing.assert_allclose(los.heading2azimuth(heading),
                               mintpy_utils.heading2azimuth_angle(heading))


def test_unit_vector_is_unit_and_consistent_with_enu2los():
    inc = np.linspace(0.0, 60.0, 7)[:, None]
    az = np.linspace(-180.0, 180.0, 9)[None]
    e, n, u = los_unit_vector(inc, az)
    assert e.shape == n.shape == u.shape == (7, 9)
    np.testing.assert_allclose(e ** 2 + n ** 2 + u ** 2, 1.0, rtol=1e-15)
    ue, un, uz = 0.3, -1.2, 0.7
    np.testing.assert_allclose(e * ue + n * un + u * uz, enu2los(ue, un, uz, inc, az),
                               atol=1e-15)


def test_nan_geometry_propagates():
    got = enu2los(1.0, 1.0, 1.0, np.array([30.0, np.nan]), 100.0)
    assert np.isfinite(got[0]) and np.isnan(got[1])


@pytest.mark.parametrize("inc", [-1.0, 91.0, np.array([30.0, 120.0])])
def test_bad_incidence_raises(inc):
    with pytest.raises(ValueError, match=r"incidence angle must be within \[0, 90\]"):
        enu2los(1.0, 0.0, 0.0, inc, 100.0)
    with pytest.raises(ValueError, match=r"incidence angle must be within \[0, 90\]"):
        los_unit_vector(inc, 100.0)


def test_bad_look_direction_raises():
    with pytest.raises(ValueError, match="look_direction must be one of .* got 'up'"):
        los.heading2azimuth(-12.0, look_direction="up")
    with pytest.raises(ValueError, match="look_direction must be one of .* got 'Right'"):
        los.azimuth2heading(102.0, look_direction="Right")
