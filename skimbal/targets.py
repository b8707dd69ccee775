"""What kind of target ``y`` is, and how to encode it for Keras and back.

This is the only module that inspects raw targets. Everything downstream
(weights, losses, the classifier) works with the :class:`TargetEncoder`'s
``kind``, ``classes_`` and integer codes.

Supported kinds
---------------
``"binary"``
    1-D labels with exactly two distinct values (ints, bools or strings).
``"multiclass"``
    1-D labels with three or more distinct values (ints or strings).
``"onehot"``
    2-D 0/1 array with exactly one 1 per row; ``classes_`` is
    ``arange(n_columns)`` and predictions come back one-hot.
``"multilabel"``
    2-D 0/1 (or bool) indicator array of shape ``(n_samples, n_labels)`` with
    any number of positives per row. ``classes_`` is a list of ``[0, 1]``
    arrays, one per label (scikit-learn's multi-output convention);
    ``label_names_`` holds the label names (DataFrame columns, the
    ``label_names`` given, or ``arange(n_labels)``). :meth:`transform`
    returns a float32 0/1 matrix.

Telling one-hot from multi-label
--------------------------------
With ``target_type="auto"`` a 2-D 0/1 array whose rows **all** sum to exactly
1 is one-hot (multiclass); any other 0/1 array is multi-label.
``target_type="multiclass"`` or ``"multilabel"`` overrides the detection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "TargetEncoder",
    "TargetSpec",
    "TimestepTargetEncoder",
    "as_label_array",
    "encode_target",
    "is_01",
    "is_timestep_target",
    "target_spec",
    "timestep_presence",
]

KINDS = ("binary", "multiclass", "onehot", "multilabel")
TARGET_TYPES = ("auto", "multiclass", "multilabel")


def as_label_array(y: Any) -> np.ndarray:
    """Convert ``y`` (list, Series, DataFrame, array) to an ndarray without copying.

    Raises
    ------
    TypeError
        If ``y`` is ``None`` or a scalar.
    """
    if y is None:
        raise TypeError("y is required: expected an array-like of class labels.")
    arr = np.asarray(y)
    if arr.ndim == 0:
        raise TypeError(f"y must be an array-like of labels, got the scalar {y!r}.")
    if arr.dtype.kind == "c":
        raise ValueError(
            f"y is complex-valued (dtype {arr.dtype}); expected class labels (ints, bools "
            "or strings) or 0/1 indicators."
        )
    return arr


def _check_label_values(y: np.ndarray) -> None:
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity; expected class labels.")
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(
                "y holds continuous (non-integer) floats; expected class labels "
                "(ints, bools or strings). This is a classifier, not a regressor."
            )
    elif y.dtype.kind == "O":
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y.ravel()):
            raise ValueError("y contains missing values (None or NaN).")


def is_01(arr: np.ndarray) -> bool:
    """Whether a bool or numeric array holds only 0 and 1 (the one 0/1-indicator test).

    Arrays of any other dtype (strings, objects) are not indicators.
    """
    if arr.dtype.kind == "b":
        return True
    if arr.dtype.kind not in "iuf":
        return False
    return bool(np.all((arr == 0) | (arr == 1)))


def _is_onehot(y: np.ndarray) -> bool:
    return is_01(y) and bool(np.all(y.sum(axis=1) == 1))


def _is_binary_indicator(y: np.ndarray) -> bool:
    if y.dtype.kind == "b":
        return True
    if y.dtype.kind == "O":  # e.g. a DataFrame mixing bool and int columns
        return all(
            isinstance(v, (bool, np.bool_, int, np.integer, float, np.floating))
            and v in (0, 1)
            for v in y.ravel()
        )
    return is_01(y)


def _column_names(y: Any) -> list | None:
    columns = getattr(y, "columns", None)  # pandas DataFrame
    return None if columns is None else list(columns)


def _wants_multilabel(y: np.ndarray, target_type: str) -> bool:
    """Whether ``y`` is to be treated as a multi-label indicator array."""
    if target_type not in TARGET_TYPES:
        raise ValueError(
            f"target_type must be one of {TARGET_TYPES}; got {target_type!r}."
        )
    if target_type == "multilabel":
        if y.ndim != 2:
            raise ValueError(
                "target_type='multilabel' needs y of shape (n_samples, n_labels) "
                f"with 0/1 entries; got {y.ndim}-D y of shape {y.shape}."
            )
        if y.shape[1] == 1:
            raise ValueError(
                "target_type='multilabel' got y with a single label column (shape "
                f"{y.shape}), which is a binary problem: pass 1-D labels of shape "
                "(n_samples,) (e.g. y[:, 0]) with target_type='auto' for binary "
                "classification."
            )
        return True
    if target_type == "auto" and y.ndim == 2 and y.shape[1] > 1:
        if not _is_binary_indicator(y):
            return False  # the one-hot branch reports the bad entries
        return not bool(np.all(y.sum(axis=1) == 1))
    return False


def _check_multilabel_values(y: np.ndarray, n_labels: int | None = None) -> None:
    if y.ndim != 2 or (n_labels is not None and y.shape[1] != n_labels):
        expected = "n_labels" if n_labels is None else n_labels
        raise ValueError(
            f"multi-label y must have shape (n_samples, {expected}); got {y.shape}."
        )
    if not _is_binary_indicator(y):
        if y.dtype.kind in "iuf":
            bad = np.unique(y[(y != 0) & (y != 1)])[:5].tolist()
        else:
            bad = f"dtype {y.dtype}"
        raise ValueError(
            "multi-label y must hold only 0/1 (or bool) entries; got entries "
            f"other than 0/1: {bad}."
        )


class TargetEncoder:
    """Detect the kind of a classification target and encode it as integer codes.

    Parameters
    ----------
    target_type : {"auto", "multiclass", "multilabel"}, default="auto"
        How to read a 2-D 0/1 ``y``: ``"auto"`` treats it as one-hot when every
        row sums to exactly 1 and as multi-label otherwise; ``"multiclass"``
        forces one label per sample (1-D labels or one-hot);
        ``"multilabel"`` forces a multi-label indicator array.
    label_names : sequence or None, default=None
        Names of the labels of a multi-label ``y`` (overrides the columns of a
        DataFrame ``y``).

    Attributes
    ----------
    kind : str
        One of ``"binary"``, ``"multiclass"``, ``"onehot"``, ``"multilabel"``.
    classes_ : ndarray of shape (n_classes,) or list of ndarray
        The distinct labels, sorted (``arange(n_columns)`` for one-hot; for
        multi-label a list of ``n_labels`` arrays ``[0, 1]``).
    label_names_ : ndarray of shape (n_labels,)
        Multi-label only: names of the label columns.
    dtype_ : numpy dtype
        dtype of the ``y`` given to :meth:`fit`, used to return predictions in
        the same form.
    """

    def __init__(self, target_type: str = "auto", label_names: Any = None) -> None:
        self.target_type = target_type
        self.label_names = label_names

    @property
    def n_labels(self) -> int:
        """Number of label columns (multi-label only)."""
        return len(self.label_names_)

    def _fit_multilabel(self, y: np.ndarray, names: list | None) -> TargetEncoder:
        _check_multilabel_values(y)
        n_labels = y.shape[1]
        if self.label_names is not None:
            names = list(self.label_names)
            if len(names) != n_labels:
                raise ValueError(
                    f"label_names has {len(names)} names but y has {n_labels} "
                    "label columns."
                )
        if names is None:
            names = list(range(n_labels))
        if len(set(names)) != len(names):
            raise ValueError(f"label names must be unique; got {names!r}.")
        self.kind = "multilabel"
        self.label_names_ = np.asarray(names)
        self.classes_ = [np.array([0, 1], dtype=y.dtype) for _ in range(n_labels)]
        self.ndim_ = 2
        return self

    def fit(self, y: Any) -> TargetEncoder:
        """Learn the kind and the classes of ``y``."""
        names = _column_names(y)
        y = as_label_array(y)
        self.dtype_ = y.dtype
        if _wants_multilabel(y, getattr(self, "target_type", "auto")):
            return self._fit_multilabel(y, names)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim == 1:
            _check_label_values(y)
            try:
                classes = np.unique(y)
            except TypeError as exc:  # e.g. a mix of ints and strings
                raise TypeError(
                    "y mixes label types that cannot be ordered (e.g. ints and "
                    f"strings): {exc}"
                ) from None
            if len(classes) < 2:
                raise ValueError(
                    f"y has a single class ({classes[0]!r}); a classifier needs at "
                    "least two classes in the training data."
                )
            self.kind = "binary" if len(classes) == 2 else "multiclass"
            self.classes_ = classes
        elif y.ndim == 2:
            if not _is_onehot(y):
                if not _is_binary_indicator(y):
                    _check_multilabel_values(y)  # reports the entries other than 0/1
                raise ValueError(
                    "2-D y must be one-hot encoded (0/1 entries, exactly one 1 per "
                    f"row); got shape {y.shape} with rows that are not one-hot. "
                    "Use target_type='multilabel' for multi-label targets."
                )
            counts = y.sum(axis=0)
            if np.count_nonzero(counts) < 2:
                raise ValueError(
                    "one-hot y has a single class present; a classifier needs at "
                    "least two classes in the training data."
                )
            self.kind = "onehot"
            self.classes_ = np.arange(y.shape[1])
        else:
            raise ValueError(
                f"y must be 1-D labels or a 2-D one-hot array; got {y.ndim}-D y "
                f"of shape {y.shape}."
            )
        self.ndim_ = y.ndim if self.kind != "onehot" else 2
        return self

    @property
    def n_classes(self) -> int:
        return len(self.classes_)

    def transform(self, y: Any) -> np.ndarray:
        """Encode ``y`` as int32 codes indexing ``classes_``.

        For a multi-label encoder, a float32 0/1 matrix of shape
        ``(n_samples, n_labels)`` (a new array; ``y`` is not modified).

        Raises
        ------
        ValueError
            If ``y`` holds labels not seen in :meth:`fit` or has the wrong form.
        """
        y = as_label_array(y)
        if self.kind == "multilabel":
            _check_multilabel_values(y, self.n_labels)
            return y.astype(np.float32)
        if self.kind == "onehot":
            if y.ndim != 2 or y.shape[1] != self.n_classes or not _is_onehot(y):
                raise ValueError(
                    f"y must be one-hot with {self.n_classes} columns, as in fit; "
                    f"got shape {y.shape}."
                )
            return np.argmax(y, axis=1).astype(np.int32)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D labels as in fit; got shape {y.shape}.")
        _check_label_values(y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, self.n_classes - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not seen in fit: {sorted(set(y[unknown].tolist()))}"
                f"; known classes are {self.classes_.tolist()}."
            )
        return codes.astype(np.int32)

    def inverse_transform(self, codes: np.ndarray) -> np.ndarray:
        """Turn int codes back into labels in the form given to :meth:`fit`."""
        if self.kind == "multilabel":  # ``codes`` is a 0/1 indicator matrix
            return np.asarray(codes).astype(self.dtype_)
        codes = np.asarray(codes, dtype=np.intp)
        if self.kind == "onehot":
            out = np.zeros((len(codes), self.n_classes), dtype=self.dtype_)
            out[np.arange(len(codes)), codes] = 1
            return out
        return self.classes_[codes]


# ------------------------------------------------------- multi-label indicators
# Used by the samplers (skimbal.sampling); kept here so that this module stays
# the only one that inspects raw targets.
def is_multilabel_indicator(y: Any) -> bool:
    """True if ``y`` is a 2-D 0/1 label-indicator matrix that is not one-hot.

    Rows may have any number of active labels (including none); a matrix
    whose rows all have exactly one 1 is one-hot (single-label) instead.
    """
    arr = np.asarray(y)
    if arr.ndim != 2 or arr.shape[1] < 2 or not is_01(arr):
        return False
    return not bool(np.all(arr.sum(axis=1) == 1))


def check_multilabel_indicator(y: Any, *, name: str = "y") -> np.ndarray:
    """Validate a multi-label target and return it as a 0/1 int8 matrix.

    Parameters
    ----------
    y : array-like of shape (n_samples, n_labels)
        Label-indicator matrix of 0/1 (ints, bools or floats), ``n_labels >= 2``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray of int8, shape (n_samples, n_labels)
        A new array; ``y`` itself is not modified.

    Raises
    ------
    TypeError
        ``y`` is None, a scalar or not numeric.
    ValueError
        ``y`` is not 2-D with >= 2 columns, or holds values other than 0 and 1.
    """
    arr = as_label_array(y)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(
            f"{name} must be a multi-label indicator matrix of shape (n_samples, "
            f"n_labels) with n_labels >= 2; got shape {arr.shape}. For single-label "
            "targets use skimbal.SequenceSampler with an imbalanced-learn sampler "
            "(e.g. RandomOverSampler or SMOTE)."
        )
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric 0/1 matrix; got dtype {arr.dtype}.")
    if not is_01(arr):
        raise ValueError(
            f"{name} must hold only 0 and 1 (label absent / present); found other "
            "values (or NaN)."
        )
    return arr.astype(np.int8)
# ---------------------------------------------------------------------------
# Per-timestep targets (sequence labelling)
# ---------------------------------------------------------------------------
TIMESTEP_KINDS = ("per_timestep_binary", "per_timestep_multiclass", "per_timestep_multilabel")


def _timestep_items(y: Any, lengths: np.ndarray, name: str = "y") -> list[np.ndarray]:
    """Per-sequence label arrays of a list ``y``, checked against ``lengths``."""
    items = [np.asarray(v) for v in y]
    if len(items) != len(lengths):
        raise ValueError(
            f"X and {name} have different numbers of sequences: len(X)={len(lengths)}, "
            f"len({name})={len(items)}."
        )
    ndims = {v.ndim for v in items}
    if not ndims <= {1, 2} or len(ndims) != 1:
        raise ValueError(
            f"per-timestep {name} must be a list of 1-D arrays (a label per timestep) "
            "or of 2-D arrays (n_timesteps, n_labels), not a mix; got arrays with "
            f"{sorted(ndims)} dimensions."
        )
    got = np.array([len(v) for v in items])
    bad = np.flatnonzero(got != lengths)
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"per-timestep {name}[{i}] has {got[i]} timesteps but X[{i}] has "
            f"{lengths[i]}; each label sequence must match its input sequence "
            f"({len(bad)} mismatches). For sequence-level labels given as lists "
            "pass per_timestep=False."
        )
    if ndims == {2}:
        widths = {v.shape[1] for v in items}
        if len(widths) != 1:
            raise ValueError(
                f"per-timestep multilabel {name} has inconsistent numbers of labels "
                f"across sequences: {sorted(widths)}."
            )
    return items


def is_timestep_target(
    y: Any, *, n_timesteps: int, x_is_list: bool, per_timestep: str | bool = "auto",
    target_type: str = "auto",
) -> bool:
    """Decide whether ``y`` holds a label per timestep.

    Rules for ``per_timestep="auto"``: with list ``X``, ``y`` is per-timestep
    when it is a list/tuple of arrays (one per sequence); with array ``X`` of
    ``n_timesteps > 1`` steps, a 3-D ``y`` or a 2-D ``y`` with ``n_timesteps``
    columns is per-timestep. (A one-hot / indicator ``y`` whose number of
    columns equals ``n_timesteps`` is therefore read as per-timestep; pass
    ``per_timestep=False`` for it.) ``True``/``False`` force the choice.

    An explicit ``target_type`` (``"multiclass"`` / ``"multilabel"``) with
    ``per_timestep="auto"`` reads a 2-D ``y`` as sequence-level; only a 3-D
    ``y`` (or, for list ``X``, a list of 2-D label arrays) is then per-timestep,
    and ``target_type`` chooses how its last axis is read (one-hot classes or
    independent labels, see :class:`TimestepTargetEncoder`).
    """
    if per_timestep is False:
        return False
    explicit = per_timestep == "auto" and target_type != "auto"
    if x_is_list:
        found = isinstance(y, (list, tuple)) and len(y) > 0 and np.ndim(y[0]) >= (
            2 if explicit else 1)
    else:
        try:
            arr = np.asarray(y) if y is not None else y
        except ValueError:  # ragged nested lists
            raise ValueError(
                "y is ragged (label sequences of different lengths) but X is one "
                "array of equal-length sequences; pass X as a list of (T_i, "
                "n_features) arrays for variable-length data."
            ) from None
        arr = as_label_array(arr)
        found = arr.ndim == 3 or (
            not explicit and arr.ndim == 2 and arr.shape[1] == n_timesteps > 1)
    if per_timestep is True and not found:
        raise ValueError(
            "per_timestep=True needs per-timestep y: an array of shape (n, T) or "
            "(n, T, n_labels) matching X's T timesteps, or for list X a list of "
            "(T_i,) / (T_i, n_labels) arrays."
        )
    return bool(found)


class TimestepTargetEncoder:
    """Encode per-timestep targets (a label at every step) of fixed or variable length.

    Per-timestep classes ``(n, T)`` (ints, bools or strings; binary or
    multiclass) are encoded with a :class:`TargetEncoder` fitted on the labels
    of all **valid** timesteps; per-timestep multilabel targets
    ``(n, T, n_labels)`` must be 0/1. For variable-length data ``y`` is a list
    of ``(T_i,)`` or ``(T_i, n_labels)`` arrays and ``lengths`` the
    ``T_i``; padded steps never count.

    A 3-D ``y`` ``(n, T, k)`` with exactly one 1 per step (``k > 1``) is a
    **per-step one-hot** class target, read as ``per_timestep_multiclass``
    (``per_timestep_binary`` for ``k == 2``), as a 2-D one-hot ``y`` is read as
    multiclass; predictions come back one-hot. Any other 0/1 array is
    ``per_timestep_multilabel``. ``target_type="multiclass"`` or
    ``"multilabel"`` forces either reading.

    Parameters
    ----------
    target_type : {"auto", "multiclass", "multilabel"}, default="auto"
        How to read a 3-D 0/1 ``y`` (see above).

    Attributes
    ----------
    kind : str
        ``"per_timestep_binary"``, ``"per_timestep_multiclass"`` or
        ``"per_timestep_multilabel"``.
    classes_ : ndarray
        Class labels (``arange(n_labels)`` for multilabel).
    """

    def __init__(self, target_type: str = "auto") -> None:
        self.target_type = target_type

    @property
    def _onehot(self) -> bool:
        inner = getattr(self, "_inner", None)
        return inner is not None and inner.kind == "onehot"

    def _flat(self, y: Any, lengths: np.ndarray | None, n: int, T: int) -> np.ndarray:
        """Labels of all valid steps, ``(n_valid,)`` or ``(n_valid, n_labels)``."""
        if lengths is None:
            arr = as_label_array(y)
            if arr.ndim not in (2, 3) or arr.shape[0] != n or arr.shape[1] != T:
                raise ValueError(
                    f"per-timestep y must have shape (n_samples, n_timesteps) or "
                    f"(n_samples, n_timesteps, n_labels) = ({n}, {T}[, L]) to match "
                    f"X; got shape {arr.shape}."
                )
            return arr.reshape(n * T, *arr.shape[2:])
        items = _timestep_items(y, lengths)
        return np.concatenate(items, axis=0)

    def fit(self, y: Any, lengths: np.ndarray | None, n_samples: int,
            n_timesteps: int) -> TimestepTargetEncoder:
        """Learn the kind and classes from the valid timesteps of ``y``."""
        flat = self._flat(y, lengths, n_samples, n_timesteps)
        self.dtype_ = flat.dtype
        target_type = getattr(self, "target_type", "auto")
        if target_type not in TARGET_TYPES:
            raise ValueError(
                f"target_type must be one of {TARGET_TYPES}; got {target_type!r}."
            )
        onehot = flat.ndim == 2 and (
            target_type == "multiclass"
            or (target_type == "auto" and flat.shape[1] > 1 and _is_onehot(flat))
        )
        if onehot:
            if not _is_onehot(flat):
                raise ValueError(
                    "target_type='multiclass' reads a 3-D y (n, T, k) as one-hot "
                    "classes per timestep, but some valid steps are not one-hot (0/1 "
                    "with exactly one 1); pass target_type='multilabel' for "
                    "independent labels per step."
                )
            # one class per step, given one-hot: as a 2-D one-hot y is multiclass
            self._inner = TargetEncoder("multiclass").fit(flat)
            self.kind = ("per_timestep_binary" if self._inner.n_classes == 2
                         else "per_timestep_multiclass")
            self.classes_ = self._inner.classes_
        elif flat.ndim == 2:
            if not is_01(flat):
                raise ValueError(
                    "per-timestep multilabel y (n, T, n_labels) must hold 0/1 "
                    "indicators."
                )
            if flat.shape[1] < 1:
                raise ValueError("per-timestep multilabel y has 0 labels.")
            self.kind = "per_timestep_multilabel"
            self.classes_ = np.arange(flat.shape[1])
            self._inner = None
        else:
            self._inner = TargetEncoder().fit(flat)
            self.kind = f"per_timestep_{self._inner.kind}"
            self.classes_ = self._inner.classes_
        return self

    @property
    def n_classes(self) -> int:
        return len(self.classes_)

    def transform(self, y: Any, lengths: np.ndarray | None, n_samples: int,
                  n_timesteps: int) -> np.ndarray:
        """Codes of shape ``(n, T)`` (int32) or ``(n, T, n_labels)`` (float32).

        Padded steps (beyond ``lengths[i]``) hold code 0 / all-zero labels; they
        must be given zero weight.
        """
        flat = self._flat(y, lengths, n_samples, n_timesteps)
        if self.kind == "per_timestep_multilabel":
            if flat.ndim != 2 or flat.shape[1] != self.n_classes:
                raise ValueError(
                    f"per-timestep multilabel y must have {self.n_classes} labels per "
                    f"timestep, as in fit; got shape {flat.shape[1:]}."
                )
            if not is_01(flat):
                raise ValueError("per-timestep multilabel y must hold 0/1 indicators.")
            codes = flat.astype(np.float32)
        else:
            if flat.ndim != (2 if self._onehot else 1):
                want = (f"a one-hot row of {self.n_classes} per timestep" if self._onehot
                        else "one class label per timestep")
                raise ValueError(
                    f"y must hold {want}, as in fit; got {flat.shape[1:]} values per "
                    "timestep."
                )
            codes = self._inner.transform(flat)
        if lengths is None:
            return codes.reshape(n_samples, n_timesteps, *codes.shape[1:])
        out = np.zeros((n_samples, n_timesteps, *codes.shape[1:]), dtype=codes.dtype)
        out[np.arange(n_timesteps)[None, :] < lengths[:, None]] = codes
        return out

    def inverse_transform(self, codes: np.ndarray) -> np.ndarray:
        """Labels from ``(n, T)`` int codes or ``(n, T, n_labels)`` 0/1 indicators."""
        if self.kind == "per_timestep_multilabel":
            return np.asarray(codes).astype(self.dtype_)
        if self._onehot:
            codes = np.asarray(codes, dtype=np.intp)
            return self._inner.inverse_transform(codes.reshape(-1)).reshape(
                *codes.shape, self.n_classes)
        return self.classes_[np.asarray(codes, dtype=np.intp)]


def timestep_presence(y: Any, lengths: np.ndarray | None = None) -> np.ndarray:
    """Which classes (or labels) occur in each sequence of a per-timestep ``y``.

    Parameters
    ----------
    y : array-like of shape (n, T) or (n, T, n_labels), or list of arrays
    lengths : ndarray of shape (n,), optional
        Valid lengths when ``y`` is an equal-length array of padded labels;
        not needed for a list.

    Returns
    -------
    ndarray of bool, shape (n, n_classes)
        ``presence[i, k]``: class ``k`` (sorted labels, or label column ``k``
        for multilabel) occurs at a valid step of sequence ``i``.
    """
    if isinstance(y, (list, tuple)):
        items = [np.asarray(v) for v in y]
        lengths = np.array([len(v) for v in items])
        T = int(lengths.max()) if len(items) else 0
    else:
        arr = as_label_array(y)
        items = None
        T = arr.shape[1] if arr.ndim >= 2 else 0
        if arr.ndim not in (2, 3):
            raise ValueError(
                f"y must be per-timestep labels (n, T) or (n, T, n_labels); got shape "
                f"{arr.shape}."
            )
        if lengths is None:
            lengths = np.full(len(arr), T)
        items = [arr[i, : int(n)] for i, n in enumerate(lengths)]
    enc = TimestepTargetEncoder().fit(items, np.asarray(lengths), len(items), T)
    codes = enc.transform(items, np.asarray(lengths), len(items), T)
    valid = np.arange(T)[None, :] < np.asarray(lengths)[:, None]
    return target_spec(enc).presence(codes, valid)


# ---------------------------------------------------------------------------
# What each kind of target means for the network
# ---------------------------------------------------------------------------
_BINARY_KINDS = ("binary", "per_timestep_binary")
_MULTILABEL_KINDS = ("multilabel", "per_timestep_multilabel")


@dataclass(frozen=True, eq=False)
class TargetSpec:
    """What a kind of target means for the network, from ``y`` to labels and back.

    The one place that knows, per kind (``"binary"``, ``"multiclass"``,
    ``"onehot"``, ``"multilabel"`` and the ``"per_timestep_*"`` variants), the
    output units and activation, the default loss, the encoding of ``y`` for
    Keras, how network outputs become ``predict_proba`` and labels, and the
    fitted ``classes_`` / ``n_classes_``. The classifier and
    :mod:`skimbal.persistence` ask it (through :func:`target_spec`) instead of
    branching on the kind.

    Parameters
    ----------
    kind : str
        The encoder's ``kind``.
    n_classes : int
        Number of classes (single-label kinds) or of labels (multi-label kinds).
    keys : ndarray of shape (n_classes,)
        The class labels in code order, or the label names (multi-label kinds):
        the keys of ``class_weight`` dicts and of ``class_weight_``.

    Notes
    -----
    The *output mode* (see :meth:`output_mode`) is what the network's last
    layer does: ``"sigmoid"`` (one unit, binary), ``"softmax"`` (one unit per
    class) or ``"multilabel"`` (one sigmoid unit per label). A binary target
    may also be learned by a user model with two softmax units.
    """

    kind: str
    n_classes: int
    keys: np.ndarray

    @property
    def per_timestep(self) -> bool:
        """Whether ``y`` holds a label per timestep (sequence labelling)."""
        return self.kind in TIMESTEP_KINDS

    @property
    def multilabel(self) -> bool:
        """Whether each target is a 0/1 vector of independent labels."""
        return self.kind in _MULTILABEL_KINDS

    @property
    def thresholded(self) -> bool:
        """Whether labels come from per-label decision thresholds (``threshold_``).

        Sequence-level multi-label only; per-timestep multi-label targets use 0.5.
        """
        return self.kind == "multilabel"

    @property
    def n_outputs(self) -> int:
        """Units of the default network's output layer."""
        return 1 if self.kind in _BINARY_KINDS else self.n_classes

    @property
    def activation(self) -> str:
        """Activation of the default network's output layer."""
        return "sigmoid" if self.n_outputs == 1 or self.multilabel else "softmax"

    def n_classes_attr(self) -> int | list[int]:
        """The fitted ``n_classes_`` (``[2] * n_labels`` for sequence-level multi-label)."""
        return [2] * self.n_classes if self.kind == "multilabel" else self.n_classes

    def output_mode(self, output_shape: Any) -> str:
        """Check a model's output shape against this kind and return the output mode.

        Raises
        ------
        ValueError
            Per-timestep targets and an output that is not ``(batch, T, units)``,
            or a number of output units that fits no mode of this kind.
        """
        shape = tuple(output_shape)
        if self.per_timestep and len(shape) != 3:
            raise ValueError(
                "per-timestep targets need a model whose output has shape "
                f"(batch, T, units) (return_sequences=True and a Dense head); the "
                f"model's output has shape {shape}."
            )
        n_out = shape[-1]
        if self.multilabel:
            if n_out != self.n_classes:
                raise ValueError(
                    f"The model's output layer has {n_out} units; expected "
                    f"{self.n_classes} sigmoid units, one per label."
                )
            return "multilabel"
        if n_out == 1 and self.n_classes == 2:
            return "sigmoid"
        if n_out == self.n_classes:
            return "softmax"
        raise ValueError(
            f"The model's output layer has {n_out} units; expected 1 (binary "
            f"sigmoid) or {self.n_classes} (one per class, softmax)."
        )

    def default_loss(self, mode: str, label_weights: tuple[Any, Any] | None,
                     logit_offsets: np.ndarray | None = None,
                     gamma: float = 0.0) -> Any:
        """The loss used when ``loss=None``.

        Multi-label: :class:`skimbal.losses.WeightedBinaryCrossentropy` with the
        per-label ``(positive, negative)`` weights (all 1 when ``label_weights`` is
        ``None``) and focusing parameter ``gamma``; otherwise, to match
        ``mode``, binary / sparse categorical cross-entropy for ``gamma=0`` and
        for ``gamma > 0`` their focal forms ``keras.losses.BinaryFocalCrossentropy``
        / :class:`skimbal.losses.SparseCategoricalFocalCrossentropy`.

        With ``logit_offsets`` (logit adjustment: ``tau`` times
        :func:`skimbal.priors.log_prior` of the training frequencies, per class,
        or per label in log-odds for multi-label kinds) the loss adds it to the
        logits: :class:`skimbal.losses.WeightedBinaryCrossentropy` with
        ``logit_offsets`` for sigmoid outputs (a single binary unit gets
        ``logit_offsets[1] - logit_offsets[0]``, the log prior odds of the positive
        class), :class:`skimbal.losses.LogitAdjustedCrossentropy` for softmax
        outputs.
        """
        from .losses import (
            LogitAdjustedCrossentropy,
            SparseCategoricalFocalCrossentropy,
            WeightedBinaryCrossentropy,
        )

        if mode == "multilabel":
            if label_weights is None:
                label_weights = (np.ones(self.n_classes), np.ones(self.n_classes))
            pos, neg = label_weights
            return WeightedBinaryCrossentropy(
                np.asarray(pos).tolist(), np.asarray(neg).tolist(),
                logit_offsets=None if logit_offsets is None
                else np.asarray(logit_offsets).tolist(), gamma=gamma)
        if logit_offsets is None:
            if gamma > 0:
                import keras

                if mode == "sigmoid":
                    return keras.losses.BinaryFocalCrossentropy(gamma=gamma)
                return SparseCategoricalFocalCrossentropy(gamma=gamma)
            return ("binary_crossentropy" if mode == "sigmoid"
                    else "sparse_categorical_crossentropy")
        offsets = np.asarray(logit_offsets, dtype=np.float64)
        if mode == "sigmoid":
            return WeightedBinaryCrossentropy(
                [1.0], [1.0], logit_offsets=[float(offsets[1] - offsets[0])], gamma=gamma)
        return LogitAdjustedCrossentropy(offsets.tolist(), gamma=gamma)

    def encode_for_keras(self, codes: np.ndarray, mode: str) -> np.ndarray:
        """Encoded targets as the network's loss wants them (a trailing unit axis for sigmoid)."""
        if mode == "sigmoid":
            return codes.astype(np.float32)[..., None]
        return codes

    def proba_from_output(self, raw: np.ndarray, mode: str) -> np.ndarray:
        """Network outputs -> ``predict_proba`` (a single sigmoid becomes two columns)."""
        if mode == "sigmoid":
            p = raw[..., 0]
            return np.stack([1.0 - p, p], axis=-1)
        return raw

    def codes_from_proba(self, proba: np.ndarray, threshold: Any = 0.5) -> np.ndarray:
        """``predict_proba`` -> codes for the encoder's ``inverse_transform``.

        Multi-label: 0/1 where the probability is ``>= threshold`` (per label);
        otherwise the most probable class.
        """
        if self.multilabel:
            return (proba >= threshold).astype(np.int64)
        return np.argmax(proba, axis=-1)

    def presence(self, codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per-timestep kinds: which classes (labels) occur at a valid step of each sequence.

        ``codes`` is ``(n, T)`` or ``(n, T, n_labels)``, ``mask`` ``(n, T)``;
        returns a bool array ``(n, n_classes)``.
        """
        if self.multilabel:
            return np.any((codes > 0) & mask[..., None], axis=1)
        presence = np.zeros((codes.shape[0], self.n_classes), dtype=bool)
        rows = np.broadcast_to(np.arange(codes.shape[0])[:, None], codes.shape)
        presence[rows[mask], codes[mask]] = True
        return presence

    def score(self, y: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """The estimator's ``score``: accuracy, macro F1 (multi-label) or, per
        timestep, balanced accuracy over the valid steps."""
        from sklearn.metrics import accuracy_score, f1_score

        if self.per_timestep:
            from .metrics import timestep_score

            return timestep_score(y, y_pred, metric="balanced_accuracy",
                                  sample_weight=sample_weight)
        if self.multilabel:
            return float(f1_score(np.asarray(y), y_pred, average="macro",
                                  sample_weight=sample_weight, zero_division=0.0))
        return float(accuracy_score(y, y_pred, sample_weight=sample_weight))


def target_spec(encoder: Any) -> TargetSpec:
    """The :class:`TargetSpec` of a fitted :class:`TargetEncoder` or
    :class:`TimestepTargetEncoder`."""
    names = getattr(encoder, "label_names_", None)
    keys = names if encoder.kind == "multilabel" else encoder.classes_
    return TargetSpec(encoder.kind, encoder.n_classes, np.asarray(keys))


def encode_target(
    y: Any,
    *,
    per_timestep: bool,
    n_samples: int,
    n_timesteps: int,
    lengths: np.ndarray | None,
    target_type: str = "auto",
    label_names: Any = None,
) -> tuple[TargetEncoder | TimestepTargetEncoder, np.ndarray, np.ndarray | None]:
    """Fit the encoder of ``y`` and encode it: the one entry point of ``fit``.

    Parameters
    ----------
    y : array-like or list
        Training targets (see :class:`TargetEncoder` and
        :class:`TimestepTargetEncoder`).
    per_timestep : bool
        Whether ``y`` holds a label per timestep (see :func:`is_timestep_target`).
    n_samples, n_timesteps : int
        Shape of the (padded) ``X``.
    lengths : ndarray of shape (n_samples,) or None
        Valid lengths of list ``X``; ``None`` for an array.
    target_type, label_names
        As for :class:`TargetEncoder` (sequence-level targets).

    Returns
    -------
    encoder : TargetEncoder or TimestepTargetEncoder
        Fitted.
    codes : ndarray
        Encoded ``y`` (int codes, or float32 0/1 indicators for multi-label).
    mask : ndarray of bool of shape (n_samples, n_timesteps) or None
        Per-timestep targets: the valid (unpadded) steps; ``None`` otherwise.
    """
    if per_timestep:
        encoder = TimestepTargetEncoder(target_type).fit(y, lengths, n_samples, n_timesteps)
        codes = encoder.transform(y, lengths, n_samples, n_timesteps)
        if lengths is None:
            mask = np.ones((n_samples, n_timesteps), bool)
        else:
            mask = np.arange(n_timesteps)[None, :] < np.asarray(lengths)[:, None]
        return encoder, codes, mask
    labels = as_label_array(y)
    if len(labels) != n_samples:
        raise ValueError(
            f"X and y have different numbers of samples: len(X)={n_samples}, "
            f"len(y)={len(labels)}."
        )
    # the encoder is fitted on ``y`` itself: a DataFrame keeps its column names
    encoder = TargetEncoder(target_type, label_names).fit(y)
    return encoder, encoder.transform(labels), None
