"""Training-loop defaults: validation split with fallback, early stopping, LR schedule,
and the mini-batch input that feeds Keras without copying the training arrays."""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from .model_selection import stratified_validation_split

__all__ = [
    "ArrayBatches",
    "CosineDecay",
    "TrainingPlan",
    "plan_training",
    "predict_in_chunks",
    "resolve_validation_fraction",
    "training_callbacks",
    "validation_split_or_none",
]

# Defaults of the "auto" training settings, chosen on the real-data suite
# (benchmarks/real_suite.py, figures in benchmarks/RESULTS.md).
#: gradient steps that ``epochs="auto"`` aims for
AUTO_TRAIN_STEPS = 1500
#: fewest epochs ``epochs="auto"`` runs (large training sets)
AUTO_MIN_EPOCHS = 10
#: ``batch_size="auto"``: ``clip(n_train // AUTO_BATCH_DIVISOR, *AUTO_BATCH_RANGE)``
AUTO_BATCH_DIVISOR = 10
AUTO_BATCH_RANGE = (4, 32)
#: ``validation_fraction="auto"`` holds out this share once the training set has
#: at least AUTO_VALIDATION_MIN_SAMPLES sequences (else no split)
AUTO_VALIDATION_FRACTION = 0.1
AUTO_VALIDATION_MIN_SAMPLES = 1000


