"""Inference engine: window normalisation, spatial patches and blending, sliding windows in time."""
from .normalise import (DEM_SCALE_FLOOR, NORMALISATION_VERSION, SUPPORTED_VERSIONS, normalise_windows,
                        valid_mask, version_of_model_args)
from .tiles import (OVERLAP, PATCH, TAPER_FLOOR, BlockIndices, blend_image, blend_strip, coverage,
                    input_rows, iter_blocks, iter_patches, patch_starts, taper)
from .windows import TimeWindow, iter_window_frames, iter_windows, window_dates

__all__ = ["DEM_SCALE_FLOOR", "NORMALISATION_VERSION", "SUPPORTED_VERSIONS", "normalise_windows",
           "valid_mask", "version_of_model_args",
           "PATCH", "OVERLAP", "TAPER_FLOOR", "BlockIndices", "iter_blocks", "patch_starts",
           "iter_patches", "input_rows", "taper", "coverage", "blend_strip", "blend_image",
           "TimeWindow", "iter_windows", "window_dates", "iter_window_frames"]
