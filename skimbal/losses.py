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

__all__ = ["WeightedBinaryCrossentropy"]


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

    Per-timestep (sequence-labelling) targets of shape ``(batch, T, n_labels)``
    use the same formula at every timestep: the loss then has shape
    ``(batch, T)``, so Keras' temporal ``sample_weight`` (time weights, zero on
    padded steps) multiplies it.

    Parameters
    ----------
    positive_weights : sequence of float
        Weight of a positive entry (``y == 1``) for each label.
    negative_weights : sequence of float
        Weight of a negative entry (``y == 0``) for each label; same length.
    from_logits : bool, default=False
        Whether ``y_pred`` holds logits instead of probabilities.
    reduction : str, default="sum_over_batch_size"
        Keras reduction over the batch.
    name : str, default="weighted_binary_crossentropy"
    dtype : optional
        Keras loss dtype policy.

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
        reduction: str = "sum_over_batch_size",
        name: str = "weighted_binary_crossentropy",
        dtype: Any = None,
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

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        pos = ops.convert_to_tensor(self.positive_weights, dtype=y_pred.dtype)
        neg = ops.convert_to_tensor(self.negative_weights, dtype=y_pred.dtype)
        bce = ops.binary_crossentropy(y_true, y_pred, from_logits=self.from_logits)
        weights = y_true * pos + (1.0 - y_true) * neg
        return ops.mean(weights * bce, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            positive_weights=list(self.positive_weights),
            negative_weights=list(self.negative_weights),
            from_logits=self.from_logits,
        )
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
