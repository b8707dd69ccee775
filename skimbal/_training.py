"""Training-loop defaults: validation split with fallback, early stopping, LR schedule,
and the mini-batch input that feeds Keras without copying the training arrays."""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ._batch_plan import (  # re-exported: the training loop's plan
    AUTO_LENGTH_BUCKETS,
    TrainingPlan,
    balanced_draw,
    bucket_order,
    check_length_buckets,
    deferred_start_epoch,
    passes_per_round,
    plan_training,
    resolve_length_buckets,
    resolve_validation_fraction,
    row_keys,
    validation_split_or_none,
)

__all__ = [
    "AUTO_LENGTH_BUCKETS",
    "ArrayBatches",
    "CosineDecay",
    "PassHistory",
    "balanced_draw",
    "build_optimizer",
    "DeferredClassWeights",
    "bucket_order",
    "check_length_buckets",
    "deferred_start_epoch",
    "TrainingPlan",
    "passes_per_round",
    "plan_training",
    "predict_in_chunks",
    "predict_in_groups",
    "resolve_length_buckets",
    "resolve_validation_fraction",
    "row_keys",
    "training_callbacks",
    "validation_split_or_none",
]


class _KerasStepRetracingFilter(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" note for Keras' own step functions.

    TensorFlow counts traces per *code object*, so every newly fitted network
    (one per fit: cross-validation, grid search) traces Keras' train / predict
    step function again, and after five the note fires although nothing is
    wrong. Only notes that name Keras' trainer step functions are dropped;
    retracing of the user's own ``tf.function`` is still reported.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message
                    and "<function TensorFlowTrainer." in message)


_RETRACING_FILTER = _KerasStepRetracingFilter()
if not any(isinstance(f, _KerasStepRetracingFilter)
           for f in logging.getLogger("tensorflow").filters):
    logging.getLogger("tensorflow").addFilter(_RETRACING_FILTER)


