#!/usr/bin/env python3
"""Three inference ideas measured against the shipped engine, all rejected (see docs/model.md §7).

``tta``: test-time augmentation. The synthetic training set is statistically invariant under
the 8 rotations and mirror images of a window (random strike, random LOS azimuth, isotropic
turbulence), so averaging the predictions of the 8 transformed windows is a fair ensemble. It
is scored on the evaluation protocol (``aedenoise_evaluate.py``'s windows and seed) as an extra
estimator, ``tta8``, next to the network itself. It costs 8 forward passes.

``stitch``: patch-level stitching of a scene. The engine blends the 40 x 40 patch predictions
of a scene as they are, so each patch keeps the level (window mean) that the network guessed.
Stitching first solves, for every window, one offset per patch by least squares so that
overlapping patches agree (weighted by the product of their blending tapers), with a ridge
``lambda`` times the mean overlap weight fixing the free constant, and adds the blended offsets
to the engine's map (``engine.blend_image``). Scenes come
from the scene simulator (one event of the model's kind, 160 x 160 px, 10 dates, 2 cm peak,
5 mm turbulence); each map is scored by R² against the true deformation after removing both
maps' means (a scene has no absolute level).

``level``: the window level from the data. The network never sees a window's mean (each
frame loses its spatial mean, normalisation step 3), so it guesses the level of its output from
the shape. This estimator keeps the network's map but replaces its window mean by the mean of
the last-minus-first difference. It is scored on the evaluation protocol like ``tta``. The
benchmark's turbulence has zero mean over every window by construction, so the data's level
is cleaner here than on real scenes, where it carries the atmosphere between the window and
the reference point.

    python benchmarks/ablation_inference.py tta --model fault
    python benchmarks/ablation_inference.py level --model mogi
    python benchmarks/ablation_inference.py stitch --model mogi --scenes 6 --lam 1e-3 0.05 0.5
"""
import argparse
import sys

import numpy as np


def create_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("experiment", choices=("tta", "stitch", "level"))
    p.add_argument("--model", default="fault", help="fault or mogi (default: %(default)s)")
    p.add_argument("--scenes", type=int, default=6, help="stitch: simulated scenes (default: %(default)s)")
    p.add_argument("--lam", type=float, nargs="+", default=[1e-3, 0.05, 0.5],
                   help="stitch: ridge weights to try (default: %(default)s)")
    return p


def dihedral_tta(net):
    """Estimator ``f(series, dem)``: mean network prediction over the 8 symmetries of the window."""
    from mintpy_aedenoise.api import predict_normalised

    def estimate(series, dem):
        total = 0.0
        for k in range(4):
            for flip in (False, True):
                s, d = np.rot90(series, k, axes=(-2, -1)), np.rot90(dem, k, axes=(-2, -1))
                if flip:
                    s, d = s[..., ::-1], d[..., ::-1]
                pred = predict_normalised(net, np.ascontiguousarray(s), np.ascontiguousarray(d))
                total = total + np.rot90(pred[..., ::-1] if flip else pred, -k, axes=(-2, -1))
        return total / 8.0
    return estimate


def data_level(net):
    """Estimator ``f(series, dem)``: the network's map with the window mean of the naive difference."""
    from mintpy_aedenoise.api import denoise_windows
    from mintpy_aedenoise.baselines import naive_difference

    def estimate(series, dem):
        pred = denoise_windows(series, dem, model=net)
        naive = naive_difference(series)
        both = np.isfinite(pred) & np.isfinite(naive)

        def level(a):
            return np.nanmean(np.where(both, a, np.nan), axis=(-2, -1), keepdims=True)
        return np.where(both, pred - level(pred) + level(naive), np.nan)
    return estimate


def run_on_benchmark(model, name, make_estimator):
    from mintpy_aedenoise import evaluate as ev
    from mintpy_aedenoise.api import resolve_model

    net = resolve_model(model)
    res = ev.evaluate(net, net.meta["kind"], estimators={name: make_estimator(net)})
    print(ev.format_table(res))
    print(ev.summary_line(res, relative=True))
    print(ev.summary_line(res))


def patch_predictions(net, frames, dem):
    """All patches of the engine's grid: the blocks and their (K, B, 40, 40) predictions."""
    from mintpy_aedenoise.api import predict_normalised
    from mintpy_aedenoise.engine.tiles import PATCH, iter_patches

    blocks = list(iter_patches(dem.shape))
    x = np.stack([frames[:, :, b.rows, b.cols] for b in blocks])
    h = np.stack([np.broadcast_to(dem[b.rows, b.cols], (frames.shape[0], PATCH, PATCH)) for b in blocks])
    pred = predict_normalised(net, x.reshape(-1, *x.shape[2:]), h.reshape(-1, PATCH, PATCH))
    return blocks, pred.reshape(len(blocks), frames.shape[0], PATCH, PATCH)


