"""Classifier-level architecture parameters and training defaults."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from conftest import spy_keras_fit

from skimbal import WeightedSequenceClassifier
from skimbal.layers import AttentionPooling1D, MaskedConv1D

# tiny networks; the training-loop parameters are left at their defaults where tested
TINY = dict(units=4, conv_filters=(4, 4), conv_kernel_sizes=(3, 3), random_state=0,
            learning_rate=0.01)


@pytest.fixture
def fit_spy(monkeypatch):
    return spy_keras_fit(monkeypatch)


def _callbacks(seen, kind):
    return [cb for cb in seen["callbacks"] if isinstance(cb, kind)]


# ----------------------------------------------------------- training defaults
def test_documented_defaults():
    p = WeightedSequenceClassifier().get_params()
    assert p["architecture"] == "fcn-rnn" and p["pooling"] == "last"
    assert p["epochs"] == 200 and p["early_stopping"] is True
    assert p["validation_fraction"] == 0.1 and p["patience"] == 20
    assert p["lr_schedule"] == "plateau" and p["frontend_strides"] == ()


def test_default_fit_monitors_stratified_validation(binary_data, fit_spy):
    X, y = binary_data
    WeightedSequenceClassifier(epochs=2, **TINY).fit(X, y)
    (es,) = _callbacks(fit_spy, keras.callbacks.EarlyStopping)
    (plateau,) = _callbacks(fit_spy, keras.callbacks.ReduceLROnPlateau)
    assert es.monitor == "val_loss" and es.restore_best_weights and es.patience == 20
    assert plateau.monitor == "val_loss" and plateau.patience == 20 // 3
    assert plateau.factor == 0.5
    _, y_val, _ = fit_spy["validation_data"]
    assert len(y_val) == int(np.ceil(0.1 * len(y)))
    # stratified: the minority keeps its share in the validation part
    assert np.sum(np.asarray(y_val).ravel() == 1) == round(0.1 * np.sum(y == 1))


def test_default_epoch_budget_stops_by_itself():
    # random labels: the validation loss soon stops improving
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5, 2)).astype(np.float32)
    y = rng.randint(0, 2, 120)
    clf = WeightedSequenceClassifier(architecture="rnn", patience=3, units=8,
                                     random_state=0, learning_rate=0.05).fit(X, y)
    val_loss = np.asarray(clf.history_["val_loss"])
    assert len(val_loss) < 200
    assert len(val_loss) == int(np.argmin(val_loss)) + 3 + 1
    # ReduceLROnPlateau (patience 3 // 3 = 1) halved the rate at least once
    lr = np.asarray(clf.history_["learning_rate"])
    assert lr[0] == pytest.approx(0.05)
    assert lr.min() < 0.05
    halvings = np.log2(0.05 / lr)
    np.testing.assert_allclose(halvings, np.round(halvings), atol=1e-4)  # factor 0.5 steps


def test_defaults_can_be_turned_off(binary_data, fit_spy):
    X, y = binary_data
    clf = WeightedSequenceClassifier(
        epochs=3, early_stopping=False, lr_schedule=None, validation_fraction=0.0, **TINY
    ).fit(X, y)
    assert len(clf.history_["loss"]) == 3
    assert fit_spy.get("validation_data") is None
    assert not _callbacks(fit_spy, keras.callbacks.EarlyStopping)
    assert not _callbacks(fit_spy, keras.callbacks.ReduceLROnPlateau)


def test_tiny_data_falls_back_to_training_loss(fit_spy):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 6, 2)).astype(np.float32)
    y = np.r_[np.zeros(11, int), 1]  # one minority sample: no stratified split
    with pytest.warns(UserWarning, match="at least 2 samples per class.*training loss"):
        clf = WeightedSequenceClassifier(epochs=2, **TINY).fit(X, y)
    assert fit_spy.get("validation_data") is None
    assert len(fit_spy["x"]) == 12  # every sample trains
    (es,) = _callbacks(fit_spy, keras.callbacks.EarlyStopping)
    assert es.monitor == "loss"
    assert "val_loss" not in clf.history_


# ---------------------------------------------------------------- architectures
def test_architecture_and_cell_reach_the_model(binary_data):
    X, y = binary_data
    common = dict(epochs=1, validation_fraction=0.0, **TINY)
    fcn = WeightedSequenceClassifier(cell="gru", pooling="attention", frontend_strides=(2,),
                                     **common).fit(X, y)
    layers = fcn.model_.layers
    assert sum(isinstance(la, keras.layers.GRU) for la in layers) == 1
    convs = [la for la in layers if isinstance(la, MaskedConv1D)]
    assert [c.filters for c in convs if c.name.startswith("fcn")] == [4, 4]
    assert [c.strides for c in convs if c.name.startswith("frontend")] == [(2,)]
    assert any(isinstance(la, AttentionPooling1D) for la in layers)
    rnn = WeightedSequenceClassifier(architecture="rnn", **common).fit(X, y)
    assert not any(isinstance(la, keras.layers.Conv1D) for la in rnn.model_.layers)
    assert rnn.predict_proba(X).shape == fcn.predict_proba(X).shape == (len(X), 2)


def test_fcn_rnn_pickle_round_trip(multiclass_data):
    X, y = multiclass_data
    clf = WeightedSequenceClassifier(pooling="attention", frontend_strides=(2,), epochs=1,
                                     validation_fraction=0.0, **TINY).fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(back.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


# ------------------------------------------------------------------- bad input
X_OK = np.zeros((6, 5, 2), dtype=np.float32)
Y_OK = np.array([0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(architecture="transformer"), "'architecture' parameter"),
        (dict(pooling="max"), "'pooling' parameter"),
        (dict(frontend_strides=(2, 3)), r"reduces the shortest training sequence \(5 "),
        (dict(frontend_strides=(2, 0)), "frontend_strides must be a tuple of positive ints"),
        (dict(conv_filters=(4, 4), conv_kernel_sizes=(3,)), "equal length"),
        (dict(conv_filters=(4, -1), conv_kernel_sizes=(3, 3)), "conv_filters must be"),
        (dict(lr_schedule="cosine"), "'lr_schedule' parameter"),
    ],
)
def test_bad_architecture_params(no_keras, params, match):
    with pytest.raises(ValueError, match=match):
        WeightedSequenceClassifier(**params).fit(X_OK, Y_OK)


# ------------------------------------------- integration with variable length
def _ragged(n=40, T=12, F=3, seed=0):
    from skimbal.datasets import make_imbalanced_sequences

    X, y_steps = make_imbalanced_sequences(n, n_timesteps=T, n_features=F,
                                           target="per_timestep", weights=(0.8, 0.2),
                                           random_state=seed)
    lengths = np.random.RandomState(seed).randint(6, T + 1, size=n)
    X_list = [x[:k] for x, k in zip(X, lengths, strict=True)]
    y_list = [t[:k] for t, k in zip(y_steps, lengths, strict=True)]
    return X_list, y_list, (y_steps.max(axis=1) > 0).astype(int)


@pytest.mark.parametrize("pooling", ["last", "mean", "attention"])
def test_fcn_rnn_on_variable_length_list_is_masked(pooling):
    X_list, _, y_seq = _ragged()
    clf = WeightedSequenceClassifier(architecture="fcn-rnn", pooling=pooling, units=3,
                                     conv_filters=(4, 4), conv_kernel_sizes=(3, 3),
                                     epochs=1, validation_fraction=0.0, random_state=0)
    clf.fit(X_list, y_seq)
    assert clf.variable_length_
    batch = clf.predict_proba(X_list)
    # each sequence alone (no padding) gives the same probabilities as in the batch
    for i in (0, 1, 2):
        alone = clf.predict_proba([X_list[i]])
        np.testing.assert_allclose(alone[0], batch[i], rtol=1e-4, atol=1e-5)


def test_fcn_rnn_per_timestep_on_list():
    X_list, y_list, _ = _ragged()
    clf = WeightedSequenceClassifier(architecture="fcn-rnn", units=3, conv_filters=(4,),
                                     conv_kernel_sizes=(3,), epochs=1, class_weight="balanced",
                                     validation_fraction=0.0, random_state=0)
    pred = clf.fit(X_list, y_list).predict(X_list)
    assert [len(p) for p in pred] == [len(x) for x in X_list]
    assert clf.target_type_ == "per_timestep_binary"


def test_frontend_checks_before_keras(no_keras):
    X_list, y_list, y_seq = _ragged()
    with pytest.raises(ValueError, match="per-timestep"):
        WeightedSequenceClassifier(frontend_strides=(2,)).fit(X_list, y_list)
    # the shortest sequence in the list (6 steps) decides
    with pytest.raises(ValueError, match="zero steps|shortest"):
        WeightedSequenceClassifier(frontend_strides=(4, 2)).fit(X_list, y_seq)
