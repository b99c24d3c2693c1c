"""The denoising workflow on MintPy files: time series in, sliding-window deformation out.

:func:`run` takes a :class:`DenoiseConfig` (no argv) and

1. validates the inputs (:mod:`mintpy_aedenoise.mintpy_io`) and the model name, and checks
   that the output can be written, before any computation;
2. skips the run in update mode when the output exists and was made from the same input
   files (paths, sizes, modification times) with the same options;
3. streams strips of ``tile_rows`` rows through time (every date of a strip is read once into
   a rolling buffer of 9 frames, :mod:`mintpy_aedenoise.engine.windows`), predicts each 9-date
   window with overlapping 40 x 40 patches and blends them
   (:mod:`mintpy_aedenoise.engine.tiles`), and writes each strip of each window, relative to
   the input's reference pixel (``REF_Y/REF_X``: the strip holding it goes first, so every map's
   value there is known before any other strip is written);
4. moves the finished file into place (a failed run leaves nothing behind).

Peak memory is a few strip buffers (about ``4 * 9 * (tile_rows + 80) * width`` float32 plus
the patch batch), whatever the number of dates or the scene length.
"""
import functools
import logging
import os
import time
import warnings
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np

from . import mintpy_io as mio
from .engine import PATCH, blend_strip, input_rows, iter_blocks, iter_window_frames, window_dates
from .store import resolve_weights
from .synthetic import N_FRAMES
from .version import __version__

