"""Stratified splitting used inside ``fit`` and offered to users."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

__all__ = ["SequenceStratifiedKFold", "sequence_strata", "stratified_validation_split"]


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
