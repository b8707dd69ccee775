"""``SequenceSampler``: any imbalanced-learn sampler on 3-D sequences."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from ..targets import TargetEncoder, as_label_array, is_multilabel_indicator
from ._base import BaseSequenceSampler, check_resample_sample_weight

__all__ = ["SequenceSampler"]


_IMBLEARN_PIPELINE_WEIGHTS = (
    "SequenceSampler was given sample_weight inside imbalanced-learn's Pipeline "
    "(imblearn.pipeline.make_pipeline / Pipeline), which takes only (X_res, y_res) from a "
    "sampler: the resampled weights (each resampled row carries the weight of the row it "
    "was drawn from) would be dropped, and the steps after the sampler would get the "
    "caller's sample_weight, which no longer matches the resampled rows. Use "
    "skimbal.pipeline.make_pipeline (or skimbal.pipeline.Pipeline): the same pipeline, whose "
    "samplers pass their resampled sample_weight on to the later steps. Or fit without "
    "sample_weight. (Nothing was resampled.)"
)


def _called_by_imblearn_pipeline(max_depth: int = 8) -> bool:
    """Whether imbalanced-learn's own ``Pipeline`` (``_fit_resample_one``) is the caller.

    imblearn's ``Pipeline._fit`` unpacks two outputs from ``fit_resample``;
    :class:`skimbal.pipeline.Pipeline` has its own ``_fit_resample_one`` and
    takes three.
    """
    try:
        from imblearn import pipeline as imblearn_pipeline

        code = imblearn_pipeline._fit_resample_one.__code__
    except (ImportError, AttributeError):  # pragma: no cover - another imblearn layout
        return False
    frame = sys._getframe(1)
    for _ in range(max_depth):
        if frame is None:
            return False
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def _picks_by_label_only(sampler: Any) -> bool:
    """Whether ``sampler`` chooses whole samples from ``y`` alone (not from X)."""
    if isinstance(sampler, RandomUnderSampler):
        return True
    return isinstance(sampler, RandomOverSampler) and sampler.shrinkage is None


class SequenceSampler(BaseSequenceSampler):
    """Apply an imbalanced-learn sampler to 3-D sequence data.

    imbalanced-learn samplers take 2-D ``X``. ``SequenceSampler`` flattens
    each sequence of shape ``(n_timesteps, n_features)`` into one row of
    ``n_timesteps * n_features`` values (a view, no copy, for C-contiguous
    input), resamples with a clone of ``sampler`` and reshapes the result
    back, so synthetic samplers such as SMOTE interpolate whole sequences
    timestep by timestep. Used as a step of an
    :class:`imblearn.pipeline.Pipeline`, resampling happens on the training
    part of every fit only: cross-validation test folds and ``predict`` see
    the data unchanged.

    Variable-length sequences (a list of ``(n_timesteps_i, n_features)``
    arrays) can be resampled by samplers that pick whole samples from the
    labels alone: :class:`~imblearn.over_sampling.RandomOverSampler` (without
    ``shrinkage``) and :class:`~imblearn.under_sampling.RandomUnderSampler`.
    The result is a list. Samplers that interpolate (SMOTE family, ADASYN)
    or compare samples by distance (NearMiss, Tomek links, edited nearest
    neighbours, ...) need fixed-length feature vectors, i.e. equal-length
    sequences, and raise a ``ValueError`` on a variable-length list. A list
    whose sequences all have the same shape is treated as a 3-D array and a
    list is returned.

    Parameters
    ----------
    sampler : imbalanced-learn sampler
        Any object with ``fit_resample`` (e.g. ``SMOTE()``,
        ``RandomOverSampler()``, ``RandomUnderSampler()``). It is cloned on
        each fit and never modified; its parameters are tunable as
        ``sampler__<name>``, e.g. ``sequencesampler__sampler__k_neighbors``
        in a pipeline.

    Attributes
    ----------
    sampler_ : imbalanced-learn sampler
        The fitted clone of ``sampler``.
    sampling_strategy_ : dict
        The fitted sampler's ``sampling_strategy_`` (number of samples to
        add or keep per class).
    sample_indices_ : ndarray of shape (n_resampled,)
        Indices of the selected input samples, when the inner sampler
        exposes them (random over/under-sampling, prototype selection). Not
        set for synthetic samplers.
    n_features_in_ : int
        Features (channels) per timestep.
    n_timesteps_in_ : int or None
        Sequence length of equal-length input; ``None`` for a variable-length
        list.

    See Also
    --------
    skimbal.sampling.MLROS : random over-sampling of multi-label targets.
    skimbal.sampling.MLSMOTE : SMOTE for multi-label targets.
    imblearn.pipeline.Pipeline : chain samplers and estimators so that
        resampling happens during ``fit`` only.

    Notes
    -----
    Targets are handled by the inner sampler: 1-D labels (ints, bools,
    strings, kept as given) or one-hot rows (returned one-hot). Multi-label
    ``(n_samples, n_labels)`` targets are rejected; use
    :class:`~skimbal.sampling.MLROS` or :class:`~skimbal.sampling.MLSMOTE`.
    For one-hot ``y`` the inner sampler sees the column indices as classes
    (keys of a dict ``sampling_strategy`` are column indices), and the
    result is one-hot with all the columns of ``y``.

    Floating ``X`` keeps its dtype. Integer or boolean ``X`` keeps it when
    the inner sampler only selects existing samples, and comes back as
    float32 otherwise (interpolated values are not integers).

    ``sample_weight`` (per sample) can be passed to :meth:`fit_resample`,
    which then returns ``(X_res, y_res, sample_weight_res)``: every
    resampled row carries the weight of the input row it was drawn from
    (samplers that select existing rows, exposing ``sample_indices_``:
    random over/under-sampling, prototype selection). A synthetic row
    (SMOTE family, ADASYN, cluster centroids) has no row of its own and
    takes the weight of its nearest input sequence of the same class
    (Euclidean distance between the flattened sequences): for SMOTE, one of
    the two sequences it was interpolated between, or a closer one.

    In a pipeline, use :class:`skimbal.pipeline.Pipeline` (imbalanced-learn's
    ``Pipeline``, which unpacks only ``(X_res, y_res)`` and hands the
    caller's, no longer aligned, ``sample_weight`` to later steps): it passes
    the resampled weights on to the steps after the sampler. With metadata
    routing enabled, ``SequenceSampler`` requests ``sample_weight`` by
    default (in ``fit`` and ``fit_resample``), since carrying the weights is
    the only way they stay aligned with the resampled rows; its resampling
    never depends on them. Given ``sample_weight`` inside imbalanced-learn's
    own ``Pipeline``, which cannot take the third output, ``fit_resample``
    raises a ``ValueError`` that says so and names
    ``skimbal.pipeline.make_pipeline``, before resampling anything. See the
    "Metadata routing" section of ``docs/sampling.md``.

    Examples
    --------
    >>> from collections import Counter
    >>> from imblearn.over_sampling import SMOTE
    >>> from skimbal import SequenceSampler
    >>> from skimbal.datasets import make_imbalanced_sequences
    >>> X, y = make_imbalanced_sequences(n_samples=100, n_timesteps=8, n_features=2,
    ...                                  weights=(0.9, 0.1), random_state=0)
    >>> X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, y)
    >>> X_res.shape, X_res.dtype
    ((180, 8, 2), dtype('float32'))
    >>> sorted(Counter(y_res.tolist()).items())
    [(0, 90), (1, 90)]
    """

    _sampling_type = "bypass"
    # Weights must follow the rows a sampler resamples: request them by default.
    __metadata_request__fit = {"sample_weight": True}
    __metadata_request__fit_resample = {"sample_weight": True}

    _parameter_constraints: dict = {"sampler": [HasMethods(["fit_resample"])]}

    def __init__(self, sampler: Any) -> None:
        self.sampler = sampler

    # --------------------------------------------------------------- checks
    def _check_params(self) -> None:
        from ._mlros import MLROS
        from ._mlsmote import MLSMOTE

        if isinstance(self.sampler, (SequenceSampler, MLROS, MLSMOTE)):
            raise TypeError(
                f"sampler must be an imbalanced-learn sampler for 2-D data; "
                f"{type(self.sampler).__name__} already takes 3-D sequences, use it "
                "directly."
            )

    def _check_y(self, y: Any, n_samples: int) -> tuple[Any, TargetEncoder | None]:
        """The target for the inner sampler and, for one-hot ``y``, its encoder."""
        y_arr = as_label_array(y)
        if is_multilabel_indicator(y_arr):
            raise ValueError(
                f"y is a multi-label indicator matrix (shape {y_arr.shape}, rows with "
                "zero or several labels); imbalanced-learn samplers such as "
                f"{type(self.sampler).__name__} accept single-label targets only. Use "
                "skimbal.sampling.MLSMOTE (synthetic) or skimbal.sampling.MLROS "
                "(random over-sampling) for multi-label targets."
            )
        self._check_lengths(n_samples, len(y_arr))
        if y_arr.ndim == 2 and y_arr.shape[1] > 1:
            # one-hot: resample class codes and re-encode with all columns
            # (imblearn returns a single column for two-class one-hot y)
            encoder = TargetEncoder().fit(y_arr)
            return encoder.transform(y_arr), encoder
        return y, None

    # ------------------------------------------------------------ resample
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SequenceSampler:
        """Resample once to fit the inner sampler (prefer :meth:`fit_resample`).

        Returns
        -------
        self
        """
        self.fit_resample(X, y, sample_weight=sample_weight)
        return self

    def fit_resample(self, X: Any, y: Any, sample_weight: Any = None) -> tuple:
        """Resample sequences with a fitted clone of ``sampler``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or list
            Sequences: a 3-D array, or a list of ``(n_timesteps_i,
            n_features)`` arrays (variable lengths only with random
            over/under-sampling).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels or one-hot rows.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights, returned for the resampled rows (see Notes).

        Returns
        -------
        X_resampled : ndarray of shape (n_resampled, n_timesteps, n_features) or list
            Same container as ``X`` (array or list) and, for floating input,
            the same dtype.
        y_resampled : ndarray of shape (n_resampled,) or (n_resampled, n_classes)
        sample_weight_resampled : ndarray of shape (n_resampled,)
            Only when ``sample_weight`` is given.
        """
        if sample_weight is not None and _called_by_imblearn_pipeline():
            raise ValueError(_IMBLEARN_PIPELINE_WEIGHTS)
        return super().fit_resample(X, y, sample_weight=sample_weight)

    def _fit_resample(self, X: Any, y: tuple, sample_weight: Any = None) -> tuple:
        """Resample checked sequences; ``y`` is ``_check_y``'s ``(target, encoder)``."""
        y_inner, onehot = y
        arr, seqs = (X, None) if isinstance(X, np.ndarray) else (None, X)
        n_samples = len(X)
        sw = check_resample_sample_weight(sample_weight, n_samples)
        sampler = clone(self.sampler)

        if arr is not None:
            X_res, y_res = self._resample_array(sampler, arr, y_inner)
            self.n_timesteps_in_ = arr.shape[1]
            self.n_features_in_ = arr.shape[2]
        else:
            if not _picks_by_label_only(sampler):
                raise ValueError(
                    f"{type(sampler).__name__} cannot resample variable-length sequences: "
                    "it needs fixed-length feature vectors (it interpolates between "
                    "samples or compares them by distance). Use an index-based sampler "
                    "that picks whole sequences, RandomOverSampler() (without shrinkage) "
                    "or RandomUnderSampler(), or pad the sequences to equal length and "
                    "pass a 3-D array."
                )
            # the sampler only looks at y: give it one dummy feature per sample
            dummy = np.arange(n_samples, dtype=np.float64).reshape(-1, 1)
            _, y_res = sampler.fit_resample(dummy, y_inner)
            X_res = [seqs[i] for i in sampler.sample_indices_]
            self.n_timesteps_in_ = None
            self.n_features_in_ = seqs[0].shape[1]

        y_res_inner = y_res
        if onehot is not None:
            y_res = onehot.inverse_transform(y_res)
        self.sampler_ = sampler
        self.sampling_strategy_ = getattr(sampler, "sampling_strategy_", None)
        if hasattr(sampler, "sample_indices_"):
            self.sample_indices_ = np.asarray(sampler.sample_indices_)
        else:
            self.__dict__.pop("sample_indices_", None)
        if sw is None:
            return X_res, y_res
        if hasattr(self, "sample_indices_"):
            return X_res, y_res, sw[self.sample_indices_]
        return X_res, y_res, _nearest_row_weights(arr, y_inner, sw, X_res, y_res_inner)

    def _resample_array(self, sampler: Any, X: np.ndarray, y: Any) -> tuple:
        n, n_timesteps, n_features = X.shape
        X_in = X if X.dtype.kind == "f" else X.astype(np.float32)
        flat = X_in.reshape(n, n_timesteps * n_features)
        try:
            flat_res, y_res = sampler.fit_resample(flat, y)
        except ValueError as exc:
            _explain_neighbors_error(sampler, y, exc)
            raise
        flat_res = np.asarray(flat_res)
        indices = getattr(sampler, "sample_indices_", None)
        if (
            X.dtype.kind != "f"
            and indices is not None
            and np.array_equal(flat_res, flat[indices])
        ):
            # whole samples were selected: return them in their own dtype
            return X[indices], y_res
        return flat_res.reshape(-1, n_timesteps, n_features).astype(X_in.dtype, copy=False), y_res


