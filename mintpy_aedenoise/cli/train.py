#!/usr/bin/env python3
"""aedenoise_train.py: train the fault or Mogi auto-encoder on synthetic windows."""
import json
import logging
import os
import sys

from ..engine.normalise import NORMALISATION_VERSION, SUPPORTED_VERSIONS
from ..train import LOSS_EPS, ConfigError, PrecisionError, TrainConfig, _hardware, bf16_jit_error, train
from ._parser import create_argument_parser

EXAMPLE = """example:
  # train the fault model for 20000 steps of 64 windows, checkpoint every 500 steps
  aedenoise_train.py --model fault --steps 20000 --out runs/fault

  # continue an interrupted run from its last checkpoint, on its own schedule (--steps N
  # stretches or shortens the schedule; the run's other saved options always apply)
  aedenoise_train.py --model fault --out runs/fault --resume

  # warm start a new network from shipped weights (a version-2 donor seeds a version-3 network)
  aedenoise_train.py --model mogi --out runs/mogi6 --lr 3e-4 --seed 12 --init-from mintpy_aedenoise/weights/mogi.weights.h5

  # export a moving average of the weights (how fault6 was trained)
  aedenoise_train.py --model fault --out runs/fault6 --steps 16000 --lr 2e-4 --seed 17 --ema 0.999 --init-from mintpy_aedenoise/weights/fault.weights.h5

  # draw the training windows' SNR from 0.05-5 instead of 0.03-10 (how mogi15 was trained)
  aedenoise_train.py --model mogi --out runs/mogi15 --lr 1e-4 --seed 47 --ema 0.999 --snr-range 0.05 5 --init-from mintpy_aedenoise/weights/mogi.weights.h5

  # weight the loss by SNR more (offset 0.05) and also keep the checkpoint with the best mean of
  # the clean and realistic-level validation scores over SNR 0.1-10 (how mogi20, the Mogi
  # model shipped before mogi26, was trained; --keep-best r2_snr_0.1-10_level1 ranks by
  # realistic levels alone)
  aedenoise_train.py --model mogi --out runs/mogi20 --steps 5600 --lr 1e-4 --seed 97 --ema 0.999 --loss-eps 0.05 --keep-best r2_snr_0.1-10_combined --init-from mintpy_aedenoise/weights/mogi.weights.h5

  # the loss offset at 0.1 on SNR 0.05-10 and the donor grown by one residual block at each of
  # the two coarsest levels, which start as the identity (fault17's recipe; fault17 itself also
  # used --jit, left out here: it slows training on a CPU)
  aedenoise_train.py --model fault --out runs/fault17 --steps 5200 --lr 1e-4 --seed 109 --ema 0.999 --snr-range 0.05 10 --loss-eps 0.1 --res-blocks 0 0 1 1 --init-from mintpy_aedenoise/weights/fault.weights.h5 --time-limit 108

  # the loss offset at 0.3, the donor's residual blocks kept, bfloat16 on a CPU with AVX-512 BF16
  # (how fault32, the shipped fault model, continued the shipped fault31, which had continued
  # fault30, not shipped, the same way; fault28 and fault29 each continued the weights shipped
  # before them in bfloat16, fault25 to fault27 in float32, with --steps 9000-10000); fault32
  # was stopped by its --time-limit at step 7318 and completed its 9000 steps with the resume
  aedenoise_train.py --model fault --out runs/fault32 --steps 9000 --lr 1e-4 --seed 211 --ema 0.999 --snr-range 0.05 10 --loss-eps 0.3 --res-blocks 0 0 1 1 --init-from mintpy_aedenoise/weights/fault.weights.h5 --checkpoint-every 500 --time-limit 40 --bf16
  aedenoise_train.py --model fault --out runs/fault32 --resume --time-limit 15

  # a fifth of the training sources up to 4 times larger than the default prior's, broader than
  # the window (how mogi26 continued mogi20, keeping about twice as much of Mexico City's
  # subsidence bowl and more of the per-date window levels; mogi27, the shipped Mogi model,
  # continued mogi26 the same way with --seed 257 --time-limit 50; fault36, the same option on
  # the fault model, was not shipped, docs/model.md section 4)
  aedenoise_train.py --model mogi --out runs/mogi26 --steps 7000 --lr 1e-4 --seed 251 --ema 0.999 --loss-eps 0.05 --broad-sources 0.2 4 --keep-best r2_snr_0.1-10_combined --init-from mintpy_aedenoise/weights/mogi.weights.h5 --time-limit 55 --bf16

  # stop after 40 minutes (a checkpoint is written first)
  aedenoise_train.py --model mogi --out runs/mogi --time-limit 40
"""


