"""WeightedSequenceClassifier on per-timestep targets and variable-length input."""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from conftest import spy_keras_fit
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, cross_validate

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.masking import PaddingMask
from skimbal.metrics import make_timestep_scorer, timestep_score
from skimbal.model_selection import SequenceStratifiedKFold

FAST = dict(units=3, epochs=1, batch_size=16, random_state=0, learning_rate=0.01,
            architecture="rnn",
            validation_fraction=0.0, early_stopping=False, lr_schedule=None)


@pytest.fixture(scope="module")
def step_data():
    X, y = make_imbalanced_sequences(40, n_timesteps=8, n_features=2, weights=(0.85, 0.15),
                                     target="per_timestep", class_sep=2.0, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def ragged(step_data):
    X, y = step_data
    lengths = np.random.RandomState(1).randint(3, 9, len(X))
    names = np.array(["bg", "event"])
    return ([X[i, :n] for i, n in enumerate(lengths)],
            [names[y[i, :n]] for i, n in enumerate(lengths)], lengths)


def _spy_fit(monkeypatch):
    return spy_keras_fit(monkeypatch)


# ------------------------------------------------------------------ weights
def test_per_step_weights_reach_keras(ragged, monkeypatch):
    X, y, lengths = ragged
    seen = _spy_fit(monkeypatch)
    user_sw = np.linspace(0.5, 1.5, len(X))
    clf = WeightedSequenceClassifier(class_weight="balanced", time_weight="linear",
                                     **FAST).fit(X, y, sample_weight=user_sw)
    T = lengths.max()
    valid = np.concatenate(y)
    counts = np.array([np.sum(valid == "bg"), np.sum(valid == "event")])
    cw = counts.sum() / (2 * counts)
    cw = cw * counts.sum() / np.dot(cw, counts)  # normalised: mean 1 over valid steps
    profile = np.linspace(1.0, 2.0, T)
    expected = np.zeros((len(X), T))
    for i, (lab, n) in enumerate(zip(y, lengths, strict=True)):
        expected[i, :n] = cw[(lab == "event").astype(int)] * profile[T - n:] * user_sw[i]
    np.testing.assert_allclose(seen["sample_weight"], expected, rtol=1e-5)
    assert seen["y"].shape == (len(X), T, 1)  # one sigmoid per timestep
    assert seen["class_weight"] is None  # Keras refuses it for 3-D targets
    assert np.isnan(seen["x"][lengths < T, -1]).all()  # padded at the end
    assert clf.class_weight_ == pytest.approx({"bg": cw[0], "event": cw[1]})
    np.testing.assert_allclose(clf.time_weight_, profile)
    assert clf.target_type_ == "per_timestep_binary"


def test_multiclass_steps_and_proba(monkeypatch):
    X, y = make_imbalanced_sequences(30, n_timesteps=6, n_features=3, weights=(0.7, 0.2, 0.1),
                                     target="per_timestep", random_state=2)
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(class_weight={2: 4.0}, normalize_weights=False,
                                     time_weight=[1, 1, 1, 1, 2, 3], **FAST).fit(X, y)
    np.testing.assert_array_equal(seen["y"], y)  # sparse codes (n, T)
    expected = np.where(y == 2, 4.0, 1.0) * np.array([1, 1, 1, 1, 2, 3])
    np.testing.assert_allclose(seen["sample_weight"], expected)
    proba = clf.predict_proba(X)
    assert proba.shape == (30, 6, 3)
    np.testing.assert_allclose(proba.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(-1))


def test_binary_proba_has_two_columns_following_classes(step_data):
    X, y = step_data
    clf = WeightedSequenceClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 8, 2)
    np.testing.assert_allclose(proba.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(-1)])


