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

Pipelines (schema version 2)
----------------------------
:func:`save` of anything but a classifier (a ``Pipeline`` of sklearn,
imblearn or skimbal, or a single transformer) writes ``skimbal.json`` as::

    {"format": "skimbal-model", "schema_version": 2, "versions": {...},
     "object": NODE}

with one ``model-<i>.keras`` member per classifier. A NODE is ``null``,
``"passthrough"``, or an object whose ``"class"`` is ``"<public
module>.<Class>"`` of a scikit-learn, imbalanced-learn or skimbal estimator
(``"sklearn.preprocessing.StandardScaler"``):

- a classifier: ``{"class", "model": "model-0.keras", "params",
  "dropped_params", "fitted"}``, the schema-1 metadata above;
- a pipeline: ``{"class", "params", "steps": [[name, NODE], ...]}``;
- anything else: ``{"class", "params", "fitted"}``; an estimator-valued
  parameter (``SequenceSampler(sampler=SMOTE())``) is ``{"__estimator__":
  NODE}`` with empty ``fitted``. ``fitted`` holds the instance attributes
  that are not parameters (JSON data only; empty for samplers, which a
  fitted pipeline does not use).

``load`` rebuilds only allow-listed classes (:func:`_allowed_class`), checks
parameter names and constraints, refuses fitted attribute names that would
replace a parameter, method or class attribute, and reads every network
only after the whole tree has been checked.

Adding fitted state
-------------------
Fitted attributes are listed once, in :data:`skimbal._fit_plan.FITTED_STATE`
(shared with the classifier), each with the name of its codec, a pair of
functions ``(to_json, from_json)`` from :data:`CODECS`; :data:`FITTED_ATTRIBUTES`
(``name -> codec``) and :data:`REQUIRED_FITTED` are read from it. To persist a
new fitted attribute (for example multi-label ``thresholds_``), add one line
there, reusing a codec (``"json"``, ``"history"``, ...) or adding one to
:data:`CODECS`. Attributes missing on the estimator are skipped at save (so
optional state works); a file that holds an attribute this version does not
know is refused at load, since silently dropping fitted state would change
predictions. Bump :data:`SCHEMA_VERSION` only for incompatible changes to the
layout above; ``load`` refuses other schema versions with a clear message.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from ._fit_plan import (
    FITTED_STATE,
    FittedStateError,
    _is_int,
    check_fitted_state,
    check_params,
)
from .targets import target_spec

__all__ = ["FITTED_ATTRIBUTES", "OBJECT_SCHEMA_VERSION", "SCHEMA_VERSION", "load", "save"]

FORMAT = "skimbal-model"
SCHEMA_VERSION = 1
META_NAME = "skimbal.json"
MODEL_NAME = "model.keras"

# Target encoders (classes of skimbal.targets) whose state may be stored.
ENCODERS = ("TargetEncoder", "TimestepTargetEncoder")

# Estimators that may be reconstructed: name -> module (no arbitrary imports).
ESTIMATORS = {"WeightedSequenceClassifier": "skimbal.classifier"}

#: Schema version of files holding a pipeline or another object tree (``"object"``).
OBJECT_SCHEMA_VERSION = 2
#: Packages whose classes (imported from their public modules) pipelines may hold.
ALLOWED_PACKAGES = ("skimbal", "sklearn", "imblearn")
#: Instance attributes that are not stored (metadata routing requests).
UNSAVED_ATTRIBUTES = frozenset({"_metadata_request"})

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