def create_parser(subparsers=None):
    synopsis = "Train the denoising auto-encoder on synthetic InSAR windows."
    parser = create_argument_parser("aedenoise_train.py", "train", synopsis, epilog=EXAMPLE,
                                    subparsers=subparsers)
    parser.add_argument("--model", dest="kind", choices=("fault", "mogi"), required=True,
                        help="deformation source of the synthetic training data")
    parser.add_argument("--out", dest="out_dir", help="run folder (default: runs/<model>)")
    parser.add_argument("--steps", type=int, default=None,
                        help=f"total optimiser steps (default: {TrainConfig.steps}; with --resume, the run's own)")
    parser.add_argument("--batch", type=int, default=64, help="windows per step (default: %(default)s)")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--widths", type=int, nargs="+", default=[24, 48, 96, 128],
                        help="U-Net channels per level (default: %(default)s)")
    parser.add_argument("--res-blocks", type=int, nargs="+", default=[], metavar="N",
                        help="residual blocks per level, finest first, one count per --widths entry;\n"
                             "blocks a --init-from donor lacks start as the identity (default: none)")
    parser.add_argument("--head", choices=("kernel", "direct"), default="kernel",
                        help="output head: per-pixel frame weights + offset, or direct regression\n"
                             "(default: %(default)s)")
    parser.add_argument("--checkpoint-every", type=int, default=500,
                        help="steps between checkpoints (default: %(default)s)")
    parser.add_argument("--time-limit", type=float, default=0.0,
                        help="stop after this many minutes, 0 for none (default: %(default)s)")
    parser.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    parser.add_argument("--init-from", default="", metavar="WEIGHTS",
                        help="warm start a new run from these .weights.h5 (the same network, or one with\n"
                             "more residual blocks or, for a version-2 donor, the level channels)")
    parser.add_argument("--ema", type=float, default=0.0, metavar="MOMENTUM",
                        help="export an exponential moving average of the weights with this\n"
                             "momentum, e.g. 0.999; 0 exports the last weights (default: %(default)s)")
    parser.add_argument("--bf16", action="store_true", help="train with Keras mixed_bfloat16 (a GPU, or a CPU with AVX-512 BF16\n"
                             "or AMX: x1.2 for the fault network's training step on an AVX-512 BF16 + AMX\n"
                             "Xeon without XLA; elsewhere several times slower than float32; not with\n"
                             "--jit on a CPU; a resumed run keeps its checkpoint's precision)")
    parser.add_argument("--jit", action="store_true",
                        help="compile the training step with XLA even without a GPU (Keras turns it on\n"
                             "only with one); on a CPU leave it off: no gain on a 2-core AVX2 CPU, and\n"
                             "x0.63 on a 2-core AVX-512 one (benchmarks/bench_train.py, docs/performance.md)")
    parser.add_argument("--normalisation", type=int, choices=SUPPORTED_VERSIONS, default=NORMALISATION_VERSION,
                        help="input contract: 3 adds the frame levels (default: %(default)s)")
    parser.add_argument("--level-noise", type=float, nargs=2, default=[0.1, 5.0], metavar=("MIN", "MAX"),
                        help="per-frame level std, in units of the noise std, drawn log-uniformly "
                             "(normalisation 3; default: %(default)s)")
    parser.add_argument("--snr-range", type=float, nargs=2, default=[0.03, 10.0], metavar=("MIN", "MAX"),
                        help="SNR of the training windows, drawn log-uniformly (default: %(default)s)")
    parser.add_argument("--level-noise-zero", type=float, default=0.25, metavar="FRACTION",
                        help="fraction of windows without level noise (default: %(default)s)")
    parser.add_argument("--broad-sources", type=float, nargs=2, default=[], metavar=("FRACTION", "MAX_SCALE"),
                        help="that fraction of the training sources gets every length (position, depth,\n"
                             "size) scaled by a factor drawn log-uniformly from 1 to MAX_SCALE, up to\n"
                             "sources broader than the window; validation keeps the default prior\n"
                             "(default: none)")
    parser.add_argument("--loss-eps", type=float, default=LOSS_EPS, metavar="EPS",
                        help="offset of the per-window loss weight 1/(var(target)+EPS), in\n"
                             "normalised units; larger values count low-SNR windows less (default: %(default)s)")
    parser.add_argument("--keep-best", dest="keep_best", default="", metavar="SCORE",
                        help="also export the checkpoint with the highest validation SCORE as\n"
                             "<kind>.best.weights.h5, e.g. r2_snr_0.1-10_level1, or r2_snr_0.1-10_combined\n"
                             "(the mean of r2_snr_0.1-10 and r2_snr_0.1-10_level1) (default: last only)")
    return parser


