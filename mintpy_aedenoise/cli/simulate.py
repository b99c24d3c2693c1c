#!/usr/bin/env python3
"""aedenoise_simulate.py: write a realistic synthetic MintPy dataset with transient events."""
import os
import shutil
import sys

from ._parser import create_argument_parser

EXAMPLE = """example:
  # 200 x 300 pixels, 30 dates, one fault slow-slip event and one Mogi source at random times
  aedenoise_simulate.py sim --size 200 300 --dates 30 --seed 1

  # chosen timings (date indices): slow slip from date 8 to 12, inflation from 15 to 20
  aedenoise_simulate.py sim --size 128 128 --dates 24 --seed 2 --events fault@8:12 mogi@15:20 --force

  # geocoded output, 3 mm events, with decorrelated pixels and orbital ramps
  aedenoise_simulate.py sim --size 100 100 --dates 12 --seed 3 --geocoded --amplitude 0.003 \\
      --decorrelated 0.05 --ramps 0.002

  # also write inputs/ifgramStack.h5 + inputs/geometryRadar.h5 (3 connections per date), then
  # run MintPy's time-series analysis from the interferograms (load_data is not needed)
  aedenoise_simulate.py sim --size 100 100 --dates 20 --seed 4 --ifgram
  smallbaselineApp.py my_template.txt --dir sim --start modify_network

  # then look at it with MintPy
  info.py sim/timeseries.h5
  tsview.py sim/timeseries.h5
"""


def create_parser(subparsers=None):
    synopsis = "Simulate a MintPy dataset with transient deformation and atmospheric noise."
    description = ("Simulate a MintPy time series (timeseries.h5, geometry, truth) with transient\n"
                   "fault slip and Mogi sources and realistic atmospheric noise.")
    parser = create_argument_parser("aedenoise_simulate.py", "simulate", synopsis, description=description,
                                    epilog=EXAMPLE, subparsers=subparsers)
    parser.add_argument("out_dir", help="output folder")
    parser.add_argument("--size", nargs=2, type=int, metavar=("LENGTH", "WIDTH"), default=[128, 128],
                        help="scene size in pixels (default: %(default)s)")
    parser.add_argument("--dates", type=int, default=20, help="number of acquisitions, >= 9 (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--events", nargs="*", default=["fault", "mogi"], metavar="KIND[@START:END]",
                        help="events: fault or mogi, optionally @START:END date indices\n"
                             "(default: %(default)s, at random times)")
    parser.add_argument("--amplitude", type=float, default=0.01,
                        help="peak |LOS| displacement of each event in m (default: %(default)s)")
    parser.add_argument("--turbulence", type=float, default=0.005,
                        help="std of the turbulent delay per date in m (default: %(default)s)")
    parser.add_argument("--stratified", type=float, default=5e-6,
                        help="std of the delay/elevation gradient per date in m/m (default: %(default)s)")
    parser.add_argument("--pixel-size", type=float, default=100.0, help="pixel spacing in m (default: %(default)s)")
    parser.add_argument("--heading", type=float, default=-12.0,
                        help="satellite heading in degrees, -12 ascending, -168 descending (default: %(default)s)")
    parser.add_argument("--decorrelated", type=float, default=0.0,
                        help="fraction of decorrelated pixels, written as 0 (default: %(default)s)")
    parser.add_argument("--ramps", type=float, default=0.0,
                        help="std of per-date orbital ramps in m (default: %(default)s)")
    parser.add_argument("--geocoded", action="store_true", help="write a geocoded dataset (geometryGeo.h5)")
    parser.add_argument("--ifgram", action="store_true",
                        help="also write the interferograms of the noisy series and the geometry as\n"
                             "MintPy inputs: OUT_DIR/inputs/ifgramStack.h5 and geometry*.h5")
    parser.add_argument("--connections", type=int, default=3,
                        help="with --ifgram: pairs of each date with its next dates (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output folder")
    return parser


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    from ..simulate import MIN_DATES, parse_event

    if min(inps.size) < 16:
        parser.error(f"--size must be at least 16 16 pixels, got {inps.size[0]} {inps.size[1]}")
    if inps.dates < MIN_DATES:
        parser.error(f"--dates must be >= {MIN_DATES} (one 9-acquisition window), got {inps.dates}")
    for ev in inps.events:
        try:
            parse_event(ev, inps.dates)
        except ValueError as err:
            parser.error(str(err))
    for name in ("amplitude", "turbulence", "stratified", "ramps", "pixel_size"):
        if getattr(inps, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be >= 0")
    if inps.connections < 1:
        parser.error("--connections must be >= 1")
    if not 0 <= inps.decorrelated < 1:
        parser.error("--decorrelated must be in [0, 1)")
    if os.path.exists(inps.out_dir) and not inps.force:
        parser.error(f"output folder {inps.out_dir} exists; use --force to overwrite it")
    return inps


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    import numpy as np

    from ..simulate import simulate_scene, write_dataset, write_ifgram_stack

    rng = np.random.default_rng(inps.seed)
    scene = simulate_scene(rng, tuple(inps.size), inps.dates,
                           events=inps.events, amplitude=inps.amplitude, turbulence=inps.turbulence,
                           stratified=inps.stratified, pixel_size=inps.pixel_size, heading=inps.heading,
                           decorrelated=inps.decorrelated, ramps=inps.ramps)
    if os.path.isdir(inps.out_dir):
        shutil.rmtree(inps.out_dir)
    paths = write_dataset(scene, inps.out_dir, geocoded=inps.geocoded)
    if inps.ifgram:
        stack = write_ifgram_stack(scene, inps.out_dir, n_connections=inps.connections, rng=rng,
                                   geocoded=inps.geocoded)
        paths.update(ifgram_stack=stack["ifgram_stack"], inputs_geometry=stack["geometry"])
    for ev in scene.events:
        print(f"event {ev.kind}: dates {scene.dates[ev.start]}-{scene.dates[ev.end]} at "
              f"(row {ev.row:.0f}, col {ev.col:.0f}), peak LOS {ev.amplitude * 1000:+.1f} mm")
    for role, path in paths.items():
        print(f"{role:10s} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
