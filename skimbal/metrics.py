"""Metrics over the valid timesteps of per-timestep (sequence-labelling) targets.

Padded steps of variable-length sequences never count: targets and
predictions are given as lists of per-sequence arrays (as ``predict``
returns them for list input) or as equal-length arrays, and every metric is
computed on the concatenation of all valid timesteps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import metrics as _skm
from sklearn.metrics import make_scorer

__all__ = ["flatten_timesteps", "make_timestep_scorer", "timestep_score"]

_NAMED: dict[str, tuple[Callable[..., float], dict[str, Any]]] = {
    "balanced_accuracy": (_skm.balanced_accuracy_score, {}),
    "accuracy": (_skm.accuracy_score, {}),
    "f1_macro": (_skm.f1_score, {"average": "macro"}),
    "f1": (_skm.f1_score, {}),
    "recall_macro": (_skm.recall_score, {"average": "macro"}),
    "recall": (_skm.recall_score, {}),
    "precision": (_skm.precision_score, {}),
}


def _stack(y: Any, name: str) -> tuple[np.ndarray, list[int]]:
    if isinstance(y, (list, tuple)) and len(y) and np.ndim(y[0]) >= 1:
        items = [np.asarray(v) for v in y]
        return np.concatenate(items, axis=0), [len(v) for v in items]
    arr = np.asarray(y)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be per-timestep labels: an array (n, T) / (n, T, n_labels) "
            f"or a list of per-sequence arrays; got shape {arr.shape}."
        )
    return arr.reshape(-1, *arr.shape[2:]), [arr.shape[1]] * arr.shape[0]


def flatten_timesteps(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the valid timesteps of ``y_true`` and ``y_pred``.

    Returns
    -------
    y_true_flat, y_pred_flat : ndarray of shape (n_valid,) or (n_valid, n_labels)

    Raises
    ------
    ValueError
        If the sequences' lengths differ between ``y_true`` and ``y_pred``.
    """
    t, len_t = _stack(y_true, "y_true")
    p, len_p = _stack(y_pred, "y_pred")
    if len_t != len_p:
        raise ValueError(
            "y_true and y_pred have different sequence lengths (or numbers of "
            "sequences); per-timestep metrics compare them step by step."
        )
    return t, p


def _macro_binary(metric: Callable[..., float], t: np.ndarray, p: np.ndarray,
                  **kwargs: Any) -> float:
    return float(np.mean([metric(t[:, j], p[:, j], **kwargs) for j in range(t.shape[1])]))


def timestep_score(
    y_true: Any,
    y_pred: Any,
    *,
    metric: str | Callable[..., float] = "balanced_accuracy",
    sample_weight: Any = None,
    **kwargs: Any,
) -> float:
    """A classification metric over all valid timesteps.

    Parameters
    ----------
    y_true, y_pred : array-like (n, T) / (n, T, n_labels) or list of per-sequence arrays
        Per-timestep labels; lists hold only the valid steps of each sequence.
    metric : str or callable, default="balanced_accuracy"
        One of ``"balanced_accuracy"``, ``"accuracy"``, ``"f1_macro"``,
        ``"f1"``, ``"recall_macro"``, ``"recall"``, ``"precision"``, or a
        callable ``metric(y_true_flat, y_pred_flat, **kwargs)``. For
        per-timestep **multilabel** targets ``(n, T, n_labels)`` the metric is
        computed per label (a binary problem over valid steps) and averaged
        over labels (macro), except for callables, which receive the
        ``(n_valid, n_labels)`` indicator arrays.
    sample_weight : array-like of shape (n_sequences,), optional
        Per-sequence weights, repeated over each sequence's valid steps.
    **kwargs
        Passed to the metric (e.g. ``pos_label=1``).

    Returns
    -------
    float
    """
    t, p = flatten_timesteps(y_true, y_pred)
    if sample_weight is not None:
        _, lengths = _stack(y_true, "y_true")
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.shape != (len(lengths),):
            raise ValueError(
                f"sample_weight must have one weight per sequence, shape "
                f"({len(lengths)},); got {sw.shape}."
            )
        kwargs["sample_weight"] = np.repeat(sw, lengths)
    if callable(metric):
        return float(metric(t, p, **kwargs))
    if metric not in _NAMED:
        raise ValueError(f"metric must be one of {sorted(_NAMED)} or a callable; got "
                         f"{metric!r}.")
    func, defaults = _NAMED[metric]
    kwargs = {**defaults, **kwargs}
    if t.ndim == 2:
        return _macro_binary(func, t, p, **kwargs)
    return float(func(t, p, **kwargs))


def make_timestep_scorer(
    metric: str | Callable[..., float] = "balanced_accuracy", **kwargs: Any
) -> Callable[..., float]:
    """A scorer for ``GridSearchCV`` / ``cross_validate`` over valid timesteps.

    ``scorer(estimator, X, y)`` calls ``estimator.predict(X)`` and returns
    :func:`timestep_score` (higher is better).

    Parameters
    ----------
    metric : str or callable, default="balanced_accuracy"
        See :func:`timestep_score`.
    **kwargs
        Passed to the metric.

    Examples
    --------
    >>> from skimbal.metrics import make_timestep_scorer
    >>> scorer = make_timestep_scorer("f1_macro")
    """
    if not callable(metric) and metric not in _NAMED:
        raise ValueError(f"metric must be one of {sorted(_NAMED)} or a callable; got "
                         f"{metric!r}.")
    return make_scorer(timestep_score, metric=metric, **kwargs)
