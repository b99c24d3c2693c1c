#!/usr/bin/env python3
"""Weigh a training run against the shipped model before shipping it (for maintainers).

    python tools/weigh_candidate.py runs/fault33

runs the candidate checks of docs/model.md ("Shipping a run") and writes their outputs into
``runs/<run>/eval/``, the files a run's record in ``docs/runs/<run>/`` holds, each text file
headed by the command that wrote it:

- ``evaluation_<run>.json``, ``evaluation_<run>_level1.json``, ``evaluation_<run>_level2.json``:
  ``aedenoise_evaluate.py`` on the protocol and with window levels ``r = 1`` and ``2``;
- ``compare_<shipped>.txt``, ``compare_<shipped>_level1.txt``, ``compare_<shipped>_level2.txt``:
  ``tools/compare_evaluations.py`` against the shipped model's results in ``docs/figures``,
  ``<shipped>`` being the run its sidecar names (``training.out_dir``);
- ``spurious_output.txt``: ``benchmarks/spurious_output.py`` for both models;
- ``donor_validation.txt``: ``tools/validation_scores.py`` for the run's donor (its
  ``--init-from``) on the run's validation windows, in float32 and in the run's precision,
  beside the scores its log reports; left out when the donor's file has changed since the run
  started (checked by SHA-256), as it has once its successor is shipped;
- ``real_data.md`` and ``mexico_city_r2.txt``: ``benchmarks/real_data_report.py`` (the figures
  under ``eval/real``) and ``benchmarks/real_data_compare.py`` on the Mexico City data
  (``--no-real`` skips them);
- with ``--broad-sources FRACTION MAX_SCALE`` (a run on another prior, docs/model.md "Shipping a
  run"), ``evaluation_<shipped>_broad.json`` and ``evaluation_<run>_broad.json``:
  ``aedenoise_evaluate.py --broad-sources`` for both models, and ``compare_<shipped>_broad.txt``.

Each step runs the documented command in its own process, so that what the header says is what
ran. ``tools/archive_run.py runs/<run>`` then copies these files into the record.
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tools")]

from archive_run import CHECKS as OUTPUTS  # noqa: E402  (the names of what it writes)
from mintpy_aedenoise.store import file_sha256, path_for_record  # noqa: E402

LEVELS = (0, 1, 2)
EXAMPLE = """example:
  python tools/weigh_candidate.py runs/fault33
  python tools/weigh_candidate.py runs/mogi25 --no-real
  python tools/weigh_candidate.py runs/fault37 --broad-sources 1 4    # a run on another prior
  # then, if it meets the ship rule
  python tools/ship_weights.py runs/fault33 --kind fault && python tools/archive_run.py runs/fault33
