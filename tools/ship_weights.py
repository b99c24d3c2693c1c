#!/usr/bin/env python3
"""Ship a training run's weights as the package's pretrained model (for maintainers).

    python tools/ship_weights.py runs/mogi5 --kind mogi

The steps, in the order that matters:

1. check that the run's weights load with this package (sidecar, normalisation version), were
   trained on ``kind`` windows, and that the run finished its schedule (``--allow-partial``
   ships a stopped run); ``--best`` ships ``<kind>.best.weights.h5``, the checkpoint a
   ``--keep-best`` run chose by its validation score, and reads the run's progress from the
   last checkpoint's sidecar;
2. copy ``<kind>.weights.h5`` and ``<kind>.json`` into a staging folder next to the shipped
   weights, and check that the copies are the pair read in step 1 (a run still writing
   checkpoints could otherwise mix the weights of one step with the sidecar of another);
3. evaluate the staged weights on the held-out benchmark (``aedenoise_evaluate.py
   --update-sidecar``): the summary goes into the staged sidecar, the figure and the results
   are staged too;
4. only then copy the figure and results next to ``docs/figures/evaluation_<kind>.png|json``
   and rename them into place, then rename the sidecar and the weights into
   ``mintpy_aedenoise/weights/`` (the last two renames), so that an error or an interruption
   before this step leaves the shipped weights and their figures as they were;
5. regenerate ``tests/data/golden.npz`` (``tests/data/make_golden.py``) and print the summary
   lines. The prose of docs/evaluation.md, docs/model.md and docs/real_data.md is updated by hand.

Training records each warm start's donor by path, SHA-256 and, when the donor's sidecar has
it, run directory (``training.warm_start_lineage``), so the shipped sidecar is copied as is.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_WEIGHTS = os.path.join(ROOT, "mintpy_aedenoise", "weights")
KINDS = ("fault", "mogi")

EXAMPLE = """example:
  python tools/ship_weights.py runs/mogi5 --kind mogi
  python tools/ship_weights.py runs/fault5 --kind fault --allow-partial
  python tools/ship_weights.py runs/mogi18 --kind mogi --best
