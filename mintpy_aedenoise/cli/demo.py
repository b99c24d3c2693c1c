#!/usr/bin/env python3
"""aedenoise_demo.py: the embedded demo: hidden transients recovered from a simulated MintPy dataset.

What it does
------------
1. Simulates a MintPy dataset (``OUT_DIR/data/``: ``timeseries.h5``, ``geometryRadar.h5``,
   ``maskTempCoh.h5``, ``timeseries_truth.h5``, ``events.json``; default 160 x 200 px of
   100 m, 24 dates 12 days apart) with two transients of 5 mm peak LOS, a fault slow-slip
   event (Okada) early in the series and a Mogi source later, under turbulent (4 mm std) and
   stratified atmospheric delays larger than the events (about 6 mm RMS on each date with the
   default seed): on any single date, or any difference of two dates, the events are hidden.
2. Denoises it exactly as a user would, with ``aedenoise.py TS -g GEOM --model fault`` and
   ``--model mogi`` (the shipped weights, or those given with ``--model-dir``/``--fault``/
   ``--mogi``), writing ``OUT_DIR/deformation_ae_fault.h5`` and ``deformation_ae_mogi.h5``.
3. For each event, takes the sliding window of 9 acquisitions ``[i, i + 8]`` that contains it
   (output map ``i`` of ``deformation_ae_<kind>.h5``, /startDate = date i, /date = date i + 8)
   and compares three maps of the deformation from date ``i`` to date ``i + 8``:

   - *naive difference*: ``timeseries[i + 8] - timeseries[i]``, what one would see without the
     network;
   - *denoised*: the map of the model matching the event (fault model for the fault event,
     mogi model for the Mogi source);
   - *truth*: ``truth[i + 8] - truth[i]`` of the noise-free simulation.

   Figures: ``OUT_DIR/demo_events.png`` (one row per event: naive, denoised, truth) and
   ``OUT_DIR/demo_<kind>.png`` (the row of one event). Each row has its own colour scale,
   +-1.3 x the true peak, so the truth and the denoised map are readable; the naive input
   saturates because its noise is several times larger than the signal.

The numbers printed for each event
----------------------------------
- ``R2 event``: coefficient of determination ``1 - sum((est - truth)^2) / sum((truth -
  mean(truth))^2)`` over the event's neighbourhood: the bounding box of the pixels where
  ``|truth| >= 10 %`` of the event's peak (searched within 50 px of the source), widened by
  5 px. 1 is perfect; 0 is no better than a constant map; negative is worse than a constant
  (the naive difference is strongly negative: its noise outweighs the signal).
- ``R2 scene``: the same over the whole scene (every valid pixel): it also penalises false
  signals away from the event.
- ``RMS event`` / ``RMS scene``: root-mean-square of ``est - truth`` in mm over the same pixels.
- ``peak``: the signed largest ``|value|`` of each map over the neighbourhood in mm (for the
  naive difference, mostly noise); compare the denoised peak with the truth's.

The ``noise`` line gives the RMS of the atmospheric noise on one date (median over dates,
relative to the first date as MintPy references it) and in a 9-date window difference.
"""
import logging
import os
import sys
import time

from ._parser import create_argument_parser

EXAMPLE = """example:
  aedenoise_demo.py                             # writes demo_out/ with the shipped models
  aedenoise_demo.py my_demo --seed 3 --dates 30
  aedenoise_demo.py --model-dir runs/models     # runs/models/{fault,mogi}.weights.h5
  aedenoise_demo.py --fault runs/fault/fault.weights.h5 --mogi runs/mogi/mogi.weights.h5
"""

PROG = "aedenoise_demo.py"
KINDS = ("fault", "mogi")
LABELS = {"fault": "fault slow-slip event", "mogi": "Mogi source"}
#: Neighbourhood of an event: search radius (px), threshold (fraction of its peak), margin (px).
SEARCH_PX, THRESHOLD, MARGIN_PX = 50, 0.10, 5
#: Colour limit of a figure row, relative to the true peak.
COLOUR_LIMIT = 1.3


