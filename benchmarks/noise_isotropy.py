#!/usr/bin/env python3
"""Direction and long-wavelength content of the synthetic turbulence, per synthesis grid.

For windows drawn by ``power_law_fields`` (100 m pixels, per-window mean removed, unit std),
fits a plane to each window and prints

- the variance of the east-west slope over that of the north-south slope (1 for an
  isotropic field);
- the fraction of the window's variance held by the plane (long wavelengths);
- the correlation of the first and last columns (wrap-around of the FFT grid).

docs/synthetic.md quotes the output.

    python benchmarks/noise_isotropy.py
    python benchmarks/noise_isotropy.py --oversample 1.6 4 --beta 2.6667 --outer-scale 20000
"""
import argparse

import numpy as np

from mintpy_aedenoise.noise.turbulence import power_law_fields
from mintpy_aedenoise.synthetic import PIXEL_SIZE, WINDOW


def plane_statistics(fields):
    """(slope variance ratio x/y, plane fraction of variance, first/last column correlation)."""
    n, h, w = fields.shape
    y, x = np.mgrid[:h, :w].astype(float)
    design = np.stack([np.ones(x.size), x.ravel(), y.ravel()], axis=1)
    flat = fields.reshape(n, -1).astype(float)
    coef = np.linalg.lstsq(design, flat.T, rcond=None)[0]
    resid = flat - (design @ coef).T
    ratio = coef[1].var() / coef[2].var()
    plane = 1.0 - resid.var() / flat.var()
    corr = np.corrcoef(fields[:, :, 0].ravel(), fields[:, :, -1].ravel())[0, 1]
    return ratio, plane, corr


def main(iargs=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", type=int, default=3000, help="windows per setting (default: %(default)s)")
    parser.add_argument("--size", type=int, default=WINDOW, help="window size in px (default: %(default)s)")
    parser.add_argument("--oversample", type=float, nargs="+", default=[1.6, 4.0],
                        help="synthesis grid / window ratios (default: %(default)s; 1.6 is the generator's)")
    parser.add_argument("--beta", type=float, nargs="+", default=[5 / 3, 8 / 3, 11 / 3],
                        help="spectral slopes (default: 5/3 8/3 11/3)")
    parser.add_argument("--outer-scale", type=float, default=20e3, help="outer scale in m (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2, help="random seed (default: %(default)s)")
    inps = parser.parse_args(iargs)
    print(f"{inps.windows} windows of {inps.size} px at {PIXEL_SIZE:g} m, outer scale {inps.outer_scale:g} m")
    print("beta    oversample  slope var x/y  plane fraction  corr(first, last column)")
    for beta in inps.beta:
        for ov in inps.oversample:
            rng = np.random.default_rng(inps.seed)
            f = power_law_fields(rng, inps.windows, (inps.size, inps.size), beta=beta,
                                 outer_scale=inps.outer_scale, pixel_size=PIXEL_SIZE, oversample=ov)
            ratio, plane, corr = plane_statistics(f)
            print(f"{beta:6.3f}  {ov:10.1f}  {ratio:13.3f}  {plane:14.3f}  {corr:+24.3f}")


if __name__ == "__main__":
    main()
