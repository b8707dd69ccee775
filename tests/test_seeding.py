"""Seeding of Keras models independent of Python's global random state."""

from __future__ import annotations

import itertools
import random

import keras
import numpy as np

from skimbal import WeightedSequenceClassifier
from skimbal._seeding import seed_model

_draws = itertools.count(1)


def _noisy_build(meta):
    # stands in for another thread drawing from `random` while the model is built
    for _ in range(next(_draws)):
        random.random()
    inp = keras.Input(shape=(None, meta["n_features_in_"]))
    h = keras.layers.GRU(3)(inp)
    h = keras.layers.Dropout(0.3)(h)
    out = keras.layers.Dense(1, activation="sigmoid")(h)
    return keras.Model(inp, out)


def test_same_random_state_despite_global_random_use(binary_data, fast_params):
    X, y = binary_data
    est = WeightedSequenceClassifier(model=_noisy_build, **fast_params)
    p1 = est.fit(X, y).predict_proba(X)
    p2 = est.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    # every random component now carries an explicit seed
    config = est.model_.get_config()
    layers = {layer["class_name"]: layer["config"] for layer in config["layers"]}
    assert isinstance(layers["Dropout"]["seed"], int)
    assert isinstance(layers["Dense"]["kernel_initializer"]["config"]["seed"], int)


def test_seed_model_is_deterministic_and_leaves_compiled_models():
    def build():
        inp = keras.Input(shape=(4, 2))
        out = keras.layers.Dense(2)(keras.layers.LSTM(3)(inp))
        return keras.Model(inp, out)

    random.seed(1)
    a = seed_model(build(), 7)
    random.seed(2)
    b = seed_model(build(), 7)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    c = seed_model(build(), 8)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    compiled = build()
    compiled.compile(optimizer="sgd", loss="mse")
    assert seed_model(compiled, 7) is compiled


def test_seed_from_random_state_is_keras_free_and_reexported():
    from skimbal import _seeding, _seeds

    assert _seeding.seed_from_random_state is _seeds.seed_from_random_state
    state = np.random.RandomState(3)
    assert _seeds.seed_from_random_state(state) == _seeds.seed_from_random_state(state)
    assert _seeds.seed_from_random_state(None) is None
    assert _seeds.seed_from_random_state(7) == 7
