#!/usr/bin/env python3
"""Copy a training run's text record into ``docs/runs/<run>/``, which git tracks.

``runs/`` (checkpoints and weights, megabytes each) is not in the repository; the record that
the figures in docs/model.md come from is: the training log(s) ``runs/<run>*.log``, the
run's ``state.json`` (step, wall time, configuration, validation history), the exported
weights' JSON sidecar, and the candidate checks ``tools/weigh_candidate.py`` wrote into
``runs/<run>/eval/`` (evaluations, comparisons, spurious output, donor validation, real data;
only the files of those names, not the figures and deformation maps under it), which never
replace a different file of the same name already in the record. Weights themselves are
archived only by shipping them (``tools/ship_weights.py``).
"""
import argparse
import filecmp
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


#: What tools/weigh_candidate.py writes into ``<run>/eval/`` ({run}: the run's name); it
#: imports these names.
CHECKS = ("evaluation_{run}.json", "evaluation_{run}_level[12].json", "evaluation_*_broad.json", "compare_*.txt",
          "spurious_output.txt", "donor_validation.txt", "real_data.md", "mexico_city_r2.txt")


def record_files(run_dir):
    """The files of a run's record: logs beside the folder, state.json, sidecars, and the
    candidate checks in ``eval/``."""
    run_dir = os.path.normpath(run_dir)
    name = os.path.basename(run_dir)
    logs = sorted(f for f in glob.glob(f"{run_dir}*.log")
                  if os.path.basename(f)[:-4].rsplit("_resume", 1)[0] == name)
    inside = [os.path.join(run_dir, "state.json")] + sorted(glob.glob(os.path.join(run_dir, "*.json")))
    return logs + [f for f in dict.fromkeys(inside) if os.path.isfile(f)] + check_files(run_dir)


def check_files(run_dir):
    """The candidate checks of ``tools/weigh_candidate.py`` in ``<run>/eval/``, by their names."""
    name = os.path.basename(os.path.normpath(run_dir))
    found = (glob.glob(os.path.join(glob.escape(run_dir), "eval", p.format(run=glob.escape(name)))) for p in CHECKS)
    return sorted({f for files in found for f in files})


def main(iargs=None):
    inps = create_parser().parse_args(iargs)
    for run_dir in inps.run_dirs:
        if not os.path.isfile(os.path.join(run_dir, "state.json")):
            print(f"{run_dir}: no state.json, not a training run folder", file=sys.stderr)
            return 1
        dest = os.path.join(inps.dest, os.path.basename(os.path.normpath(run_dir)))
        os.makedirs(dest, exist_ok=True)
        checks = set(check_files(run_dir))
        for f in record_files(run_dir):
            target = os.path.join(dest, os.path.basename(f))
            if f in checks and os.path.isfile(target) and not filecmp.cmp(f, target, shallow=False):
                # a record's checks are written once; earlier records were written by hand
                print(f"kept {target}: it differs from {f} (remove it to replace it)", file=sys.stderr)
                continue
            shutil.copy2(f, target)
        print(f"{run_dir} -> {dest}: {', '.join(sorted(os.listdir(dest)))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
