"""Per-label decision thresholds for multi-label targets (pure numpy)."""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_curve

__all__ = ["check_threshold", "f1_optimal_thresholds"]


def check_threshold(threshold: Any, n_labels: int) -> np.ndarray | None:
    """Validate ``threshold`` for ``n_labels`` labels.

    Returns a float64 array of shape ``(n_labels,)``, or ``None`` for
    ``"tune"`` (the thresholds are then chosen after training).

    Raises
    ------
    ValueError
        A value outside the open interval (0, 1), an array of the wrong
        length, or an unknown string.
    TypeError
        A non-numeric threshold.
    """
    if isinstance(threshold, str):
        if threshold != "tune":
            raise ValueError(
                f"threshold must be a float in (0, 1), an array of shape (n_labels,) "
                f"or 'tune'; got {threshold!r}."
            )
        return None
    if isinstance(threshold, Real) and not isinstance(threshold, bool):
        arr = np.full(n_labels, float(threshold))
    else:
        arr = np.asarray(threshold)
        if arr.dtype.kind not in "iuf":
            raise TypeError(
                f"threshold must be numeric (a float or an array of floats); got "
                f"{threshold!r}."
            )
        if arr.ndim != 1 or len(arr) != n_labels:
            raise ValueError(
                f"threshold as an array needs one value per label: expected shape "
                f"({n_labels},); got shape {arr.shape}."
            )
        arr = arr.astype(np.float64)
    if not np.all((arr > 0) & (arr < 1)):
        raise ValueError(
            f"threshold values must lie in the open interval (0, 1); got {threshold!r}."
        )
    return arr


def f1_optimal_thresholds(
    Y: np.ndarray, proba: np.ndarray, label_names: np.ndarray, default: float = 0.5
) -> np.ndarray:
    """Per-label threshold maximising F1 of ``proba[:, j] >= t`` on ``Y[:, j]``.

    The F1-optimal cut is found with :func:`sklearn.metrics.precision_recall_curve`
    (O(n log n) per label); the threshold returned is the midpoint between the
    lowest score predicted positive and the next lower score, so it does not
    sit exactly on a validation score. A label without positives in ``Y``
    keeps ``default`` (F1 is undefined there), with a ``UserWarning``.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 targets (the validation part).
    proba : ndarray of shape (n_samples, n_labels)
        Predicted probabilities.
    label_names : ndarray of shape (n_labels,)
        Names used in warnings.
    default : float, default=0.5

    Returns
    -------
    ndarray of shape (n_labels,), values in (0, 1)
    """
    Y = np.asarray(Y) > 0.5
    proba = np.asarray(proba, dtype=np.float64)
    out = np.full(Y.shape[1], float(default))
    names = np.asarray(label_names).tolist()
    for j in range(Y.shape[1]):
        y, p = Y[:, j], proba[:, j]
        n_pos = int(y.sum())
        if n_pos == 0:
            warnings.warn(
                f"Label {names[j]!r} has no positives in the validation split; "
                f"its threshold stays {default}.",
                UserWarning,
                stacklevel=3,
            )
            continue
        precision, recall, cuts = precision_recall_curve(y, p)
        precision, recall = precision[:-1], recall[:-1]  # drop the (1, 0) end point
        denom = precision + recall
        f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(denom),
                       where=denom > 0)
        cut = cuts[int(np.argmax(f1))]
        below = p[p < cut]
        t = (cut + below.max()) / 2.0 if below.size else cut / 2.0
        out[j] = float(np.clip(t, 1e-7, 1 - 1e-7))
    return out
