"""WeightedBinaryCrossentropy and LogitAdjustedCrossentropy: maths against a hand
computation, serialization."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from skimbal.losses import LogitAdjustedCrossentropy, WeightedBinaryCrossentropy

Y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=np.float32)
P = np.array([[0.8, 0.3, 0.6], [0.1, 0.5, 0.9]], dtype=np.float32)
POS = [4.0, 2.0, 0.5]
NEG = [0.5, 1.0, 3.0]


def _hand(y, p, pos, neg, sample_weight=None):
    y, p = np.asarray(y, float), np.asarray(p, float)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    w = y * np.asarray(pos) + (1 - y) * np.asarray(neg)
    per_sample = (w * bce).mean(axis=1)
    if sample_weight is not None:
        per_sample = per_sample * np.asarray(sample_weight)
    return per_sample.mean()


def test_matches_hand_computation():
    loss = WeightedBinaryCrossentropy(POS, NEG)
    got = float(loss(Y, P))
    assert got == pytest.approx(_hand(Y, P, POS, NEG), rel=1e-5)
    # spelled out for sample 0: labels (pos 1, neg 2, pos 3)
    s0 = (4.0 * -np.log(0.8) + 1.0 * -np.log(0.7) + 0.5 * -np.log(0.6)) / 3
    s1 = (0.5 * -np.log(0.9) + 1.0 * -np.log(0.5) + 0.5 * -np.log(0.9)) / 3
    assert got == pytest.approx((s0 + s1) / 2, rel=1e-5)


def test_sample_weight_multiplies_per_sample_loss():
    loss = WeightedBinaryCrossentropy(POS, NEG)
    got = float(loss(Y, P, sample_weight=np.array([2.0, 0.0])))
    assert got == pytest.approx(_hand(Y, P, POS, NEG, [2.0, 0.0]), rel=1e-5)


def test_unit_weights_equal_keras_bce():
    ours = float(WeightedBinaryCrossentropy([1, 1, 1], [1, 1, 1])(Y, P))
    theirs = float(keras.losses.BinaryCrossentropy()(Y, P))
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_from_logits():
    logits = np.log(P / (1 - P))
    a = float(WeightedBinaryCrossentropy(POS, NEG, from_logits=True)(Y, logits))
    assert a == pytest.approx(_hand(Y, P, POS, NEG), rel=1e-4)


def test_config_round_trip():
    loss = WeightedBinaryCrossentropy(POS, NEG, name="w")
    back = WeightedBinaryCrossentropy.from_config(loss.get_config())
    assert back.positive_weights == POS and back.negative_weights == NEG
    assert float(back(Y, P)) == pytest.approx(float(loss(Y, P)))
    assert keras.saving.get_registered_name(WeightedBinaryCrossentropy) == (
        "skimbal>WeightedBinaryCrossentropy"
    )


def test_saved_model_reloads_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)  # other tests may leave TF op determinism enabled
    inp = keras.Input(shape=(4, 2))
    out = keras.layers.Dense(3, activation="sigmoid")(keras.layers.LSTM(2)(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss=WeightedBinaryCrossentropy(POS, NEG))
    X = np.random.RandomState(0).normal(size=(5, 4, 2)).astype(np.float32)
    Yx = np.array([[1, 0, 1]] * 5, dtype=np.float32)
    model.fit(X, Yx, epochs=1, verbose=0)
    before = model.evaluate(X, Yx, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(back.loss, WeightedBinaryCrossentropy)
    assert back.loss.positive_weights == POS and back.loss.negative_weights == NEG
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X, verbose=0))
    assert back.evaluate(X, Yx, verbose=0) == pytest.approx(before, rel=1e-6)


@pytest.mark.parametrize(
    "pos, neg, match",
    [([1.0], [1.0, 2.0], "same length"), ([], [], "empty"), ([1.0, -1.0], [1, 1], "non-neg")],
)
def test_bad_weights(pos, neg, match):
    with pytest.raises(ValueError, match=match):
        WeightedBinaryCrossentropy(pos, neg)


# ------------------------------------------------------------ logit adjustment
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_logit_offsets_shift_the_logits_before_the_weighted_bce():
    offsets = [np.log(0.25), 0.0, 1.5]
    loss = WeightedBinaryCrossentropy(POS, NEG, logit_offsets=offsets)
    shifted = _sigmoid(np.log(P / (1 - P)) + np.asarray(offsets))
    assert float(loss(Y, P)) == pytest.approx(_hand(Y, shifted, POS, NEG), rel=1e-5)
    zero = WeightedBinaryCrossentropy(POS, NEG, logit_offsets=[0.0, 0.0, 0.0])
    assert float(zero(Y, P)) == pytest.approx(_hand(Y, P, POS, NEG), rel=1e-5)


def test_logit_adjusted_crossentropy_matches_the_hand_computation():
    # CE(softmax(log p + tau log pi)) with pi = (0.7, 0.2, 0.1), tau = 1
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], dtype=np.float32)
    y = np.array([1, 2])
    pi = np.array([0.7, 0.2, 0.1])
    loss = LogitAdjustedCrossentropy(np.log(pi).tolist())
    scores = p * pi
    adjusted = scores / scores.sum(axis=1, keepdims=True)
    hand = -np.log(adjusted[np.arange(2), y]).mean()
    assert float(loss(y, p)) == pytest.approx(hand, rel=1e-5)
    # zero offsets: plain sparse categorical cross-entropy
    plain = keras.losses.SparseCategoricalCrossentropy()(y, p)
    assert float(LogitAdjustedCrossentropy([0.0, 0.0, 0.0])(y, p)) == pytest.approx(
        float(plain), rel=1e-5)


def test_logit_adjusted_crossentropy_per_timestep_and_unit_axis():
    p = np.array([[[0.6, 0.4], [0.2, 0.8]]], dtype=np.float32)  # (1, T=2, 2)
    y = np.array([[0, 1]])
    loss = LogitAdjustedCrossentropy([np.log(0.9), np.log(0.1)], reduction=None)
    per_step = np.asarray(loss(y, p))
    assert per_step.shape == (1, 2)
    s = p[0] * np.array([0.9, 0.1])
    s = s / s.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(per_step[0], -np.log([s[0, 0], s[1, 1]]), rtol=1e-5)
    flat = LogitAdjustedCrossentropy([0.0, 0.0])
    assert float(flat(np.array([[1]]), np.array([[0.3, 0.7]]))) == pytest.approx(
        -np.log(0.7), rel=1e-5)  # (batch, 1) int targets


def test_logit_adjusted_losses_reload_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    inp = keras.Input(shape=(4, 2))
    out = keras.layers.Dense(3, activation="softmax")(keras.layers.LSTM(2)(inp))
    model = keras.Model(inp, out)
    offsets = np.log([0.7, 0.2, 0.1]).tolist()
    model.compile(optimizer="adam", loss=LogitAdjustedCrossentropy(offsets))
    X = np.random.RandomState(0).normal(size=(5, 4, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 0])
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(back.loss, LogitAdjustedCrossentropy)
    assert back.loss.logit_offsets == pytest.approx(offsets)
    assert back.evaluate(X, y, verbose=0) == pytest.approx(model.evaluate(X, y, verbose=0),
                                                           rel=1e-6)
    wbce = WeightedBinaryCrossentropy([1.0], [1.0], logit_offsets=[-2.0])
    again = WeightedBinaryCrossentropy.from_config(wbce.get_config())
    assert again.logit_offsets == [-2.0]


@pytest.mark.parametrize("make, match", [
    (lambda: WeightedBinaryCrossentropy(POS, NEG, logit_offsets=[0.0]), "one per label"),
    (lambda: LogitAdjustedCrossentropy([]), "one per class"),
    (lambda: LogitAdjustedCrossentropy([0.0, float("-inf")]), "finite"),
])
def test_bad_logit_offsets(make, match):
    with pytest.raises(ValueError, match=match):
        make()
