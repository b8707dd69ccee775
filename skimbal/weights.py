"""Class weights as pure, vectorised numpy (no Keras import).

The classifier calls :func:`fit_weights` inside ``fit`` on the targets ``fit``
receives, so each cross-validation fold (and each resampled training set) gets
weights from its own label counts. It is the one entry point for every kind of
target; it applies one of two rule sets:

* **single-label** (binary, multiclass, one-hot, and their per-timestep
  variants): :func:`resolve_class_weight` on the class counts over the targets
  (valid timesteps for per-timestep ``y``), rescaled by
  :func:`normalization_factor`; the weights reach Keras as per-sample
  (per-timestep) ``sample_weight``.
* **multi-label** (sequence-level and per-timestep alike):
  :func:`resolve_label_weights` gives a positive and a negative weight per label
  from the label counts over the targets (valid timesteps), rescaled by
  :func:`label_normalization_factor` so that the mean element weight is 1; the
  weights reach the loss (:class:`skimbal.losses.WeightedBinaryCrossentropy`)
  as :attr:`FittedWeights.loss_weights`, and Keras' ``sample_weight`` holds only
  the user's and the time weights.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "FittedWeights",
    "effective_number_ratio",
    "fit_weights",
    "resolve_class_weight",
    "class_sample_weight",
    "normalization_factor",
    "check_sample_weight",
    "resolve_label_weights",
    "label_normalization_factor",
    "time_weight_profile",
    "align_time_weights",
]


def _check_weight_value(key: Any, value: Any, name: str = "class_weight") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name}[{key!r}] must be a positive real number; got {value!r} "
            f"of type {type(value).__name__}."
        )
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"{name}[{key!r}] must be a positive finite number; got {value!r}."
        )
    return value


def _same_label(a: Any, b: Any) -> bool:
    # True == 1 in Python: a bool key names a bool class, never the int label 1
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _weights_from_dict(class_weight: Mapping[Any, Any], names: list, nouns: str) -> np.ndarray:
    """Weights in the order of ``names`` from a dict keyed by them; missing keys weigh 1.

    ``nouns`` ("classes" or "labels") names the keys in the error listing unknown keys.
    """
    weights = np.ones(len(names))
    unknown = []
    for key, value in class_weight.items():
        matches = [i for i, name in enumerate(names) if _same_label(name, key)]
        if not matches:
            unknown.append(key)
            continue
        weights[matches[0]] = _check_weight_value(key, value)
    if unknown:
        raise ValueError(
            f"class_weight has keys that are not {nouns} of y: {unknown!r}; "
            f"the {nouns} are {names!r}."
        )
    return weights


def check_beta(beta: Any) -> float:
    """Validate the ``beta`` of effective-number weights: a real number in [0, 1)."""
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real) or not (
        0.0 <= float(beta) < 1.0
    ):
        raise ValueError(
            f"beta must be a real number in [0, 1) (e.g. 0.999); got {beta!r}."
        )
    return float(beta)


def effective_number_ratio(reference: Any, counts: Any, beta: float) -> np.ndarray:
    """``E(reference) / E(counts)`` for the effective number ``E(m) = (1 - beta**m) / (1 - beta)``.

    Cui et al. (CVPR 2019) call ``E(m)`` the effective number of ``m``
    samples: 1 for ``beta = 0`` and tending to ``m`` as ``beta -> 1``. The
    ratio is computed as ``expm1(reference * log(beta)) / expm1(counts *
    log(beta))``, accurate for ``beta`` close to 1 (``1 - beta**m`` would
    lose every digit there). ``beta = 0`` gives 1 (every count > 0).

    Parameters
    ----------
    reference : float or ndarray
        Count in the numerator (> 0).
    counts : ndarray
        Counts in the denominator (> 0).
    beta : float in [0, 1)

    Returns
    -------
    ndarray of float64, the shape of ``counts``
    """
    counts = np.asarray(counts, dtype=np.float64)
    beta = check_beta(beta)
    if beta == 0.0:
        return np.ones_like(counts)
    log_beta = np.log(beta)
    return np.expm1(float(reference) * log_beta) / np.expm1(counts * log_beta)


def resolve_class_weight(
    class_weight: None | str | Mapping[Any, Any],
    classes: np.ndarray,
    counts: np.ndarray,
    *,
    beta: float = 0.999,
) -> np.ndarray:
    """Per-class weights from a ``class_weight`` specification.

    Parameters
    ----------
    class_weight : None, "balanced", "effective" or dict
        ``None`` gives every class weight 1. ``"balanced"`` uses scikit-learn's
        ``n_samples / (n_classes * count)``. ``"effective"``: the
        class-balanced weights of Cui et al. (CVPR 2019), inversely
        proportional to the *effective number* of samples ``E(m) = (1 -
        beta**m) / (1 - beta)``: class ``c`` weighs ``E(n / K) / E(n_c)``
        (``n`` targets, ``K`` classes), i.e. Cui et al.'s ``(1 - beta) / (1 -
        beta**n_c)`` times the constant ``E(n / K)``, chosen so that
        ``beta = 0`` gives 1 for every class and ``beta -> 1`` gives exactly
        ``"balanced"``. A dict maps original labels (ints or strings) to
        positive weights; classes missing from it weigh 1.
    classes : ndarray of shape (n_classes,)
        The labels, in code order.
    counts : ndarray of shape (n_classes,)
        Number of (weighted-by-presence) training targets per class.
    beta : float in [0, 1), default=0.999
        Of ``"effective"`` only (ignored otherwise).

    Returns
    -------
    ndarray of shape (n_classes,), float64

    Raises
    ------
    ValueError
        Unknown string, dict keys that are not classes (listed), or weights that
        are zero, negative or not finite; "balanced" or "effective" with an
        absent class; ``beta`` outside [0, 1).
    TypeError
        Non-numeric weights or a ``class_weight`` of an unsupported type.
    """
    n_classes = len(classes)
    counts = np.asarray(counts, dtype=np.float64)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight not in ("balanced", "effective"):
            raise ValueError(
                f"class_weight={class_weight!r} is not supported; use None, "
                "'balanced', 'effective' or a dict {label: weight}."
            )
        if np.any(counts == 0):
            missing = [np.asarray(classes).tolist()[i] for i in np.flatnonzero(counts == 0)]
            raise ValueError(
                f"class_weight={class_weight!r} needs every class in the training data; "
                f"missing: {missing}."
            )
        if class_weight == "effective":
            return effective_number_ratio(counts.sum() / n_classes, counts, beta)
        return counts.sum() / (n_classes * counts)
    if isinstance(class_weight, Mapping):
        return _weights_from_dict(class_weight, list(classes.tolist()), "classes")
    raise TypeError(
        "class_weight must be None, 'balanced', 'effective' or a dict {label: weight}; got "
        f"{type(class_weight).__name__}."
    )


def class_sample_weight(class_weights: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-sample weights ``class_weights[codes]`` as float32 (any code shape)."""
    return np.asarray(class_weights, dtype=np.float32)[codes]


