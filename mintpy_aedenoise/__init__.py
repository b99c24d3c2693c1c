"""mintpy_aedenoise: deep auto-encoder denoising of MintPy InSAR time series.

After Rouet-Leduc, Jolivet, Dalaison, Johnson & Hulbert (2021), Nature Communications 12, 6480.

Public API:

- :func:`load_model`: the shipped ``fault`` or ``mogi`` weights, loaded offline;
- :func:`denoise_windows`: (B, 9, H, W) windows -> (B, H, W) cumulative deformation;
- :func:`denoise_series`: (n, H, W) series -> (n-8, H, W) sliding-window maps.
"""
from .api import denoise_series, denoise_windows
from .store import load_model
from .version import __version__

__all__ = ["__version__", "load_model", "denoise_windows", "denoise_series"]