#: Fitted attributes persisted in ``skimbal.json`` (``model_`` is ``model.keras``):
#: those of :data:`skimbal._fit_plan.FITTED_STATE` with a codec.
FITTED_ATTRIBUTES: dict[str, str] = {
    name: attr.codec for name, attr in FITTED_STATE.items() if attr.codec is not None
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
def save(obj: Any, path: PathLike, *, strict: bool = True) -> Path:
    """Write a fitted skimbal estimator or pipeline to ``path``, without pickle.

    ``obj`` is one of

    - a fitted :class:`~skimbal.WeightedSequenceClassifier` (schema version
      1: ``skimbal.json`` + ``model.keras``);
    - a fitted pipeline (:class:`sklearn.pipeline.Pipeline`,
      :class:`imblearn.pipeline.Pipeline` or :class:`skimbal.pipeline.Pipeline`,
      nested pipelines included), or a single transformer (schema version 2:
      ``skimbal.json`` describes the steps, one ``model-<i>.keras`` member
      per classifier). Its steps may be skimbal estimators and transformers,
      ``"passthrough"``, samplers (stored with their parameters only: a
      pipeline uses samplers during ``fit``, never to predict), and
      scikit-learn / imbalanced-learn estimators whose parameters are JSON
      data (estimator-valued parameters are stored the same way, by their
      parameters) and whose fitted attributes are arrays, numbers, strings
      or lists / dicts / tuples of them, such as ``StandardScaler``.

    Parameters
    ----------
    obj : WeightedSequenceClassifier, Pipeline or transformer
        Fitted.
    path : str or path-like
        Destination file; overwritten if it exists.
    strict : bool, default=True
        Refuse (``TypeError``) classifier parameters that are not JSON data,
        such as a ``model=`` function, ``callbacks`` or optimizer/loss
        objects. With ``False`` they are stored as ``None`` and listed in
        ``dropped_params``. Other steps are always strict: a parameter that
        is code (``FunctionTransformer(func=np.log1p)``) is refused.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The estimator, or a step of the pipeline, is not fitted.
    TypeError
        An unsupported object or step, or a parameter or fitted attribute
        that is not data (the message names the step and the attribute).
    """
    from sklearn.utils.validation import check_is_fitted

    if _is_classifier(obj):
        check_is_fitted(obj, "model_")
        meta = {"format": FORMAT, "schema_version": SCHEMA_VERSION,
                "estimator": type(obj).__name__, "versions": _versions(),
                **_classifier_meta(obj, strict)}
        models = {MODEL_NAME: obj.model_}
    else:
        models = {}
        node = _object_node(obj, _describe(obj), strict, models)
        meta = {"format": FORMAT, "schema_version": OBJECT_SCHEMA_VERSION,
                "versions": _versions(), "object": node}
    text = json.dumps(meta, indent=1)
    if len(text.encode("utf-8")) > MAX_META_BYTES:
        raise ValueError(f"the state of {_describe(obj)} takes more than MAX_META_BYTES="
                         f"{MAX_META_BYTES} bytes of JSON, more than skimbal.load reads.")
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory() as tmp:
        try:  # write next to the target, then rename: no half-written file at `path`
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(META_NAME, text)
                for member, model in models.items():
                    keras_file = Path(tmp) / member
                    model.save(keras_file)
                    zf.write(keras_file, member)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


def _is_classifier(obj: Any) -> bool:
    """Whether ``obj`` is a WeightedSequenceClassifier (not a subclass: see ESTIMATORS)."""
    name = type(obj).__name__
    return ESTIMATORS.get(name) == type(obj).__module__


def _classifier_meta(estimator: Any, strict: bool) -> dict[str, Any]:
    """The classifier's ``params``, ``dropped_params`` and ``fitted`` metadata."""
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
    return {"params": params, "dropped_params": dropped, "fitted": fitted}


def _describe(obj: Any) -> str:
    return type(obj).__name__


def _public_name(cls: type, where: str) -> str:
    """``"<public module>.<Class>"`` for an allowed class, or a TypeError naming ``where``."""
    parts = cls.__module__.split(".")
    public = []
    for part in parts:
        if part.startswith("_"):
            break
        public.append(part)
    module = ".".join(public)
    if parts[0] in ALLOWED_PACKAGES and public:
        try:
            found = getattr(import_module(module), cls.__name__, None)
        except ImportError:  # pragma: no cover - the class's own package
            found = None
        if found is cls:
            return f"{module}.{cls.__name__}"
    raise TypeError(
        f"cannot save {where}: {cls.__module__}.{cls.__name__} is not a scikit-learn, "
        "imbalanced-learn or skimbal class importable from its public module; skimbal "
        "stores no other classes (no pickle)."
    )


def _object_node(obj: Any, where: str, strict: bool, models: dict[str, Any],
                 fitted: bool = True) -> Any:
    """The JSON node of a pipeline, step or (``fitted=False``) parameter estimator."""
    from sklearn.base import BaseEstimator
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if obj is None or (isinstance(obj, str) and obj == "passthrough"):
        return obj
    if not isinstance(obj, BaseEstimator):
        raise TypeError(f"cannot save {where}: {type(obj).__name__} is not a scikit-learn "
                        "estimator.")
    if _is_classifier(obj) and fitted:
        check_is_fitted(obj, "model_")
        member = f"model-{len(models)}.keras"
        models[member] = obj.model_
        return {"class": _public_name(type(obj), where), "model": member,
                **_classifier_meta(obj, strict)}
    name = _public_name(type(obj), where)
    if isinstance(obj, Pipeline):
        if obj.memory is not None:
            raise TypeError(f"cannot save {where}: memory={obj.memory!r} (a cache location "
                            "on this machine) is not stored; set memory=None before saving.")
        params = {k: _to_json_named(v, where, f"parameter {k!r}")
                  for k, v in obj.get_params(deep=False).items() if k != "steps"}
        steps = [[step, _object_node(est, f"{where} > step {step!r}", strict, models)]
                 for step, est in obj.steps]
        return {"class": name, "params": params, "steps": steps}
    params = {}
    for key, value in obj.get_params(deep=False).items():
        if isinstance(value, BaseEstimator):
            params[key] = {"__estimator__": _object_node(
                value, f"{where} parameter {key!r}", strict, models, fitted=False)}
        else:
            params[key] = _to_json_named(value, where, f"parameter {key!r}")
    state = {}
    if fitted and not hasattr(obj, "fit_resample"):  # samplers: parameters only
        check_is_fitted(obj)
        for key, value in vars(obj).items():
            if key not in params and key not in UNSAVED_ATTRIBUTES:
                state[key] = _to_json_named(value, where, f"fitted attribute {key!r}")
    return {"class": name, "params": params, "fitted": state}


def _to_json_named(value: Any, where: str, what: str) -> Any:
    try:
        return _to_json(value, what)
    except TypeError:
        kind = "code" if callable(value) else type(value).__name__
        raise TypeError(
            f"cannot save {where}: its {what} is {kind} ({value!r:.80}), not data (arrays, "
            "numbers, strings, None, and lists / tuples / dicts of them). skimbal stores no "
            "code or arbitrary objects (no pickle); use pickle / joblib for such a pipeline, "
            "or save the steps it can store."
        ) from None


# --------------------------------------------------------------------- load
#: Largest uncompressed size accepted for ``skimbal.json`` and for any member of
#: the archives (``model.keras`` and the members inside it). Members are refused
#: when their declared size exceeds it, and read with this cap.
MAX_META_BYTES = 16 * 2**20
MAX_MEMBER_BYTES = 2**30
TOP_LEVEL_KEYS = frozenset({"format", "schema_version", "estimator", "versions", "params",
                            "dropped_params", "fitted"})
#: Fitted attributes every file must hold (the others in FITTED_ATTRIBUTES are optional).
REQUIRED_FITTED = tuple(name for name, attr in FITTED_STATE.items() if attr.required)
#: scikeras routing prefixes of ``prefix__name`` parameters.
ROUTING_PREFIXES = ("model", "fit", "compile", "predict", "optimizer", "loss", "metrics",
                    "callbacks")
_ENCODER_STATE = {
    "TargetEncoder": {"target_type", "label_names", "kind", "classes_", "dtype_", "ndim_",
                      "label_names_"},
    "TimestepTargetEncoder": {"target_type", "kind", "classes_", "dtype_", "_inner"},
}
_KERAS_MEMBERS = frozenset({"metadata.json", "config.json", "model.weights.h5"})
#: Top-level keys of a schema-2 file, and its network members.
OBJECT_TOP_LEVEL_KEYS = frozenset({"format", "schema_version", "versions", "object"})
_MODEL_MEMBER = re.compile(r"model-(0|[1-9][0-9]{0,5})\.keras")
#: Most networks (classifiers) one schema-2 file may hold.
MAX_MODELS = 64


def _corrupt(path: Path, member: str, what: str) -> ValueError:
    return ValueError(f"{path}: member {member} of this skimbal model file {what}.")


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, path: Path, where: str) -> bytes:
    """Read one zip member, refusing a declared or actual size above ``limit``."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _corrupt(path, where, f"declares {info.file_size} bytes uncompressed, more "
                       f"than the {limit} bytes skimbal reads (refused unread)")
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise _corrupt(path, where, f"is truncated or corrupted ({type(exc).__name__}: "
                       f"{exc})") from None
    if len(data) > limit:
        raise _corrupt(path, where, f"is larger than the {limit} bytes skimbal reads")
    return data


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a directory; skimbal.load expects a model file written by "
            "WeightedSequenceClassifier.save / skimbal.save."
        )
    if not path.exists():
        raise FileNotFoundError(f"no such skimbal model file: {path} (the path does not exist)")
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file; expected a skimbal model file.")


def _read_archive(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The checked top level of ``skimbal.json`` and the Keras members, by name."""
    _check_path(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if META_NAME not in names:
                hint = (
                    " It looks like a plain Keras file: use keras.saving.load_model."
                    if "config.json" in names
                    else ""
                )
                raise ValueError(
                    f"{path} is not a skimbal model file (no {META_NAME} and {MODEL_NAME}).{hint}"
                )
            raw_meta = _read_member(zf, META_NAME, MAX_META_BYTES, path, META_NAME)
            meta = _parse_meta(raw_meta, path)
            if meta["schema_version"] == SCHEMA_VERSION:
                kind = (f"{META_NAME} declares schema_version {SCHEMA_VERSION}: a classifier "
                        f"file, which holds only {META_NAME} and {MODEL_NAME}")
                if MODEL_NAME not in names:
                    raise ValueError(f"{path}: {kind}, but it has no member {MODEL_NAME} "
                                     f"(members: {sorted(names)}).")
                models = [MODEL_NAME]
            else:
                kind = (f"{META_NAME} declares schema_version {OBJECT_SCHEMA_VERSION}: a "
                        f"pipeline (object) file, which holds only {META_NAME} and "
                        "model-<i>.keras networks")
                models = sorted(n for n in set(names) if _MODEL_MEMBER.fullmatch(n))
            extra = sorted(set(names) - {META_NAME, *models})
            if extra or len(names) != len(models) + 1:
                raise ValueError(f"{path}: unexpected member(s) {extra or names}: {kind}.")
            if len(models) > MAX_MODELS:
                raise ValueError(f"{path} holds {len(models)} networks; skimbal reads at "
                                 f"most MAX_MODELS={MAX_MODELS}.")
            members = {m: _read_member(zf, m, MAX_MEMBER_BYTES, path, m) for m in models}
    except zipfile.BadZipFile as exc:
        if magic == b"PK\x03\x04":
            raise ValueError(
                f"{path} is a truncated or corrupted skimbal model file ({exc})."
            ) from None
        raise ValueError(f"{path} is not a skimbal model file (not a zip archive).") from None
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"{path} is a truncated or corrupted skimbal model file ({exc})."
        ) from None
    if meta["schema_version"] == SCHEMA_VERSION:
        unknown = sorted(set(meta) - TOP_LEVEL_KEYS)
        if unknown:
            raise ValueError(f"{path}: {META_NAME} has unknown key(s) {unknown}; expected "
                             f"only {sorted(TOP_LEVEL_KEYS)}.")
        _check_classifier_meta(meta, path)
    else:
        unknown = sorted(set(meta) - OBJECT_TOP_LEVEL_KEYS)
        if unknown or "object" not in meta:
            raise ValueError(f"{path}: {META_NAME} has unknown key(s) {unknown} or no "
                             f"'object'; expected {sorted(OBJECT_TOP_LEVEL_KEYS)}.")
    if not isinstance(meta.get("versions", {}), dict):
        raise ValueError(f"{path}: {META_NAME} key 'versions' must be a JSON object.")
    return meta, members


