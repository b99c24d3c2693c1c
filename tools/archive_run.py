#!/usr/bin/env python3
"""Copy a training run's text record into ``docs/runs/<run>/``, which git tracks.

``runs/`` (checkpoints and weights, megabytes each) is not in the repository; the record that
the figures in docs/model.md come from is: the training log(s) ``runs/<run>*.log``, the
run's ``state.json`` (step, wall time, configuration, validation history), the exported
weights' JSON sidecar, and the candidate checks ``tools/weigh_candidate.py`` wrote into
``runs/<run>/eval/`` (evaluations, comparisons, spurious output, donor validation, real data;
not the figures and deformation maps under it). Weights themselves are archived only by shipping them
(``tools/ship_weights.py``).
"""
import argparse
import glob
import os
import shutil
import sys

EXAMPLE = """example:
  python tools/archive_run.py runs/mogi9            # -> docs/runs/mogi9/{state.json, mogi.json, mogi9.log}
  python tools/archive_run.py runs/fault33          # also runs/fault33/eval/*.{json,txt,md}
  python tools/archive_run.py runs/* --dest docs/runs
"""


def create_parser():
    parser = argparse.ArgumentParser(description="Copy training runs' logs, state.json and sidecars "
                                                 "into the repository.",
                                     formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("run_dirs", nargs="+", help="training run folders (aedenoise_train.py --out)")
    parser.add_argument("--dest", default="docs/runs", help="archive folder (default: %(default)s)")
    return parser


def record_files(run_dir):
    """The files of a run's record: logs beside the folder, state.json, sidecars."""
    run_dir = os.path.normpath(run_dir)
    logs = sorted(f for f in glob.glob(f"{run_dir}*.log")
                  if os.path.basename(f)[:-4].rsplit("_resume", 1)[0] == os.path.basename(run_dir))
    inside = [os.path.join(run_dir, "state.json")] + sorted(glob.glob(os.path.join(run_dir, "*.json")))
    checks = sorted(f for ext in ("json", "txt", "md") for f in glob.glob(os.path.join(run_dir, "eval", f"*.{ext}")))
    return logs + [f for f in dict.fromkeys(inside) if os.path.isfile(f)] + checks


def main(iargs=None):
    inps = create_parser().parse_args(iargs)
    for run_dir in inps.run_dirs:
        if not os.path.isfile(os.path.join(run_dir, "state.json")):
            print(f"{run_dir}: no state.json, not a training run folder", file=sys.stderr)
            return 1
        dest = os.path.join(inps.dest, os.path.basename(os.path.normpath(run_dir)))
        os.makedirs(dest, exist_ok=True)
        for f in record_files(run_dir):
            shutil.copy2(f, os.path.join(dest, os.path.basename(f)))
        print(f"{run_dir} -> {dest}: {', '.join(sorted(os.listdir(dest)))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
