"""``MLSMOTE``: multi-label SMOTE (Charte et al., 2015)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ._base import BaseMultilabelSampler

__all__ = ["MLSMOTE"]


def rank_label_sets(labels: np.ndarray, neighbors: np.ndarray) -> np.ndarray:
    """MLSMOTE's *ranking* label sets for synthetic samples.

    For each seed ``i`` with neighbours ``neighbors[i]`` (``k`` indices),
    a label is on when it is present in more than half of the ``k + 1``
    samples formed by the seed and its neighbours.

    Parameters
    ----------
    labels : ndarray of shape (n_samples, n_labels)
        0/1 label matrix of the seeds' bag.
    neighbors : ndarray of int, shape (n_seeds, k)
        Row ``s`` holds the neighbours of seed ``s`` (seeds are rows
        ``0..n_seeds-1`` of ``labels``).

    Returns
    -------
    ndarray of int8, shape (n_seeds, n_labels)
    """
    k = neighbors.shape[1]
    n_seeds = neighbors.shape[0]
    votes = labels[:n_seeds].astype(np.int64) + labels[neighbors].sum(axis=1)
    return (votes > (k + 1) / 2).astype(np.int8)


class MLSMOTE(BaseMultilabelSampler):
    """Multi-label SMOTE (MLSMOTE) for sequences.

    Implements MLSMOTE of Charte et al. (2015). With ``IRLbl`` the imbalance
    ratio per label (``max_l' count(l') / count(l)``) and ``MeanIR`` its
    mean, every *minority label* (``IRLbl > MeanIR``) is processed: for each
    sample of its *bag* (the samples in which the label is present), the
    ``k_neighbors`` nearest neighbours within the bag are found (Euclidean
    distance between flattened sequences), one of them is drawn at random
    as reference, and one synthetic sample is made:

    - features: ``x + gap * (x_ref - x)`` with one ``gap ~ U(0, 1)`` per
      synthetic sample, i.e. a point on the segment between the two
      sequences, as in SMOTE. (The paper's pseudo-code draws a gap per
      feature; for sequences that would mix the two series point by point
      into noise, so the whole sequence is interpolated with one gap.)
    - labels, by the paper's *ranking* method: a label is on when it is
      present in more than half of the ``k + 1`` samples made of the seed
      and its neighbours (the minority label itself always is).

    Bags and neighbours come from the input data only (synthetic samples
    are not used as seeds), so the result does not depend on label order.
    A bag with fewer than ``k_neighbors + 1`` samples uses all of its other
    samples as neighbours; a bag of a single sample is skipped.

    Parameters
    ----------
    k_neighbors : int, default=5
        Number of nearest neighbours (the paper uses 5).
    random_state : int, RandomState instance or None, default=None
        Controls the reference neighbours and the interpolation gaps.

    Attributes
    ----------
    imbalance_ratio_per_label_ : ndarray of shape (n_labels,)
        IRLbl of the input ``y`` (``inf`` for labels that never occur).
    mean_imbalance_ratio_ : float
        MeanIR of the input ``y``.
    minority_labels_ : ndarray of int
        Labels with IRLbl > MeanIR, whose bags are over-sampled.
    n_features_in_ : int
        Features (channels) per timestep.

    See Also
    --------
    MLROS : random multi-label over-sampling (also for variable lengths).
    imbalance_ratio_per_label : IRLbl.
    imblearn.over_sampling.SMOTE : single-label SMOTE (use it through
        :class:`skimbal.SequenceSampler`).

    References
    ----------
    F. Charte, A. J. Rivera, M. J. del Jesus, F. Herrera. "MLSMOTE: Approaching
    imbalanced multilabel learning through synthetic instance generation",
    Knowledge-Based Systems 89 (2015) 385-397.

    Examples
    --------
    >>> from skimbal.datasets import make_imbalanced_sequences
    >>> from skimbal.sampling import MLSMOTE
    >>> X, y = make_imbalanced_sequences(200, n_timesteps=8, weights=(0.5, 0.3, 0.05),
    ...                                  target="multilabel", random_state=0)
    >>> sampler = MLSMOTE(k_neighbors=3, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.minority_labels_.tolist()
    [2]
    >>> len(X_res) - len(X) == int(y[:, 2].sum())
    True
    """

    _parameter_constraints: dict = {
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, k_neighbors: int = 5, *, random_state: Any = None) -> None:
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_resample(self, X: Any, y: tuple) -> tuple:
        """Add one synthetic sample per member of each minority-label bag.

        ``X`` must be a 3-D array (equal-length sequences). The result holds
        the originals first, then the synthetic samples; floating ``X`` keeps its
        dtype, integer ``X`` comes back as float32, ``y`` keeps its dtype.
        """
        y_arr, labels = y
        if not isinstance(X, np.ndarray):
            raise ValueError(
                "MLSMOTE interpolates between sequences and needs equal-length input "
                "(a 3-D array); got a list of variable-length sequences. Use MLROS, "
                "which clones whole sequences, or pad the sequences to equal length."
            )
        arr = X
        rng = check_random_state(self.random_state)
        self._record_imbalance(labels)
        n, n_timesteps, n_features = arr.shape
        dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float32)
        flat = arr.reshape(n, n_timesteps * n_features).astype(dtype, copy=False)
        new_X, new_y = [], []
        for j in self.minority_labels_:
            bag = np.flatnonzero(labels[:, j])
            if len(bag) < 2:
                continue
            k = min(self.k_neighbors, len(bag) - 1)
            Xb = flat[bag]
            nn = NearestNeighbors(n_neighbors=k + 1).fit(Xb)
            neigh = nn.kneighbors(Xb, return_distance=False)
            neigh = _drop_self(neigh, k)
            ref = neigh[np.arange(len(bag)), rng.randint(k, size=len(bag))]
            gap = rng.uniform(size=(len(bag), 1)).astype(dtype)
            new_X.append(Xb + gap * (Xb[ref] - Xb))
            new_y.append(rank_label_sets(labels[bag], neigh))
        self.n_features_in_ = n_features
        if not new_X:  # no minority label with two samples or more
            return arr.astype(dtype), y_arr.copy()
        X_syn = np.concatenate(new_X).reshape(-1, n_timesteps, n_features)
        y_syn = np.concatenate(new_y).astype(y_arr.dtype)
        X_res = np.concatenate([arr.astype(dtype, copy=False), X_syn])
        return X_res, np.concatenate([y_arr, y_syn])


def _drop_self(neigh: np.ndarray, k: int) -> np.ndarray:
    """Remove each row's own index from its k+1 neighbours (duplicates-safe)."""
    rows = np.arange(len(neigh))
    is_self = neigh == rows[:, None]
    # rows where the sample itself was not returned (exact duplicates): drop the last
    missing = ~is_self.any(axis=1)
    is_self[missing, -1] = True
    # if a row holds itself twice (cannot happen) keep exactly one drop per row
    first = np.argmax(is_self, axis=1)
    keep = np.ones_like(neigh, dtype=bool)
    keep[rows, first] = False
    return neigh[keep].reshape(len(neigh), k)
