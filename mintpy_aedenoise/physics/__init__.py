"""Elastic half-space deformation sources and their projection on the radar line of sight.

Units and conventions shared by all modules:

- lengths (coordinates, depths, source sizes, slip, opening) in metres, volumes in m^3,
  angles in degrees; displacements in the units of slip / opening (metres);
- horizontal coordinates are east and north at the free surface (z = 0); depths are
  positive down; displacements are east, north, up;
- every function is vectorised and broadcasts all its arguments together, e.g.
  (1, H, W) coordinates with (B, 1, 1) source parameters give (B, H, W) outputs;
- LOS angles follow MintPy: incidence from the vertical, azimuth of the ground-to-satellite
  vector from north, anti-clockwise positive; LOS is positive toward the satellite.

Modules
-------
- :mod:`.okada`: finite rectangular fault (Okada, 1985), strike/dip-slip and opening.
- :mod:`.mogi`: point pressure source (Mogi, 1958).
- :mod:`.los`: ENU to LOS projection via MintPy's own helpers.
"""
from . import mogi, okada
from .los import azimuth2heading, enu2los, heading2azimuth, los_unit_vector

__all__ = ["okada", "mogi", "enu2los", "los_unit_vector", "heading2azimuth",
           "azimuth2heading"]