class ArrayBatches:
    """Mini-batches gathered by index from arrays that are held, not copied.

    Keras' own input path for NumPy arrays converts the whole array to a
    tensor (and the train/validation split would copy it once more); this
    object keeps references to the caller's arrays, and :meth:`dataset`
    returns a ``tf.data`` pipeline over *row indices* whose map step gathers
    one batch of rows from the arrays (``tf.numpy_function``), so ``fit``
    needs about one copy of a batch on top of the data. The gathering runs
    in tf.data's threads, ahead of the training step.

    A ``keras.utils.PyDataset`` would hold the arrays just as well (skimbal
    used one before), but Keras feeds it through
    ``tf.data.Dataset.from_generator``, whose Python closures TensorFlow keeps
    for the life of the process, and with them the arrays: every ``fit``
    leaked its training data (about one array per fit, measured in
    ``benchmarks/RESULTS.md``). Here the map function reaches the arrays
    through a weak reference.

    Sample order: with ``shuffle`` the rows are permuted by a NumPy
    generator seeded by ``seed``. With ``reshuffle=False`` that one order is
    kept for every epoch. This is what Keras' NumPy path does under a
    fixed TensorFlow seed (scikeras' seeded ``fit``), and what skimbal's
    seeded training has always done; on JapaneseVowels (the demo, 12 epochs,
    lr 0.01) reshuffling every epoch gave a mean balanced accuracy of 0.84-0.92
    over three seeds against 0.96-0.98 with the fixed order. With
    ``reshuffle=True`` each pass over :meth:`dataset` (each epoch) draws a
    new order, from tf.data's shuffle seeded by ``seed``; neither path
    touches Python's global ``random`` module.

    Parameters
    ----------
    arrays : sequence of ndarray
        Arrays with the same first dimension, e.g. ``(X, y, sample_weight)``;
        each batch is the tuple of their rows.
    indices : ndarray of int or None
        Rows to draw from (a training or validation subset); ``None``: all.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    shuffle : bool
        Draw the rows in a random order (else in ``indices`` order).
    reshuffle : bool, default=True
        Draw a new order for every epoch (else keep the first one).
    seed : int or None
        Seed of the shuffling.
    """

    def __init__(self, arrays: Sequence[np.ndarray], indices: np.ndarray | None,
                 batch_size: int, *, shuffle: bool, reshuffle: bool = True,
                 seed: int | None = None) -> None:
        self.arrays = tuple(arrays)
        n = len(self.arrays[0])
        self.indices = np.arange(n) if indices is None else np.asarray(indices, dtype=np.intp)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.reshuffle = reshuffle
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.order = rng.permutation(self.indices) if shuffle else self.indices

    def __len__(self) -> int:
        return math.ceil(len(self.indices) / self.batch_size)

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows ``rows`` of every array (one batch)."""
        return tuple(a[rows] for a in self.arrays)

    def dataset(self) -> tf.data.Dataset:
        """A ``tf.data.Dataset`` of batches ``(a[rows] for a in arrays)``.

        Its cardinality is ``len(self)``; iterating it again (a new epoch)
        gives the same order unless ``shuffle`` and ``reshuffle`` are set.
        The dataset refers to this object weakly, so that a finished fit
        does not keep the arrays alive: keep the ``ArrayBatches`` referenced
        while the dataset is used.
        """
        rows = tf.data.Dataset.from_tensor_slices(self.order.astype(np.int64))
        if self.shuffle and self.reshuffle:
            rows = rows.shuffle(len(self.order), seed=self.seed,
                                reshuffle_each_iteration=True)
        dtypes = [tf.as_dtype(a.dtype) for a in self.arrays]
        shapes = [(None, *a.shape[1:]) for a in self.arrays]

        # TensorFlow keeps every py-function of a tf.data pipeline alive for
        # the life of the process (it is appended to the eager default
        # graph; tensorflow/tensorflow#123269), so the function must not hold
        # the arrays: it reaches them through a weak reference to ``self``.
        owner = weakref.ref(self)

        def take(batch_rows: np.ndarray) -> tuple[np.ndarray, ...]:
            batches = owner()
            if batches is None:
                raise RuntimeError("The ArrayBatches behind this dataset was released; "
                                   "keep it referenced while the dataset is iterated.")
            return batches.take(batch_rows)

        def gather(batch_rows: tf.Tensor) -> tuple[tf.Tensor, ...]:
            out = tf.numpy_function(take, [batch_rows], dtypes, stateful=False)
            for tensor, shape in zip(out, shapes, strict=True):
                tensor.set_shape(shape)
            return tuple(out)

        return (rows.batch(self.batch_size)
                .map(gather, num_parallel_calls=2, deterministic=True)
                .prefetch(2))


class TrainingPlan(NamedTuple):
    """Batch size, epochs and steps per epoch of one ``fit`` (``"auto"`` resolved)."""

    batch_size: int
    epochs: int
    steps_per_epoch: int


def plan_training(n_train: int, batch_size: int | str, epochs: int | str) -> TrainingPlan:
    """Resolve ``batch_size="auto"`` and ``epochs="auto"`` for ``n_train`` sequences.

    ``batch_size="auto"`` is ``clip(n_train // 10, 4, 32)``: small training
    sets get several gradient steps per epoch (a batch of 32 on 29
    sequences is one step per epoch), large ones the usual 32.
    ``epochs="auto"`` trains for about ``AUTO_TRAIN_STEPS`` (1,500) gradient
    steps, and at least ``AUTO_MIN_EPOCHS`` (10) epochs: a budget in steps,
    not epochs, so that 20 sequences are not trained for 200 updates only.

    Parameters
    ----------
    n_train : int
        Sequences that are trained on (after the validation split).
    batch_size : int or "auto"
    epochs : int or "auto"

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
    return TrainingPlan(int(batch_size), int(epochs), steps_per_epoch)


class CosineDecay(keras.callbacks.Callback):
    """Cosine learning-rate decay over the epochs of one ``fit``.

    Epoch ``e`` of ``epochs`` trains with ``lr0 * (alpha + (1 - alpha) *
    (1 + cos(pi * e / epochs)) / 2)``, where ``lr0`` is the optimizer's
    learning rate when training starts: from ``lr0`` down to ``alpha *
    lr0``. Unlike a plateau schedule it needs no signal to monitor, so it
    also works without a validation split on a handful of sequences.
    An optimizer whose learning rate is itself a schedule keeps it (this
    callback then does nothing).

    Parameters
    ----------
    epochs : int
        Epochs of the fit.
    alpha : float, default=0.01
        Final learning rate as a fraction of the initial one.
    """

    def __init__(self, epochs: int, alpha: float = 0.01) -> None:
        super().__init__()
        self.epochs = int(epochs)
        self.alpha = float(alpha)
        self._lr0: float | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        schedule = keras.optimizers.schedules.LearningRateSchedule
        self._lr0 = (
            None if isinstance(getattr(optimizer, "_learning_rate", None), schedule)
            else float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        )

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._lr0 is None:
            return
        progress = min(1.0, epoch / max(1, self.epochs))
        factor = self.alpha + (1.0 - self.alpha) * 0.5 * (1.0 + math.cos(math.pi * progress))
        self.model.optimizer.learning_rate = self._lr0 * factor

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None and self._lr0 is not None:  # recorded in history_
            logs["learning_rate"] = float(
                keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
            )


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


def training_callbacks(
    *,
    has_validation: bool,
    early_stopping: bool | str,
    patience: int,
    lr_schedule: str | None,
    epochs: int,
) -> list[keras.callbacks.Callback]:
    """Callbacks for skimbal's default training loop.

    Parameters
    ----------
    has_validation : bool
        Whether there is a validation split: monitor ``val_loss`` (else the
        training ``loss``).
    early_stopping : bool or "auto"
        ``EarlyStopping(patience=patience, restore_best_weights=True)`` on
        the monitored loss. ``"auto"``: only with a validation split (a
        training loss says nothing about when to stop, and restoring its
        best epoch can return a network whose batch-norm statistics are
        barely trained); ``True``: always; ``False``: never.
    patience : int
        Epochs without improvement before stopping.
    lr_schedule : {"cosine", "plateau"} or None
        ``"cosine"``: :class:`CosineDecay` over ``epochs``. ``"plateau"``:
        ``ReduceLROnPlateau`` halving the learning rate after ``max(1,
        patience // 3)`` epochs without improvement (at least ``1e-5``), so
        that it acts a few times before early stopping does.
    epochs : int
        Epochs of the fit (for the cosine schedule).

    Returns
    -------
    list of keras.callbacks.Callback
    """
    monitor = "val_loss" if has_validation else "loss"
    callbacks: list[keras.callbacks.Callback] = []
    if lr_schedule == "cosine":
        callbacks.append(CosineDecay(epochs))
    elif lr_schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, patience // 3), min_lr=1e-5
            )
        )
    if early_stopping is True or (early_stopping == "auto" and has_validation):
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=patience, restore_best_weights=True
            )
        )
    return callbacks


def predict_in_chunks(model: keras.Model, X: np.ndarray, chunk: int) -> np.ndarray:
    """Network outputs for ``X``, ``chunk`` rows per forward pass.

    ``Model.predict`` builds a dataset and an epoch loop on every call (tens of
    ms even for one sample). ``predict_on_batch`` runs the same compiled predict
    step once; chunks bound the memory of large inputs.
    """
    if len(X) <= chunk:
        return np.asarray(model.predict_on_batch(X))
    return np.concatenate(
        [np.asarray(model.predict_on_batch(X[i : i + chunk])) for i in range(0, len(X), chunk)]
    )
