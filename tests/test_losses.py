"""skimbal's losses: maths against a hand computation, serialization."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from skimbal.losses import (
    LogitAdjustedCrossentropy,
    SparseCategoricalFocalCrossentropy,
    WeightedBinaryCrossentropy,
)

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
# ------------------------------------------------------------------ focal loss
def test_weighted_focal_hand_computed():
    loss = WeightedBinaryCrossentropy(POS, NEG, gamma=2.0)
    y, p = Y.astype(float), P.astype(float)
    p_t = y * p + (1 - y) * (1 - p)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    w = y * np.asarray(POS) + (1 - y) * np.asarray(NEG)
    expected = (w * (1 - p_t) ** 2 * bce).mean(axis=1).mean()
    assert float(loss(Y, P)) == pytest.approx(expected, rel=1e-5)
    # sample 0, label 0 (positive, p=0.8): 4 * 0.2**2 * -log(0.8)
    one = WeightedBinaryCrossentropy([4.0], [1.0], gamma=2.0)
    assert float(one(np.array([[1.0]]), np.array([[0.8]]))) == pytest.approx(
        4 * 0.04 * -np.log(0.8), rel=1e-5)


def test_unit_weight_focal_equals_keras_binary_focal():
    for gamma in (0.0, 0.5, 2.0):
        ours = WeightedBinaryCrossentropy([1, 1, 1], [1, 1, 1], gamma=gamma)(Y, P)
        theirs = keras.losses.BinaryFocalCrossentropy(gamma=gamma)(Y, P)
        assert float(ours) == pytest.approx(float(theirs), rel=1e-6)
    logits = np.log(P / (1 - P))
    a = WeightedBinaryCrossentropy(POS, NEG, gamma=2.0, from_logits=True)(Y, logits)
    assert float(a) == pytest.approx(float(WeightedBinaryCrossentropy(POS, NEG, gamma=2.0)(Y, P)),
                                     rel=1e-4)


def test_gamma_zero_config_is_backward_compatible():
    loss = WeightedBinaryCrossentropy(POS, NEG, gamma=1.5)
    assert loss.get_config()["gamma"] == 1.5
    assert WeightedBinaryCrossentropy.from_config(loss.get_config()).gamma == 1.5
    old = loss.get_config()
    del old["gamma"]  # a config saved before focal_gamma existed
    back = WeightedBinaryCrossentropy.from_config(old)
    assert back.gamma == 0.0
    assert float(back(Y, P)) == pytest.approx(_hand(Y, P, POS, NEG), rel=1e-5)


def test_sparse_focal_gamma_zero_equals_keras_sparse_crossentropy():
    codes = np.array([0, 2, 1])
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4], [0.05, 0.9, 0.05]], dtype=np.float32)
    ours = SparseCategoricalFocalCrossentropy(gamma=0.0)
    theirs = keras.losses.SparseCategoricalCrossentropy()
    assert float(ours(codes, probs)) == float(theirs(codes, probs))
    # per-timestep: targets (batch, T), temporal sample weights
    codes_t = np.array([[0, 2], [1, 1]])
    probs_t = np.stack([probs[:2], probs[1:]])
    sw = np.array([[1.0, 0.5], [2.0, 0.0]])
    assert float(ours(codes_t, probs_t, sample_weight=sw)) == pytest.approx(
        float(theirs(codes_t, probs_t, sample_weight=sw)), rel=1e-7)


def test_sparse_focal_hand_computed_and_from_logits():
    codes = np.array([0, 2])
    probs = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]], dtype=np.float32)
    got = float(SparseCategoricalFocalCrossentropy(gamma=2.0)(codes, probs))
    expected = (0.3**2 * -np.log(0.7) + 0.6**2 * -np.log(0.4)) / 2
    assert got == pytest.approx(expected, rel=1e-5)
    logits = np.log(probs)
    from_logits = SparseCategoricalFocalCrossentropy(gamma=2.0, from_logits=True)
    assert float(from_logits(codes, logits)) == pytest.approx(expected, rel=1e-5)
    # a class weight as sample_weight multiplies the focal term
    sw = np.array([3.0, 1.0])
    weighted = float(SparseCategoricalFocalCrossentropy(gamma=2.0)(codes, probs, sample_weight=sw))
    assert weighted == pytest.approx((3 * 0.3**2 * -np.log(0.7) + 0.6**2 * -np.log(0.4)) / 2,
                                     rel=1e-5)


def test_sparse_focal_serializes():
    loss = SparseCategoricalFocalCrossentropy(gamma=1.5, name="f")
    back = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(back, SparseCategoricalFocalCrossentropy)
    assert back.gamma == 1.5 and back.name == "f"
    assert keras.saving.get_registered_name(SparseCategoricalFocalCrossentropy) == (
        "skimbal>SparseCategoricalFocalCrossentropy"
    )


@pytest.mark.parametrize("gamma", [-1.0, float("nan"), float("inf")])
def test_bad_gamma(gamma):
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        SparseCategoricalFocalCrossentropy(gamma=gamma)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        WeightedBinaryCrossentropy(POS, NEG, gamma=gamma)


# ----------------------------------------------------- deferred re-weighting
def test_deferred_weights_switch_without_changing_the_config():
    loss = WeightedBinaryCrossentropy(POS, NEG, gamma=1.0)
    switch = loss.defer_weights()
    assert loss.defer_weights() is switch  # one variable
    assert float(switch.numpy()) == 0.0 and not switch.trainable
    unit = WeightedBinaryCrossentropy([1, 1, 1], [1, 1, 1], gamma=1.0)
    assert float(loss(Y, P)) == pytest.approx(float(unit(Y, P)), rel=1e-7)
    switch.assign(1.0)
    full = WeightedBinaryCrossentropy(POS, NEG, gamma=1.0)
    assert float(loss(Y, P)) == pytest.approx(float(full(Y, P)), rel=1e-7)
    assert loss.get_config() == full.get_config() | {"name": loss.name}


def test_focal_term_applies_to_the_adjusted_logits():
    # softmax: CE on softmax(log p + b), times (1 - exp(-CE)) ** gamma
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]], dtype=np.float32)
    y = np.array([1, 2])
    pi = np.array([0.7, 0.2, 0.1])
    scores = p * pi
    q = (scores / scores.sum(axis=1, keepdims=True))[np.arange(2), y]
    hand = (-(1 - q) ** 2 * np.log(q)).mean()
    loss = LogitAdjustedCrossentropy(np.log(pi).tolist(), gamma=2.0)
    assert float(loss(y, p)) == pytest.approx(hand, rel=1e-5)
    assert LogitAdjustedCrossentropy.from_config(loss.get_config()).gamma == 2.0
    # sigmoid: the focal factor uses the shifted probability
    offsets = np.array([np.log(0.25), 0.0, 1.5])
    q = 1 / (1 + np.exp(-(np.log(P / (1 - P)) + offsets)))
    p_t = Y * q + (1 - Y) * (1 - q)
    w = Y * np.asarray(POS) + (1 - Y) * np.asarray(NEG)
    bce = -(Y * np.log(q) + (1 - Y) * np.log(1 - q))
    hand = (w * (1 - p_t) ** 2 * bce).mean(axis=1).mean()
    wbce = WeightedBinaryCrossentropy(POS, NEG, logit_offsets=offsets.tolist(), gamma=2.0)
    assert float(wbce(Y, P)) == pytest.approx(hand, rel=1e-4)
