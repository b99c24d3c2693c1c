"""Turbulent tropospheric delay synthesised by spectral (FFT) filtering of white noise.

The power spectral density follows a von Karman form,

    P(k) ∝ (k² + k0²)^(-beta/2),      k0 = 1 / outer_scale,

which is a pure power law ``k^-beta`` for wavelengths shorter than the outer scale and
flattens above it. ``beta = 8/3`` is the 2-D Kolmogorov slope of the short-scale wet delay,
``5/3`` the long-scale one (Hanssen, 2001). Fields are generated on a grid larger than the
requested window (``oversample``) and cropped, so that the periodic FFT wrap-around
correlates opposite edges less and wavelengths longer than the window appear as ramps and
curvature, as in real data. The grid bounds the longest wavelength: at the default
``oversample=1.6`` it is 1.6 windows (6.4 km for a 40 px window of 100 m pixels), so outer
scales beyond that are cut at the grid (``benchmarks/noise_isotropy.py`` measures how much,
docs/synthetic.md quotes it).
"""
import numpy as np
import scipy.fft

__all__ = ["power_law_fields", "turbulent_delay", "radial_psd"]


def _fft_size(n):
    """Smallest FFT-friendly size >= n."""
    return scipy.fft.next_fast_len(int(n), real=True)


def _amplitude_spectra(gh, gw, pixel_size, beta, outer_scale, n):
    """sqrt(PSD) on the rfft grid for each field, computed once per distinct (beta, outer scale)."""
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float32), (n,))
    l0 = np.broadcast_to(np.asarray(np.inf if outer_scale is None else outer_scale, np.float32), (n,))
    params, index = np.unique(np.stack([beta, l0], axis=1), axis=0, return_inverse=True)
    ky = np.fft.fftfreq(gh).astype(np.float32)[:, None] / pixel_size
    kx = np.fft.rfftfreq(gw).astype(np.float32)[None, :] / pixel_size
    k2 = (ky ** 2 + kx ** 2)[None] + (1.0 / params[:, 1]).reshape(-1, 1, 1) ** 2
    k2[:, 0, 0] = 1.0                  # placeholder: the DC term is zeroed below
    amp = np.exp(np.log(k2) * (-params[:, 0] / np.float32(4.0)).reshape(-1, 1, 1))   # sqrt(PSD)
    amp[:, 0, 0] = 0.0                 # the mean is meaningless in InSAR; remove it
    return amp[index.ravel()]


def power_law_fields(rng, n, shape, *, beta=8.0 / 3.0, outer_scale=None, pixel_size=1.0,
                     oversample=1.6, dtype=np.float32):
    """Zero-mean, unit-variance random fields with a von Karman / power-law spectrum.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of independent fields.
    shape : tuple of int
        (H, W) of each field, in pixels.
    beta : float or array_like of shape (n,)
        Spectral slope: PSD ∝ k^-beta below the outer scale.
    outer_scale : float, array_like of shape (n,), or None
        Outer scale in the units of ``pixel_size`` (e.g. metres); None for a pure power law.
    pixel_size : float
        Pixel spacing, in the units of ``outer_scale``.
    oversample : float
        Ratio of the synthesis grid to the field size (>= 1).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    numpy.ndarray
        (n, H, W) fields; each has zero spatial mean and unit standard deviation.

    Examples
    --------
    >>> f = power_law_fields(np.random.default_rng(0), 3, (40, 40))
    >>> f.shape, bool(np.allclose(f.std(axis=(1, 2)), 1, atol=1e-5))
    ((3, 40, 40), True)
    """
    n = int(n)
    h, w = (int(s) for s in shape)
    if n < 0 or h < 1 or w < 1:
        raise ValueError(f"invalid number of fields {n} or shape {shape}")
    if oversample < 1:
        raise ValueError(f"oversample must be >= 1, got {oversample}")
    gh, gw = _fft_size(np.ceil(h * oversample)), _fft_size(np.ceil(w * oversample))

    amp = _amplitude_spectra(gh, gw, float(pixel_size), beta, outer_scale, n)

    # complex white noise, drawn as float32 pairs and viewed as complex64 (no copy)
    spec = rng.standard_normal((n, gh, gw // 2 + 1, 2), dtype=np.float32).view(np.complex64)[..., 0]
    spec *= amp
    # irfft2 keeps only the real part of the kx = 0 column (and of the kx = Nyquist column
    # for an even width), which therefore carries half the power of the others: without
    # this the north-south variations were weaker than the east-west ones (variance of
    # the fitted slopes 1 : 1.55). sqrt(2) restores an isotropic field.
    spec[..., 0] *= np.float32(np.sqrt(2.0))
    if gw % 2 == 0:
        spec[..., -1] *= np.float32(np.sqrt(2.0))
    field = scipy.fft.irfft2(spec, s=(gh, gw), workers=-1)[:, :h, :w]
    field = field - field.mean(axis=(1, 2), keepdims=True)
    std = field.std(axis=(1, 2), keepdims=True)
    field /= np.where(std > 0, std, 1.0)
    return field.astype(dtype, copy=False)


def turbulent_delay(rng, n, shape, *, sigma, beta=8.0 / 3.0, outer_scale=None, pixel_size=1.0):
    """Turbulent delay maps with a given standard deviation.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of maps (acquisitions).
    shape : tuple of int
        (H, W) in pixels.
    sigma : float or array_like of shape (n,)
        Standard deviation of each map, in metres.
    beta : float or array_like of shape (n,)
        Spectral slope, see :func:`power_law_fields`.
    outer_scale : float, array_like of shape (n,), or None
        Outer scale in metres.
    pixel_size : float
        Pixel spacing in metres.

    Returns
    -------
    numpy.ndarray
        (n, H, W) float32 delay in metres.
    """
    fields = power_law_fields(rng, n, shape, beta=beta, outer_scale=outer_scale, pixel_size=pixel_size)
    return fields * np.broadcast_to(np.asarray(sigma, np.float32), (n,)).reshape(-1, 1, 1)


def radial_psd(field, pixel_size=1.0, nbins=20):
    """Radially averaged power spectral density of 2-D fields (Hann-tapered periodogram).

    Parameters
    ----------
    field : numpy.ndarray
        (..., H, W) real fields; leading axes are averaged.
    pixel_size : float
        Pixel spacing.
    nbins : int
        Number of log-spaced wavenumber bins.

    Returns
    -------
    k : numpy.ndarray
        Bin-centre wavenumbers (cycles per unit of ``pixel_size``).
    psd : numpy.ndarray
        Mean power in each bin.
    """
    field = np.asarray(field, dtype=np.float64)
    h, w = field.shape[-2:]
    # a Hann taper limits the leakage of the crop's edges, which flattens steep spectra
    taper = np.hanning(h)[:, None] * np.hanning(w)[None, :]
    power = np.abs(np.fft.fft2((field - field.mean(axis=(-2, -1), keepdims=True)) * taper)) ** 2
    power = power.reshape(-1, h, w).mean(axis=0)
    kk = np.hypot(*np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")) / pixel_size
    edges = np.geomspace(1.0 / (max(h, w) * pixel_size), 0.5 / pixel_size, nbins + 1)
    idx = np.digitize(kk.ravel(), edges) - 1
    ok = (idx >= 0) & (idx < nbins)
    sums = np.bincount(idx[ok], weights=power.ravel()[ok], minlength=nbins)
    counts = np.bincount(idx[ok], minlength=nbins)
    keep = counts > 0
    centres = np.sqrt(edges[:-1] * edges[1:])
    return centres[keep], sums[keep] / counts[keep]