def test_multilabel_steps_weighted_loss(monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 5, 2)).astype(np.float32)
    Y = (rng.rand(20, 5, 3) < [0.5, 0.2, 0.1]).astype(int)
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(class_weight="balanced", time_weight="exponential",
                                     time_weight_half_life=1.0, **FAST).fit(X, Y)
    pos = Y.reshape(-1, 3).sum(0)
    neg = 100 - pos
    pos_w, neg_w = 100 / (2 * pos), 100 / (2 * neg)  # mean weight already 1
    loss = seen["loss"]
    np.testing.assert_allclose(loss.positive_weights, pos_w, rtol=1e-6)
    np.testing.assert_allclose(loss.negative_weights, neg_w, rtol=1e-6)
    np.testing.assert_allclose(seen["sample_weight"], np.tile([1 / 16, 1 / 8, 1 / 4, 1 / 2, 1],
                                                              (20, 1)))
    # the loss of one timestep, by hand
    yt = np.array([[[1.0, 0.0, 1.0]]])
    yp = np.array([[[0.8, 0.3, 0.6]]], dtype=np.float32)
    by_hand = np.mean([-pos_w[0] * np.log(0.8), -neg_w[1] * np.log(0.7),
                       -pos_w[2] * np.log(0.6)])
    assert float(loss(yt, yp)) == pytest.approx(by_hand, rel=1e-5)
    assert clf.class_weight_[2] == pytest.approx({0: neg_w[2], 1: pos_w[2]})
    assert clf.predict(X).shape == Y.shape and clf.predict(X).dtype == Y.dtype
    assert clf.predict_proba(X).shape == (20, 5, 3)


# ------------------------------------------------------ variable length
def test_list_in_list_out_and_padding_never_leaks(ragged):
    X, y, lengths = ragged
    clf = WeightedSequenceClassifier(class_weight="balanced", **FAST).fit(X, y)
    assert clf.variable_length_ and _has_mask(clf)
    pred, proba = clf.predict(X[:6]), clf.predict_proba(X[:6])
    assert isinstance(pred, list) and [len(p) for p in pred] == list(lengths[:6])
    assert pred[0].dtype.kind == "U" and proba[0].shape == (lengths[0], 2)
    # each sequence alone (no padding at all) gives the same per-step probabilities
    for xi, pi in zip(X[:6], proba, strict=True):
        alone = clf.predict_proba(xi[None])[0]
        np.testing.assert_allclose(pi, alone, rtol=1e-5, atol=1e-6)
    # longer sequences than any seen in training are fine
    longer = [np.zeros((15, 2), np.float32), np.ones((2, 2), np.float32)]
    assert [len(p) for p in clf.predict(longer)] == [15, 2]
    assert clf.score(X, y) == pytest.approx(
        balanced_accuracy_score(np.concatenate(y), np.concatenate(clf.predict(X))))


def _has_mask(clf):
    return any(isinstance(layer, PaddingMask) for layer in clf.model_.layers)


def test_array_trained_model_predicts_lists_without_padding(step_data, ragged):
    X, y = step_data
    X_list, _, lengths = ragged
    clf = WeightedSequenceClassifier(**FAST).fit(X, y)
    assert not clf.variable_length_ and not _has_mask(clf)  # no masking overhead
    proba = clf.predict_proba(X_list[:6])
    assert [len(p) for p in proba] == list(lengths[:6])
    for xi, pi in zip(X_list[:6], proba, strict=True):
        np.testing.assert_allclose(pi, clf.predict_proba(xi[None])[0], rtol=1e-5, atol=1e-6)


def test_sequence_level_targets_with_list_input(ragged):
    X, y, _ = ragged
    ys = np.array([int((lab == "event").any()) for lab in y])
    ys[:2] = [0, 1]
    clf = WeightedSequenceClassifier(**FAST).fit(X, ys)
    proba = clf.predict_proba(X[:5])
    assert proba.shape == (5, 2) and clf.predict(X).shape == (len(X),)
    # the masked recurrent layer returns the last *valid* state: same as alone
    for xi, pi in zip(X[:5], proba, strict=True):
        np.testing.assert_allclose(pi, clf.predict_proba(xi[None])[0], rtol=1e-5, atol=1e-6)


def test_padding_mask_keeps_genuine_zero_steps():
    x = np.array([[[1.0], [0.0], [2.0], [np.nan]]], dtype=np.float32)
    layer = PaddingMask()
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), [[True, True, True,
                                                                       False]])
    np.testing.assert_array_equal(np.asarray(layer(x)), [[[1.0], [0.0], [2.0], [0.0]]])


