"""WeightedSequenceClassifier on multi-label targets (n_samples, n_labels)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import spy_keras_fit
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_validate

from skimbal import WeightedSequenceClassifier
from skimbal._thresholds import f1_optimal_thresholds
from skimbal.datasets import make_imbalanced_sequences
from skimbal.losses import WeightedBinaryCrossentropy
from skimbal.model_selection import MultilabelStratifiedKFold, multilabel_validation_split

FAST = dict(units=4, epochs=2, batch_size=32, random_state=0, learning_rate=0.01,
            architecture="rnn",
            validation_fraction=0.0, early_stopping=False, lr_schedule=None)


@pytest.fixture(scope="module")
def ml_data():
    return make_imbalanced_sequences(
        160, n_timesteps=8, n_features=3, weights=(0.4, 0.15, 0.05), target="multilabel",
        class_sep=2.0, random_state=0,
    )


@pytest.fixture(scope="module")
def balanced_clf(ml_data):
    X, Y = ml_data
    return WeightedSequenceClassifier(
        class_weight="balanced", threshold=[0.3, 0.5, 0.7], **FAST
    ).fit(X, Y)


class _StopBeforeKeras(Exception):
    pass


def _weights_only(clf, X, y, monkeypatch):
    """Run fit up to the first Keras call; return the fit's working copy, whose
    weights are set by then (``clf`` itself stays unfitted: the fit did not complete)."""
    seen = {}

    def stop(self):
        seen["work"] = self
        raise _StopBeforeKeras

    monkeypatch.setattr(WeightedSequenceClassifier, "_build_keras_model", stop)
    with pytest.raises(_StopBeforeKeras):
        clf.fit(X, y)
    assert not hasattr(clf, "class_weight_")
    return seen["work"]


def _spy_fit(monkeypatch):
    return spy_keras_fit(monkeypatch)


def _weighted_bce(Y, P, pos, neg, sw=None):
    P = np.clip(P.astype(float), 1e-7, 1 - 1e-7)
    bce = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    w = Y * pos + (1 - Y) * neg
    per_sample = (w * bce).mean(axis=1)
    if sw is not None:
        per_sample = per_sample * sw
    return per_sample.mean()


# ------------------------------------------------------------------ behaviour
def test_sigmoid_head_and_shapes(ml_data, monkeypatch):
    X, Y = ml_data
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(**FAST).fit(X, Y)
    assert clf.target_type_ == "multilabel"
    assert clf.n_outputs_ == 3 and clf.n_classes_ == [2, 2, 2]
    assert [c.tolist() for c in clf.classes_] == [[0, 1]] * 3
    head = clf.model_.layers[-1]
    assert head.units == 3 and head.activation.__name__ == "sigmoid"
    # what reaches Keras: the (n, n_labels) float matrix, per-sample weights of 1
    assert np.asarray(seen["y"]).shape == (160, 3)
    np.testing.assert_array_equal(np.asarray(seen["y"]), Y.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(seen["sample_weight"]), np.ones(160))
    proba = clf.predict_proba(X)
    assert proba.shape == (160, 3)
    assert not np.allclose(proba.sum(axis=1), 1.0)  # independent sigmoids
    pred = clf.predict(X)
    assert pred.shape == (160, 3) and pred.dtype == Y.dtype
    np.testing.assert_array_equal(pred, (proba >= 0.5).astype(Y.dtype))
    np.testing.assert_array_equal(clf.threshold_, [0.5, 0.5, 0.5])


def test_balanced_weights_hand_computed_and_applied_per_element(ml_data, balanced_clf):
    X, Y = ml_data
    clf = balanced_clf
    n, n_pos = len(Y), Y.sum(axis=0)
    pos, neg = n / (2 * n_pos), n / (2 * (n - n_pos))
    assert clf.class_weight_["positive"] == pytest.approx(dict(enumerate(pos)))
    assert clf.class_weight_["negative"] == pytest.approx(dict(enumerate(neg)))
    # the compiled loss is the per-element weighted BCE with exactly these weights
    assert isinstance(clf.model_.loss, WeightedBinaryCrossentropy)
    got = clf.model_.evaluate(X, Y.astype(np.float32), verbose=0, batch_size=n)
    expected = _weighted_bce(Y, clf.predict_proba(X), pos, neg)
    assert got == pytest.approx(expected, rel=1e-4)
    # and differs from what the argmax/sample-level weighting would give
    assert got != pytest.approx(_weighted_bce(Y, clf.predict_proba(X), 1.0, 1.0), rel=1e-3)


def test_user_sample_weight_multiplies_per_sample(ml_data, monkeypatch):
    X, Y = ml_data
    sw = np.linspace(0.5, 1.5, len(Y))
    sw_copy, Y_copy = sw.copy(), Y.copy()
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(class_weight=[3.0, 1.0, 2.0], normalize_weights=False,
                                     **FAST).fit(X, Y, sample_weight=sw)
    np.testing.assert_allclose(np.asarray(seen["sample_weight"]), sw, rtol=1e-6)
    np.testing.assert_array_equal(sw, sw_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    assert clf.class_weight_ == {"positive": {0: 3.0, 1: 1.0, 2: 2.0},
                                 "negative": {0: 1.0, 1: 1.0, 2: 1.0}}
    got = clf.model_.evaluate(X, Y.astype(np.float32), sample_weight=sw, verbose=0,
                              batch_size=len(Y))
    expected = _weighted_bce(Y, clf.predict_proba(X), np.array([3.0, 1.0, 2.0]), 1.0, sw)
    assert got == pytest.approx(expected, rel=1e-4)


def test_normalized_dict_keeps_mean_element_weight_one(ml_data, monkeypatch):
    X, Y = ml_data
    clf = _weights_only(WeightedSequenceClassifier(class_weight={2: 10.0}), X, Y, monkeypatch)
    pos = np.array(list(clf.class_weight_["positive"].values()))
    neg = np.array(list(clf.class_weight_["negative"].values()))
    w = Y * pos + (1 - Y) * neg
    assert w.mean() == pytest.approx(1.0)
    assert pos[2] / neg[2] == pytest.approx(10.0)
    assert pos[0] == pytest.approx(neg[0]) == pytest.approx(neg[2])


def test_dataframe_names_and_label_names(ml_data):
    X, Y = ml_data
    df = pd.DataFrame(Y.astype(bool), columns=["spike", "drift", "rare"])
    clf = WeightedSequenceClassifier(class_weight={"rare": 5.0}, normalize_weights=False,
                                     **FAST).fit(X, df)
    assert clf.label_names_.tolist() == ["spike", "drift", "rare"]
    assert clf.class_weight_["positive"] == {"spike": 1.0, "drift": 1.0, "rare": 5.0}
    assert clf.model_.loss.positive_weights == [1.0, 1.0, 5.0]
    pred = clf.predict(X)
    assert isinstance(pred, np.ndarray) and pred.dtype == bool and pred.shape == (160, 3)


def test_label_names_param_keys_the_weights(ml_data, monkeypatch):
    X, Y = ml_data
    named = _weights_only(
        WeightedSequenceClassifier(label_names=["a", "b", "c"], class_weight={"b": 2.0},
                                   normalize_weights=False), X, Y, monkeypatch)
    assert named.class_weight_["positive"] == {"a": 1.0, "b": 2.0, "c": 1.0}
    assert named.label_names_.tolist() == ["a", "b", "c"]


def test_label_without_positives_warns_and_trains(ml_data):
    X, Y = ml_data
    Y = Y.copy()
    Y[:, 1] = 0
    with pytest.warns(UserWarning, match="Label 1 has no positive samples"):
        clf = WeightedSequenceClassifier(class_weight="balanced", **FAST).fit(X, Y)
    assert clf.class_weight_["positive"][1] == 1.0 and clf.class_weight_["negative"][1] == 1.0
    assert all(np.isfinite(list(clf.class_weight_["positive"].values())))
    assert np.isfinite(clf.history_["loss"]).all()


def test_onehot_auto_versus_multilabel_override(ml_data, monkeypatch):
    X, _ = ml_data
    Y = np.eye(3, dtype=int)[np.arange(len(X)) % 3]
    forced = WeightedSequenceClassifier(target_type="multilabel", **FAST).fit(X, Y)
    assert forced.target_type_ == "multilabel"
    assert forced.model_.layers[-1].activation.__name__ == "sigmoid"
    auto = _weights_only(WeightedSequenceClassifier(**FAST), X, Y, monkeypatch)
    assert auto.target_type_ == "onehot"
    forced_mc = _weights_only(WeightedSequenceClassifier(target_type="multiclass"), X, Y,
                              monkeypatch)
    assert forced_mc.target_type_ == "onehot"


def test_threshold_array_is_used(ml_data, balanced_clf):
    X, Y = ml_data
    thr = np.array([0.3, 0.5, 0.7])
    clf = balanced_clf
    np.testing.assert_array_equal(clf.threshold_, thr)
    np.testing.assert_array_equal(clf.predict(X), (clf.predict_proba(X) >= thr).astype(int))


def test_threshold_tune_on_iterative_validation_split(ml_data, monkeypatch):
    X, Y = ml_data
    seen = _spy_fit(monkeypatch)
    clf = WeightedSequenceClassifier(class_weight="balanced", threshold="tune",
                                     **{**FAST, "validation_fraction": 0.25}).fit(X, Y)
    tr, va = multilabel_validation_split(Y, 0.25, random_state=0)
    X_val, y_val, _ = seen["validation_data"]
    np.testing.assert_array_equal(np.asarray(y_val), Y[va])
    assert len(seen["y"]) == len(tr)
    # the rare label (8 positives) is stratified into the validation part
    assert np.asarray(y_val)[:, 2].sum() == 2
    expected = f1_optimal_thresholds(Y[va], clf.predict_proba(X[va]), clf.label_names_)
    np.testing.assert_allclose(clf.threshold_, expected)
    assert np.all((clf.threshold_ > 0) & (clf.threshold_ < 1))
    np.testing.assert_array_equal(
        clf.predict(X), (clf.predict_proba(X) >= clf.threshold_).astype(int)
    )


def test_f1_optimal_thresholds_hand_computed():
    Y = np.array([[1, 0], [1, 0], [0, 0], [0, 1]])
    P = np.array([[0.9, 0.1], [0.4, 0.2], [0.3, 0.3], [0.2, 0.35]])
    # label 0: cut at 0.4 gives F1 = 1; midpoint to the next lower score 0.3
    # label 1: cut at 0.35 gives F1 = 1; midpoint to 0.3
    np.testing.assert_allclose(f1_optimal_thresholds(Y, P, np.array([0, 1])), [0.35, 0.325])
    with pytest.warns(UserWarning, match="'b' has no positives in the validation"):
        out = f1_optimal_thresholds(np.array([[1, 0], [0, 0]]), np.array([[0.6, 0.2]] * 2),
                                    np.array(["a", "b"]))
    assert out[1] == 0.5


def test_score_is_macro_f1(ml_data, balanced_clf):
    X, Y = ml_data
    clf = balanced_clf
    pred = clf.predict(X)
    per_label = [f1_score(Y[:, j], pred[:, j], zero_division=0.0) for j in range(3)]
    assert clf.score(X, Y) == pytest.approx(np.mean(per_label))


def test_scorers_use_all_labels_in_cross_validate():
    # two labels: classes_ must not look "binary" to sklearn's scorers
    X, Y = make_imbalanced_sequences(80, n_timesteps=6, n_features=2, weights=(0.5, 0.2),
                                     target="multilabel", class_sep=2.0, random_state=1)
    cv = MultilabelStratifiedKFold(2, random_state=0)
    res = cross_validate(
        WeightedSequenceClassifier(class_weight="balanced", **{**FAST, "epochs": 1}), X, Y,
        cv=cv,
        scoring=("f1_macro", "average_precision", "roc_auc"), return_estimator=True,
        return_indices=True,
    )
    for k, (est, test) in enumerate(zip(res["estimator"], res["indices"]["test"],
                                        strict=True)):
        proba = est.predict_proba(X[test])
        assert res["test_roc_auc"][k] == pytest.approx(roc_auc_score(Y[test], proba))
        assert res["test_average_precision"][k] == pytest.approx(
            average_precision_score(Y[test], proba))
        assert res["test_f1_macro"][k] == pytest.approx(
            f1_score(Y[test], est.predict(X[test]), average="macro"))


@pytest.mark.slow
def test_grid_search_with_multilabel_scorers(ml_data):
    X, Y = ml_data[0][:80], ml_data[1][:80]
    search = GridSearchCV(
        WeightedSequenceClassifier(**{**FAST, "epochs": 1}),
        {"class_weight": [None, "balanced"]},
        cv=MultilabelStratifiedKFold(2, random_state=0),
        scoring=["f1_macro", "average_precision", "roc_auc"], refit="roc_auc",
    ).fit(X, Y)
    for name in ("f1_macro", "average_precision", "roc_auc"):
        scores = search.cv_results_[f"mean_test_{name}"]
        assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    assert search.best_estimator_.target_type_ == "multilabel"
    assert search.predict(X).shape == Y.shape
    assert search.best_params_["class_weight"] in (None, "balanced")


def test_pickle_round_trip(ml_data, balanced_clf):
    X, Y = ml_data
    clf = balanced_clf
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.threshold_, clf.threshold_)
    assert back.model_.loss.positive_weights == clf.model_.loss.positive_weights


# ------------------------------------------------------------------ bad input
X6 = np.zeros((6, 4, 2), dtype=np.float32)
Y6 = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]])
Y_BIN = np.array([0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, y, err, match",
    [
        ({}, np.where(Y6 == 1, 2, 0), ValueError, r"other than 0/1: \[2\]"),
        ({}, Y6 * 0.5, ValueError, r"other than 0/1: \[0.5\]"),
        (dict(target_type="multilabel"), Y6[:, :1], ValueError,
         "single label column.*pass 1-D labels"),
        (dict(class_weight=[1.0, 2.0]), Y6, ValueError,
         r"one positive weight per label: expected shape \(3,\)"),
        (dict(class_weight=[1.0, -2.0, 1.0]), Y6, ValueError, "positive finite"),
        (dict(class_weight={1: 0.0}), Y6, ValueError, "positive finite"),
        (dict(class_weight={"spike": 2.0}), Y6, ValueError,
         r"not labels of y: \['spike'\]; the labels are \[0, 1, 2\]"),
        (dict(threshold=[0.5, 0.5]), Y6, ValueError,
         r"one value per label: expected shape \(3,\)"),
        (dict(threshold=[0.5, 1.0, 0.5]), Y6, ValueError, r"open interval \(0, 1\)"),
        (dict(threshold=[0.5, 0.0, 0.5]), Y6, ValueError, r"open interval \(0, 1\)"),
        (dict(threshold=1.5), Y6, ValueError, "threshold"),
        (dict(threshold="tune", validation_fraction=0.0), Y6, ValueError,
         "threshold='tune'.*set validation_fraction > 0"),
        (dict(threshold="best"), Y6, ValueError, "threshold"),
        (dict(label_names=["a", "b"]), Y6, ValueError, "label_names has 2 names"),
        (dict(target_type="multi"), Y6, ValueError, "target_type"),
        (dict(loss="binary_crossentropy", class_weight="balanced"), Y6, ValueError,
         "leave loss=None"),
        (dict(label_names=["a", "b"]), Y_BIN, ValueError, "only to multi-label"),
        (dict(threshold=0.3), Y_BIN, ValueError, "FixedThresholdClassifier"),
        (dict(class_weight=[1.0, 2.0]), Y_BIN, TypeError, "needs a multi-label y"),
    ],
)
def test_bad_multilabel_input(no_keras, params, y, err, match):
    with pytest.raises(err, match=match):
        WeightedSequenceClassifier(**params).fit(X6, y)


def test_explicit_multilabel_wins_over_per_timestep_detection():
    # (n, L) with L == n_timesteps could be read as per-timestep labels
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4, 2)).astype(np.float32)
    Y = (rng.rand(40, 4) < 0.4).astype(int)
    auto = WeightedSequenceClassifier(units=2, epochs=1, random_state=0).fit(X, Y)
    assert auto.target_type_.startswith("per_timestep")
    ml = WeightedSequenceClassifier(units=2, epochs=1, target_type="multilabel",
                                    random_state=0).fit(X, Y)
    assert ml.target_type_ == "multilabel"
    assert ml.predict_proba(X).shape == (40, 4)
