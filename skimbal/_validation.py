"""Input validation shared by estimators (no Keras import)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["all_finite", "check_sequences", "to_finite_float"]

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
    :func:`skimbal._sequences.check_sequence_input`, which calls this for arrays.

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