def _parse_meta(raw_meta: bytes, path: Path) -> dict[str, Any]:
    """``skimbal.json`` as a dict, with the format tag and a readable schema version."""
    try:
        meta = json.loads(raw_meta.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{path}: {META_NAME} is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a skimbal model file ({META_NAME} has no format tag).")
    version = meta.get("schema_version")
    if version not in (SCHEMA_VERSION, OBJECT_SCHEMA_VERSION) or isinstance(version, bool):
        versions = meta.get("versions")
        written_by = (versions.get("skimbal", "an unknown version")
                      if isinstance(versions, dict) else "an unknown version")
        raise ValueError(
            f"{path} uses skimbal file schema version {version!r} (written by skimbal "
            f"{written_by}); this skimbal reads schema version {SCHEMA_VERSION} (a "
            f"classifier) and {OBJECT_SCHEMA_VERSION} (pipelines). Load it with a matching "
            "skimbal version, or refit and save again."
        )
    return meta


def _check_classifier_meta(meta: dict[str, Any], path: Path) -> None:
    """``params``, ``fitted`` and ``dropped_params`` of a classifier have the right types."""
    for key, kind in (("params", dict), ("fitted", dict)):
        if not isinstance(meta.get(key), kind):
            raise ValueError(f"{path}: {META_NAME} key {key!r} is missing or not a "
                             f"JSON object (got {type(meta.get(key)).__name__}).")
    dropped = meta.get("dropped_params", [])
    if not isinstance(dropped, list) or not all(
        isinstance(d, str) and d in meta["params"] and meta["params"][d] is None
        for d in dropped
    ):
        raise ValueError(f"{path}: {META_NAME} key 'dropped_params' must list parameters "
                         "stored as null.")


def _decode(value: Any, where: str) -> Any:
    """``_from_json`` that turns any malformed tagged value into a ValueError naming it."""
    try:
        return _from_json(value)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ValueError(f"{where} is malformed ({type(exc).__name__}: {exc})") from None


def _load_params(cls: type, meta: dict[str, Any], path: Path) -> Any:
    """The estimator with the file's parameters, held to the rules ``fit`` applies
    (:func:`skimbal._fit_plan.check_params`)."""
    known = set(cls().get_params(deep=False))
    routed_name = re.compile(rf"^({'|'.join(ROUTING_PREFIXES)})__[A-Za-z][A-Za-z0-9_]*$")
    params = {}
    for key, value in meta["params"].items():
        if key not in known and not routed_name.match(key):
            raise ValueError(
                f"{path}: {META_NAME} holds unknown parameter {key!r}; "
                f"{cls.__name__} has no such parameter."
            )
        params[key] = _decode(value, f"{path}: {META_NAME} parameter {key!r}")
    for key in ("model", "callbacks"):
        if params.get(key) is not None:
            raise ValueError(f"{path}: {META_NAME} parameter {key!r} must be null (code is "
                             "never stored in a skimbal file).")
    est = cls(**params)
    try:
        check_params(est.get_params(deep=False), caller_name=cls.__name__)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {META_NAME} holds an invalid parameter: {exc}") from None
    return est


def _check_encoder_json(data: Any, where: str) -> None:
    if not isinstance(data, dict) or set(data) != {"class", "state"} or not isinstance(
        data["state"], dict
    ):
        raise ValueError(f"{where} must be an object with keys 'class' and 'state'")
    name = data["class"]
    if name not in _ENCODER_STATE:
        raise ValueError(f"{where}: unknown target encoder {name!r}")
    unknown = sorted(set(data["state"]) - _ENCODER_STATE[name])
    if unknown:
        raise ValueError(f"{where}: unknown {name} state {unknown}")
    inner = data["state"].get("_inner")
    if isinstance(inner, dict) and "__encoder__" in inner:
        _check_encoder_json(inner["__encoder__"], f"{where}._inner")
        if inner["__encoder__"]["class"] != "TargetEncoder":
            raise ValueError(f"{where}._inner must be a TargetEncoder")


def _load_fitted(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    """Decode the fitted attributes and check their types and mutual consistency."""
    fitted = meta["fitted"]
    unknown = sorted(set(fitted) - set(FITTED_ATTRIBUTES))
    if unknown:
        versions = meta.get("versions", {})
        raise ValueError(
            f"{path} holds fitted state this skimbal does not know ({', '.join(unknown)}); it "
            f"was written by skimbal {versions.get('skimbal')}. Upgrade skimbal."
        )
    missing = [a for a in REQUIRED_FITTED if a not in fitted]
    if missing:
        raise ValueError(f"{path}: {META_NAME} lacks the fitted attribute(s) "
                         f"{', '.join(missing)}; the file is incomplete.")
    where = f"{path}: {META_NAME} fitted "
    _check_encoder_json(fitted["target_encoder_"], where + "'target_encoder_'")
    h = fitted["history_"]
    if not isinstance(h, dict) or not all(
        isinstance(v, list) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                    for x in v) for v in h.values()
    ):
        raise ValueError(where + "'history_' must map metric names to lists of numbers")
    out = {}
    for attr, value in fitted.items():
        try:
            out[attr] = CODECS[FITTED_ATTRIBUTES[attr]][1](value)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"{where}{attr!r} is malformed ({type(exc).__name__}: "
                             f"{exc})") from None
    try:
        check_fitted_state(out)
    except FittedStateError as exc:
        raise ValueError(f"{where}{exc.key!r}: {exc}") from None
    return out


