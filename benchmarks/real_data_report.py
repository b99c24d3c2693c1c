#!/usr/bin/env python3
"""Real-data check: the auto-encoder on the Mexico City Sentinel-1 stack.

Runs ``aedenoise.py`` (through :func:`mintpy_aedenoise.cli.aedenoise.main`, as a user would)
with the fault and the Mogi model on the real MintPy time series of
``shared/data/real/mexico-city-s1`` (13 dates -> 5 windows of 9 acquisitions), with
``geometryGeo.h5`` and ``maskTempCoh.h5``, writing into a work folder (never the data folder).

Mexico City subsides steadily (up to about 30 cm/yr in LOS here), so for each window the
*expected* deformation is ``velocity x dt``, with ``velocity`` from MintPy's ``velocity.h5`` and
``dt`` the years between the window's ``/startDate`` and ``/date``. Every window's denoised map,
and the naive last-minus-first difference of the same 9 input dates, is compared with it over
the pixels valid everywhere (mask, input, every output):

- ``R2``, ``r``, ``slope``: coefficient of determination, correlation, and least-squares slope
  of the map regressed on the reference, after removing each map's mean over the valid pixels
  (a constant offset is unobservable in InSAR, and the network output has no absolute reference);
- ``std``: spatial standard deviation of the map and of the reference (mm), their ratio, and the
  RMS of the (mean-removed) misfit (mm);
- ``bowl``: mean over the fastest-subsiding 10 % of the valid pixels (by velocity) minus the mean
  over the slowest 10 % (the stable western hills), in mm, for the map and the reference: how
  much of the broad subsidence bowl survives, independent of any offset;
- ``long`` / ``short``: the slope of the map on the reference separately for the long-wavelength
  part (Gaussian smoothing, sigma ``--split-sigma`` px) and the short-wavelength remainder.

The sign convention is MintPy's: LOS, positive toward the satellite, so subsidence is negative.
Prints markdown tables to stdout and writes one PNG per model to ``--out-dir``
(``real_mexico_city_<model>.png``: rows = windows, columns = naive difference, denoised,
velocity x dt, one colour scale in mm; the naive and denoised maps are shifted by a constant so
that their mean over the valid pixels equals the reference's).

    PYTHONPATH=. python benchmarks/real_data_report.py --fault runs/fault/fault.weights.h5 \\
        --mogi runs/mogi/mogi.weights.h5
"""
import argparse
import contextlib
import os
import re
import sys
import tempfile
from datetime import datetime

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:          # run from a checkout without installing the package
    sys.path.insert(0, REPO)

DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "real", "mexico-city-s1"))
DAYS_PER_YEAR = 365.25
#: Fraction of valid pixels defining the fast-subsiding bowl and the stable area.
BOWL_FRACTION = 0.10


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=DEFAULT_DATA, help="real MintPy data folder (default: %(default)s)")
    p.add_argument("--ts", default="timeseries_demErr.h5", help="time series in --data-dir (default: %(default)s)")
    p.add_argument("--fault", default="fault", help="fault model: 'fault' (shipped) or a .weights.h5 path")
    p.add_argument("--mogi", default="mogi", help="Mogi model: 'mogi' (shipped) or a .weights.h5 path")
    p.add_argument("--out-dir", default=os.path.join(REPO, "docs", "figures"),
                   help="folder for the PNG figures (default: %(default)s)")
    p.add_argument("--work-dir", default=None,
                   help="folder for the aedenoise.py outputs, kept (default: a temporary folder, removed)")
    p.add_argument("--split-sigma", type=float, default=10.0,
                   help="Gaussian sigma (px) separating long from short wavelengths (default: %(default)s)")
    return p


# ---------------------------------------------------------------------------- inputs
def _decode(dates):
    return [d.decode() if isinstance(d, bytes) else str(d) for d in dates]


