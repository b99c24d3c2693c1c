#!/usr/bin/env python3
"""Ship a training run's weights as the package's pretrained model (for maintainers).

    python tools/ship_weights.py runs/mogi5 --kind mogi

The steps, in the order that matters:

1. check that the run's weights load with this package (sidecar, normalisation version) and
   were trained on ``kind`` windows;
2. copy ``<kind>.weights.h5`` and ``<kind>.json`` into ``mintpy_aedenoise/weights/``, each
   through a temporary file and a rename, readable by all;
3. evaluate the weights *now shipped* on the held-out benchmark
   (``aedenoise_evaluate.py --update-sidecar``): the figure and the results go to
   ``docs/figures/evaluation_<kind>.png|json`` and the summary into the shipped sidecar;
4. regenerate ``tests/data/golden.npz`` (``tests/data/make_golden.py``);
5. print the summary lines; the prose in docs/evaluation.md, docs/model.md and
   docs/real_data.md is still updated by hand.

The lineage needs no editing: training records each warm start's donor by its SHA-256 and run
directory (``training.warm_start_lineage``), not only by a path such as the package's
``weights/<kind>.weights.h5`` that names other weights after every release.
"""
import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_WEIGHTS = os.path.join(ROOT, "mintpy_aedenoise", "weights")

EXAMPLE = """example:
  python tools/ship_weights.py runs/mogi5 --kind mogi
  python tools/ship_weights.py runs/fault5 --kind fault --no-golden
"""


def create_parser():
    parser = argparse.ArgumentParser(
        description="Ship a training run's weights inside the package, evaluate them and "
                    "refresh the golden file.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("run_dir", help="training run folder (aedenoise_train.py --out)")
    parser.add_argument("--kind", required=True, choices=("fault", "mogi"), help="model to replace")
    parser.add_argument("--weights-dir", dest="weights_dir",
                        default=PACKAGE_WEIGHTS,
                        help="destination of the shipped weights (default: %(default)s)")
    parser.add_argument("--figures-dir", dest="figures_dir", default=os.path.join(ROOT, "docs", "figures"),
                        help="destination of the evaluation figure and JSON (default: %(default)s)")
    parser.add_argument("--levels", type=int, default=50, help="SNR levels of the benchmark (default: %(default)s)")
    parser.add_argument("--per-level", dest="per_level", type=int, default=64,
                        help="windows per SNR level (default: %(default)s)")
    parser.add_argument("--no-golden", dest="golden", action="store_false",
                        help="do not regenerate tests/data/golden.npz")
    return parser


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    inps.weights_file = os.path.join(inps.run_dir, f"{inps.kind}.weights.h5")
    for path in (inps.weights_file, inps.weights_file[: -len(".weights.h5")] + ".json"):
        if not os.path.isfile(path):
            parser.error(f"{path}: not found; is {inps.run_dir} a training run of a {inps.kind} model?")
    for folder in (inps.weights_dir, inps.figures_dir):
        if not os.path.isdir(folder):
            parser.error(f"{folder}: destination folder does not exist")
    if inps.golden and os.path.realpath(inps.weights_dir) != os.path.realpath(PACKAGE_WEIGHTS):
        parser.error("the golden file pins the package's weights: with --weights-dir "
                     f"{inps.weights_dir} give --no-golden")
    inps.parser = parser
    return inps


def _copy_atomic(src, dst):
    tmp = dst + ".tmp"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dst)


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    from mintpy_aedenoise.cli import evaluate
    from mintpy_aedenoise.store import ModelLoadError, load_model, sidecar_path
    from mintpy_aedenoise.train import file_sha256

    try:
        meta = load_model(inps.weights_file).meta
    except ModelLoadError as err:
        inps.parser.error(str(err))
    if meta.get("kind") != inps.kind:
        inps.parser.error(f"{sidecar_path(inps.weights_file)}: trained on {meta.get('kind')!r} "
                          f"windows, not {inps.kind!r}")
    state = os.path.join(inps.run_dir, "state.json")
    training = meta.get("training", {})
    planned = training.get("lr_schedule", {}).get("total_steps")
    if os.path.isfile(state) and training.get("steps") != planned:
        print(f"note: {inps.run_dir} stopped at step {training.get('steps')} of {planned} "
              "(its learning rate was not fully annealed)")

    dest = os.path.join(inps.weights_dir, f"{inps.kind}.weights.h5")
    if os.path.isfile(dest) and file_sha256(dest) == file_sha256(inps.weights_file):
        print(f"note: {dest} already holds these weights")
    _copy_atomic(inps.weights_file, dest)
    _copy_atomic(sidecar_path(inps.weights_file), sidecar_path(dest))
    print(f"shipped {inps.weights_file} as {dest} (sha256 {file_sha256(dest)[:12]})")

    stem = os.path.join(inps.figures_dir, f"evaluation_{inps.kind}")
    status = evaluate.main(["--model", dest, "--png", stem + ".png", "--json", stem + ".json",
                            "--levels", str(inps.levels), "--per-level", str(inps.per_level),
                            "--update-sidecar"])
    if status:
        return status
    if inps.golden:
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "data", "make_golden.py")], check=True)
    print("still by hand: docs/evaluation.md, docs/model.md (runs table, windows seen), "
          "docs/real_data.md (python benchmarks/real_data_report.py --out-dir docs/figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
