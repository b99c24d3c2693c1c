#!/usr/bin/env python3
"""Inference benchmark: ``aedenoise.py`` on a simulated MintPy time series.

1. Simulates a ``LENGTH x WIDTH`` px, ``N``-date MintPy dataset (``timeseries.h5``,
   ``geometryRadar.h5``, ``maskTempCoh.h5``) with ``aedenoise_simulate``'s generator. Not timed.
   Its memory is printed: the simulator holds the whole series several times over (about 9
   arrays of N x LENGTH x WIDTH float32 at its peak: ~1 GB for 1000 x 1000 x 30, ~3 GB for
   1000 x 1000 x 90).
2. Runs ``python -m mintpy_aedenoise.cli.aedenoise TS -g GEOM --model MODEL -o OUT --force`` as
   a child process and times it (wall clock, model loading and file output included); its peak
   memory is its own VmHWM, which it prints at exit (``getrusage(RUSAGE_CHILDREN)`` would report
   this process's peak instead, carried into the child across fork and exec).
3. Prints:

   - pixel-windows per second = LENGTH x WIDTH x (N - 8) / wall;
   - the wall time and the child's CPU time (user + sys; / wall = cores busy);
   - the peak RSS of aedenoise.py;
   - the achieved model FLOP/s = flops_per_pixel_window x (patch pixels evaluated) / wall, where
     flops_per_pixel_window comes from ``mintpy_aedenoise.model.count_flops_per_pixel`` (2 FLOPs
     per multiply-add, convolutions only) and the patch pixels evaluated are
     (number of patch predictions per window, counted with the engine's own strip and patch
     grid, patches straddling two strips counted twice) x padded_patch^2 x windows: the
     overlap redundancy is included, so this is the rate of the network itself.

The last line is one ``key=value`` summary for the docs.

    python benchmarks/bench_inference.py                          # 1000 x 1000 px, 30 dates
    python benchmarks/bench_inference.py --dates 90               # compare the peak RSS
    python benchmarks/bench_inference.py --size 200 200 --dates 12 --model runs/fault/fault.weights.h5
"""
import argparse
import gc
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np


#: The timed child: aedenoise.py's main, then its own peak RSS (VmHWM of its address space) on the
#: last line of its log. ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is not the tool's own: Linux
#: carries the parent's high-water mark into the child across fork/vfork and exec, and the parent
#: holds the simulated series.
CHILD = ("import sys\n"
         "from mintpy_aedenoise.cli.aedenoise import main\n"
         "status = main(sys.argv[1:])\n"
         "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
         "print('VmHWM_kB', hwm[0].split()[1] if hwm else 'unknown', flush=True)\n"
         "sys.exit(status)\n")


def _gb(kib):
    return kib / 1024 ** 2


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, nargs=2, metavar=("LENGTH", "WIDTH"), default=(1000, 1000),
                   help="scene size in pixels (default: 1000 1000)")
    p.add_argument("--dates", type=int, default=30, help="number of acquisitions, >= 9 (default: %(default)s)")
    p.add_argument("--model", default="fault",
                   help="fault, mogi (shipped weights) or a *.weights.h5 file (default: %(default)s)")
    p.add_argument("--workdir", help="folder for the data and output (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the data and output folder")
    p.add_argument("--seed", type=int, default=0, help="simulation seed (default: %(default)s)")
    p.add_argument("--tile-rows", dest="tile_rows", type=int, help="aedenoise.py --tile-rows (default: its own)")
    p.add_argument("--batch-size", dest="batch_size", type=int,
                   help="aedenoise.py --batch-size (default: its own)")
    return p


def simulate(folder, size, n_dates, seed):
    """Write the benchmark dataset; returns (paths, seconds, peak RSS of this process in KiB)."""
    from mintpy_aedenoise.simulate import simulate_scene, write_dataset

    t0 = time.perf_counter()
    scene = simulate_scene(np.random.default_rng(seed), tuple(size), n_dates, events=("fault", "mogi"))
    paths = write_dataset(scene, folder)
    del scene
    gc.collect()
    return paths, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def patch_predictions(shape, patch, overlap, tile_rows):
    """Patches predicted per window by aedenoise.py: those meeting each strip, per strip."""
    from mintpy_aedenoise.engine import iter_blocks, iter_patches

    return sum(sum(1 for _ in iter_patches(shape, patch, overlap, rows=(s.row_start, s.row_stop)))
               for s in iter_blocks(shape, (tile_rows, shape[1])))


def main(iargs=None):
    a = create_parser().parse_args(iargs)
    if a.dates < 9 or min(a.size) < 16:
        sys.exit("bench_inference.py: error: need --dates >= 9 and --size >= 16 16")
    length, width = a.size
    root = os.path.abspath(a.workdir) if a.workdir else tempfile.mkdtemp(prefix="bench_inference.")
    folder = os.path.join(root, f"bench_{length}x{width}x{a.dates}")
    os.makedirs(folder, exist_ok=True)
    try:
        return _run(a, folder, (length, width))
    finally:
        if a.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if not a.workdir:
                shutil.rmtree(root, ignore_errors=True)


