"""Variable-length sequence batches: the padding representation (no Keras import).

A batch of sequences of different lengths is given as a list of
``(T_i, n_features)`` arrays. It is padded **at the end** to the longest
length with ``NaN``, the padding sentinel. ``NaN`` can never occur in
validated data (the input checks of :mod:`skimbal._validation` reject it),
so the padded positions are known exactly: a genuine all-zero timestep in
the middle of a sequence is *not* mistaken for padding (as it would be with
``keras.layers.Masking(0.0)``), and the mask is always right-padded, as the
fused cuDNN kernels require. The network's first layer,
:class:`skimbal.layers.PaddingMask`, turns the sentinel into a Keras mask
and zeros.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = [
    "PAD_VALUE",
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


def unpad(values: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """Split a padded ``(n, max_T, ...)`` array into ``[values[i, :lengths[i]]]``."""
    return [values[i, : int(n)] for i, n in enumerate(lengths)]
