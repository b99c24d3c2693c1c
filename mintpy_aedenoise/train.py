"""Training on synthetic windows generated on the fly, with checkpoints and resume.

Every step draws a fresh batch from :func:`mintpy_aedenoise.synthetic.generate_windows` with
the generator seeded by ``(seed, step)``, so a resumed run sees exactly the batches an
uninterrupted run would. A background thread prepares the next batches while TensorFlow
trains on the current one.

The loss is the squared error in normalised units, weighted per window by
``1 / (var(target) + loss_eps)``: this is ``1 - R^2`` for windows well above the noise, so
that low-SNR windows count as much as loud ones, while ``loss_eps`` (``TrainConfig.loss_eps``,
default ``LOSS_EPS``) stops hopeless windows (SNR << 0.1) from dominating; a larger value
weights the windows more by their SNR.

Models with normalisation version 3 (the default) see each frame's window level, and are
trained with per-frame level noise (``TrainConfig.level_noise``): most windows get a level of
random size on every date, as on a real scene referenced to a distant point, a fraction get
none, so that the network learns from the 9 levels themselves how far to trust them.

With ``TrainConfig.ema`` > 0 the run keeps an exponential moving average of the weights
(Polyak averaging) beside the weights the optimiser updates; the exported weights, and the
validation logged at each checkpoint, are the average's. ``checkpoint.keras`` holds the
optimiser's weights and ``ema.npz`` the average, so a resumed run continues the same average.

``<kind>.weights.h5`` is always the last checkpoint's. With ``TrainConfig.keep_best`` (a name
from :func:`validation_keys`, e.g. ``r2_snr_0.1-10_level1``, or ``r2_snr_0.1-10_combined``, the
mean of that and ``r2_snr_0.1-10``) the checkpoint with the highest
value of that validation score so far is also exported, as ``<kind>.best.weights.h5``, its
sidecar's ``training.selected`` naming the score, its value and the step; the validation
windows are seeded away from every training batch and from the evaluation benchmark.
"""
import contextlib
import json
import logging
import os
import platform
import queue
import threading
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .engine import NORMALISATION_VERSION, SUPPORTED_VERSIONS, normalise_windows, version_of_model_args
from .metrics import r2_per_window
from .store import file_sha256, save_model, write_json_atomic
from .synthetic import KINDS, N_FRAMES, WINDOW, generate_windows

__all__ = ["ConfigError", "PrecisionError", "TrainConfig", "make_batch", "train", "validation_keys", "validation_set",
           "warm_start_lineage", "LOSS_EPS"]

logger = logging.getLogger(__name__)

LOSS_EPS = 0.01
#: Offset added to the step when seeding validation batches, far from any training step.
VALIDATION_SEED_OFFSET = 10**9
#: Level-noise ratio of the second validation set of a version-3 run: about a real scene's
#: (``benchmarks/level_ratio.py`` gives 1.0-2.5 for a reference 10-25 km away).
VALIDATION_LEVEL_NOISE = 1.0
#: Suffix of the validation keys scored on the windows with levels (``r2_mean_level1``).
VALIDATION_LEVEL_SUFFIX = f"_level{VALIDATION_LEVEL_NOISE:g}"
#: Key of the validation score over the evaluation protocol's range, SNR 0.1-10.
VALIDATION_PROTOCOL = "r2_snr_0.1-10"
#: Key of the score that weighs clean and realistic levels together: the mean of
#: ``r2_snr_0.1-10`` and ``r2_snr_0.1-10_level1`` (logged by runs with level noise).
VALIDATION_COMBINED = VALIDATION_PROTOCOL + "_combined"


class ConfigError(ValueError):
    """A :class:`TrainConfig` field out of range; ``field`` names it, so a CLI can name its flag."""

    def __init__(self, field, requirement, value):
        super().__init__(f"{field} {requirement}, got {value!r}")
        self.field, self.requirement, self.value = field, requirement, value


