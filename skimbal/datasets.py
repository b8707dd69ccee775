"""Datasets: a synthetic imbalanced sequence generator (no Keras import)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_imbalanced_sequences"]


def _class_counts(n_samples: int, weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) < 2 or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError(
            f"weights must be a sequence of >= 2 positive class proportions; got {weights!r}."
        )
    w = w / w.sum()
    counts = np.maximum(1, np.floor(w * n_samples).astype(int))
    counts[np.argmax(counts)] += n_samples - counts.sum()
    if np.any(counts < 1):
        raise ValueError(f"n_samples={n_samples} is too small for weights={weights!r}.")
    return counts


def make_imbalanced_sequences(
    n_samples: int = 500,
    *,
    n_timesteps: int = 20,
    n_features: int = 3,
    weights: Sequence[float] = (0.9, 0.1),
    class_sep: float = 1.0,
    noise: float = 1.0,
    shuffle: bool = True,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate an imbalanced multivariate sequence classification problem.

    Every sequence is Gaussian noise (``noise`` std) plus its class's pattern:
    a sinusoid whose frequency grows with the class index, on channel
    ``class % n_features``, with a random phase, times ``class_sep``. Class 0
    (the majority by default) has no pattern. The class proportions follow
    ``weights`` exactly (up to rounding, at least one sample per class).

    Parameters
    ----------
    n_samples : int, default=500
    n_timesteps : int, default=20
    n_features : int, default=3
    weights : sequence of float, default=(0.9, 0.1)
        Class proportions; its length sets the number of classes.
    class_sep : float, default=1.0
        Amplitude of the class patterns (larger is easier).
    noise : float, default=1.0
        Standard deviation of the additive noise.
    shuffle : bool, default=True
        Shuffle samples; otherwise they are sorted by class.
    random_state : int, RandomState or None

    Returns
    -------
    X : ndarray of float32, shape (n_samples, n_timesteps, n_features)
    y : ndarray of int, shape (n_samples,)
    """
    if n_samples < 2 or n_timesteps < 1 or n_features < 1:
        raise ValueError(
            "n_samples must be >= 2 and n_timesteps, n_features >= 1; got "
            f"{n_samples}, {n_timesteps}, {n_features}."
        )
    rng = check_random_state(random_state)
    counts = _class_counts(n_samples, weights)
    y = np.repeat(np.arange(len(counts)), counts)
    t = np.arange(n_timesteps) / n_timesteps
    X = rng.normal(scale=noise, size=(n_samples, n_timesteps, n_features))
    phase = rng.uniform(0, 2 * np.pi, size=n_samples)
    for c in range(1, len(counts)):
        idx = np.flatnonzero(y == c)
        pattern = np.sin(2 * np.pi * c * t[None, :] + phase[idx, None])
        X[idx, :, c % n_features] += class_sep * (1.0 + pattern)
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X.astype(np.float32), y