def test_validation_split_stratified_by_presence(monkeypatch):
    y = np.zeros((40, 6), int)
    y[:10, 2:4] = 1  # 10 event sequences, sorted first
    X = np.random.RandomState(0).normal(size=(40, 6, 2)).astype(np.float32)
    seen = _spy_fit(monkeypatch)
    WeightedSequenceClassifier(**{**FAST, "validation_fraction": 0.2}).fit(X, y)
    _, y_val, sw_val = seen["validation_data"]
    y_val = np.asarray(y_val)[..., 0]
    assert len(y_val) == 8 and (y_val.sum(1) > 0).sum() == 2  # 10/40 of 8
    assert np.asarray(sw_val).shape == (8, 6)


def test_saved_model_reloads_in_safe_mode_and_pickles(tmp_path):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 2)).astype(np.float32) for n in (4, 6, 3, 5)]
    Y = [(rng.rand(len(x), 2) < 0.3).astype(int) for x in X]
    Y[0][0] = [1, 1]
    Y[1][0] = [0, 0]
    clf = WeightedSequenceClassifier(class_weight="balanced", **FAST).fit(X, Y)
    clf.model_.save(tmp_path / "m.keras")
    back = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    padded = np.full((4, 6, 2), np.nan, np.float32)
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    np.testing.assert_allclose(back.predict(padded, verbose=0), clf.model_.predict(
        padded, verbose=0), rtol=1e-6)
    assert isinstance(back.loss, type(clf.model_.loss))
    unpickled = pickle.loads(pickle.dumps(clf))
    for a, b in zip(unpickled.predict_proba(X), clf.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_custom_model_without_padding_mask_is_refused(ragged):
    X, y, _ = ragged

    def build(meta):
        inp = keras.Input(shape=(None, meta["n_features_in_"]))
        h = keras.layers.GRU(2, return_sequences=True)(inp)
        return keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(h))

    with pytest.raises(ValueError, match="PaddingMask"):
        WeightedSequenceClassifier(model=build, **FAST).fit(X, y)
    # fitted on equal-length data, the same model still predicts lists (by length group)
    X_eq = np.stack([x[:3] for x in X])
    y_eq = np.stack([lab[:3] for lab in y])
    y_eq[0] = ["bg", "event", "bg"]
    clf = WeightedSequenceClassifier(model=build, **FAST).fit(X_eq, y_eq)
    assert [len(p) for p in clf.predict(X[:4])] == [len(x) for x in X[:4]]


# ------------------------------------------------------ model selection
@pytest.mark.slow
def test_timestep_scorer_in_cv_and_grid_search(ragged):
    X, y, _ = ragged
    cv = SequenceStratifiedKFold(2)
    scorer = make_timestep_scorer("f1_macro")
    res = cross_validate(WeightedSequenceClassifier(class_weight="balanced", **FAST), X, y,
                         cv=cv, scoring=scorer, return_estimator=True)
    for est, (_, test), score in zip(res["estimator"], cv.split(X, y), res["test_score"],
                                     strict=True):
        y_test = [y[i] for i in test]
        pred = est.predict([X[i] for i in test])
        assert score == pytest.approx(timestep_score(y_test, pred, metric="f1_macro"))
    # the same scorer inside GridSearchCV gives the same fold scores
    search = GridSearchCV(WeightedSequenceClassifier(**FAST),
                          {"class_weight": ["balanced"]}, cv=cv, scoring=scorer,
                          refit=False).fit(X, y)
    for k, score in enumerate(res["test_score"]):
        assert search.cv_results_[f"split{k}_test_score"][0] == pytest.approx(score)


# ------------------------------------------------------------ bad input
XL = [np.zeros((4, 2)), np.ones((3, 2))]
YL = [np.array([0, 1, 0, 0]), np.array([1, 0, 0])]
XA = np.zeros((4, 5, 2))
YA = np.array([[0, 1, 0, 0, 0]] * 2 + [[0, 0, 0, 0, 0]] * 2)