def _run(a, folder, shape):
    import h5py

    length, width = shape
    paths, t_sim, rss_sim = simulate(folder, shape, a.dates, a.seed)
    print(f"simulated {length} x {width} px, {a.dates} dates in {t_sim:.1f} s (not timed below); "
          f"peak RSS of the simulation (this process): {_gb(rss_sim):.2f} GB; "
          f"one {a.dates} x {length} x {width} float32 array = {a.dates * length * width * 4 / 1e9:.2f} GB")

    out = os.path.join(folder, "deformation_ae.h5")
    cmd = [sys.executable, "-c", CHILD, paths["timeseries"], "-g", paths["geometry"],
           "--model", a.model, "-o", out, "--force"]
    if a.tile_rows:
        cmd += ["--tile-rows", str(a.tile_rows)]
    if a.batch_size:
        cmd += ["--batch-size", str(a.batch_size)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    log = os.path.join(folder, "aedenoise.log")
    print("timing: python " + " ".join(cmd[1:]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        with open(log) as f:
            sys.stderr.write(f.read()[-4000:])
        sys.exit(f"bench_inference.py: error: aedenoise.py failed with exit status {proc.returncode}")
    cpu = (ru.ru_utime - before.ru_utime) + (ru.ru_stime - before.ru_stime)
    with open(log) as f:
        hwm = [line.split()[1] for line in f if line.startswith("VmHWM_kB")]
    if not hwm or hwm[-1] == "unknown":
        sys.exit("bench_inference.py: error: no /proc/self/status VmHWM from aedenoise.py (Linux only)")
    rss = int(hwm[-1])                                   # KiB: the tool's own peak

    with h5py.File(out, "r") as f:
        n_win = f["timeseries"].shape[0]
        attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
    patch, overlap, tile_rows = (int(attrs[k]) for k in ("AE_PATCH", "AE_OVERLAP", "AE_TILE_ROWS"))
    weights = attrs["AE_WEIGHTS_FILE"]

    from mintpy_aedenoise.model import build_model, count_flops_per_pixel
    from mintpy_aedenoise.store import read_sidecar

    meta = read_sidecar(weights)
    model = build_model(**meta["model"])
    flops_px = count_flops_per_pixel(model)
    m = 2 ** (len(model.config_args["widths"]) - 1)
    padded = -(-patch // m) * m                          # the U-Net input is padded to a multiple of m
    n_patch = patch_predictions(shape, patch, overlap, tile_rows)
    evaluated = n_patch * padded ** 2 * n_win
    image_pw = length * width * n_win
    flops = flops_px * evaluated

    print(f"model: {a.model} ({weights}), widths {model.config_args['widths']}, patch {patch} px "
          f"(network input {padded} px), overlap {overlap} px, tile rows {tile_rows}")
    print(f"windows: {a.dates} dates -> {n_win} windows of 9 acquisitions")
    print(f"wall time of aedenoise.py: {wall:.1f} s (CPU user+sys {cpu:.1f} s = {cpu / wall:.2f} cores busy)")
    print(f"throughput: {image_pw / wall:,.0f} pixel-windows/s "
          f"(= {length} x {width} px x {n_win} windows / {wall:.1f} s)")
    print(f"peak RSS of aedenoise.py: {_gb(rss):.2f} GB (VmHWM in its /proc/self/status at exit; "
          f"getrusage(RUSAGE_CHILDREN): {_gb(ru.ru_maxrss):.2f} GB, which also counts this process's pages "
          "carried into the child)")
    print(f"model cost: {flops_px:,.0f} FLOP per pixel per window (count_flops_per_pixel, 2 per multiply-add)")
    print(f"evaluated: {n_patch} patch predictions per window x {padded}^2 px x {n_win} windows = "
          f"{evaluated:.3e} pixel-windows ({evaluated / image_pw:.2f} x the image: overlap and strip redundancy)")
    print(f"achieved: {flops / wall / 1e9:.2f} GFLOP/s = flops_per_pixel_window x patch predictions x "
          f"padded_patch^2 x windows / wall = {flops_px:.0f} x {n_patch} x {padded}^2 x {n_win} / {wall:.1f} s")
    print(f"summary: size={length}x{width} dates={a.dates} windows={n_win} wall_s={wall:.1f} cpu_s={cpu:.1f} "
          f"pixel_windows_per_s={image_pw / wall:.0f} peak_rss_gb={_gb(rss):.2f} "
          f"sim_peak_rss_gb={_gb(rss_sim):.2f} gflop_per_s={flops / wall / 1e9:.2f} redundancy={evaluated / image_pw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
