"""Keras losses that apply skimbal's weights, serializable without ``Lambda``.

Every loss here is registered with
``keras.saving.register_keras_serializable(package="skimbal")`` and keeps its
weights in ``get_config``, so a model compiled with it saves to ``.keras`` and
reloads with ``keras.saving.load_model(path, safe_mode=True)`` once
``skimbal.losses`` has been imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

__all__ = [
    "LogitAdjustedCrossentropy",
    "SparseCategoricalFocalCrossentropy",
    "WeightedBinaryCrossentropy",
]

# Probabilities are clipped to [_EPS, 1 - _EPS] before their logarithm is taken
# (the clipping Keras' own cross-entropies apply to probabilities).
_EPS = 1e-7


def _focal_factor(p_t: Any, gamma: float) -> Any:
    """Focal modulation ``(1 - p_t) ** gamma`` (Lin et al., ICCV 2017)."""
    return ops.power(1.0 - p_t, gamma)


def _check_gamma(gamma: Any) -> float:
    gamma = float(gamma)
    if not gamma >= 0 or gamma == float("inf"):
        raise ValueError(f"gamma must be a finite number >= 0; got {gamma!r}.")
    return gamma


@keras.saving.register_keras_serializable(package="skimbal")
class WeightedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy with a positive and a negative weight per label.

    For targets ``y`` of shape ``(batch, n_labels)`` and predicted
    probabilities ``p``, the loss of sample ``i`` is

    .. math::

        \\ell_i = \\frac{1}{L} \\sum_j w_{ij} \\,
        \\mathrm{BCE}(y_{ij}, p_{ij}), \\qquad
        w_{ij} = y_{ij} \\, \\mathrm{pos}_j + (1 - y_{ij}) \\, \\mathrm{neg}_j .

    With all weights 1 it equals ``keras.losses.BinaryCrossentropy``. A
    ``sample_weight`` passed to ``Model.fit`` multiplies ``l_i`` as usual,
    and ``reduction`` then averages over the batch.

    With ``gamma > 0`` each element's cross-entropy is replaced by the focal
    cross-entropy of Lin et al. (ICCV 2017), ``(1 - p_t) ** gamma * BCE``
    with ``p_t = p`` for a positive and ``1 - p`` for a negative entry (what
    ``keras.losses.BinaryFocalCrossentropy(gamma=gamma)`` computes), still
    times ``w_ij``. ``gamma = 0`` is the plain weighted cross-entropy.

    Per-timestep (sequence-labelling) targets of shape ``(batch, T, n_labels)``
    use the same formula at every timestep: the loss then has shape
    ``(batch, T)``, so Keras' temporal ``sample_weight`` (time weights, zero on
    padded steps) multiplies it.

    **Logit adjustment** (Menon et al., ICLR 2021): with ``logit_offsets``
    ``b_j``, ``p_ij`` is replaced by ``sigmoid(logit(p_ij) + b_j)`` before the
    cross-entropy (``b_j = tau * log(pi_j / (1 - pi_j))`` for training label
    frequencies ``pi_j``). A binary target learned by one sigmoid unit is the
    one-label case.

    Parameters
    ----------
    positive_weights : sequence of float
        Weight of a positive entry (``y == 1``) for each label.
    negative_weights : sequence of float
        Weight of a negative entry (``y == 0``) for each label; same length.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits instead of probabilities.
    logit_offsets : sequence of float or None, default=None
        One offset per label added to the logits (logit adjustment); ``None``:
        none.
    reduction : str, default="sum_over_batch_size"
        Keras reduction over the batch.
    name : str, default="weighted_binary_crossentropy"
    dtype : optional
        Keras loss dtype policy.
    gamma : float >= 0, default=0.0
        Focusing parameter of the focal cross-entropy (0: none). Configs
        saved before it existed load with 0.

    Attributes
    ----------
    weights_on : keras.Variable or None
        Set by :meth:`defer_weights` for deferred re-weighting: while it holds
        0 every label weight is 1; at 1 the weights above apply. ``None``
        (default, and after loading): the weights always apply. Not part of
        the config, which holds the weights themselves.

    Examples
    --------
    >>> import numpy as np
    >>> loss = WeightedBinaryCrossentropy([4.0, 1.0], [0.5, 1.0])
    >>> round(float(loss(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]))), 4)
    1.7329
    """

    def __init__(
        self,
        positive_weights: Sequence[float],
        negative_weights: Sequence[float],
        from_logits: bool = False,
        logit_offsets: Sequence[float] | None = None,
        reduction: str = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
        dtype: Any = None,
        gamma: float = 0.0,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.positive_weights = [float(w) for w in positive_weights]
        self.negative_weights = [float(w) for w in negative_weights]
        if len(self.positive_weights) != len(self.negative_weights):
            raise ValueError(
                "positive_weights and negative_weights must have the same length; "
                f"got {len(self.positive_weights)} and {len(self.negative_weights)}."
            )
        if not self.positive_weights:
            raise ValueError("positive_weights must not be empty.")
        if any(not (w >= 0) for w in self.positive_weights + self.negative_weights):
            raise ValueError("label weights must be non-negative numbers.")
        self.from_logits = bool(from_logits)
        self.logit_offsets = None if logit_offsets is None else _check_offsets(
            logit_offsets, len(self.positive_weights), "one per label")
        self.gamma = _check_gamma(gamma)
        self.weights_on: Any = None

    def defer_weights(self) -> Any:
        """Switch the label weights off until :attr:`weights_on` is set to 1.

        Creates (once) and returns the non-trainable scalar variable
        :attr:`weights_on`, initially 0: the loss then uses
        ``1 + weights_on * (w - 1)`` for every weight ``w``, i.e. all weights 1
        until the variable is assigned 1 (deferred re-weighting, see
        :class:`skimbal._training.DeferredClassWeights`). The compiled training
        step reads the variable, so assigning it between epochs takes effect
        without retracing.
        """
        if self.weights_on is None:
            self.weights_on = keras.Variable(0.0, dtype="float32", trainable=False,
                                             name="class_weights_on")
        return self.weights_on

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        pos = ops.convert_to_tensor(self.positive_weights, dtype=y_pred.dtype)
        neg = ops.convert_to_tensor(self.negative_weights, dtype=y_pred.dtype)
        if self.weights_on is not None:
            on = ops.cast(ops.convert_to_tensor(self.weights_on), y_pred.dtype)
            pos = 1.0 + on * (pos - 1.0)
            neg = 1.0 + on * (neg - 1.0)
        from_logits = self.from_logits
        if self.logit_offsets is not None:
            if not from_logits:
                p = ops.clip(y_pred, _EPS, 1.0 - _EPS)
                y_pred = ops.log(p) - ops.log(1.0 - p)
                from_logits = True
            y_pred = y_pred + ops.convert_to_tensor(self.logit_offsets, dtype=y_pred.dtype)
        bce = ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
        if self.gamma:
            p = ops.sigmoid(y_pred) if from_logits else y_pred
            p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
            bce = _focal_factor(p_t, self.gamma) * bce
        weights = y_true * pos + (1.0 - y_true) * neg
        return ops.mean(weights * bce, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            positive_weights=list(self.positive_weights),
            negative_weights=list(self.negative_weights),
            from_logits=self.from_logits,
            logit_offsets=None if self.logit_offsets is None else list(self.logit_offsets),
            gamma=self.gamma,
        )
        return config


def _check_offsets(offsets: Sequence[float], n: int | None, what: str) -> list[float]:
    values = [float(b) for b in offsets]
    if (n is not None and len(values) != n) or not values:
        raise ValueError(f"logit_offsets must hold {what}; got {len(values)} values.")
    if not all(abs(b) < float("inf") for b in values):
        raise ValueError("logit_offsets must be finite numbers.")
    return values


@keras.saving.register_keras_serializable(package="skimbal")
class LogitAdjustedCrossentropy(keras.losses.Loss):
    """Logit-adjusted (sparse) categorical cross-entropy (Menon et al., ICLR 2021).

    For integer targets ``y`` and predicted class probabilities ``p`` (a
    softmax output), the loss is the cross-entropy of
    ``softmax(log p + b)``: with ``b_c = tau * log(pi_c)`` (``pi``: training
    class frequencies) it is the logit-adjusted loss
    ``CE(softmax(z + tau * log pi))`` of a network whose logits ``z`` give
    ``p = softmax(z)`` (``log p`` and ``z`` differ by a per-row constant,
    which the softmax ignores). Rare classes get a larger margin; the network's
    own output ``p`` then favours them, as a balanced classifier does.

    Targets of shape ``(batch,)`` or per timestep ``(batch, T)`` (with
    ``y_pred`` of shape ``(batch, T, n_classes)``; the loss then has shape
    ``(batch, T)`` and Keras' temporal ``sample_weight`` multiplies it).

    Parameters
    ----------
    logit_offsets : sequence of float
        The offset ``b_c`` of each class (``tau * log(pi_c)``), stored in the
        config so that a saved model reloads with ``safe_mode=True``.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits instead of probabilities.
    reduction : str, default="sum_over_batch_size"
    name : str, default="logit_adjusted_crossentropy"
    dtype : optional
        Keras loss dtype policy.
    gamma : float >= 0, default=0.0
        Focusing parameter: with ``gamma > 0`` the adjusted cross-entropy
        ``CE`` becomes ``(1 - exp(-CE)) ** gamma * CE``, the focal form of
        :class:`SparseCategoricalFocalCrossentropy` on the adjusted logits.

    Examples
    --------
    >>> import numpy as np
    >>> loss = LogitAdjustedCrossentropy(np.log([0.5, 0.5]).tolist())
    >>> round(float(loss(np.array([1]), np.array([[0.8, 0.2]]))), 4)  # -log(0.2)
    1.6094
    """

    def __init__(
        self,
        logit_offsets: Sequence[float],
        from_logits: bool = False,
        reduction: str = "sum_over_batch_size",
        name: str = "logit_adjusted_crossentropy",
        dtype: Any = None,
        gamma: float = 0.0,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.logit_offsets = _check_offsets(logit_offsets, None, "one per class")
        self.from_logits = bool(from_logits)
        self.gamma = _check_gamma(gamma)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        logits = y_pred if self.from_logits else ops.log(ops.clip(y_pred, _EPS, 1.0))
        logits = logits + ops.convert_to_tensor(self.logit_offsets, dtype=y_pred.dtype)
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(logits.shape):  # a trailing unit axis
            y_true = ops.squeeze(y_true, axis=-1)
        ce = ops.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
        if not self.gamma:
            return ce
        return _focal_factor(ops.exp(-ce), self.gamma) * ce

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(logit_offsets=list(self.logit_offsets), from_logits=self.from_logits,
                      gamma=self.gamma)
        return config


@keras.saving.register_keras_serializable(package="skimbal")
class SparseCategoricalFocalCrossentropy(keras.losses.Loss):
    """Focal cross-entropy on integer class codes (softmax outputs).

    For a target class ``y`` and predicted class probabilities ``p`` the loss
    is ``-(1 - p_y) ** gamma * log(p_y)`` (Lin et al., ICCV 2017): the
    cross-entropy of well-classified targets (``p_y`` close to 1) is scaled
    down, so training concentrates on the hard ones. ``gamma = 0`` is
    ``keras.losses.SparseCategoricalCrossentropy``. ``p_y`` is taken as
    ``exp(-CE)`` of Keras' sparse categorical cross-entropy ``CE``, so
    probabilities are clipped exactly as there.

    Keras' ``CategoricalFocalCrossentropy`` wants one-hot targets; skimbal
    feeds every single-label kind (binary with two softmax units,
    multiclass, one-hot, and their per-timestep variants) as integer codes,
    which this loss takes. Targets of shape ``(batch,)`` or ``(batch, T)``
    with outputs ``(batch, n_classes)`` / ``(batch, T, n_classes)``; the
    loss has the targets' shape, so Keras' (temporal) ``sample_weight``
    multiplies it.

    Parameters
    ----------
    gamma : float >= 0, default=2.0
        Focusing parameter.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits instead of probabilities.
    reduction : str, default="sum_over_batch_size"
        Keras reduction over the batch.
    name : str, default="sparse_categorical_focal_crossentropy"
    dtype : optional
        Keras loss dtype policy.

    Examples
    --------
    >>> import numpy as np
    >>> loss = SparseCategoricalFocalCrossentropy(gamma=2.0)
    >>> round(float(loss(np.array([0]), np.array([[0.5, 0.25, 0.25]]))), 4)
    0.1733
    """

    def __init__(
        self,
        gamma: float = 2.0,
        from_logits: bool = False,
        reduction: str = "sum_over_batch_size",
        name: str = "sparse_categorical_focal_crossentropy",
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.gamma = _check_gamma(gamma)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        ce = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)
        if not self.gamma:
            return ce
        return _focal_factor(ops.exp(-ce), self.gamma) * ce

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(gamma=self.gamma, from_logits=self.from_logits)
        return config


@keras.saving.register_keras_serializable(
    package="skimbal", name="TimestepWeightedBinaryCrossentropy"
)
class _LegacyTimestepWeightedBinaryCrossentropy(WeightedBinaryCrossentropy):
    """Loads models saved before skimbal had one weighted cross-entropy (private).

    Per-timestep multi-label models were compiled with
    ``skimbal.timestep_losses.TimestepWeightedBinaryCrossentropy(pos_weight,
    neg_weight)``, the same formula as :class:`WeightedBinaryCrossentropy`;
    Keras finds this class by that registered name when such a file is loaded.
    """

    def __init__(
        self,
        pos_weight: Sequence[float] | None = None,
        neg_weight: Sequence[float] | None = None,
        name: str = "timestep_weighted_bce",
        **kwargs: Any,
    ) -> None:
        positive = kwargs.pop("positive_weights", pos_weight)
        negative = kwargs.pop("negative_weights", neg_weight)
        super().__init__(positive, negative, name=name, **kwargs)
