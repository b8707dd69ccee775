"""Deciding a fit, without Keras: the parameter rules and the fit plan.

``WeightedSequenceClassifier.fit`` is *plan -> build -> compile -> train ->
commit*. Everything decided before Keras is here, in plain functions:

- :data:`PARAMETER_RULES`, one declarative table of what each parameter may be
  (scikit-learn ``_param_validation`` constraints; :data:`NOT_BOOL` marks the
  numbers for which a bool is a mistake), and :data:`CROSS_RULES`, the named
  rules between parameters. :func:`check_params` applies both, and the
  compile names (:func:`check_compile_names`); ``fit`` and :func:`skimbal.load`
  call it, so a saved file is held to the rules ``fit`` is held to. Adding a
  parameter is one entry in :data:`PARAMETER_RULES` (and the ``__init__``
  argument).
- :func:`plan_fit` -> :class:`FitPlan`, a frozen record of one fit: the input,
  the target spec and codes, weights and where they act, priors, the
  validation split, seeds, batch / epochs / length buckets, front-end choices
  and the moments for standardisation.
- :data:`FITTED_STATE`, the one list of fitted attributes (the classifier's
  working copy and :mod:`skimbal.persistence` both read it), and
  :func:`check_fitted_state`, the per-kind invariants of a fitted state.

This module imports no Keras. The architecture rules are
:mod:`skimbal._architecture_rules` and the seed :mod:`skimbal._seeds` (both
Keras-free); the constraints that name Keras classes and the compile-name check
reach Keras only when they are evaluated (:func:`_keras_class`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    _InstancesOf,
    validate_parameter_constraints,
)

from ._architecture_rules import (
    ARCHITECTURES,
    CELL_NAMES,
    POOLINGS,
    check_architecture_params,
    resolve_conv_pool,
    resolve_frontend_strides,
    resolve_lite_kernel_size,
)
from ._batch_plan import (
    TrainingPlan,
    check_length_buckets,
    deferred_start_epoch,
    passes_per_round,
    plan_training,
    resolve_length_buckets,
    validation_split_or_none,
)
from ._seeds import seed_from_random_state
from ._thresholds import check_threshold
from ._validation import check_sequence_batch
from .model_selection import validation_strata
from .preprocessing import channel_moments
from .priors import class_prior, training_prior
from .targets import (
    KINDS,
    TARGET_TYPES,
    TIMESTEP_KINDS,
    TargetEncoder,
    TargetSpec,
    TimestepTargetEncoder,
    encode_target,
    is_timestep_target,
    target_spec,
)
from .weights import FittedWeights, align_time_weights, fit_weights, time_weight_profile

__all__ = [
    "CROSS_RULES",
    "FITTED_STATE",
    "NOT_BOOL",
    "PARAMETER_RULES",
    "FitPlan",
    "FittedAttribute",
    "FittedStateError",
    "check_compile_names",
    "check_fitted_state",
    "check_params",
    "plan_fit",
]


# ------------------------------------------------------------ lazy Keras names
def _keras_class(path: str) -> type | None:
    """``keras.<path>`` if Keras is imported, else ``None``: no object can be an
    instance of a Keras class before Keras is imported."""
    keras = sys.modules.get("keras")
    if keras is None:
        return None
    obj: Any = keras
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


class _NotBool(Options):
    """Marks a numeric parameter for which a bool (an ``int`` subclass) is a mistake.

    Never satisfied and hidden, so it changes nothing in scikit-learn's check;
    :func:`check_params` refuses a bool for such a parameter first, with a
    ``TypeError`` ("must be a number, not the bool ..."). (An ``Options``, as
    scikit-learn accepts only its own constraint classes.)
    """

    def __init__(self) -> None:
        super().__init__(bool, set())
        self.hidden = True

    def is_satisfied_by(self, val: Any) -> bool:
        return False

    def __str__(self) -> str:
        return "not a bool"


#: The bool exclusion of :data:`PARAMETER_RULES` (``Interval(Integral)`` accepts bools).
NOT_BOOL = _NotBool()


class _KerasInstance(Options):
    """An instance of ``keras.<path>``; checked without importing Keras."""

    def __init__(self, path: str) -> None:
        super().__init__(object, set())
        self.path = path

    def is_satisfied_by(self, val: Any) -> bool:
        cls = _keras_class(self.path)
        return cls is not None and isinstance(val, cls)

    def __str__(self) -> str:
        import keras  # noqa: F401  (only to word an error)

        return str(_InstancesOf(_keras_class(self.path)))


_POSITIVE_INT = Interval(Integral, 1, None, closed="left")

#: What each parameter of ``WeightedSequenceClassifier`` may be (one entry a
#: parameter). Constraints are scikit-learn's; :data:`NOT_BOOL` refuses bools.
PARAMETER_RULES: dict[str, list[Any]] = {
    "model": [callable, None],
    "architecture": [StrOptions(set(ARCHITECTURES))],
    "cell": [StrOptions(set(CELL_NAMES))],
    "units": [NOT_BOOL, _POSITIVE_INT, tuple, list],
    "bidirectional": ["boolean"],
    "dropout": [NOT_BOOL, Interval(Real, 0, 1, closed="left")],
    "dense_units": [tuple, list],
    "pooling": [StrOptions(set(POOLINGS))],
    "conv_filters": [tuple, list],
    "conv_kernel_sizes": [tuple, list],
    "frontend_strides": [StrOptions({"auto"}), tuple, list],
    "frontend_filters": [NOT_BOOL, _POSITIVE_INT],
    "lite_filters": [NOT_BOOL, _POSITIVE_INT],
    "lite_kernel_size": [NOT_BOOL, _POSITIVE_INT],
    "conv_norm": [StrOptions({"auto", "batch", "layer"})],
    "n_members": [NOT_BOOL, _POSITIVE_INT],
    "length_buckets": [StrOptions({"auto"}), _POSITIVE_INT, None],
    "class_weight": [None, StrOptions({"balanced", "effective"}), dict, "array-like"],
    "beta": [NOT_BOOL, Interval(Real, 0, 1, closed="left")],
    "class_weight_start": [NOT_BOOL, Interval(Real, 0, 1, closed="left")],
    "focal_gamma": [NOT_BOOL, Interval(Real, 0, None, closed="left")],
    "standardize": ["boolean"],
    "normalize_weights": ["boolean"],
    "target_type": [StrOptions(set(TARGET_TYPES))],
    "label_names": [None, "array-like"],
    "threshold": [Interval(Real, 0, 1, closed="neither"), StrOptions({"tune"}),
                  "array-like"],
    "optimizer": [str, type, _KerasInstance("optimizers.Optimizer")],
    "learning_rate": [NOT_BOOL, Interval(Real, 0, None, closed="neither"), None],
    "loss": [str, _KerasInstance("losses.Loss"), callable, None],
    "metrics": [list, None],
    "epochs": [NOT_BOOL, _POSITIVE_INT, StrOptions({"auto"})],
    "batch_size": [NOT_BOOL, _POSITIVE_INT, StrOptions({"auto"})],
    "validation_fraction": [NOT_BOOL, Interval(Real, 0, 1, closed="left"),
                            StrOptions({"auto"})],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "patience": [NOT_BOOL, Interval(Integral, 0, None, closed="left")],
    "lr_schedule": [StrOptions({"cosine", "plateau"}), None],
    "callbacks": [list, None],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
    "per_timestep": [StrOptions({"auto"}), "boolean"],
    "time_weight": [None, StrOptions({"linear", "exponential"}), "array-like", callable],
    "time_weight_range": [tuple, list],
    "time_weight_half_life": [NOT_BOOL, Interval(Real, 0, None, closed="neither")],
    "logit_adjustment": [StrOptions({"loss", "post-hoc"}), None],
    "tau": [NOT_BOOL, Interval(Real, 0, None, closed="left")],
    "balanced_batches": ["boolean"],
    "prior_correction": ["boolean"],
}


def _not_bool(params: dict[str, Any]) -> None:
    for name, rules in PARAMETER_RULES.items():
        value = params.get(name)
        if NOT_BOOL in rules and isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"{name} must be a number (or 'auto' where allowed), not the bool {value!r}."
            )


# ------------------------------------------------------ cross-parameter rules
def architecture_rule(p: dict[str, Any]) -> None:
    """The architecture parameters fit together
    (:func:`skimbal.architectures.check_architecture_params`)."""
    check_architecture_params(
        architecture=p["architecture"], units=p["units"], dense_units=p["dense_units"],
        pooling=p["pooling"], conv_filters=p["conv_filters"],
        conv_kernel_sizes=p["conv_kernel_sizes"],
        frontend_strides=() if isinstance(p["frontend_strides"], str)
        else p["frontend_strides"],
        n_members=p["n_members"], lite_filters=p["lite_filters"],
        lite_kernel_size=p["lite_kernel_size"],
    )


def ensemble_needs_skimbals_network(p: dict[str, Any]) -> None:
    if p["n_members"] > 1 and p["model"] is not None:
        raise ValueError(
            f"n_members={p['n_members']} builds an ensemble of skimbal's own networks "
            "(model=None); a user model function builds one network. Build the ensemble "
            "in the model function, or use n_members=1."
        )


def tuned_threshold_needs_split(p: dict[str, Any]) -> None:
    if isinstance(p["threshold"], str) and p["validation_fraction"] == 0:
        raise ValueError(
            "threshold='tune' picks thresholds on the internal validation split; "
            "set validation_fraction > 0 (e.g. 0.2)."
        )


def logit_adjusted_loss_is_skimbals(p: dict[str, Any]) -> None:
    if p["logit_adjustment"] == "loss" and p["loss"] is not None:
        raise ValueError(
            "logit_adjustment='loss' trains with skimbal's logit-adjusted "
            f"cross-entropy, so it cannot be combined with loss={p['loss']!r}; leave "
            "loss=None, or use logit_adjustment='post-hoc' with your own loss."
        )


def deferral_needs_class_weight(p: dict[str, Any]) -> None:
    if p["class_weight_start"] > 0 and p["class_weight"] is None:
        raise ValueError(
            f"class_weight_start={p['class_weight_start']!r} defers the class weights, "
            "but class_weight=None has none to defer; set a class_weight (e.g. "
            "'balanced') or class_weight_start=0."
        )


def focal_loss_is_skimbals(p: dict[str, Any]) -> None:
    if p["focal_gamma"] > 0 and p["loss"] is not None:
        raise ValueError(
            f"focal_gamma={p['focal_gamma']!r} makes skimbal's default loss a focal "
            f"loss, so it cannot be combined with loss={p['loss']!r}; use loss=None "
            "with focal_gamma, or focal_gamma=0 with your own loss."
        )


def model_is_a_function(p: dict[str, Any]) -> None:
    model_class = _keras_class("Model")
    if model_class is not None and isinstance(p["model"], model_class):
        raise TypeError(
            "model must be a function that builds a Keras model, not a model "
            "instance (an instance would be shared between clones and folds)."
        )


#: Rules between parameters, applied in this order after :data:`PARAMETER_RULES`.
CROSS_RULES = (
    architecture_rule,
    tuned_threshold_needs_split,
    logit_adjusted_loss_is_skimbals,
    deferral_needs_class_weight,
    focal_loss_is_skimbals,
    model_is_a_function,
    ensemble_needs_skimbals_network,
)

# Metric names that Model.compile understands but keras.metrics.get does not.
_COMPILE_METRIC_ALIASES = frozenset({"acc", "accuracy", "crossentropy", "ce"})


def check_compile_names(optimizer: Any, loss: Any, metrics: Any) -> None:
    """Resolve ``optimizer`` / ``loss`` / ``metrics`` given by name, before any model work.

    Names are looked up in Keras' registries (``keras.optimizers.get`` etc.), so an
    unknown name is a ``ValueError`` naming the parameter instead of an error at
    compile time. Objects and classes are left to Keras.
    """
    checks = []
    if isinstance(optimizer, str):
        checks.append(("optimizer", optimizer, "optimizer", "optimizers", "adam"))
    if isinstance(loss, str):
        checks.append(("loss", loss, "loss", "losses", "binary_crossentropy"))
    for i, metric in enumerate(metrics or []):
        if isinstance(metric, str) and metric not in _COMPILE_METRIC_ALIASES:
            checks.append((f"metrics[{i}]", metric, "metric", "metrics", "auc"))
    if not checks:
        return
    import keras

    for param, value, what, module, example in checks:
        try:
            getattr(keras, module).get(value)
        except (ValueError, TypeError):
            raise ValueError(
                f"{param}={value!r} is not a known Keras {what} name; pass a name "
                f"that keras.{module}.get accepts (e.g. {example!r}) or a Keras object."
            ) from None


def check_params(params: dict[str, Any], *,
                 caller_name: str = "WeightedSequenceClassifier") -> None:
    """Check parameters against every rule: ``fit`` and :func:`skimbal.load` call this.

    In order: no bool where a number is wanted (``TypeError``), the constraints
    of :data:`PARAMETER_RULES` (scikit-learn's ``InvalidParameterError``), the
    :data:`CROSS_RULES`, and the compile names (:func:`check_compile_names`).

    Parameters
    ----------
    params : dict
        ``get_params(deep=False)`` of the estimator (routed ``prefix__name``
        parameters are ignored here).
    caller_name : str
        The estimator class named in constraint errors.
    """
    _not_bool(params)
    validate_parameter_constraints(PARAMETER_RULES, params, caller_name=caller_name)
    for rule in CROSS_RULES:
        rule(params)
    check_compile_names(params["optimizer"], params["loss"], params["metrics"])


# ------------------------------------------------- rules that need the target
def _is_one_hot_loss(loss: Any) -> bool:
    """Whether ``loss`` (name, class, instance or function) is a one-hot categorical loss."""
    if loss is None:
        return False
    import keras

    one_hot = (keras.losses.CategoricalCrossentropy, keras.losses.CategoricalFocalCrossentropy)
    functions = (keras.losses.categorical_crossentropy,
                 keras.losses.categorical_focal_crossentropy)
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return False
    if isinstance(loss, type):
        return issubclass(loss, one_hot)
    if isinstance(loss, one_hot):
        return True
    return any(loss is f for f in functions)


def _check_time_weight(p: dict[str, Any], timestep: bool) -> None:
    if not timestep and p["time_weight"] is not None:
        raise ValueError(
            f"time_weight={p['time_weight']!r} applies to per-timestep targets "
            "(y of shape (n, T) or (n, T, n_labels), or a list of per-sequence "
            "label arrays); this y has one label per sequence. Use "
            "time_weight=None."
        )


def _frontend(p: dict[str, Any], timestep: bool, lengths: np.ndarray | None,
              T: int) -> tuple[tuple[int, ...], int]:
    """The front-end strides and the convolutional branch's pooling (``"auto"`` resolved)."""
    strides = p["frontend_strides"]
    auto = isinstance(strides, str)
    if timestep and not auto and any(int(s) > 1 for s in strides):
        raise ValueError(
            "frontend_strides shortens the sequence, so it cannot be used with "
            "per-timestep targets (one prediction per input step); use "
            "frontend_strides=() or 'auto'."
        )
    if timestep and not auto:
        return tuple(strides), 1
    shortest = T if lengths is None else int(lengths.min())
    return (
        resolve_frontend_strides(strides, T, shortest, per_timestep=timestep),
        resolve_conv_pool(strides, T, per_timestep=timestep),
    )


def _check_target_params(p: dict[str, Any], spec: TargetSpec) -> None:
    """Reject parameters that do not apply to this kind of target."""
    if p["balanced_batches"] and (spec.multilabel or spec.per_timestep):
        raise ValueError(
            f"balanced_batches=True draws sequences class-balanced, which needs one "
            f"class per sequence; this y is {spec.kind!r}. Use class_weight (weights "
            "per label / per timestep) and balanced_batches=False."
        )
    if not spec.multilabel and _is_one_hot_loss(p["loss"]):
        raise ValueError(
            f"loss={p['loss']!r} wants one-hot targets, but skimbal passes the classes "
            "of this y to the loss as integer codes; use "
            "loss='sparse_categorical_crossentropy', or loss=None with focal_gamma=2.0 "
            "for the focal loss (SparseCategoricalFocalCrossentropy)."
        )
    if spec.multilabel:
        if p["loss"] is not None and p["class_weight"] is not None:
            raise ValueError(
                "class_weight for multi-label y is applied by skimbal's "
                "WeightedBinaryCrossentropy loss; leave loss=None (or set "
                "class_weight=None to use your own loss)."
            )
        return
    if spec.per_timestep:
        return
    if p["label_names"] is not None:
        raise ValueError(
            "label_names applies only to multi-label targets (2-D 0/1 y with "
            "target_type='auto' or 'multilabel')."
        )
    threshold = p["threshold"]
    if isinstance(threshold, str) or np.ndim(threshold) != 0 or float(threshold) != 0.5:
        raise ValueError(
            "threshold applies only to multi-label targets; for a binary target "
            "use sklearn.model_selection.FixedThresholdClassifier or "
            "TunedThresholdClassifierCV."
        )


# -------------------------------------------------------------- fitted state
@dataclass(frozen=True)
class FittedAttribute:
    """One fitted attribute: how a skimbal file stores it, and whether it must.

    ``codec`` names a codec of :data:`skimbal.persistence.CODECS`; ``None``: not
    stored in ``skimbal.json`` (the network, rebuilt state, fit-time state).
    """

    codec: str | None = None
    required: bool = False


#: Every attribute ``fit`` sets besides the parameters, in one list: the
#: classifier's working copy starts without them, :mod:`skimbal.persistence`
#: stores those with a codec (and refuses a file without the required ones).
FITTED_STATE: dict[str, FittedAttribute] = {
    "classes_": FittedAttribute("json", required=True),
    "n_classes_": FittedAttribute("json", required=True),
    "target_type_": FittedAttribute("json", required=True),
    "n_features_in_": FittedAttribute("json", required=True),
    "n_outputs_": FittedAttribute("json", required=True),
    "class_weight_": FittedAttribute("json", required=True),
    "label_names_": FittedAttribute("json"),
    "threshold_": FittedAttribute("json"),
    "timestep_targets_": FittedAttribute("json", required=True),
    "variable_length_": FittedAttribute("json", required=True),
    "time_weight_": FittedAttribute("json"),
    "class_prior_": FittedAttribute("array"),  # training frequencies pi (per class / label)
    "training_prior_": FittedAttribute("array"),  # prior q the network was fitted under
    "_label_weights": FittedAttribute("json"),  # multi-label loss weights (positive, negative)
    "history_": FittedAttribute("history", required=True),
    "target_encoder_": FittedAttribute("target_encoder", required=True),
    "_random_state": FittedAttribute("json"),
    "model_": FittedAttribute(),  # the network: model.keras in a skimbal file
    "_mode": FittedAttribute(),  # output mode, asked of the spec at fit and at load
    "_frontend_strides": FittedAttribute(),  # what the default network is built with
    "_conv_pool": FittedAttribute(),
    "_lite_kernel_size": FittedAttribute(),
    "_input_moments": FittedAttribute(),
    "_fit_callbacks": FittedAttribute(),  # scikeras' callbacks of the last fit
}


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _check_array(value: Any, where: str, *, ndim: int = 1, length: int | None = None,
                 kinds: str = "biufUO") -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.ndim != ndim or value.dtype.kind not in kinds:
        raise ValueError(f"{where} must be a {ndim}-D array; got {type(value).__name__} "
                         f"{np.shape(value) if isinstance(value, np.ndarray) else value!r}")
    if length is not None and len(value) != length:
        raise ValueError(f"{where} has {len(value)} entries; expected {length}")
    return value


def _check_numbers(value: Any, where: str) -> None:
    """A (nested) dict of finite real numbers (class_weight_ layouts)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, f"{where}[{k!r}]")
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(
        value
    ):
        raise ValueError(f"{where} must hold finite numbers; got {value!r}")


class FittedStateError(ValueError):
    """A fitted state that breaks an invariant; ``key`` names the attribute."""

    def __init__(self, key: str, msg: str) -> None:
        super().__init__(msg)
        self.key = key


def check_fitted_state(f: dict[str, Any]) -> None:
    """Check a fitted state (a loaded file's) against the invariants ``fit`` keeps.

    The target encoder must be well formed; everything else is compared with
    what its :class:`TargetSpec` says the kind has (the ``classes_`` /
    ``n_classes_`` / ``n_outputs_`` ``fit`` sets, thresholds and label names
    only where the kind is thresholded, time weights only per timestep, loss
    weights only for multi-label kinds, priors over its classes).

    Raises
    ------
    FittedStateError
        The first broken invariant; its ``key`` names the attribute.
    """

    def need(key: str, ok: bool, msg: str) -> None:
        if not ok:
            raise FittedStateError(key, msg)

    enc = f["target_encoder_"]
    kind = getattr(enc, "kind", None)
    need("target_encoder_", kind in KINDS + TIMESTEP_KINDS, f"unknown target kind {kind!r}")
    need("target_encoder_", hasattr(enc, "classes_"), "has no classes_")
    inner = getattr(enc, "_inner", None)
    if type(enc).__name__ == "TimestepTargetEncoder":
        need("target_encoder_", kind in TIMESTEP_KINDS, f"kind {kind!r} is not per-timestep")
        if kind == "per_timestep_multilabel":
            need("target_encoder_", inner is None, "per-timestep multilabel has no inner encoder")
        else:
            inner_kind = getattr(inner, "kind", None)
            if inner_kind == "onehot":  # per-step one-hot classes
                inner_kind = "binary" if len(getattr(inner, "classes_", ())) == 2 else "multiclass"
            need("target_encoder_", isinstance(inner, TargetEncoder)
                 and f"per_timestep_{inner_kind}" == kind
                 and np.array_equal(inner.classes_, enc.classes_),
                 "inner encoder does not match")
    else:
        need("target_encoder_", kind in KINDS, f"kind {kind!r} is per-timestep")
    need("target_type_", f["target_type_"] == kind,
         f"is {f['target_type_']!r} but the target encoder's kind is {kind!r}")
    try:
        spec = target_spec(enc)
    except Exception as exc:  # malformed encoder state
        raise FittedStateError("target_encoder_", f"is malformed ({exc})") from None
    n = spec.n_classes
    classes = f["classes_"]
    if spec.thresholded:  # sequence-level multi-label: scikit-learn's multi-output layout
        need("classes_", isinstance(classes, list) and len(classes) == n and all(
            isinstance(c, np.ndarray) and c.tolist() == [0, 1] for c in classes),
            f"must be a list of {n} arrays [0, 1]; got {classes!r}")
        names = _check_array(getattr(enc, "label_names_", None), "label_names_", length=n)
        need("label_names_", "label_names_" in f
             and np.array_equal(_check_array(f["label_names_"], "label_names_", length=n),
                                names), "is missing or differs from the target encoder's")
        thr = f.get("threshold_")
        need("threshold_", isinstance(thr, np.ndarray) and thr.shape == (n,)
             and thr.dtype.kind == "f" and bool(np.all((thr > 0) & (thr < 1))),
             f"must be {n} thresholds in (0, 1); got {thr!r}")
    else:
        need("classes_", isinstance(classes, np.ndarray) and classes.ndim == 1
             and len(classes) == n and np.array_equal(classes, enc.classes_)
             and classes.dtype.kind in "biuUO",
             f"must be a 1-D array equal to the target encoder's classes; got {classes!r}")
        need("classes_", n >= (1 if spec.multilabel else 2),
             f"has {n} classes")
        for key in ("label_names_", "threshold_"):
            need(key, key not in f, f"applies only to multi-label targets, not {kind!r}")
    need("n_classes_", f["n_classes_"] == spec.n_classes_attr(),
         f"is {f['n_classes_']!r}; expected {spec.n_classes_attr()!r}")
    need("n_outputs_", _is_int(f["n_outputs_"]) and f["n_outputs_"] == spec.n_outputs,
         f"is {f['n_outputs_']!r}; expected {spec.n_outputs}")
    need("n_features_in_", _is_int(f["n_features_in_"]) and f["n_features_in_"] >= 1,
         f"must be a positive int; got {f['n_features_in_']!r}")
    need("timestep_targets_", f["timestep_targets_"] is spec.per_timestep,
         f"must be {spec.per_timestep} for kind {kind!r}")
    need("variable_length_", isinstance(f["variable_length_"], bool), "must be a bool")
    need("class_weight_", isinstance(f["class_weight_"], dict), "must be a dict")
    try:
        _check_numbers(f["class_weight_"], "class_weight_")
    except ValueError as exc:
        raise FittedStateError("class_weight_", str(exc)) from None
    if "time_weight_" in f:
        tw = f["time_weight_"]
        need("time_weight_", spec.per_timestep, "applies only to per-timestep targets")
        need("time_weight_", tw is None or (
            isinstance(tw, np.ndarray) and tw.ndim == 1 and tw.dtype.kind in "iuf"
            and bool(np.all(np.isfinite(tw) & (tw >= 0)))),
            "must be null or a 1-D array of finite weights >= 0")
    for key in ("class_prior_", "training_prior_"):
        if key in f:
            prior = f[key]
            need(key, isinstance(prior, np.ndarray) and prior.shape == (n,)
                 and prior.dtype.kind == "f" and bool(np.all((prior >= 0) & (prior <= 1))),
                 f"must be {n} probabilities in [0, 1]; got {prior!r}")
            need(key, spec.multilabel or bool(np.isclose(prior.sum(), 1.0)),
                 "must sum to 1 over the classes")
    lw = f.get("_label_weights")
    if lw is not None:
        need("_label_weights", spec.multilabel and isinstance(lw, (tuple, list))
             and len(lw) == 2 and all(np.shape(w) == (n,) for w in lw),
             f"must be null or (positive, negative) weights of {n} labels")
    rs = f.get("_random_state")
    need("_random_state", rs is None or _is_int(rs), "must be null or an int")


# ------------------------------------------------------------------ the plan
@dataclass(frozen=True, eq=False)
class FitPlan:
    """Everything one ``fit`` decides before Keras (see :func:`plan_fit`).

    Attributes
    ----------
    X : ndarray of float32, shape (n, T, F)
        The validated input (a list ``X`` NaN-padded at the end).
    lengths : ndarray of shape (n,) or None
        Valid lengths of list ``X``; ``None`` for an array.
    encoder, spec, codes, mask
        The fitted target encoder, what its kind means (:class:`TargetSpec`),
        the encoded targets and, per timestep, the valid steps.
    threshold : ndarray or None
        Multi-label decision thresholds before tuning (``None``: other kinds).
    tune_threshold : bool
        Whether ``threshold="tune"`` picks thresholds on the split after training.
    time_weight : ndarray of shape (T,) or None
        The time-weight profile (per-timestep targets with ``time_weight``).
    weights : FittedWeights
        ``class_weight_``, the Keras sample weights (with and without class
        weights) and the multi-label loss weights.
    class_weights_in : {"batches", "loss"}
        Where the class weights act: in the Keras ``sample_weight`` of the
        batches (single-label kinds) or in the loss (multi-label kinds).
    class_prior, training_prior : ndarray
        The training frequencies ``pi`` and the prior ``q`` the network is fitted under.
    seed : int or None
        The seed drawn from ``random_state``.
    train_idx, val_idx : ndarray or None
        The stratified validation split (``None``: no split).
    training : TrainingPlan
        Batch size, epochs (passes), steps per pass and passes per Keras
        epoch of the training set.
    class_weight_start_epoch : int
        First epoch with class weights (deferred re-weighting; 0: from the start).
    length_buckets : int or None
        Length buckets of the training batches (``None``: unbucketed).
    frontend_strides, conv_pool
        The default network's front-end (``"auto"`` resolved).
    lite_kernel_size : int
        The LITE branch's longest kernel, cut to the longest training sequence.
    input_moments : (ndarray, ndarray) or None
        Per-channel mean and scale for ``standardize``.
    balance : ndarray or None
        Class codes for class-balanced batches (``balanced_batches``).
    """

    X: np.ndarray
    lengths: np.ndarray | None
    encoder: TargetEncoder | TimestepTargetEncoder
    spec: TargetSpec
    codes: np.ndarray
    mask: np.ndarray | None
    threshold: np.ndarray | None
    tune_threshold: bool
    time_weight: np.ndarray | None
    weights: FittedWeights
    class_weights_in: str
    class_prior: np.ndarray
    training_prior: np.ndarray
    seed: int | None
    train_idx: np.ndarray | None
    val_idx: np.ndarray | None
    training: TrainingPlan
    class_weight_start_epoch: int
    length_buckets: int | None
    frontend_strides: tuple[int, ...]
    conv_pool: int
    lite_kernel_size: int
    input_moments: tuple[np.ndarray, np.ndarray] | None
    balance: np.ndarray | None

    def fitted_attributes(self) -> dict[str, Any]:
        """The fitted state known before training (scikeras passes the public
        ``*_`` ones to the model function as ``meta``)."""
        spec, encoder = self.spec, self.encoder
        state = {
            "target_encoder_": encoder,
            "timestep_targets_": spec.per_timestep,
            "variable_length_": self.lengths is not None,
            "classes_": encoder.classes_,
            "n_classes_": spec.n_classes_attr(),
            "target_type_": spec.kind,
            "n_features_in_": self.X.shape[2],
            "n_outputs_": spec.n_outputs,
            "class_weight_": self.weights.class_weight_,
            "class_prior_": self.class_prior,
            "training_prior_": self.training_prior,
            "_label_weights": self.weights.loss_weights,
            "_random_state": self.seed,
            # what the default network is built with (see _default_model)
            "_frontend_strides": self.frontend_strides,
            "_conv_pool": self.conv_pool,
            "_lite_kernel_size": self.lite_kernel_size,
            "_input_moments": self.input_moments,
        }
        if spec.thresholded:
            state["label_names_"] = encoder.label_names_
            state["threshold_"] = self.threshold
        if spec.per_timestep:
            state["time_weight_"] = self.time_weight
        return state


def plan_fit(params: dict[str, Any], X: Any, y: Any, sample_weight: Any = None) -> FitPlan:
    """Decide a fit: validate the data, encode the target, and resolve every setting.

    ``params`` are the estimator's parameters, already checked by
    :func:`check_params`. Raises what ``fit`` raises for data that does not fit
    the parameters (a ``time_weight`` for a sequence-level target, an option
    another kind of target does not take, too small a set for
    ``threshold="tune"``, ...). Nothing is built or trained.
    """
    p = params
    X, lengths = check_sequence_batch(X)
    n, T = X.shape[:2]
    timestep = is_timestep_target(y, n_timesteps=T, x_is_list=lengths is not None,
                                  per_timestep=p["per_timestep"],
                                  target_type=p["target_type"])
    _check_time_weight(p, timestep)
    frontend_strides, conv_pool = _frontend(p, timestep, lengths, T)
    encoder, codes, mask = encode_target(
        y, per_timestep=timestep, n_samples=n, n_timesteps=T, lengths=lengths,
        target_type=p["target_type"], label_names=p["label_names"],
    )
    spec = target_spec(encoder)
    _check_target_params(p, spec)
    threshold = check_threshold(p["threshold"], spec.n_classes) if spec.thresholded else None
    profile = time_w = None
    if spec.per_timestep and p["time_weight"] is not None:
        profile = time_weight_profile(
            p["time_weight"], T, weight_range=tuple(p["time_weight_range"]),
            half_life=p["time_weight_half_life"],
        )
        time_w = align_time_weights(profile, lengths, n)
    weights = fit_weights(
        p["class_weight"], spec, codes, mask=mask, normalize=p["normalize_weights"],
        sample_weight=sample_weight, time_weights=time_w, beta=p["beta"],
        unweighted=p["class_weight_start"] > 0,
    )
    prior = class_prior(spec, codes, mask)
    fitted_prior = training_prior(
        spec, codes, weights.sample_weight, weights.loss_weights, mask=mask, prior=prior,
        balanced_batches=p["balanced_batches"],
        logit_adjustment=p["logit_adjustment"], tau=p["tau"],
    )

    seed = seed_from_random_state(p["random_state"])
    strata, split = validation_strata(spec, codes, mask)
    tune = spec.thresholded and isinstance(p["threshold"], str)
    # threshold="tune" needs a split, so "auto" stands for 0.1 there
    train_idx, val_idx = validation_split_or_none(
        strata, 0.1 if tune and p["validation_fraction"] == "auto"
        else p["validation_fraction"], seed, split=split,
    )
    n_train = n if train_idx is None else len(train_idx)
    if lengths is not None:
        check_length_buckets(p["length_buckets"], n_train)
    if tune and train_idx is None:
        raise ValueError(
            "threshold='tune' needs the internal validation split, which this "
            "training set is too small for (see the warning above); pass fixed "
            "thresholds instead."
        )
    # as the training loop resolves them: a Keras epoch per pass only where
    # something acts after every pass; rounds of passes otherwise
    per_pass = (train_idx is not None or p["early_stopping"] is True
                or p["lr_schedule"] == "plateau")
    training = plan_training(n_train, p["batch_size"], p["epochs"], per_pass=per_pass)
    start_epoch = deferred_start_epoch(p["class_weight_start"], training.epochs)
    training = training._replace(passes_per_round=passes_per_round(
        training.epochs, per_pass=per_pass, start_epoch=start_epoch))
    return FitPlan(
        X=X, lengths=lengths, encoder=encoder, spec=spec, codes=codes, mask=mask,
        threshold=threshold, tune_threshold=tune, time_weight=profile, weights=weights,
        class_weights_in="loss" if spec.multilabel else "batches",
        class_prior=prior, training_prior=fitted_prior, seed=seed,
        train_idx=train_idx, val_idx=val_idx, training=training,
        class_weight_start_epoch=start_epoch,
        length_buckets=resolve_length_buckets(
            p["length_buckets"],
            None if lengths is None else (lengths if train_idx is None else lengths[train_idx]),
            training.steps_per_epoch),
        frontend_strides=frontend_strides, conv_pool=conv_pool,
        lite_kernel_size=resolve_lite_kernel_size(p["lite_kernel_size"], T),
        input_moments=channel_moments(X) if p["standardize"] else None,
        balance=codes if p["balanced_batches"] else None,
    )
