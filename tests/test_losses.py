"""WeightedBinaryCrossentropy: maths against a hand computation, serialization."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from skimbal.losses import WeightedBinaryCrossentropy

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
