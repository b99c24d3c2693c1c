"""Surface displacement of a Mogi (1958) point pressure source in an elastic half-space.

For a point source of volume change ``dvol`` at depth ``d`` below ``(x0, y0)``,

    (ue, un, uz) = (1 - nu) / pi * dvol * (east - x0, north - y0, d) / R**3,
    R**2 = (east - x0)**2 + (north - y0)**2 + d**2,

which for nu = 0.25 is the classic ``3 dvol / (4 pi)`` factor. The maximum uplift, above the
source, is ``(1 - nu) dvol / (pi d**2)``; the horizontal-to-vertical ratio is ``r / d``.
Positive ``dvol`` (inflation) gives uplift. Coordinates in metres, dvol in cubic metres,
displacements in metres.

Examples
--------
Uplift above a 1e6 m^3 inflation at 1 km depth, 0.75 / pi metres:

>>> ue, un, uz = displacement(0.0, 0.0, x0=0.0, y0=0.0, depth=1e3, dvol=1e6)
>>> print(f"{float(uz):.6f}")
0.238732
"""
import numpy as np

from .okada import finish_outputs, prepare_arguments

__all__ = ["displacement"]


def displacement(east, north, *, x0, y0, depth, dvol, nu=0.25):
    """Surface displacement due to a Mogi point source.

    Parameters
    ----------
    east, north : array_like
        Observation coordinates at the surface, in metres.
    x0, y0 : array_like
        East and north coordinates of the source, in metres.
    depth : array_like
        Source depth in metres, positive down (> 0).
    dvol : array_like
        Volume change in cubic metres, positive for inflation (uplift).
    nu : array_like
        Poisson's ratio, in (0, 0.5).

    Returns
    -------
    ue, un, uz : numpy.ndarray
        East, north and up displacement in metres, with the broadcast shape of all
        arguments. float32 if every floating-point argument is float32, float64 otherwise.

    Raises
    ------
    ValueError
        If the arguments do not broadcast or are not finite, ``depth <= 0``, or ``nu`` is
        outside (0, 0.5).
    """
    a, shape, dtype = prepare_arguments(
        "mogi.displacement",
        dict(east=east, north=north, x0=x0, y0=y0, depth=depth, dvol=dvol, nu=nu))
    if np.any(a["depth"] <= 0):
        raise ValueError(f"mogi.displacement: depth must be > 0 (positive down), got "
                         f"{a['depth'][a['depth'] <= 0][:3]}")
    bad_nu = (a["nu"] <= 0) | (a["nu"] >= 0.5)
    if np.any(bad_nu):
        raise ValueError("mogi.displacement: Poisson's ratio nu must be in (0, 0.5), got "
                         f"{a['nu'][bad_nu][:3]}")

    dx = a["east"] - a["x0"]
    dy = a["north"] - a["y0"]
    d = a["depth"]
    r2 = dx * dx + dy * dy + d * d
    scale = (1.0 - a["nu"]) / np.pi * a["dvol"] / (r2 * np.sqrt(r2))
    return finish_outputs((dx * scale, dy * scale, d * scale), shape, dtype)
