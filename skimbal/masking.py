"""Keras layer that turns skimbal's end-padding sentinel into a standard Keras mask.

Variable-length batches are padded at the end with ``NaN`` (see
:mod:`skimbal._sequences`); real data never holds ``NaN`` (it is rejected on
input), so a timestep is padding exactly when all its features are ``NaN``.
:class:`PaddingMask` outputs the sequences with the padding replaced by 0 and
attaches the boolean mask ``(batch, T)`` through Keras' standard mask
propagation, so recurrent layers, ``Dense`` heads and any mask-aware layer
(pooling, attention) downstream receive it. Unlike ``Masking(mask_value=0.0)``
it never masks a genuine all-zero timestep, and the mask is always
right-padded, which the fused cuDNN LSTM/GRU kernels require.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["PaddingMask"]


@keras.saving.register_keras_serializable(package="skimbal")
class PaddingMask(keras.layers.Layer):
    """Mask timesteps whose features are all ``NaN`` (skimbal's padding) and zero them.

    Place it directly after the ``Input`` of a custom model that should accept
    variable-length (list) input.

    Examples
    --------
    >>> import keras
    >>> from skimbal.masking import PaddingMask
    >>> inp = keras.Input(shape=(None, 3))
    >>> h = keras.layers.LSTM(8)(PaddingMask()(inp))
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return ops.logical_not(ops.all(ops.isnan(inputs), axis=-1))

    def call(self, inputs):
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape
