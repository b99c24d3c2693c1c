#!/usr/bin/env python3
"""Score weights on a training run's validation set, as its checkpoints are scored.

A run's log reports, at every checkpoint, the mean R² of its fixed validation windows (seeded
by the run's ``--seed``, ``train.validation_set``) per SNR band, without and with window levels
at ``train.VALIDATION_LEVEL_NOISE``. Its own numbers say little until they are set beside those
of the weights it started from on the same windows: this prints them for any weights, such as
the donor of a run (``donor_validation.txt`` in docs/runs/<run>), and, with ``--precision``, in
float32 and in Keras ``mixed_bfloat16`` (the checkpoints of a ``--bf16`` run are scored in the
latter).

    python tools/validation_scores.py fault --seed 197
    python tools/validation_scores.py runs/fault28/fault.weights.h5 --seed 191 --precision float32 mixed_bfloat16
"""
import argparse
import sys

EXAMPLE = """example:
  python tools/validation_scores.py fault --seed 197        # the shipped fault model on seed 197's windows
  python tools/validation_scores.py runs/fault28/fault.weights.h5 --seed 191 --precision float32 mixed_bfloat16
"""


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of windows")
    return value


def create_parser():
    parser = argparse.ArgumentParser(
        prog="validation_scores.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawTextHelpFormatter, epilog=EXAMPLE)
    parser.add_argument("model", help="'fault', 'mogi' (shipped) or a .weights.h5 path")
    parser.add_argument("--seed", type=int, required=True, help="the run's --seed, which fixes its validation windows")
    parser.add_argument("--size", type=_positive, default=None,
                        help="validation windows (default: the training default, as the runs use)")
    parser.add_argument("--precision", nargs="+", choices=("float32", "mixed_bfloat16"), default=["float32"],
                        help="Keras dtype policies to score in (default: %(default)s)")
    return parser


def _in_policy(model, policy):
    """The same weights in a network built with ``policy``."""
    from mintpy_aedenoise.model import build_model
    from mintpy_aedenoise.synthetic import WINDOW

    if policy == "float32":
        return model
    other = build_model(size=(WINDOW, WINDOW), dtype_policy=policy, **model.config_args)
    other.set_weights(model.get_weights())
    for attr in ("meta", "config_args", "normalisation"):
        if hasattr(model, attr):
            setattr(other, attr, getattr(model, attr))
    return other


def scores(model, kind, seed, size=None, precision=("float32",)):
    """``{(level_noise, policy): {key: R²}}`` on the validation windows of a run seeded ``seed``:
    the band SNR 0.1-0.3, where the bar is missed, and the protocol's range SNR 0.1-10."""
    from mintpy_aedenoise import train
    from mintpy_aedenoise.train import VALIDATION_PROTOCOL, TrainConfig

    keys = ("r2_snr_0.1-0.3", VALIDATION_PROTOCOL)
    config = TrainConfig(kind=kind, seed=seed, **({} if size is None else {"validation_size": size}))
    nets = {policy: _in_policy(model, policy) for policy in precision}
    out = {}
    for level_noise in (None, train.VALIDATION_LEVEL_NOISE):
        val = train.validation_set(config, level_noise=level_noise)
        for policy, net in nets.items():
            s = train._validation_scores(net, val)
            out[(level_noise, policy)] = {k: s[k] for k in keys}
    return out


def main(iargs=None):
    parser = create_parser()
    args = parser.parse_args(iargs)
    from mintpy_aedenoise import load_model

    try:
        model = load_model(args.model)
    except (OSError, ValueError) as err:
        parser.error(str(err))                  # names the file
    kind = model.meta["kind"]
    for (level_noise, policy), s in scores(model, kind, args.seed, args.size, args.precision).items():
        label = "level_noise None" if level_noise is None else f"level_noise {level_noise}"
        if len(args.precision) > 1:
            label += f" {policy}"
        print(f"{label}: " + ", ".join(f"{k} " + ("n/a" if v is None else f"{v:.3f}") for k, v in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
