"""Class weights as pure, vectorised numpy (no Keras import).

The classifier calls these inside ``fit`` on the targets ``fit`` receives, so
each cross-validation fold (and each resampled training set) gets weights from
its own label counts.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "resolve_class_weight",
    "class_sample_weight",
    "normalization_factor",
    "check_sample_weight",
    "resolve_label_weights",
    "label_normalization_factor",
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
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def resolve_class_weight(
    class_weight: None | str | Mapping[Any, Any],
    classes: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Per-class weights from a ``class_weight`` specification.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        ``None`` gives every class weight 1. ``"balanced"`` uses scikit-learn's
        ``n_samples / (n_classes * count)``. A dict maps original labels
        (ints or strings) to positive weights; classes missing from it weigh 1.
    classes : ndarray of shape (n_classes,)
        The labels, in code order.
    counts : ndarray of shape (n_classes,)
        Number of (weighted-by-presence) training targets per class.

    Returns
    -------
    ndarray of shape (n_classes,), float64

    Raises
    ------
    ValueError
        Unknown string, dict keys that are not classes (listed), or weights that
        are zero, negative or not finite; "balanced" with an absent class.
    TypeError
        Non-numeric weights or a ``class_weight`` of an unsupported type.
    """
    n_classes = len(classes)
    counts = np.asarray(counts, dtype=np.float64)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight={class_weight!r} is not supported; use None, "
                "'balanced' or a dict {label: weight}."
            )
        if np.any(counts == 0):
            missing = [classes[i] for i in np.flatnonzero(counts == 0)]
            raise ValueError(
                f"class_weight='balanced' needs every class in the training data; "
                f"missing: {missing}."
            )
        return counts.sum() / (n_classes * counts)
    if isinstance(class_weight, Mapping):
        weights = np.ones(n_classes)
        unknown = []
        for key, value in class_weight.items():
            matches = [i for i, c in enumerate(classes) if _same_label(c, key)]
            if not matches:
                unknown.append(key)
                continue
            weights[matches[0]] = _check_weight_value(key, value)
        if unknown:
            raise ValueError(
                f"class_weight has keys that are not classes of y: {unknown!r}; "
                f"the classes are {list(classes.tolist())!r}."
            )
        return weights
    raise TypeError(
        "class_weight must be None, 'balanced' or a dict {label: weight}; got "
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
) -> tuple[np.ndarray, np.ndarray]:
    """Per-label positive and negative weights for a multi-label target.

    Parameters
    ----------
    class_weight : None, "balanced", dict or array-like of shape (n_labels,)
        ``None``: every weight is 1. ``"balanced"``: label ``j`` gets a
        positive weight ``n / (2 * n_pos_j)`` and a negative weight
        ``n / (2 * n_neg_j)``. A dict ``{label: positive_weight}`` keyed by
        the entries of ``label_names``; unlisted labels and all negatives weigh
        1. An array of shape ``(n_labels,)``: the positive weights, negatives
        weigh 1.
    label_names : ndarray of shape (n_labels,)
        Names (or indices) of the label columns, used as dict keys and in
        messages.
    Y : ndarray of shape (n_samples, n_labels)
        The 0/1 training targets.

    Returns
    -------
    positive, negative : ndarray of shape (n_labels,), float64

    Warns
    -----
    UserWarning
        For each label with no positives or no negatives in ``Y`` (the model
        cannot learn it from this data). With ``"balanced"`` such a label is
        left unweighted (both weights 1), so every weight stays finite.

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
            + (" and class_weight='balanced' leaves it unweighted (weights 1)."
               if isinstance(class_weight, str) and class_weight == "balanced" else "."),
            UserWarning,
            stacklevel=3,
        )
    ones = np.ones(n_labels)
    if class_weight is None:
        return ones, ones.copy()
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight={class_weight!r} is not supported; use None, "
                "'balanced', a dict {label: positive_weight} or an array of "
                "per-label positive weights."
            )
        safe_pos = np.where(degenerate, 1.0, n_pos)
        safe_neg = np.where(degenerate, 1.0, n_neg)
        pos = np.where(degenerate, 1.0, n_samples / (2.0 * safe_pos))
        neg = np.where(degenerate, 1.0, n_samples / (2.0 * safe_neg))
        return pos, neg
    if isinstance(class_weight, Mapping):
        pos = ones.copy()
        unknown = []
        for key, value in class_weight.items():
            matches = [j for j, name in enumerate(names) if _same_label(name, key)]
            if not matches:
                unknown.append(key)
                continue
            pos[matches[0]] = _check_weight_value(key, value)
        if unknown:
            raise ValueError(
                f"class_weight has keys that are not labels of y: {unknown!r}; "
                f"the labels are {names!r}."
            )
        return pos, ones
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
        "class_weight for multi-label y must be None, 'balanced', a dict "
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
