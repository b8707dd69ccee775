"""Mask-aware Keras layers used by skimbal's architectures.

:class:`PaddingMask` turns skimbal's end-padding sentinel into a standard Keras
mask. Variable-length batches are padded at the end with ``NaN`` (see
:mod:`skimbal._sequences`); real data never holds ``NaN`` (it is rejected on
input), so a timestep is padding exactly when all its features are ``NaN``.
:class:`PaddingMask` outputs the sequences with the padding replaced by 0 and
attaches the boolean mask ``(batch, T)`` through Keras' standard mask
propagation, so recurrent layers, ``Dense`` heads and any mask-aware layer
(pooling, attention) downstream receive it. Unlike ``Masking(mask_value=0.0)``
it never masks a genuine all-zero timestep, and the mask is always
right-padded, which the fused cuDNN LSTM/GRU kernels require.

Keras' ``Conv1D`` neither uses nor propagates the timestep mask of
variable-length (right-padded) input, so a convolution after a ``Masking``
layer would both mix padding into the valid steps and drop the mask for the
layers after it. :class:`MaskedConv1D` zeroes the masked steps before the
convolution (so that, with ``padding="same"``, padded steps look exactly like
the convolution's own zero padding of an unpadded sequence) and returns a mask
that matches its output: unchanged for ``padding="same"`` with stride 1, and
downsampled for a ``"valid"`` (strided) convolution. :class:`MaskedSeparableConv1D`
is the same for a depthwise-separable (optionally dilated) ``"same"`` convolution
(the LITE branch). :class:`MaskedMaxPooling1D`
shortens a sequence by a maximum over non-overlapping windows of its valid steps
(what ``frontend_strides="auto"`` puts in the convolutional branch of long series).
:class:`AttentionPooling1D` is a small additive-attention pooling over timesteps that ignores masked
steps.

All layers are registered as Keras-serializable under the ``"skimbal"``
package, so saved models reload with ``safe_mode=True`` (no ``Lambda``).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

__all__ = [
    "AttentionPooling1D",
    "MaskedConv1D",
    "MaskedMaxPooling1D",
    "MaskedSeparableConv1D",
    "PaddingMask",
]


@keras.saving.register_keras_serializable(package="skimbal")
class PaddingMask(keras.layers.Layer):
    """Mask timesteps whose features are all ``NaN`` (skimbal's padding) and zero them.

    Place it directly after the ``Input`` of a custom model that should accept
    variable-length (list) input.

    Examples
    --------
    >>> import keras
    >>> from skimbal.layers import PaddingMask
    >>> inp = keras.Input(shape=(None, 3))
    >>> h = keras.layers.LSTM(8)(PaddingMask()(inp))
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return ops.logical_not(ops.all(ops.isnan(inputs), axis=-1))

    def call(self, inputs: Any) -> Any:
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


def _zero_masked_steps(inputs: Any, mask: Any) -> Any:
    """``inputs`` with the masked steps set to 0 (unchanged without a mask): for a
    ``"same"`` convolution with stride 1 this is exactly the zero padding of the
    unpadded sequence."""
    if mask is None:
        return inputs
    return inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)


@keras.saving.register_keras_serializable(package="skimbal")
class MaskedConv1D(keras.layers.Conv1D):
    """``Conv1D`` that honours and propagates a timestep mask.

    Masked input steps are set to zero before the convolution. The output
    mask is:

    * ``padding="same"``, ``strides=1``: the input mask (length is kept);
    * ``padding="valid"``: an output step is valid when *every* input step in
      its receptive window is valid, so for right-padded input the valid
      prefix has ``(L - kernel_size) // strides + 1`` steps — exactly the
      length of the same convolution applied to the unpadded sequence of
      length ``L``.

    Other combinations (``"same"`` with strides > 1, ``"causal"``, dilation)
    are rejected, because their output mask is not well defined.

    Parameters
    ----------
    filters, kernel_size, strides, padding, **kwargs
        As in :class:`keras.layers.Conv1D`.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        strides: int = 1,
        padding: str = "same",
        **kwargs: Any,
    ) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        if self.data_format != "channels_last" or max(self.dilation_rate) != 1:
            raise ValueError("MaskedConv1D supports channels_last and dilation_rate=1 only.")
        if not (
            self.padding == "valid" or (self.padding == "same" and max(self.strides) == 1)
        ):
            raise ValueError(
                "MaskedConv1D supports padding='same' with strides=1, or "
                f"padding='valid'; got padding={self.padding!r}, strides={self.strides}."
            )
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return super().call(_zero_masked_steps(inputs, mask))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        if self.padding == "same":
            return mask
        # invalid steps are 1; an output step is invalid if any input in its window is
        invalid = ops.expand_dims(1.0 - ops.cast(mask, "float32"), -1)
        pooled = ops.max_pool(
            invalid, pool_size=self.kernel_size[0], strides=self.strides[0], padding="valid"
        )
        return ops.squeeze(pooled, -1) < 0.5


@keras.saving.register_keras_serializable(package="skimbal")
class MaskedSeparableConv1D(keras.layers.SeparableConv1D):
    """``SeparableConv1D`` (``"same"`` padding, stride 1) that honours a timestep mask.

    Masked input steps are set to zero before the depthwise convolution, so
    for right-padded input the valid steps see exactly the zero padding that
    a ``"same"`` convolution gives the unpadded sequence, dilated or not
    (``"same"`` padding with stride 1 pads by ``dilation_rate *
    (kernel_size - 1)`` steps whatever the length). The output keeps the
    length, so the mask passes through unchanged.

    Parameters
    ----------
    filters, kernel_size, strides, padding, dilation_rate, **kwargs
        As in :class:`keras.layers.SeparableConv1D`; ``padding`` must be
        ``"same"`` and ``strides`` 1.

    Raises
    ------
    ValueError
        For other padding or strides, or ``data_format="channels_first"``.

    Examples
    --------
    >>> import keras
    >>> from skimbal.layers import MaskedSeparableConv1D
    >>> inp = keras.Input(shape=(None, 3))
    >>> h = MaskedSeparableConv1D(8, 5, dilation_rate=2)(keras.layers.Masking()(inp))
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        strides: int = 1,
        padding: str = "same",
        dilation_rate: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, **kwargs)
        if self.data_format != "channels_last":
            raise ValueError("MaskedSeparableConv1D supports channels_last only.")
        if self.padding != "same" or max(self.strides) != 1:
            raise ValueError(
                "MaskedSeparableConv1D supports padding='same' with strides=1; got "
                f"padding={self.padding!r}, strides={self.strides}."
            )
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return super().call(_zero_masked_steps(inputs, mask))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask


