"""MintPy adapter: find, validate and read the inputs; write the output atomically.

All MintPy file conventions live here, and nowhere else:

- MintPy reads a ``box = (x0, y0, x1, y1)`` and writes a ``block = [t0, t1, y0, y1, x0, x1]``;
  the rest of the package works on strips of rows ``(y0, y1)`` over the full width, converted
  once by :func:`rows_to_box` and :func:`rows_to_block`;
- ``readfile.read`` squeezes size-1 dimensions; the readers here always return (rows, width);
- MintPy writes 0 where the network inversion failed: :func:`nan_where_zero` turns pixels that
  are exactly 0 on every date of a window into NaN (the reference pixel, 0 by construction,
  is kept);
- a geometry file without ``height`` is accepted with a loud warning and a flat (zero)
  elevation: the network then cannot separate the stratified delay from deformation.

The output is a genuine MintPy time-series file that ``info.py``, ``view.py``, ``tsview.py``,
``subset.py`` and ``save_kmz.py`` read:

- ``/timeseries`` (n - 8, length, width) float32 metres: the deformation of each 9-date window,
  relative to the input's reference pixel (0 there, as in the input);
- ``/date``: the window *end* dates; ``/startDate``: the window start dates;
- ``/bperp``: the perpendicular baseline at the end dates;
- the input's attributes (geocoding, ``REF_Y/REF_X``, ``WAVELENGTH``, ``HEADING`` ...) minus
  ``REF_DATE`` (the input's reference date is not an end date, and ``tsview.py`` would look
  it up), plus ``AE_*`` provenance attributes and an options fingerprint for update mode.

The optional uncertainty goes to a separate file with the same layout
(:func:`uncertainty_file`, ``deformation_ae_std.h5`` by default), so that the main output
keeps MintPy's plain time-series structure, which every MintPy tool expects. A spread has no
reference point, so that file carries no ``REF_Y/REF_X/REF_LAT/REF_LON``.
"""
import hashlib
import json
import logging
import os
import re
import socket
import tempfile
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .store import default_file_mode

__all__ = ["InputError", "TimeSeriesFile", "TROPO_SUFFIXES", "open_timeseries", "check_geometry",
           "check_mask", "find_timeseries_file", "find_geometry_file", "has_tropo_correction",
           "warn_if_no_tropo", "rows_to_box", "rows_to_block", "read_frame", "read_height",
           "read_mask", "nan_where_zero", "uncertainty_file", "check_output_path",
           "fingerprint", "is_up_to_date", "output_metadata", "OutputFile", "remove_stale_temporaries"]

logger = logging.getLogger(__name__)

#: File-name suffixes of MintPy's tropospheric corrections: the pyaps3 weather models
#: (``timeseries_ERA5.h5`` ...), GACOS, OPERA and the phase/elevation fit (``_tropHgt``).
TROPO_SUFFIXES = ("ERA5", "ERA5T", "ERAINT", "ERAI", "MERRA", "MERRA2", "NARR", "HRES",
                  "GACOS", "OPERA", "tropHgt")


class InputError(ValueError):
    """An input file is not what the denoiser needs (the message names the file)."""


def _attributes(path, what):
    """MintPy attributes of ``path``, with errors that name the file."""
    from mintpy.utils import readfile

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: {what} file not found")
    try:
        return readfile.read_attribute(path)
    except Exception as err:  # readfile raises many types for foreign files
        raise InputError(f"{path}: cannot read it as a MintPy {what} file ({err})") from err


def _check_shape(path, atr, shape, what):
    size = (int(atr.get("LENGTH", -1)), int(atr.get("WIDTH", -1)))
    if size != tuple(shape):
        raise InputError(f"{path}: {what} is {size[0]} x {size[1]} pixels but the time series is "
                         f"{shape[0]} x {shape[1]}")


