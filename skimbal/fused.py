"""Keras layers that run TensorFlow's fused CPU kernels.

Both layers are drop-in subclasses of the Keras layer they replace: the same
weights, the same config, the same results (to float rounding), so a model
built with them trains and predicts like one built with the Keras layers, only
faster on CPU. When a fused kernel cannot reproduce the Keras computation
(dropout inside the cell, masks that are not right-padded, ``go_backwards``, a
GPU that has cuDNN, ...) the layer calls the Keras implementation unchanged.

* :class:`FusedLSTM` runs the whole sequence in TensorFlow's ``BlockLSTM``
  kernel (one op for all timesteps, forward and backward) instead of a
  ``while_loop`` over per-step ops. On a GPU it leaves the work to Keras,
  which uses the cuDNN kernel.
* :class:`FusedBatchNormalization` computes training-mode batch statistics
  and the normalisation in TensorFlow's ``FusedBatchNormV3`` kernel for
  unmasked 3-D input, instead of separate moment / normalisation ops.
* :class:`FusedAdam` updates each variable with TensorFlow's
  ``ResourceApplyAdam`` kernel (one op per variable) instead of Keras'
  dozen element-wise ops per variable, which also makes the train step
  cheaper to trace.

Measured figures are in ``benchmarks/results/RESULTS.md`` (``fit_throughput.py``).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import activations

__all__ = ["FusedAdam", "FusedBatchNormalization", "FusedLSTM"]


def _gpu_present() -> bool:
    return bool(tf.config.list_logical_devices("GPU"))


def _is_right_padded(mask: tf.Tensor, lengths: tf.Tensor) -> tf.Tensor:
    """Scalar bool tensor: row ``i`` of ``mask`` is ``lengths[i]`` ``True`` then ``False``."""
    return tf.reduce_all(tf.equal(tf.cast(mask, tf.bool),
                                  tf.sequence_mask(lengths, maxlen=tf.shape(mask)[1])))


@keras.saving.register_keras_serializable(package="skimbal")
class FusedLSTM(keras.layers.LSTM):
    """``keras.layers.LSTM`` whose CPU forward and backward pass is one fused op.

    The layer is a ``keras.layers.LSTM`` (same arguments, weights and
    config). On a CPU, with the default activations, a bias, no dropout
    inside the cell, ``unroll=False``, ``go_backwards=False``,
    ``stateful=False`` and a float32 compute dtype, it runs TensorFlow's
    ``BlockLSTM`` kernel over the whole sequence. Otherwise, and on a GPU
    (where Keras uses cuDNN), it runs Keras' own implementation.

    Masks are supported when they are right-padded (valid steps first, as
    skimbal pads variable-length sequences): the fused kernel then runs over
    the padded steps too, and the outputs and final states are taken at each
    sequence's last valid step, which is what Keras returns. A mask that is
    not right-padded is detected in the graph and sent to Keras' loop.
    """

    def _fusable(self, training: Any) -> bool:
        cell = self.cell
        return (
            keras.backend.backend() == "tensorflow"
            and not _gpu_present()
            and self.compute_dtype == "float32"
            and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and cell.use_bias
            and not cell.recurrent_dropout
            and not (training and cell.dropout)
            and not (self.unroll or self.go_backwards or self.stateful)
        )

    def inner_loop(self, sequences: Any, initial_state: Any, mask: Any,
                   training: Any = False) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if not self._fusable(training):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        if mask is None:
            return self._fused_loop(sequences, initial_state, None)
        lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)

        def keras_loop() -> Any:
            last, outputs, states = super(FusedLSTM, self).inner_loop(
                sequences, initial_state, mask, training=training)
            return last, outputs, list(states)

        return tf.cond(
            _is_right_padded(mask, lengths),
            lambda: self._fused_loop(sequences, initial_state, lengths),
            keras_loop,
        )

    def _fused_loop(self, sequences: Any, initial_state: Any, lengths: Any) -> Any:
        """BlockLSTM over all steps; ``lengths``: valid steps per row, or ``None``."""
        h0, c0 = (tf.convert_to_tensor(s) for s in initial_state)
        kernel = tf.convert_to_tensor(self.cell.kernel)
        recurrent = tf.convert_to_tensor(self.cell.recurrent_kernel)
        bias = tf.convert_to_tensor(self.cell.bias)
        # Keras orders the gates i, f, c, o; BlockLSTM (whose gradient is
        # registered consistently) expects i, c, f, o.
        w_i, w_f, w_c, w_o = tf.split(tf.concat([kernel, recurrent], 0), 4, axis=1)
        b_i, b_f, b_c, b_o = tf.split(bias, 4)
        no_peephole = tf.zeros((self.cell.units,), dtype=kernel.dtype)
        steps = tf.shape(sequences)[1]
        out = tf.raw_ops.BlockLSTM(
            seq_len_max=tf.cast(steps, tf.int64),
            x=tf.transpose(sequences, [1, 0, 2]),
            cs_prev=c0, h_prev=h0,
            w=tf.concat([w_i, w_c, w_f, w_o], 1),
            wci=no_peephole, wcf=no_peephole, wco=no_peephole,
            b=tf.concat([b_i, b_c, b_f, b_o], 0),
            forget_bias=0.0, cell_clip=-1.0, use_peephole=False,
        )
        # time-major (steps, batch, units); only per-step outputs are
        # transposed back, the last step is read in place
        cs, h = out[1], out[6]
        if lengths is None:
            last_h, last_c = h[-1], cs[-1]
            outputs = tf.transpose(h, [1, 0, 2]) if self.return_sequences else last_h[:, None]
            return last_h, outputs, [last_h, last_c]
        last = tf.maximum(lengths - 1, 0)
        empty = tf.equal(lengths, 0)[:, None]
        at_last = tf.stack([last, tf.range(tf.shape(last)[0], dtype=last.dtype)], axis=1)
        last_h = tf.where(empty, h0, tf.gather_nd(h, at_last))
        last_c = tf.where(empty, c0, tf.gather_nd(cs, at_last))
        if self.return_sequences:
            # Keras carries the last valid output over masked steps
            # (zero_output_for_mask=False); fully masked rows keep h0.
            step_index = tf.minimum(tf.range(steps)[None, :], last[:, None])
            outputs = tf.where(empty[:, :, None], h0[:, None],
                               tf.gather(tf.transpose(h, [1, 0, 2]), step_index, batch_dims=1))
        else:
            outputs = last_h[:, None]
        return last_h, outputs, [last_h, last_c]


@keras.saving.register_keras_serializable(package="skimbal")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training step.

    In training mode, for unmasked float32 input of shape
    ``(batch, steps, channels)`` normalised over the last axis (with
    ``center``, ``scale``, no renorm, not synchronized), the batch moments
    and the normalisation run in TensorFlow's ``FusedBatchNormV3`` kernel;
    the moving statistics are updated exactly as Keras does (with the
    biased batch variance). Inference, masked input and every other
    configuration use the Keras implementation.
    """

    def _fusable(self, inputs: Any, training: Any, mask: Any) -> bool:
        return bool(
            keras.backend.backend() == "tensorflow"
            and training and self.trainable and mask is None
            and len(inputs.shape) == 3 and self.axis in (-1, 2)
            and inputs.dtype == "float32" and self.compute_dtype == "float32"
            and self.center and self.scale
            and not self.renorm and not self.synchronized
        )

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        y, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            tf.expand_dims(inputs, 2),  # (batch, steps, 1, channels): NHWC
            tf.convert_to_tensor(self.gamma), tf.convert_to_tensor(self.beta),
            epsilon=self.epsilon, data_format="NHWC", is_training=True,
        )[:3]
        # the kernel returns the Bessel-corrected variance; Keras keeps the
        # biased one in its moving average
        n = tf.cast(tf.shape(inputs)[0] * tf.shape(inputs)[1], variance.dtype)
        variance = variance * tf.maximum(n - 1.0, 0.0) / tf.maximum(n, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum)
        )
        return tf.squeeze(y, 2)


