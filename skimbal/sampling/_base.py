"""Shared input handling for skimbal's samplers (no Keras import)."""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn.base import BaseSampler

from ..targets import as_label_array, check_multilabel_indicator
from ._imbalance import _irlbl_from_counts, _mean_ir_from_irlbl

__all__ = [
    "BaseMultilabelSampler",
    "SequenceSamplerTagsMixin",
    "check_resample_sample_weight",
    "check_sequence_input",
]

_SHAPE = "(n_samples, n_timesteps, n_features)"


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(
            f"{name} contains NaN or infinity; impute or drop missing values before "
            "resampling (samplers cannot interpolate or compare missing values)."
        )


def check_sequence_input(X: Any, *, name: str = "X") -> tuple[np.ndarray | None, list | None]:
    """Validate sequences for a sampler.

    Returns ``(array, None)`` for equal-length input (a 3-D array, or a list
    of 2-D arrays that all have the same shape, stacked) and ``(None, list)``
    for a list of variable-length ``(n_timesteps_i, n_features)`` arrays.
    The caller's arrays are never modified or copied unless stacking a list.

    Raises
    ------
    TypeError
        ``X`` is None or not numeric.
    ValueError
        ``X`` is not 3-D (2-D in particular), has empty axes, sequences with
        different feature counts, or NaN / infinity.
    """
    if X is None:
        raise TypeError(f"{name} is required: expected an array of shape {_SHAPE}.")
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError(f"{name} is an empty list; expected at least one sequence.")
        seqs = [np.asarray(x) for x in X]
        for i, s in enumerate(seqs):
            if s.ndim != 2:
                raise ValueError(
                    f"each sequence in a list {name} must be 2-D (n_timesteps, "
                    f"n_features); {name}[{i}] has shape {s.shape}."
                )
            if s.dtype.kind not in "biuf":
                raise TypeError(f"{name}[{i}] must be numeric; got dtype {s.dtype}.")
            if 0 in s.shape:
                raise ValueError(f"{name}[{i}] has an empty axis: shape {s.shape}.")
        n_feat = {s.shape[1] for s in seqs}
        if len(n_feat) > 1:
            raise ValueError(
                f"all sequences in {name} must have the same number of features; "
                f"got {sorted(n_feat)}."
            )
        for i, s in enumerate(seqs):
            _check_finite(s, f"{name}[{i}]")
        if len({s.shape for s in seqs}) == 1:
            return np.stack(seqs), None
        return None, seqs
    arr = np.asarray(X)
    if arr.dtype == object:
        raise ValueError(
            f"{name} is an object array (ragged?); pass variable-length sequences as a "
            f"list of (n_timesteps, n_features) arrays, or an array of shape {_SHAPE}."
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}.")
    if arr.ndim != 3:
        hint = (
            " For univariate series add a feature axis (X[..., np.newaxis]); for "
            "tabular 2-D data use the imbalanced-learn sampler directly."
            if arr.ndim == 2
            else ""
        )
        raise ValueError(
            f"{name} must be 3-D {_SHAPE} or a list of (n_timesteps, n_features) "
            f"arrays; got {arr.ndim}-D {name} of shape {arr.shape}.{hint}"
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} has an empty axis: shape {arr.shape}.")
    _check_finite(arr, name)
    return arr, None


def check_resample_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """Validate per-sample weights given to ``fit_resample``."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight)
    if sw.ndim != 1 or len(sw) != n_samples:
        raise ValueError(
            f"sample_weight must be 1-D with one weight per sample ({n_samples}); got "
            f"shape {sw.shape}."
        )
    if sw.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must be numeric; got dtype {sw.dtype}.")
    if not np.isfinite(sw).all() or np.any(sw < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    return sw


class SequenceSamplerTagsMixin:
    """Tags for samplers that take 3-D sequences (not 2-D, sparse or frames)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.dataframe = False
        return tags


class BaseMultilabelSampler(SequenceSamplerTagsMixin, BaseSampler):
    """Shared validation of the multi-label samplers (MLROS, MLSMOTE)."""

    _sampling_type = "over-sampling"

    def _check_inputs(self, X: Any, y: Any) -> tuple:
        self._validate_params()
        arr, seqs = check_sequence_input(X)
        n_samples = len(arr) if arr is not None else len(seqs)
        y_arr = as_label_array(y)
        if y_arr.ndim == 1 or (y_arr.ndim == 2 and y_arr.shape[1] == 1):
            raise ValueError(
                f"{type(self).__name__} needs a multi-label indicator y of shape "
                f"(n_samples, n_labels); got single-label y of shape {y_arr.shape}. For "
                "single-label targets use skimbal.SequenceSampler(RandomOverSampler()) "
                "or SequenceSampler(SMOTE())."
            )
        labels = check_multilabel_indicator(y_arr)
        if len(labels) != n_samples:
            raise ValueError(
                f"X and y have different numbers of samples: len(X)={n_samples}, "
                f"len(y)={len(labels)}."
            )
        return arr, seqs, y_arr, labels

    def _record_imbalance(self, labels: np.ndarray) -> None:
        irlbl = _irlbl_from_counts(labels.sum(axis=0))
        self.imbalance_ratio_per_label_ = irlbl
        self.mean_imbalance_ratio_ = _mean_ir_from_irlbl(irlbl)
        self.minority_labels_ = np.flatnonzero(
            np.isfinite(irlbl) & (irlbl > self.mean_imbalance_ratio_)
        )

    def fit(self, X: Any, y: Any) -> BaseMultilabelSampler:
        """Resample once to fit (prefer :meth:`fit_resample`).

        Returns
        -------
        self
        """
        self.fit_resample(X, y)
        return self

    def _fit_resample(self, X: Any, y: Any) -> tuple:  # required by imblearn's ABC
        return self.fit_resample(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
