"""Imbalance measures for multi-label targets (Charte et al., 2015)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils._param_validation import validate_params

from ..targets import check_multilabel_indicator

__all__ = ["imbalance_ratio_per_label", "mean_imbalance_ratio", "minority_labels"]


def _irlbl_from_counts(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(counts > 0, counts.max() / np.maximum(counts, 1), np.inf)


def _mean_ir_from_irlbl(irlbl: np.ndarray) -> float:
    finite = irlbl[np.isfinite(irlbl)]
    if finite.size == 0:
        raise ValueError("y has no positive label at all; the imbalance ratio is undefined.")
    return float(finite.mean())


@validate_params({"y": ["array-like"]}, prefer_skip_nested_validation=True)
def imbalance_ratio_per_label(y: Any) -> np.ndarray:
    """Imbalance ratio of each label, IRLbl (Charte et al., 2015).

    ``IRLbl(l) = max_l' count(l') / count(l)``, where ``count(l)`` is the
    number of samples in which label ``l`` is present. The most frequent
    label has IRLbl 1; rarer labels have larger values.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_labels)
        Multi-label indicator matrix (0/1).

    Returns
    -------
    ndarray of float64, shape (n_labels,)
        ``inf`` for a label that never occurs in ``y``.

    See Also
    --------
    mean_imbalance_ratio : the mean of these ratios, MeanIR.

    References
    ----------
    F. Charte, A. J. Rivera, M. J. del Jesus, F. Herrera. "Addressing imbalance
    in multilabel classification: Measures and random resampling algorithms",
    Neurocomputing 163 (2015) 3-16.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.sampling import imbalance_ratio_per_label
    >>> y = np.array([[1, 1], [1, 0], [1, 0], [1, 0]])
    >>> imbalance_ratio_per_label(y)
    array([1., 4.])
    """
    y = check_multilabel_indicator(y)
    return _irlbl_from_counts(y.sum(axis=0))


@validate_params({"y": ["array-like"]}, prefer_skip_nested_validation=True)
def mean_imbalance_ratio(y: Any) -> float:
    """Mean imbalance ratio, MeanIR: the mean of IRLbl over the labels.

    Labels that never occur in ``y`` (IRLbl infinite) are left out of the
    mean: they have no samples to resample.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_labels)
        Multi-label indicator matrix (0/1).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If no label occurs in ``y``.

    See Also
    --------
    imbalance_ratio_per_label : IRLbl for each label.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.sampling import mean_imbalance_ratio
    >>> mean_imbalance_ratio(np.array([[1, 1], [1, 0], [1, 0], [1, 0]]))
    2.5
    """
    return _mean_ir_from_irlbl(imbalance_ratio_per_label(y))


@validate_params({"y": ["array-like"]}, prefer_skip_nested_validation=True)
def minority_labels(y: Any) -> np.ndarray:
    """Indices of the minority labels: those with IRLbl > MeanIR.

    Labels that never occur are not included (they have an empty bag).

    Parameters
    ----------
    y : array-like of shape (n_samples, n_labels)
        Multi-label indicator matrix (0/1).

    Returns
    -------
    ndarray of int, shape (n_minority_labels,)

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.sampling import minority_labels
    >>> minority_labels(np.array([[1, 1], [1, 0], [1, 0], [1, 0]]))
    array([1])
    """
    irlbl = imbalance_ratio_per_label(y)
    mean_ir = _mean_ir_from_irlbl(irlbl)
    return np.flatnonzero(np.isfinite(irlbl) & (irlbl > mean_ir))