def normalization_factor(class_weights: np.ndarray, counts: np.ndarray) -> float:
    """Factor that makes the mean per-target class weight equal to 1.

    ``counts`` are the class counts the weights will be applied to. Multiplying
    ``class_weights`` by the result gives ``sum(w * counts) / sum(counts) == 1``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = float(np.dot(class_weights, counts))
    return float(counts.sum() / total)


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """Validate a user ``sample_weight`` without modifying it.

    Returns a float32 array of shape (n_samples,) (a new array when a
    conversion is needed; never written to), or ``None``.
    """
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight)
    if sw.dtype.kind not in "biuf":
        raise TypeError(
            f"sample_weight must be numeric; got dtype {sw.dtype}."
        )
    sw = sw.astype(np.float32, copy=False)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw), dtype=np.float32)
    if sw.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},); got {sw.shape}."
        )
    if not np.all(np.isfinite(sw)) or np.any(sw < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    if not np.any(sw > 0):
        raise ValueError("sample_weight is zero for every sample; nothing to train on.")
    return sw


# ------------------------------------------------------------------ multi-label
def resolve_label_weights(
    class_weight: None | str | Mapping[Any, Any] | Any,
    label_names: np.ndarray,
    Y: np.ndarray,
    *,
    beta: float = 0.999,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-label positive and negative weights for a multi-label target.

    Parameters
    ----------
    class_weight : None, "balanced", "effective", dict or array-like of shape (n_labels,)
        ``None``: every weight is 1. ``"balanced"``: label ``j`` gets a
        positive weight ``n / (2 * n_pos_j)`` and a negative weight
        ``n / (2 * n_neg_j)``. ``"effective"``: the same with effective
        numbers ``E(m) = (1 - beta**m) / (1 - beta)`` (Cui et al., CVPR 2019)
        in place of counts: ``E(n / 2) / E(n_pos_j)`` and ``E(n / 2) /
        E(n_neg_j)``, so ``beta = 0`` gives 1 everywhere and ``beta -> 1``
        gives exactly ``"balanced"``. A dict ``{label: positive_weight}`` keyed by
        the entries of ``label_names``; unlisted labels and all negatives weigh
        1. An array of shape ``(n_labels,)``: the positive weights, negatives
        weigh 1.
    label_names : ndarray of shape (n_labels,)
        Names (or indices) of the label columns, used as dict keys and in
        messages.
    Y : ndarray of shape (n_targets, n_labels)
        The 0/1 training targets (for per-timestep targets, those of the valid
        timesteps).
    beta : float in [0, 1), default=0.999
        Of ``"effective"`` only (ignored otherwise).

    Returns
    -------
    positive, negative : ndarray of shape (n_labels,), float64

    Warns
    -----
    UserWarning
        For each label with no positives or no negatives in ``Y`` (the model
        cannot learn it from this data). With ``"balanced"`` or
        ``"effective"`` such a label is left unweighted (both weights 1), so
        every weight stays finite.

    Raises
    ------
    ValueError
        Dict keys that are not labels (listed), an array of the wrong length,
        or weights that are zero, negative or not finite.
    TypeError
        Non-numeric weights or an unsupported ``class_weight`` type.
    """
    Y = np.asarray(Y)
    n_samples, n_labels = Y.shape
    n_pos = np.count_nonzero(Y, axis=0).astype(np.float64)
    n_neg = n_samples - n_pos
    degenerate = (n_pos == 0) | (n_neg == 0)
    names = np.asarray(label_names).tolist()
    for j in np.flatnonzero(degenerate):
        what = "no positive" if n_pos[j] == 0 else "no negative"
        warnings.warn(
            f"Label {names[j]!r} has {what} samples in the training data; "
            "the model cannot learn it from this data"
            + (f" and class_weight={class_weight!r} leaves it unweighted (weights 1)."
               if isinstance(class_weight, str) and class_weight in ("balanced", "effective")
               else "."),
            UserWarning,
            stacklevel=3,
        )
    ones = np.ones(n_labels)
    if class_weight is None:
        return ones, ones.copy()
    if isinstance(class_weight, str):
        if class_weight not in ("balanced", "effective"):
            raise ValueError(
                f"class_weight={class_weight!r} is not supported; use None, "
                "'balanced', 'effective', a dict {label: positive_weight} or an array "
                "of per-label positive weights."
            )
        safe_pos = np.where(degenerate, 1.0, n_pos)
        safe_neg = np.where(degenerate, 1.0, n_neg)
        if class_weight == "effective":
            pos = effective_number_ratio(n_samples / 2.0, safe_pos, beta)
            neg = effective_number_ratio(n_samples / 2.0, safe_neg, beta)
        else:
            pos, neg = n_samples / (2.0 * safe_pos), n_samples / (2.0 * safe_neg)
        return np.where(degenerate, 1.0, pos), np.where(degenerate, 1.0, neg)
    if isinstance(class_weight, Mapping):
        return _weights_from_dict(class_weight, names, "labels"), ones
    if isinstance(class_weight, (list, tuple, np.ndarray)):
        arr = np.asarray(class_weight)
        if arr.ndim != 1 or len(arr) != n_labels:
            raise ValueError(
                f"class_weight as an array gives one positive weight per label: "
                f"expected shape ({n_labels},); got shape {arr.shape}."
            )
        pos = np.array(
            [_check_weight_value(j, v) for j, v in enumerate(arr.tolist())], dtype=np.float64
        )
        return pos, ones
    raise TypeError(
        "class_weight for multi-label y must be None, 'balanced', 'effective', a dict "
        "{label: positive_weight} or an array of shape (n_labels,); got "
        f"{type(class_weight).__name__}."
    )


