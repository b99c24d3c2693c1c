#!/usr/bin/env python3
"""Throughput of the synthetic window generator.

Generates 40x40x9 windows in batches, in one process per core (each with its own seeded
generator from ``SeedSequence.spawn``), and prints the rate as a line ending in
``<N> windows/s``.

    python benchmarks/bench_synthetic.py [--kind fault] [--batch 256] [--seconds 20] [--workers 2]
"""
import argparse
import multiprocessing as mp
import os
import time

import numpy as np


def _worker(args):
    seed_seq, kind, batch, seconds = args
    from mintpy_aedenoise.synthetic import generate_windows

    rng = np.random.default_rng(seed_seq)
    generate_windows(rng, batch, kind=kind)          # warm-up
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        generate_windows(rng, batch, kind=kind)
        n += batch
    return n, time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", default="fault", choices=("fault", "mogi"))
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    seeds = np.random.SeedSequence(a.seed).spawn(a.workers)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with mp.get_context("spawn").Pool(a.workers) as pool:
        results = pool.map(_worker, [(s, a.kind, a.batch, a.seconds) for s in seeds])
    rate = sum(n / dt for n, dt in results)
    print(f"kind={a.kind} batch={a.batch} workers={a.workers} windows={sum(n for n, _ in results)}")
    print(f"synthetic {a.kind} 40x40x9 windows: {rate:.0f} windows/s")


if __name__ == "__main__":
    main()
