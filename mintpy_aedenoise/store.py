"""Saving and loading model weights with their JSON sidecar.

A model is two files side by side: ``NAME.weights.h5`` (Keras weights) and ``NAME.json``:

- ``model``: the constructor arguments of :func:`mintpy_aedenoise.model.build_model`;
- ``kind``: the deformation source it was trained on ("fault" or "mogi");
- ``normalisation``: the input contract (see :mod:`mintpy_aedenoise.engine.normalise`);
- ``inference``: default window length, patch size and overlap;
- ``training``: the recipe (samples seen, seed, batch, learning-rate schedule, wall time,
  hardware);
- ``evaluation``: the summary of the synthetic benchmark;
- ``min_package_version``: the oldest mintpy_aedenoise that can run the weights.

The pretrained ``fault`` and ``mogi`` models ship inside the package (``weights/``) and load
with no network access.
"""
import hashlib
import json
import logging
import os
import tempfile
from importlib import resources

from .version import __version__

__all__ = ["PRETRAINED", "ModelLoadError", "default_file_mode", "file_sha256", "load_model", "save_model",
           "pretrained_path", "read_sidecar", "resolve_weights", "sidecar_path", "write_json_atomic"]

logger = logging.getLogger(__name__)

PRETRAINED = ("fault", "mogi")


class ModelLoadError(ValueError):
    """Weights or their sidecar are missing, corrupt or too new for this package."""


def _version_tuple(v):
    return tuple(int(p) for p in str(v).split(".")[:3] if p.isdigit())


def pretrained_path(name):
    """Path of the shipped weights file ``weights/NAME.weights.h5`` inside the package."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown model {name!r}; choose from {PRETRAINED} or give a .weights.h5 path")
    return str(resources.files("mintpy_aedenoise") / "weights" / f"{name}.weights.h5")


def file_sha256(path):
    """Hex SHA-256 of a file: names a weights file whatever its path or later copies."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def path_for_record(path, folder):
    """``path`` relative to ``folder`` when it lies under it (a record written in a repository
    stays valid in any clone of it), otherwise absolute."""
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return os.path.relpath(real, base) if os.path.commonpath([real, base]) == base else os.path.abspath(path)


def default_file_mode():
    """The mode a new file gets under the current umask (``0o666 & ~umask``)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_json_atomic(path, obj, allow_nan=True):
    """Write ``obj`` as JSON to ``path`` through a temporary file in the same folder."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=True, allow_nan=allow_nan)
            f.write("\n")
        os.chmod(tmp, default_file_mode())     # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def sidecar_path(weights_file):
    """The JSON sidecar path of ``NAME.weights.h5``: ``NAME.json``."""
    if not weights_file.endswith(".weights.h5"):
        raise ModelLoadError(f"{weights_file}: weights files must end with .weights.h5")
    return weights_file[: -len(".weights.h5")] + ".json"


def read_sidecar(weights_file):
    """Read and check the JSON sidecar next to ``weights_file``."""
    side = sidecar_path(weights_file)
    if not os.path.isfile(side):
        raise ModelLoadError(f"{side}: sidecar JSON not found next to {weights_file}")
    try:
        with open(side) as f:
            meta = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ModelLoadError(f"{side}: cannot read sidecar JSON: {err}") from err
    for key in ("model", "kind", "min_package_version"):
        if key not in meta:
            raise ModelLoadError(f"{side}: sidecar lacks the '{key}' entry")
    from .engine.normalise import SUPPORTED_VERSIONS, version_of_model_args

    version = meta.get("normalisation_version")
    if version not in SUPPORTED_VERSIONS:
        raise ModelLoadError(
            f"{side}: weights trained with input normalisation version {version}, "
            f"this package supports {', '.join(map(str, SUPPORTED_VERSIONS))}")
    if not isinstance(meta["model"], dict) or version_of_model_args(meta["model"]) != version:
        raise ModelLoadError(
            f"{side}: normalisation version {version} does not match the network's inputs "
            f"({meta['model']!r})")
    if _version_tuple(meta["min_package_version"]) > _version_tuple(__version__):
        raise ModelLoadError(
            f"{side}: these weights need mintpy_aedenoise >= {meta['min_package_version']}, "
            f"this is {__version__}; upgrade the package")
    return meta


