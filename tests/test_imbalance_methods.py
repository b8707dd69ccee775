"""Logit adjustment, balanced batches and prior correction in WeightedSequenceClassifier."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from conftest import FAST, string_labels
from sklearn.metrics import brier_score_loss, log_loss, recall_score

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.losses import LogitAdjustedCrossentropy, WeightedBinaryCrossentropy

TINY = {**FAST, "epochs": 1}


@pytest.fixture(scope="module")
def held_out():
    """A 9:1 binary problem, split in a training and a held-out half."""
    X, y = make_imbalanced_sequences(600, n_timesteps=10, n_features=3, weights=(0.9, 0.1),
                                     class_sep=1.0, random_state=0)
    return X[:300], y[:300], X[300:], y[300:]


@pytest.fixture(scope="module")
def multilabel_data():
    return make_imbalanced_sequences(80, n_timesteps=6, n_features=2, weights=(0.3, 0.1),
                                     target="multilabel", class_sep=2.0, random_state=0)


def _logit(p):
    return np.log(p) - np.log1p(-p)


# ------------------------------------------------------------------- checks
@pytest.mark.parametrize("params, error, match", [
    ({"tau": -0.5}, ValueError, "tau"),
    ({"tau": True}, TypeError, "tau"),
    ({"logit_adjustment": "prior"}, ValueError, "logit_adjustment"),
    ({"balanced_batches": "yes"}, ValueError, "balanced_batches"),
    ({"prior_correction": 1.5}, ValueError, "prior_correction"),
    ({"logit_adjustment": "loss", "loss": "binary_crossentropy"}, ValueError,
     "logit_adjustment='loss'.*loss="),
])
def test_bad_parameters_rejected_before_keras(binary_data, no_keras, params, error, match):
    X, y = binary_data
    with pytest.raises(error, match=match):
        WeightedSequenceClassifier(**TINY, **params).fit(X, y)


def test_balanced_batches_need_one_class_per_sequence(multilabel_data, no_keras):
    X, Y = multilabel_data
    with pytest.raises(ValueError, match="balanced_batches.*'multilabel'"):
        WeightedSequenceClassifier(**TINY, balanced_batches=True).fit(X, Y)
    Xs, ys = make_imbalanced_sequences(20, n_timesteps=8, target="per_timestep",
                                       random_state=0)
    with pytest.raises(ValueError, match="balanced_batches.*'per_timestep_binary'"):
        WeightedSequenceClassifier(**TINY, balanced_batches=True).fit(Xs, ys)


def test_logit_adjusted_loss_refuses_a_model_compiled_with_its_own_loss(binary_data):
    def build(meta):
        inp = keras.Input(shape=(None, meta["n_features_in_"]))
        out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.SimpleRNN(2)(inp))
        model = keras.Model(inp, out)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    X, y = binary_data
    with pytest.raises(ValueError, match="logit_adjustment='loss'.*compiled model"):
        WeightedSequenceClassifier(build, **TINY, logit_adjustment="loss").fit(X, y)
    # post-hoc needs no particular loss
    clf = WeightedSequenceClassifier(build, **TINY, logit_adjustment="post-hoc").fit(X, y)
    assert set(clf.predict(X)) <= {0, 1}


# ------------------------------------------------------------- logit adjustment
def test_logit_adjusted_loss_per_kind(binary_data, multiclass_data, multilabel_data):
    tau = 0.5
    X, y = binary_data
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss", tau=tau).fit(X, y)
    pi = np.bincount(y) / len(y)
    np.testing.assert_allclose(clf.class_prior_, pi)
    assert isinstance(clf.model_.loss, WeightedBinaryCrossentropy)  # one sigmoid unit
    assert clf.model_.loss.logit_offsets == pytest.approx([tau * np.log(pi[1] / pi[0])])
    np.testing.assert_allclose(clf.training_prior_, pi ** (1 - tau) / (pi ** (1 - tau)).sum())

    X, y = multiclass_data
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss",
                                     tau=tau).fit(X, string_labels(y))
    pi = np.bincount(y) / len(y)
    pi_sorted = pi[np.argsort(string_labels(np.arange(3)))]  # classes_ are sorted names
    assert isinstance(clf.model_.loss, LogitAdjustedCrossentropy)
    np.testing.assert_allclose(clf.class_prior_, pi_sorted)
    assert clf.model_.loss.logit_offsets == pytest.approx(tau * np.log(pi_sorted))

    X, Y = multilabel_data
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss", tau=tau,
                                     class_weight="balanced").fit(X, Y)
    pi = Y.mean(axis=0)
    np.testing.assert_allclose(clf.class_prior_, pi)
    assert clf.model_.loss.logit_offsets == pytest.approx(tau * _logit(pi))
    # the per-label class weights stay in the same loss
    assert clf.model_.loss.positive_weights == pytest.approx(
        list(clf.class_weight_["positive"].values()))


def test_focal_gamma_composes_with_the_logit_adjusted_loss(binary_data, multiclass_data):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss", focal_gamma=2.0).fit(X, y)
    pi = np.bincount(y) / len(y)
    assert isinstance(clf.model_.loss, WeightedBinaryCrossentropy)
    assert clf.model_.loss.gamma == 2.0
    assert clf.model_.loss.logit_offsets == pytest.approx([np.log(pi[1] / pi[0])])
    X, y = multiclass_data
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss", focal_gamma=1.5).fit(X, y)
    assert isinstance(clf.model_.loss, LogitAdjustedCrossentropy)
    assert clf.model_.loss.gamma == 1.5
    assert clf.model_.loss.logit_offsets == pytest.approx(np.log(np.bincount(y) / len(y)))


def test_logit_adjusted_loss_for_per_timestep_targets_uses_valid_steps():
    X, y = make_imbalanced_sequences(24, n_timesteps=12, target="per_timestep",
                                     weights=(0.8, 0.2), random_state=0)
    lengths = np.arange(24) % 5 + 8
    Xl = [X[i, :n] for i, n in enumerate(lengths)]
    yl = [y[i, :n] for i, n in enumerate(lengths)]
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="loss").fit(Xl, yl)
    valid = np.concatenate(yl)
    pi = np.bincount(valid) / len(valid)
    np.testing.assert_allclose(clf.class_prior_, pi)
    assert clf.model_.loss.logit_offsets == pytest.approx([np.log(pi[1] / pi[0])])
    out = clf.predict(Xl)
    assert [len(o) for o in out] == lengths.tolist()


def test_post_hoc_adjustment_decides_on_shifted_log_probabilities(multiclass_data):
    X, y = multiclass_data
    ys = string_labels(y)
    tau = 1.0
    plain = WeightedSequenceClassifier(**TINY).fit(X, ys)
    post = WeightedSequenceClassifier(**TINY, logit_adjustment="post-hoc", tau=tau).fit(X, ys)
    p = post.predict_proba(X)
    np.testing.assert_array_equal(p, plain.predict_proba(X))  # trained as usual
    np.testing.assert_allclose(post.training_prior_, post.class_prior_)
    hand = post.classes_[np.argmax(np.log(p) - tau * np.log(post.class_prior_), axis=1)]
    np.testing.assert_array_equal(post.predict(X), hand)
    assert not np.array_equal(post.predict(X), plain.predict(X))  # the rare class gains
    rare = post.classes_[np.argmin(post.class_prior_)]
    assert (post.predict(X) == rare).sum() > (plain.predict(X) == rare).sum()


def test_post_hoc_adjustment_of_multilabel_thresholds(multilabel_data):
    X, Y = multilabel_data
    thr = np.array([0.4, 0.6])
    clf = WeightedSequenceClassifier(**TINY, logit_adjustment="post-hoc", tau=2.0,
                                     threshold=thr).fit(X, Y)
    p = clf.predict_proba(X).astype(np.float64)
    pi = Y.mean(axis=0)
    hand = (_logit(p) - 2.0 * _logit(pi) >= _logit(thr)).astype(Y.dtype)
    np.testing.assert_array_equal(clf.predict(X), hand)


# ------------------------------------------------------------ balanced batches
def test_balanced_batches_raise_minority_recall(held_out):
    Xtr, ytr, Xte, yte = held_out
    params = {**FAST, "epochs": 3}
    plain = WeightedSequenceClassifier(**params).fit(Xtr, ytr)
    balanced = WeightedSequenceClassifier(**params, balanced_batches=True).fit(Xtr, ytr)
    assert recall_score(yte, balanced.predict(Xte)) > recall_score(yte, plain.predict(Xte)) + 0.3
    np.testing.assert_allclose(balanced.training_prior_, [0.5, 0.5])
    again = WeightedSequenceClassifier(**params, balanced_batches=True).fit(Xtr, ytr)
    np.testing.assert_array_equal(again.predict_proba(Xte), balanced.predict_proba(Xte))


# ------------------------------------------------------------ prior correction
def test_prior_correction_shifts_predict_proba_only(binary_data):
    X, y = binary_data
    kw = {**TINY, "class_weight": "balanced"}
    raw = WeightedSequenceClassifier(**kw).fit(X, y)
    corrected = WeightedSequenceClassifier(**kw, prior_correction=True).fit(X, y)
    p, pc = raw.predict_proba(X).astype(np.float64), corrected.predict_proba(X)
    pi, q = corrected.class_prior_, corrected.training_prior_
    np.testing.assert_allclose(pi, np.bincount(y) / len(y))
    np.testing.assert_allclose(q, [0.5, 0.5], atol=1e-6)  # "balanced": n_c * w_c equal
    hand = p * pi / q
    np.testing.assert_allclose(pc, hand / hand.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(pc.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(corrected.predict(X), raw.predict(X))  # decision kept


def test_prior_correction_of_labels_and_per_timestep_outputs(multilabel_data):
    X, Y = multilabel_data
    kw = {**TINY, "class_weight": "balanced"}
    raw = WeightedSequenceClassifier(**kw).fit(X, Y)
    corrected = WeightedSequenceClassifier(**kw, prior_correction=True).fit(X, Y)
    p = raw.predict_proba(X).astype(np.float64)
    pi, q = corrected.class_prior_, corrected.training_prior_
    np.testing.assert_allclose(q, [0.5, 0.5], atol=1e-6)
    odds = p / (1 - p) * (pi / (1 - pi)) / (q / (1 - q))
    np.testing.assert_allclose(corrected.predict_proba(X), odds / (1 + odds), rtol=1e-4)
    np.testing.assert_array_equal(corrected.predict(X), raw.predict(X))

    Xs, ys = make_imbalanced_sequences(16, n_timesteps=8, target="per_timestep",
                                       weights=(0.8, 0.1, 0.1), random_state=0)
    Xl = [Xs[i, : 5 + i % 4] for i in range(16)]
    yl = [ys[i, : 5 + i % 4] for i in range(16)]
    step = WeightedSequenceClassifier(**kw, prior_correction=True).fit(Xl, yl)
    out = step.predict_proba(Xl)
    assert [o.shape for o in out] == [(len(s), 3) for s in yl]
    np.testing.assert_allclose(np.concatenate(out).sum(axis=1), 1.0, rtol=1e-5)


def test_prior_correction_improves_held_out_log_loss_after_balanced_weights(held_out):
    Xtr, ytr, Xte, yte = held_out
    kw = {**FAST, "epochs": 5, "class_weight": "balanced"}
    raw = WeightedSequenceClassifier(**kw).fit(Xtr, ytr).predict_proba(Xte)
    fixed = WeightedSequenceClassifier(**kw, prior_correction=True).fit(Xtr, ytr)
    corrected = fixed.predict_proba(Xte)
    assert log_loss(yte, corrected) < log_loss(yte, raw) - 0.05
    assert brier_score_loss(yte, corrected[:, 1]) < brier_score_loss(yte, raw[:, 1])


def test_calibration_and_threshold_tuning_compose(binary_data):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import TunedThresholdClassifierCV

    X, y = binary_data
    ys = string_labels(y)
    est = WeightedSequenceClassifier(**TINY, class_weight="balanced", prior_correction=True)
    cal = CalibratedClassifierCV(est, cv=2).fit(X, ys)
    proba = cal.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(cal.predict(X)) <= set(ys)
    tuned = TunedThresholdClassifierCV(est, cv=2, scoring="balanced_accuracy").fit(X, ys)
    assert 0.0 < tuned.best_threshold_ < 1.0
    assert set(tuned.predict(X)) <= set(ys)