@pytest.mark.parametrize(
    "X, y, params, match",
    [
        (XL, [np.array([0, 1, 0, 0]), np.array([1, 0])], {}, r"y\[1\] has 2 timesteps but X"),
        (XA, np.zeros((4, 6), int), {"per_timestep": True}, "per_timestep=True needs"),
        ([np.zeros((4, 2)), np.zeros((0, 2))], [np.zeros(4), np.zeros(0)], {},
         "empty sequences"),
        ([np.zeros((4, 2)), np.zeros((3, 3))], YL, {}, "inconsistent feature counts"),
        ([np.zeros((4, 2)), np.zeros(3)], YL, {}, "mixes 1-D and 2-D"),
        (XA, YA, {"time_weight": [1.0, 2.0]}, "length 5"),
        (XA, YA, {"time_weight": [1.0, 2.0, -1.0, 1.0, 1.0]}, "negative"),
        (XA, YA, {"time_weight": [1.0, 2.0, np.inf, 1.0, 1.0]}, "NaN or infinity"),
        (XL, YL, {"time_weight": lambda T: np.ones(T - 1)}, "callable's output for T=4"),
        (XA, np.array([0, 1, 0, 1]), {"time_weight": "linear"},
         "applies to per-timestep targets"),
        (XA, YA, {"time_weight_range": (1.0, np.nan), "time_weight": "linear"},
         "time_weight_range"),
        (XA, YA, {"time_weight": "cubic"}, "time_weight"),
        (XA, YA, {"time_weight_half_life": 0.0}, "time_weight_half_life"),
        # one rule set with sequence-level multi-label y: a user loss would drop the
        # per-label weights
        (XA, np.stack([YA, 1 - YA], axis=-1),
         {"class_weight": "balanced", "loss": "binary_crossentropy",
          "target_type": "multilabel"},  # one-hot per step: forced multi-label
         "leave loss=None"),
    ],
)
def test_bad_temporal_input(no_keras, X, y, params, match):
    with pytest.raises(ValueError, match=match):
        WeightedSequenceClassifier(**params).fit(X, y)


def test_bad_input_not_mutated(no_keras):
    X = [x.copy() for x in XL]
    with pytest.raises(ValueError):
        WeightedSequenceClassifier(time_weight=[1.0, -1.0, 1.0, 1.0]).fit(X, YL)
    for a, b in zip(X, XL, strict=True):
        np.testing.assert_array_equal(a, b)


def test_per_step_fit_sizes_thread_pools_and_refit_drops_stale_state(step_data, monkeypatch):
    import skimbal.classifier as classifier

    calls = []
    monkeypatch.setattr(classifier, "configure_from_environment", lambda: calls.append(1))
    X, y = step_data
    clf = WeightedSequenceClassifier(**FAST, time_weight="linear").fit(X, y)
    assert calls == [1]  # the thread knob acts for per-step fits too
    assert clf.timestep_targets_ and clf.time_weight_ is not None
    clf.set_params(time_weight=None).fit(X, y[:, -1])  # refit on sequence-level labels
    assert not clf.timestep_targets_ and not hasattr(clf, "time_weight_")
    assert clf.predict(X).shape == (len(X),)


# ------------------------------------------------------------- length buckets
@pytest.fixture(scope="module")
def long_tailed():
    """Sequence-level binary data, lengths 4..120 (long tail), as a list."""
    rng = np.random.default_rng(0)
    lengths = np.exp(rng.uniform(np.log(4), np.log(120), 48)).astype(int)
    y = np.arange(48) % 2
    X = [(rng.normal(size=(n, 2)) + y[i]).astype(np.float32) for i, n in enumerate(lengths)]
    return X, y, lengths


BUCKET_FAST = dict(FAST, architecture="fcn-rnn", conv_filters=(4,), conv_kernel_sizes=(3,),
                   epochs=2, batch_size=8)


def test_fit_batches_are_length_buckets_padded_to_their_longest(long_tailed, monkeypatch):
    X, y, lengths = long_tailed
    seen = _spy_fit(monkeypatch)
    WeightedSequenceClassifier(**BUCKET_FAST).fit(X, y)
    batches = seen["dataset"]
    np.testing.assert_array_equal(batches.lengths, lengths)
    widths, rows = [], []
    for xb, _, _ in batches.dataset():
        xb = xb.numpy()
        valid = ~np.isnan(xb).all(-1)
        widths.append(xb.shape[1])
        assert valid[:, -1].any()  # cut to the batch's longest sequence
        rows.append(valid.sum(1))
    assert len(widths) == 6 and max(widths) == lengths.max() > min(widths)
    np.testing.assert_array_equal(np.sort(np.concatenate(rows)), np.sort(lengths))
    seen.clear()
    WeightedSequenceClassifier(**BUCKET_FAST, length_buckets=None).fit(X, y)
    assert seen["dataset"].lengths is None  # off: every batch at the global maximum
    assert {xb.shape[1] for xb, _, _ in seen["dataset"].dataset()} == {lengths.max()}