def _inference_copy(model):
    """The same network without optimiser state (a compiled model saves Adam's moments too)."""
    from .model import build_model

    if getattr(model, "optimizer", None) is None:
        return model
    copy = build_model(**model.config_args)
    copy.set_weights(model.get_weights())
    return copy


#: The first package version that builds each optional network feature (a ``model`` key).
FEATURE_VERSIONS = {"res_blocks": "0.2.0"}


def min_package_version(model_args, written_by=__version__):
    """The oldest package that can run a network: its writer's version, or a feature's if later.

    A sidecar records it so that an older package refuses the weights with a clear message
    instead of failing to build the network.

    >>> min_package_version({"widths": [8, 16]}, "0.1.0"), min_package_version({"res_blocks": [0, 1]}, "0.1.0")
    ('0.1.0', '0.2.0')
    """
    needed = [FEATURE_VERSIONS[k] for k in model_args if k in FEATURE_VERSIONS] + [written_by]
    return max(needed, key=_version_tuple)


def save_model(model, weights_file, meta):
    """Write ``weights_file`` and its sidecar atomically (temporary files, then rename).

    Parameters
    ----------
    model : keras.Model
        Model from :func:`mintpy_aedenoise.model.build_model`.
    weights_file : str
        Destination ending in ``.weights.h5``.
    meta : dict
        Sidecar content; ``model``, ``min_package_version`` and the normalisation (version and
        description, from the network's inputs) are filled in when absent, and
        ``min_package_version`` is raised to the first version that builds the network's
        features (:func:`min_package_version`).
    """
    from .engine.normalise import NORMALISATION_TEXT, version_of_model_args

    side = sidecar_path(weights_file)
    meta = dict(meta)
    meta.setdefault("model", model.config_args)
    meta["min_package_version"] = min_package_version(meta["model"], meta.get("min_package_version", __version__))
    version = meta.setdefault("normalisation_version", version_of_model_args(model.config_args))
    meta.setdefault("normalisation", NORMALISATION_TEXT[version])
    os.makedirs(os.path.dirname(os.path.abspath(weights_file)), exist_ok=True)
    tmp_w = weights_file[: -len(".weights.h5")] + ".tmp.weights.h5"
    _inference_copy(model).save_weights(tmp_w)
    os.replace(tmp_w, weights_file)
    write_json_atomic(side, meta)


def resolve_weights(model):
    """Weights file and sidecar of a model name or path, without loading the weights.

    Parameters
    ----------
    model : str or os.PathLike
        "fault", "mogi" or a ``*.weights.h5`` path.

    Returns
    -------
    weights_file : str
    meta : dict
        The JSON sidecar.

    Raises
    ------
    ValueError
        Unknown model name.
    ModelLoadError
        Missing weights, missing/corrupt sidecar, or weights too new for this package.
    """
    model = os.fspath(model)
    if model in PRETRAINED:
        weights_file = pretrained_path(model)
    elif model.endswith(".weights.h5"):
        weights_file = model
    else:
        raise ValueError(f"unknown model {model!r}: choose {' or '.join(PRETRAINED)}, or give the path "
                         "of a .weights.h5 file (with its .json sidecar)")
    if not os.path.isfile(weights_file):
        raise ModelLoadError(f"{weights_file}: weights file not found")
    return weights_file, read_sidecar(weights_file)


def load_model(name="fault"):
    """Load a pretrained model by name, or any saved model by weights path.

    Parameters
    ----------
    name : str or os.PathLike
        "fault", "mogi", or a path to ``*.weights.h5`` with its ``.json`` sidecar.

    Returns
    -------
    keras.Model
        The model, with ``model.meta`` holding the sidecar.

    Raises
    ------
    ValueError
        Unknown model name.
    ModelLoadError
        Missing, corrupt or incompatible files (the message names the file).
    """
    from .model import build_model

    weights_file, meta = resolve_weights(name)
    model = build_model(**meta["model"])
    try:
        model.load_weights(weights_file)
    except Exception as err:  # h5py/keras raise many types for corrupt files
        raise ModelLoadError(f"{weights_file}: cannot load weights ({type(err).__name__}: {err})") from err
    model.meta = meta
    return model
