"""Stratified splitting used inside ``fit`` and offered to users.

Multi-label stratification uses the iterative stratification algorithm of
Sechidis et al. (2011) from the maintained ``iterative-stratification``
package (module ``iterstrat``), wrapped as a scikit-learn splitter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold, StratifiedShuffleSplit
from sklearn.utils import check_random_state

from .targets import is_01

__all__ = [
    "MultilabelStratifiedKFold",
    "SequenceStratifiedKFold",
    "multilabel_validation_split",
    "sequence_strata",
    "stratified_validation_split",
    "validation_strata",
]


def stratified_validation_split(
    codes: np.ndarray,
    validation_fraction: float,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train/validation parts, stratified by class.

    Unlike Keras' ``validation_split`` (the tail of the arrays, which on data
    sorted by label is a single class), every class keeps its proportion in
    both parts.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        Integer class codes.
    validation_fraction : float in (0, 1)
        Share of samples held out.
    random_state : int, RandomState or None
        Seed of the split.

    Returns
    -------
    train_idx, val_idx : ndarray of int

    Raises
    ------
    ValueError
        If a class has fewer than 2 samples, or the validation part would be
        smaller than the number of classes.
    """
    codes = np.asarray(codes)
    classes, counts = np.unique(codes, return_counts=True)
    if np.any(counts < 2):
        rare = classes[counts < 2].tolist()
        raise ValueError(
            f"validation_fraction={validation_fraction} needs at least 2 samples "
            f"per class for a stratified split; class codes {rare} have 1."
        )
    n_val = int(np.ceil(validation_fraction * len(codes)))
    if n_val < len(classes) or len(codes) - n_val < len(classes):
        raise ValueError(
            f"validation_fraction={validation_fraction} gives {n_val} validation "
            f"samples out of {len(codes)}; a stratified split needs at least one "
            f"sample of each of the {len(classes)} classes on both sides."
        )
    splitter = StratifiedShuffleSplit(
        n_splits=1, test_size=n_val, random_state=random_state
    )
    train_idx, val_idx = next(splitter.split(np.zeros(len(codes)), codes))
    return np.sort(train_idx), np.sort(val_idx)


def _check_indicator(y: Any) -> np.ndarray:
    if y is None:
        raise ValueError("MultilabelStratifiedKFold needs y: a (n_samples, n_labels) 0/1 array.")
    Y = np.asarray(y)
    if Y.ndim != 2 or Y.shape[1] < 2:
        raise ValueError(
            "multi-label stratification needs y of shape (n_samples, n_labels) with "
            f"n_labels >= 2; got shape {Y.shape}. For 1-D labels use StratifiedKFold."
        )
    if not is_01(Y):
        raise ValueError("multi-label y must hold only 0/1 (or bool) entries.")
    return Y.astype(bool)


