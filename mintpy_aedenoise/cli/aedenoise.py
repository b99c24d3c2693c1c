#!/usr/bin/env python3
"""aedenoise.py: denoise a MintPy time series with the convolutional auto-encoder."""
import argparse
import os
import sys

from ._parser import create_argument_parser

PROG = "aedenoise.py"

REFERENCE = """reference:
  Rouet-Leduc, B., Jolivet, R., Dalaison, M., Johnson, P. A., & Hulbert, C. (2021).
    Autonomous extraction of millimeter-scale deformation in InSAR time series using deep
    learning. Nature Communications, 12, 6480. doi:10.1038/s41467-021-26254-3
"""


def _template():
    from ..config import template_text

    return "template options (read with -t; 'auto' values from the packaged aedenoise_auto.cfg):\n" + \
        template_text(header=False)


EXAMPLE = f"""example:
  # the final time series of a smallbaselineApp work folder, its geometry and maskTempCoh.h5
  {PROG} ./mintpy

  # a given time series and geometry, the Mogi (volcanic) model, writing ./mintpy/deformation_ae.h5
  {PROG} mintpy/timeseries_ERA5_demErr.h5 -g mintpy/inputs/geometryRadar.h5 --model mogi

  # options from the mintpy.aedenoise.* keys of your custom template, output and uncertainty given here
  {PROG} timeseries_ERA5_demErr.h5 -t MyProject.txt -o defo_ae.h5 --uncertainty

  # your own weights, no mask, re-run even if the output is up to date
  {PROG} timeseries_ERA5_demErr.h5 --model runs/fault/fault.weights.h5 -m no --force

  # then look at the result with MintPy (each map: deformation from /startDate to /date)
  info.py deformation_ae.h5
  tsview.py deformation_ae.h5
"""


def create_parser(subparsers=None):
    synopsis = "Denoise a MintPy time series with a deep auto-encoder (Rouet-Leduc et al., 2021)"
    description = (synopsis + ":\nfor every window of 9 consecutive acquisitions, the deformation from its "
                   "first to its last date,\nwritten as a MintPy time series dated by the window end dates.")
    epilog = REFERENCE + "\n" + _template() + "\n" + EXAMPLE
    parser = create_argument_parser(PROG, "aedenoise", synopsis, description=description, epilog=epilog,
                                    subparsers=subparsers)

    parser.add_argument("ts_file", metavar="TS_FILE|WORK_DIR",
                        help="MintPy time-series file (timeseries_ERA5_demErr.h5, >= 9 dates), or a\n"
                             "smallbaselineApp work folder: then its latest time series, as\n"
                             "smallbaselineApp.py finds it, with inputs/geometry*.h5 and maskTempCoh.h5,\n"
                             "and, without -t, the mintpy.aedenoise.* keys of its smallbaselineApp.cfg\n"
                             "and of the custom template backed up in its inputs/ folder")
    parser.add_argument("-g", "--geometry", dest="geom_file",
                        help="geometry file with height (default: geometryRadar.h5, or geometryGeo.h5 for a\n"
                             "geocoded time series, in inputs/ or next to the time series,\n"
                             "else geo_geometryRadar.h5 next to it)")
    parser.add_argument("-t", "--template", dest="template_file",
                        help="template file with mintpy.aedenoise.* options, usually your custom\n"
                             "template; command-line options win")
    parser.add_argument("--model", help="fault (slow slip), mogi (volcanic) or a *.weights.h5 file\n"
                                        "(default: template, else fault)")
    parser.add_argument("-m", "--mask", dest="mask_file",
                        help="mask file, pixels where it is 0 are skipped and NaN in the output;\n"
                             "'no' for none (default: template, else maskTempCoh.h5 next to the time series\n"
                             "if present, or geo_maskTempCoh.h5 in a geo/ folder)")
    parser.add_argument("-o", "--output", dest="out_file",
                        help="output file (default: template, else deformation_ae.h5 next to the time series)")
    parser.add_argument("--overlap", type=int, help="overlap of the 40 x 40 px patches in pixels (default: template, else 20)")
    parser.add_argument("--tile-rows", dest="tile_rows", type=int,
                        help="rows per strip: memory only, results do not depend on it\n"
                             "(default: template, else 256)")
    parser.add_argument("--batch-size", dest="batch_size", type=int,
                        help="patches per forward pass of the network (default: template, else 64)")
    parser.add_argument("--uncertainty", action=argparse.BooleanOptionalAction, default=None,
                        help="also write the spread of the overlapping patch predictions\n"
                             "to <output>_std.h5 (a MintPy time series with the same dates);\n"
                             "--no-uncertainty overrides a template's yes (default: template, else no)")
    parser.add_argument("--force", dest="update_mode", action="store_false",
                        help="re-run even if the output is up to date (same inputs and options)")
    return parser


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    for name, low in (("overlap", 0), ("tile_rows", 1), ("batch_size", 1)):
        value = getattr(inps, name)
        if value is not None and value < low:
            parser.error(f"--{name.replace('_', '-')} must be >= {low}, got {value}")
    return inps


def _config(inps):
    """The :class:`DenoiseConfig` of the parsed arguments: command line > template > auto values."""
    import logging

    from ..config import read_template_options, work_folder_templates
    from ..denoise import DenoiseConfig
    from ..mintpy_io import find_timeseries_file

    templates = inps.template_file
    if os.path.isdir(inps.ts_file):
        ts_file = find_timeseries_file(inps.ts_file)
        if templates is None:
            templates = work_folder_templates(inps.ts_file)
            logging.getLogger(__name__).info("templates: %s", ", ".join(templates) or "none (auto values)")
    else:
        ts_file = inps.ts_file
    work_dir = os.path.dirname(os.path.abspath(ts_file))
    given = {"model": inps.model, "out_file": inps.out_file, "overlap": inps.overlap,
             "tile_rows": inps.tile_rows, "batch_size": inps.batch_size, "uncertainty": inps.uncertainty}
    given = {k: v for k, v in given.items() if v is not None}
    if inps.mask_file is not None:
        given["mask_file"] = None if inps.mask_file.lower() in ("no", "none") else inps.mask_file
    # a template value that the command line replaces is neither resolved nor checked
    options = read_template_options(templates, work_dir=work_dir, skip=("enable", *given))
    options.update(given)
    return DenoiseConfig(ts_file=ts_file, geom_file=inps.geom_file, update_mode=inps.update_mode, **options)


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from ..denoise import run

    try:
        config = _config(inps)
        logging.getLogger(__name__).info("%s", config)
        out_file = run(config)
    except (OSError, ValueError) as err:   # bad inputs, model or output: one clear line
        print(f"{PROG}: error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"deformation maps: {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
