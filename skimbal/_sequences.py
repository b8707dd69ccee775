"""Variable-length sequence batches: validation, end-padding, un-padding (no Keras import).

A batch of sequences of different lengths is given as a list of
``(T_i, n_features)`` arrays. It is padded **at the end** to the longest
length with ``NaN``, the padding sentinel. ``NaN`` can never occur in
validated data (:func:`skimbal._validation.check_sequences` and
:func:`check_sequence_batch` reject it), so the padded positions are known
exactly: a genuine all-zero timestep in the middle of a sequence is *not*
mistaken for padding (as it would be with ``keras.layers.Masking(0.0)``), and
the mask is always right-padded, as the fused cuDNN kernels require. The
network's first layer, :class:`skimbal.masking.PaddingMask`, turns the
sentinel into a Keras mask and zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import all_finite, check_sequences

__all__ = [
    "PAD_VALUE",
    "check_sequence_batch",
    "is_sequence_list",
    "lengths_mask",
    "unpad",
]

PAD_VALUE = float("nan")


def is_sequence_list(X: Any) -> bool:
    """Whether ``X`` is a list/tuple of per-sequence arrays (variable-length input).

    A list whose items are arrays (or nested lists) of one or two dimensions
    is a list of sequences; anything else is treated as one array.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(np.ndim(x) in (1, 2) for x in X[:1]) and not np.isscalar(X[0])


def lengths_mask(lengths: np.ndarray, n_timesteps: int) -> np.ndarray:
    """Boolean ``(n, n_timesteps)`` mask: ``True`` on the first ``lengths[i]`` steps."""
    return np.arange(n_timesteps)[None, :] < np.asarray(lengths)[:, None]


def check_sequence_batch(
    X: Any, *, n_features: int | None = None, name: str = "X"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate sequences given as one 3-D array or as a list of 2-D arrays.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or list of \
            array-like of shape (T_i, n_features)
        Equal-length sequences as one array, or variable-length sequences as
        a list. Nothing the caller passed is modified.
    n_features : int, optional
        Expected features per timestep (checked when given).
    name : str
        Argument name for error messages.

    Returns
    -------
    X_padded : ndarray of float32, shape (n_samples, max_T, n_features)
        For a list, the sequences padded at the end with ``NaN``
        (:data:`PAD_VALUE`); an array is returned as by
        :func:`~skimbal._validation.check_sequences`.
    lengths : ndarray of int64, shape (n_samples,), or None
        Valid length of each sequence for list input, ``None`` for an array.

    Raises
    ------
    TypeError
        Non-numeric sequences.
    ValueError
        A list mixing 1-D and 2-D arrays, 1-D (featureless) sequences, empty
        sequences, inconsistent feature counts, NaN/inf, or a feature count
        different from ``n_features``.
    """
    if not is_sequence_list(X):
        return check_sequences(X, n_features=n_features, name=name), None
    seqs = [np.asarray(x) for x in X]
    ndims = {s.ndim for s in seqs}
    if ndims - {1, 2}:
        bad = next(i for i, s in enumerate(seqs) if s.ndim not in (1, 2))
        raise ValueError(
            f"{name} is a list of sequences, so each item must be a 2-D array of "
            f"shape (n_timesteps, n_features); {name}[{bad}] is {seqs[bad].ndim}-D."
        )
    if ndims == {1, 2}:
        one = next(i for i, s in enumerate(seqs) if s.ndim == 1)
        two = next(i for i, s in enumerate(seqs) if s.ndim == 2)
        raise ValueError(
            f"{name} mixes 1-D and 2-D arrays ({name}[{one}] is 1-D, {name}[{two}] is "
            "2-D); every sequence must be 2-D (n_timesteps, n_features). For "
            "univariate series add a feature axis: x[:, np.newaxis]."
        )
    if ndims == {1}:
        raise ValueError(
            f"{name} is a list of 1-D arrays; every sequence must be 2-D "
            "(n_timesteps, n_features). For univariate series add a feature axis: "
            "x[:, np.newaxis]."
        )
    for i, s in enumerate(seqs):
        if s.dtype.kind not in "biuf":
            raise TypeError(f"{name}[{i}] must be numeric; got dtype {s.dtype}.")
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    if np.any(lengths == 0):
        raise ValueError(
            f"{name} holds empty sequences (0 timesteps) at positions "
            f"{np.flatnonzero(lengths == 0).tolist()}; every sequence needs at least "
            "one timestep."
        )
    widths = np.array([s.shape[1] for s in seqs])
    if np.any(widths != widths[0]):
        bad = int(np.flatnonzero(widths != widths[0])[0])
        raise ValueError(
            f"{name} has inconsistent feature counts across the list: {name}[0] has "
            f"{widths[0]} features per timestep, {name}[{bad}] has {widths[bad]}."
        )
    if widths[0] == 0:
        raise ValueError(f"{name} has sequences with 0 features.")
    if n_features is not None and widths[0] != n_features:
        raise ValueError(
            f"{name} has {widths[0]} features per timestep, but this estimator "
            f"was fitted with {n_features}."
        )
    flat = np.concatenate(seqs, axis=0).astype(np.float32, copy=False)
    if not all_finite(flat):
        raise ValueError(f"{name} contains NaN or infinity.")
    padded = np.full((len(seqs), int(lengths.max()), int(widths[0])), PAD_VALUE,
                     dtype=np.float32)
    padded[lengths_mask(lengths, padded.shape[1])] = flat
    return padded, lengths


def unpad(values: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Split a padded ``(n, max_T, ...)`` array into ``[values[i, :lengths[i]]]``."""
    return [values[i, : int(n)] for i, n in enumerate(lengths)]
