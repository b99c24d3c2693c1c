"""Inference engine: window normalisation, spatial patches and blending, sliding windows in time."""
from .normalise import DEM_SCALE_FLOOR, normalise_windows, valid_mask

__all__ = ["DEM_SCALE_FLOOR", "normalise_windows", "valid_mask"]