def read_inputs(data_dir, ts_name):
    """Time series (n, H, W) m with NaN for failed pixels, dates, velocity (H, W) m/yr, mask, attrs."""
    import h5py

    with h5py.File(os.path.join(data_dir, ts_name), "r") as f:
        ts = f["timeseries"][:].astype(np.float64)
        dates = _decode(f["date"][:])
        attrs = dict(f.attrs)
    with h5py.File(os.path.join(data_dir, "velocity.h5"), "r") as f:
        vel = f["velocity"][:].astype(np.float64)
    with h5py.File(os.path.join(data_dir, "maskTempCoh.h5"), "r") as f:
        mask = f["mask"][:] != 0
    ref_yx = (int(attrs["REF_Y"]), int(attrs["REF_X"]))
    failed = (ts == 0).all(axis=0)
    failed[ref_yx] = False                 # the reference pixel is 0 by construction
    ts[:, failed] = np.nan
    vel[failed] = np.nan
    return ts, dates, vel, mask, attrs


def run_aedenoise(ts_file, geom_file, mask_file, model, out_file):
    """The user's path: ``aedenoise.py TS -g GEOM -m MASK --model MODEL -o OUT --force``.

    Its stdout ("deformation maps: ...") goes to stderr, to keep stdout for the tables.
    """
    from mintpy_aedenoise.cli.aedenoise import main

    with contextlib.redirect_stdout(sys.stderr):
        main([ts_file, "-g", geom_file, "-m", mask_file, "--model", model, "-o", out_file, "--force"])
    return out_file


def read_output(path):
    import h5py

    with h5py.File(path, "r") as f:
        return f["timeseries"][:].astype(np.float64), _decode(f["startDate"][:]), _decode(f["date"][:])


def years_between(d0, d1):
    return (datetime.strptime(d1, "%Y%m%d") - datetime.strptime(d0, "%Y%m%d")).days / DAYS_PER_YEAR


def input_files(data_dir, ts_name):
    """The time series, geometry, mask and velocity files of ``data_dir``; FileNotFoundError
    naming the first one missing."""
    files = [os.path.join(data_dir, name)
             for name in (ts_name, "geometryGeo.h5", "maskTempCoh.h5", "velocity.h5")]
    for f in files:
        if not os.path.isfile(f):
            raise FileNotFoundError(f"{f} not found")
    return files


def denoise_all(data_dir, ts_name, models, work_dir=None):
    """Run ``aedenoise.py`` on the data with every model of ``{name: model}``.

    Returns the absolute data folder, :func:`read_inputs`'s tuple and ``{name: read_output(...)}``;
    the outputs go to ``work_dir`` (a temporary folder if None), never into the data folder, one
    file per model, ``deformation_ae_<name>.h5``, or numbered where a name is not a plain file
    name. FileNotFoundError names a missing input, ValueError a work folder inside the data
    folder or outputs with other window dates.
    """
    data_dir = os.path.abspath(data_dir)
    ts_file, geom_file, mask_file, _ = input_files(data_dir, ts_name)
    with tempfile.TemporaryDirectory(prefix="real_data_report.") as tmp:
        work = os.path.abspath(work_dir or tmp)
        if os.path.commonpath([work, data_dir]) == data_dir:
            raise ValueError(f"--work-dir {work} must not be inside the data folder {data_dir}")
        inputs = read_inputs(data_dir, ts_name)
        os.makedirs(work, exist_ok=True)
        outputs = {}
        for i, (name, model) in enumerate(models.items()):
            label = re.sub(r"[^\w.-]", "_", name)          # a name may hold '/' and the like
            out = os.path.join(work, f"deformation_ae_{label}.h5" if label == name else f"deformation_ae.{i}.h5")
            outputs[name] = read_output(run_aedenoise(ts_file, geom_file, mask_file, model, out))
    first = next(iter(outputs))
    for name, (_, s, e) in outputs.items():
        if (s, e) != outputs[first][1:]:
            raise ValueError(f"{name} output has other window dates than {first}")
    return data_dir, inputs, outputs