"""


def create_parser():
    parser = argparse.ArgumentParser(
        description="Evaluate a training run beside the shipped model and write the comparisons "
                    "its record holds.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("run_dir", help="training run folder (aedenoise_train.py --out)")
    parser.add_argument("--out", default=None, help="output folder (default: RUN_DIR/eval)")
    parser.add_argument("--weights-dir", default=os.path.join(ROOT, "mintpy_aedenoise", "weights"),
                        help="folder of the shipped <kind>.weights.h5 and <kind>.json\n(default: the package's)")
    parser.add_argument("--figures-dir", default=os.path.join(ROOT, "docs", "figures"),
                        help="folder of the shipped evaluation_<kind>[_levelR].json\n(default: %(default)s)")
    parser.add_argument("--levels", type=int, default=None, help="aedenoise_evaluate.py --levels (default: its own)")
    parser.add_argument("--per-level", dest="per_level", type=int, default=None,
                        help="aedenoise_evaluate.py --per-level (default: its own)")
    parser.add_argument("--bootstrap", type=int, default=None,
                        help="aedenoise_evaluate.py --bootstrap (default: its own)")
    parser.add_argument("--spurious-windows", dest="spurious_windows", type=int, default=None,
                        help="benchmarks/spurious_output.py --windows (default: its own)")
    parser.add_argument("--broad-sources", dest="broad_sources", type=float, nargs=2, default=None,
                        metavar=("FRACTION", "MAX_SCALE"),
                        help="also evaluate both models on this prior (aedenoise_evaluate.py\n"
                             "--broad-sources) and compare them (default: not)")
    parser.add_argument("--no-real", dest="real", action="store_false",
                        help="skip the Mexico City report and comparison")
    parser.add_argument("--data-dir", dest="data_dir", default=None,
                        help="real MintPy data folder for the Mexico City steps (default: theirs)")
    return parser


def _fail(message):
    sys.exit(f"weigh_candidate.py: error: {message}")


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        _fail(f"{path}: cannot read it as JSON ({err})")


def read_run(run_dir):
    """The run's name, kind, seed, validation size, precision, weights and donor."""
    state_file = os.path.join(run_dir, "state.json")
    if not os.path.isfile(state_file):
        _fail(f"{run_dir}: no state.json, not a training run folder")
    state = _read_json(state_file)
    config = state.get("config", {})
    kind, seed = config.get("kind"), config.get("seed")
    if kind not in ("fault", "mogi") or seed is None:
        _fail(f"{state_file}: no 'config' with the run's 'kind' (fault or mogi) and 'seed'")
    weights = os.path.join(run_dir, f"{kind}.weights.h5")
    sidecar = os.path.join(run_dir, f"{kind}.json")
    if not (os.path.isfile(weights) and os.path.isfile(sidecar)):
        _fail(f"{run_dir}: no exported {kind}.weights.h5 with its {kind}.json (run not exported yet?)")
    training = _read_json(sidecar).get("training", {})
    lineage = state.get("lineage") or training.get("warm_start_lineage") or []
    donor = lineage[0] if lineage and isinstance(lineage[0], dict) else {}
    return {"name": os.path.basename(os.path.normpath(run_dir)), "kind": kind, "seed": seed,
            "validation_size": config.get("validation_size"), "weights": weights,
            "policy": training.get("dtype_policy") or "float32", "donor": config.get("init_from") or None,
            "donor_sha256": donor.get("sha256"), "donor_run": donor.get("run")}


def shipped_name(weights_dir, kind):
    """The run the shipped model's sidecar names, or 'shipped'."""
    out_dir = _read_json(os.path.join(weights_dir, f"{kind}.json")).get("training", {}).get("out_dir")
    return os.path.basename(os.path.normpath(out_dir)) if out_dir else "shipped"


def _relative(arg):
    """An absolute path inside the repository (also after ``NAME=``) made relative to it, where
    the steps run; anything else as it is."""
    name, sep, path = arg.rpartition("=") if "=" in arg else ("", "", arg)
    return f"{name}{sep}{path_for_record(path, ROOT)}" if os.path.isabs(path) else arg


def _suffix(r):
    return f"_level{r}" if r else ""


def _display(args):
    return " ".join(shlex.quote(a) for a in args)


def run_step(args, out_file=None, note=""):
    """Run ``python ARGS``; its standard output, headed by the command, goes to ``out_file``, or
    its last line to ours."""
    args = [_relative(a) for a in args]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    print(f"# python {_display(args)}", flush=True)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE)
    if done.returncode != 0:
        _fail(f"'python {_display(args)}' exited with status {done.returncode}")
    if not out_file:                                    # its last line, e.g. the evaluation's summary
        print(done.stdout.rstrip("\n").rpartition("\n")[2])
    else:
        lines = done.stdout.splitlines()
        header = f"python {_display(args)}{note}"
        header = f"<!-- {header} -->" if out_file.endswith(".md") else f"# {header}"
        with open(out_file, "w") as f:
            f.write(header + "\n" + "\n".join(lines).strip("\n") + "\n")
        print(f"wrote {out_file}")