def cmd_line_parse(iargs=None):
    parser = create_parser()
    inps = parser.parse_args(args=iargs)
    if inps.out_dir is None:
        inps.out_dir = f"runs/{inps.kind}"
    if inps.steps is None:
        inps.steps = (resume_steps(inps.out_dir) if inps.resume else None) or TrainConfig.steps
    try:
        inps.config = train_config(inps)
    except ConfigError as err:
        # every checked field is set by the flag of the same name (--model has argparse choices)
        parser.error(f"--{err.field.replace('_', '-')} {err.requirement}, got {err.value!r}")
    # with --resume, train() judges the checkpoint's policy (or the asked one if none is saved)
    if inps.bf16 and inps.jit and not inps.resume:
        refused = bf16_jit_error("mixed_bfloat16", True, _hardware()["gpus"])
        if refused:
            parser.error(refused)
    return inps


def resume_steps(out_dir):
    """The schedule length of the run saved in ``out_dir`` (None without a readable state)."""
    try:
        with open(os.path.join(out_dir, "state.json")) as f:
            return int(json.load(f)["config"]["steps"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def train_config(inps):
    """The :class:`~mintpy_aedenoise.train.TrainConfig` of parsed options (validated there)."""
    return TrainConfig(kind=inps.kind, out_dir=inps.out_dir, steps=inps.steps, batch=inps.batch,
                       lr=inps.lr, seed=inps.seed, widths=tuple(inps.widths), head=inps.head,
                       res_blocks=tuple(inps.res_blocks),
                       checkpoint_every=inps.checkpoint_every, init_from=inps.init_from, time_limit=inps.time_limit,
                       normalisation=inps.normalisation, level_noise=tuple(inps.level_noise),
                       level_noise_zero=inps.level_noise_zero, ema=inps.ema,
                       snr_range=tuple(inps.snr_range), loss_eps=inps.loss_eps,
                       broad_sources=tuple(inps.broad_sources), keep_best=inps.keep_best)


def main(iargs=None):
    inps = cmd_line_parse(iargs)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        path = train(inps.config, resume=inps.resume, dtype_policy="mixed_bfloat16" if inps.bf16 else None,
                     jit_compile=True if inps.jit else None)
    except PrecisionError as err:        # e.g. a bfloat16 checkpoint resumed with --jit
        create_parser().error(str(err))
    print(f"weights written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