def references(ts, dates, vel, mask, outputs):
    """The naive differences, window durations (yr) and reference maps ``velocity x dt`` of the
    outputs' windows, and the pixel sets every score uses: ``valid`` (mask, finite input and
    velocity, every output finite), and in it the fastest-subsiding and the stable
    :data:`BOWL_FRACTION` of the pixels."""
    _, starts, ends = next(iter(outputs.values()))
    idx = {d: i for i, d in enumerate(dates)}
    naive = np.stack([ts[idx[e]] - ts[idx[s]] for s, e in zip(starts, ends)])
    dts = np.array([years_between(s, e) for s, e in zip(starts, ends)])
    refs = vel[None] * dts[:, None, None]
    valid = mask & np.isfinite(vel) & np.isfinite(naive).all(axis=0)
    for maps, _, _ in outputs.values():
        valid &= np.isfinite(maps).all(axis=0)
    v = vel[valid]
    fast = valid & (vel <= np.quantile(v, BOWL_FRACTION))
    stable = valid & (vel >= np.quantile(v, 1.0 - BOWL_FRACTION))
    return naive, dts, refs, valid, fast, stable


# ---------------------------------------------------------------------------- scores
def smooth(img, valid, sigma):
    """Gaussian low-pass over the valid pixels (normalised convolution), NaN elsewhere."""
    from mintpy_aedenoise.baselines import nan_gaussian_lowpass_space

    return nan_gaussian_lowpass_space(np.where(valid, img, np.nan), sigma)


def _slope(x, y):
    """Least-squares slope of x on y (both mean-removed)."""
    yy = float((y * y).sum())
    return float((x * y).sum()) / yy if yy > 0 else np.nan


def compare(m, ref, valid, fast, stable, sigma):
    """Scores of map ``m`` against ``ref`` (both metres) over ``valid``; see the module docstring."""
    x, y = m[valid], ref[valid]
    xa, ya = x - x.mean(), y - y.mean()
    ss_tot, ss_res = float((ya * ya).sum()), float(((xa - ya) ** 2).sum())
    sx, sy = float(xa.std()), float(ya.std())
    m_lo, r_lo = smooth(m, valid, sigma), smooth(ref, valid, sigma)
    xl, yl = m_lo[valid], r_lo[valid]
    xl, yl = xl - xl.mean(), yl - yl.mean()
    xs, ys = xa - xl, ya - yl
    out = {
        "R2": 1.0 - ss_res / ss_tot if ss_tot > 0 else np.nan,
        "r": float((xa * ya).sum() / np.sqrt((xa * xa).sum() * ss_tot)) if sx > 0 and sy > 0 else np.nan,
        "slope": _slope(xa, ya),
        "std_map": 1e3 * sx, "std_ref": 1e3 * sy, "std_ratio": sx / sy if sy > 0 else np.nan,
        "rms_misfit": 1e3 * float(np.sqrt(np.mean((xa - ya) ** 2))),
        "bowl_map": 1e3 * float(m[fast].mean() - m[stable].mean()),
        "bowl_ref": 1e3 * float(ref[fast].mean() - ref[stable].mean()),
        "slope_long": _slope(xl, yl), "slope_short": _slope(xs, ys),
    }
    out["bowl_ratio"] = out["bowl_map"] / out["bowl_ref"] if out["bowl_ref"] else np.nan
    return out


# ---------------------------------------------------------------------------- output
COLUMNS = [("R2", "R²", "{:.2f}"), ("r", "r", "{:.2f}"), ("slope", "slope", "{:.2f}"),
           ("std_map", "std map (mm)", "{:.1f}"), ("std_ref", "std ref (mm)", "{:.1f}"),
           ("std_ratio", "std ratio", "{:.2f}"), ("rms_misfit", "RMS misfit (mm)", "{:.1f}"),
           ("bowl_map", "bowl map (mm)", "{:.1f}"), ("bowl_ref", "bowl ref (mm)", "{:.1f}"),
           ("bowl_ratio", "bowl ratio", "{:.2f}"), ("slope_long", "slope long", "{:.2f}"),
           ("slope_short", "slope short", "{:.2f}")]


def markdown_table(rows):
    """``rows``: list of (window label, method, scores dict)."""
    head = ["window", "dt (d)", "method"] + [c[1] for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * len(COLUMNS)) + "|"]
    for label, days, method, s in rows:
        vals = [fmt.format(s[k]) if np.isfinite(s[k]) else "nan" for k, _, fmt in COLUMNS]
        lines.append("| " + " | ".join([label, days, method] + vals) + " |")
    return "\n".join(lines)


def aligned(m, ref, valid):
    """``m`` shifted so that its mean over ``valid`` equals the reference's (display only)."""
    return np.where(valid, m - m[valid].mean() + ref[valid].mean(), np.nan)


def main(iargs=None):
    args = create_parser().parse_args(iargs)
    from mintpy_aedenoise.plots import save_map_grid

    models = {"fault": args.fault, "mogi": args.mogi}
    try:
        input_files(args.data_dir, args.ts)          # before --out-dir is created
        os.makedirs(args.out_dir, exist_ok=True)
        data_dir, (ts, dates, vel, mask, attrs), outputs = denoise_all(args.data_dir, args.ts, models,
                                                                       args.work_dir)
    except (OSError, ValueError) as err:
        sys.exit(f"real_data_report.py: error: {err}")
    starts, ends = outputs["fault"][1], outputs["fault"][2]
    naive, dts, refs, valid, fast, stable = references(ts, dates, vel, mask, outputs)
    v = vel[valid]

    rows, summary = [], {}
    methods = [("naive", naive)] + [(name, maps) for name, (maps, _, _) in outputs.items()]
    for w, (s, e) in enumerate(zip(starts, ends)):
        label = f"{w}: {s}-{e}"
        for method, maps in methods:
            sc = compare(maps[w], refs[w], valid, fast, stable, args.split_sigma)
            rows.append((label, f"{dts[w] * DAYS_PER_YEAR:.0f}", method, sc))
            summary.setdefault(method, []).append(sc)
    for method, scs in summary.items():
        rows.append(("mean", "", method, {k: float(np.mean([s[k] for s in scs])) for k in scs[0]}))

    ref_yx = (int(attrs["REF_Y"]), int(attrs["REF_X"]))
    print(f"# Real data: Mexico City Sentinel-1 ({args.ts}, {len(dates)} dates -> {len(starts)} windows)\n")
    print(f"- data: `{data_dir}`; reference point (row, col) {ref_yx}, reference date {attrs.get('REF_DATE')}")
    print("- models: " + ", ".join(f"{k} = `{v}`" for k, v in models.items()))
    print(f"- valid pixels: {int(valid.sum())} of {valid.size} (maskTempCoh, finite input and outputs)")
    print(f"- bowl: fastest {BOWL_FRACTION:.0%} of valid pixels, velocity <= "
          f"{1e2 * np.quantile(v, BOWL_FRACTION):.1f} cm/yr ({int(fast.sum())} px), minus slowest "
          f"{BOWL_FRACTION:.0%}, velocity >= {1e2 * np.quantile(v, 1 - BOWL_FRACTION):.1f} cm/yr "
          f"({int(stable.sum())} px)")
    print(f"- reference map: velocity.h5 x window duration; scores after removing each map's mean; "
          f"long/short split: Gaussian sigma {args.split_sigma:g} px\n")
    print(markdown_table(rows))

    for name, (maps, _, _) in outputs.items():
        grid = []
        for w in range(len(starts)):
            grid.append([("naive last - first", aligned(naive[w], refs[w], valid)),
                         (f"denoised ({name})", aligned(maps[w], refs[w], valid)),
                         ("velocity x dt", np.where(valid, refs[w], np.nan))])
        png = os.path.join(args.out_dir, f"real_mexico_city_{name}.png")
        save_map_grid(png, grid, row_titles=[f"{s}-{e}" for s, e in zip(starts, ends)],
                      suptitle=f"Mexico City S1, LOS (+ toward satellite), model {name}: "
                               f"{os.path.basename(models[name])}")
        print(f"\nfigure: {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