@keras.saving.register_keras_serializable(package="skimbal")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` whose update is TensorFlow's fused ``ResourceApplyAdam``.

    The same optimizer (arguments, config, variables, update rule) as
    ``keras.optimizers.Adam``: ``m += (g - m) (1 - beta_1)``, ``v += (g^2 - v)
    (1 - beta_2)``, ``var -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m /
    (sqrt(v) + epsilon)``, computed by one kernel per variable instead of
    Keras' separate element-wise ops, with the bias corrections computed once
    per step instead of once per variable. Results equal Keras' to float
    rounding. Gradient clipping, weight decay, gradient accumulation, loss
    scaling and EMA are Keras' (they happen outside the update). With the
    TensorFlow backend, float32 variables, dense gradients, ``amsgrad=False``
    and no distribution strategy it runs the fused kernel; otherwise Keras'
    own update.

    skimbal compiles its networks with this class wherever the optimizer
    resolves to ``keras.optimizers.Adam`` (the default ``optimizer="adam"``).
    """

    def _fusable(self, grads: Any, variables: Any) -> bool:
        return (
            keras.backend.backend() == "tensorflow"
            and not self.amsgrad
            and not tf.distribute.has_strategy()
            and all(isinstance(g, tf.Tensor) for g in grads)
            and all(v.dtype == "float32" for v in variables)
        )

    def _backend_update_step(self, grads: Any, trainable_variables: Any,
                             learning_rate: Any) -> None:
        if not self._fusable(grads, trainable_variables):
            super()._backend_update_step(grads, trainable_variables, learning_rate)
            return
        step = tf.cast(self.iterations + 1, tf.float32)
        beta_1 = tf.cast(self.beta_1, tf.float32)
        beta_2 = tf.cast(self.beta_2, tf.float32)
        beta_1_power, beta_2_power = tf.pow(beta_1, step), tf.pow(beta_2, step)
        lr = tf.cast(learning_rate, tf.float32)
        epsilon = tf.cast(self.epsilon, tf.float32)
        for grad, variable in zip(grads, trainable_variables, strict=True):
            index = self._get_variable_index(variable)
            m, v = self._momentums[index], self._velocities[index]
            tf.raw_ops.ResourceApplyAdam(
                var=_handle(variable), m=_handle(m), v=_handle(v),
                beta1_power=beta_1_power, beta2_power=beta_2_power, lr=lr,
                beta1=beta_1, beta2=beta_2, epsilon=epsilon, grad=grad,
                use_locking=False, use_nesterov=False,
            )


def _handle(variable: Any) -> tf.Tensor:
    """The resource handle of a Keras (or TensorFlow) variable."""
    return getattr(variable, "value", variable).handle