def _check_grid(path, atr, ts, what):
    """``path`` covers the pixels of the time series ``ts``: both geocoded on the same grid, or
    both in radar coordinates and of the same subset where both record one."""
    if ts is None:
        return
    geo, ts_geo = "Y_FIRST" in atr, "Y_FIRST" in ts.attrs
    coords = {True: "geocoded", False: "in radar coordinates"}
    if geo != ts_geo:
        hint = "geometryGeo.h5" if ts_geo else "inputs/geometryRadar.h5"
        raise InputError(f"{path}: {what} is {coords[geo]} but the time series {ts.path} is {coords[ts_geo]}; "
                         f"give the file of the same coordinates (for the geometry: {hint})")
    checks = []
    if geo:
        # tolerances of 1 % of a pixel: at the first pixel, and over the image for the steps
        span = max(ts.length, ts.width)
        for first, step in (("Y_FIRST", "Y_STEP"), ("X_FIRST", "X_STEP")):
            try:
                pixel = abs(float(ts.attrs[step]))
            except (KeyError, ValueError):
                continue
            checks += [(first, 0.01 * pixel), (step, 0.01 * pixel / span)]
    else:
        # radar files of one subset (geocode.py keeps the radar SUBSET_* keys in geocoded files)
        checks += [(k, 0) for k in ("SUBSET_YMIN", "SUBSET_XMIN") if k in atr and k in ts.attrs]
    for key, tol in checks:
        try:
            mine, theirs = float(atr[key]), float(ts.attrs[key])
        except (KeyError, ValueError):
            raise InputError(f"{path}: {what} has no valid {key} but the time series {ts.path} has "
                             f"{ts.attrs.get(key)}") from None
        if abs(mine - theirs) > tol:
            raise InputError(f"{path}: {what} is on another grid than the time series {ts.path} "
                             f"({key} = {atr[key]} against {ts.attrs[key]})")


def _check_pixels(path, atr, shape, ts, what):
    """``path`` holds the pixels of the time series: the coordinates first, since a file of the
    other coordinates mostly differs in size too, then the size."""
    _check_grid(path, atr, ts, what)
    _check_shape(path, atr, shape, what)


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class TimeSeriesFile:
    """A validated MintPy time-series file (opened read-only by :func:`open_timeseries`).

    Attributes
    ----------
    path : str
        The file.
    dates : tuple of str
        Acquisition dates.
    bperp : numpy.ndarray
        Perpendicular baseline of each date (m), relative to the reference date.
    length, width : int
        Image size.
    attrs : dict
        Root attributes as stored (MintPy's ``timeseries`` object adds ``REF_DATE``,
        ``START_DATE`` and ``END_DATE`` when missing).
    ref_yx : tuple of int or None
        Reference pixel (``REF_Y``, ``REF_X``).
    """

    path: str
    dates: tuple
    bperp: np.ndarray = field(repr=False, compare=False)
    length: int
    width: int
    attrs: dict = field(repr=False, compare=False)
    ref_yx: Optional[tuple] = None

    @property
    def shape(self):
        return (self.length, self.width)

    @property
    def n_dates(self):
        return len(self.dates)


def open_timeseries(path, min_dates=9):
    """Validate a MintPy time-series file and read its dates, baselines and attributes.

    Parameters
    ----------
    path : str
        ``timeseries*.h5`` file.
    min_dates : int
        Fewest acquisitions accepted (one window).

    Returns
    -------
    TimeSeriesFile
        ``ref_yx`` is None when ``REF_Y/REF_X`` are missing, not integers, or outside the
        image (logged).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InputError
        Not a MintPy time series, unreadable, fewer than ``min_dates`` dates, dates repeated
        or out of order, a ``UNIT`` other than metres, or a ``bperp`` of the wrong length.
    """
    from mintpy.objects import timeseries
    from mintpy.utils import readfile

    path = os.fspath(path)
    atr = _attributes(path, "time-series")
    ftype = atr.get("FILE_TYPE")
    if ftype != "timeseries":
        raise InputError(f"{path}: not a MintPy time series (FILE_TYPE = {ftype}); give a "
                         "timeseries*.h5 file such as timeseries_ERA5_demErr.h5")
    if not path.endswith(".h5") or "timeseries" not in readfile.get_dataset_list(path):
        raise InputError(f"{path}: no 'timeseries' dataset; give a MintPy timeseries*.h5 file")
    obj = timeseries(path)
    try:
        obj.open(print_msg=False)
    except Exception as err:
        raise InputError(f"{path}: cannot read the dates of the time series ({err})") from err
    if obj.numDate < min_dates:
        raise InputError(f"{path}: {obj.numDate} dates, but the auto-encoder needs at least {min_dates} "
                         "consecutive acquisitions (one window)")
    _check_dates(path, list(obj.dateList))
    unit = str(atr.get("UNIT", "m"))
    if unit != "m":
        raise InputError(f"{path}: UNIT = {unit}, but MintPy time series are in metres (UNIT = m) and "
                         "deformation_ae.h5 is written in metres; convert the file to metres first")
    bperp = obj.pbase if obj.pbase is not None else np.zeros(obj.numDate)
    if len(bperp) != obj.numDate:
        raise InputError(f"{path}: the 'bperp' dataset has {len(bperp)} values for {obj.numDate} dates; "
                         "the file is damaged (re-run MintPy's invert_network step)")
    try:
        ref_yx = (int(atr["REF_Y"]), int(atr["REF_X"]))
    except (KeyError, ValueError):
        ref_yx = None
    if ref_yx is not None and not (0 <= ref_yx[0] < obj.length and 0 <= ref_yx[1] < obj.width):
        # subset.py shifts REF_Y/REF_X without a range check: a subset without the reference
        logger.warning("%s: reference pixel REF_Y/REF_X = %s is outside the %d x %d image: the output "
                       "maps are not referenced (set one with reference_point.py)", path, ref_yx,
                       obj.length, obj.width)
        ref_yx = None
    return TimeSeriesFile(path, tuple(obj.dateList), np.asarray(bperp, np.float32), int(obj.length),
                          int(obj.width), dict(obj.metadata), ref_yx)