def label_normalization_factor(
    positive: np.ndarray, negative: np.ndarray, Y: np.ndarray
) -> float:
    """Factor that makes the mean element (sample x label) weight equal to 1.

    With ``w_ij = Y_ij * positive_j + (1 - Y_ij) * negative_j``, multiplying
    both weight vectors by the result gives ``mean(w) == 1``.
    """
    Y = np.asarray(Y)
    n_pos = np.count_nonzero(Y, axis=0).astype(np.float64)
    n_neg = Y.shape[0] - n_pos
    total = float(np.dot(positive, n_pos) + np.dot(negative, n_neg))
    return float(Y.size / total)
# ---------------------------------------------------------------------------
# Per-timestep weights (sequence labelling) and time-aware weights
# ---------------------------------------------------------------------------
TIME_WEIGHT_NAMES = ("linear", "exponential")


def check_time_weight_profile(profile: Any, n_timesteps: int, source: str) -> np.ndarray:
    """Validate a per-timestep weight vector: 1-D, length ``n_timesteps``, finite, >= 0.

    Raises
    ------
    TypeError
        Non-numeric values.
    ValueError
        Wrong shape or length, negative / non-finite values, or all zeros.
    """
    arr = np.asarray(profile)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"time_weight ({source}) must be numeric; got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or len(arr) != n_timesteps:
        raise ValueError(
            f"time_weight ({source}) must be a 1-D array of length {n_timesteps} "
            f"(the number of timesteps of the padded training data); got shape "
            f"{arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"time_weight ({source}) contains NaN or infinity.")
    if np.any(arr < 0):
        raise ValueError(f"time_weight ({source}) contains negative weights.")
    if not np.any(arr > 0):
        raise ValueError(f"time_weight ({source}) is zero at every timestep.")
    return arr


def time_weight_profile(
    time_weight: Any,
    n_timesteps: int,
    *,
    weight_range: tuple[float, float] = (1.0, 2.0),
    half_life: float = 10.0,
) -> np.ndarray:
    """Weight of each timestep position, oldest first, as a ``(n_timesteps,)`` vector.

    Parameters
    ----------
    time_weight : {"linear", "exponential"}, array-like of shape (n_timesteps,) or callable
        ``"linear"``: from ``weight_range[0]`` at the first step to
        ``weight_range[1]`` at the last (``np.linspace``). ``"exponential"``:
        ``0.5 ** ((n_timesteps - 1 - t) / half_life)``, i.e. 1 at the last step,
        halving every ``half_life`` steps back. An array gives the weights
        directly; a callable is called as ``time_weight(n_timesteps)`` and must
        return such an array.
    n_timesteps : int
        Number of positions (the padded length).
    weight_range : (float, float), default=(1.0, 2.0)
        First and last weight of ``"linear"`` (finite, >= 0).
    half_life : float, default=10.0
        Half-life in timesteps of ``"exponential"`` (> 0).

    Returns
    -------
    ndarray of float64, shape (n_timesteps,)

    Raises
    ------
    ValueError, TypeError
        Unknown name, bad range or half-life, or a vector of the wrong length,
        with negative, non-finite or only zero values.
    """
    if isinstance(time_weight, str):
        if time_weight == "linear":
            lo_hi = np.asarray(weight_range, dtype=np.float64)
            if lo_hi.shape != (2,) or not np.all(np.isfinite(lo_hi)) or np.any(lo_hi < 0):
                raise ValueError(
                    "time_weight_range must be two finite non-negative numbers "
                    f"(first, last); got {weight_range!r}."
                )
            profile = np.linspace(lo_hi[0], lo_hi[1], n_timesteps)
            return check_time_weight_profile(profile, n_timesteps, "'linear'")
        if time_weight == "exponential":
            if not (isinstance(half_life, numbers.Real) and np.isfinite(half_life)
                    and half_life > 0):
                raise ValueError(
                    f"time_weight_half_life must be a positive number of timesteps; got "
                    f"{half_life!r}."
                )
            age = np.arange(n_timesteps - 1, -1, -1, dtype=np.float64)
            return 0.5 ** (age / float(half_life))
        raise ValueError(
            f"time_weight={time_weight!r} is not supported; use None, 'linear', "
            "'exponential', an array of length n_timesteps or a callable f(T)."
        )
    if callable(time_weight):
        return check_time_weight_profile(
            time_weight(n_timesteps), n_timesteps, f"the callable's output for T={n_timesteps}"
        )
    return check_time_weight_profile(time_weight, n_timesteps, "array")


def align_time_weights(profile: np.ndarray, lengths: np.ndarray | None, n: int) -> np.ndarray:
    """Per-step time weights ``(n, T)``, each sequence aligned to its own end.

    Sequence ``i`` of length ``L_i`` takes the **last** ``L_i`` entries of
    ``profile`` (so every sequence's last valid step gets ``profile[-1]``);
    padded steps get 0. With ``lengths=None`` all sequences have length ``T``.
    """
    profile = np.asarray(profile, dtype=np.float64)
    T = len(profile)
    if lengths is None:
        return np.broadcast_to(profile, (n, T)).copy()
    t = np.arange(T)[None, :]
    lengths = np.asarray(lengths)[:, None]
    src = np.clip(T - lengths + t, 0, T - 1)
    return np.where(t < lengths, profile[src], 0.0)


# ---------------------------------------------------------------- entry point
@dataclass(frozen=True)
class FittedWeights:
    """What :func:`fit_weights` computes for one training set.

    Attributes
    ----------
    class_weight_ : dict
        The fitted ``class_weight_`` (layout per kind: see
        :class:`skimbal.WeightedSequenceClassifier`).
    sample_weight : ndarray of float32, shape (n_samples,) or (n_samples, n_timesteps)
        Keras ``sample_weight``: class weights (single-label kinds) times time
        weights times the user's ``sample_weight``; 0 on padded timesteps.
    loss_weights : (ndarray, ndarray) or None
        Multi-label kinds: the per-label ``(positive, negative)`` weights the loss
        applies per element; ``None`` for single-label kinds.
    unweighted_sample_weight : ndarray of float32 or None
        Only when asked for (``fit_weights(..., unweighted=True)``):
        ``sample_weight`` with every class weight 1, i.e. time weights times the
        user's ``sample_weight`` (0 on padded timesteps). Deferred re-weighting
        (``class_weight_start``) trains with it before the class weights switch
        on. The same array as ``sample_weight`` for multi-label kinds, whose
        class weights live in the loss.
    """

    class_weight_: dict
    sample_weight: np.ndarray
    loss_weights: tuple[np.ndarray, np.ndarray] | None
    unweighted_sample_weight: np.ndarray | None = None


def fit_weights(
    class_weight: Any,
    spec: Any,
    codes: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    normalize: bool = True,
    sample_weight: Any = None,
    time_weights: np.ndarray | None = None,
    beta: float = 0.999,
    unweighted: bool = False,
) -> FittedWeights:
    """Class weights, Keras sample weights and loss weights for any kind of target.

    Parameters
    ----------
    class_weight : None, "balanced", "effective", dict or array-like
        The estimator's ``class_weight`` (arrays: multi-label targets only).
    spec : skimbal.targets.TargetSpec
        The kind of target (``spec.multilabel``, ``spec.per_timestep``) and
        ``spec.keys``: the class labels in code order (single-label kinds) or the
        label names (multi-label kinds), the keys of a ``class_weight`` dict.
    codes : ndarray
        Encoded targets: int codes ``(n,)`` / ``(n, T)``, or 0/1 indicators
        ``(n, n_labels)`` / ``(n, T, n_labels)``.
    mask : ndarray of bool of shape (n, T) or None
        Per-timestep kinds: the valid timesteps; counts and weights ignore the others.
    normalize : bool, default=True
        Rescale the class weights to a mean of 1 over the targets (elements for
        multi-label), as ``normalize_weights`` documents.
    sample_weight : array-like of shape (n,) or None
        The user's per-sample weights, multiplied in unscaled.
    time_weights : ndarray of shape (n, T) or None
        Per-timestep kinds: weights per step (0 on padding), multiplied in.
    beta : float in [0, 1), default=0.999
        Of ``class_weight="effective"`` (see :func:`resolve_class_weight`,
        :func:`resolve_label_weights`); ignored otherwise.
    unweighted : bool, default=False
        Also return the Keras sample weights without the class weights
        (:attr:`FittedWeights.unweighted_sample_weight`).

    Returns
    -------
    FittedWeights

    Raises
    ------
    ValueError, TypeError
        Bad ``class_weight`` or ``sample_weight`` (see :func:`resolve_class_weight`,
        :func:`resolve_label_weights`, :func:`check_sample_weight`), or combined
        weights that are zero at every valid timestep.
    """
    user = check_sample_weight(sample_weight, len(codes))
    valid = codes if mask is None else codes[mask]
    if spec.multilabel:
        names = np.asarray(spec.keys)
        pos, neg = resolve_label_weights(class_weight, names, valid, beta=beta)
        if normalize:
            factor = label_normalization_factor(pos, neg, valid)
            pos, neg = pos * factor, neg * factor
        loss_weights = (pos, neg)
        keys = names.tolist()
        if spec.per_timestep:
            class_weight_ = {j: {0: float(neg[j]), 1: float(pos[j])} for j in range(len(pos))}
        else:
            class_weight_ = {
                "positive": {k: float(w) for k, w in zip(keys, pos, strict=True)},
                "negative": {k: float(w) for k, w in zip(keys, neg, strict=True)},
            }
        # the element weights live in the loss; Keras gets the other weights only
        weights = np.ones(codes.shape[:2] if spec.per_timestep else len(codes))
    else:
        if not isinstance(class_weight, (str, Mapping, type(None))):
            raise TypeError(
                "class_weight as an array of per-label weights needs a multi-label y; "
                "for single-label targets use None, 'balanced', 'effective' or a dict "
                "{label: weight}."
            )
        classes = np.asarray(spec.keys)
        counts = np.bincount(valid, minlength=len(classes))
        cw = resolve_class_weight(class_weight, classes, counts, beta=beta)
        if normalize:
            cw = cw * normalization_factor(cw, counts)
        loss_weights = None
        class_weight_ = {
            label: float(w) for label, w in zip(classes.tolist(), cw, strict=True)
        }
        weights = cw[codes]
    weights = _times_other_weights(weights, time_weights, user, mask)
    if mask is not None and not np.any(weights > 0):
        raise ValueError("The combined sample weights are zero at every valid timestep.")
    weights = weights.astype(np.float32)
    without = None
    if unweighted and spec.multilabel:  # Keras' weights hold no class weights already
        without = weights
    elif unweighted:
        without = _times_other_weights(
            np.ones(codes.shape[:2] if spec.per_timestep else len(codes)),
            time_weights, user, mask,
        ).astype(np.float32)
    return FittedWeights(class_weight_, weights, loss_weights, without)


def _times_other_weights(weights: np.ndarray, time_weights: np.ndarray | None,
                         user: np.ndarray | None, mask: np.ndarray | None) -> np.ndarray:
    """``weights`` times the time weights and the user's sample weights; 0 on padding."""
    if time_weights is not None:
        weights = weights * time_weights
    if user is not None:
        weights = weights * user.reshape(-1, *([1] * (weights.ndim - 1)))
    if mask is not None:
        weights = np.where(mask, weights, 0.0)
    return weights
