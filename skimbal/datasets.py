"""Datasets: a synthetic imbalanced sequence generator and the embedded
JapaneseVowels data (no Keras import)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "load_japanese_vowels",
    "make_imbalanced_sequences",
    "make_variable_length_sequences",
    "pad_sequences",
]


def _class_counts(n_samples: int, weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or len(w) < 2 or np.any(w <= 0) or not np.all(np.isfinite(w)):
        raise ValueError(
            f"weights must be a sequence of >= 2 positive class proportions; got {weights!r}."
        )
    if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(
            f"weights must be class proportions summing to 1; got {weights!r} (sum "
            f"{w.sum():g})."
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


def _check_int(name: str, value: object, low: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value!r}.")
    return int(value)


def _check_real(name: str, value: object, *, positive: bool) -> float:
    if (not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value)
            or (value <= 0 if positive else value < 0)):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}.")
    return float(value)


def make_variable_length_sequences(
    n_samples: int = 500,
    *,
    n_classes: int = 11,
    n_features: int = 1,
    min_length: int = 100,
    max_length: int = 1344,
    imbalance: float = 10.0,
    length_spread: float = 0.35,
    amplitude_ratio: float = 100.0,
    class_sep: float = 1.0,
    noise: float = 0.1,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Generate a long, variable-length, many-class imbalanced sequence problem.

    A synthetic stand-in for real sets whose classes differ in count, in
    length and in temporal pattern (issue 28's held-out set: 11 classes,
    lengths 100 to 1,344):

    - **counts**: class ``c`` has a share proportional to
      ``imbalance ** (-c / (n_classes - 1))`` (class 0 the most frequent,
      the last class ``imbalance`` times rarer), at least one sequence each;
    - **lengths**: log-normal, clipped to ``[min_length, max_length]``; the
      median length of class ``c`` is spread log-uniformly over the range
      (classes in a random order, so length is informative but neither
      monotone in the class code nor in its count), with log-standard
      deviation ``length_spread`` within a class;
    - **pattern** (like the current of an appliance on the mains: one
      period for all classes, a class-specific waveform and scale): on
      channel ``c % n_features``, ``a_i * (sin(2 pi s / 20 + phase) +
      class_sep * sum_k h_ck sin(2 pi k s / 20 + k phase))`` over the
      harmonics ``k = 2, 3, 4`` with class-specific coefficients ``h_ck``
      drawn in [-1, 1], ``s`` the step index and a random phase, plus
      Gaussian noise (``noise`` std) on every channel. The amplitude
      ``a_i`` is the class amplitude (log-spaced over ``amplitude_ratio``,
      in random class order) times a log-normal factor (log-std 0.3), so
      the scale of a series says much about its class but, once
      standardised over the whole set, spans orders of magnitude.

    Parameters
    ----------
    n_samples : int, default=500
        Number of sequences (at least ``n_classes``).
    n_classes : int, default=11
        Number of classes (at least 2).
    n_features : int, default=1
        Channels per step.
    min_length, max_length : int, default=100, 1344
        Bounds of the sequence lengths (``1 <= min_length <= max_length``).
    imbalance : float, default=10.0
        Ratio of the largest to the smallest class share (at least 1).
    length_spread : float, default=0.35
        Standard deviation of ``log(length)`` within a class (``>= 0``).
    amplitude_ratio : float, default=100.0
        Ratio of the largest to the smallest class amplitude (``>= 1``; 1:
        every class has amplitude 1).
    class_sep : float, default=1.0
        Weight of the class-specific harmonics (``>= 0``; larger is easier).
    noise : float, default=0.1
        Standard deviation of the additive noise (``> 0``).
    random_state : int, RandomState or None, default=None

    Returns
    -------
    X : list of ndarray of float32, each of shape (T_i, n_features)
        Sequences in random order.
    y : ndarray of int, shape (n_samples,)
        Class codes ``0 .. n_classes - 1``.

    Raises
    ------
    ValueError
        An argument out of range (the message names it).

    Examples
    --------
    >>> from skimbal.datasets import make_variable_length_sequences
    >>> X, y = make_variable_length_sequences(60, n_classes=4, min_length=20,
    ...                                       max_length=200, random_state=0)
    >>> len(X), X[0].ndim, int(y.max())
    (60, 2, 3)
    """
    n_classes = _check_int("n_classes", n_classes, 2)
    n_samples = _check_int("n_samples", n_samples, n_classes)
    n_features = _check_int("n_features", n_features, 1)
    min_length = _check_int("min_length", min_length, 1)
    max_length = _check_int("max_length", max_length, min_length)
    imbalance = _check_real("imbalance", imbalance, positive=True)
    if imbalance < 1:
        raise ValueError(f"imbalance must be a finite number >= 1; got {imbalance!r}.")
    length_spread = _check_real("length_spread", length_spread, positive=False)
    amplitude_ratio = _check_real("amplitude_ratio", amplitude_ratio, positive=True)
    if amplitude_ratio < 1:
        raise ValueError(
            f"amplitude_ratio must be a finite number >= 1; got {amplitude_ratio!r}.")
    class_sep = _check_real("class_sep", class_sep, positive=False)
    noise = _check_real("noise", noise, positive=True)
    rng = check_random_state(random_state)

    shares = imbalance ** (-np.arange(n_classes) / (n_classes - 1))
    counts = _class_counts(n_samples, shares / shares.sum())
    y = np.repeat(np.arange(n_classes), counts)
    # class medians spread log-uniformly over the range, assigned in random order
    lo, hi = np.log(min_length), np.log(max_length)
    medians = np.exp(lo + (hi - lo) * (np.arange(n_classes) + 0.5) / n_classes)
    medians = medians[rng.permutation(n_classes)]
    log_len = np.log(medians[y]) + length_spread * rng.standard_normal(n_samples)
    lengths = np.clip(np.round(np.exp(log_len)), min_length, max_length).astype(int)
    harmonics = rng.uniform(-1.0, 1.0, size=(n_classes, 3))
    class_amp = np.geomspace(1.0, amplitude_ratio, n_classes)[rng.permutation(n_classes)]
    amp = class_amp[y] * np.exp(0.3 * rng.standard_normal(n_samples))
    phase = rng.uniform(0, 2 * np.pi, size=n_samples)
    X = []
    for label, length, a, ph in zip(y, lengths, amp, phase, strict=True):
        x = rng.normal(scale=noise, size=(length, n_features))
        angle = 2 * np.pi * np.arange(length) / 20.0 + ph
        wave = np.sin(angle) + class_sep * sum(
            h * np.sin(k * angle) for k, h in zip((2, 3, 4), harmonics[label], strict=True))
        x[:, label % n_features] += a * wave
        X.append(x.astype(np.float32))
    order = rng.permutation(n_samples)
    return [X[i] for i in order], y[order]