class PrecisionError(ValueError):
    """``mixed_bfloat16`` with XLA where XLA cannot compile it (:func:`bf16_jit_error`)."""


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in the checkpoint and the sidecar)."""

    kind: str = "fault"
    out_dir: str = "runs/fault"
    steps: int = 20000
    batch: int = 64
    lr: float = 1e-3
    lr_min: float = 1e-5
    warmup: int = 200
    seed: int = 0
    widths: tuple = (24, 48, 96, 128)
    head: str = "kernel"
    #: Residual blocks per level, finest first (:func:`~mintpy_aedenoise.model.build_model`); () for none.
    res_blocks: tuple = ()
    snr_range: tuple = (0.03, 10.0)
    nan_fraction: float = 0.1
    normalisation: int = NORMALISATION_VERSION
    #: (min, max) of the per-frame level std in units of the noise std, drawn log-uniformly
    #: per window; () for none. Only used by normalisation version 3.
    level_noise: tuple = (0.1, 5.0)
    #: Fraction of windows with no level noise (the turbulence's zero window mean).
    level_noise_zero: float = 0.25
    #: (fraction, max_scale) of training sources broader than the default prior
    #: (:func:`~mintpy_aedenoise.synthetic.random_source_deformation`'s ``broad``); () for none.
    #: The validation windows keep the default prior, as the evaluation protocol does.
    broad_sources: tuple = ()
    #: Offset of the per-window loss weight ``1 / (var(target) + loss_eps)``, in normalised units.
    loss_eps: float = LOSS_EPS
    init_from: str = ""
    #: Momentum of the exponential moving average of the weights that is exported (0: export
    #: the optimiser's weights as they are).
    ema: float = 0.0
    #: Validation score (one of :func:`validation_keys`) by which the best checkpoint is also
    #: exported, as ``<kind>.best.weights.h5``; "" keeps only the last.
    keep_best: str = ""
    checkpoint_every: int = 500
    time_limit: float = 0.0
    validation_size: int = 512
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.widths = tuple(int(w) for w in self.widths)
        self.res_blocks = tuple(int(n) for n in self.res_blocks)
        self.snr_range = tuple(float(s) for s in self.snr_range)
        self.level_noise = tuple(float(s) for s in self.level_noise)
        self.broad_sources = tuple(float(s) for s in self.broad_sources)

        def check(ok, name, requirement):
            if not ok:
                raise ConfigError(name, requirement, getattr(self, name))

        check(self.kind in KINDS, "kind", f"must be one of {KINDS}")
        for name in ("steps", "batch", "checkpoint_every"):
            check(getattr(self, name) >= 1, name, "must be >= 1")
        check(self.lr > 0, "lr", "must be > 0")
        check(not self.res_blocks or (len(self.res_blocks) == len(self.widths) and min(self.res_blocks) >= 0),
              "res_blocks", f"needs one count >= 0 per entry of widths ({len(self.widths)})")
        check(self.time_limit >= 0, "time_limit", "must be >= 0 (0: none)")
        check(len(self.snr_range) == 2 and 0 < self.snr_range[0] <= self.snr_range[1],
              "snr_range", "needs 0 < min <= max")
        check(self.normalisation in SUPPORTED_VERSIONS, "normalisation", f"must be one of {SUPPORTED_VERSIONS}")
        check(not self.level_noise or (len(self.level_noise) == 2 and 0 < self.level_noise[0] <= self.level_noise[1]),
              "level_noise", "needs 0 < min <= max (or () for none)")
        check(0.0 <= self.level_noise_zero <= 1.0, "level_noise_zero", "must be in [0, 1]")
        check(not self.broad_sources or (len(self.broad_sources) == 2 and 0 < self.broad_sources[0] <= 1
                                         and 1 <= self.broad_sources[1] < np.inf),
              "broad_sources", "needs 0 < FRACTION <= 1 and 1 <= MAX_SCALE (or () for none)")
        check(0.0 <= self.ema < 1.0, "ema", "must be in [0, 1)")
        check(self.loss_eps > 0, "loss_eps", "must be > 0")
        check(not self.keep_best or self.keep_best in validation_keys(self), "keep_best",
              f"must be one of {', '.join(validation_keys(self))}")

    @property
    def level_inputs(self):
        """Whether the network takes the frame levels (normalisation version 3)."""
        return self.normalisation == 3

    @property
    def uses_level_noise(self):
        """Whether batches get per-frame level noise (version 3 with a non-empty range)."""
        return self.level_inputs and bool(self.level_noise)

    @classmethod
    def from_saved(cls, saved, **override):
        """The config of a saved run; runs saved before version 3 existed used version 2 and no level noise."""
        saved = dict(saved)
        if "normalisation" not in saved:
            saved.update(normalisation=2, level_noise=(), level_noise_zero=1.0)
        return cls(**{**saved, **override})


def _level_noise(rng, n, config):
    """Per-window level-noise ratios for one batch (None when the run uses none)."""
    if not config.uses_level_noise:
        return None
    lo, hi = config.level_noise
    ratio = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    ratio[rng.random(n) < config.level_noise_zero] = 0.0
    return ratio

def make_batch(rng, config, n=None):
    """One normalised training batch: inputs, normalised targets and per-window weights."""
    n = config.batch if n is None else n
    n_nan = int(round(n * config.nan_fraction))
    broad = config.broad_sources or None
    parts = [generate_windows(rng, n - n_nan, kind=config.kind, snr_range=config.snr_range,
                              level_noise=_level_noise(rng, n - n_nan, config), broad=broad)]
    if n_nan:
        parts.append(generate_windows(rng, n_nan, kind=config.kind, snr_range=config.snr_range,
                                      extras=("nan",), level_noise=_level_noise(rng, n_nan, config),
                                      broad=broad))
    series = np.concatenate([p.series for p in parts])
    dem = np.concatenate([p.dem for p in parts])
    target = np.concatenate([p.target for p in parts])
    x, scale, _ = normalise_windows(series, dem, version=config.normalisation)
    y = target / np.where(scale > 0, scale, 1.0)[:, None, None]
    weight = 1.0 / (y.var(axis=(1, 2)) + config.loss_eps)
    # Keras weights the per-pixel loss: broadcast the window weight to every pixel
    weight = np.broadcast_to((weight / weight.mean())[:, None, None], y.shape)
    return x, y[..., None].astype(np.float32), np.ascontiguousarray(weight, dtype=np.float32)


def validation_set(config, level_noise=None):
    """A fixed validation batch (seeded away from all training steps) with its SNRs.

    With ``level_noise`` the same windows come back with per-frame levels added (the levels are
    drawn last), so the two sets differ by the levels only.
    """
    rng = np.random.default_rng([config.seed, VALIDATION_SEED_OFFSET])
    return generate_windows(rng, config.validation_size, kind=config.kind, snr_range=(0.03, 10.0),
                            level_noise=level_noise)


def warm_start_lineage(init_from):
    """Windows seen by the weights a run starts from, and by their own ancestors.

    Parameters
    ----------
    init_from : str
        ``*.weights.h5`` given to ``--init-from`` ("" for a run from scratch).

    Returns
    -------
    lineage : list of dict
        One entry per ancestor, newest first: its weights file as given, the file's SHA-256
        and the run directory that wrote it (a path such as the package's shipped weights names
        different weights after every release; the hash and the run do not), seed, steps and
        the windows it saw in its own run (empty when starting from scratch or when the donor
        has no readable sidecar).
    total : int
        Windows seen by the donor including its ancestors (0 from scratch).

    Examples
    --------
    >>> warm_start_lineage("")
    ([], 0)
    """
    if not init_from:
        return [], 0
    from .store import ModelLoadError, read_sidecar

    try:
        training = read_sidecar(init_from).get("training", {})
    except (ModelLoadError, ValueError):
        logger.warning("%s: no readable sidecar, the warm start's history is not recorded", init_from)
        return [], 0
    own = int(training.get("samples_seen", 0))
    ancestors = training.get("warm_start_lineage", [])
    if isinstance(ancestors, dict):      # weights written before the lineage was a list
        ancestors = [{"weights": k, "samples_seen": v} for k, v in ancestors.items()]
    lineage = [{"weights": init_from, "sha256": file_sha256(init_from), "run": training.get("out_dir"),
                "seed": training.get("seed"), "steps": training.get("steps"), "samples_seen": own},
               *ancestors]
    return lineage, int(training.get("samples_seen_total", own))


def _warm_start(model, init_from):
    """Load a donor's weights into ``model``; a version-2 donor seeds a version-3 network exactly."""
    from .model import transfer_weights
    from .store import ModelLoadError, load_model, sidecar_path

    if not os.path.isfile(sidecar_path(init_from)):     # bare Keras weights of the same network
        model.load_weights(init_from)
        return
    try:
        donor = load_model(init_from)
    except ModelLoadError as err:
        raise ValueError(f"--init-from {init_from}: {err}") from err
    if version_of_model_args(donor.config_args) > version_of_model_args(model.config_args):
        raise ValueError(f"--init-from {init_from}: a normalisation-3 donor cannot seed a version-2 network")
    try:                                 # other widths or another head: shapes or layers differ
        transfer_weights(donor, model)
    except ValueError as err:
        raise ValueError(f"--init-from {init_from}: network {donor.config_args} does not fit "
                         f"{model.config_args}: {err}") from err