def _check_dates(path, dates):
    """Dates unique and in time order (windows are consecutive acquisitions)."""
    from mintpy.utils import ptime

    times = ptime.date_list2vector(dates)[0]
    for i in range(1, len(dates)):
        if times[i] == times[i - 1]:
            raise InputError(f"{path}: date {dates[i]} appears twice; a time series has one map per "
                             "acquisition (remove the duplicate with MintPy's modify_network / exclude_date)")
        if times[i] < times[i - 1]:
            raise InputError(f"{path}: the dates are not in time order ({dates[i - 1]} before {dates[i]}); "
                             "the 9-date windows need consecutive acquisitions")


def check_geometry(path, shape, ts=None):
    """Validate a geometry file against the image size and grid.

    Parameters
    ----------
    path : str
        Geometry file (``geometryRadar.h5`` or ``geometryGeo.h5``).
    shape : tuple of int
        (length, width) of the time series.
    ts : TimeSeriesFile or None
        The time series, to check that both are in the same coordinates (the same geocoded
        grid, or radar coordinates of the same subset).

    Returns
    -------
    bool
        True if it has a ``height`` dataset. Without one, a warning is logged and the
        elevation is taken as zero (:func:`read_height`).

    Raises
    ------
    InputError
        The size or grid differs, or a file that is not a geometry file (``FILE_TYPE``) has no
        ``height`` (a time series given as the geometry).
    """
    from mintpy.utils import readfile

    atr = _attributes(path, "geometry")
    _check_pixels(path, atr, shape, ts, "the geometry")
    if "height" in readfile.get_dataset_list(path):
        return True
    if atr.get("FILE_TYPE") != "geometry":
        raise InputError(f"{path}: a {atr.get('FILE_TYPE', 'non-MintPy')} file with no 'height' dataset, not a "
                         "geometry file; give inputs/geometryRadar.h5 or geometryGeo.h5 with -g")
    logger.warning("%s has no 'height' dataset: using a flat (zero) elevation; the stratified "
                   "tropospheric delay cannot be told from deformation. Give a geometry file with "
                   "height (inputs/geometryRadar.h5 or geometryGeo.h5) for reliable results.", path)
    return False


