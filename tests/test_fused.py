"""Fused CPU layers compute what the Keras layers they replace compute."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from skimbal.architectures import build_sequence_model
from skimbal.fused import FusedAdam, FusedBatchNormalization, FusedLSTM

B, T, F, U = 6, 9, 3, 5
RIGHT_PADDED = np.arange(T)[None, :] < np.array([9, 4, 1, 0, 7, 9])[:, None]
HOLES = np.random.RandomState(3).rand(B, T) > 0.3  # not right-padded


def _pair(**kwargs):
    keras.utils.set_random_seed(1)
    x = tf.random.normal((B, T, F))
    ref, fused = keras.layers.LSTM(U, **kwargs), FusedLSTM(U, **kwargs)
    ref(x)
    fused(x)
    fused.set_weights(ref.get_weights())
    return x, ref, fused


def _value_and_grads(layer, x, mask, training=False):
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = layer(x, mask=mask, training=training)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = sum(tf.reduce_sum(o * tf.random.stateless_normal(o.shape, (1, i)))
                   for i, o in enumerate(outs))
    return outs, tape.gradient(loss, [x, *layer.trainable_weights])


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("mask", [None, RIGHT_PADDED, HOLES], ids=["none", "right", "holes"])
def test_fused_lstm_matches_keras_values_and_gradients(return_sequences, mask):
    x, ref, fused = _pair(return_sequences=return_sequences, return_state=True)
    m = None if mask is None else tf.constant(mask)
    ref_out, ref_grads = _value_and_grads(ref, x, m)
    out, grads = _value_and_grads(fused, x, m)
    for a, b in zip(ref_out, out, strict=True):  # output, h, c
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    for a, b in zip(ref_grads, grads, strict=True):  # d/dx, d/dkernel, d/drecurrent, d/dbias
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_fused_lstm_uses_block_kernel_and_no_while_loop():
    x, _, fused = _pair()
    graph = tf.function(lambda x: fused(x)).get_concrete_function(x).graph
    ops = {op.type for op in graph.get_operations()}
    assert "BlockLSTM" in ops and "While" not in ops and "StatelessWhile" not in ops


@pytest.mark.parametrize("kwargs", [dict(go_backwards=True), dict(recurrent_dropout=0.2),
                                    dict(activation="relu")])
def test_fused_lstm_falls_back_to_keras(kwargs):
    x, ref, fused = _pair(**kwargs)
    graph = tf.function(lambda x: fused(x)).get_concrete_function(x).graph
    assert "BlockLSTM" not in {op.type for op in graph.get_operations()}
    np.testing.assert_allclose(fused(x), ref(x), rtol=1e-5, atol=1e-6)


def test_fused_lstm_large_cell_state_is_not_clipped():
    # BlockLSTM clips the cell state at 3 by default; skimbal turns clipping off.
    # Gates saturated open and a candidate of ~1 make c grow by ~1 per step.
    x, ref, fused = _pair(return_state=True)
    kernel, recurrent, bias = ref.get_weights()
    weights = [np.zeros_like(kernel), np.zeros_like(recurrent), np.full_like(bias, 10.0)]
    ref.set_weights(weights)
    fused.set_weights(weights)
    c_ref = ref(x)[2]
    assert np.abs(c_ref).min() > T - 0.5
    np.testing.assert_allclose(fused(x)[2], c_ref, rtol=1e-5, atol=1e-5)


def test_fused_lstm_in_bidirectional_and_serialization(tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input((T, F))
    out = keras.layers.Bidirectional(FusedLSTM(U))(inp)
    model = keras.Model(inp, keras.layers.Dense(1)(out))
    x = np.random.RandomState(0).normal(size=(B, T, F)).astype("float32")
    before = model.predict(x, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[1].forward_layer, FusedLSTM)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), before, rtol=1e-5, atol=1e-6)


def test_fused_batchnorm_matches_keras():
    keras.utils.set_random_seed(2)
    x = tf.random.normal((4, 7, 5)) * 3 + 2
    ref, fused = keras.layers.BatchNormalization(), FusedBatchNormalization()
    ref(x)
    fused(x)
    for layer in (ref, fused):
        layer.out, layer.grads = _value_and_grads(layer, x, None, training=True)
    np.testing.assert_allclose(fused.out[0], ref.out[0], rtol=1e-5, atol=1e-5)
    for a, b in zip(ref.grads, fused.grads, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    # moving statistics updated with the biased variance, as Keras does
    np.testing.assert_allclose(fused.moving_mean, ref.moving_mean, rtol=1e-6)
    np.testing.assert_allclose(fused.moving_variance, ref.moving_variance, rtol=1e-5)
    np.testing.assert_allclose(fused(x), ref(x), rtol=1e-5, atol=1e-5)  # inference


def test_fused_batchnorm_training_graph_and_masked_fallback():
    x = tf.random.normal((4, 7, 5))
    bn = FusedBatchNormalization()
    bn(x)
    unmasked = tf.function(lambda x: bn(x, training=True)).get_concrete_function(x).graph
    assert "FusedBatchNormV3" in {op.type for op in unmasked.get_operations()}
    mask = tf.constant(RIGHT_PADDED[:4, :7])
    ref = keras.layers.BatchNormalization()
    ref(x)
    np.testing.assert_allclose(bn(x, mask=mask, training=True),
                               ref(x, mask=mask, training=True), rtol=1e-5, atol=1e-5)


def test_default_architecture_uses_fused_layers():
    model = build_sequence_model(n_features=F, n_outputs=1, output_activation="sigmoid",
                                 architecture="fcn-rnn", cell="lstm")
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "FusedLSTM" in kinds and kinds.count("FusedBatchNormalization") == 3


def _adam_fit(optimizer, steps=12):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, T, F)).astype("float32")
    y = rng.integers(0, 3, 24)
    inputs = keras.Input((T, F))
    h = keras.layers.Dense(4, activation="relu")(FusedLSTM(U)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=24 // (steps // 3), epochs=3, shuffle=False, verbose=0)
    return model


@pytest.mark.parametrize("kwargs", [{}, {"clipnorm": 0.5, "weight_decay": 0.01},
                                    {"beta_1": 0.8, "epsilon": 1e-4}])
def test_fused_adam_matches_keras_adam(kwargs):
    ref = _adam_fit(keras.optimizers.Adam(0.01, **kwargs))
    fused = _adam_fit(FusedAdam(0.01, **kwargs))
    assert int(fused.optimizer.iterations) == int(ref.optimizer.iterations) == 12
    for a, b in zip(ref.get_weights(), fused.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    for a, b in zip(ref.optimizer.variables, fused.optimizer.variables, strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-6)


def test_fused_adam_runs_the_fused_kernel_and_falls_back_for_amsgrad():
    def op_types(optimizer):
        variables = [keras.Variable(np.ones((3, 2), "float32")),
                     keras.Variable(np.zeros(2, "float32"))]
        optimizer.build(variables)
        grads = [tf.ones((3, 2)), tf.ones(2)]
        graph = tf.function(lambda: optimizer.apply(grads, variables)).get_concrete_function(
        ).graph
        return {op.type for op in graph.get_operations()} | {
            node.op for f in graph.as_graph_def().library.function for node in f.node_def}

    assert "ResourceApplyAdam" in op_types(FusedAdam(0.01))
    assert "ResourceApplyAdam" not in op_types(keras.optimizers.Adam(0.01))
    assert "ResourceApplyAdam" not in op_types(FusedAdam(0.01, amsgrad=True))
    ref = _adam_fit(keras.optimizers.Adam(0.01, amsgrad=True))
    fused = _adam_fit(FusedAdam(0.01, amsgrad=True))
    for a, b in zip(ref.get_weights(), fused.get_weights(), strict=True):
        np.testing.assert_array_equal(b, a)  # Keras' own update, bitwise


def test_classifier_compiles_adam_as_fused_adam_and_keeps_other_optimizers(binary_data,
                                                                              fast_params):
    from skimbal import WeightedSequenceClassifier

    X, y = binary_data
    fitted = {name: WeightedSequenceClassifier(**{**fast_params, "optimizer": name}).fit(X, y)
              for name in ("adam", "sgd")}
    assert type(fitted["adam"].model_.optimizer) is FusedAdam
    assert float(fitted["adam"].model_.optimizer.learning_rate) == pytest.approx(
        fast_params.get("learning_rate", 1e-3))
    assert type(fitted["sgd"].model_.optimizer) is keras.optimizers.SGD


def test_fit_traces_the_train_step_once(binary_data, fast_params, monkeypatch):
    """The optimizer is built before training: a variable created during the first
    trace would make TensorFlow trace the whole step again."""
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    from skimbal import WeightedSequenceClassifier

    traces = []
    step = TensorFlowTrainer.train_step

    def counting(self, data):
        traces.append(1)
        return step(self, data)

    monkeypatch.setattr(TensorFlowTrainer, "train_step", counting)
    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    assert clf.model_.optimizer.built and len(traces) == 1