def create_parser(subparsers=None):
    synopsis = "Demo: hidden transients recovered from a simulated MintPy dataset."
    description = ("Simulate a MintPy dataset with a hidden slow-slip event and a Mogi source,\n"
                   "denoise it with aedenoise.py (fault and mogi models), and report how well\n"
                   "each event is recovered (figures and R^2 / RMS / peak numbers).")
    parser = create_argument_parser(PROG, "demo", synopsis, description=description, epilog=EXAMPLE,
                                    subparsers=subparsers)
    parser.add_argument("out_dir", nargs="?", default="demo_out", help="output folder (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed of the simulation (default: %(default)s)")
    parser.add_argument("--size", type=int, nargs=2, metavar=("LENGTH", "WIDTH"), default=(160, 200),
                        help="scene size in pixels of 100 m, each >= 48 (default: 160 200)")
    parser.add_argument("--dates", type=int, default=24,
                        help="number of acquisitions, 12 days apart, >= 9 (default: %(default)s)")
    parser.add_argument("--amplitude", type=float, default=5.0,
                        help="peak LOS displacement of each event in mm (default: %(default)s)")
    parser.add_argument("--turbulence", type=float, default=4.0,
                        help="turbulent delay of each date in mm, std (default: %(default)s)")
    parser.add_argument("--model-dir", dest="model_dir",
                        help="folder with fault.weights.h5 and mogi.weights.h5 (+ .json sidecars)\n"
                             "(default: the weights shipped with the package)")
    parser.add_argument("--fault", help="weights of the fault model (*.weights.h5); overrides --model-dir")
    parser.add_argument("--mogi", help="weights of the mogi model (*.weights.h5); overrides --model-dir")
    return parser


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    if min(inps.size) < 48:
        parser.error(f"--size must be at least 48 x 48 pixels, got {inps.size[0]} x {inps.size[1]}")
    if inps.dates < 9:
        parser.error(f"--dates must be >= 9 (one window of 9 acquisitions), got {inps.dates}")
    if inps.amplitude <= 0 or inps.turbulence < 0:
        parser.error("--amplitude must be > 0 and --turbulence >= 0")
    return inps


def _models(inps):
    """Model argument of aedenoise.py for each kind: --fault/--mogi, else --model-dir, else shipped."""
    models = {}
    for kind in KINDS:
        given = getattr(inps, kind)
        if given:
            models[kind] = given
        elif inps.model_dir:
            models[kind] = os.path.join(inps.model_dir, f"{kind}.weights.h5")
        else:
            models[kind] = kind
    return models


def event_specs(n_dates):
    """Timing of the two events: the fault around 1/3 of the series, the Mogi source around 2/3.

    Each lasts 4 acquisitions (fewer when the series is short), so it fits in one 9-date window.

    Examples
    --------
    >>> event_specs(24)
    ['fault@6:10', 'mogi@14:18']
    >>> event_specs(9)
    ['fault@1:5', 'mogi@4:8']
    """
    specs = []
    for k, kind in enumerate(KINDS, start=1):
        start = max(1, round(n_dates * k / 3) - 2)
        end = min(n_dates - 1, start + 4)
        start = min(start, end - 1)
        specs.append(f"{kind}@{start}:{end}")
    return specs


def event_window(start, end, n_dates, length=9):
    """Index ``i`` of the window ``[i, i + length - 1]`` containing dates ``start..end``, centred on the event.

    Examples
    --------
    >>> event_window(6, 10, 24), event_window(14, 18, 24), event_window(6, 10, 12)
    (4, 12, 3)
    """
    lo, hi = max(0, end - (length - 1)), min(start, n_dates - length)
    centre = int(round((start + end) / 2 - (length - 1) / 2))
    if lo > hi:                      # event longer than a window: the window starting with it
        return max(0, min(start, n_dates - length))
    return min(max(centre, lo), hi)


