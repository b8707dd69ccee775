"""Stratified splitting used inside ``fit`` and offered to users."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit

__all__ = ["stratified_validation_split"]


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
