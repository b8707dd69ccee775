"""What a fit's training loop will do, decided without Keras: batch size, epochs,
length buckets, batch orders, the validation split and deferred re-weighting's
start. Pure NumPy (no TensorFlow import), so a fit plan can be computed and
tested in milliseconds; :mod:`skimbal._training` runs it."""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .model_selection import stratified_validation_split

__all__ = [
    "AUTO_LENGTH_BUCKETS",
    "TrainingPlan",
    "balanced_draw",
    "bucket_order",
    "check_length_buckets",
    "deferred_start_epoch",
    "passes_per_round",
    "plan_training",
    "resolve_length_buckets",
    "resolve_validation_fraction",
    "row_keys",
    "validation_split_or_none",
]

# Defaults of the "auto" training settings, chosen on the real-data suite
# (benchmarks/real_suite.py, figures in benchmarks/results/RESULTS.md).
#: gradient steps that ``epochs="auto"`` aims for
AUTO_TRAIN_STEPS = 750
#: fewest epochs ``epochs="auto"`` runs (large training sets)
AUTO_MIN_EPOCHS = 10
#: ``batch_size="auto"``: ``clip(n_train // AUTO_BATCH_DIVISOR, *AUTO_BATCH_RANGE)``
AUTO_BATCH_DIVISOR = 10
AUTO_BATCH_RANGE = (4, 32)
#: ``validation_fraction="auto"`` holds out this share once the training set has
#: at least AUTO_VALIDATION_MIN_SAMPLES sequences (else no split)
AUTO_VALIDATION_FRACTION = 0.1
AUTO_VALIDATION_MIN_SAMPLES = 1000
#: ``length_buckets="auto"``: at most this many length buckets (training: also at
#: most half the batches of an epoch, so every bucket holds two batches or more)
AUTO_LENGTH_BUCKETS = 16
#: a fit with no per-epoch monitoring trains in at least this many Keras epochs
#: ("rounds"), each of one or more passes over the data; ``epochs="auto"`` rounds
#: its pass count up so that it splits into between MIN_ROUNDS and MAX_ROUNDS
#: equal rounds (the fixed cost of a Keras epoch is paid once per round)
MIN_ROUNDS = 10
MAX_ROUNDS = 20


def check_length_buckets(length_buckets: int | str | None, n_train: int) -> None:
    """Raise if an explicit number of length buckets cannot be filled.

    Parameters
    ----------
    length_buckets : int, "auto" or None
        The ``length_buckets`` parameter.
    n_train : int
        Sequences trained on (after the validation split).

    Raises
    ------
    ValueError
        ``length_buckets`` is an int larger than ``n_train``: some bucket
        would hold no sequence.
    """
    if isinstance(length_buckets, (int, np.integer)) and length_buckets > n_train:
        raise ValueError(
            f"length_buckets={length_buckets} asks for more length buckets than the "
            f"{n_train} training sequences can fill; use at most {n_train}, 'auto' "
            "or None (no bucketing)."
        )


