"""Atmospheric and processing noise for synthetic InSAR windows and scenes.

Every function takes an explicit :class:`numpy.random.Generator`, works on batches,
and returns float32 arrays in metres (LOS displacement units) unless stated.

- :mod:`.turbulence`: spatially correlated turbulent delay (power-law / von Karman spectra).
- :mod:`.stratified`: elevation-dependent (stratified) delay, quadratic in height.
- :mod:`.dem`: synthetic fractal topography.
- :mod:`.artefacts`: optional orbital ramps, unwrapping errors, decorrelated (NaN) pixels.
"""
from .artefacts import decorrelation_mask, orbital_ramps, unwrapping_errors
from .dem import fractal_dem
from .stratified import stratified_delay
from .turbulence import power_law_fields, radial_psd, turbulent_delay

__all__ = [
    "power_law_fields", "radial_psd", "turbulent_delay", "stratified_delay",
    "fractal_dem", "orbital_ramps", "unwrapping_errors", "decorrelation_mask",
]