def _nearest_row_weights(X: np.ndarray, y: Any, sample_weight: np.ndarray,
                         X_res: np.ndarray, y_res: Any) -> np.ndarray:
    """Weight of each resampled row: that of its nearest input row of the same class.

    Used for samplers that synthesise rows (no ``sample_indices_``); rows the
    sampler kept unchanged are at distance 0 from themselves and keep their
    own weight (of the first of several identical rows of the class).
    """
    from sklearn.neighbors import NearestNeighbors

    y, y_res = np.asarray(y), np.asarray(y_res)
    flat = X.reshape(len(X), -1).astype(np.float64, copy=False)
    flat_res = np.asarray(X_res).reshape(len(X_res), -1).astype(np.float64, copy=False)
    out = np.empty(len(flat_res), dtype=sample_weight.dtype)
    for label in np.unique(y_res):
        rows = np.flatnonzero(y == label)
        rows_res = np.flatnonzero(y_res == label)
        if len(rows) == 0:  # pragma: no cover - samplers do not invent classes
            raise ValueError(f"the sampler returned class {label!r}, absent from y")
        nn = NearestNeighbors(n_neighbors=1).fit(flat[rows])
        nearest = nn.kneighbors(flat_res[rows_res], return_distance=False)[:, 0]
        out[rows_res] = sample_weight[rows[nearest]]
    return out


def _explain_neighbors_error(sampler: Any, y: Any, exc: ValueError) -> None:
    """Re-raise scikit-learn's "n_neighbors <= n_samples_fit" as a message naming the class.

    Neighbour-based oversamplers (SMOTE and its variants: ``k_neighbors``,
    ADASYN: ``n_neighbors``) need more samples than neighbours in every class
    they oversample.
    """
    if "n_neighbors" not in str(exc):
        return
    params = sampler.get_params(deep=False)
    param = next((p for p in ("k_neighbors", "n_neighbors") if isinstance(params.get(p), int)),
                 None)
    if param is None:
        return
    k = params[param]
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    small = [(lab, int(c)) for lab, c in zip(labels.tolist(), counts, strict=True) if c <= k]
    if not small:
        return
    label, count = min(small, key=lambda t: t[1])
    raise ValueError(
        f"{type(sampler).__name__}({param}={k}) needs more than {k} sequences in each class "
        f"it oversamples, but class {label!r} has only {count}. Lower {param} to at most "
        f"{max(count - 1, 1)} (sampler__{param} in a pipeline), or use "
        "RandomOverSampler for classes this small."
    ) from exc
