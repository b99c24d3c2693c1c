#!/usr/bin/env python3
"""Export a training run's optimiser weights (``checkpoint.keras``) with the run's sidecar.

A run trained with ``--ema`` exports the moving average of its weights; this writes the last
weights the optimiser reached instead, so that the two can be evaluated side by side:

    python tools/export_checkpoint.py runs/fault6 --kind fault --out /tmp/fault6_raw/fault.weights.h5
    aedenoise_evaluate.py --model /tmp/fault6_raw/fault.weights.h5
"""
import argparse
import sys

EXAMPLE = """example:
  python tools/export_checkpoint.py runs/fault6 --kind fault --out /tmp/fault6_raw/fault.weights.h5
"""


def create_parser():
    parser = argparse.ArgumentParser(
        description="Export a run's checkpoint.keras weights as <kind>.weights.h5 with its sidecar.",
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("run_dir", help="training run folder (aedenoise_train.py --out)")
    parser.add_argument("--kind", required=True, choices=("fault", "mogi"), help="model of the run")
    parser.add_argument("--out", required=True, help="destination ending in .weights.h5")
    return parser


def main(iargs=None):
    inps = create_parser().parse_args(iargs)
    import keras

    from mintpy_aedenoise.model import custom_objects
    from mintpy_aedenoise.store import load_model, read_sidecar, save_model

    exported = f"{inps.run_dir}/{inps.kind}.weights.h5"
    model = load_model(exported)          # the network at inference size, with its config_args
    checkpoint = keras.models.load_model(f"{inps.run_dir}/checkpoint.keras", custom_objects=custom_objects())
    model.set_weights(checkpoint.get_weights())
    meta = read_sidecar(exported)
    meta.pop("evaluation", None)          # the export's evaluation does not describe these weights
    if meta["training"].get("weight_average"):
        # nor does its validation, of the average: keep the optimiser weights' own (``*_raw``)
        validation = meta.get("validation") or {}
        meta["validation"] = {k[:-len("_raw")]: v for k, v in validation.items() if k.endswith("_raw")} or None
    meta["training"]["weight_average"] = None
    save_model(model, inps.out, meta)
    print(f"wrote {inps.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
