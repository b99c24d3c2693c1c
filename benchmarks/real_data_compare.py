#!/usr/bin/env python3
"""Real-data comparison of several weights on the Mexico City stack, at four decimals.

``real_data_report.py`` prints every score of the shipped fault and Mogi models at two decimals;
weighing a candidate against the shipped weights needs the same scores of the two side by side,
finer, on one pixel set. This runs ``aedenoise.py`` with each model given (``NAME=MODEL``, or a
model alone, which is then its own name; a model is ``fault``, ``mogi`` or a ``.weights.h5``
path), scores every window against ``velocity x dt`` with :func:`real_data_report.compare` over
the pixels valid for all of them, and prints per model the R² of each window, their mean, and
the means of the bowl ratio and of the short-wavelength slope.

    python benchmarks/real_data_compare.py shipped=fault fault31=runs/fault31/fault.weights.h5
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_data_report as report  # noqa: E402  (a sibling script, not a package)

EXAMPLE = """example:
  python benchmarks/real_data_compare.py shipped=fault fault31=runs/fault31/fault.weights.h5
  python benchmarks/real_data_compare.py mogi runs/mogi24/mogi.weights.h5
"""


def create_parser():
    p = argparse.ArgumentParser(prog="real_data_compare.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLE)
    p.add_argument("models", nargs="+", metavar="[NAME=]MODEL", help="models to compare (at least one)")
    p.add_argument("--data-dir", default=report.DEFAULT_DATA, help="real MintPy data folder (default: %(default)s)")
    p.add_argument("--ts", default="timeseries_demErr.h5", help="time series in --data-dir (default: %(default)s)")
    p.add_argument("--split-sigma", type=float, default=10.0,
                   help="Gaussian sigma (px) of the long/short split (default: %(default)s)")
    return p


def parse_models(specs):
    """``{name: model}`` from ``NAME=MODEL`` or ``MODEL`` strings.

    A string that is a model itself (``fault``, ``mogi`` or an existing file, whatever ``=`` it
    holds) is its own name; otherwise it splits at its first ``=``. ValueError for an empty name
    or model, or a name used twice.
    """
    from mintpy_aedenoise.store import PRETRAINED

    models = {}
    for spec in specs:
        if spec in PRETRAINED or os.path.isfile(spec):
            name, model = spec, spec
        else:
            name, _, model = spec.partition("=")
        if not name or not model:
            raise ValueError(f"{spec!r}: give MODEL or NAME=MODEL")
        if name in models:
            raise ValueError(f"{spec!r}: the name {name!r} is used twice")
        models[name] = model
    return models


def scores(outputs, inputs, split_sigma=10.0):
    """``({name: [compare(...) of each window]}, number of pixels)`` over the pixels valid for
    every output."""
    ts, dates, vel, mask, _ = inputs
    _, _, refs, valid, fast, stable = report.references(ts, dates, vel, mask, outputs)
    out = {name: [report.compare(maps[w], refs[w], valid, fast, stable, split_sigma) for w in range(len(refs))]
           for name, (maps, _, _) in outputs.items()}
    return out, int(valid.sum())


def main(iargs=None):
    parser = create_parser()
    args = parser.parse_args(iargs)
    from mintpy_aedenoise.store import resolve_weights

    try:
        models = parse_models(args.models)
        for model in models.values():         # every model found before any runs
            resolve_weights(model)
    except ValueError as err:
        parser.error(str(err))
    try:
        _, inputs, outputs = report.denoise_all(args.data_dir, args.ts, models)
    except (OSError, ValueError) as err:
        sys.exit(f"real_data_compare.py: error: {err}")
    by_model, n_valid = scores(outputs, inputs, args.split_sigma)
    _, starts, ends = next(iter(outputs.values()))
    print(f"# {args.ts}: {len(starts)} windows ({starts[0]}-{ends[0]} ... {starts[-1]}-{ends[-1]}), "
          f"{n_valid} valid pixels; R2 of each window against velocity x dt, their mean, mean bowl ratio, "
          "mean slope short")
    for name, scs in by_model.items():
        r2 = [s["R2"] for s in scs]
        print(f"{name} R2 [{', '.join(f'{x:.4f}' for x in r2)}] mean {np.mean(r2):.4f} "
              f"bowl {np.mean([s['bowl_ratio'] for s in scs]):.4f} "
              f"slope_short {np.mean([s['slope_short'] for s in scs]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
