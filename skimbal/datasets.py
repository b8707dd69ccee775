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
    target: str = "class",
    class_sep: float = 1.0,
    noise: float = 1.0,
    shuffle: bool = True,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate an imbalanced multivariate sequence classification problem.

    Every sequence is Gaussian noise (``noise`` std) plus patterns of its
    labels, times ``class_sep``:

    - ``target="class"``: one label per sequence; class ``c > 0`` adds
      ``1 + sin(2 pi c t + phase)`` on channel ``c % n_features`` (class 0 has
      no pattern). Class proportions follow ``weights`` exactly (up to
      rounding, at least one sample per class). ``y``: ``(n_samples,)`` ints.
    - ``target="multilabel"``: ``weights[j]`` is the share of sequences where
      binary label ``j`` is on (exact counts, labels independent); an active
      label ``j`` adds ``1 + sin(2 pi (j + 1) t + phase)`` on channel
      ``j % n_features``. ``y``: ``(n_samples, n_labels)`` of 0/1.
    - ``target="per_timestep"``: event detection, a class per timestep.
      ``weights`` are the class proportions over all timesteps; events of
      class ``c > 0`` are contiguous segments (about ``n_timesteps / 10``
      long) during which channel ``c % n_features`` is raised by
      ``class_sep``. ``y``: ``(n_samples, n_timesteps)`` ints.

    Parameters
    ----------
    n_samples : int, default=500
    n_timesteps : int, default=20
    n_features : int, default=3
    weights : sequence of float, default=(0.9, 0.1)
        Class proportions (``"class"``, ``"per_timestep"``; the length sets
        the number of classes) or per-label positive rates (``"multilabel"``).
    target : {"class", "multilabel", "per_timestep"}, default="class"
    class_sep : float, default=1.0
        Amplitude of the patterns (larger is easier).
    noise : float, default=1.0
        Standard deviation of the additive noise.
    shuffle : bool, default=True
        Shuffle samples (``"class"`` only; otherwise sorted by class).
    random_state : int, RandomState or None

    Returns
    -------
    X : ndarray of float32, shape (n_samples, n_timesteps, n_features)
    y : ndarray of int
    """
    if n_samples < 2 or n_timesteps < 1 or n_features < 1:
        raise ValueError(
            "n_samples must be >= 2 and n_timesteps, n_features >= 1; got "
            f"{n_samples}, {n_timesteps}, {n_features}."
        )
    rng = check_random_state(random_state)
    t = np.arange(n_timesteps) / n_timesteps
    X = rng.normal(scale=noise, size=(n_samples, n_timesteps, n_features))
    phase = rng.uniform(0, 2 * np.pi, size=n_samples)
    if target == "class":
        counts = _class_counts(n_samples, weights)
        y = np.repeat(np.arange(len(counts)), counts)
        for c in range(1, len(counts)):
            idx = np.flatnonzero(y == c)
            pattern = np.sin(2 * np.pi * c * t[None, :] + phase[idx, None])
            X[idx, :, c % n_features] += class_sep * (1.0 + pattern)
        if shuffle:
            order = rng.permutation(n_samples)
            X, y = X[order], y[order]
    elif target == "multilabel":
        rates = np.asarray(weights, dtype=float)
        if rates.ndim != 1 or np.any(rates <= 0) or np.any(rates >= 1):
            raise ValueError(
                "weights must be per-label positive rates in (0, 1) for "
                f"target='multilabel'; got {weights!r}."
            )
        n_pos = np.clip(np.round(rates * n_samples).astype(int), 1, n_samples - 1)
        y = np.zeros((n_samples, len(rates)), dtype=int)
        for j, k in enumerate(n_pos):
            y[rng.choice(n_samples, size=k, replace=False), j] = 1
            idx = np.flatnonzero(y[:, j])
            pattern = np.sin(2 * np.pi * (j + 1) * t[None, :] + phase[idx, None])
            X[idx, :, j % n_features] += class_sep * (1.0 + pattern)
    elif target == "per_timestep":
        counts = _class_counts(n_samples * n_timesteps, weights)
        seg = max(1, n_timesteps // 10)
        y = np.zeros((n_samples, n_timesteps), dtype=int)
        for c in range(1, len(counts)):
            n_segments = max(1, int(round(counts[c] / seg)))
            rows = rng.randint(0, n_samples, size=n_segments)
            starts = rng.randint(0, max(1, n_timesteps - seg + 1), size=n_segments)
            for r, s0 in zip(rows, starts, strict=True):
                y[r, s0 : s0 + seg] = c
        for c in range(1, len(counts)):
            X[..., c % n_features] += class_sep * (y == c)
    else:
        raise ValueError(
            f"target must be 'class', 'multilabel' or 'per_timestep'; got {target!r}."
        )
    return X.astype(np.float32), y
