"""Template options of the ``denoise_ae`` step: the ``mintpy.aedenoise.*`` keys.

One table, :data:`OPTIONS`, describes every key: its Python name, its ``auto`` value, its
documented choices and how to parse it. The Python names are the keyword arguments of
``mintpy_aedenoise.denoise.DenoiseConfig``, except ``enable``, which only switches the step of
``smallbaselineApp_ae.py`` on. The table feeds:

- :func:`read_template_options`: parsing, ``auto`` resolution and validation of templates;
- :func:`template_text`: the user-facing template lines (``templates/aedenoise.cfg``);
- :func:`auto_text`: the packaged ``auto`` values (:data:`AUTO_FILE`,
  ``mintpy_aedenoise/defaults/aedenoise_auto.cfg``).

As in MintPy, ``auto`` is replaced by the value in the ``*_auto.cfg`` file; the tests check that
both ``.cfg`` files agree with :data:`OPTIONS`.

Examples
--------
>>> opts = read_template_options()          # no template: every option is auto
>>> opts["enable"], opts["model"], opts["tile_rows"], opts["overlap"]
(False, 'fault', 256, 20)
>>> print(template_line(OPTION_BY_KEY["overlap"]))
mintpy.aedenoise.overlap     = auto  #[int 0-39], auto for 20, overlap in pixels between 40 x 40 px patches
"""
import difflib
import errno
import glob
import logging
import os
from dataclasses import dataclass
from importlib import resources
from typing import Optional

from .store import PRETRAINED
from .synthetic import WINDOW

__all__ = ["AUTO_FILE", "OPTIONS", "OPTION_BY_KEY", "PREFIX", "Option", "read_template_options",
           "work_folder_templates", "template_line", "template_text", "auto_text"]

logger = logging.getLogger(__name__)

#: Prefix of every template key of this plugin.
PREFIX = "mintpy.aedenoise."

#: Packaged ``auto`` values, read like MintPy's ``defaults/smallbaselineApp_auto.cfg``.
AUTO_FILE = str(resources.files("mintpy_aedenoise") / "defaults" / "aedenoise_auto.cfg")

_TRUE = ("yes", "y", "true", "on")      # spellings smallbaselineApp.py also accepts
_FALSE = ("no", "n", "false", "off")
_NONE = ("no", "none")


def _resolve(path, work_dir):
    """Absolute path; relative paths are relative to ``work_dir`` (the time-series file's folder)."""
    return os.path.abspath(os.path.join(work_dir, path))


class _Bool:
    choices = "yes / no"

    def __call__(self, value, work_dir, is_auto):
        v = value.lower()
        if v in _TRUE or v in _FALSE:
            return v in _TRUE
        raise ValueError("not a yes/no value")


@dataclass(frozen=True)
class _Int:
    lo: int
    hi: Optional[int] = None

    @property
    def choices(self):
        return f"int >= {self.lo}" if self.hi is None else f"int {self.lo}-{self.hi}"

    def __call__(self, value, work_dir, is_auto):
        try:
            v = int(value)
        except ValueError:
            raise ValueError("not an integer") from None
        if v < self.lo or (self.hi is not None and v > self.hi):
            raise ValueError("out of range")
        return v


class _Model:
    choices = " / ".join(PRETRAINED) + " / path to *.weights.h5"

    def __call__(self, value, work_dir, is_auto):
        if value.lower() in PRETRAINED:
            return value.lower()
        path = _resolve(value, work_dir)
        if not value.endswith(".weights.h5"):
            raise ValueError(f"neither a shipped model {PRETRAINED} nor a *.weights.h5 file")
        if not os.path.isfile(path):
            raise ValueError(f"weights file {path} not found")
        return path


class _MaskFile:
    choices = "file name / no"

    def __call__(self, value, work_dir, is_auto):
        if value.lower() in _NONE:
            return None
        path = _resolve(value, work_dir)
        if os.path.isfile(path):
            return path
        if is_auto:
            # geocode.py writes geo/geo_maskTempCoh.h5 beside geo/geo_timeseries*.h5
            geo = os.path.join(os.path.dirname(path), "geo_" + os.path.basename(path))
            if os.path.basename(work_dir.rstrip(os.sep)) == "geo" and os.path.isfile(geo):
                return geo
            logger.warning("%s not found: no mask, every pixel with data is denoised (give one with -m, "
                           "or -m no to silence this)", path)
            return None
        raise ValueError(f"file {path} not found")


class _OutFile:
    choices = "file name"

    def __call__(self, value, work_dir, is_auto):
        if not value.endswith(".h5"):
            raise ValueError("the output must be an HDF5 file (*.h5)")
        return _resolve(value, work_dir)