__all__ = ["DenoiseConfig", "run"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DenoiseConfig:
    """Options of one denoising run.

    Attributes
    ----------
    ts_file : str
        MintPy time-series file (``timeseries_ERA5_demErr.h5`` ...), >= 9 dates.
    geom_file : str or None
        Geometry file with ``height``; None looks for ``inputs/geometryRadar.h5`` or
        ``geometryGeo.h5`` next to ``ts_file``.
    model : str
        "fault", "mogi" (shipped weights) or the path of a ``*.weights.h5`` file.
    mask_file : str or None
        Mask (e.g. ``maskTempCoh.h5``): pixels where it is 0 are ignored and come out NaN.
    out_file : str
        Output MintPy time-series file.
    patch : int or None
        Patch size; None for the model's training window (sidecar ``inference.patch``, 40).
    overlap : int
        Overlap of neighbouring patches in pixels, ``0 <= overlap < patch``.
    tile_rows : int
        Rows per strip (memory/speed trade-off; results do not depend on it).
    batch_size : int
        Patches per forward pass.
    uncertainty : bool
        Also write the spread of the overlapping patch predictions to
        ``<out_file>_std.h5`` (see :func:`mintpy_aedenoise.mintpy_io.uncertainty_file`).
    update_mode : bool
        Skip the run when the output is up to date.
    """

    ts_file: str
    geom_file: Optional[str] = None
    model: str = "fault"
    mask_file: Optional[str] = None
    out_file: str = "deformation_ae.h5"
    patch: Optional[int] = None
    overlap: int = 20
    tile_rows: int = 256
    batch_size: int = 64
    uncertainty: bool = False
    update_mode: bool = True

    def __post_init__(self):
        for name in ("tile_rows", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.overlap < 0:
            raise ValueError(f"overlap must be >= 0, got {self.overlap}")
        if self.patch is not None and self.patch < 8:
            raise ValueError(f"patch must be >= 8 pixels, got {self.patch}")


def run(config):
    """Denoise a MintPy time series into sliding-window deformation maps.

    Parameters
    ----------
    config : DenoiseConfig
        The options.

    Returns
    -------
    str
        Path of the output file (written, or up to date and skipped).

    Raises
    ------
    FileNotFoundError, InputError
        Bad inputs or an output that cannot be written (nothing is written).
    ValueError
        Unknown model name or inconsistent options.
    ModelLoadError
        Missing or corrupt weights (the message names the file).
    """
    from .api import predict_normalised, resolve_model

    cfg = config
    t_start = time.time()
    ts = mio.open_timeseries(cfg.ts_file)
    mio.warn_if_no_tropo(ts.path)
    geom_file = cfg.geom_file or mio.find_geometry_file(ts.path)
    if geom_file is None:
        raise mio.InputError(f"{ts.path}: no geometry file found (inputs/geometryRadar.h5 or "
                             "geometryGeo.h5 next to it); give one with -g")
    has_height = mio.check_geometry(geom_file, ts.shape, ts)
    mask_dataset = mio.check_mask(cfg.mask_file, ts.shape, ts) if cfg.mask_file else None

    weights_file, meta = resolve_weights(cfg.model)
    length = int(meta["model"].get("n_frames", N_FRAMES))
    patch = int(cfg.patch or meta.get("inference", {}).get("patch", PATCH))
    if not 0 <= cfg.overlap < patch:
        raise ValueError(f"overlap must be in [0, {patch}) for {patch} x {patch} patches, got {cfg.overlap}")
    if ts.n_dates < length:
        raise mio.InputError(f"{ts.path}: {ts.n_dates} dates, the model needs windows of {length}")

    out_files = [cfg.out_file] + ([mio.uncertainty_file(cfg.out_file)] if cfg.uncertainty else [])
    inputs = {"timeseries": ts.path, "geometry": geom_file, "mask": cfg.mask_file, "weights": weights_file}
    for f in out_files:
        mio.check_output_path(f, inputs=inputs.values())
    options = {k: v for k, v in asdict(cfg).items()
               if k not in ("ts_file", "geom_file", "mask_file", "out_file", "update_mode")}
    # reference: maps relative to REF_Y/REF_X (outputs made before that was so are re-made)
    options.update(patch=patch, out_files=[os.path.abspath(f) for f in out_files], version=__version__,
                   reference=list(ts.ref_yx) if ts.ref_yx else None)
    fprint = mio.fingerprint(inputs, options)
    # what the maps depend on, whatever the outputs: tells a stale <out>_std.h5 from a current one
    maps_fprint = mio.fingerprint(inputs, {k: v for k, v in options.items()
                                           if k not in ("uncertainty", "out_files")})
    if cfg.update_mode and mio.is_up_to_date(out_files, inputs.values(), fprint):
        logger.info("%s is up to date (same inputs and options): skip", cfg.out_file)
        return cfg.out_file

    start_dates, end_dates = window_dates(ts.dates, length)
    provenance = _provenance(cfg, meta, weights_file=weights_file, geom_file=geom_file, has_height=has_height,
                             length=length, patch=patch, fprint=fprint, ts=ts)
    provenance["AE_MAPS_FINGERPRINT"] = maps_fprint
    products = [provenance]
    if cfg.uncertainty:
        products.append(dict(provenance, AE_PRODUCT="weighted std of the overlapping patch predictions",
                             AE_REFERENCE="none (a spread)"))
    n_maps = len(end_dates)
    logger.info("%s: %d dates -> %d maps of %d x %d px, model %s (%s), patch %d, overlap %d",
                ts.path, ts.n_dates, n_maps, ts.length, ts.width, cfg.model, meta.get("kind"), patch, cfg.overlap)

    with ExitStack() as stack:
        writers = [stack.enter_context(mio.OutputFile(
            path, (n_maps,) + ts.shape, end_dates, start_dates, ts.bperp[length - 1:],
            mio.output_metadata(ts, end_dates, extra, referenced=k == 0 and ts.ref_yx is not None)))
            for k, (path, extra) in enumerate(zip(out_files, products))]
        model = resolve_model(cfg.model)
        predict = functools.partial(predict_normalised, model, batch_size=cfg.batch_size)
        strips = list(iter_blocks(ts.shape, (cfg.tile_rows, ts.width)))
        reference = _Reference(ts.ref_yx, n_maps, ts.path)
        strips.sort(key=lambda strip: not reference.in_rows(strip.row_start, strip.row_stop))
        has_data = False
        for i, strip in enumerate(strips):
            has_data |= _denoise_strip(ts, strip, writers, predict, reference, geom_file=geom_file,
                                       has_height=has_height, mask_file=cfg.mask_file, mask_dataset=mask_dataset,
                                       length=length, patch=patch, overlap=cfg.overlap, batch_size=cfg.batch_size)
            elapsed = time.time() - t_start
            logger.info("strip %d/%d (rows %d-%d) done, %.1f s elapsed, ETA %.0f s", i + 1, len(strips),
                        strip.row_start, strip.row_stop, elapsed, elapsed / (i + 1) * (len(strips) - i - 1))
        if not has_data:   # nothing is committed: the temporary outputs are removed
            where = f" inside the mask {cfg.mask_file}" if cfg.mask_file else ""
            dem = f", or its height in {geom_file} is NaN" if has_height else ""
            raise mio.InputError(f"{ts.path}: no pixel with data{where} (every value is NaN, or 0 on every "
                                 f"date as MintPy marks failed pixels{dem}): nothing to denoise")
        if reference.unreferenced:
            writers[0].update_attributes(drop=mio.REF_KEYS, set_attrs={"AE_REFERENCE": reference.describe()})
        for writer in writers:
            writer.commit()
    logger.info("%d maps written to %s in %.1f s", n_maps, cfg.out_file, time.time() - t_start)
    if not cfg.uncertainty:
        _warn_if_stale_uncertainty(cfg.out_file, maps_fprint)
    return cfg.out_file


def _warn_if_stale_uncertainty(out_file, maps_fprint):
    """Warn when ``<out>_std.h5`` of an earlier run lies beside maps it was not made with.

    ``maps_fprint`` covers the inputs and the options the maps depend on, not which outputs
    were written, so a spread made with the same inputs and options is not flagged.
    """
    std_file = mio.uncertainty_file(out_file)
    if not os.path.isfile(std_file):
        return
    from mintpy.utils import readfile

    try:
        theirs = readfile.read_attribute(std_file).get("AE_MAPS_FINGERPRINT")
    except Exception:        # unreadable: certainly not this run's
        theirs = None
    if theirs != maps_fprint:
        logger.warning("%s is from an earlier run and does not match %s: remove it, or run with "
                       "--uncertainty (mintpy.aedenoise.uncertainty = yes) to remake it", std_file, out_file)


def _provenance(cfg, meta, *, weights_file, geom_file, has_height, length, patch, fprint, ts):
    """``AE_*`` attributes of the output: model, weights, engine settings, inputs, fingerprint."""
    if ts.ref_yx:
        reference = "REF_Y/REF_X: every map is 0 there"
    elif "REF_Y" in ts.attrs and "REF_X" in ts.attrs:     # outside a subset, or not integers
        reference = f"none (the input's REF_Y/REF_X = {ts.attrs['REF_Y']}, {ts.attrs['REF_X']} is not a pixel of it)"
    else:
        reference = "none (the input has none)"
    return {
        "AE_MODEL": cfg.model, "AE_MODEL_KIND": meta.get("kind", "unknown"),
        "AE_WEIGHTS_FILE": os.path.abspath(weights_file),
        "AE_WEIGHTS_VERSION": f"min_package_version={meta['min_package_version']} "
                              f"samples_seen={meta.get('training', {}).get('samples_seen', 'unknown')}",
        "AE_WINDOW": length, "AE_PATCH": patch, "AE_OVERLAP": cfg.overlap, "AE_TILE_ROWS": cfg.tile_rows,
        "AE_INPUT_FILE": os.path.abspath(cfg.ts_file),
        "AE_GEOMETRY_FILE": os.path.abspath(geom_file) + ("" if has_height else " (no height: flat elevation)"),
        "AE_MASK_FILE": os.path.abspath(cfg.mask_file) if cfg.mask_file else "none",
        "AE_REFERENCE": reference,
        "AE_VERSION": __version__, "AE_FINGERPRINT": fprint,
        "AE_PRODUCT": "deformation from /startDate to /date (one window of consecutive acquisitions)",
    }


class _Reference:
    """Each output map relative to the input's reference pixel, as MintPy time series are.

    The network's maps have no fixed reference (each patch is normalised on its own), so the
    value of map ``k`` at ``REF_Y/REF_X`` is subtracted from all of it. The strip that holds
    the reference pixel must be applied first; it records the offsets. Without a reference
    pixel in the input, maps are written as predicted. A map that is NaN at the reference
    (the pixel masked, or without data) is written as predicted and listed in
    :attr:`unreferenced`; the caller then drops ``REF_*`` from the output.

    Parameters
    ----------
    ref_yx : tuple of int or None
        Reference pixel (row, column) of the input.
    n_maps : int
        Number of output maps.
    name : str
        Input file, for the warning when the reference pixel comes out NaN.
    """

    def __init__(self, ref_yx, n_maps, name):
        self.ref_yx = ref_yx
        self.offsets = np.full(n_maps, np.nan)
        self.name = name
        self.unreferenced = []

    def in_rows(self, y0, y1):
        """True if the reference pixel lies in rows ``[y0, y1)``."""
        return self.ref_yx is not None and y0 <= self.ref_yx[0] < y1

    def apply(self, index, y0, data):
        """``data`` (rows from ``y0``, full width) of map ``index`` minus its reference value."""
        if self.ref_yx is None:
            return data
        if self.in_rows(y0, y0 + data.shape[0]):
            value = float(data[self.ref_yx[0] - y0, self.ref_yx[1]])
            if not np.isfinite(value):
                if not self.unreferenced:
                    warnings.warn(f"{self.name}: reference pixel (y, x) = {tuple(self.ref_yx)} is NaN in output "
                                  f"map {index} (masked or no valid data): such maps are written unreferenced "
                                  "and the output gets no REF_Y/REF_X", RuntimeWarning, stacklevel=2)
                self.unreferenced.append(index)
                value = 0.0
            self.offsets[index] = value
        if np.isnan(self.offsets[index]):
            raise RuntimeError(f"map {index}: the strip with the reference pixel must be processed first")
        return data - np.float32(self.offsets[index])

    def describe(self):
        """``AE_REFERENCE`` when some maps are unreferenced."""
        n, bad = len(self.offsets), len(self.unreferenced)
        text = (f"none: REF_Y/REF_X = {tuple(self.ref_yx)} of the input is NaN in {bad} of {n} maps "
                "(written as predicted)")
        return text if bad == n else text + "; the other maps are 0 there"


def _denoise_strip(ts, strip, writers, predict, reference, *, geom_file, has_height, mask_file, mask_dataset,
                   length, patch, overlap, batch_size):
    """Predict and write every window over the output rows of ``strip``; whether a finite value was
    written to the deformation maps (looked for until the first one is found)."""
    y0, y1 = strip.row_start, strip.row_stop
    has_data = False
    r0, r1 = input_rows((y0, y1), ts.length, patch)
    rows = slice(r0, r1)
    dem = mio.read_height(geom_file, rows, ts.width, has_height)
    valid = mio.read_mask(mask_file, rows, ts.width, mask_dataset) if mask_file else None
    for win, frames in iter_window_frames(lambda d, r: mio.read_frame(ts, d, r), ts.n_dates, rows, length):
        mio.nan_where_zero(frames, r0, ts.ref_yx)
        maps, std = blend_strip(predict, frames[None], dem, (y0, y1), ts.shape, row_offset=r0, patch=patch,
                                overlap=overlap, mask=valid, uncertainty=len(writers) > 1,
                                batch_size=batch_size)
        has_data = has_data or bool(np.isfinite(maps[0]).any())
        writers[0].write(win.index, (y0, y1), reference.apply(win.index, y0, maps[0]))
        if std is not None:
            writers[1].write(win.index, (y0, y1), std[0])
    return has_data