def check_mask(path, shape, ts=None):
    """Validate a mask file (e.g. ``maskTempCoh.h5``) against the image size and grid.

    Parameters
    ----------
    path : str
        Mask file.
    shape : tuple of int
        (length, width) of the time series.
    ts : TimeSeriesFile or None
        The time series, to check that both are in the same coordinates.

    Returns
    -------
    str or None
        The dataset to read (:func:`read_mask`): ``mask`` if present, else the first 2-D one;
        None for a file that is not ``*.h5`` (binary or HDF-EOS5, read as MintPy reads it).

    Raises
    ------
    InputError
        The size or grid differs, or an HDF5 file has no 2-D dataset (a time series given as a mask).
        A mask of floating-point values (a coherence?) is only a warning.
    """
    import h5py

    atr = _attributes(path, "mask")
    _check_pixels(path, atr, shape, ts, "the mask")
    if not path.endswith(".h5"):
        return None
    with h5py.File(path, "r") as f:
        datasets = {name: (obj.shape, obj.dtype) for name, obj in f.items() if isinstance(obj, h5py.Dataset)}
    images = [name for name, (dims, _) in datasets.items() if len(dims) == 2]
    if not images:
        held = ", ".join(f"'{name}' {dims}" for name, (dims, _) in datasets.items()) or "no dataset"
        raise InputError(f"{path}: not a mask, it has no 2-D dataset ({held}; FILE_TYPE "
                         f"{atr.get('FILE_TYPE', 'unknown')}); make one with generate_mask.py")
    name = "mask" if "mask" in images else images[0]
    if datasets[name][1].kind == "f":
        logger.warning("%s: a mask of floating-point values ('%s', FILE_TYPE %s): only pixels where it is exactly "
                       "0 are skipped; if it is a coherence, make a mask with generate_mask.py", path, name,
                       atr.get("FILE_TYPE", "unknown"))
    return name


def _read_template(template_file):
    """smallbaselineApp options: MintPy's defaults updated by ``template_file`` (if any)."""
    import mintpy
    from mintpy.utils import readfile, utils as ut

    template = readfile.read_template(os.path.join(os.path.dirname(mintpy.__file__),
                                                   "defaults", "smallbaselineApp.cfg"))
    if template_file:
        from .config import AUTO_SPELLINGS

        loose = {**dict.fromkeys(AUTO_SPELLINGS, "auto"), "y": "yes", "on": "yes", "n": "no", "off": "no"}
        for key, value in readfile.read_template(template_file).items():
            value = loose.get(value.lower(), value) if isinstance(value, str) else value
            if key in ("mintpy.deramp", "mintpy.troposphericDelay.method"):
                value = value.lower().replace("-", "_")
            template[key] = value
    return ut.check_template_auto_value(template)


def find_timeseries_file(work_dir_or_template):
    """The latest time-series file of a smallbaselineApp work folder.

    MintPy's own chain of file names (``TimeSeriesAnalysis.get_timeseries_filename``:
    ``timeseries.h5`` -> ``_SET`` -> ``_ion`` -> ``_ERA5``/``_GACOS``/``_tropHgt`` -> ``_ramp``
    -> ``_demErr``) is built from the template; the answer is the last file of the chain that
    exists, which is what smallbaselineApp uses for the velocity and geocode steps once the
    processing is complete.

    Parameters
    ----------
    work_dir_or_template : str
        A work folder (its ``smallbaselineApp.cfg`` is used when present, else MintPy's
        defaults) or a template file (its folder is the work folder).

    Returns
    -------
    str
        Path of the time-series file.
    """
    from mintpy.smallbaselineApp import TimeSeriesAnalysis

    src = os.fspath(work_dir_or_template)
    if os.path.isdir(src):
        work_dir = os.path.abspath(src)
        template_file = os.path.join(work_dir, "smallbaselineApp.cfg")
        template_file = template_file if os.path.isfile(template_file) else None
    elif os.path.isfile(src):
        work_dir, template_file = os.path.dirname(os.path.abspath(src)), src
    else:
        raise FileNotFoundError(f"{src}: work folder or template file not found")
    if not os.path.isfile(os.path.join(work_dir, "timeseries.h5")):
        raise FileNotFoundError(f"{work_dir}: no timeseries.h5 in this work folder; run smallbaselineApp.py "
                                "up to invert_network, or give the time-series file itself")
    _attributes(os.path.join(work_dir, "timeseries.h5"), "time-series")     # damaged: an error naming it
    try:
        steps = TimeSeriesAnalysis.get_timeseries_filename(_read_template(template_file), work_dir)
    except KeyError as err:     # MintPy reads e.g. PLATFORM of timeseries.h5 to name the ERA5 file
        raise InputError(f"{work_dir}: cannot work out the time-series file name: attribute {err} missing "
                         "from timeseries.h5 or key missing from the template; give the time-series file "
                         "itself") from err
    except ValueError as err:
        raise InputError(f"{template_file or work_dir}: cannot work out the time-series file name "
                         f"({err})") from err
    chain = [os.path.join(work_dir, "timeseries.h5")]
    for step in steps.values():
        if "output" in step and step["output"] not in chain:
            chain.append(step["output"])
    expected = steps["velocity"]["input"]
    found = [f for f in chain if os.path.isfile(f)][-1]
    if os.path.abspath(found) != os.path.abspath(expected):
        logger.warning("%s (the template's final time series) does not exist; using %s",
                       expected, found)
    logger.info("time series: %s", found)
    return found