@dataclass(frozen=True)
class Option:
    """One ``mintpy.aedenoise.<key>`` template option.

    Attributes
    ----------
    key : str
        Key after :data:`PREFIX`, MintPy style (camelCase).
    name : str
        Python name: a ``DenoiseConfig`` keyword argument (``enable`` excepted).
    auto : str
        Value that ``auto`` stands for, as written in :data:`AUTO_FILE`.
    kind : callable
        ``kind(value, work_dir, is_auto)`` returns the Python value or raises ``ValueError``;
        ``kind.choices`` is the text shown between brackets in the template.
    help : str
        What the option does, after the ``auto`` value in the template.
    """

    key: str
    name: str
    auto: str
    kind: object
    help: str

    @property
    def choices(self):
        return self.kind.choices


OPTIONS = (
    Option("enable", "enable", "no", _Bool(),
           "run step denoise_ae in a full smallbaselineApp_ae.py run"),
    Option("model", "model", "fault", _Model(),
           "network: shipped fault (slow slip) or mogi (volcanic) weights, or your own"),
    Option("maskFile", "mask_file", "maskTempCoh.h5", _MaskFile(),
           "pixels to denoise, no mask if the auto file is absent"),
    Option("outFile", "out_file", "deformation_ae.h5", _OutFile(),
           "output: cumulative deformation of every 9-acquisition window"),
    Option("tileRows", "tile_rows", "256", _Int(1),
           "rows denoised per strip, lower to save memory (results do not depend on it)"),
    Option("overlap", "overlap", "20", _Int(0, WINDOW - 1),
           f"overlap in pixels between {WINDOW} x {WINDOW} px patches"),
    Option("batchSize", "batch_size", "64", _Int(1),
           "patches per forward pass of the network"),
    Option("uncertainty", "uncertainty", "no", _Bool(),
           "also write the spread of the overlapping patch predictions to <outFile>_std.h5"),
)

#: :data:`OPTIONS` by template key (without :data:`PREFIX`).
OPTION_BY_KEY = {opt.key: opt for opt in OPTIONS}


def template_line(opt):
    """The template line of one option, MintPy style: ``key = auto  #[choices], auto for X, help``."""
    width = max(len(o.key) for o in OPTIONS)
    return f"{PREFIX}{opt.key:<{width}} = auto  #[{opt.choices}], auto for {opt.auto}, {opt.help}"


_TEMPLATE_HEADER = """\
## mintpy_aedenoise: deep auto-encoder denoising of the time series (Rouet-Leduc et al., 2021)
## Copy the lines below into your custom template. Step denoise_ae of smallbaselineApp_ae.py runs
## after reference_date and before velocity, on the time series that velocity uses (the last
## corrected one, e.g. timeseries_ERA5_ramp_demErr.h5), and writes for every window of 9
## consecutive acquisitions its cumulative deformation to outFile:
##   smallbaselineApp_ae.py <custom_template>                        # runs if enable = yes
##   smallbaselineApp_ae.py <custom_template> --dostep denoise_ae    # runs whatever enable says
## Relative paths are relative to the folder of the time-series file: the MintPy work
## directory, or geo/ for aedenoise.py geo/geo_timeseries*.h5.
"""


def template_text(header=True):
    """The user-facing template section (the content of ``templates/aedenoise.cfg``).

    Parameters
    ----------
    header : bool
        Start with the explanatory comment block (False for a CLI epilog).
    """
    lines = ["########## 11.3 denoise_ae"] + [template_line(o) for o in OPTIONS]
    return (_TEMPLATE_HEADER if header else "") + "\n".join(lines) + "\n"


def auto_text():
    """The content of :data:`AUTO_FILE`."""
    width = max(len(o.key) for o in OPTIONS)
    lines = ["## auto values of the mintpy.aedenoise.* options (mintpy_aedenoise.config.OPTIONS)"]
    lines += [f"{PREFIX}{o.key:<{width}} = {o.auto}" for o in OPTIONS]
    return "\n".join(lines) + "\n"