def main(iargs=None):
    inps = create_parser().parse_args(iargs)
    for key in ("weights_dir", "figures_dir", "data_dir"):           # the steps run in ROOT
        if getattr(inps, key):
            setattr(inps, key, os.path.abspath(getattr(inps, key)))
    run = read_run(inps.run_dir)
    kind, name, weights = run["kind"], run["name"], os.path.abspath(run["weights"])
    shipped_weights = os.path.join(inps.weights_dir, f"{kind}.weights.h5")
    if not os.path.isfile(shipped_weights):
        _fail(f"{shipped_weights}: no shipped {kind} model to weigh the run against")
    shipped = shipped_name(inps.weights_dir, kind)
    if shipped == name:
        _fail(f"{run['weights']}: the shipped {kind} model's sidecar names this run; nothing to weigh it against")
    references = {r: os.path.join(inps.figures_dir, f"evaluation_{kind}{_suffix(r)}.json") for r in LEVELS}
    for reference in references.values():
        if not os.path.isfile(reference):
            _fail(f"{reference}: no results of the shipped model to compare with")
    out = os.path.abspath(inps.out or os.path.join(inps.run_dir, "eval"))
    os.makedirs(out, exist_ok=True)
    for stale in OUTPUTS:                 # nothing left from an earlier weighing of another donor or data
        for f in glob.glob(os.path.join(glob.escape(out), stale.format(run=glob.escape(name)))):
            os.remove(f)
    note = f' ("shipped" is {shipped}, {_relative(shipped_weights)})'

    evaluate = ["-m", "mintpy_aedenoise.cli.evaluate"]
    for option, value in (("--levels", inps.levels), ("--per-level", inps.per_level),
                          ("--bootstrap", inps.bootstrap)):
        if value is not None:
            evaluate += [option, str(value)]
    for r in LEVELS:
        result = os.path.join(out, f"evaluation_{name}{_suffix(r)}.json")
        run_step(evaluate + ["--model", weights, "--kind", kind, "--level-noise", str(r), "--json", result])
        run_step(["tools/compare_evaluations.py", references[r], result, "--names", "shipped", name],
                 os.path.join(out, f"compare_{shipped}{_suffix(r)}.txt"), note)

    if inps.broad_sources:
        broad = ["--broad-sources", *(f"{v:g}" for v in inps.broad_sources)]
        results = {label: os.path.join(out, f"evaluation_{label}_broad.json") for label in (shipped, name)}
        for label, model in ((shipped, shipped_weights), (name, weights)):
            run_step(evaluate + ["--model", model, "--kind", kind, *broad, "--json", results[label]])
        run_step(["tools/compare_evaluations.py", results[shipped], results[name], "--names", "shipped", name],
                 os.path.join(out, f"compare_{shipped}_broad.txt"), note)

    spurious = ["benchmarks/spurious_output.py", "--model", shipped_weights, weights, "--kind", kind]
    if inps.spurious_windows is not None:
        spurious += ["--windows", str(inps.spurious_windows)]
    run_step(spurious, os.path.join(out, "spurious_output.txt"), note)

    donor = run["donor"]
    if donor and not os.path.isabs(donor) and not os.path.isfile(donor):
        donor = os.path.join(ROOT, donor)
    donor_note = (f"{_relative(run['donor'])} (SHA-256 {str(run['donor_sha256'])[:12]}"
                  + (f", run {run['donor_run']})" if run["donor_run"] else ")"))
    if donor and not os.path.isfile(donor):
        print(f"donor validation left out: the donor {run['donor']} is missing")
    elif donor and file_sha256(donor) != run["donor_sha256"]:
        print(f"donor validation left out: {donor_note} is no longer the file {name} started from")
    elif donor:
        precisions = ["float32"] + ([run["policy"]] if run["policy"] != "float32" else [])
        validation = [os.path.abspath(donor), "--seed", str(run["seed"]), "--precision", *precisions]
        if run["validation_size"]:
            validation += ["--size", str(run["validation_size"])]
        run_step(["tools/validation_scores.py", *validation], os.path.join(out, "donor_validation.txt"),
                 f" (the donor {donor_note} on {name}'s validation windows)")

    if inps.real:
        data = ["--data-dir", inps.data_dir] if inps.data_dir else []
        run_step(["benchmarks/real_data_report.py", f"--{kind}", weights, "--out-dir", os.path.join(out, "real"),
                  "--work-dir", os.path.join(out, "work"), *data],
                 os.path.join(out, "real_data.md"))
        run_step(["benchmarks/real_data_compare.py", f"{shipped}={shipped_weights}", f"{name}={weights}", *data],
                 os.path.join(out, "mexico_city_r2.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
