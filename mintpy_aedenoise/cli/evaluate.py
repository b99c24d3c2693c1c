#!/usr/bin/env python3
"""aedenoise_evaluate.py: benchmark a model against classical estimators on synthetic windows."""
import logging
import math
import os
import sys

import numpy as np

from ..evaluate import BOOTSTRAP_SEED_OFFSET
from ..synthetic import KINDS
from ._parser import create_argument_parser

logger = logging.getLogger(__name__)

EXAMPLE = """example:
  # benchmark the shipped fault model (50 SNR levels x 64 windows, about 55 s on 2 cores)
  aedenoise_evaluate.py --model fault

  # a freshly trained model, with figure and JSON, and record the summary in its sidecar
  aedenoise_evaluate.py --model runs/fault/fault.weights.h5 --png fault_r2.png \\
      --json fault_r2.json --update-sidecar

  # without the bootstrap interval of the threshold (1000 resamples by default)
  aedenoise_evaluate.py --model mogi --bootstrap 0

  # the same windows with a level on every date, as on a scene referenced to a distant point
  aedenoise_evaluate.py --model mogi --level-noise 1

  # sources broader than the protocol's: every one scaled up to 4 times (a bowl or dome wider
  # than the window), the prior of aedenoise_train.py --broad-sources (docs/evaluation.md)
  aedenoise_evaluate.py --model fault --broad-sources 1 4

  # quick look: a fault model on Mogi windows, 10 levels of 16 windows
  aedenoise_evaluate.py --model fault --kind mogi --levels 10 --per-level 16
"""

WEIGHTS_SUFFIX = ".weights.h5"


def create_parser(subparsers=None):
    """Argument parser (a sub-command parser when ``subparsers`` is given)."""
    synopsis = "Benchmark a denoising model against classical estimators on synthetic windows."
    parser = create_argument_parser("aedenoise_evaluate.py", "evaluate", synopsis, epilog=EXAMPLE,
                                    subparsers=subparsers)
    parser.add_argument("--model", default="fault",
                        help="'fault', 'mogi' or a PATH.weights.h5 with its .json sidecar\n"
                             "(default: %(default)s)")
    parser.add_argument("--kind", choices=KINDS,
                        help="deformation source of the benchmark windows\n"
                             "(default: the sidecar's 'kind', else the model name)")
    parser.add_argument("--seed", type=int, default=12345,
                        help="benchmark seed, kept apart from training seeds (default: %(default)s)")
    parser.add_argument("--levels", type=int, default=50,
                        help="SNR levels, log-spaced from 0.01 to 10 (default: %(default)s)")
    parser.add_argument("--per-level", dest="per_level", type=int, default=64,
                        help="windows per SNR level (default: %(default)s)")
    parser.add_argument("--level-noise", dest="level_noise", type=float, default=0.0, metavar="RATIO",
                        help="add a constant to every frame, of this std in units of the noise std:\n"
                             "the atmosphere between a window and a distant reference point\n"
                             "(default: %(default)s, the protocol)")
    parser.add_argument("--broad-sources", dest="broad_sources", type=float, nargs=2, default=[],
                        metavar=("FRACTION", "MAX_SCALE"),
                        help="windows whose sources, that fraction of them, have every length scaled\n"
                             "by a factor drawn log-uniformly from 1 to MAX_SCALE (default: none, the\n"
                             "protocol)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="resamples of each level's windows for the interval of the threshold\n"
                             f"SNR, drawn from default_rng([seed, {BOOTSTRAP_SEED_OFFSET}]); 0 for none\n"
                             "(default: %(default)s)")
    parser.add_argument("--png", help="write the R^2-versus-SNR figure to this file")
    parser.add_argument("--json", dest="json_file",
                        help="write the results to this JSON file, with the network's R2 of\n"
                             "every window (for tools/compare_evaluations.py)")
    parser.add_argument("--update-sidecar", dest="update_sidecar", action="store_true",
                        help="store the results under 'evaluation' in the weights' JSON sidecar")
    return parser


