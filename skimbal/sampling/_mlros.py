"""``MLROS``: multi-label random over-sampling (Charte et al., 2015)."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ._base import BaseMultilabelSampler

__all__ = ["MLROS"]


class MLROS(BaseMultilabelSampler):
    """Multi-label random over-sampling (MLROS) for sequences.

    Implements MLROS of Charte et al. (2015): with ``IRLbl`` the imbalance
    ratio per label (``max_l' count(l') / count(l)``) and ``MeanIR`` its
    mean, the *minority labels* are those with ``IRLbl > MeanIR``, and the
    *bag* of a minority label holds the samples in which it is present.
    MLROS then adds ``round(n_samples * percentage / 100)`` clones: in
    rounds, it clones one random sample from each bag still active, updates
    the label counts (a clone adds to all of its labels) and retires a bag
    as soon as its label's ``IRLbl`` falls to ``MeanIR`` or below. As in the
    paper, ``MeanIR`` is the one of the original data. Sampling stops early
    when every bag is retired (the paper's loop would not end).

    Clones are copies of whole samples, so ``X`` may be a 3-D array or a
    list of variable-length ``(n_timesteps_i, n_features)`` arrays.

    Parameters
    ----------
    percentage : float, default=25.0
        Size increase, in percent of ``n_samples`` (the paper's ``P``; it
        reports 10, 20 and 25).
    random_state : int, RandomState instance or None, default=None
        Controls which samples are cloned.

    Attributes
    ----------
    imbalance_ratio_per_label_ : ndarray of shape (n_labels,)
        IRLbl of the input ``y`` (``inf`` for labels that never occur).
    mean_imbalance_ratio_ : float
        MeanIR of the input ``y``.
    minority_labels_ : ndarray of int
        Labels with IRLbl > MeanIR, whose bags are sampled.
    sample_indices_ : ndarray of shape (n_resampled,)
        Input index of every output sample: ``arange(n_samples)`` followed
        by the indices of the clones.
    n_features_in_ : int
        Features (channels) per timestep.

    See Also
    --------
    MLSMOTE : synthetic multi-label over-sampling.
    imbalance_ratio_per_label : IRLbl.
    mean_imbalance_ratio : MeanIR.
    skimbal.SequenceSampler : imbalanced-learn samplers for single-label sequences.

    References
    ----------
    F. Charte, A. J. Rivera, M. J. del Jesus, F. Herrera. "Addressing imbalance
    in multilabel classification: Measures and random resampling algorithms",
    Neurocomputing 163 (2015) 3-16.

    Examples
    --------
    >>> from skimbal.datasets import make_imbalanced_sequences
    >>> from skimbal.sampling import MLROS
    >>> X, y = make_imbalanced_sequences(200, n_timesteps=8, weights=(0.5, 0.1, 0.05),
    ...                                  target="multilabel", random_state=0)
    >>> sampler = MLROS(percentage=10, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.imbalance_ratio_per_label_.tolist(), round(sampler.mean_imbalance_ratio_, 2)
    ([1.0, 5.0, 10.0], 5.33)
    >>> sampler.minority_labels_.tolist()
    [2]
    >>> y.sum(axis=0).tolist(), y_res.sum(axis=0).tolist()
    ([100, 20, 10], [107, 24, 21])

    Label 2 reached ``IRLbl <= MeanIR`` after 11 clones (fewer than the
    20 that ``percentage=10`` allows), so its bag was retired:

    >>> X_res.shape
    (211, 8, 3)
    """

    _parameter_constraints: dict = {
        "percentage": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, percentage: float = 25.0, *, random_state: Any = None) -> None:
        self.percentage = percentage
        self.random_state = random_state

    def _fit_resample(self, X: Any, y: tuple) -> tuple:
        """Add clones of samples from the minority-label bags.

        ``X`` is a 3-D array or a list of variable-length sequences; the result
        holds the originals first, then the clones, in the container and dtype
        of ``X`` (``y`` in its own dtype).
        """
        y_arr, labels = y
        rng = check_random_state(self.random_state)
        self._record_imbalance(labels)
        n_samples = len(labels)
        to_clone = int(round(n_samples * self.percentage / 100))
        counts = labels.sum(axis=0).astype(np.int64)
        mean_ir = self.mean_imbalance_ratio_
        bags = {int(j): np.flatnonzero(labels[:, j]) for j in self.minority_labels_}
        active = list(bags)
        clones: list[int] = []
        while to_clone > 0 and active:
            for j in list(active):
                i = int(bags[j][rng.randint(len(bags[j]))])
                clones.append(i)
                counts += labels[i]
                to_clone -= 1
                if counts.max() / counts[j] <= mean_ir:
                    active.remove(j)
                if to_clone == 0:
                    break
        indices = np.concatenate([np.arange(n_samples), np.asarray(clones, dtype=np.intp)])
        self.sample_indices_ = indices
        if isinstance(X, np.ndarray):
            self.n_features_in_ = X.shape[2]
            X_res = X[indices]
        else:
            self.n_features_in_ = X[0].shape[1]
            X_res = [X[i] for i in indices]
        return X_res, y_arr[indices]