def _lr_at(step, config):
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    frac = min(1.0, (step - config.warmup) / max(1, config.steps - config.warmup))
    return config.lr_min + 0.5 * (config.lr - config.lr_min) * (1 + np.cos(np.pi * frac))


def _hardware():
    import tensorflow as tf

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "gpus": gpus, "tensorflow": tf.__version__}


def _cpu_flags(path="/proc/cpuinfo"):
    """The CPU feature flags of the first processor in ``path`` (empty where unreadable)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bf16_jit_error(dtype_policy, jit_compile, gpus):
    """Why ``mixed_bfloat16`` with XLA cannot train here, or None.

    Without a GPU, TensorFlow's XLA refuses the mixed-precision gradient of the network's GELU
    after a bilinear up-sampling ("mixed precision is disallowed", measured with TensorFlow 2.21,
    ``benchmarks/bench_train.py --bf16``); float32, or bfloat16 without XLA, train.

    >>> bf16_jit_error("mixed_bfloat16", True, []) is not None
    True
    >>> bf16_jit_error("mixed_bfloat16", None, []), bf16_jit_error("mixed_bfloat16", True, ["GPU:0"])
    (None, None)
    """
    if dtype_policy != "mixed_bfloat16" or not jit_compile or gpus:
        return None
    return ("mixed_bfloat16 with XLA fails without a GPU: TensorFlow's XLA refuses the network's "
            "mixed-precision gradient; train without XLA (jit_compile, aedenoise_train.py --jit) "
            "or in float32")


def bf16_warning(dtype_policy, gpus, cpu_flags):
    """Why ``mixed_bfloat16`` will be slow here, or None.

    Without a GPU, bfloat16 arithmetic is fast only on CPUs with native support (AVX-512 BF16 or
    AMX); elsewhere TensorFlow emulates it. Measured on a 2-core AMD EPYC (Zen 3, no AVX-512):
    6-7 windows/s with ``--bf16`` against 44-58 in float32 (docs/performance.md).

    Examples
    --------
    >>> bf16_warning("mixed_bfloat16", [], {"avx2", "fma"}) is not None
    True
    >>> bf16_warning("mixed_bfloat16", [], {"avx512_bf16"}), bf16_warning("float32", [], set())
    (None, None)
    """
    if dtype_policy != "mixed_bfloat16" or gpus or cpu_flags & {"avx512_bf16", "amx_bf16"}:
        return None
    return ("mixed_bfloat16 without a GPU on a CPU without AVX-512 BF16 or AMX: TensorFlow "
            "emulates bfloat16 and trains several times slower than float32; drop --bf16")


class _Producer:
    """Background thread that fills a queue with batches for steps start, start+1, ..."""

    def __init__(self, config, start):
        self.config, self.step = config, start
        self.q = queue.Queue(maxsize=3)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            rng = np.random.default_rng([self.config.seed, self.step])
            item = make_batch(rng, self.config)
            while not self.stop.is_set():
                try:
                    self.q.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue
            self.step += 1

    def get(self):
        return self.q.get()

    def close(self):
        self.stop.set()


class _WeightAverage:
    """Exponential moving average of a model's weights, kept in NumPy beside the training.

    ``update()`` after every optimiser step; ``applied()`` swaps the average into the model for
    validation and export, and puts the optimiser's weights back afterwards. ``save(step)``
    writes the average and its step atomically to ``path``. A run resumed at ``step`` > 0 reads
    the average back if it was saved at that same step; otherwise (no file, or one from another
    step after an interrupted checkpoint) the average restarts from the model's weights, with a
    warning. A new run (``step`` 0) ignores any file left by an earlier run in the same folder.
    """

    def __init__(self, model, momentum, path, step=0):
        self.model, self.momentum, self.path = model, momentum, path
        current = model.get_weights()
        self.average = [w.astype(np.float64) for w in current]
        if not step:
            return
        stored, stored_step = self.load(path) if os.path.isfile(path) else (None, None)
        if stored_step != step:
            logger.warning("%s: %s; the weight average restarts from the checkpoint at step %d", path,
                           "missing" if stored is None else f"saved at step {stored_step}", step)
            return
        if [a.shape for a in stored] != [w.shape for w in current]:
            raise ValueError(f"{path}: the stored weight average does not fit the network")
        self.average = [a.astype(np.float64) for a in stored]

    @staticmethod
    def load(path):
        """The stored average (list of arrays) and the step it was saved at (None if unknown)."""
        with np.load(path) as saved:
            n = sum(1 for k in saved.files if k.startswith("w"))
            step = int(saved["step"]) if "step" in saved.files else None
            return [saved[f"w{i}"] for i in range(n)], step

    def update(self):
        for avg, w in zip(self.average, self.model.get_weights()):
            avg += (1.0 - self.momentum) * (w - avg)

    def save(self, step):
        tmp = self.path + ".tmp.npz"
        try:
            np.savez(tmp, step=step, **{f"w{i}": a for i, a in enumerate(self.average)})
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @contextlib.contextmanager
    def applied(self):
        raw = self.model.get_weights()
        self.model.set_weights([a.astype(w.dtype) for a, w in zip(self.average, raw)])
        try:
            yield
        finally:
            self.model.set_weights(raw)


def _validate(model, val, val_level=None):
    """R2 of the validation windows by SNR band; with ``val_level`` the same keys again, suffixed
    ``_level<r>`` (``_level1``), for the windows with levels r = :data:`VALIDATION_LEVEL_NOISE`,
    and their mean over SNR 0.1-10 as :data:`VALIDATION_COMBINED`."""
    out = _validation_scores(model, val)
    if val_level is not None:
        out.update({k + VALIDATION_LEVEL_SUFFIX: v for k, v in _validation_scores(model, val_level).items()})
        pair = (out[VALIDATION_PROTOCOL], out[VALIDATION_PROTOCOL + VALIDATION_LEVEL_SUFFIX])
        out[VALIDATION_COMBINED] = None if None in pair else (pair[0] + pair[1]) / 2
    return out


#: SNR bands of the validation scores (``r2_snr_<lo>-<hi>``).
VALIDATION_BANDS = ((0.03, 0.1), (0.1, 0.3), (0.3, 1.0), (1.0, 3.0), (3.0, 10.0))


def validation_keys(config):
    """Names of the validation scores a run of ``config`` logs at each checkpoint."""
    keys = [f"r2_snr_{lo}-{hi}" for lo, hi in VALIDATION_BANDS] + [VALIDATION_PROTOCOL, "r2_mean"]
    if config.uses_level_noise:
        keys += [k + VALIDATION_LEVEL_SUFFIX for k in keys] + [VALIDATION_COMBINED]
    return keys


def _validation_scores(model, val):
    from .api import predict_normalised

    r2 = r2_per_window(predict_normalised(model, val.series, val.dem, batch_size=128), val.target)
    out = {}
    for lo, hi in VALIDATION_BANDS:
        sel = (val.snr >= lo) & (val.snr < hi)
        out[f"r2_snr_{lo}-{hi}"] = float(np.nanmean(r2[sel])) if sel.any() else None
    sel = val.snr >= 0.1                 # the evaluation protocol's range, SNR 0.1-10
    out[VALIDATION_PROTOCOL] = float(np.nanmean(r2[sel])) if sel.any() else None
    out["r2_mean"] = float(np.nanmean(r2))
    return out


def train(config, resume=False, dtype_policy=None, jit_compile=None):
    """Train (or resume) a model; returns the path of the exported weights.

    Parameters
    ----------
    config : TrainConfig
        The run definition.
    resume : bool
        Continue from ``out_dir/checkpoint.keras`` if it and ``state.json`` exist; otherwise
        start a fresh run (refused like one on the asked ``dtype_policy``).
    dtype_policy : str or None
        Keras dtype policy of a new network (None: float32); a resumed run keeps its
        checkpoint's, which the sidecar records, and warns when one was asked that differs.
    jit_compile : bool or None
        Compile the training step with XLA (True) or not (False); None leaves Keras's own choice,
        on with a GPU and off without one (on a 2-core AVX2 CPU XLA made no measurable
        difference, docs/performance.md). A run-time option: a resumed run may change it, and
        the sidecar records what was used.

    Returns
    -------
    str
        Path of ``out_dir/<kind>.weights.h5`` (with its JSON sidecar).

    Raises
    ------
    PrecisionError
        The network would train in ``mixed_bfloat16`` with XLA and no GPU is present: a fresh
        run's asked policy, before anything is written, or a resumed checkpoint's.
    """
    import keras

    from .model import build_model, custom_objects, model_config_args, model_summary

    gpus = _hardware()["gpus"]
    ckpt = os.path.join(config.out_dir, "checkpoint.keras")
    state_file = os.path.join(config.out_dir, "state.json")
    resume = resume and os.path.isfile(ckpt) and os.path.isfile(state_file)
    export = os.path.join(config.out_dir, f"{config.kind}.weights.h5")
    export_best = os.path.join(config.out_dir, f"{config.kind}.best.weights.h5")

    state = {"step": 0, "wall_time": 0.0, "history": []}
    if resume:
        with open(state_file) as f:
            state = json.load(f)
        config = TrainConfig.from_saved(state["config"], steps=config.steps,
                                        time_limit=config.time_limit, out_dir=config.out_dir)
        model = keras.models.load_model(ckpt, compile=True, custom_objects=custom_objects())
        model.config_args = model_config_args(N_FRAMES, config.widths, config.head, config.level_inputs,
                                              config.res_blocks)
        # the optimiser's step count at the checkpoint that state.json describes (states written
        # before it was recorded: the step itself)
        done = int(np.asarray(model.optimizer.iterations))
        ahead = done - state.get("iterations", state["step"])
        if ahead < 0:
            raise RuntimeError(f"{ckpt} is older than {state_file} (its optimiser is {-ahead} steps "
                               "behind): the run folder was changed by hand; restore the pair")
        if ahead:
            # a run stopped between replacing checkpoint.keras and state.json: the weights are
            # those of the newer checkpoint, so count from it (the state's last validation and
            # wall time are then those of the checkpoint before)
            logger.warning("%s is %d optimiser steps ahead of %s (a run stopped while writing its "
                           "checkpoint): continuing from step %d", ckpt, ahead, state_file,
                           state["step"] + ahead)
            state["step"] += ahead
            state["iterations"] = done
        logger.info("resumed %s at step %d; the run's saved options apply, except --steps, "
                    "--time-limit and run-time flags", ckpt, state["step"])
    else:
        keras.utils.set_random_seed(config.seed)
        model = build_model(widths=config.widths, size=(WINDOW, WINDOW), dtype_policy=dtype_policy or "float32",
                            seed=config.seed, head=config.head, level_inputs=config.level_inputs,
                            res_blocks=config.res_blocks)
        if config.init_from:
            _warm_start(model, config.init_from)
            logger.info("warm start from %s", config.init_from)
        model.compile(optimizer=keras.optimizers.Adam(config.lr), loss="mse")
    if jit_compile is not None:              # read when the first step builds the train function
        model.jit_compile = jit_compile
    # a resumed network keeps the policy it was saved with, whatever was asked
    asked_policy = dtype_policy
    dtype_policy = ("mixed_bfloat16" if any(getattr(layer, "compute_dtype", None) == "bfloat16"
                                            for layer in model.layers) else "float32")
    if resume and asked_policy is not None and dtype_policy != asked_policy:
        logger.warning("%s trains on in %s, the policy it was saved with, not in the %s asked",
                       ckpt, dtype_policy, asked_policy)
    refused = bf16_jit_error(dtype_policy, model.jit_compile, gpus)
    if refused:        # before anything is written
        raise PrecisionError(f"{ckpt}: {refused}" if resume else refused)
    os.makedirs(config.out_dir, exist_ok=True)
    slow = dtype_policy == "mixed_bfloat16" and bf16_warning(dtype_policy, gpus, _cpu_flags())
    if slow:
        logger.warning(slow)
    summary = model_summary(model)
    logger.info("model: %d parameters, %.0f FLOPs per pixel-window",
                summary["parameters"], summary["flops_per_pixel_window"])

    if "lineage" not in state:     # read once: a resumed run keeps it even if the donor changed
        state["lineage"], state["donor_samples"] = warm_start_lineage(config.init_from)
    lineage, donor_total = state["lineage"], state["donor_samples"]
    val = validation_set(config)
    val_level = validation_set(config, VALIDATION_LEVEL_NOISE) if config.uses_level_noise else None
    average = (_WeightAverage(model, config.ema, os.path.join(config.out_dir, "ema.npz"), state["step"])
               if config.ema else None)
    producer = _Producer(config, state["step"])
    t_start = time.time()
    wall0 = state["wall_time"]
    t_log, n_log, loss_acc = time.time(), 0, 0.0
    step = state["step"]

    def exported():
        """The weights that are validated and exported: the average's, if the run keeps one."""
        return average.applied() if average else contextlib.nullcontext()

    def checkpoint():
        # validation and exports first, then the three resume files back to back, the state
        # last: a stop in between leaves checkpoint.keras and ema.npz ahead of state.json,
        # which a resume detects from the optimiser's step count
        # the optimiser's own weights: a score to compare the average with
        raw = ({k + "_raw": v for k, v in _validate(model, val, val_level).items() if k.startswith("r2_mean")}
               if average else {})
        with exported():                 # validate and export the average's weights
            metrics = {**_validate(model, val, val_level), **raw}
            state.update(step=step, wall_time=wall0 + time.time() - t_start, config=asdict(config))
            state["history"].append({"step": step, "samples": step * config.batch, **metrics})
            value = metrics.get(config.keep_best) if config.keep_best else None
            if value is not None and (state.get("best") is None or value > state["best"]["value"]):
                # written before the state that names it, so the state never names a missing file
                best = {"metric": config.keep_best, "value": value, "step": step}
                _export(metrics, export_best, best)
                state["best"] = best
            _export(metrics)
        state["iterations"] = int(np.asarray(model.optimizer.iterations))
        model.save(ckpt + ".tmp.keras")
        os.replace(ckpt + ".tmp.keras", ckpt)
        if average:
            average.save(step)
        write_json_atomic(state_file, state)

    def _export(metrics, path=export, selected=None):
        meta = {
            "kind": config.kind,
            "inference": {"n_frames": N_FRAMES, "patch": WINDOW, "overlap": WINDOW // 2},
            "training": {"samples_seen": step * config.batch, "steps": step, "seed": config.seed,
                         "samples_seen_total": donor_total + step * config.batch,
                         "out_dir": config.out_dir,
                         "warm_start_lineage": lineage,
                         "batch": config.batch, "init_from": config.init_from, "lr_schedule": {
                             "type": "linear warmup + cosine", "lr": config.lr,
                             "lr_min": config.lr_min, "warmup": config.warmup,
                             "total_steps": config.steps},
                         "weight_average": {"type": "exponential moving average",
                                            "momentum": config.ema} if config.ema else None,
                         "snr_range": list(config.snr_range), "nan_fraction": config.nan_fraction,
                         "level_noise": {"ratio_range": list(config.level_noise),
                                         "zero_fraction": config.level_noise_zero}
                         if config.uses_level_noise else None,
                         "broad_sources": {"fraction": config.broad_sources[0],
                                           "max_scale": config.broad_sources[1]}
                         if config.broad_sources else None,
                         "loss": f"per-window weighted MSE, weight 1/(var(target)+{config.loss_eps})",
                         "wall_time_s": round(state["wall_time"], 1), "hardware": _hardware(),
                         "dtype_policy": dtype_policy, "jit_compile": bool(model.jit_compile),
                         # the best checkpoint by a validation score (--keep-best), or None
                         "selected": selected},
            "validation": metrics,
            "summary": summary,
        }
        save_model(model, path, meta)
        if selected:
            logger.info("best %s so far (%.3f) at step %d: %s", selected["metric"], selected["value"],
                        step, path)
        else:
            logger.info("checkpoint at step %d: %s", step,
                        " ".join(f"{k}={v:.3f}" for k, v in metrics.items() if v is not None))

    try:
        while step < config.steps:
            x, y, w = producer.get()
            model.optimizer.learning_rate.assign(_lr_at(step, config))
            loss = model.train_on_batch(x, y, sample_weight=w)
            if average:
                average.update()
            loss_acc += float(np.asarray(loss).ravel()[0])
            step += 1
            n_log += 1
            if time.time() - t_log > 30 or step == config.steps:
                rate = n_log * config.batch / (time.time() - t_log)
                eta = (config.steps - step) * config.batch / max(rate, 1e-9)
                logger.info("step %d/%d loss %.4f lr %.2e %.0f windows/s ETA %.0f min",
                            step, config.steps, loss_acc / n_log, _lr_at(step, config), rate, eta / 60)
                t_log, n_log, loss_acc = time.time(), 0, 0.0
            if step % config.checkpoint_every == 0 or step == config.steps:
                checkpoint()
            if config.time_limit and time.time() - t_start > config.time_limit * 60:
                logger.info("time limit reached at step %d", step)
                if step % config.checkpoint_every:
                    checkpoint()
                break
    finally:
        producer.close()
    return export