def neighbourhood(truth, row, col, search=SEARCH_PX, threshold=THRESHOLD, margin=MARGIN_PX):
    """Bool mask of an event's neighbourhood in a truth map (see the module docstring).

    The bounding box of the pixels within ``search`` px of (row, col) where ``|truth|`` is at
    least ``threshold`` x its peak there, widened by ``margin`` px and clipped to the image.
    """
    import numpy as np

    length, width = truth.shape
    r0, r1 = max(0, int(row) - search), min(length, int(row) + search + 1)
    c0, c1 = max(0, int(col) - search), min(width, int(col) + search + 1)
    crop = np.abs(np.nan_to_num(truth[r0:r1, c0:c1]))
    rows, cols = np.nonzero(crop >= threshold * crop.max()) if crop.max() > 0 else ([], [])
    mask = np.zeros(truth.shape, bool)
    if len(rows):
        mask[max(0, r0 + rows.min() - margin):min(length, r0 + rows.max() + margin + 1),
             max(0, c0 + cols.min() - margin):min(width, c0 + cols.max() + margin + 1)] = True
    else:
        mask[r0:r1, c0:c1] = True
    return mask


def scores(est, truth, region):
    """R^2 and RMS error (m) over ``region`` and over the scene, and the signed peak over ``region``."""
    import numpy as np

    from ..metrics import r2_per_window

    valid = np.isfinite(est) & np.isfinite(truth)
    out = {}
    for name, sel in (("event", valid & region), ("scene", valid)):
        out[f"r2_{name}"] = float(r2_per_window(est[None], truth[None], sel[None])[0])
        out[f"rms_{name}"] = float(np.sqrt(np.mean((est[sel] - truth[sel]) ** 2))) if sel.any() else np.nan
    out["peak"] = signed_peak(est, valid & region)
    return out


def signed_peak(arr, sel):
    """The value of largest magnitude of ``arr`` over the bool mask ``sel`` (NaN if empty)."""
    import numpy as np

    vals = arr[sel]
    return float(vals[np.argmax(np.abs(vals))]) if vals.size else float("nan")