# --------------------------------------------------------------- JapaneseVowels
_JV_FILE = "japanese_vowels.npz"
_JV_MAX_LEN = 29
_JV_DESCR = """JapaneseVowels (UEA multivariate time series classification archive)
=====================================================================

Nine Japanese male speakers uttered the vowels /ae/; each utterance is a
sequence of 12 LPC cepstrum coefficients per frame, 7 to 29 frames long.
The task is to identify the speaker (labels 1..9). Standard split: 270
training cases (30 per speaker) and 370 test cases (24..88 per speaker).

Source: UCI Machine Learning Repository, "Japanese Vowels" (Kudo, Toyama and
Shimbo), as distributed in the UEA multivariate archive (Bagnall et al. 2018);
skimbal's copy is regenerated from the archive's .ts files by
tools/make_japanese_vowels.py.

M. Kudo, J. Toyama and M. Shimbo (1999). Multidimensional curve
classification using passing-through regions. Pattern Recognition Letters
20(11-13), 1103-1111.

A. Bagnall, H. A. Dau, J. Lines, M. Flynn, J. Large, A. Bostrom, P. Southam
and E. Keogh (2018). The UEA multivariate time series classification archive,
2018. arXiv:1811.00075.
"""


def pad_sequences(
    sequences: Sequence[np.ndarray], maxlen: int | None = None, *, value: float = 0.0
) -> np.ndarray:
    """Stack variable-length ``(T_i, n_features)`` arrays, padded at the end.

    Parameters
    ----------
    sequences : sequence of array-like of shape (T_i, n_features)
    maxlen : int or None, default=None
        Length of the output's time axis; ``None`` uses the longest sequence.
        Longer sequences raise (they are never truncated silently).
    value : float, default=0.0
        Padding value.

    Returns
    -------
    ndarray of float32, shape (n_sequences, maxlen, n_features)
        Sequence ``i`` occupies ``[i, :T_i]``; the rest is ``value``
        (right padding, as Keras masking and cuDNN expect).
    """
    seqs = [np.asarray(s, dtype=np.float32) for s in sequences]
    if not seqs or any(s.ndim != 2 for s in seqs) or len({s.shape[1] for s in seqs}) != 1:
        raise ValueError(
            "sequences must be a non-empty sequence of 2-D (T_i, n_features) arrays "
            "with the same n_features."
        )
    lengths = np.array([len(s) for s in seqs])
    width = int(lengths.max()) if maxlen is None else int(maxlen)
    if lengths.max() > width:
        raise ValueError(f"a sequence has {lengths.max()} timesteps, more than maxlen={width}.")
    out = np.full((len(seqs), width, seqs[0].shape[1]), value, dtype=np.float32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out


def _subsample_class(
    y: np.ndarray, label: int, imbalance: float, rng: np.random.RandomState
) -> np.ndarray:
    """Indices (sorted) keeping ``round(imbalance * largest other count)`` of ``label``."""
    others = np.bincount(y[y != label])
    n_keep = max(1, int(round(imbalance * others.max())))
    idx = np.flatnonzero(y == label)
    drop = rng.choice(idx, size=max(0, len(idx) - n_keep), replace=False)
    return np.setdiff1d(np.arange(len(y)), drop)


def load_japanese_vowels(
    *,
    imbalance: float | None = None,
    minority_class: int = 1,
    padded: bool = False,
    random_state: int | np.random.RandomState | None = 0,
) -> Bunch:
    """Load the JapaneseVowels speaker-identification data shipped with skimbal.

    640 utterances by 9 speakers, each a sequence of 7 to 29 frames of 12
    LPC cepstrum coefficients; the standard UEA split has 270 training cases
    (30 per speaker) and 370 test cases (24 to 88 per speaker). See ``DESCR``
    for the source and citations.

    Parameters
    ----------
    imbalance : float in (0, 1] or None, default=None
        ``None`` returns the data as published. A float makes the speaker
        ``minority_class`` a minority: in **each split separately**, only
        ``max(1, round(imbalance * n_max))`` of its cases are kept, where
        ``n_max`` is the case count of the most frequent *other* speaker in that
        split. ``imbalance=0.1`` (1:10) keeps 3 of the 30 training cases
        (``n_max = 30``) and 9 of the 31 test cases (``n_max = 88``). The kept
        cases are drawn without replacement with ``random_state``; all other
        cases are kept and the original order is preserved.
    minority_class : int in 1..9, default=1
        Speaker that ``imbalance`` subsamples.
    padded : bool, default=False
        ``False``: ``X_train``/``X_test`` are lists of float32 arrays of shape
        ``(T_i, 12)``. ``True``: float32 arrays of shape ``(n, 29, 12)``,
        each sequence end-padded with zeros to 29 frames (the longest in the
        dataset, so both splits have the same shape); ``lengths_*`` give the
        true lengths.
    random_state : int, RandomState or None, default=0
        Seed of the subsampling (unused when ``imbalance`` is None).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X_train``, ``y_train`` (int64 speaker labels 1..9), ``lengths_train``
        (int64), ``X_test``, ``y_test``, ``lengths_test``, ``target_names``
        (the labels 1..9), ``n_features`` (12) and ``DESCR``.

    Examples
    --------
    >>> from skimbal.datasets import load_japanese_vowels
    >>> data = load_japanese_vowels()
    >>> len(data.X_train), data.X_train[0].shape, len(data.X_test)
    (270, (20, 12), 370)
    >>> d = load_japanese_vowels(imbalance=0.1, padded=True)
    >>> d.X_train.shape, int((d.y_train == 1).sum()), int((d.y_test == 1).sum())
    ((243, 29, 12), 3, 9)
    """
    if imbalance is not None and (
        not isinstance(imbalance, Real)
        or isinstance(imbalance, bool)
        or not 0 < imbalance <= 1
    ):
        raise ValueError(f"imbalance must be None or a float in (0, 1]; got {imbalance!r}.")
    if (
        not isinstance(minority_class, Integral)
        or isinstance(minority_class, bool)
        or not 1 <= minority_class <= 9
    ):
        raise ValueError(
            f"minority_class must be a speaker label in 1..9; got {minority_class!r}."
        )
    if not isinstance(padded, bool):
        raise TypeError(f"padded must be a bool; got {padded!r}.")
    rng = check_random_state(random_state)

    with resources.files("skimbal").joinpath("data", _JV_FILE).open("rb") as fh:
        with np.load(fh, allow_pickle=False) as raw:
            values, lengths = raw["values"], raw["lengths"].astype(np.int64)
            labels, is_test = raw["labels"].astype(np.int64), raw["is_test"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = Bunch(target_names=np.arange(1, 10), n_features=values.shape[1], DESCR=_JV_DESCR)
    # train first so that a given seed draws the same training subset however
    # the test split is used
    for split, mask in (("train", ~is_test), ("test", is_test)):
        idx = np.flatnonzero(mask)
        if imbalance is not None:
            idx = idx[_subsample_class(labels[idx], minority_class, float(imbalance), rng)]
        seqs = [values[starts[i] : starts[i] + lengths[i]].copy() for i in idx]
        out[f"X_{split}"] = pad_sequences(seqs, _JV_MAX_LEN) if padded else seqs
        out[f"y_{split}"] = labels[idx]
        out[f"lengths_{split}"] = lengths[idx]
    return out