"""


def create_parser():
    parser = argparse.ArgumentParser(
        description="Ship a training run's weights inside the package, evaluate them and "
                    "refresh the golden file.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("run_dir", help="training run folder (aedenoise_train.py --out)")
    parser.add_argument("--kind", required=True, choices=KINDS, help="model to replace")
    parser.add_argument("--allow-partial", dest="allow_partial", action="store_true",
                        help="ship a run that stopped before the end of its schedule")
    parser.add_argument("--best", action="store_true",
                        help="ship <kind>.best.weights.h5, the run's best checkpoint by its\n"
                             "--keep-best validation score, instead of the last")
    parser.add_argument("--force", action="store_true",
                        help="ship even if the package already holds these weights")
    parser.add_argument("--weights-dir", dest="weights_dir", default=PACKAGE_WEIGHTS,
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
    from mintpy_aedenoise.store import pretrained_path, sidecar_path

    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    # the last checkpoint's pair tells how far the run got; --best ships the best checkpoint's
    inps.last_file = os.path.join(inps.run_dir, f"{inps.kind}.weights.h5")
    inps.weights_file = (os.path.join(inps.run_dir, f"{inps.kind}.best.weights.h5") if inps.best
                         else inps.last_file)
    pairs = [(inps.last_file, f"is {inps.run_dir} a training run of a {inps.kind} model?")]
    if inps.best:
        pairs.append((inps.weights_file, f"was {inps.run_dir} trained with --keep-best?"))
    for weights, hint in pairs:
        for path in (weights, sidecar_path(weights)):
            if not os.path.isfile(path):
                parser.error(f"{path}: not found; {hint}")
    for folder in (inps.weights_dir, inps.figures_dir):
        if not os.path.isdir(folder):
            parser.error(f"{folder}: destination folder does not exist")
    if inps.golden:
        if os.path.realpath(inps.weights_dir) != os.path.realpath(PACKAGE_WEIGHTS):
            parser.error("the golden file pins the package's weights: with --weights-dir "
                         f"{inps.weights_dir} give --no-golden")
        imported = os.path.dirname(pretrained_path(inps.kind))
        if os.path.realpath(imported) != os.path.realpath(PACKAGE_WEIGHTS):
            parser.error(f"the imported mintpy_aedenoise loads its weights from {imported}, not from "
                         f"this checkout's {PACKAGE_WEIGHTS}: install it with pip install -e, "
                         "or give --no-golden")
    inps.parser = parser
    return inps


def _check_run(inps, meta):
    """Refuse weights of another kind, or of a run that has not finished its schedule."""
    from mintpy_aedenoise.store import ModelLoadError, read_sidecar, sidecar_path

    side = sidecar_path(inps.weights_file)
    if meta.get("kind") != inps.kind:
        inps.parser.error(f"{side}: trained on {meta.get('kind')!r} windows, not {inps.kind!r}")
    if inps.best and not meta.get("training", {}).get("selected"):
        inps.parser.error(f"{side}: not a best checkpoint (no training.selected)")
    # a best checkpoint is chosen among all the run's checkpoints: the last one says how far it got
    side = sidecar_path(inps.last_file)
    try:
        training = (read_sidecar(inps.last_file) if inps.best else meta).get("training", {})
    except ModelLoadError as err:
        inps.parser.error(str(err))
    done, planned = training.get("steps"), training.get("lr_schedule", {}).get("total_steps")
    if done is not None and planned is not None and done < planned and not inps.allow_partial:
        inps.parser.error(f"{side}: the run is at step {done} of {planned} (stopped early or still "
                          "running); give --allow-partial to ship it anyway")


def _stage(inps, meta, digest, staging):
    """Copy the run's pair into ``staging`` and check it is the pair that was checked."""
    from mintpy_aedenoise.store import file_sha256, read_sidecar, sidecar_path

    staged = os.path.join(staging, f"{inps.kind}.weights.h5")
    shutil.copyfile(inps.weights_file, staged)
    shutil.copyfile(sidecar_path(inps.weights_file), sidecar_path(staged))
    if file_sha256(staged) != digest or read_sidecar(staged).get("training") != meta.get("training"):
        inps.parser.error(f"{inps.run_dir}: the run wrote a new checkpoint while it was being "
                          "copied; ship it when it has stopped")
    return staged


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    from mintpy_aedenoise.cli import evaluate
    from mintpy_aedenoise.store import (ModelLoadError, default_file_mode, file_sha256, load_model,
                                        path_for_record, sidecar_path, write_json_atomic)

    try:
        meta = load_model(inps.weights_file).meta
    except ModelLoadError as err:
        inps.parser.error(str(err))
    _check_run(inps, meta)
    digest = file_sha256(inps.weights_file)
    dest = os.path.join(inps.weights_dir, f"{inps.kind}.weights.h5")
    if os.path.isfile(dest) and file_sha256(dest) == digest and not inps.force:
        print(f"{dest} already holds these weights; nothing to do (--force ships them again)")
        return 0

    staging = tempfile.mkdtemp(dir=inps.weights_dir, prefix=".ship-")
    try:
        staged = _stage(inps, meta, digest, staging)
        name = f"evaluation_{inps.kind}"
        evaluate.main(["--model", staged, "--png", os.path.join(staging, name + ".png"),
                       "--json", os.path.join(staging, name + ".json"), "--levels", str(inps.levels),
                       "--per-level", str(inps.per_level), "--update-sidecar"])
        results = os.path.join(staging, name + ".json")
        with open(results) as f:
            evaluation = json.load(f)
        evaluation["weights"] = path_for_record(dest, ROOT)
        write_json_atomic(results, evaluation)
        # the figures are copied next to their destination first (the figures folder may be on
        # another file system), so that only renames are left; the weights and sidecar go last,
        # one rename after the other
        moves = []
        for ext in (".png", ".json"):
            final = os.path.join(inps.figures_dir, name + ext)
            near = os.path.join(inps.figures_dir, f".{name}{ext}.{os.getpid()}.tmp")
            shutil.copyfile(os.path.join(staging, name + ext), near)
            moves.append((near, final))
        moves += [(sidecar_path(staged), sidecar_path(dest)), (staged, dest)]
        try:
            for src, dst in moves:
                os.chmod(src, default_file_mode())
                os.replace(src, dst)
        finally:
            for src, _ in moves[:2]:
                if os.path.exists(src):
                    os.remove(src)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"shipped {inps.weights_file} as {dest} (sha256 {digest[:12]})")
    if inps.golden:
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "data", "make_golden.py")], check=True)
    print("still by hand: docs/evaluation.md, docs/model.md (runs table, windows seen), "
          "docs/real_data.md (python benchmarks/real_data_report.py --out-dir docs/figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
