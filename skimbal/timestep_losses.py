"""Keras loss for per-timestep multilabel targets with per-label class weights.

Kept separate from the sequence-level losses; registered as
Keras-serializable (no ``Lambda``, no closure) so saved models reload with
``safe_mode=True``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

__all__ = ["TimestepWeightedBinaryCrossentropy"]


@keras.saving.register_keras_serializable(package="skimbal")
class TimestepWeightedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy per label with a positive and a negative weight per label.

    For targets ``y`` of shape ``(batch, T, n_labels)`` and sigmoid outputs
    ``p``, the loss of a timestep is
    ``mean_j w_j(y) * BCE(y_j, p_j)`` with ``w_j = pos_weight[j]`` where
    ``y_j = 1`` and ``neg_weight[j]`` where ``y_j = 0``; it has shape
    ``(batch, T)``, so Keras' temporal ``sample_weight`` (time weights, zero
    on padded steps) multiplies it.

    Parameters
    ----------
    pos_weight, neg_weight : sequence of float, length n_labels
    """

    def __init__(
        self,
        pos_weight: Sequence[float],
        neg_weight: Sequence[float],
        name: str = "timestep_weighted_bce",
        **kwargs,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pos_weight = [float(w) for w in pos_weight]
        self.neg_weight = [float(w) for w in neg_weight]

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        eps = keras.config.epsilon()
        p = ops.clip(y_pred, eps, 1.0 - eps)
        bce = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
        pos = ops.convert_to_tensor(self.pos_weight, dtype=y_pred.dtype)
        neg = ops.convert_to_tensor(self.neg_weight, dtype=y_pred.dtype)
        w = y_true * pos + (1.0 - y_true) * neg
        return ops.mean(w * bce, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pos_weight=self.pos_weight, neg_weight=self.neg_weight)
        return config