def find_geometry_file(ts_file):
    """The geometry file of a time series, where smallbaselineApp keeps it.

    Looks for ``inputs/geometryRadar.h5`` (``geometryGeo.h5`` for a geocoded time series) in
    the folder of ``ts_file``, then the same name next to it, then ``geo_geometryRadar.h5``
    for ``geo/geo_timeseries*.h5``.

    Parameters
    ----------
    ts_file : str
        The time-series file (its ``Y_FIRST`` attribute tells a geocoded one).

    Returns
    -------
    str or None
        The first that exists.
    """
    from mintpy.utils import readfile

    folder = os.path.dirname(os.path.abspath(ts_file))
    name = "geometryGeo.h5" if "Y_FIRST" in readfile.read_attribute(ts_file) else "geometryRadar.h5"
    candidates = [os.path.join(folder, "inputs", name), os.path.join(folder, name),
                  os.path.join(folder, "geo_geometryRadar.h5")]
    return next((c for c in candidates if os.path.isfile(c)), None)


def has_tropo_correction(path):
    """Whether the file name carries a MintPy tropospheric-correction suffix.

    Examples
    --------
    >>> has_tropo_correction("mintpy/timeseries_ERA5_demErr.h5")
    True
    >>> has_tropo_correction("geo/geo_timeseries_ramp_demErr.h5")
    False
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    return any(token in TROPO_SUFFIXES for token in stem.split("_"))


def warn_if_no_tropo(path):
    """Log a warning when the time series has no tropospheric correction (by its file name).

    Parameters
    ----------
    path : str
        Time-series file; see :func:`has_tropo_correction`.
    """
    if not has_tropo_correction(path):
        logger.warning("%s: the file name shows no tropospheric correction (_ERA5, _GACOS, _tropHgt ...); "
                       "the auto-encoder reduces turbulent and stratified delays, but it works best on "
                       "a corrected time series such as timeseries_ERA5_demErr.h5", path)


# ---------------------------------------------------------------------------- reading
def rows_to_box(rows, width):
    """MintPy ``box`` (x0, y0, x1, y1) of full-width rows ``(y0, y1)`` or ``slice(y0, y1)``.

    Examples
    --------
    >>> rows_to_box(slice(10, 20), 300)
    (0, 10, 300, 20)
    """
    y0, y1 = (rows.start, rows.stop) if isinstance(rows, slice) else rows
    return (0, int(y0), int(width), int(y1))


def rows_to_block(index, rows, width):
    """MintPy ``block`` [t0, t1, y0, y1, x0, x1] of one map over full-width rows.

    Examples
    --------
    >>> rows_to_block(3, (10, 20), 300)
    [3, 4, 10, 20, 0, 300]
    """
    x0, y0, x1, y1 = rows_to_box(rows, width)
    return [int(index), int(index) + 1, y0, y1, x0, x1]


def _read(path, width, rows, dataset=None):
    from mintpy.utils import readfile

    box = rows_to_box(rows, width)
    shape = (box[3] - box[1], width)
    what = f"cannot read rows {box[1]}-{box[3]} of {dataset or 'the data'}"
    try:
        data = np.asarray(readfile.read(path, datasetName=dataset, box=box, print_msg=False)[0])
    except Exception as err:  # h5py/readfile raise many types for damaged files
        raise InputError(f"{path}: {what} ({type(err).__name__}: {err})") from err
    if data.size != shape[0] * shape[1]:
        raise InputError(f"{path}: {what}: got {data.size} pixels instead of {shape[0]} x {shape[1]}; "
                         "the file is truncated or its LENGTH/WIDTH attributes are wrong")
    return data.reshape(shape)    # readfile.read squeezes a single row


def read_frame(ts, date_index, rows):
    """One date of a time series over full-width rows.

    Parameters
    ----------
    ts : TimeSeriesFile
        The time series.
    date_index : int
        Index of the date.
    rows : slice or tuple of int
        Rows ``[y0, y1)``.

    Returns
    -------
    numpy.ndarray
        (y1 - y0, width) float32 metres, as stored (0 where MintPy's inversion failed).
    """
    import h5py

    # by index, with h5py: readfile.read looks a date up by name (the first of duplicates)
    # and, for files of <= 20 dates, reads every date of the box to return one
    x0, y0, x1, y1 = rows_to_box(rows, ts.width)
    what = f"cannot read rows {y0}-{y1} of date {ts.dates[date_index]}"
    try:
        with h5py.File(ts.path, "r") as f:
            data = f["timeseries"][date_index, y0:y1, x0:x1]
    except Exception as err:  # h5py raises many types for damaged files
        raise InputError(f"{ts.path}: {what} ({type(err).__name__}: {err})") from err
    if data.shape != (y1 - y0, x1 - x0):
        raise InputError(f"{ts.path}: {what}: got {data.shape} instead of {(y1 - y0, x1 - x0)}; "
                         "the file is truncated or its LENGTH/WIDTH attributes are wrong")
    return data.astype(np.float32)


def read_height(path, rows, width, has_height=True):
    """Elevation over full-width rows.

    Parameters
    ----------
    path : str
        Geometry file.
    rows : slice or tuple of int
        Rows ``[y0, y1)``.
    width : int
        Image width.
    has_height : bool
        False for a geometry without ``height`` (see :func:`check_geometry`): zeros.

    Returns
    -------
    numpy.ndarray
        (y1 - y0, width) float32 metres.
    """
    if not has_height:
        _, y0, _, y1 = rows_to_box(rows, width)
        return np.zeros((y1 - y0, width), np.float32)
    return _read(path, width, rows, "height").astype(np.float32)


def read_mask(path, rows, width, dataset=None):
    """Mask over full-width rows.

    Parameters
    ----------
    path : str
        Mask file.
    rows : slice or tuple of int
        Rows ``[y0, y1)``.
    width : int
        Image width.
    dataset : str or None
        The dataset :func:`check_mask` chose; None reads the file as MintPy does.

    Returns
    -------
    numpy.ndarray
        (y1 - y0, width) bool, True for pixels to use (non-zero in the file).
    """
    return _read(path, width, rows, dataset=dataset) != 0


def nan_where_zero(frames, row_offset=0, ref_yx=None):
    """Mark MintPy's failed pixels invalid, in place: exactly 0 on every date -> NaN.

    The reference pixel (0 by construction) is kept.

    Parameters
    ----------
    frames : numpy.ndarray
        (T, R, W) frames of one window (modified in place).
    row_offset : int
        Global row of ``frames[:, 0]``.
    ref_yx : tuple of int or None
        Reference pixel (global row, column).

    Returns
    -------
    numpy.ndarray
        ``frames``.

    Examples
    --------
    >>> f = np.zeros((3, 2, 2), np.float32); f[:, 0, 0] = 1.0
    >>> nan_where_zero(f, row_offset=10, ref_yx=(11, 1))[0].tolist()
    [[1.0, nan], [nan, 0.0]]
    """
    zero = (frames == 0).all(axis=0)
    if ref_yx is not None and 0 <= ref_yx[0] - row_offset < zero.shape[0] and ref_yx[1] < zero.shape[1]:
        zero[ref_yx[0] - row_offset, ref_yx[1]] = False
    frames[:, zero] = np.nan
    return frames


# ---------------------------------------------------------------------------- writing
def uncertainty_file(out_file):
    """Name of the uncertainty file of ``out_file``.

    Examples
    --------
    >>> uncertainty_file("mintpy/deformation_ae.h5")
    'mintpy/deformation_ae_std.h5'
    """
    base, ext = os.path.splitext(out_file)
    return f"{base}_std{ext or '.h5'}"


def check_output_path(out_file, inputs=()):
    """Fail early, before any computation, if ``out_file`` cannot be written.

    Parameters
    ----------
    out_file : str
        Output file (``*.h5``).
    inputs : iterable of str or None
        Input files that the output must not replace.

    Raises
    ------
    InputError
        The folder does not exist or is not writable, the path is a folder, or it is one of
        the ``inputs``.
    """
    out = os.path.abspath(out_file)
    folder = os.path.dirname(out)
    if not out.endswith(".h5"):
        raise InputError(f"{out_file}: the output must be an HDF5 file ending in .h5")
    if not os.path.isdir(folder):
        problem = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise InputError(f"{out_file}: cannot write the output, folder {folder} {problem}")
    if os.path.isdir(out):
        raise InputError(f"{out_file}: cannot write the output, it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{out_file}: cannot write the output, folder {folder} is not writable")
    for path in filter(None, inputs):
        same = os.path.samefile(path, out) if os.path.exists(path) and os.path.exists(out) else \
            os.path.abspath(path) == out
        if same:
            raise InputError(f"{out_file}: the output would overwrite the input file {path}")


def fingerprint(files, options):
    """A hash of the input files (path, size, modification time) and the options.

    Parameters
    ----------
    files : dict
        Role -> path or None.
    options : dict
        JSON-serialisable options.

    Returns
    -------
    str
        Hex digest, stored in the output as ``AE_FINGERPRINT``.
    """
    stamp = {}
    for role, path in sorted(files.items()):
        if path:
            st = os.stat(path)
            stamp[role] = [os.path.abspath(path), st.st_size, st.st_mtime_ns]
        else:
            stamp[role] = None
    text = json.dumps({"files": stamp, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def is_up_to_date(out_files, in_files, fprint):
    """Update mode: whether the outputs can be kept.

    MintPy's ``ut.run_or_skip`` decides first (the outputs exist and are newer than the inputs),
    then every output must be readable and its ``AE_FINGERPRINT`` equal ``fprint``. An unreadable
    output means run; it is left in place (``ut.run_or_skip`` would delete it, so its readability
    check is off), and only a successful run replaces it.

    Parameters
    ----------
    out_files : sequence of str
        Output files.
    in_files : iterable of str or None
        Input files (None entries are ignored).
    fprint : str
        Fingerprint of this run (:func:`fingerprint`).

    Returns
    -------
    bool
        True to skip the run.
    """
    from mintpy.utils import readfile, utils as ut

    if ut.run_or_skip(out_file=list(out_files), in_file=[f for f in in_files if f],
                      readable=False, print_msg=False) == "run":
        return False
    try:
        return all(readfile.read_attribute(f).get("AE_FINGERPRINT") == fprint for f in out_files)
    except Exception:  # an unreadable output is simply re-made
        return False


#: Attributes of a MintPy file's reference pixel.
REF_KEYS = ("REF_Y", "REF_X", "REF_LAT", "REF_LON")


def output_metadata(ts, end_dates, extra=None, referenced=True):
    """Attributes of the output: the input's, retyped, without ``REF_DATE``, plus ``extra``.

    Parameters
    ----------
    ts : TimeSeriesFile
        The input time series.
    end_dates : sequence of str
        Window end dates (the output ``/date``), for ``START_DATE`` and ``END_DATE``.
    extra : dict or None
        Attributes to add (provenance), written as strings.
    referenced : bool
        The maps are zero at the input's reference pixel (``REF_Y/REF_X/REF_LAT/REF_LON``
        kept); False drops those keys (a product with no reference, such as a spread).

    Returns
    -------
    dict
    """
    drop = {"REF_DATE"} | (set() if referenced else set(REF_KEYS))
    atr = {k: v for k, v in ts.attrs.items() if k not in drop}
    atr.update(FILE_TYPE="timeseries", UNIT="m", DATA_TYPE="float32", LENGTH=str(ts.length),
               WIDTH=str(ts.width), START_DATE=end_dates[0], END_DATE=end_dates[-1])
    atr.update({k: str(v) for k, v in (extra or {}).items()})
    return atr


def _host_tag():
    """This machine's name reduced to ``[A-Za-z0-9_]``, as it appears in temporary file names."""
    return re.sub(r"\W", "_", socket.gethostname(), flags=re.ASCII) or "host"


