"""The one input check of sequences, for every estimator (no Keras import).

One layer a purpose, each calling the one below:

- :func:`check_sequence_batch`: the classifier's form (float32; a list is
  NaN-padded at the end, with its lengths);
- :func:`check_and_stack_sequences`: the samplers' form (dtype kept; a list of
  equal-shape sequences is stacked into one array);
- :func:`check_sequence_input`: one 3-D array or a list of ``(T_i, n_features)``
  sequences (``SequenceScaler`` uses it directly);
- :func:`check_sequences`: one 3-D array.

The padding representation itself (:data:`skimbal._sequences.PAD_VALUE`, masks,
``unpad``) is :mod:`skimbal._sequences`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._sequences import PAD_VALUE, _warn_if_channels_first, is_sequence_list, lengths_mask

__all__ = [
    "all_finite",
    "check_and_stack_sequences",
    "check_sequence_batch",
    "check_sequence_input",
    "check_sequences",
    "to_finite_float",
]

# Rows of the first axis checked at a time by all_finite (bounds the temporary).
_FINITE_BLOCK_BYTES = 8 * 2**20


def all_finite(arr: np.ndarray) -> bool:
    """``np.isfinite(arr).all()`` without a full-size boolean temporary.

    The check runs over blocks of about 8 MiB of ``arr``, so validating a large
    training array does not allocate a quarter of its size again.
    """
    if arr.ndim == 0 or arr.size == 0:
        return bool(np.isfinite(arr).all())
    row_bytes = max(1, arr.nbytes // len(arr))
    step = max(1, _FINITE_BLOCK_BYTES // row_bytes)
    return all(bool(np.isfinite(arr[i : i + step]).all()) for i in range(0, len(arr), step))


def _check_n_features(got: int, expected: int | None, name: str, fitted_by: str) -> None:
    if expected is not None and got != expected:
        raise ValueError(
            f"{name} has {got} features per timestep, but {fitted_by} was fitted "
            f"with {expected}."
        )


def check_sequences(
    X: Any,
    *,
    n_features: int | None = None,
    name: str = "X",
    fitted_by: str = "this estimator",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Validate a batch of equal-length sequences (one 3-D array).

    The caller's array is never modified; it is returned as is when it already
    has ``dtype``, otherwise converted once. Lists of sequences are checked by
    :func:`check_sequence_input`, which calls this for arrays.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features)
    n_features : int, optional
        Expected number of features (channels), checked when given.
    name : str
        Argument name used in error messages.
    fitted_by : str
        Who expects ``n_features``, for the error message.
    dtype : numpy dtype or None, default=float32
        dtype of the result (``None``: keep the input's).

    Returns
    -------
    ndarray of shape (n_samples, n_timesteps, n_features)

    Raises
    ------
    TypeError
        ``X`` is None, sparse or not numeric.
    ValueError
        Wrong number of dimensions, empty axes, NaN/inf, or a feature count
        different from ``n_features``.
    """
    if X is None:
        raise TypeError(f"{name} is required: expected an array of shape "
                        "(n_samples, n_timesteps, n_features).")
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):  # scipy.sparse
        raise TypeError(
            f"{name} is a sparse matrix; sparse input is not supported: expected a dense "
            "array of shape (n_samples, n_timesteps, n_features)."
        )
    try:
        arr = np.asarray(X)
    except ValueError:
        raise ValueError(
            f"{name} is ragged (sequences of different lengths or shapes); "
            "expected an array of shape (n_samples, n_timesteps, n_features), or, for "
            "variable-length sequences, a list of (T_i, n_features) arrays."
        ) from None
    if arr.dtype.kind == "O" and arr.ndim == 1 and all(
        isinstance(v, (np.ndarray, list, tuple)) for v in arr[:100]
    ):
        raise TypeError(_object_array_message(arr, name))
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}.")
    if arr.ndim != 3:
        hint = (
            " For univariate series add a feature axis: X[..., np.newaxis]."
            if arr.ndim == 2
            else ""
        )
        raise ValueError(
            f"{name} must be 3-D (n_samples, n_timesteps, n_features) or a list of "
            f"(n_timesteps, n_features) arrays; got {arr.ndim}-D {name} of shape "
            f"{arr.shape}.{hint}"
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} has an empty axis: shape {arr.shape}.")
    _check_n_features(arr.shape[2], n_features, name, fitted_by)
    return to_finite_float(arr, dtype, name)


def _object_array_message(arr: np.ndarray, name: str) -> str:
    """What an object array of sequences is (equal-shaped or ragged), and what to pass."""
    try:
        shapes = {np.shape(v) for v in arr}
    except ValueError:  # an entry that is itself ragged
        shapes = set()
    if len(shapes) == 1:
        (shape,) = shapes
        if len(shape) == 2:
            return (
                f"{name} is an object array of {len(arr)} sequences that all have shape "
                f"{shape} (equal length, not ragged); pass them as one 3-D float array of "
                f"shape {(len(arr), *shape)}, e.g. np.stack({name}), or as a list, "
                f"list({name})."
            )
        return (
            f"{name} is an object array of {len(arr)} entries that all have shape {shape}; "
            "expected sequences of shape (n_timesteps, n_features): pass a 3-D float array "
            "(n_samples, n_timesteps, n_features) or a list of (T_i, n_features) arrays."
        )
    return (
        f"{name} is an object array of {len(arr)} sequences of different shapes (ragged); "
        "pass variable-length sequences as a list of (T_i, n_features) float arrays, "
        f"e.g. list({name})."
    )


def to_finite_float(arr: np.ndarray, dtype: Any, name: str) -> np.ndarray:
    """``arr`` as ``dtype`` (no copy when it has it), refusing NaN, infinity and overflow.

    Finite values too large for ``dtype`` (float64 beyond float32's range) are
    reported as an overflow, not as "NaN or infinity".
    """
    out = arr
    if dtype is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            out = arr.astype(dtype, copy=False)
    if out.dtype.kind == "f" and not all_finite(out):
        if out is not arr and arr.dtype.kind == "f" and all_finite(arr):
            limit = np.finfo(out.dtype).max
            raise ValueError(
                f"{name} has finite values beyond the {out.dtype} range (|x| > {limit:.4g}), "
                f"which overflow {out.dtype}; rescale the data (e.g. with "
                "skimbal.preprocessing.SequenceScaler or a change of units)."
            )
        raise ValueError(f"{name} contains NaN or infinity.")
    return out


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


def check_and_stack_sequences(
    X: Any, *, name: str = "X"
) -> tuple[np.ndarray | None, list | None]:
    """Validate sequences for a sampler, stacking a list of equal-shape sequences.

    Returns ``(array, None)`` for equal-length input (a 3-D array, or a list
    of 2-D arrays that all have the same shape, stacked) and ``(None, list)``
    for a list of variable-length ``(n_timesteps_i, n_features)`` arrays.
    The caller's arrays are never modified, nor copied unless stacking a list;
    their dtype is kept.
    """
    arr, seqs = check_sequence_input(X, name=name)
    if seqs is not None and len({s.shape for s in seqs}) == 1:
        return np.stack(seqs), None
    return arr, seqs


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