def cmd_line_parse(iargs=None):
    """Parse and check the arguments; exits with a message naming the bad input."""
    from ..store import resolve_weights

    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    if inps.levels < 1 or inps.per_level < 1:
        parser.error("--levels and --per-level must be >= 1")
    if inps.bootstrap < 0:
        parser.error(f"--bootstrap must be >= 0, got {inps.bootstrap}")
    if not (math.isfinite(inps.level_noise) and inps.level_noise >= 0):
        parser.error(f"--level-noise must be finite and >= 0, got {inps.level_noise}")
    if inps.broad_sources and not (0 < inps.broad_sources[0] <= 1 and 1 <= inps.broad_sources[1] < math.inf):
        parser.error(f"--broad-sources needs 0 < FRACTION <= 1 and 1 <= MAX_SCALE, got {inps.broad_sources}")
    if (inps.level_noise > 0 or inps.broad_sources) and inps.update_sidecar:
        parser.error("--update-sidecar stores the protocol's evaluation; drop --level-noise and --broad-sources")
    try:       # unknown name, missing weights or a missing/unusable sidecar (ModelLoadError)
        inps.weights_file = resolve_weights(inps.model)[0]
    except ValueError as err:
        parser.error(str(err))
    for path in (inps.png, inps.json_file):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not os.path.isdir(folder):
            parser.error(f"{path}: output folder {folder} does not exist")
    inps.parser = parser
    return inps


def update_sidecar(weights_file, evaluation):
    """Store ``evaluation`` under "evaluation" in the sidecar of ``weights_file``, atomically."""
    from ..store import read_sidecar, sidecar_path, write_json_atomic

    meta = read_sidecar(weights_file)  # raises ModelLoadError naming the sidecar when it is unusable
    side = sidecar_path(weights_file)
    meta["evaluation"] = evaluation
    write_json_atomic(side, meta, allow_nan=False)
    return side


def main(iargs=None):
    """Run the benchmark; prints the table, the threshold's bootstrap interval (unless
    ``--bootstrap 0``), the relative-R^2 summary, then the protocol's one-line summary as the
    last line."""
    inps = cmd_line_parse(iargs)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from .. import evaluate as ev
    from ..store import ModelLoadError, file_sha256, load_model, path_for_record, write_json_atomic

    try:
        model = load_model(inps.weights_file)
    except ModelLoadError as err:
        inps.parser.error(str(err))
    kind = inps.kind or model.meta.get("kind")
    if kind is None:
        name = os.path.basename(inps.weights_file)[: -len(WEIGHTS_SUFFIX)]
        if name not in KINDS:
            inps.parser.error(f"{inps.weights_file}: the sidecar has no 'kind' and the model "
                              f"name {name!r} is not one; give --kind")
        kind = name

    result = ev.evaluate(model, kind, seed=inps.seed, n_levels=inps.levels,
                         per_level=inps.per_level, level_noise=inps.level_noise,
                         broad_sources=tuple(inps.broad_sources))
    boot = None
    if inps.bootstrap:
        rng = np.random.default_rng([inps.seed, BOOTSTRAP_SEED_OFFSET])
        boot = dict(ev.bootstrap(result, rng, n_resamples=inps.bootstrap),
                    seed_scheme=f"numpy.random.default_rng([seed, {BOOTSTRAP_SEED_OFFSET}])")
    summary = result.to_dict(boot)
    if inps.png:
        ev.plot(result, inps.png, boot=boot)
        logger.info("figure written to %s", inps.png)
    if inps.json_file:
        write_json_atomic(inps.json_file, dict(summary, window_r2=result.window_table(),
                                               weights=path_for_record(inps.weights_file, os.getcwd()),
                                               weights_sha256=file_sha256(inps.weights_file)))
        logger.info("results written to %s", inps.json_file)
    if inps.update_sidecar:
        side = update_sidecar(inps.weights_file, summary)
        logger.info("evaluation stored in %s", side)
    print(ev.format_table(result))
    if boot is not None:
        print(summary["summary_interval"])
    print(summary["summary_relative"])
    print(summary["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