def work_folder_templates(work_dir):
    """The templates of a smallbaselineApp work folder, in the order they override each other.

    ``smallbaselineApp.cfg`` of the folder, then the custom template that smallbaselineApp.py
    backed up into ``inputs/`` (``*.txt``, ``*.template`` or ``*.cfg`` other than
    ``smallbaselineApp.cfg``) if it sets ``mintpy.aedenoise.*`` keys: smallbaselineApp.py
    copies only its own keys into ``smallbaselineApp.cfg``. A file there that cannot be read
    as a template is skipped with a warning.

    Parameters
    ----------
    work_dir : str
        The work folder.

    Returns
    -------
    list of str
        Existing files (possibly none).

    Raises
    ------
    ValueError
        Several backed-up templates set ``mintpy.aedenoise.*`` keys: which one is meant is
        not known.
    """
    from mintpy.utils import readfile

    files = [f for f in [os.path.join(work_dir, "smallbaselineApp.cfg")] if os.path.isfile(f)]
    custom = []
    for fname in sorted(glob.glob(os.path.join(work_dir, "inputs", "*"))):
        if not fname.endswith((".txt", ".template", ".cfg")) or os.path.basename(fname) == "smallbaselineApp.cfg":
            continue
        try:
            keys = readfile.read_template(fname)
        except (OSError, ValueError) as err:       # UnicodeDecodeError is a ValueError
            logger.warning("%s: not read as a template (%s)", fname, err)
            continue
        if any(k.lower().startswith(PREFIX) for k in keys):
            custom.append(fname)
    if len(custom) > 1:
        raise ValueError(f"{os.path.join(work_dir, 'inputs')}: several templates set {PREFIX}* keys "
                         f"({', '.join(os.path.basename(f) for f in custom)}); choose one with -t")
    return files + custom


def _read_keys(fname):
    """The ``mintpy.aedenoise.*`` entries of one template, checked against :data:`OPTIONS`."""
    from mintpy.utils import readfile

    if not os.path.isfile(fname):   # read_template would parse a missing path as template text
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), fname)
    out = {}
    for key, value in readfile.read_template(fname).items():
        if not key.lower().startswith(PREFIX):
            continue
        sub = key[len(PREFIX):]
        if sub not in OPTION_BY_KEY:
            lower = {k.lower(): k for k in OPTION_BY_KEY}
            close = difflib.get_close_matches(sub.lower(), list(lower), n=1, cutoff=0.6)
            hint = f"; did you mean {PREFIX}{lower[close[0]]}?" if close else ""
            raise ValueError(f"{fname}: unknown template key {key}{hint} "
                             f"(valid keys: {', '.join(OPTION_BY_KEY)})")
        out[sub] = value
    return out


#: Values read as ``auto``, here and in the package's reading of smallbaselineApp templates (``mintpy_io``).
AUTO_SPELLINGS = ("auto", "default", "def")


def read_template_options(template_file=None, work_dir=None, skip=()):
    """Read, resolve and check the ``mintpy.aedenoise.*`` options of MintPy templates.

    Parameters
    ----------
    template_file : str, os.PathLike, sequence of them, or None
        Template file(s) parsed with :func:`mintpy.utils.readfile.read_template`; a later file
        overrides an earlier one (e.g. ``smallbaselineApp.cfg`` then the custom template).
        Keys that are missing or set to ``auto`` take their value from :data:`AUTO_FILE`; None
        means all ``auto``.
    work_dir : str or None
        Directory that relative paths (model, maskFile, outFile) are relative to; the current
        directory when None.
    skip : collection of str
        :attr:`Option.name` of options given elsewhere (the command line): neither resolved
        nor returned.

    Returns
    -------
    dict
        Python values by :attr:`Option.name`, in :data:`OPTIONS` order, less ``skip``: ``enable`` and
        ``uncertainty`` bool; ``model`` "fault", "mogi" or an absolute weights path;
        ``mask_file`` absolute path or None; ``out_file`` absolute path; ``tile_rows``,
        ``overlap`` and ``batch_size`` int.

    Raises
    ------
    ValueError
        An unknown ``mintpy.aedenoise.*`` key (the message names the file, the key and the
        closest valid key) or a bad value (the message names the file, the key, the value and
        the valid choices).
    FileNotFoundError
        A template file does not exist.
    """
    if template_file is None:
        files = []
    elif isinstance(template_file, (str, os.PathLike)):
        files = [os.fspath(template_file)]
    else:
        files = [os.fspath(f) for f in template_file if f]
    work_dir = os.path.abspath(work_dir or os.getcwd())

    auto = _read_keys(AUTO_FILE)
    given = {}                                   # key -> (value, file it came from)
    for fname in files:
        given.update({k: (v, fname) for k, v in _read_keys(fname).items()})

    options = {}
    for opt in OPTIONS:
        if opt.name in skip:
            continue
        value, origin = given.get(opt.key, ("auto", AUTO_FILE))
        is_auto = value.lower() in AUTO_SPELLINGS
        if is_auto:
            origin = AUTO_FILE
            if opt.key not in auto:
                raise ValueError(f"{AUTO_FILE}: no auto value for {PREFIX}{opt.key}")
            value = auto[opt.key]
        try:
            options[opt.name] = opt.kind(value, work_dir, is_auto)
        except ValueError as err:
            shown = f"auto = {value}" if is_auto else value
            raise ValueError(f"{origin}: {PREFIX}{opt.key} = {shown}: {err}; "
                             f"expected [{opt.choices}]") from None
    return options
