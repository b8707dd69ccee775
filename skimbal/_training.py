"""Training-loop defaults: validation split with fallback, early stopping, LR schedule,
and the mini-batch input that feeds Keras without copying the training arrays."""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from .model_selection import stratified_validation_split

__all__ = [
    "ArrayBatches",
    "predict_in_chunks",
    "training_callbacks",
    "validation_split_or_none",
]


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


def validation_split_or_none(
    codes: np.ndarray,
    validation_fraction: float,
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
    """
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
    early_stopping: bool,
    patience: int,
    lr_schedule: str | None,
) -> list[keras.callbacks.Callback]:
    """Callbacks for skimbal's default training loop.

    Parameters
    ----------
    has_validation : bool
        Monitor ``val_loss`` (else the training ``loss``).
    early_stopping : bool
        Add ``EarlyStopping(patience=patience, restore_best_weights=True)``.
    patience : int
        Epochs without improvement before stopping.
    lr_schedule : {"plateau"} or None
        ``"plateau"``: ``ReduceLROnPlateau`` halving the learning rate after
        ``max(1, patience // 3)`` epochs without improvement (at least
        ``1e-5``), so that it acts a few times before early stopping does.

    Returns
    -------
    list of keras.callbacks.Callback
    """
    monitor = "val_loss" if has_validation else "loss"
    callbacks: list[keras.callbacks.Callback] = []
    if lr_schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, patience // 3), min_lr=1e-5
            )
        )
    if early_stopping:
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