class MultilabelStratifiedKFold(BaseCrossValidator):
    """K-fold cross-validation stratified per label, for multi-label targets.

    A drop-in scikit-learn splitter (``cross_validate``, ``GridSearchCV``,
    ``cross_val_score``) built on the iterative stratification of the
    ``iterative-stratification`` package: every fold keeps each label's share
    of positives as close as possible, rare labels first. ``X`` may have any
    number of dimensions (e.g. 3-D sequences); only its length is used.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Shuffle the samples before the stratification.
    random_state : int, RandomState or None, default=None
        Seed of the random tie-breaking of the algorithm (used even when
        ``shuffle=False``, unlike scikit-learn's ``StratifiedKFold``) and of the
        shuffling. Set it for repeatable folds.

    See Also
    --------
    iterstrat.ml_stratifiers.MultilabelStratifiedKFold : the wrapped algorithm.
    sklearn.model_selection.StratifiedKFold : single-label counterpart.

    Notes
    -----
    Fold sizes may differ slightly: the algorithm prefers balanced labels over
    equal sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal.model_selection import MultilabelStratifiedKFold
    >>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    >>> cv = MultilabelStratifiedKFold(n_splits=2, random_state=0)
    >>> [int(Y[test, 0].sum()) for _, test in cv.split(np.zeros((20, 3, 2)), Y)]
    [5, 5]
    """

    def __init__(
        self, n_splits: int = 5, *, shuffle: bool = False, random_state: Any = None
    ) -> None:
        if not isinstance(n_splits, Integral) or isinstance(n_splits, bool) or n_splits < 2:
            raise ValueError(f"n_splits must be an int >= 2; got {n_splits!r}.")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False; got {shuffle!r}.")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds (``n_splits``)."""
        return self.n_splits

    def _iter_test_indices(
        self, X: Any = None, y: Any = None, groups: Any = None
    ) -> Iterator[np.ndarray]:
        from iterstrat.ml_stratifiers import IterativeStratification

        Y = _check_indicator(y)
        n_samples = len(Y)
        if self.n_splits > n_samples:
            raise ValueError(
                f"n_splits={self.n_splits} is greater than the number of samples "
                f"({n_samples})."
            )
        rng = check_random_state(self.random_state)
        order = np.arange(n_samples)
        if self.shuffle:
            rng.shuffle(order)
        ratios = np.full(self.n_splits, 1.0 / self.n_splits)
        folds = np.empty(n_samples, dtype=int)
        folds[order] = IterativeStratification(labels=Y[order], r=ratios, random_state=rng)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds == k)

    def split(
        self, X: Any, y: Any, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate train/test indices, stratified by every label.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Only its length is used (3-D sequences are fine).
        y : array-like of shape (n_samples, n_labels)
            0/1 (or bool) multi-label targets.
        groups : ignored

        Yields
        ------
        train, test : ndarray of int
        """
        n_samples = len(X)
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have different numbers of samples: {n_samples} and {len(y)}."
            )
        indices = np.arange(n_samples)
        for test in self._iter_test_indices(X, y, groups):
            mask = np.zeros(n_samples, dtype=bool)
            mask[test] = True
            yield indices[~mask], indices[mask]


def multilabel_validation_split(
    Y: np.ndarray,
    validation_fraction: float,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train/validation parts by iterative stratification.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 multi-label targets.
    validation_fraction : float in (0, 1)
        Share of samples held out (the algorithm may move a few samples to
        keep every label's share of positives).
    random_state : int, RandomState or None
        Seed of the split.

    Returns
    -------
    train_idx, val_idx : ndarray of int, sorted

    Raises
    ------
    ValueError
        If either part would be empty.
    """
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    Y = _check_indicator(Y)
    n_val = int(np.ceil(validation_fraction * len(Y)))
    if n_val < 1 or len(Y) - n_val < 1:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves an empty training or "
            f"validation part out of {len(Y)} samples."
        )
    splitter = MultilabelStratifiedShuffleSplit(
        n_splits=1, test_size=n_val, random_state=random_state
    )
    train_idx, val_idx = next(splitter.split(np.zeros(len(Y)), Y))
    if len(val_idx) == 0 or len(train_idx) == 0:
        raise ValueError(
            f"validation_fraction={validation_fraction} gives an empty training or "
            f"validation part out of {len(Y)} samples."
        )
    return np.sort(train_idx), np.sort(val_idx)


def validation_strata(
    spec: Any, codes: np.ndarray, mask: np.ndarray | None
) -> tuple[np.ndarray, Callable[..., tuple[np.ndarray, np.ndarray]]]:
    """What ``fit`` stratifies its internal validation split by, and with which splitter.

    Parameters
    ----------
    spec : skimbal.targets.TargetSpec
        The kind of target.
    codes : ndarray
        Encoded targets (see :func:`skimbal.targets.encode_target`).
    mask : ndarray of bool of shape (n, T) or None
        Valid timesteps of per-timestep targets.

    Returns
    -------
    strata : ndarray
        Class codes (single-label), the 0/1 targets (multi-label, iterative
        stratification) or, for per-timestep targets, one stratum per sequence
        from the classes it contains (:func:`sequence_strata`).
    split : callable
        :func:`stratified_validation_split` or :func:`multilabel_validation_split`.
    """
    if spec.per_timestep:
        return sequence_strata(spec.presence(codes, mask), min_count=2), (
            stratified_validation_split
        )
    if spec.multilabel:
        return codes, multilabel_validation_split
    return codes, stratified_validation_split