def build_optimizer(model: keras.Model) -> None:
    """Create the optimizer's variables (e.g. Adam's moments) before training.

    Keras creates them lazily, at the first ``apply_gradients``, which runs
    while TensorFlow traces the train step; a ``tf.function`` that creates
    variables during its first trace is traced a second time, so every fit
    paid two traces of the whole forward and backward pass (about 0.6 s of a
    default fit on 2 cores, measured in ``docs/performance.md``). Building the
    optimizer first leaves one trace. The variables are the same (zeros, no
    random draw), so training is unchanged bitwise. Does nothing for a model
    without an optimizer or whose optimizer is already built.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        optimizer.build(model.trainable_variables)


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
    ``benchmarks/results/RESULTS.md``). Here the map function reaches the arrays
    through a weak reference.

    Sample order: with ``shuffle`` every pass over the data draws a new
    permutation of the rows from a NumPy generator seeded by ``seed``: the
    same seed gives the same sequence of orders (bitwise the same fit), and
    no pass repeats the previous one's batches. With ``reshuffle=False`` the
    first order is kept for every pass (what seeded fits did before; it
    lets batch normalisation fit the fixed batches rather than the classes,
    see ``docs/defaults.md``). Python's global ``random`` module is never
    touched. One iteration over :meth:`dataset` (one Keras epoch) spans
    ``passes`` passes, each batched on its own (its partial batch last).

    Length buckets (variable-length input): with ``lengths``, each batch is
    cut to its own longest sequence (``a[rows, :max(lengths[rows])]`` for
    the arrays that have a time axis) instead of the longest in the whole
    data, and the batches are drawn from ``n_buckets`` buckets of similar
    length (:func:`bucket_order`). Each row still appears exactly once per
    epoch; the order follows the same seeded / reshuffled rules (with
    ``reshuffle`` every pass draws new buckets' permutations and a new
    batch order from the same generator). Without
    ``shuffle`` the rows come sorted by length.

    Class-balanced batches (``balance``): every epoch draws
    ``len(indices)`` rows with :func:`balanced_draw` (each class equally
    likely, uniform within a class, with replacement) from the same NumPy
    generator seeded by ``seed``, a new draw every epoch (also when
    ``reshuffle`` is off: a fixed draw would leave the same common-class rows
    out of every epoch); with ``lengths`` the draw is then cut into length
    buckets. Rows are gathered by index from the same arrays, never copied.

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
        Draw a new order for every pass (else keep the first one).
    seed : int or None
        Seed of the shuffling.
    lengths : ndarray of int or None, default=None
        Valid length of every row (all rows, not only ``indices``): batch
        by length buckets, each padded to its own longest row. ``None``: no
        bucketing (every batch has the arrays' full time axis).
    n_buckets : int, default=1
        Length buckets (with ``lengths``).
    time_axis : sequence of bool or None, default=None
        Which arrays have the (padded) time axis as axis 1 and are cut to
        the batch's longest row; ``None``: the first array only.
    balance : ndarray of int or None, default=None
        Class code of every row (all rows, not only ``indices``): draw
        class-balanced epochs. ``None``: every row once per epoch.
    passes : int, default=1
        Passes over the rows per iteration of :meth:`dataset`.
    """

    def __init__(self, arrays: Sequence[np.ndarray], indices: np.ndarray | None,
                 batch_size: int, *, shuffle: bool, reshuffle: bool = True,
                 seed: int | None = None, lengths: np.ndarray | None = None,
                 n_buckets: int = 1, time_axis: Sequence[bool] | None = None,
                 balance: np.ndarray | None = None, passes: int = 1) -> None:
        self.arrays = tuple(arrays)
        self.passes = int(passes)
        n = len(self.arrays[0])
        self.indices = np.arange(n) if indices is None else np.asarray(indices, dtype=np.intp)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.reshuffle = reshuffle
        self.seed = seed
        self.lengths = None if lengths is None else np.asarray(lengths, dtype=np.int64)
        self.n_buckets = int(n_buckets)
        self.time_axis = (
            (True,) + (False,) * (len(self.arrays) - 1) if time_axis is None
            else tuple(bool(t) for t in time_axis)
        )
        if len(self.time_axis) != len(self.arrays):
            raise ValueError("time_axis needs one entry per array.")
        self.balance = None if balance is None else np.asarray(balance)
        self._rng = np.random.default_rng(seed)
        self.order = self._epoch_order()

    def replace_array(self, index: int, array: np.ndarray) -> None:
        """Gather the ``index``-th array of every later batch from ``array``.

        ``array`` must have the shape and dtype of the array it replaces. A
        dataset from :meth:`dataset` reads the arrays when it gathers a batch,
        so the change reaches the next iterator created over it (Keras creates
        one per epoch, after ``on_epoch_begin``).
        """
        old = self.arrays[index]
        if array.shape != old.shape or array.dtype != old.dtype:
            raise ValueError(
                f"the replacement of array {index} has shape {array.shape} and dtype "
                f"{array.dtype}; expected {old.shape} and {old.dtype}."
            )
        arrays = list(self.arrays)
        arrays[index] = array
        self.arrays = tuple(arrays)

    def _epoch_order(self) -> np.ndarray:
        """One epoch's rows: class-balanced draw (``balance``), then length buckets.

        Draws from the generator when balancing or shuffling.
        """
        rows = self.indices
        if self.balance is not None:
            rows = balanced_draw(rows, self.balance, self._rng)
        if self.lengths is None:
            return self._rng.permutation(rows) if self.shuffle else rows
        return bucket_order(rows, self.lengths, self.batch_size, self.n_buckets,
                            self._rng if self.shuffle else None)

    def __len__(self) -> int:
        """Batches of one pass."""
        return math.ceil(len(self.indices) / self.batch_size)

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rows ``rows`` of every array (one batch), cut to their longest row
        when batching by length."""
        if self.lengths is None:
            return tuple(a[rows] for a in self.arrays)
        steps = int(self.lengths[rows].max())
        return tuple(a[rows, :steps] if timed else a[rows]
                     for a, timed in zip(self.arrays, self.time_axis, strict=True))

    def dataset(self) -> tf.data.Dataset:
        """A ``tf.data.Dataset`` of batches ``(a[rows] for a in arrays)``.

        One iteration (one Keras epoch) is ``passes`` passes over the rows,
        ``passes * len(self)`` batches; every pass draws a new order when
        ``shuffle`` and ``reshuffle`` are set (or with ``balance``).
        The dataset refers to this object weakly, so that a finished fit
        does not keep the arrays alive: keep the ``ArrayBatches`` referenced
        while the dataset is used.
        """
        # TensorFlow keeps every py-function of a tf.data pipeline alive for
        # the life of the process (it is appended to the eager default
        # graph; tensorflow/tensorflow#123269), so the function must not hold
        # the arrays: it reaches them through a weak reference to ``self``.
        owner = weakref.ref(self)

        bucketed = self.lengths is not None
        n_rows = len(self.order)
        if (self.shuffle and self.reshuffle) or self.balance is not None:

            def pass_order() -> np.ndarray:
                batches = owner()
                if batches is None:
                    raise RuntimeError("The ArrayBatches behind this dataset was released.")
                return batches._epoch_order().astype(np.int64)

            def one_pass(_: tf.Tensor) -> tf.data.Dataset:
                order = tf.numpy_function(pass_order, [], tf.int64, stateful=True)
                order.set_shape((n_rows,))
                return tf.data.Dataset.from_tensor_slices(order).batch(self.batch_size)

            # a new order per pass, drawn in NumPy in pass order (deterministic)
            rows = tf.data.Dataset.range(self.passes).flat_map(one_pass)
        else:
            rows = tf.data.Dataset.from_tensor_slices(self.order.astype(np.int64)).batch(
                self.batch_size).repeat(self.passes)
        rows = rows.apply(tf.data.experimental.assert_cardinality(self.passes * len(self)))
        dtypes = [tf.as_dtype(a.dtype) for a in self.arrays]
        shapes = [(None, None, *a.shape[2:]) if bucketed and timed else (None, *a.shape[1:])
                  for a, timed in zip(self.arrays, self.time_axis, strict=True)]

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

        return (rows
                .map(gather, num_parallel_calls=2, deterministic=True)
                .prefetch(2))


class CosineDecay(keras.callbacks.Callback):
    """Cosine learning-rate decay over the gradient steps of one ``fit``.

    Step ``t`` of ``total_steps`` trains with ``lr0 * (alpha + (1 - alpha) *
    (1 + cos(pi * t / total_steps)) / 2)``, where ``lr0`` is the optimizer's
    learning rate when training starts: from ``lr0`` down to about ``alpha *
    lr0`` at the last step. The rate is set before a step, every
    ``ceil(total_steps / 150)`` steps (150 times per fit: an assignment
    between steps waits for the step before it to finish), so the schedule
    does not depend on how the steps are grouped into Keras epochs. Unlike
    a plateau schedule it needs no signal to monitor, so it also works
    without a validation split on a handful of sequences. An optimizer
    whose learning rate is itself a schedule keeps it (this callback then
    does nothing). When training ends the optimizer's rate is left at
    ``lr0`` (what a saved model's optimizer config records).

    Parameters
    ----------
    total_steps : int
        Gradient steps of the fit.
    alpha : float, default=0.01
        Final learning rate as a fraction of the initial one.
    """

    #: times the rate is set in one fit (every ``ceil(total_steps / UPDATES)`` steps)
    UPDATES = 150

    def __init__(self, total_steps: int, alpha: float = 0.01) -> None:
        super().__init__()
        self.total_steps = max(1, int(total_steps))
        self.alpha = float(alpha)
        self._lr0: float | None = None
        self._rates: np.ndarray | None = None
        self._step = 0
        # an eager assign between two steps waits for the step before: set the
        # rate UPDATES times per fit, which leaves the curve cosine to the eye
        self.every = max(1, math.ceil(self.total_steps / self.UPDATES))

    def on_train_begin(self, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        schedule = keras.optimizers.schedules.LearningRateSchedule
        self._lr0 = (
            None if isinstance(getattr(optimizer, "_learning_rate", None), schedule)
            else float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        )
        progress = np.arange(self.total_steps, dtype=np.float64) / self.total_steps
        self._rates = None if self._lr0 is None else (self._lr0 * (
            self.alpha + (1.0 - self.alpha) * 0.5 * (1.0 + np.cos(np.pi * progress))
        )).astype(np.float32)
        self._step = 0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self._rates is None:
            return
        if self._step % self.every == 0:
            self.model.optimizer.learning_rate.assign(
                self._rates[min(self._step, self.total_steps - 1)])
        self._step += 1

    def current(self) -> float | None:
        """The rate of the latest step (``None`` when the optimizer has a schedule)."""
        if self._rates is None:
            return None
        last = max(0, min(self._step, self.total_steps) - 1)
        return float(self._rates[last - last % self.every])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None and self._rates is not None:  # recorded in history_
            logs["learning_rate"] = self.current()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._lr0 is not None:
            self.model.optimizer.learning_rate.assign(self._lr0)


class PassHistory(keras.callbacks.Callback):
    """Training metrics per pass over the data when a Keras epoch spans several.

    At the first step of every pass but a round's first, the metrics of the
    pass before (Keras' running means since the last reset) are handed to
    Keras' ``History`` as if an epoch had ended, and the metrics are reset,
    so the next pass (and the round's own end-of-epoch logs) covers its own
    steps only. ``history_`` therefore keeps one entry per pass, whatever the
    grouping into rounds. With ``passes_per_round=1`` it does nothing.

    It works in ``on_train_batch_begin`` on purpose: a callback that defines
    ``on_train_batch_end`` makes Keras turn every step's logs into Python
    floats, which waits for each step to finish (measured: a default fit on
    12 sequences ran 2.6x the framework's time per step).

    Parameters
    ----------
    steps_per_pass : int
        Batches of one pass.
    passes_per_round : int
        Passes per Keras epoch.
    schedule : CosineDecay or None, default=None
        Whose latest learning rate is recorded as ``learning_rate`` (this
        callback must come before it in the callback list).
    """

    def __init__(self, steps_per_pass: int, passes_per_round: int,
                 schedule: CosineDecay | None = None) -> None:
        super().__init__()
        self.steps_per_pass = int(steps_per_pass)
        self.passes_per_round = int(passes_per_round)
        self.schedule = schedule
        self._round = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._round = epoch

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.passes_per_round == 1 or batch == 0 or batch % self.steps_per_pass:
            return
        done = batch // self.steps_per_pass  # passes of this round completed
        record = {k: float(keras.ops.convert_to_numpy(v))
                  for k, v in self.model.get_metrics_result().items()}
        if self.schedule is not None and self.schedule.current() is not None:
            record["learning_rate"] = self.schedule.current()
        self.model.history.on_epoch_end(self._round * self.passes_per_round + done - 1, record)
        self.model.reset_metrics()


class DeferredClassWeights(keras.callbacks.Callback):
    """Deferred re-weighting (DRW; Cao et al., NeurIPS 2019): class weights from an epoch on.

    Epochs before ``start_epoch`` train with every class weight 1, the later
    ones with the class weights; the other weights (the user's
    ``sample_weight``, time weights, zero on padding) apply throughout. The
    class weights reach Keras in one of two places, and the callback switches
    whichever is given:

    * single-label kinds: the Keras ``sample_weight`` gathered by
      :class:`ArrayBatches` (array ``index`` of each of ``batches``): the
      batches hold the unweighted array until ``start_epoch`` and ``weighted``
      from then on;
    * multi-label kinds: the per-element weights of a
      :class:`skimbal.losses.WeightedBinaryCrossentropy` ``loss``, through its
      :meth:`~skimbal.losses.WeightedBinaryCrossentropy.defer_weights`
      variable (0 before ``start_epoch``, 1 from then on).

    The validation batches / loss switch with the training ones, so
    ``val_loss`` always measures the objective being trained (pass
    ``start_from_epoch=start_epoch`` to early stopping, as
    :func:`training_callbacks` does, so that no epoch before the switch is
    restored). When training ends the weights are left switched on and the
    loss's variable is detached, so the fitted loss is the plain weighted
    loss its config describes.

    Parameters
    ----------
    start_epoch : int
        First weighted epoch (see :func:`deferred_start_epoch`).
    batches : sequence of ArrayBatches, default=()
        Training (and validation) batches whose array ``index`` is the Keras
        ``sample_weight``, holding the unweighted weights.
    weighted : ndarray or None, default=None
        The weighted ``sample_weight`` (same shape and dtype) for ``batches``.
    loss : WeightedBinaryCrossentropy or None, default=None
        A loss whose label weights are deferred.
    index : int, default=2
        Position of the ``sample_weight`` array in ``batches``.
    """

    def __init__(self, start_epoch: int, *, batches: Sequence[ArrayBatches] = (),
                 weighted: np.ndarray | None = None, loss: Any = None,
                 index: int = 2) -> None:
        super().__init__()
        self.start_epoch = int(start_epoch)
        self.batches = list(batches)
        self.index = int(index)
        self.weighted = weighted
        self.unweighted = [b.arrays[self.index] for b in self.batches]
        self.loss = loss
        self.switch = None if loss is None else loss.defer_weights()

    def _set(self, on: bool) -> None:
        for b, off in zip(self.batches, self.unweighted, strict=True):
            b.replace_array(self.index, self.weighted if on else off)
        if self.switch is not None:
            self.switch.assign(1.0 if on else 0.0)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._set(epoch >= self.start_epoch)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._set(True)
        if self.loss is not None:
            self.loss.weights_on = None


def training_callbacks(
    *,
    has_validation: bool,
    early_stopping: bool | str,
    patience: int,
    lr_schedule: str | None,
    total_steps: int,
    start_from_epoch: int = 0,
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
        ``"cosine"``: :class:`CosineDecay` over ``total_steps``. ``"plateau"``:
        ``ReduceLROnPlateau`` halving the learning rate after ``max(1,
        patience // 3)`` epochs without improvement (at least ``1e-5``), so
        that it acts a few times before early stopping does.
    total_steps : int
        Gradient steps of the fit (for the cosine schedule).
    start_from_epoch : int, default=0
        Early stopping neither stops nor records a best epoch before this
        epoch (deferred re-weighting: the epochs before the class weights
        switch on optimise another objective).

    Returns
    -------
    list of keras.callbacks.Callback
    """
    monitor = "val_loss" if has_validation else "loss"
    callbacks: list[keras.callbacks.Callback] = []
    if lr_schedule == "cosine":
        callbacks.append(CosineDecay(total_steps))
    elif lr_schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, patience // 3), min_lr=1e-5
            )
        )
    if early_stopping is True or (early_stopping == "auto" and has_validation):
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=patience, restore_best_weights=True,
                start_from_epoch=start_from_epoch,
            )
        )
    return callbacks