def _read_map(path, index, start_date, end_date):
    """Map ``index`` of an aedenoise.py output, checking that it spans ``start_date``-``end_date``."""
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        dates = [d.decode() for d in f["date"][:]]
        starts = [d.decode() for d in f["startDate"][:]]
        if (starts[index], dates[index]) != (start_date, end_date):
            raise RuntimeError(f"{path}: map {index} spans {starts[index]}-{dates[index]}, "
                               f"expected {start_date}-{end_date}")
        return np.asarray(f["timeseries"][index], np.float64)


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t0 = time.time()
    import numpy as np

    from ..store import resolve_weights
    from ..plots import save_map_grid
    from ..simulate import simulate_scene, write_dataset
    from ..store import ModelLoadError
    from . import aedenoise

    models = _models(inps)
    for kind, model in models.items():         # fail before simulating anything
        try:
            resolve_weights(model)
        except (ModelLoadError, ValueError) as err:
            print(f"{PROG}: error: {kind} model: {err}\n  (give other weights with --model-dir DIR, "
                  f"--fault FILE or --mogi FILE)", file=sys.stderr)
            return 1

    os.makedirs(inps.out_dir, exist_ok=True)
    n = inps.dates
    scene = simulate_scene(np.random.default_rng(inps.seed), tuple(inps.size), n, events=event_specs(n),
                           amplitude=inps.amplitude / 1000.0, turbulence=inps.turbulence / 1000.0)
    paths = write_dataset(scene, os.path.join(inps.out_dir, "data"))
    t_sim = time.time() - t0

    outputs, t_model = {}, {}
    for kind, model in models.items():
        t1 = time.time()
        outputs[kind] = os.path.join(inps.out_dir, f"deformation_ae_{kind}.h5")
        aedenoise.main([paths["timeseries"], "-g", paths["geometry"], "--model", model,
                        "-o", outputs[kind], "--force"])
        t_model[kind] = time.time() - t1

    ts, truth, dates = scene.timeseries.astype(np.float64), scene.truth.astype(np.float64), scene.dates
    mm = 1000.0
    noise = ts[1:] - truth[1:]
    per_date = np.median(np.sqrt(np.mean(noise ** 2, axis=(1, 2))))
    lines = [f"\nscene: {inps.size[0]} x {inps.size[1]} px of {scene.pixel_size:.0f} m, {n} dates "
             f"({dates[0]}-{dates[-1]}, every 12 days), seed {inps.seed}; data in {os.path.dirname(paths['timeseries'])}",
             f"models: fault = {models['fault']}, mogi = {models['mogi']}"]
    rows, row_titles, limits, window_noise = [], [], [], []
    results = []
    for ev in scene.events:
        i = event_window(ev.start, ev.end, n)
        j = i + 8
        true_map = truth[j] - truth[i]
        naive = ts[j] - ts[i]
        denoised = _read_map(outputs[ev.kind], i, dates[i], dates[j])
        region = neighbourhood(true_map, ev.row, ev.col)
        window_noise.append(np.sqrt(np.mean((naive - true_map) ** 2)))
        peak_true = signed_peak(true_map, region)
        s_naive, s_ae = scores(naive, true_map, region), scores(denoised, true_map, region)
        rr, cc = np.nonzero(region)
        results.append((ev, i, j, region, peak_true, s_naive, s_ae, rr, cc))
        label = f"{ev.kind} event\nwindow {dates[i]}-{dates[j]}"
        rows.append([(f"input: naive difference\n{dates[j]} - {dates[i]}", naive),
                     (f"denoised ({ev.kind} model)", denoised),
                     (f"truth (event {dates[ev.start]}-{dates[ev.end]})", true_map)])
        row_titles.append(label)
        limits.append(COLOUR_LIMIT * abs(peak_true))

    lines.append(f"noise: {per_date * mm:.1f} mm RMS on one date (median over dates, relative to the first), "
                 f"{np.mean(window_noise) * mm:.1f} mm RMS in a 9-date window difference")
    for ev, i, j, region, peak_true, s_naive, s_ae, rr, cc in results:
        lines += [f"\n{LABELS[ev.kind]}: dates {ev.start}-{ev.end} ({dates[ev.start]}-{dates[ev.end]}), "
                  f"peak LOS {peak_true * mm:+.1f} mm, centre row {ev.row:.0f} col {ev.col:.0f}",
                  f"  window {i}-{j} ({dates[i]}-{dates[j]}) = map {i} of {outputs[ev.kind]}; "
                  f"neighbourhood rows {rr.min()}-{rr.max()}, cols {cc.min()}-{cc.max()} ({region.sum()} px)",
                  f"  {'estimate':<24}{'R2 event':>9}{'R2 scene':>10}{'RMS event':>12}{'RMS scene':>12}{'peak':>11}"]
        for name, s in (("naive difference", s_naive), (f"denoised ({ev.kind} model)", s_ae)):
            lines.append(f"  {name:<24}{s['r2_event']:>9.2f}{s['r2_scene']:>10.2f}"
                         f"{s['rms_event'] * mm:>9.2f} mm{s['rms_scene'] * mm:>9.2f} mm{s['peak'] * mm:>+8.1f} mm")
        lines.append(f"  {'truth':<24}{'':>43}{peak_true * mm:>+8.1f} mm")

    pngs = []
    for row, title, lim, ev in zip(rows, row_titles, limits, scene.events):
        pngs.append(save_map_grid(os.path.join(inps.out_dir, f"demo_{ev.kind}.png"), [row], row_titles=[title],
                                  colour_scale="row", vmax=[lim],
                                  suptitle=f"{LABELS[ev.kind]}: LOS deformation over the window "
                                           f"(+ toward the satellite)"))
    pngs.insert(0, save_map_grid(os.path.join(inps.out_dir, "demo_events.png"), rows, row_titles=row_titles,
                                 colour_scale="row", vmax=limits,
                                 suptitle="Hidden transients: naive difference, auto-encoder, truth "
                                          f"(LOS, colour scale +-{COLOUR_LIMIT} x true peak)"))
    lines.append(f"\nfigures: {', '.join(pngs)}")
    lines.append(f"time: simulation {t_sim:.1f} s, " +
                 ", ".join(f"aedenoise.py --model {k} {v:.1f} s" for k, v in t_model.items()) +
                 f", total {time.time() - t0:.1f} s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