def resolve_length_buckets(length_buckets: int | str | None, lengths: np.ndarray | None,
                           n_batches: int) -> int | None:
    """Number of length buckets, or ``None`` for no bucketing.

    No bucketing for equal-length input (``lengths`` is ``None`` or
    constant) and for ``length_buckets=None``. ``"auto"``:
    ``min(AUTO_LENGTH_BUCKETS, max(1, n_batches // 2))`` (16 at most; every
    bucket spans two batches or more, so batches stay random draws among
    sequences of similar length). An int is used as it is (at most
    ``len(lengths)``).

    Parameters
    ----------
    length_buckets : int, "auto" or None
    lengths : ndarray of int or None
        Valid length of each sequence.
    n_batches : int
        Batches of one pass (an epoch, or a predict call).

    Returns
    -------
    int or None
    """
    if length_buckets is None or lengths is None or len(lengths) == 0:
        return None
    if np.all(lengths == lengths[0]):
        return None
    if isinstance(length_buckets, str):
        return int(min(AUTO_LENGTH_BUCKETS, max(1, n_batches // 2)))
    return int(min(int(length_buckets), len(lengths)))


def bucket_order(indices: np.ndarray, lengths: np.ndarray, batch_size: int,
                 n_buckets: int, rng: np.random.Generator | None) -> np.ndarray:
    """Row order whose consecutive ``batch_size`` rows have similar lengths.

    The rows are sorted by length (ties in random order) and cut into
    ``n_buckets`` buckets of (nearly) equal count; each bucket is permuted,
    the buckets are concatenated shortest first and cut into batches, and
    the full batches are put in random order; the one partial batch (if
    any) stays last, so that ``Dataset.batch`` rebuilds exactly these
    batches. A batch drawn from one bucket is padded only to the longest
    sequence of that bucket. Without ``rng`` the rows are simply sorted by
    length (stable: ties keep their order in ``indices``).

    Parameters
    ----------
    indices : ndarray of int
        Rows to order (each appears exactly once in the result).
    lengths : ndarray of int
        Length of every row of the data (indexed by ``indices``).
    batch_size : int
    n_buckets : int
    rng : numpy Generator or None

    Returns
    -------
    ndarray of int
    """
    indices = np.asarray(indices, dtype=np.intp)
    if rng is None:
        return indices[np.argsort(lengths[indices], kind="stable")]
    perm = rng.permutation(indices)
    by_length = perm[np.argsort(lengths[perm], kind="stable")]
    buckets = np.array_split(by_length, max(1, min(int(n_buckets), len(by_length))))
    flat = np.concatenate([rng.permutation(b) for b in buckets])
    n_full = len(flat) // batch_size
    full = flat[: n_full * batch_size].reshape(n_full, batch_size)
    return np.concatenate([full[rng.permutation(n_full)].ravel(), flat[n_full * batch_size:]])


def balanced_draw(indices: np.ndarray, classes: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """``len(indices)`` rows drawn class-balanced, with replacement.

    Each draw picks a class uniformly among the classes present in
    ``indices``, then a row of that class uniformly: every class is drawn
    equally often in expectation, whatever its count (random over-sampling of
    the rare classes and under-sampling of the common ones, by index: the
    data is never copied).

    Parameters
    ----------
    indices : ndarray of int
        Rows to draw from.
    classes : ndarray of int
        Class code of every row of the data (indexed by ``indices``).
    rng : numpy Generator

    Returns
    -------
    ndarray of int
        Rows, in the (random) order drawn; rare-class rows repeat.
    """
    indices = np.asarray(indices, dtype=np.intp)
    present, inverse = np.unique(np.asarray(classes)[indices], return_inverse=True)
    counts = np.bincount(inverse, minlength=len(present))
    by_class = indices[np.argsort(inverse, kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    which = rng.integers(len(present), size=len(indices))
    return by_class[starts[which] + rng.integers(0, counts[which])]


class TrainingPlan(NamedTuple):
    """Batch size, epochs and steps per epoch of one ``fit`` (``"auto"`` resolved).

    ``epochs`` counts passes over the training data; Keras runs them in
    ``epochs // passes_per_round`` Keras epochs ("rounds") of
    ``passes_per_round`` passes each (see :func:`passes_per_round`).
    """

    batch_size: int
    epochs: int
    steps_per_epoch: int
    passes_per_round: int = 1

    @property
    def rounds(self) -> int:
        """Keras epochs of the fit."""
        return self.epochs // self.passes_per_round


def _auto_round_epochs(epochs: int) -> int:
    """``epochs`` rounded up to the nearest count that splits into MIN_ROUNDS to
    MAX_ROUNDS equal rounds (unchanged up to MAX_ROUNDS)."""
    if epochs <= MAX_ROUNDS:
        return epochs
    return min(math.ceil(epochs / n) * n for n in range(MIN_ROUNDS, MAX_ROUNDS + 1))


def passes_per_round(epochs: int, *, per_pass: bool, start_epoch: int = 0) -> int:
    """Passes over the data that one Keras epoch ("round") spans.

    A Keras epoch has a fixed cost (a new iterator, callbacks, logs: tens of
    milliseconds on a CPU), which small training sets pay hundreds of times
    when every pass is an epoch. Unless something must happen after every
    pass (``per_pass``: a validation split, early stopping, a plateau
    schedule), the passes are grouped into rounds: the largest divisor of
    ``epochs`` (and of a deferred re-weighting ``start_epoch``, so that the
    class weights switch on at a round boundary) that leaves at least
    ``MIN_ROUNDS`` rounds; 1 when ``epochs`` has no such divisor.

    Parameters
    ----------
    epochs : int
        Passes of the fit.
    per_pass : bool
        Whether every pass must be a Keras epoch.
    start_epoch : int, default=0
        First pass with class weights under deferred re-weighting (0: none).

    Returns
    -------
    int
    """
    if per_pass or epochs < 2 * MIN_ROUNDS:
        return 1
    whole = math.gcd(epochs, start_epoch) if start_epoch > 0 else epochs
    return max(d for d in range(1, epochs // MIN_ROUNDS + 1) if whole % d == 0)


def plan_training(n_train: int, batch_size: int | str, epochs: int | str, *,
                  per_pass: bool = True) -> TrainingPlan:
    """Resolve ``batch_size="auto"`` and ``epochs="auto"`` for ``n_train`` sequences.

    ``batch_size="auto"`` is ``clip(n_train // 10, 4, 32)``: small training
    sets get several gradient steps per epoch (a batch of 32 on 29
    sequences is one step per epoch), large ones the usual 32.
    ``epochs="auto"`` trains for about ``AUTO_TRAIN_STEPS`` (750) gradient
    steps, and at least ``AUTO_MIN_EPOCHS`` (10) epochs: a budget in steps,
    not epochs, so that 20 sequences are not trained for 200 updates only.
    Without ``per_pass`` the ``"auto"`` count is rounded up so that it
    splits into 10 to 20 equal rounds (at most 5 % more passes; see
    :func:`passes_per_round`).

    Parameters
    ----------
    n_train : int
        Sequences that are trained on (after the validation split).
    batch_size : int or "auto"
    epochs : int or "auto"
    per_pass : bool, default=True
        Whether every pass must be a Keras epoch (see :func:`passes_per_round`).

    Returns
    -------
    TrainingPlan
    """
    if batch_size == "auto":
        lo, hi = AUTO_BATCH_RANGE
        batch_size = int(min(hi, max(lo, n_train // AUTO_BATCH_DIVISOR)))
    steps_per_epoch = max(1, math.ceil(n_train / int(batch_size)))
    if epochs == "auto":
        epochs = max(AUTO_MIN_EPOCHS, math.ceil(AUTO_TRAIN_STEPS / steps_per_epoch))
        if not per_pass:
            epochs = _auto_round_epochs(epochs)
    return TrainingPlan(int(batch_size), int(epochs), steps_per_epoch)


def deferred_start_epoch(class_weight_start: float, epochs: int) -> int:
    """First epoch (0-based) trained with class weights under deferred re-weighting.

    ``ceil(class_weight_start * epochs)``, at most ``epochs - 1`` so that the
    last epoch is always weighted; 0 for ``class_weight_start=0`` (weighted
    from the start).
    """
    if class_weight_start <= 0:
        return 0
    return int(min(math.ceil(class_weight_start * epochs), max(0, epochs - 1)))


def resolve_validation_fraction(validation_fraction: float | str, n_samples: int) -> float:
    """The fraction ``validation_fraction="auto"`` stands for with ``n_samples`` sequences.

    ``AUTO_VALIDATION_FRACTION`` (0.1) from ``AUTO_VALIDATION_MIN_SAMPLES``
    (1,000) sequences on, so that the held-out loss that early stopping
    follows is measured on at least 100 sequences; 0 (no split) below.
    """
    if validation_fraction == "auto":
        return AUTO_VALIDATION_FRACTION if n_samples >= AUTO_VALIDATION_MIN_SAMPLES else 0.0
    return float(validation_fraction)


def validation_split_or_none(
    codes: np.ndarray,
    validation_fraction: float | str,
    random_state: int | None,
    *,
    split: Callable[..., tuple[np.ndarray, np.ndarray]] = stratified_validation_split,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Stratified train/validation indices, or ``(None, None)`` with a warning.

    When ``validation_fraction`` is 0 no split is made. When a stratified
    split is impossible (a class with fewer than 2 samples, or fewer
    validation samples than classes) the whole data is used for training, a
    ``UserWarning`` says so, and early stopping / the learning-rate schedule
    then monitor the training loss. ``split`` is the splitting function
    (``stratified_validation_split`` on class codes or sequence strata,
    ``multilabel_validation_split`` on indicator targets).
    ``validation_fraction="auto"`` is resolved by
    :func:`resolve_validation_fraction`.
    """
    validation_fraction = resolve_validation_fraction(validation_fraction, len(codes))
    if validation_fraction <= 0:
        return None, None
    try:
        return split(codes, validation_fraction, random_state=random_state)
    except ValueError as exc:
        warnings.warn(
            f"{exc} Training on all samples without a validation split; early stopping "
            "and the learning-rate schedule monitor the training loss instead. Set "
            "validation_fraction=0 to silence this warning.",
            UserWarning,
            stacklevel=3,
        )
        return None, None


def row_keys(X: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes: the key of the canonical predict order.

    Rows with the same values get the same key; any other two rows get the same
    key with probability about ``2**-64``. ``tobytes`` copies one row at a
    time (in C order), so a non-contiguous ``X`` is never copied whole.
    """
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little")
         for row in X),
        dtype=np.uint64, count=len(X))