def offset_field(blocks, offsets, shape):
    """(B, L, W) blend of the patches' constant offsets: what stitching adds to the engine's map.

    The blend is linear, so blending ``prediction + offset`` equals the engine's blend plus
    ``sum_k taper_k * offset_k / sum_k taper_k`` (``coverage``).
    """
    from mintpy_aedenoise.engine.tiles import coverage, taper

    w2 = np.outer(taper(), taper())
    num = np.zeros(offsets.shape[1:2] + shape)
    for k, b in enumerate(blocks):
        num[:, b.rows, b.cols] += w2 * offsets[k][:, None, None]
    return num / coverage(shape)


def stitch_offsets(blocks, pred, lam):
    """(K, B) offsets minimising sum_pairs W (c_i - c_j + d_ij)^2 + lam * mean(W) * sum c^2."""
    import scipy.sparse as sparse
    from scipy.sparse.linalg import splu

    from mintpy_aedenoise.engine.tiles import taper

    w2 = np.outer(taper(), taper())
    n = len(blocks)
    a = sparse.lil_matrix((n, n))
    rhs = np.zeros((n, pred.shape[1]))
    weights = []
    for i in range(n):
        for j in range(i + 1, n):
            bi, bj = blocks[i], blocks[j]
            r0, r1 = max(bi.row_start, bj.row_start), min(bi.row_stop, bj.row_stop)
            c0, c1 = max(bi.col_start, bj.col_start), min(bi.col_stop, bj.col_stop)
            if r0 >= r1 or c0 >= c1:
                continue
            si = (slice(r0 - bi.row_start, r1 - bi.row_start), slice(c0 - bi.col_start, c1 - bi.col_start))
            sj = (slice(r0 - bj.row_start, r1 - bj.row_start), slice(c0 - bj.col_start, c1 - bj.col_start))
            w = w2[si] * w2[sj]
            d = ((pred[i][:, si[0], si[1]] - pred[j][:, sj[0], sj[1]]) * w).sum(axis=(1, 2)) / w.sum()
            wsum = w.sum()
            weights.append(wsum)
            a[i, i] += wsum
            a[j, j] += wsum
            a[i, j] -= wsum
            a[j, i] -= wsum
            rhs[i] -= wsum * d
            rhs[j] += wsum * d
    a = a.tocsc() + lam * np.mean(weights) * sparse.identity(n, format="csc")
    return splu(a).solve(rhs)


def run_stitch(model, n_scenes, lams):
    from functools import partial

    from mintpy_aedenoise.api import predict_normalised, resolve_model
    from mintpy_aedenoise.engine import blend_image
    from mintpy_aedenoise.metrics import r2_per_window
    from mintpy_aedenoise.simulate import simulate_scene

    net = resolve_model(model)
    kind = net.meta["kind"]
    scores = {name: [] for name in ["naive", "blend", *(f"stitch lam={lam:g}" for lam in lams)]}
    for s in range(n_scenes):
        scene = simulate_scene(np.random.default_rng(100 + s), (160, 160), 10, events=(f"{kind}@2:7",),
                               amplitude=0.02)
        n_win = scene.timeseries.shape[0] - 8
        frames = np.stack([scene.timeseries[i:i + 9] for i in range(n_win)])
        truth = np.stack([scene.truth[i + 8] - scene.truth[i] for i in range(n_win)])
        engine, _ = blend_image(partial(predict_normalised, net), frames, scene.height)
        blocks, pred = patch_predictions(net, frames, scene.height)
        maps = {"naive": frames[:, -1] - frames[:, 0], "blend": engine}
        for lam in lams:
            offsets = stitch_offsets(blocks, pred, lam)
            maps[f"stitch lam={lam:g}"] = engine + offset_field(blocks, offsets, scene.height.shape)
        for name, m in maps.items():
            scores[name] += r2_per_window(m, truth, relative=True).tolist()
    print(f"{kind}: {n_scenes} scenes, mean R2 per map (means removed):")
    for name, values in scores.items():
        print(f"  {name:18s} {np.mean(values):8.3f}  (median {np.median(values):.3f}, {len(values)} maps)")


def main(iargs=None):
    inps = create_parser().parse_args(iargs)
    if inps.experiment == "tta":
        run_on_benchmark(inps.model, "tta8", dihedral_tta)
    elif inps.experiment == "level":
        run_on_benchmark(inps.model, "data_level", data_level)
    else:
        run_stitch(inps.model, inps.scenes, inps.lam)


if __name__ == "__main__":
    sys.exit(main())
