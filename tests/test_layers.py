"""Mask-aware layers and model builders: padded input == unpadded input."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from skimbal.architectures import (
    build_sequence_model,
    check_frontend_strides,
    frontend_output_length,
    lite_kernel_sizes,
    resolve_lite_kernel_size,
)
from skimbal.layers import (
    AttentionPooling1D,
    MaskedConv1D,
    MaskedMaxPooling1D,
    MaskedSeparableConv1D,
)

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


@pytest.mark.parametrize("dilation", [1, 2, 4])
def test_masked_separable_conv_ignores_padding_and_keeps_mask(seq, dilation):
    x, _, garbage, mask = seq
    keras.utils.set_random_seed(0)
    conv = MaskedSeparableConv1D(4, 3, dilation_rate=dilation)
    ref = np.asarray(conv(x))
    out = np.asarray(conv(garbage, mask=mask))
    np.testing.assert_allclose(out[:, :L], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(conv.compute_mask(garbage, mask)), mask)
    # without the mask the junk reaches the last valid steps
    assert not np.allclose(np.asarray(conv(garbage))[:, :L], ref, atol=1e-3)


@pytest.mark.parametrize("kw", [dict(padding="valid"), dict(strides=2)])
def test_masked_separable_conv_rejects_other_padding(kw):
    with pytest.raises(ValueError, match="padding='same' with strides=1"):
        MaskedSeparableConv1D(4, 3, **kw)


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
    ("lite-rnn", "last", ()),
    ("lite-rnn", "mean", (2,)),
    ("lite", "last", ()),
]


def _model(architecture, pooling, strides, **kw):
    keras.utils.set_random_seed(0)
    return build_sequence_model(
        n_features=F, n_outputs=3, output_activation="softmax", architecture=architecture,
        pooling=pooling, units=4, conv_filters=(4, 5), conv_kernel_sizes=(3, 2),
        frontend_strides=strides, frontend_filters=3, mask_value=0.0,
        **{"lite_filters": 4, "lite_kernel_size": 8, **kw},
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


@pytest.mark.parametrize("architecture", ["rnn", "fcn-rnn", "lite-rnn", "lite"])
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
        (dict(architecture="LITE"), "architecture must be one of"),
        (dict(architecture="lite-fcn", n_members=2), "architecture must be one of"),
        (dict(n_members=0), "n_members must be a positive int"),
        (dict(n_members=True), "n_members must be a positive int"),
        (dict(n_members=2.0), "n_members must be a positive int"),
        (dict(n_members="3"), "n_members must be a positive int"),
        (dict(n_members=None), "n_members must be a positive int"),
        (dict(architecture="lite", lite_filters=0), "lite_filters must be a positive int"),
        (dict(architecture="lite", lite_kernel_size=False),
         "lite_kernel_size must be a positive int"),
    ],
)
def test_builder_bad_args(kw, match, monkeypatch):
    def no_layers(*args, **kwargs):
        raise AssertionError("a Keras layer was built before the arguments were checked")

    monkeypatch.setattr(keras, "Input", no_layers)
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


# ------------------------------------------------------------------ LITE branch
def _call_with_mask(model, batch, mask):
    with warnings.catch_warnings():
        # Keras warns that a Functional "does not support masking", yet passes the
        # mask to the input's consumers (what this checks)
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(model(batch, mask=mask))


@pytest.mark.parametrize("architecture", ["lite", "lite-rnn"])
@pytest.mark.parametrize("n_members", [1, 3])
def test_lite_junk_beyond_the_length_changes_nothing(seq, architecture, n_members):
    x, _, garbage, mask = seq
    keras.utils.set_random_seed(0)
    model = build_sequence_model(
        n_features=F, n_outputs=3, output_activation="softmax", architecture=architecture,
        units=4, lite_filters=4, lite_kernel_size=8, n_members=n_members,
    )
    alone = np.asarray(model(x))
    np.testing.assert_allclose(_call_with_mask(model, garbage, mask), alone,
                               rtol=1e-5, atol=1e-6)
    # the junk would change the output without the mask
    assert not np.allclose(np.asarray(model(garbage)), alone, atol=1e-3)


def test_lite_nan_padded_list_input_equals_unpadded(seq):
    # skimbal's own padding (NaN, PaddingMask) with standardisation and pooling
    x, padded, _, _ = seq
    nan_padded = padded.copy()
    nan_padded[:, L:] = np.nan
    keras.utils.set_random_seed(0)
    model = build_sequence_model(
        n_features=F, n_outputs=1, output_activation="sigmoid", architecture="lite-rnn",
        units=4, lite_filters=4, lite_kernel_size=8, conv_pool=2, mask_padding=True,
        input_mean=[1.0, 2.0, 3.0], input_scale=[2.0, 1.0, 0.5], n_members=2,
    )
    np.testing.assert_allclose(model.predict(nan_padded, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_lite_structure_follows_the_paper():
    keras.utils.set_random_seed(0)
    model = build_sequence_model(n_features=1, n_outputs=2, output_activation="softmax",
                                 architecture="lite")
    first = [model.get_layer(f"lite_conv_{j}") for j in range(3)]
    assert [c.kernel_size[0] for c in first] == [40, 20, 10]
    assert all(c.filters == 32 and not c.use_bias for c in first)
    separable = [model.get_layer(f"lite_sepconv_{i}") for i in (1, 2)]
    assert [(c.kernel_size[0], c.dilation_rate[0]) for c in separable] == [(20, 2), (10, 4)]
    assert model.get_layer("lite_bn_0").input.shape[-1] == 96  # 3 x 32 concatenated
    # no recurrent branch and no FCN; about LITE's 10k parameters
    assert not any(isinstance(la, (keras.layers.RNN, keras.layers.Concatenate))
                   and la.name != "lite_concat" for la in model.layers)
    assert 8_000 < model.count_params() < 11_000
    lite_rnn = build_sequence_model(n_features=1, n_outputs=2, output_activation="softmax",
                                    architecture="lite-rnn")
    names = [la.name for la in lite_rnn.layers]
    assert "lstm_0" in names and "concat" in names and "fcn_conv_0" not in names


def test_lite_kernels_adapt_to_short_series():
    assert lite_kernel_sizes(40) == ((40, 20, 10), (20, 10))
    assert lite_kernel_sizes(4) == ((4, 2, 1), (2, 1))
    assert lite_kernel_sizes(1) == ((1, 1, 1), (1, 1))
    assert resolve_lite_kernel_size(40, 1000) == 40
    assert resolve_lite_kernel_size(40, 24) == 24
    assert resolve_lite_kernel_size(40, 2) == 4
    assert resolve_lite_kernel_size(40, None) == 40
    model = build_sequence_model(n_features=2, n_outputs=1, output_activation="sigmoid",
                                 architecture="lite", n_timesteps=3, lite_filters=4)
    assert model.get_layer("lite_conv_0").kernel_size == (4,)
    assert model.predict(np.ones((2, 3, 2), np.float32), verbose=0).shape == (2, 1)
    # a longer kernel than the series is still well defined ("same" padding)
    free = build_sequence_model(n_features=2, n_outputs=1, output_activation="sigmoid",
                                architecture="lite", lite_filters=4)
    assert np.isfinite(free.predict(np.ones((2, 3, 2), np.float32), verbose=0)).all()


def test_lite_conv_pool_padded_equals_unpadded(seq):
    x, padded, _, _ = seq
    model = _model("lite-rnn", "last", (), conv_pool=3)
    assert model.get_layer("lite_pool").pool_size == 3
    steps = keras.Model(model.input, model.get_layer("lite_pool").output)
    assert steps(padded).shape[1] == -(-T // 3)  # the separable layers read T / 3 steps
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ ensembles
def test_one_member_is_the_single_network():
    # the layer names, order and weights of the network before n_members existed
    def build(**kw):
        keras.utils.set_random_seed(0)
        return build_sequence_model(n_features=2, n_outputs=3, output_activation="softmax",
                                    architecture="fcn-rnn", **kw)

    model = build(n_members=1)
    assert [la.name for la in model.layers] == [
        "sequences", "fcn_conv_0", "fcn_bn_0", "fcn_relu_0", "fcn_conv_1", "fcn_bn_1",
        "fcn_relu_1", "fcn_conv_2", "fcn_bn_2", "fcn_relu_2", "lstm_0", "fcn_gap",
        "concat", "output"]
    assert len(model.weights) == 23 and model.name == "skimbal_fcn-rnn_lstm"
    for a, b in zip(model.get_weights(), build().get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _members(model, n):
    return [keras.Model(model.input, model.get_layer(f"member{m}_output").output)
            for m in range(n)]


@pytest.mark.parametrize("architecture", ["lite-rnn", "fcn-rnn", "lite"])
def test_ensemble_averages_member_probabilities(seq, architecture):
    _, padded, _, _ = seq
    model = _model(architecture, "last", (), n_members=3,
                   input_mean=[0.0, 1.0, 2.0], input_scale=[1.0, 2.0, 3.0])
    assert isinstance(model.get_layer("output"), keras.layers.Average)
    names = [la.name for la in model.layers]
    assert names.count("standardize") == 1 and names.count("masking") == 1  # shared
    single = _model(architecture, "last", ())

    def bns(net):
        return [la for la in net.layers if isinstance(la, keras.layers.BatchNormalization)]

    assert len(bns(model)) == 3 * len(bns(single)) > 0  # each member its own
    assert len({la.name for la in bns(model)}) == len(bns(model))
    members = [m.predict(padded, verbose=0) for m in _members(model, 3)]
    np.testing.assert_allclose(model.predict(padded, verbose=0), np.mean(members, axis=0),
                               rtol=1e-5, atol=1e-7)
    # distinct layers: distinct initial weights, so the members disagree
    assert not np.allclose(members[0], members[1], atol=1e-4)
    np.testing.assert_allclose(np.sum(members[0], axis=-1), 1.0, rtol=1e-5)
    assert len(model.trainable_weights) == 3 * len(single.trainable_weights)


def test_ensemble_per_timestep_outputs_are_averaged_and_masked(seq):
    x, padded, _, _ = seq
    model = _model("lite-rnn", "last", (), n_members=2, return_sequences=True)
    a, b = model.predict(x, verbose=0), model.predict(padded, verbose=0)
    assert a.shape == (1, L, 3) and b.shape == (1, T, 3)
    np.testing.assert_allclose(b[:, :L], a, rtol=1e-5, atol=1e-6)
    members = [m.predict(x, verbose=0) for m in _members(model, 2)]
    np.testing.assert_allclose(a, np.mean(members, axis=0), rtol=1e-5, atol=1e-7)


def test_ensemble_trains_and_reloads_in_safe_mode(seq, tmp_path):
    x, padded, _, _ = seq
    model = _model("lite-rnn", "attention", (2,), n_members=3, conv_pool=2)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    batch = np.repeat(padded, 4, axis=0)
    model.train_on_batch(batch, np.eye(3)[[0, 1, 2, 0]])
    path = tmp_path / "ensemble.keras"
    keras.saving.save_model(model, path)
    back = keras.saving.load_model(path, safe_mode=True)
    assert [la.name for la in back.layers] == [la.name for la in model.layers]
    np.testing.assert_allclose(back.predict(batch, verbose=0), model.predict(batch, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(padded, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_seeded_ensemble_is_reproducible_and_its_members_differ(seq):
    # the classifier rebuilds the network from its config with every initializer seeded
    from skimbal._seeding import seed_model

    _, padded, _, _ = seq

    def seeded(seed):
        model = _model("lite-rnn", "last", (), n_members=3, mask_padding=False)
        return seed_model(model, seed)

    a, b, c = seeded(7), seeded(7), seeded(8)
    assert [la.name for la in a.layers] == [la.name for la in b.layers]
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.allclose(a.predict(padded, verbose=0), c.predict(padded, verbose=0))
    k0, k1 = (a.get_layer(f"member{m}_lite_conv_0").get_weights()[0] for m in (0, 1))
    assert not np.allclose(k0, k1)
