"""Variable-length sequence batches: validation, end-padding, un-padding (no Keras import).

A batch of sequences of different lengths is given as a list of
``(T_i, n_features)`` arrays. It is padded **at the end** to the longest
length with ``NaN``, the padding sentinel. ``NaN`` can never occur in
validated data (:func:`skimbal._validation.check_sequences` and
:func:`check_sequence_batch` reject it), so the padded positions are known
exactly: a genuine all-zero timestep in the middle of a sequence is *not*
mistaken for padding (as it would be with ``keras.layers.Masking(0.0)``), and
the mask is always right-padded, as the fused cuDNN kernels require. The
network's first layer, :class:`skimbal.layers.PaddingMask`, turns the
sentinel into a Keras mask and zeros.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._validation import _check_n_features, check_sequences, to_finite_float

__all__ = [
    "PAD_VALUE",
    "check_sequence_batch",
    "check_sequence_input",
    "from_channels_first",
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


#: a fitted 3-D ``X`` with at least this many features per timestep, and
#: CHANNELS_FIRST_RATIO times more features than timesteps, gets a layout warning
CHANNELS_FIRST_MIN_FEATURES = 50
CHANNELS_FIRST_RATIO = 10


def _warn_if_channels_first(shape: tuple[int, ...], name: str) -> None:
    n_timesteps, n_features = shape[1], shape[2]
    if n_features >= max(CHANNELS_FIRST_MIN_FEATURES, CHANNELS_FIRST_RATIO * n_timesteps):
        warnings.warn(
            f"{name} has shape {tuple(shape)}: {n_timesteps} timestep(s) of {n_features} "
            "features each. skimbal reads 3-D X as (n_samples, n_timesteps, n_features); "
            "if yours is (n_cases, n_channels, n_timepoints), as in aeon and sktime, "
            "convert it with skimbal.from_channels_first(X).",
            UserWarning,
            stacklevel=4,
        )


def from_channels_first(X: Any) -> np.ndarray | list[np.ndarray]:
    """Convert aeon / sktime series, channels first, to skimbal's layout.

    aeon and sktime hold equal-length series as an array of shape
    ``(n_cases, n_channels, n_timepoints)`` and unequal-length series as a list
    of ``(n_channels, n_timepoints_i)`` arrays. skimbal (like Keras) reads time
    on the second axis: ``(n_samples, n_timesteps, n_features)`` or a list of
    ``(T_i, n_features)`` arrays. This swaps the two last axes; it returns
    views, so nothing is copied and the input is not modified. In a pipeline,
    ``FunctionTransformer(from_channels_first)`` does the same.

    Parameters
    ----------
    X : array-like of shape (n_cases, n_channels, n_timepoints) or list of \
            array-like of shape (n_channels, n_timepoints_i)
        Series in aeon's layout.

    Returns
    -------
    ndarray of shape (n_cases, n_timepoints, n_channels) or list of ndarray of \
            shape (n_timepoints_i, n_channels)
        The same series in skimbal's layout (a list stays a list).

    Raises
    ------
    ValueError
        ``X`` is not a 3-D array or a list of 2-D arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skimbal import from_channels_first
    >>> X_aeon = np.zeros((5, 3, 100))          # 5 cases, 3 channels, 100 steps
    >>> from_channels_first(X_aeon).shape
    (5, 100, 3)
    """
    if isinstance(X, (list, tuple)):
        out = [np.asarray(x) for x in X]
        bad = [i for i, x in enumerate(out) if x.ndim != 2]
        if bad:
            raise ValueError(
                f"X is a list, so each item must be a 2-D (n_channels, n_timepoints) "
                f"array; X[{bad[0]}] is {out[bad[0]].ndim}-D."
            )
        return [x.T for x in out]
    arr = np.asarray(X)
    if arr.ndim != 3:
        raise ValueError(
            "X must be a 3-D array of shape (n_cases, n_channels, n_timepoints) or a list "
            f"of 2-D (n_channels, n_timepoints) arrays; got a {arr.ndim}-D array."
        )
    return np.swapaxes(arr, 1, 2)


def check_sequence_input(
    X: Any,
    *,
    n_features: int | None = None,
    name: str = "X",
    fitted_by: str = "this estimator",
    dtype: Any = None,
) -> tuple[np.ndarray | None, list[np.ndarray] | None]:
    """The one sequence-input check of the classifier, the samplers and ``SequenceScaler``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features) or list of \
            array-like of shape (T_i, n_features)
        Equal-length sequences as one array, or sequences as a (non-empty) list.
        Nothing the caller passed is modified.
    n_features : int, optional
        Expected features per timestep (checked when given).
    name : str
        Argument name for error messages.
    fitted_by : str
        Who expects ``n_features``, for the error message.
    dtype : numpy dtype, optional
        Convert to this dtype (without a copy where it already has it) before
        the NaN / infinity check; ``None`` keeps the input dtype.

    Returns
    -------
    array : ndarray of shape (n_samples, n_timesteps, n_features) or None
        ``X`` as an array, when it was not a list.
    sequences : list of ndarray of shape (T_i, n_features) or None
        The sequences, when ``X`` was a list (or tuple) of sequences.

    Raises
    ------
    TypeError
        ``X`` is None or not numeric.
    ValueError
        Not 3-D (or a list of 2-D sequences), empty axes or sequences,
        inconsistent feature counts, NaN / infinity, or a feature count
        different from ``n_features``.
    """
    if not is_sequence_list(X):
        if isinstance(X, (list, tuple)) and len(X) == 0:
            raise ValueError(f"{name} is an empty list; expected at least one sequence.")
        arr = check_sequences(X, n_features=n_features, name=name, fitted_by=fitted_by,
                              dtype=dtype)
        if n_features is None and arr.ndim == 3:
            _warn_if_channels_first(arr.shape, name)
        return arr, None
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
            f"{widths[0]} features per timestep, {name}[{bad}] has {widths[bad]}; all "
            "sequences must have the same number of features. Sequences stored as "
            "(n_channels, n_timepoints), as aeon and sktime do, need "
            "skimbal.from_channels_first(X) first."
        )
    if widths[0] == 0:
        raise ValueError(f"{name} has sequences with 0 features.")
    _check_n_features(int(widths[0]), n_features, name, fitted_by)
    seqs = [to_finite_float(s, dtype, f"{name}[{i}]") for i, s in enumerate(seqs)]
    return None, seqs


def check_sequence_batch(
    X: Any, *, n_features: int | None = None, name: str = "X"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate sequences (one 3-D array or a list) as float32, padding a list.

    The classifier's form of :func:`check_sequence_input`.

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
        (:data:`PAD_VALUE`); an array is returned as float32 (itself when it
        already is float32).
    lengths : ndarray of int64, shape (n_samples,), or None
        Valid length of each sequence for list input, ``None`` for an array.

    Raises
    ------
    TypeError, ValueError
        As :func:`check_sequence_input`.
    """
    arr, seqs = check_sequence_input(X, n_features=n_features, name=name, dtype=np.float32)
    if seqs is None:
        return arr, None
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    padded = np.full((len(seqs), int(lengths.max()), seqs[0].shape[1]), PAD_VALUE,
                     dtype=np.float32)
    padded[lengths_mask(lengths, padded.shape[1])] = np.concatenate(seqs, axis=0)
    return padded, lengths


def unpad(values: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Split a padded ``(n, max_T, ...)`` array into ``[values[i, :lengths[i]]]``."""
    return [values[i, : int(n)] for i, n in enumerate(lengths)]
