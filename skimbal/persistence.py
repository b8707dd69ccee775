"""Save and load fitted skimbal estimators without pickle.

File format (schema version 1)
------------------------------
One zip archive (any file name; ``.skimbal`` is a good suffix) holding

``skimbal.json``
    UTF-8 JSON metadata::

        {"format": "skimbal-model", "schema_version": 1,
         "estimator": "WeightedSequenceClassifier",
         "versions": {"skimbal": ..., "keras": ..., "tensorflow": ...,
                      "numpy": ..., "scikit-learn": ...},
         "params": {...},          # get_params(deep=False), tagged JSON
         "dropped_params": [...],  # names stored as None (strict=False)
         "fitted": {...}}          # fitted attributes, see FITTED_ATTRIBUTES

``model.keras``
    The trained network in Keras' native format, loaded back with
    ``keras.saving.load_model(..., safe_mode=True)``: no Python code or pickle
    is executed when loading (``Lambda`` layers and unregistered custom objects
    are refused by Keras).

Values that JSON has no type for are tagged: a tuple is ``{"__tuple__":
[...]}``, a dict whose keys are not all strings (``class_weight={0: 1.0, 1:
9.0}``) is ``{"__dict__": [[key, value], ...]}`` and an ndarray is
``{"__ndarray__": [...], "dtype": "<U6", "shape": [3]}`` (numeric, bool and
string dtypes, or object arrays of str/int/float/bool).

Parameters that are not data (a ``model=`` building function, ``callbacks``,
optimizer / loss / metric objects or classes) cannot be stored without pickle.
``save(..., strict=True)`` refuses them with a ``TypeError`` naming them;
``strict=False`` stores them as ``None`` and lists them in
``dropped_params``: the loaded estimator predicts identically (the network,
with its compiled optimizer and loss, is in ``model.keras``), but ``clone`` or
a refit of it uses the default for those parameters. ``load`` warns about them.

Adding fitted state
-------------------
Fitted attributes are listed once, in :data:`FITTED_ATTRIBUTES`, as
``name -> codec`` where a codec is a pair of functions ``(to_json,
from_json)`` from :data:`CODECS`. To persist a new fitted attribute (for
example multi-label ``thresholds_``), add one line there, reusing a codec
(``"json"``, ``"history"``, ...) or adding one to
:data:`CODECS`. Attributes missing on the estimator are skipped at save (so
optional state works); a file that holds an attribute this version does not
know is refused at load, since silently dropping fitted state would change
predictions. Bump :data:`SCHEMA_VERSION` only for incompatible changes to the
layout above; ``load`` refuses other schema versions with a clear message.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from .targets import target_spec

__all__ = ["FITTED_ATTRIBUTES", "SCHEMA_VERSION", "load", "save"]

FORMAT = "skimbal-model"
SCHEMA_VERSION = 1
META_NAME = "skimbal.json"
MODEL_NAME = "model.keras"

# Target encoders (classes of skimbal.targets) whose state may be stored.
ENCODERS = ("TargetEncoder", "TimestepTargetEncoder")

# Estimators that may be reconstructed: name -> module (no arbitrary imports).
ESTIMATORS = {"WeightedSequenceClassifier": "skimbal.classifier"}

PathLike = str | os.PathLike


# -------------------------------------------------------------- JSON tagging
def _to_json(value: Any, where: str) -> Any:
    """Encode ``value`` as tagged JSON; raise TypeError if it is not plain data."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, np.generic) and value.dtype.kind == "U":
        return str(value)
    if isinstance(value, np.ndarray):
        return _array_to_json(value, where)
    if isinstance(value, np.dtype):
        return {"__dtype__": value.str}
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v, where) for v in value]}
    if isinstance(value, list):
        return [_to_json(v, where) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not any(
            k.startswith("__") for k in value
        ):
            return {k: _to_json(v, where) for k, v in value.items()}
        return {"__dict__": [[_to_json(k, where), _to_json(v, where)] for k, v in value.items()]}
    raise TypeError(f"{where}: {type(value).__name__} {value!r} is not JSON data")


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {_hashable(_from_json(k)): _from_json(v) for k, v in value["__dict__"]}
        if "__ndarray__" in value:
            return _array_from_json(value)
        if "__dtype__" in value:
            return np.dtype(value["__dtype__"])
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _array_to_json(arr: np.ndarray, where: str) -> dict[str, Any]:
    if arr.dtype.kind == "O":
        if not all(isinstance(v, (str, bool, int, float)) for v in arr.ravel().tolist()):
            raise TypeError(f"{where}: object array holds values that are not str/int/float/bool")
    elif arr.dtype.kind not in "biufU":
        raise TypeError(f"{where}: arrays of dtype {arr.dtype} cannot be stored")
    return {"__ndarray__": arr.tolist(), "dtype": arr.dtype.str, "shape": list(arr.shape)}


def _array_from_json(value: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(value["dtype"])
    if dtype.kind not in "biufUO":
        raise ValueError(f"unsupported array dtype {dtype}")
    if dtype.kind == "O":
        flat = np.empty(int(np.prod(value["shape"])), dtype=object)
        flat[:] = list(np.ravel(np.array(value["__ndarray__"], dtype=object)))
        return flat.reshape(value["shape"])
    return np.array(value["__ndarray__"], dtype=dtype).reshape(value["shape"])


# ------------------------------------------------------------------- codecs
def _encoder_to_json(enc: Any) -> dict[str, Any]:
    name = type(enc).__name__
    if name not in ENCODERS:
        raise TypeError(f"target encoder {name} cannot be stored")
    state = {
        key: {"__encoder__": _encoder_to_json(value)}
        if type(value).__name__ in ENCODERS
        else _to_json(value, f"target_encoder_.{key}")
        for key, value in vars(enc).items()
    }
    return {"class": name, "state": state}


def _encoder_from_json(data: dict[str, Any]) -> Any:
    name = data.get("class")
    if name not in ENCODERS:
        raise ValueError(f"unknown target encoder {name!r}")
    enc = object.__new__(getattr(import_module("skimbal.targets"), name))
    for key, value in data["state"].items():
        if isinstance(value, dict) and "__encoder__" in value:
            setattr(enc, key, _encoder_from_json(value["__encoder__"]))
        else:
            setattr(enc, key, _from_json(value))
    return enc


def _history_to_json(h: dict) -> dict:
    return {str(k): [float(v) for v in vals] for k, vals in h.items()}


#: name -> (to_json, from_json)
CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "json": (lambda v: _to_json(v, "fitted attribute"), _from_json),
    "array": (lambda v: _array_to_json(np.asarray(v), "fitted attribute"), _array_from_json),
    "history": (_history_to_json, lambda h: {k: list(v) for k, v in h.items()}),
    "target_encoder": (_encoder_to_json, _encoder_from_json),
}

#: Fitted attributes persisted in ``skimbal.json`` (``model_`` is ``model.keras``).
FITTED_ATTRIBUTES: dict[str, str] = {
    "classes_": "json",
    "n_classes_": "json",
    "target_type_": "json",
    "n_features_in_": "json",
    "n_outputs_": "json",
    "class_weight_": "json",
    "label_names_": "json",
    "threshold_": "json",
    "timestep_targets_": "json",
    "variable_length_": "json",
    "time_weight_": "json",
    "_label_weights": "json",  # multi-label loss weights (positive, negative)
    "history_": "history",
    "target_encoder_": "target_encoder",
    "_random_state": "json",
}


def _versions() -> dict[str, str]:
    out = {}
    for name, module in [("skimbal", "skimbal"), ("keras", "keras"),
                         ("tensorflow", "tensorflow"), ("numpy", "numpy"),
                         ("scikit-learn", "sklearn"), ("scikeras", "scikeras")]:
        try:
            out[name] = str(import_module(module).__version__)
        except Exception:  # pragma: no cover - a missing optional backend
            out[name] = "unknown"
    return out


# --------------------------------------------------------------------- save
def save(estimator: Any, path: PathLike, *, strict: bool = True) -> Path:
    """Write a fitted skimbal estimator to ``path`` (zip: metadata JSON + ``.keras``).

    Parameters
    ----------
    estimator : WeightedSequenceClassifier
        A fitted estimator.
    path : str or path-like
        Destination file; overwritten if it exists.
    strict : bool, default=True
        Refuse (``TypeError``) parameters that are not JSON data, such as a
        ``model=`` function, ``callbacks`` or optimizer/loss objects. With
        ``False`` they are stored as ``None`` and listed in ``dropped_params``.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The estimator is not fitted.
    TypeError
        Unsupported estimator, or (``strict=True``) non-data parameters.
    """
    from sklearn.utils.validation import check_is_fitted

    name = type(estimator).__name__
    if ESTIMATORS.get(name) != type(estimator).__module__:
        raise TypeError(
            f"save supports {', '.join(ESTIMATORS)}; got {type(estimator).__module__}.{name}."
        )
    check_is_fitted(estimator, "model_")

    params, dropped, bad = {}, [], []
    for key, value in estimator.get_params(deep=False).items():
        try:
            params[key] = _to_json(value, f"parameter {key}")
        except TypeError:
            bad.append(key)
            params[key] = None
            dropped.append(key)
    if bad and strict:
        raise TypeError(
            f"cannot save parameter(s) {', '.join(bad)}: only JSON data (None, bool, numbers, "
            "strings, lists, tuples, dicts) is stored, and skimbal does not pickle code such "
            "as model functions, callbacks or optimizer/loss objects. Pass optimizer and loss "
            "by name (e.g. optimizer='adam', optimizer__beta_1=0.8), or use "
            "save(path, strict=False) to store them as None (predictions are unaffected)."
        )
    fitted = {}
    for attr, codec in FITTED_ATTRIBUTES.items():
        if hasattr(estimator, attr):
            fitted[attr] = CODECS[codec][0](getattr(estimator, attr))
    meta = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "estimator": name,
        "versions": _versions(),
        "params": params,
        "dropped_params": dropped,
        "fitted": fitted,
    }
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory() as tmp:
        keras_file = Path(tmp) / MODEL_NAME
        estimator.model_.save(keras_file)
        try:  # write next to the target, then rename: no half-written file at `path`
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(META_NAME, json.dumps(meta, indent=1))
                zf.write(keras_file, MODEL_NAME)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------- load
def _read_archive(path: Path) -> tuple[dict[str, Any], bytes]:
    if not path.is_file():
        raise FileNotFoundError(f"no such skimbal model file: {path}")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if META_NAME not in names or MODEL_NAME not in names:
                hint = (
                    " It looks like a plain Keras file: use keras.saving.load_model."
                    if "config.json" in names
                    else ""
                )
                raise ValueError(
                    f"{path} is not a skimbal model file (no {META_NAME} and {MODEL_NAME}).{hint}"
                )
            raw_meta = zf.read(META_NAME)
            model_bytes = zf.read(MODEL_NAME)
    except zipfile.BadZipFile as exc:
        if magic == b"PK\x03\x04":
            raise ValueError(
                f"{path} is a truncated or corrupted skimbal model file ({exc})."
            ) from None
        raise ValueError(f"{path} is not a skimbal model file (not a zip archive).") from None
    except (EOFError, OSError) as exc:
        raise ValueError(
            f"{path} is a truncated or corrupted skimbal model file ({exc})."
        ) from None
    try:
        meta = json.loads(raw_meta.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {META_NAME} is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a skimbal model file ({META_NAME} has no format tag).")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        written_by = meta.get("versions", {}).get("skimbal", "an unknown version")
        raise ValueError(
            f"{path} uses skimbal file schema version {version!r} (written by skimbal "
            f"{written_by}); this skimbal reads schema version {SCHEMA_VERSION}. Load it with "
            "a matching skimbal version, or refit and save again."
        )
    return meta, model_bytes


def load(path: PathLike) -> Any:
    """Load an estimator written by :func:`save` / ``WeightedSequenceClassifier.save``.

    The Keras network is loaded with ``safe_mode=True``; nothing is unpickled.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    WeightedSequenceClassifier
        Fitted, with its parameters, ``classes_``, ``class_weight_``,
        ``history_``, target encoding and network restored.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Not a skimbal model file, a truncated / corrupted file, a different
        schema version, or fitted state this version does not know.
    """
    path = Path(path)
    meta, model_bytes = _read_archive(path)
    name = meta.get("estimator")
    if name not in ESTIMATORS:
        raise ValueError(f"{path}: unknown estimator {name!r}; expected one of {list(ESTIMATORS)}.")
    unknown = sorted(set(meta.get("fitted", {})) - set(FITTED_ATTRIBUTES))
    if unknown:
        raise ValueError(
            f"{path} holds fitted state this skimbal does not know ({', '.join(unknown)}); it "
            f"was written by skimbal {meta.get('versions', {}).get('skimbal')}. Upgrade skimbal."
        )
    cls = getattr(import_module(ESTIMATORS[name]), name)
    params = {k: _from_json(v) for k, v in meta["params"].items()}
    known = set(cls().get_params(deep=False))
    init = {k: v for k, v in params.items() if k in known}
    routed = {k: v for k, v in params.items() if k not in known}
    est = cls(**init, **routed)
    if meta.get("dropped_params"):
        warnings.warn(
            f"{path}: parameter(s) {', '.join(meta['dropped_params'])} were not saved and are "
            "None; predictions are unaffected, but refitting this estimator uses the defaults.",
            UserWarning,
            stacklevel=2,
        )
    for attr, value in meta["fitted"].items():
        setattr(est, attr, CODECS[FITTED_ATTRIBUTES[attr]][1](value))

    import keras

    with tempfile.TemporaryDirectory() as tmp:
        keras_file = Path(tmp) / MODEL_NAME
        keras_file.write_bytes(model_bytes)
        try:
            est.model_ = keras.saving.load_model(keras_file, safe_mode=True)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ValueError(f"{path}: the Keras model inside is corrupted ({exc}).") from None
    est._mode = target_spec(est.target_encoder_).output_mode(est.model_.outputs[0].shape)
    return est

