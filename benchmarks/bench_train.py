#!/usr/bin/env python3
"""Training-step throughput of the shipped networks, with and without XLA (and bfloat16).

Builds the version-3 network of the shipped Mogi model (804,626 parameters), or with
``--res-blocks 0 0 1 1`` that of the shipped fault model (1,265,874), makes a few training
batches once (so the synthetic generator is not timed), then times ``train_on_batch`` for
``--seconds`` in each mode, alternating the modes over ``--rounds`` rounds (a fresh model and
optimiser per mode, compiled once). With ``--bf16`` the network is built in Keras's
``mixed_bfloat16`` policy (as ``aedenoise_train.py --bf16``) instead of float32. Prints one line
per round and mode, then the median rate of each mode and their ratio (with ``--bf16`` and no
GPU only the mode without XLA, which TensorFlow's XLA cannot run in bfloat16 there; the reason
is printed):

    python benchmarks/bench_train.py [--seconds 40] [--rounds 2] [--batch 64] [--res-blocks 0 0 1 1] [--bf16]

Run it with nothing else on the machine: on 2 cores a training run or a test beside it halves
both.
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def _rate(model, batches, seconds):
    for x, y, w in batches[:2]:                      # trace and compile outside the timing
        model.train_on_batch(x, y, sample_weight=w)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        x, y, w = batches[n % len(batches)]
        model.train_on_batch(x, y, sample_weight=w)
        n += 1
    return n * len(batches[0][0]) / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=40.0, help="timed seconds per mode and round")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--res-blocks", type=int, nargs="+", default=None,
                   help="residual blocks per level, finest first, as aedenoise_train.py (0 0 1 1: the fault model)")
    p.add_argument("--bf16", action="store_true", help="build the network in mixed_bfloat16 instead of float32")
    a = p.parse_args()
    if a.res_blocks is not None and len(a.res_blocks) != 4:
        p.error(f"--res-blocks needs one count per level of the shipped widths (4), got {len(a.res_blocks)}")
    policy = "mixed_bfloat16" if a.bf16 else "float32"

    import keras

    from mintpy_aedenoise.model import build_model
    from mintpy_aedenoise.train import TrainConfig, _hardware, bf16_jit_error, make_batch

    config = TrainConfig(kind="fault", batch=a.batch)
    batches = [make_batch(np.random.default_rng([0, i]), config) for i in range(4)]
    hardware = _hardware()
    print(f"hardware: {hardware}, policy {policy}")
    modes = (False, True)
    refused = bf16_jit_error(policy, True, hardware["gpus"])
    if refused:
        print(f"jit_compile=True not timed: {refused}")
        modes = (False,)
    rates = {m: [] for m in modes}
    for r in range(a.rounds):
        for jit in modes:
            model = build_model(size=(40, 40), level_inputs=True, seed=0, res_blocks=a.res_blocks,
                                dtype_policy=policy)
            model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
            model.jit_compile = jit
            rates[jit].append(_rate(model, batches, a.seconds))
            print(f"round {r} jit_compile={jit}: {rates[jit][-1]:.1f} windows/s")
    plain = float(np.median(rates[False]))
    line = f"training step, {policy}, batch {a.batch}, {model.count_params()} parameters: {plain:.1f} windows/s without XLA"
    if True in rates:
        xla = float(np.median(rates[True]))
        line += f", {xla:.1f} with (--jit), x{xla / plain:.2f}"
    print(line)


if __name__ == "__main__":
    main()