def predict_in_chunks(model: keras.Model, X: np.ndarray, chunk: int, *,
                      lengths: np.ndarray | None = None,
                      n_buckets: int | None = None) -> np.ndarray:
    """Network outputs for ``X``, ``chunk`` rows per forward pass.

    ``Model.predict`` builds a dataset and an epoch loop on every call (tens of
    ms even for one sample). ``predict_on_batch`` runs the same compiled predict
    step once; chunks bound the memory of large inputs.

    With ``lengths`` and ``n_buckets`` (padded variable-length input for a
    network that masks padding), the rows are sorted by length and cut into
    ``n_buckets`` buckets of nearly equal count; each bucket is run cut to
    its own longest row (``X[rows, :max_len]``), so there are about
    ``n_buckets`` input shapes, not one per distinct length, and little
    padding. Outputs come back in the rows' order; per-step outputs are
    zero beyond a bucket's length (padding, which callers drop).

    The rows go through the network in a canonical order (by length, then by
    :func:`row_keys`), never in the order given: a float32 kernel's result for
    a row can change in the last bit with its position in the batch, and this
    way the outputs for a row do not depend on the order of the rows around it
    (``predict(X)[idx]`` equals ``predict(X[idx])`` bit for bit).
    """
    if len(X) == 0:
        return np.asarray(model.predict_on_batch(X))
    keys = row_keys(X)
    if lengths is not None and n_buckets is not None:
        lengths = np.asarray(lengths)
        order = np.lexsort((keys, lengths))
        groups = np.array_split(order, max(1, min(int(n_buckets), len(X))))
    else:
        lengths = np.full(len(X), X.shape[1])
        groups = [np.arange(len(X))]
    return predict_in_groups(model, X, chunk, lengths, groups, keys=keys)