# ---------------------------------------------------------------------------
# Per-timestep targets: stratify sequences by the classes they contain
# ---------------------------------------------------------------------------
def sequence_strata(presence: np.ndarray, min_count: int = 2) -> np.ndarray:
    """One stratum code per sequence from its class-presence pattern.

    Sequences are grouped by the exact set of classes (labels) they contain.
    A pattern shared by fewer than ``min_count`` sequences is replaced by its
    rarest present class (so rare-event sequences still spread over folds);
    strata that are still smaller than ``min_count`` are merged into the
    largest stratum.

    Parameters
    ----------
    presence : ndarray of bool, shape (n_sequences, n_classes)
        From :func:`skimbal.targets.timestep_presence`.
    min_count : int, default=2
        Smallest stratum size wanted (``n_splits`` for k-fold).

    Returns
    -------
    ndarray of int, shape (n_sequences,)
    """
    presence = np.asarray(presence, dtype=bool)
    n, k = presence.shape
    _, strata = np.unique(presence, axis=0, return_inverse=True)
    strata = strata.reshape(-1).astype(np.int64)
    sizes = np.bincount(strata)
    small = sizes[strata] < min_count
    if np.any(small):
        freq = presence.sum(axis=0)
        # rarest class present (or -1 when none is present)
        masked = np.where(presence, freq[None, :], n + 1)
        rarest = np.where(presence.any(axis=1), masked.argmin(axis=1), -1)
        strata = np.where(small, strata.max() + 2 + rarest, strata)
        _, strata = np.unique(strata, return_inverse=True)
        sizes = np.bincount(strata)
        tiny = sizes[strata] < min_count
        if np.any(tiny):
            strata = np.where(tiny, np.argmax(sizes), strata)
            _, strata = np.unique(strata, return_inverse=True)
    return strata.reshape(-1)


class SequenceStratifiedKFold:
    """K-fold over sequences, stratified by which classes each sequence contains.

    For per-timestep targets (``y`` of shape ``(n, T)``, ``(n, T, n_labels)``
    or a list of per-sequence label arrays), scikit-learn's
    ``StratifiedKFold`` cannot be used directly. This splitter computes each
    sequence's class-presence pattern (e.g. "contains an event" /
    "background only"), groups rare patterns as described in
    :func:`sequence_strata`, and runs ``StratifiedKFold`` on those strata, so
    sequences with rare events spread evenly over the folds. (This is
    stratification on a presence code, not iterative multilabel
    stratification: with many labels and rare combinations, the rarest
    present class decides a sequence's stratum.)

    Parameters
    ----------
    n_splits : int, default=5
    shuffle : bool, default=False
    random_state : int, RandomState or None, default=None
        Used when ``shuffle=True``.

    Examples
    --------
    >>> from skimbal.datasets import make_imbalanced_sequences
    >>> from skimbal.model_selection import SequenceStratifiedKFold
    >>> X, y = make_imbalanced_sequences(50, target="per_timestep", random_state=0)
    >>> cv = SequenceStratifiedKFold(n_splits=3)
    >>> len(list(cv.split(X, y)))
    3
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False,
                 random_state: Any = None) -> None:
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def _strata(self, y: Any) -> np.ndarray:
        from .targets import timestep_presence

        return sequence_strata(timestep_presence(y), min_count=self.n_splits)

    def split(self, X: Any, y: Any, groups: Any = None):
        """Yield ``(train_idx, test_idx)`` index arrays over sequences."""
        if y is None:
            raise ValueError("SequenceStratifiedKFold needs y (per-timestep labels).")
        strata = self._strata(y)
        if len(X) != len(strata):
            raise ValueError(
                f"X and y have different numbers of sequences: {len(X)} and "
                f"{len(strata)}."
            )
        inner = StratifiedKFold(self.n_splits, shuffle=self.shuffle,
                                random_state=self.random_state if self.shuffle else None)
        yield from inner.split(np.zeros(len(strata)), strata)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds."""
        return self.n_splits

    def __repr__(self) -> str:
        return (f"SequenceStratifiedKFold(n_splits={self.n_splits}, shuffle={self.shuffle}, "
                f"random_state={self.random_state})")