def test_bucketed_fit_is_reproducible_and_predicts_like_unbucketed(long_tailed):
    X, y, _ = long_tailed
    params = dict(BUCKET_FAST, frontend_strides=(2,))
    a = WeightedSequenceClassifier(**params).fit(X, y)
    b = WeightedSequenceClassifier(**params).fit(X, y)
    for wa, wb in zip(a.model_.get_weights(), b.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)  # same random_state: the same model
    bucketed = a.predict_proba(X)
    np.testing.assert_array_equal(bucketed, b.predict_proba(X))
    a.set_params(length_buckets=None)  # predict padded to the longest, at once
    np.testing.assert_allclose(bucketed, a.predict_proba(X), rtol=1e-5, atol=1e-6)
    a.set_params(length_buckets=3)
    np.testing.assert_allclose(bucketed, a.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_bucketed_per_step_targets_and_weights_follow_the_mask(ragged, monkeypatch):
    X, y, lengths = ragged
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(**dict(FAST, batch_size=8),
                                     class_weight="balanced").fit(X, y)
    batches = seen["dataset"]
    assert batches.lengths is not None and batches.time_axis == (True, True, True)
    for xb, yb, wb in batches.dataset():
        xb, yb, wb = xb.numpy(), yb.numpy(), wb.numpy()
        valid = ~np.isnan(xb).all(-1)
        assert yb.shape[:2] == wb.shape == valid.shape
        assert np.all(wb[~valid] == 0) and np.all(wb[valid] > 0)
    out = clf.predict(X)
    assert [len(o) for o in out] == list(lengths)
    clf.set_params(length_buckets=None)
    for p, q, n in zip(clf.predict_proba(X), clf.set_params(length_buckets="auto")
                       .predict_proba(X), lengths, strict=True):
        assert p.shape[0] == n
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_more_length_buckets_than_sequences_is_refused(no_keras, long_tailed):
    X, y, _ = long_tailed
    with pytest.raises(ValueError, match="length_buckets=49 .* 48 training sequences"):
        WeightedSequenceClassifier(**FAST, length_buckets=49).fit(X, y)
    with pytest.raises(ValueError, match=r"reduces the shortest training sequence \(1 "):
        WeightedSequenceClassifier(**FAST, frontend_strides=(2,)).fit(
            [np.ones((1, 2)), np.ones((300, 2))], [0, 1])


def test_very_short_and_very_long_sequences_mix():
    rng = np.random.default_rng(0)
    lengths = [1, 2, 3, 900, 1200, 5, 700, 2]
    X = [rng.normal(size=(n, 1)).astype(np.float32) for n in lengths]
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    clf = WeightedSequenceClassifier(**dict(FAST, batch_size=2, architecture="fcn-rnn",
                                            conv_filters=(4,), conv_kernel_sizes=(3,)),
                                     frontend_strides="auto").fit(X, y)
    assert clf._frontend_strides == ()  # the auto stride is capped by the shortest (1)
    assert clf.predict_proba(X).shape == (8, 2)
    clf = WeightedSequenceClassifier(**dict(FAST, batch_size=2)).fit(X[1:], y[1:])
    assert clf._frontend_strides == (2,)
    assert clf.predict(X[1:]).shape == (7,)


def test_unseeded_bucketed_fit_with_validation_split(long_tailed):
    X, y, lengths = long_tailed
    clf = WeightedSequenceClassifier(**dict(BUCKET_FAST, random_state=None,
                                            validation_fraction=0.25)).fit(X, y)
    assert len(clf.history_["val_loss"]) == 2  # new bucketed order each epoch
    assert clf.predict(X).shape == (len(lengths),)
