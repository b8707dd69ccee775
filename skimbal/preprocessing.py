"""Preprocessing transformers for sequence data (no Keras import)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_sequence_input

__all__ = ["SequenceScaler", "channel_moments"]


def _as_sequence_list(
    X: Any, *, n_features: int | None = None
) -> tuple[list[np.ndarray], bool]:
    """``X`` as a list of 3-D / 2-D arrays (checked) and whether it was one 3-D array."""
    arr, seqs = check_sequence_input(X, n_features=n_features, fitted_by="SequenceScaler")
    return ([arr], True) if seqs is None else (seqs, False)


def _constant_channels(mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """StandardScaler's rule: a channel whose variance is 0 up to float rounding."""
    eps = np.finfo(np.float64).eps
    return var <= (10 * eps * np.maximum(np.abs(mean), 1.0)) ** 2


def channel_moments(X: np.ndarray, chunk_rows: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over the valid steps of a padded batch.

    The statistics :class:`SequenceScaler` computes, for the padded float
    array the classifier trains on: NaN marks padding (how skimbal pads
    variable-length lists) and is left out. Rows are read in chunks, each
    reduced in float64 and the chunks merged (Chan et al.'s pairwise update),
    so no copy of ``X`` is made. A constant channel gets a standard
    deviation of 1 (it is only centred), as in ``StandardScaler``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Padded sequences; NaN steps are padding.
    chunk_rows : int, default=1024
        Sequences reduced at a time.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,), float64
    """
    n_features = X.shape[-1]
    count = np.zeros(n_features)
    mean = np.zeros(n_features)
    m2 = np.zeros(n_features)
    for start in range(0, len(X), chunk_rows):
        block = X[start : start + chunk_rows].reshape(-1, n_features).astype(np.float64)
        valid = ~np.isnan(block)
        n_b = valid.sum(axis=0).astype(np.float64)
        if not n_b.any():
            continue
        block[~valid] = 0.0
        mean_b = block.sum(axis=0) / np.maximum(n_b, 1.0)
        m2_b = (np.where(valid, block - mean_b, 0.0) ** 2).sum(axis=0)
        total = count + n_b
        delta = mean_b - mean
        mean = mean + delta * n_b / np.maximum(total, 1.0)
        m2 = m2 + m2_b + delta**2 * count * n_b / np.maximum(total, 1.0)
        count = total
    var = m2 / np.maximum(count, 1.0)
    scale = np.sqrt(var)
    scale[_constant_channels(mean, var)] = 1.0
    return mean, scale


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Standardise sequences per channel (feature), over all samples and timesteps.

    ``sklearn.preprocessing.StandardScaler`` rejects 3-D input; this
    transformer computes one mean and standard deviation per channel from the
    training data (all timesteps of all sequences pooled) and applies
    ``(x - mean_) / scale_`` to every timestep. It is meant as a ``Pipeline``
    step before :class:`~skimbal.WeightedSequenceClassifier`, so that in
    cross-validation the statistics come from each training fold only.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the per-channel mean.
    with_std : bool, default=True
        Divide by the per-channel (population) standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Per-channel mean (``None`` when ``with_mean=False``).
    var_ : ndarray of shape (n_features,) or None
        Per-channel population variance (``None`` when ``with_std=False``).
    scale_ : ndarray of shape (n_features,) or None
        Per-channel divisor. A **constant channel** (variance 0 up to float
        rounding: ``var <= (10 * eps * max(|mean|, 1))**2``) gets ``scale_ = 1``, as in
        ``StandardScaler``: it is only centred (all zeros after
        transform), never divided by zero.
    n_features_in_ : int
        Number of channels seen in ``fit``.
    n_samples_seen_ : int
        Number of timesteps (all sequences together) the statistics use.

    Notes
    -----
    Input may be a 3-D array ``(n_samples, n_timesteps, n_features)`` or a
    list of ``(n_timesteps_i, n_features)`` arrays of different lengths; the
    output has the same form (a list stays a list) and is ``float32``. The
    input is never modified. Statistics are accumulated in float64.
    Zero-padding of a 3-D array is treated as data; pass variable-length
    sequences as a list to keep padding out of the statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.preprocessing import SequenceScaler
    >>> X = np.array([[[0.0, 5.0], [2.0, 5.0]]])
    >>> SequenceScaler().fit_transform(X)[0]
    array([[-1.,  0.],
           [ 1.,  0.]], dtype=float32)
    """

    _parameter_constraints: dict = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def __init__(self, *, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X: Any, y: Any = None) -> SequenceScaler:
        """Compute per-channel mean and standard deviation from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list
            Training sequences; a list may hold sequences of different lengths.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        seqs, _ = _as_sequence_list(X)
        flat = np.concatenate([s.reshape(-1, s.shape[-1]) for s in seqs], axis=0)
        flat = flat.astype(np.float64, copy=False)
        mean = flat.mean(axis=0)
        var = flat.var(axis=0)
        self.n_features_in_ = flat.shape[1]
        self.n_samples_seen_ = flat.shape[0]
        self.mean_ = mean if self.with_mean else None
        self.var_ = var if self.with_std else None
        if self.with_std:
            # StandardScaler's rule: (near-)constant channels are not scaled
            scale = np.sqrt(var)
            scale[_constant_channels(mean, var)] = 1.0
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def _checked(self, X: Any) -> tuple[list[np.ndarray], bool]:
        """Fitted check, conversion and feature-count check shared by both transforms."""
        check_is_fitted(self, "n_features_in_")
        return _as_sequence_list(X, n_features=self.n_features_in_)

    def transform(self, X: Any) -> np.ndarray | list[np.ndarray]:
        """Standardise ``X`` with the statistics from ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list

        Returns
        -------
        ndarray of float32 (same shape), or a list of float32 arrays
        """
        seqs, was_array = self._checked(X)
        out = [self._apply(s) for s in seqs]
        return out[0] if was_array else out

    def inverse_transform(self, X: Any) -> np.ndarray | list[np.ndarray]:
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list

        Returns
        -------
        ndarray of float32 (same shape), or a list of float32 arrays
        """
        seqs, was_array = self._checked(X)
        out = []
        for s in seqs:
            a = s.astype(np.float64)
            if self.scale_ is not None:
                a = a * self.scale_
            if self.mean_ is not None:
                a = a + self.mean_
            out.append(a.astype(np.float32))
        return out[0] if was_array else out

    def _apply(self, s: np.ndarray) -> np.ndarray:
        a = s.astype(np.float64)  # always a copy: the input is never modified
        if self.mean_ is not None:
            a -= self.mean_
        if self.scale_ is not None:
            a /= self.scale_
        return a.astype(np.float32)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags
