"""Mask-aware layers and model builders: padded input == unpadded input."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from skimbal.architectures import (
    build_sequence_model,
    check_frontend_strides,
    frontend_output_length,
)
from skimbal.layers import AttentionPooling1D, MaskedConv1D, MaskedMaxPooling1D

L, T, F = 7, 12, 3


@pytest.fixture(scope="module")
def seq():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(1, L, F)).astype(np.float32)
    padded = np.zeros((1, T, F), np.float32)
    padded[:, :L] = x
    garbage = padded.copy()
    garbage[:, L:] = rng.normal(size=(1, T - L, F)) * 100  # masked steps hold junk
    mask = np.zeros((1, T), bool)
    mask[:, :L] = True
    return x, padded, garbage, mask


# ------------------------------------------------------------------ layers
def test_masked_conv_same_ignores_padding_and_keeps_mask(seq):
    x, _, garbage, mask = seq
    keras.utils.set_random_seed(0)
    conv = MaskedConv1D(4, 5, padding="same")
    ref = np.asarray(conv(x))
    out = np.asarray(conv(garbage, mask=mask))
    np.testing.assert_allclose(out[:, :L], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(conv.compute_mask(garbage, mask)), mask)
    # a plain Conv1D would mix the junk into the last valid steps
    plain = keras.layers.Conv1D(4, 5, padding="same")
    plain.build((None, None, F))
    plain.set_weights(conv.get_weights())
    assert not np.allclose(np.asarray(plain(garbage))[:, :L], ref, atol=1e-3)


def test_masked_conv_valid_downsamples_mask(seq):
    x, _, garbage, mask = seq
    conv = MaskedConv1D(4, 2, strides=2, padding="valid")
    ref = np.asarray(conv(x))  # (1, L // 2, 4) = 3 steps
    out = np.asarray(conv(garbage, mask=mask))  # T // 2 = 6 steps
    out_mask = np.asarray(conv.compute_mask(garbage, mask))
    assert ref.shape[1] == 3 and out.shape[1] == 6
    np.testing.assert_array_equal(out_mask, [[True, True, True, False, False, False]])
    np.testing.assert_allclose(out[:, :3], ref, rtol=1e-5, atol=1e-6)


def test_masked_max_pooling_takes_the_valid_steps_of_each_window(seq):
    x, _, garbage, mask = seq
    garbage = garbage.copy()
    garbage[:, L:] = 1e6  # junk larger than any valid value must never win
    pool = MaskedMaxPooling1D(3)
    out = np.asarray(pool(garbage, mask=mask))  # ceil(T / 3) = 4 windows
    out_mask = np.asarray(pool.compute_mask(garbage, mask))
    # L = 7 valid steps: windows [0:3], [3:6], [6:7] (incomplete, kept), then padding
    np.testing.assert_array_equal(out_mask, [[True, True, True, False]])
    hand = np.stack([x[0, 0:3].max(0), x[0, 3:6].max(0), x[0, 6:7].max(0)])
    np.testing.assert_allclose(out[0, :3], hand, rtol=1e-6)
    np.testing.assert_array_equal(out[0, 3], np.zeros(F))  # no valid step: 0
    # the unpadded sequence gives the same valid outputs: independent of the padding
    np.testing.assert_allclose(np.asarray(pool(x))[0], hand, rtol=1e-6)
    # negative values: the maximum of the valid steps, not of the padding's zeros
    neg = -np.abs(garbage) - 1.0
    out_neg = np.asarray(pool(neg, mask=mask))
    np.testing.assert_allclose(out_neg[0, 2], neg[0, 6], rtol=1e-6)
    assert pool.compute_output_shape((None, 12, F)) == (None, 4, F)
    assert pool.compute_output_shape((None, 13, F)) == (None, 5, F)
    assert MaskedMaxPooling1D.from_config(pool.get_config()).pool_size == 3
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="pool_size must be a positive int"):
            MaskedMaxPooling1D(bad)


def test_masked_max_pooling_in_a_model_accepts_any_length():
    inp = keras.Input(shape=(None, F))
    model = keras.Model(inp, MaskedMaxPooling1D(4)(inp))
    rng = np.random.RandomState(1)
    for steps in (1, 4, 9):
        x = rng.normal(size=(2, steps, F)).astype(np.float32)
        out = np.asarray(model(x))
        assert out.shape == (2, -(-steps // 4), F)
        np.testing.assert_allclose(out[:, -1], x[:, 4 * (out.shape[1] - 1):].max(1), rtol=1e-6)


def test_masked_conv_rejects_ambiguous_padding():
    with pytest.raises(ValueError, match="padding='same' with strides=1"):
        MaskedConv1D(4, 3, strides=2, padding="same")


def test_attention_pooling_ignores_masked_steps(seq):
    x, _, garbage, mask = seq
    keras.utils.set_random_seed(0)
    att = AttentionPooling1D(units=5)
    ref = np.asarray(att(x))
    out = np.asarray(att(garbage, mask=mask))
    assert ref.shape == (1, F)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    # it is a convex combination of the valid steps, not their plain mean
    assert np.all(out >= x.min(axis=1) - 1e-6) and np.all(out <= x.max(axis=1) + 1e-6)
    assert att.compute_mask(garbage, mask) is None


def test_attention_pooling_config_round_trip():
    att = AttentionPooling1D(units=7, name="pool")
    back = AttentionPooling1D.from_config(att.get_config())
    assert back.units == 7 and back.name == "pool"


# ------------------------------------------------------- whole model builder
CASES = [
    ("rnn", "last", ()),
    ("rnn", "mean", ()),
    ("rnn", "attention", (2,)),
    ("fcn-rnn", "last", ()),
    ("fcn-rnn", "mean", (2, 3)),
    ("fcn-rnn", "attention", ()),
]


def _model(architecture, pooling, strides, **kw):
    keras.utils.set_random_seed(0)
    return build_sequence_model(
        n_features=F, n_outputs=3, output_activation="softmax", architecture=architecture,
        pooling=pooling, units=4, conv_filters=(4, 5), conv_kernel_sizes=(3, 2),
        frontend_strides=strides, frontend_filters=3, mask_value=0.0, **kw,
    )


@pytest.mark.parametrize("architecture, pooling, strides", CASES)
def test_model_padded_equals_unpadded(seq, architecture, pooling, strides):
    x, padded, _, _ = seq
    model = _model(architecture, pooling, strides)
    a = model.predict(x, verbose=0)
    b = model.predict(padded, verbose=0)
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_padding_matters_without_mask(seq):
    # the equality above is due to the mask: the same model without Masking differs
    x, padded, _, _ = seq
    keras.utils.set_random_seed(0)
    model = build_sequence_model(
        n_features=F, n_outputs=3, output_activation="softmax", architecture="fcn-rnn",
        pooling="mean", units=4, conv_filters=(4, 5), conv_kernel_sizes=(3, 2),
    )
    assert not np.allclose(model.predict(x, verbose=0), model.predict(padded, verbose=0),
                           atol=1e-4)


@pytest.mark.parametrize("architecture", ["rnn", "fcn-rnn"])
def test_return_sequences_per_step(seq, architecture):
    x, padded, _, _ = seq
    model = _model(architecture, "last", (), return_sequences=True)
    a = model.predict(x, verbose=0)
    b = model.predict(padded, verbose=0)
    assert a.shape == (1, L, 3) and b.shape == (1, T, 3)
    np.testing.assert_allclose(b[:, :L], a, rtol=1e-5, atol=1e-6)


def test_fcn_rnn_structure():
    model = _model("fcn-rnn", "attention", (2,))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("MaskedConv1D") == 3  # 1 front-end + 2 FCN blocks
    assert kinds.count("FusedBatchNormalization") == 2
    assert "Concatenate" in kinds and "AttentionPooling1D" in kinds
    assert [model.get_layer(f"fcn_conv_{i}").filters for i in range(2)] == [4, 5]
    assert model.get_layer("frontend_conv_0").strides == (2,)
    rnn_only = _model("rnn", "last", ())
    assert not any(isinstance(layer, keras.layers.Conv1D) for layer in rnn_only.layers)


def test_pooled_fcn_model_padded_equals_unpadded(seq):
    x, padded, _, _ = seq
    model = _model("fcn-rnn", "last", (2,), conv_pool=3)
    assert model.get_layer("fcn_pool").pool_size == 3
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_saved_model_reloads_in_safe_mode(seq, tmp_path):
    x, padded, _, _ = seq
    model = _model("fcn-rnn", "attention", (2,), conv_pool=2)
    path = tmp_path / "m.keras"
    model.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(back.predict(padded, verbose=0), model.predict(padded, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(architecture="transformer"), "architecture must be one of"),
        (dict(pooling="max"), "pooling must be one of"),
        (dict(architecture="fcn-rnn", conv_filters=(4, 4), conv_kernel_sizes=(3,)),
         "equal length"),
        (dict(frontend_strides=(2,), return_sequences=True), "strided front-end"),
        (dict(conv_pool=0), "conv_pool must be a positive int"),
        (dict(conv_pool=2.0), "conv_pool must be a positive int"),
        (dict(conv_pool=True), "conv_pool must be a positive int"),
        (dict(conv_pool=2, return_sequences=True), "1 with return_sequences"),
    ],
)
def test_builder_bad_args(kw, match):
    with pytest.raises(ValueError, match=match):
        build_sequence_model(n_features=F, n_outputs=1, output_activation="sigmoid", **kw)


# ------------------------------------------------------------ front-end maths
def test_frontend_output_length():
    assert frontend_output_length(100, ()) == 100
    assert frontend_output_length(100, (4, 4)) == 6  # 100 // 4 = 25, 25 // 4 = 6
    assert frontend_output_length(7, (2, 4)) == 0


def test_check_frontend_strides():
    check_frontend_strides((2, 3), 6)  # 6 // 2 // 3 = 1 step: fine
    with pytest.raises(ValueError, match=r"shortest training sequence \(5 timesteps\)"):
        check_frontend_strides((2, 3), 5)
    with pytest.raises(ValueError, match="positive ints"):
        check_frontend_strides((2, 0), 50)