def _pool_windows(x: Any, size: int, fill: float) -> Any:
    """Max over windows of ``size`` steps from the start, the last one possibly incomplete.

    ``size - 1`` steps of ``fill`` are appended, so a ``"valid"`` pooling keeps
    ``ceil(T / size)`` windows for every ``T`` without reading the length (Keras
    records a mask's ops in the functional graph, where the length is unknown).
    """
    x = ops.pad(x, [[0, 0], [0, size - 1], [0, 0]], constant_values=fill)
    return ops.max_pool(x, pool_size=size, strides=size, padding="valid")


@keras.saving.register_keras_serializable(package="skimbal")
class MaskedMaxPooling1D(keras.layers.Layer):
    """Maximum over non-overlapping windows of ``pool_size`` valid steps.

    The sequence is cut into windows of ``pool_size`` steps from its start;
    each output step is the maximum of its window's *valid* steps (masked
    steps never win, whatever their values), and a window with no valid step
    gives 0 and is masked. An incomplete last window is kept (the maximum of
    the steps it has), so a sequence of ``L`` valid steps gives
    ``ceil(L / pool_size)`` valid outputs, however much padding follows it:
    the output does not depend on the batch it is in. The output mask marks
    the windows holding at least one valid step.

    Parameters
    ----------
    pool_size : int
        Window length and stride.
    **kwargs
        As in :class:`keras.layers.Layer`.

    Raises
    ------
    ValueError
        If ``pool_size`` is not a positive int.
    """

    def __init__(self, pool_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be a positive int; got {pool_size!r}.")
        self.pool_size = pool_size
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        lowest = float(np.finfo(keras.backend.standardize_dtype(inputs.dtype)).min)
        if mask is not None:
            inputs = ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), inputs, lowest)
        pooled = _pool_windows(inputs, self.pool_size, lowest)
        # windows without a valid step: 0, not the fill value
        return ops.where(pooled == lowest, ops.zeros_like(pooled), pooled)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        valid = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.squeeze(_pool_windows(valid, self.pool_size, 0.0), -1) > 0.5

    def compute_output_shape(self, input_shape: Any) -> Any:
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else -(-steps // self.pool_size),
                *input_shape[2:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": self.pool_size}


@keras.saving.register_keras_serializable(package="skimbal")
class AttentionPooling1D(keras.layers.Layer):
    """Additive attention pooling over timesteps, ignoring masked steps.

    For inputs ``h`` of shape ``(batch, steps, features)`` it computes scores
    ``s_t = v . tanh(W h_t + b)``, softmax weights ``a_t`` over the valid
    steps (masked steps get weight 0) and returns ``sum_t a_t h_t`` of shape
    ``(batch, features)`` (Bahdanau et al., 2015; Raffel & Ellis, 2015).

    Parameters
    ----------
    units : int, default=32
        Size of the hidden scoring projection ``W``.
    **kwargs
        Base ``keras.layers.Layer`` arguments (``name``, ``dtype``, ...).
    """

    def __init__(self, units: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = int(units)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        n_features = input_shape[-1]
        self.w = self.add_weight(
            shape=(n_features, self.units), initializer="glorot_uniform", name="w"
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.v = self.add_weight(shape=(self.units,), initializer="glorot_uniform", name="v")

    def call(self, inputs: Any, mask: Any = None) -> Any:
        hidden = ops.tanh(ops.matmul(inputs, self.w) + self.b)
        scores = ops.sum(hidden * self.v, axis=-1)  # (batch, steps)
        if mask is not None:
            valid = ops.cast(mask, "bool")
            scores = ops.where(valid, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        if mask is not None:
            weights = weights * ops.cast(mask, weights.dtype)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}
