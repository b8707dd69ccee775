"""Shared input handling for skimbal's samplers (no Keras import)."""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn.base import BaseSampler

from .._validation import check_and_stack_sequences
from ..targets import as_label_array, check_multilabel_indicator
from ._imbalance import _irlbl_from_counts, _mean_ir_from_irlbl

__all__ = [
    "BaseMultilabelSampler",
    "BaseSequenceSampler",
    "SequenceSamplerTagsMixin",
    "check_resample_sample_weight",
]

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


class BaseSequenceSampler(SequenceSamplerTagsMixin, BaseSampler):
    """Base class of skimbal's samplers (imbalanced-learn's template, for 3-D input).

    The public :meth:`fit_resample` does the validation every sampler shares
    (parameters, the sequences, ``y`` through the subclass's ``_check_y``,
    matching lengths) and calls the subclass's ``_fit_resample`` with the
    checked input; a list ``X`` of equal-length sequences comes back as a list.
    Subclasses implement ``_check_y(y, n_samples)`` and ``_fit_resample(X, y,
    **params)`` (and may add ``_check_params``), where ``X`` is a 3-D array or,
    for variable-length input, a list of ``(n_timesteps_i, n_features)`` arrays.
    """

    def fit(self, X: Any, y: Any, **params: Any) -> BaseSequenceSampler:
        """Resample once to fit (prefer :meth:`fit_resample`).

        Returns
        -------
        self
        """
        self.fit_resample(X, y, **params)
        return self

    def fit_resample(self, X: Any, y: Any, **params: Any) -> tuple:
        """Validate ``X`` and ``y`` and resample them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list
            Sequences: a 3-D array, or a list of ``(n_timesteps_i, n_features)``
            arrays (variable lengths where the sampler supports them).
        y : array-like of shape (n_samples,), (n_samples, n_classes) or \
(n_samples, n_labels)
            Targets, as the sampler accepts them.
        **params : dict
            Passed to the sampler (``sample_weight`` for
            :class:`~skimbal.sampling.SequenceSampler`).

        Returns
        -------
        X_resampled : ndarray of shape (n_resampled, n_timesteps, n_features) or list
            Same container as ``X`` (array or list).
        y_resampled : ndarray
        sample_weight_resampled : ndarray of shape (n_resampled,)
            Only where the sampler carries a ``sample_weight``.
        """
        self._validate_params()
        self._check_params()
        arr, seqs = check_and_stack_sequences(X)
        n_samples = len(arr) if arr is not None else len(seqs)
        y_checked = self._check_y(y, n_samples)
        out = self._fit_resample(arr if arr is not None else seqs, y_checked, **params)
        if isinstance(X, (list, tuple)) and isinstance(out[0], np.ndarray):
            out = (list(out[0]), *out[1:])
        return out

    def _check_params(self) -> None:
        """Checks of the parameters beyond ``_parameter_constraints`` (none by default)."""

    def _check_y(self, y: Any, n_samples: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _check_lengths(n_samples: int, n_y: int) -> None:
        if n_y != n_samples:
            raise ValueError(
                f"X and y have different numbers of samples: len(X)={n_samples}, "
                f"len(y)={n_y}."
            )


class BaseMultilabelSampler(BaseSequenceSampler):
    """Shared validation of the multi-label samplers (MLROS, MLSMOTE).

    ``_fit_resample`` receives ``y`` as ``(y_array, labels)``: the caller's array
    and its 0/1 int8 indicator matrix.
    """

    _sampling_type = "over-sampling"

    def _check_y(self, y: Any, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
        y_arr = as_label_array(y)
        if y_arr.ndim == 1 or (y_arr.ndim == 2 and y_arr.shape[1] == 1):
            raise ValueError(
                f"{type(self).__name__} needs a multi-label indicator y of shape "
                f"(n_samples, n_labels); got single-label y of shape {y_arr.shape}. For "
                "single-label targets use skimbal.SequenceSampler(RandomOverSampler()) "
                "or SequenceSampler(SMOTE())."
            )
        labels = check_multilabel_indicator(y_arr)
        self._check_lengths(n_samples, len(labels))
        return y_arr, labels

    def _record_imbalance(self, labels: np.ndarray) -> None:
        irlbl = _irlbl_from_counts(labels.sum(axis=0))
        self.imbalance_ratio_per_label_ = irlbl
        self.mean_imbalance_ratio_ = _mean_ir_from_irlbl(irlbl)
        self.minority_labels_ = np.flatnonzero(
            np.isfinite(irlbl) & (irlbl > self.mean_imbalance_ratio_)
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