def _check_keras_archive(model_bytes: bytes, path: Path, fitted: dict[str, Any]) -> None:
    """Check the ``model.keras`` member (a zip) before Keras reads it.

    Members and sizes are checked, every member is read once with a cap (CRC
    checked), and ``config.json`` is compared with the fitted metadata where it
    can be: input features, output units, and the modules of serialized objects.
    """
    import io

    where = MODEL_NAME
    try:
        zf = zipfile.ZipFile(io.BytesIO(model_bytes))
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise _corrupt(path, where, f"is not a Keras archive, or is truncated ({exc})") from None
    with zf:
        names = zf.namelist()
        bad = [m for m in names if m not in _KERAS_MEMBERS and not m.startswith("assets/")]
        if bad or "config.json" not in names or "model.weights.h5" not in names:
            raise _corrupt(path, where, f"is not a Keras archive as skimbal writes it "
                           f"(members {names})")
        config_bytes = b""
        for m in names:
            data = _read_member(zf, m, MAX_MEMBER_BYTES, path, f"{where}/{m}")
            if m == "config.json":
                config_bytes = data
    try:
        config = json.loads(config_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _corrupt(path, f"{where}/config.json", f"is not valid JSON ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise _corrupt(path, f"{where}/config.json", "is not a Keras model config")
    _check_modules(config, path)
    layers = config["config"].get("layers")
    if not isinstance(layers, list):
        return
    by_name = {lay.get("name"): lay for lay in layers if isinstance(lay, dict)}
    for lay in layers:
        if isinstance(lay, dict) and lay.get("class_name") == "InputLayer":
            shape = (lay.get("config") or {}).get("batch_shape")
            if isinstance(shape, list) and shape and shape[-1] != fitted["n_features_in_"]:
                raise ValueError(
                    f"{path}: fitted 'n_features_in_' is {fitted['n_features_in_']} but the "
                    f"network in {MODEL_NAME} takes {shape[-1]} features per timestep."
                )
    outs = config["config"].get("output_layers")
    if isinstance(outs, list) and len(outs) == 3 and isinstance(outs[0], str):
        out = by_name.get(outs[0])
        units = ((out or {}).get("config") or {}).get("units")
        if (out or {}).get("class_name") == "Dense" and _is_int(units):
            try:
                spec = target_spec(fitted["target_encoder_"])
                spec.output_mode((None, None, units) if spec.per_timestep else (None, units))
            except ValueError as exc:
                raise ValueError(f"{path}: the network in {MODEL_NAME} does not fit the "
                                 f"fitted 'classes_' / 'target_type_': {exc}") from None


def _check_modules(node: Any, path: Path, depth: int = 0) -> None:
    """Every serialized object in the config comes from Keras or skimbal, or is registered."""
    if depth > 200:
        raise _corrupt(path, f"{MODEL_NAME}/config.json", "is nested too deeply")
    if isinstance(node, dict):
        module = node.get("module")
        if isinstance(module, str) and "class_name" in node:
            root = module.split(".")[0]
            registered = node.get("registered_name")
            if root not in ("keras", "skimbal") and not (
                isinstance(registered, str) and _is_registered(registered)
            ):
                raise _corrupt(
                    path, f"{MODEL_NAME}/config.json",
                    f"refers to {module}.{node.get('class_name')}, which is neither part of "
                    "Keras or skimbal nor a registered Keras serializable (refused)")
        for v in node.values():
            _check_modules(v, path, depth + 1)
    elif isinstance(node, list):
        for v in node:
            _check_modules(v, path, depth + 1)


def _is_registered(name: str) -> bool:
    import keras

    return keras.saving.get_registered_object(name) is not None


def _check_loaded_model(model: Any, fitted: dict[str, Any], path: Path) -> str:
    """Check the loaded network's input/output shapes against the metadata; return ``_mode``."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"{path}: the network in {MODEL_NAME} must have one input and one "
                         f"output; it has {len(model.inputs)} and {len(model.outputs)}.")
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 3 or shape[-1] != fitted["n_features_in_"]:
        raise ValueError(
            f"{path}: fitted 'n_features_in_' is {fitted['n_features_in_']} but the network "
            f"in {MODEL_NAME} has input shape {shape}."
        )
    out = tuple(model.outputs[0].shape)
    spec = target_spec(fitted["target_encoder_"])
    if len(out) != (3 if spec.per_timestep else 2):
        raise ValueError(f"{path}: the network in {MODEL_NAME} has output shape {out}, which "
                         f"does not fit fitted 'target_type_' {spec.kind!r}.")
    try:
        return spec.output_mode(out)
    except ValueError as exc:
        raise ValueError(f"{path}: the network in {MODEL_NAME} does not fit the fitted "
                         f"'classes_' / 'target_type_': {exc}") from None


def load(path: PathLike, *, allow_user_model: bool = False) -> Any:
    """Load an estimator or pipeline written by :func:`save` / ``WeightedSequenceClassifier.save``.

    Everything in the file is checked **before** Keras reads the network: the
    archive's members and their sizes, the metadata against a strict schema
    (known parameters, each valid for its constraints; known fitted attributes
    with consistent types and shapes), and the network's config against the
    metadata. The network is then loaded with ``safe_mode=True`` (nothing is
    unpickled) and its input / output shapes are checked once more before the
    estimator is returned. A pipeline file (schema version 2) is rebuilt from
    allow-listed classes only (scikit-learn, imbalanced-learn and skimbal
    estimators, named by their public module), every step checked before any
    network is read.

    Parameters
    ----------
    path : str or path-like
    allow_user_model : bool, default=False
        Load networks that a user model function (``model=``) built. skimbal
        checks the networks its own builders make against an allow-list of
        their layers and config keys before Keras reads them; a network from
        a user function cannot be checked that way, so such a file is refused
        unless you trust it and pass ``True`` (Keras' ``safe_mode`` then is the
        only check of its layers; see ``docs/saving.md``).

    Returns
    -------
    WeightedSequenceClassifier, Pipeline or transformer
        Fitted, with its parameters, ``classes_``, ``class_weight_``,
        ``history_``, target encoding and network restored; for a pipeline,
        every step (samplers by their parameters, unfitted).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    IsADirectoryError
        ``path`` is a directory.
    ValueError
        Not a skimbal model file; a truncated / corrupted file or member;
        a member larger than the size limit; a different schema version;
        unknown or inconsistent metadata (the message names the file and the
        member or key).
    """
    path = Path(path)
    meta, members = _read_archive(path)
    if meta["schema_version"] == SCHEMA_VERSION:
        name = meta.get("estimator")
        if name not in ESTIMATORS:
            raise ValueError(f"{path}: unknown estimator {name!r}; expected one of "
                             f"{list(ESTIMATORS)}.")
        est, fitted = _prepare_classifier(meta, members[MODEL_NAME], path)
        _check_networks(meta, members, path, allow_user_model)  # allow-list, before Keras
        _finish_classifier(est, fitted, members[MODEL_NAME], path)
        return est
    pending: list = []
    obj = _object_from_node(meta["object"], "object", meta, members, path, pending)
    unused = sorted(set(members) - {member for member, *_ in pending})
    if unused:
        raise ValueError(f"{path}: member(s) {unused} are not used by any classifier in "
                         f"{META_NAME}.")
    _check_networks(meta, members, path, allow_user_model)  # allow-list, before Keras
    for member, est, fitted, where in pending:  # Keras reads networks only once all is checked
        _finish_classifier(est, fitted, members[member], where)
    return obj


# ------------------------- network allow-list before Keras reads it (issue 30)
def _check_networks(meta: dict[str, Any], members: dict[str, bytes], path: Path,
                    allow_user_model: bool) -> None:
    """Check every network's config.json (skimbal._model_check) before Keras reads any."""
    from ._fit_plan import check_compile_names
    from ._model_check import check_compile_config, check_compile_params, check_model_config

    for member, user_model, params in _network_members(meta):
        p = {k: _from_json(params.get(k)) for k in ("optimizer", "loss", "metrics")}
        try:  # what fit would hand Keras, checked now rather than at the next fit
            check_compile_params(p["optimizer"], p["loss"], p["metrics"], check_compile_names,
                                 _is_registered)
        except ValueError as exc:
            raise ValueError(f"{path}: {META_NAME} holds an invalid parameter: {exc}") from None
        where = f"{path}: member {member}/config.json"
        if user_model and not allow_user_model:
            raise ValueError(
                f"{path}: the network in member {member} was built by a user model function "
                "(parameter 'model' was not saved), so skimbal cannot check it against the "
                "networks its own builders make. If you trust this file, load it with "
                "skimbal.load(path, allow_user_model=True); Keras' safe_mode is then the only "
                "check of its layers (docs/saving.md)."
            )
        config = _network_config(members[member], path, member)
        try:
            check_compile_config(config.get("compile_config"), check_compile_names,
                                 strict=not user_model, is_registered=_is_registered)
            if not user_model:
                check_model_config(config)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None


def _network_members(meta: dict[str, Any]) -> list[tuple[str, bool, dict[str, Any]]]:
    """``(member, built by a user model function, params)`` for each network of a file."""
    def user(node: dict[str, Any]) -> bool:
        return "model" in (node.get("dropped_params") or [])

    if meta["schema_version"] == SCHEMA_VERSION:
        return [(MODEL_NAME, user(meta), meta["params"])]
    found: list[tuple[str, bool, dict[str, Any]]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict) and isinstance(node.get("model"), str):
            found.append((node["model"], user(node), node["params"]))
        elif isinstance(node, dict) and isinstance(node.get("steps"), list):
            for _, step in node["steps"]:
                walk(step)

    walk(meta["object"])
    return found


def _network_config(model_bytes: bytes, path: Path, member: str) -> dict[str, Any]:
    """The parsed config.json of a network member (already checked by _check_keras_archive)."""
    import io

    with zipfile.ZipFile(io.BytesIO(model_bytes)) as zf:
        config = json.loads(_read_member(zf, "config.json", MAX_MEMBER_BYTES, path,
                                         f"{member}/config.json").decode("utf-8"))
    return config
# ------------------------------------------------------------------ (issue 30)


def _prepare_classifier(meta: dict[str, Any], model_bytes: bytes,
                        path: Path) -> tuple[Any, dict[str, Any]]:
    """A classifier with the file's checked parameters, and its checked fitted state."""
    fitted = _load_fitted(meta, path)
    name = "WeightedSequenceClassifier"
    cls = getattr(import_module(ESTIMATORS[name]), name)
    est = _load_params(cls, meta, path)
    uses_priors = est.prior_correction or est.logit_adjustment == "post-hoc"
    if uses_priors and not {"class_prior_", "training_prior_"} <= set(fitted):
        raise ValueError(f"{path}: {META_NAME} fitted state lacks 'class_prior_' / "
                         "'training_prior_', which prior_correction / "
                         "logit_adjustment='post-hoc' need at predict time.")
    _check_keras_archive(model_bytes, path, fitted)
    if meta.get("dropped_params"):
        warnings.warn(
            f"{path}: parameter(s) {', '.join(meta['dropped_params'])} were not saved and are "
            "None; predictions are unaffected, but refitting this estimator uses the defaults.",
            UserWarning,
            stacklevel=3,
        )
    return est, fitted


def _finish_classifier(est: Any, fitted: dict[str, Any], model_bytes: bytes,
                       path: Path) -> None:
    """Load the network (``safe_mode=True``), check it, and set the fitted state."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        keras_file = Path(tmp) / MODEL_NAME
        keras_file.write_bytes(model_bytes)
        try:
            model = keras.saving.load_model(keras_file, safe_mode=True)
        except Exception as exc:  # anything Keras refuses: one error naming the file
            msg = str(exc).replace(str(keras_file), MODEL_NAME)
            raise ValueError(f"{path}: member {MODEL_NAME} could not be loaded by Keras "
                             f"(safe_mode=True): {type(exc).__name__}: {msg}") from None
    mode = _check_loaded_model(model, fitted, path)
    for attr, value in fitted.items():
        setattr(est, attr, value)
    est.model_ = model
    est._mode = mode


# ----------------------------------------------------- pipelines (schema 2)
_STEP_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}|_[A-Za-z0-9][A-Za-z0-9_]{0,99}")
_CLASS_PATH = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.[A-Za-z][A-Za-z0-9_]*")


def _allowed_class(name: Any, where: str) -> type:
    """The class named ``"<public module>.<Class>"`` if skimbal may rebuild it."""
    from sklearn.base import BaseEstimator

    refused = ValueError(
        f"{where}: class {name!r} is refused: skimbal rebuilds only scikit-learn, "
        "imbalanced-learn and skimbal estimators, named by their public module "
        "(e.g. 'sklearn.preprocessing.StandardScaler')."
    )
    if not isinstance(name, str) or not _CLASS_PATH.fullmatch(name):
        raise refused
    module, _, cls_name = name.rpartition(".")
    if module.split(".")[0] not in ALLOWED_PACKAGES:
        raise refused
    try:
        cls = getattr(import_module(module), cls_name, None)
    except Exception:  # not importable (or fails to import): not a class we rebuild
        raise refused from None
    if not isinstance(cls, type) or not issubclass(cls, BaseEstimator) or (
        f"{cls.__module__}.{cls.__name__}" != name and _public_name_or_none(cls) != name
    ):
        raise refused
    return cls


def _public_name_or_none(cls: type) -> str | None:
    try:
        return _public_name(cls, "")
    except TypeError:
        return None


def _check_keys(node: dict, keys: set[str], where: str) -> None:
    if set(node) != keys:
        raise ValueError(f"{where} must have exactly the keys {sorted(keys)}; got "
                         f"{sorted(node)}.")


def _object_from_node(node: Any, where: str, meta: dict[str, Any], members: dict[str, bytes],
                      path: Path, pending: list, fitted: bool = True) -> Any:
    """Rebuild one node of a schema-2 file (Keras networks are loaded later: ``pending``)."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    where_full = f"{path}: {META_NAME} {where}"
    if node is None or node == "passthrough":
        return node
    if not isinstance(node, dict) or "class" not in node:
        raise ValueError(f"{where_full} must be an object with a 'class'.")
    cls = _allowed_class(node["class"], where_full)
    if fitted and ESTIMATORS.get(cls.__name__) == cls.__module__:
        _check_keys(node, {"class", "model", "params", "dropped_params", "fitted"}, where_full)
        member = node["model"]
        if member not in members or any(member == m for m, *_ in pending):
            raise ValueError(f"{where_full}: 'model' {member!r} is not a network member of "
                             "this file, or is used twice.")
        label = Path(f"{path} [{where}]")  # messages name the file and the step
        sub = {"params": node["params"], "fitted": node["fitted"],
               "dropped_params": node["dropped_params"], "versions": meta.get("versions", {})}
        _check_classifier_meta(sub, label)
        est, state = _prepare_classifier(sub, members[member], label)
        pending.append((member, est, state, label))
        return est
    if issubclass(cls, Pipeline):
        _check_keys(node, {"class", "params", "steps"}, where_full)
        steps = node["steps"]
        if not isinstance(steps, list) or not steps or not all(
            isinstance(s, list) and len(s) == 2 and isinstance(s[0], str)
            and _STEP_NAME.fullmatch(s[0]) for s in steps
        ) or len({s[0] for s in steps}) != len(steps):
            raise ValueError(f"{where_full} 'steps' must be a list of [name, step] pairs with "
                             "distinct names.")
        built = [(name, _object_from_node(step, f"{where} > step {name!r}", meta, members,
                                          path, pending)) for name, step in steps]
        return _construct(cls, {**_decode_params(node, where_full, cls), "steps": built},
                          where_full)
    keys = {"class", "params", "fitted"}
    _check_keys(node, keys, where_full)
    params = {}
    raw = node["params"] if isinstance(node["params"], dict) else None
    if raw is None:
        raise ValueError(f"{where_full} 'params' must be a JSON object.")
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"__estimator__"}:
            params[key] = _object_from_node(value["__estimator__"], f"{where} parameter "
                                            f"{key!r}", meta, members, path, pending,
                                            fitted=False)
        else:
            params[key] = _decode(value, f"{where_full} parameter {key!r}")
    est = _construct(cls, params, where_full)
    state = node["fitted"]
    if not isinstance(state, dict):
        raise ValueError(f"{where_full} 'fitted' must be a JSON object.")
    if state and (not fitted or hasattr(est, "fit_resample")):
        raise ValueError(f"{where_full}: a sampler or parameter estimator holds no fitted "
                         "state in a skimbal file.")
    for key, value in state.items():
        if not isinstance(key, str) or not _ATTRIBUTE.fullmatch(key) or key in params or (
            hasattr(cls, key) or key in UNSAVED_ATTRIBUTES
        ):
            raise ValueError(f"{where_full}: fitted attribute {key!r} is refused (not a "
                             "plain attribute name, or it would replace a parameter, method "
                             "or class attribute).")
        setattr(est, key, _decode(value, f"{where_full} fitted attribute {key!r}"))
    if fitted and not hasattr(est, "fit_resample"):
        try:
            check_is_fitted(est)
        except Exception:
            raise ValueError(f"{where_full}: {cls.__name__} holds no fitted state.") from None
    return est


def _decode_params(node: dict, where: str, cls: type) -> dict[str, Any]:
    if not isinstance(node["params"], dict):
        raise ValueError(f"{where} 'params' must be a JSON object.")
    if "steps" in node["params"] or node["params"].get("memory") is not None:
        raise ValueError(f"{where} 'params' must not hold 'steps', and 'memory' must be "
                         "null.")
    return {k: _decode(v, f"{where} parameter {k!r}") for k, v in node["params"].items()}


def _construct(cls: type, params: dict[str, Any], where: str) -> Any:
    """``cls(**params)``, with the parameters checked against ``cls``'s constraints."""
    known = set(cls._get_param_names())
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(f"{where}: unknown parameter(s) {unknown} for {cls.__name__}.")
    est = cls(**params)
    try:
        if hasattr(est, "_validate_params"):
            est._validate_params()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{where} holds an invalid parameter: {exc}") from None
    return est
