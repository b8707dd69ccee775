"""Classifier-level architecture parameters and training defaults."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from conftest import spy_keras_fit

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
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
    assert p["epochs"] == "auto" and p["early_stopping"] == "auto"
    assert p["batch_size"] == "auto" and p["standardize"] is True
    assert p["validation_fraction"] == "auto" and p["patience"] == 20
    assert p["lr_schedule"] == "cosine" and p["frontend_strides"] == "auto"


def test_small_default_fit_trains_on_everything_with_cosine_decay(binary_data, fit_spy):
    # 200 sequences: no validation split (too small to trust), no early stopping,
    # batch 200 // 10 = 20, a cosine schedule over the whole step budget
    X, y = binary_data
    clf = WeightedSequenceClassifier(epochs=4, **TINY).fit(X, y)
    assert fit_spy.get("validation_data") is None
    assert not _callbacks(fit_spy, keras.callbacks.EarlyStopping)
    assert len(fit_spy["x"]) == len(X) and fit_spy["dataset"].batch_size == 20
    lr = np.asarray(clf.history_["learning_rate"])
    # per gradient step (10 per pass, 40 in all); history_ records each pass's last
    last_steps = np.arange(1, 5) * 10 - 1
    expected = 0.01 * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * last_steps / 40)))
    np.testing.assert_allclose(lr, expected, rtol=1e-5)


def test_auto_epochs_give_a_step_budget(fit_spy):
    # 24 sequences -> batch 4 -> 6 steps per pass -> ceil(750 / 6) = 125 passes, rounded
    # up to 126 = 14 Keras epochs of 9 passes (the fewest passes that split into 10-20
    # equal rounds); history_ keeps one float per pass
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 3, 1)).astype(np.float32)
    y = np.r_[np.zeros(20, int), np.ones(4, int)]
    clf = WeightedSequenceClassifier(architecture="rnn", units=2, random_state=0).fit(X, y)
    assert fit_spy["dataset"].batch_size == 4
    assert fit_spy["epochs"] == 14 and fit_spy["dataset"].passes == 9
    assert len(clf.history_["loss"]) == 126
    assert all(type(v) is float for v in clf.history_["loss"])


def test_large_default_fit_monitors_stratified_validation(fit_spy):
    # from 1,000 sequences on, "auto" holds out a stratified 10 % and stops early on it
    X, y = make_imbalanced_sequences(1000, n_timesteps=4, n_features=2, weights=(0.9, 0.1),
                                     random_state=0)
    WeightedSequenceClassifier(epochs=1, **TINY).fit(X, y)
    (es,) = _callbacks(fit_spy, keras.callbacks.EarlyStopping)
    assert es.monitor == "val_loss" and es.restore_best_weights and es.patience == 20
    _, y_val, _ = fit_spy["validation_data"]
    assert len(y_val) == 100 and fit_spy["dataset"].batch_size == 32
    assert np.sum(np.asarray(y_val).ravel() == 1) == round(0.1 * np.sum(y == 1))


def test_explicit_split_monitors_stratified_validation(binary_data, fit_spy):
    X, y = binary_data
    WeightedSequenceClassifier(epochs=2, validation_fraction=0.1, lr_schedule="plateau",
                               **TINY).fit(X, y)
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
    clf = WeightedSequenceClassifier(architecture="rnn", patience=3, units=8, epochs=200,
                                     validation_fraction=0.1, lr_schedule="plateau",
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
        clf = WeightedSequenceClassifier(epochs=2, validation_fraction=0.1,
                                         early_stopping=True, **TINY).fit(X, y)
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
        (dict(lr_schedule="linear"), "'lr_schedule' parameter"),
        (dict(batch_size="big"), "'batch_size' parameter"),
        (dict(batch_size=0), "'batch_size' parameter"),
        (dict(epochs="many"), "'epochs' parameter"),
        (dict(epochs=0), "'epochs' parameter"),
        (dict(validation_fraction="some"), "'validation_fraction' parameter"),
        (dict(early_stopping="yes"), "'early_stopping' parameter"),
        (dict(frontend_strides="fast"), "'frontend_strides' parameter"),
        (dict(standardize="yes"), "'standardize' parameter"),
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


# --------------------------------------------------- auto front-end, standardising
def _strides(clf):
    return [la.strides[0] for la in clf.model_.layers if la.name.startswith("frontend")]


@pytest.mark.parametrize("T, expected", [(100, []), (128, []), (129, [2]), (300, [3])])
def test_auto_frontend_caps_the_recurrent_steps(T, expected):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(8, T, 1)).astype(np.float32)
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, np.arange(8) % 2)
    assert _strides(clf) == expected
    lstm = next(la for la in clf.model_.layers if la.name.startswith("lstm"))
    assert lstm.input.shape[1] is None or lstm.input.shape[1] <= 128


def test_auto_frontend_keeps_the_shortest_sequence():
    # lengths 3..400: stride ceil(400 / 128) = 4 would leave the 3-step sequence
    # with nothing, so the stride is capped at 3
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 1)).astype(np.float32) for k in (3, 400, 50, 200)]
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, [0, 1, 0, 1])
    assert _strides(clf) == [3]
    assert clf.predict_proba(X).shape == (4, 2)


def _pools(clf):
    return [la.pool_size for la in clf.model_.layers if la.name == "fcn_pool"]


@pytest.mark.parametrize("T, expected", [(512, []), (513, [3]), (1100, [5])])
def test_auto_frontend_pools_the_convolutional_branch_of_long_series(T, expected):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4, T, 1)).astype(np.float32)
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, [0, 1, 0, 1])
    assert _pools(clf) == expected
    # the first block reads every step, the later blocks at most 256 (T // pool)
    model = clf.model_
    steps = keras.Model(model.input, [model.get_layer(f"fcn_conv_{i}").input for i in (0, 1)])
    first, second = steps(X[:1])
    assert first.shape[1] == T
    assert second.shape[1] == (-(-T // expected[0]) if expected else T)
    assert expected == [] or second.shape[1] <= 256
    explicit = WeightedSequenceClassifier(epochs=1, frontend_strides=(2,), **TINY)
    assert _pools(explicit.fit(X, [0, 1, 0, 1])) == []  # explicit strides: no pooling


def test_pooled_network_predicts_each_sequence_as_if_alone():
    # the pooled windows start at each sequence's first step: a sequence's output
    # does not depend on the length it is padded to in a batch or bucket
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 1)).astype(np.float32) for k in (600, 700, 650, 1100, 30, 900)]
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, [0, 1, 0, 1, 0, 1])
    assert _pools(clf) == [5] and _strides(clf) == [9]
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    assert clf.predict_proba([x[:9] for x in X]).shape == (6, 2)  # 9 steps: one window


def test_auto_conv_pool_is_off_for_per_timestep_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4, 600, 1)).astype(np.float32)
    y = (rng.rand(4, 600) > 0.8).astype(int)
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, y)
    assert clf.timestep_targets_ and _pools(clf) == []


def test_auto_frontend_is_off_for_per_timestep_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 200, 1)).astype(np.float32)
    y = (rng.rand(6, 200) > 0.8).astype(int)
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, y)
    assert clf.timestep_targets_ and _strides(clf) == []


def test_standardize_layer_holds_training_moments():
    rng = np.random.RandomState(0)
    X = [rng.normal(50.0, 4.0, size=(k, 2)).astype(np.float32) for k in (5, 9, 7, 6)]
    clf = WeightedSequenceClassifier(epochs=1, **TINY).fit(X, [0, 1, 0, 1])
    layer = clf.model_.get_layer("standardize")
    flat = np.concatenate(X).astype(np.float64)  # valid steps only, no padding
    np.testing.assert_allclose(np.ravel(layer.mean), flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.ravel(layer.variance), flat.var(0), rtol=1e-4)
    off = WeightedSequenceClassifier(epochs=1, standardize=False, **TINY).fit(X, [0, 1, 0, 1])
    assert "standardize" not in [la.name for la in off.model_.layers]


def test_standardize_makes_the_fit_invariant_to_channel_units(binary_data):
    # the same data in other units (x * 1000 + 5000) gives the same network output
    X, y = binary_data
    raw = X.astype(np.float64) * 1000.0 + 5000.0
    params = dict(epochs=2, **TINY)
    p_scaled = WeightedSequenceClassifier(**params).fit(X, y).predict_proba(X)
    p_raw = WeightedSequenceClassifier(**params).fit(raw, y).predict_proba(raw)
    np.testing.assert_allclose(p_raw, p_scaled, atol=2e-3)
    X_copy = raw.copy()
    WeightedSequenceClassifier(**params).fit(raw, y)
    np.testing.assert_array_equal(raw, X_copy)  # the caller's array is not modified


def test_describe_network_names_what_is_built():
    from skimbal import WeightedSequenceClassifier
    from skimbal.architectures import describe_network

    params = WeightedSequenceClassifier(cell="gru", frontend_strides=(4,)).get_params()
    assert describe_network(**params) == (
        "Conv1D(32, 64, 32; kernels 8, 5, 3), layer-normalised on variable-length input "
        "beside GRU(32), last step (after Conv1D front-end, strides (4,))")
    assert describe_network(conv_pool=6).startswith(
        "Conv1D(64, 128, 64; kernels 8, 5, 3) (max-pooled over 6 steps after the first "
        "block) beside")
    assert "max-pooled to at most 256 steps after the first block on series longer than " \
        "512 steps" in describe_network(frontend_strides="auto")
    assert describe_network(architecture="rnn", units=(16, 8), bidirectional=True,
                            pooling="mean", dense_units=(10,)) == (
        "bidirectional LSTM(16, 8), mean over steps, Dense(10)")


# ------------------------------------------------------------- LITE networks
@pytest.mark.parametrize("architecture", ["lite-rnn", "lite"])
def test_lite_on_variable_length_list_is_masked(architecture):
    # the classifier passes architecture through; lengths 6..12, NaN-padded batches
    X_list, _, y_seq = _ragged()
    clf = WeightedSequenceClassifier(architecture=architecture, units=3, epochs=1,
                                     validation_fraction=0.0, random_state=0)
    clf.fit(X_list, y_seq)
    layers = {la.name: la for la in clf.model_.layers}
    assert "lite_sepconv_2" in layers and "fcn_conv_0" not in layers
    assert ("lstm_0" in layers) == (architecture == "lite-rnn")
    batch = clf.predict_proba(X_list)
    for i in (0, 1, 2):
        alone = clf.predict_proba([X_list[i]])
        np.testing.assert_allclose(alone[0], batch[i], rtol=1e-4, atol=1e-5)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(back.predict_proba(X_list), batch, rtol=1e-6)


def test_describe_network_names_lite_and_ensembles():
    from skimbal.architectures import describe_network

    lite = ("LITE(32 filters; kernels 40, 20, 10, then separable 20 (dilation 2), "
            "10 (dilation 4))")
    assert describe_network(architecture="lite") == lite
    assert describe_network(architecture="lite-rnn", lite_kernel_size=24,
                            lite_filters=16, conv_pool=3) == (
        "LITE(16 filters; kernels 24, 12, 6, then separable 12 (dilation 2), 6 (dilation 4)) "
        "(max-pooled over 3 steps after the first block) beside LSTM(32), last step")
    assert describe_network(architecture="lite", n_members=5) == (
        f"mean probability of 5 networks: {lite}")


# ------------------------------------------------- ensembles and LITE in the estimator
def test_estimator_ensemble_averages_its_members_and_saves_as_one_file(tmp_path):
    import skimbal

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 12, 2)).astype(np.float32)
    y = np.arange(30) % 3
    X[y == 1, :6] += 1.5
    clf = WeightedSequenceClassifier(architecture="lite-rnn", n_members=3, units=3,
                                     lite_filters=4, epochs=2, class_weight="balanced",
                                     random_state=0).fit(X, y)
    assert isinstance(clf.model_.layers[-1], keras.layers.Average)
    assert clf._lite_kernel_size == 12  # cut to the longest training sequence
    # the averaged output is the mean of the members' own outputs
    members = [keras.Model(clf.model_.inputs, t) for t in clf.model_.layers[-1].input]
    mean = np.mean([m.predict_on_batch(X) for m in members], axis=0)
    np.testing.assert_allclose(clf.predict_proba(X), mean, rtol=1e-5, atol=1e-6)
    path = tmp_path / "ensemble.skimbal"
    clf.save(path)
    np.testing.assert_array_equal(skimbal.load(path).predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("bad, match", [
    ({"n_members": 0}, "'n_members' parameter"),
    ({"n_members": 2.0}, "'n_members' parameter"),
    ({"lite_filters": -1}, "'lite_filters' parameter"),
    ({"lite_kernel_size": "40"}, "'lite_kernel_size' parameter"),
    ({"architecture": "inception"}, "'architecture' parameter"),
])
def test_bad_ensemble_and_lite_params_fail_before_keras(no_keras, bad, match):
    X = np.zeros((8, 5, 1), np.float32)
    with pytest.raises(ValueError, match=match):
        WeightedSequenceClassifier(**bad).fit(X, np.arange(8) % 2)


def test_bool_ensemble_size_and_user_model_ensemble_are_refused(no_keras):
    X = np.zeros((8, 5, 1), np.float32)
    with pytest.raises(TypeError, match="n_members"):
        WeightedSequenceClassifier(n_members=True).fit(X, np.arange(8) % 2)
    with pytest.raises(ValueError, match="n_members=2 builds an ensemble of skimbal's own"):
        WeightedSequenceClassifier(n_members=2, model=lambda meta: None).fit(
            X, np.arange(8) % 2)


def test_keras_free_rules_are_reexported():
    """skimbal.architectures re-exports the Keras-free rules (one definition each)."""
    from skimbal import _architecture_rules as rules
    from skimbal import architectures

    assert tuple(architectures.CELLS) == rules.CELL_NAMES
    for name in rules.__all__:
        if name != "CELL_NAMES":
            assert getattr(architectures, name) is getattr(rules, name), name


def test_describe_network_names_the_convolutional_normalisation():
    from skimbal.architectures import describe_network

    conv = "Conv1D(32, 64, 32; kernels 8, 5, 3)"
    params = dict(conv_filters=(32, 64, 32))
    assert describe_network(**params, conv_norm="batch").startswith(f"{conv} beside")
    assert describe_network(**params, conv_norm="layer").startswith(
        f"{conv}, layer-normalised beside")
    assert describe_network(**params, conv_norm="auto").startswith(
        f"{conv}, layer-normalised on variable-length input beside")
    assert "normalised" not in describe_network(architecture="rnn", conv_norm="layer")
