"""Input validation shared by estimators (no Keras import)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["all_finite", "check_sequences", "seed_from_random_state"]

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


def check_sequences(
    X: Any, *, n_features: int | None = None, name: str = "X"
) -> np.ndarray:
    """Validate a batch of equal-length sequences and return it as float32.

    The caller's array is never modified; it is returned as is when it already
    is a float32 ndarray, otherwise converted once.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features)
    n_features : int, optional
        Expected number of features (channels), checked when given.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray of float32, shape (n_samples, n_timesteps, n_features)

    Raises
    ------
    TypeError
        ``X`` is None or not numeric.
    ValueError
        Wrong number of dimensions, empty axes, NaN/inf, or a feature count
        different from ``n_features``.
    """
    if X is None:
        raise TypeError(f"{name} is required: expected an array of shape "
                        "(n_samples, n_timesteps, n_features).")
    try:
        arr = np.asarray(X)
    except ValueError:
        raise ValueError(
            f"{name} is ragged (sequences of different lengths or shapes); "
            "expected an array of shape (n_samples, n_timesteps, n_features)."
        ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}.")
    if arr.ndim != 3:
        hint = (
            " For univariate series add a feature axis: X[..., np.newaxis]."
            if arr.ndim == 2
            else ""
        )
        raise ValueError(
            f"{name} must be 3-D (n_samples, n_timesteps, n_features); got "
            f"{arr.ndim}-D {name} of shape {arr.shape}.{hint}"
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} has an empty axis: shape {arr.shape}.")
    if n_features is not None and arr.shape[2] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[2]} features per timestep, but this estimator "
            f"was fitted with {n_features}."
        )
    arr = arr.astype(np.float32, copy=False)
    if not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinity.")
    return arr


def seed_from_random_state(random_state: Any) -> int | None:
    """An int seed for Keras/TensorFlow from a scikit-learn ``random_state``.

    A ``RandomState`` instance is not advanced (a copy draws the seed), so the
    same instance gives the same seed on every ``fit`` — as in scikeras.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        copy = np.random.RandomState()
        copy.set_state(random_state.get_state())
        return int(copy.randint(0, 2**31 - 1))
    return int(random_state)