def predict_in_groups(model: keras.Model, X: np.ndarray, chunk: int, lengths: np.ndarray,
                      groups: Sequence[np.ndarray], *,
                      keys: np.ndarray | None = None) -> np.ndarray:
    """Network outputs for padded ``X``, one forward pass per group of rows (in chunks).

    Each group of row indices is run cut to its longest row
    (``X[rows, :max(lengths[rows])]``), so there is one input shape per group;
    within a group the rows are run in the order of their :func:`row_keys`
    (``keys``, computed when not given), so a row's output does not depend on
    the order of the rows given. Outputs come back in the rows' order;
    per-step outputs are zero beyond a group's length (padding, which callers
    drop).
    """
    if keys is None:
        keys = row_keys(X)
    out = None
    for rows in groups:
        if len(rows) == 0:
            continue
        rows = np.asarray(rows)[np.argsort(keys[rows], kind="stable")]
        steps = int(lengths[rows].max())
        for start in range(0, len(rows), chunk):
            part_rows = rows[start : start + chunk]
            part = np.asarray(model.predict_on_batch(X[part_rows, :steps]))
            if out is None:  # per-step outputs (n, T, ...) or one per row (n, ...)
                shape = (len(X), X.shape[1], *part.shape[2:]) if part.ndim == 3 else (
                    len(X), *part.shape[1:])
                out = np.zeros(shape, dtype=part.dtype)
            if part.ndim == 3:
                out[part_rows, :steps] = part
            else:
                out[part_rows] = part
    return out