def _pid_alive(pid):
    """Whether process ``pid`` exists on this machine (one owned by another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path):
    """Remove the temporary files that killed runs left for ``path``; return their paths.

    :class:`OutputFile` names its temporary file ``.<name>.<host>-<pid>.<random>.tmp.h5``. A
    process killed with no chance to clean up (``kill -9``, a node lost) leaves it behind. Only
    files of this machine whose process no longer exists are removed; those of running
    processes, of other machines (a shared file system) and any other file are left alone.
    """
    folder, name = os.path.split(os.path.abspath(path))
    pattern = re.compile(r"\." + re.escape(name) + r"\.(\w+)-(\d+)\.\w+\.tmp\.h5\Z")
    host, removed = _host_tag(), []
    for entry in os.listdir(folder):
        match = pattern.match(entry)
        if not match or match.group(1) != host or _pid_alive(int(match.group(2))):
            continue
        stale = os.path.join(folder, entry)
        try:
            os.remove(stale)
        except FileNotFoundError:        # another run cleaned it first
            continue
        except OSError as err:           # another user's, in a sticky folder: not ours to remove
            logger.warning("%s, left by an interrupted run, cannot be removed: %s", stale, err)
            continue
        logger.warning("removed %s, left by an interrupted run (process %s)", stale, match.group(2))
        removed.append(stale)
    return removed


class OutputFile:
    """A MintPy time-series file written atomically.

    On entering, the layout is created in a temporary file of the destination folder; maps
    are written strip by strip with ``writefile.write_hdf5_block``; :meth:`commit` moves the
    file into place with ``os.replace``. Leaving the context without a commit (any error)
    removes the temporary file, so a failed run never leaves a partial output. The temporary
    file's name carries the machine and the process, so that the next run for the same output
    removes what a killed one left (:func:`remove_stale_temporaries`).

    Parameters
    ----------
    path : str
        Destination.
    shape : tuple of int
        (n_maps, length, width).
    dates, start_dates : sequence of str
        ``/date`` (window end dates) and ``/startDate``.
    bperp : array_like
        ``/bperp`` at the end dates.
    metadata : dict
        Root attributes.
    """

    def __init__(self, path, shape, dates, start_dates, bperp, metadata):
        self.path = os.path.abspath(path)
        self.shape = tuple(int(s) for s in shape)
        self.dates, self.start_dates = list(dates), list(start_dates)
        self.bperp = np.asarray(bperp, dtype=np.float32)
        self.metadata = dict(metadata)
        self.tmp = None

    def __enter__(self):
        from mintpy.utils import writefile

        folder, name = os.path.split(self.path)
        remove_stale_temporaries(self.path)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{name}.{_host_tag()}-{os.getpid()}.", suffix=".tmp.h5",
                                        dir=folder)
        os.close(fd)
        os.chmod(self.tmp, default_file_mode())
        n = self.shape[0]
        layout = {"date": [np.array(self.dates, np.bytes_).dtype, (n,), np.array(self.dates, np.bytes_)],
                  "startDate": [np.array(self.start_dates, np.bytes_).dtype, (n,),
                                np.array(self.start_dates, np.bytes_)],
                  "bperp": [np.float32, (n,), self.bperp],
                  "timeseries": [np.float32, self.shape, None]}
        try:
            writefile.layout_hdf5(self.tmp, layout, metadata=self.metadata, print_msg=False)
        except BaseException:
            self._remove()
            raise
        return self

    def write(self, index, rows, data):
        """Write map ``index`` over full-width rows ``(y0, y1)``; ``data`` is (y1 - y0, width)."""
        from mintpy.utils import writefile

        block = rows_to_block(index, rows, self.shape[2])
        writefile.write_hdf5_block(self.tmp, np.asarray(data, np.float32)[None], "timeseries",
                                   block=block, print_msg=False)

    def update_attributes(self, set_attrs=None, drop=()):
        """Change root attributes of the file before :meth:`commit`."""
        import h5py

        with h5py.File(self.tmp, "r+") as f:
            for key in drop:
                f.attrs.pop(key, None)
            f.attrs.update({k: str(v) for k, v in (set_attrs or {}).items()})

    def commit(self):
        """Move the finished file into place."""
        os.replace(self.tmp, self.path)
        self.tmp = None
        logger.info("wrote %s", self.path)

    def _remove(self):
        if self.tmp and os.path.exists(self.tmp):
            os.remove(self.tmp)
        self.tmp = None

    def __exit__(self, exc_type, exc, tb):
        self._remove()
        return False
