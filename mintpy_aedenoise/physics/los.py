"""Projection of east/north/up displacement onto the radar line of sight, MintPy's way.

Thin wrappers over MintPy's own geometry helpers (``mintpy.utils.utils0``), so that the
synthetic data and MintPy products share exactly the same conventions:

- ``inc_angle``: incidence angle in degrees from the vertical (MintPy ``incidenceAngle``);
- ``az_angle``: azimuth of the line-of-sight vector *from the ground to the satellite*, in
  degrees from north, anti-clockwise positive (MintPy ``azimuthAngle``);
- ``heading``: azimuth of the flight direction, degrees from north, clockwise positive;
- LOS displacement is positive for motion *toward* the satellite.

Typical right-looking values: Sentinel-1 ascending heading -12, azimuth 102 (the satellite
is to the west of the target, looking east); descending heading -168, azimuth -102 (the
satellite is to the east, looking west).

Examples
--------
Pure uplift seen at 30 degrees incidence, and 1 m of eastward motion seen from a
descending Sentinel-1 track (toward the satellite):

>>> print(f"{float(enu2los(0.0, 0.0, 1.0, 30.0, 102.0)):.4f}")
0.8660
>>> print(f"{float(enu2los(1.0, 0.0, 0.0, 39.0, heading2azimuth(-168.0))):.4f}")
0.6156
"""
import numpy as np
from mintpy.utils import utils0

__all__ = ["enu2los", "los_unit_vector", "heading2azimuth", "azimuth2heading"]

_LOOK_DIRECTIONS = ("right", "left")


def _check_incidence(inc_angle):
    """Raise ValueError if a finite incidence angle is outside [0, 90] degrees.

    Parameters
    ----------
    inc_angle : array_like
        Incidence angle in degrees; NaN (no data) is allowed and propagates.
    """
    inc = np.asarray(inc_angle, dtype=np.float64)
    if np.any((inc < 0) | (inc > 90)):
        raise ValueError("incidence angle must be within [0, 90] degrees from vertical, "
                         f"got values in [{np.nanmin(inc)}, {np.nanmax(inc)}]")


def _check_look_direction(look_direction):
    """Raise ValueError unless look_direction is 'right' or 'left'.

    Parameters
    ----------
    look_direction : str
        Radar look direction.
    """
    if look_direction not in _LOOK_DIRECTIONS:
        raise ValueError(f"look_direction must be one of {_LOOK_DIRECTIONS}, "
                         f"got {look_direction!r}")


def enu2los(ue, un, uz, inc_angle, az_angle):
    """Project east/north/up displacement onto the LOS (``mintpy.utils.utils0.enu2los``).

    Parameters
    ----------
    ue, un, uz : array_like
        East, north and up displacement.
    inc_angle : array_like
        Incidence angle in degrees from the vertical, within [0, 90].
    az_angle : array_like
        Azimuth of the ground-to-satellite LOS vector in degrees from north, anti-clockwise
        positive (MintPy ``azimuthAngle``).

    Returns
    -------
    numpy.ndarray or float
        LOS displacement, positive toward the satellite, broadcast over all arguments.

    Raises
    ------
    ValueError
        If a (finite) incidence angle is outside [0, 90] degrees.
    """
    _check_incidence(inc_angle)
    return utils0.enu2los(ue, un, uz, inc_angle=inc_angle, az_angle=az_angle)


def los_unit_vector(inc_angle, az_angle):
    """East, north and up components of the ground-to-satellite LOS unit vector.

    Uses ``mintpy.utils.utils0.get_unit_vector4component_of_interest(..., comp='enu2los')``,
    so that ``enu2los(ue, un, uz, ...) == e * ue + n * un + u * uz``.

    Parameters
    ----------
    inc_angle : array_like
        Incidence angle in degrees from the vertical, within [0, 90].
    az_angle : array_like
        Azimuth of the ground-to-satellite LOS vector in degrees from north, anti-clockwise
        positive (MintPy ``azimuthAngle``).

    Returns
    -------
    e, n, u : numpy.ndarray
        The unit vector's components, broadcast together.

    Raises
    ------
    ValueError
        If a (finite) incidence angle is outside [0, 90] degrees.
    """
    _check_incidence(inc_angle)
    inc, az = np.broadcast_arrays(np.asarray(inc_angle, dtype=np.float64),
                                  np.asarray(az_angle, dtype=np.float64))
    vec = utils0.get_unit_vector4component_of_interest(inc, az, comp="enu2los")
    return tuple(np.asarray(v, dtype=np.float64) for v in vec)


def heading2azimuth(heading, look_direction="right"):
    """Convert the orbit heading into the LOS azimuth (``utils0.heading2azimuth_angle``).

    Parameters
    ----------
    heading : array_like
        Flight direction in degrees from north, clockwise positive.
    look_direction : {"right", "left"}
        Radar look direction (Sentinel-1 and most SARs look right).

    Returns
    -------
    numpy.ndarray or float
        Azimuth of the ground-to-satellite LOS vector in degrees from north,
        anti-clockwise positive, wrapped to [-180, 180].

    Raises
    ------
    ValueError
        If look_direction is not "right" or "left".
    """
    _check_look_direction(look_direction)
    return utils0.heading2azimuth_angle(np.asarray(heading, dtype=np.float64),
                                        look_direction=look_direction)


def azimuth2heading(az_angle, look_direction="right"):
    """Convert the LOS azimuth into the orbit heading (``utils0.azimuth2heading_angle``).

    Parameters
    ----------
    az_angle : array_like
        Azimuth of the ground-to-satellite LOS vector in degrees from north, anti-clockwise
        positive.
    look_direction : {"right", "left"}
        Radar look direction (Sentinel-1 and most SARs look right).

    Returns
    -------
    numpy.ndarray or float
        Flight direction in degrees from north, clockwise positive, wrapped to [-180, 180].

    Raises
    ------
    ValueError
        If look_direction is not "right" or "left".
    """
    _check_look_direction(look_direction)
    return utils0.azimuth2heading_angle(np.asarray(az_angle, dtype=np.float64),
                                        look_direction=look_direction)
