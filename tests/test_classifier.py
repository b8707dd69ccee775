"""WeightedSequenceClassifier: weighting, targets and the scikit-learn contract."""

from __future__ import annotations

import pickle

import joblib
import keras
import numpy as np
import pytest
from conftest import spy_keras_fit, string_labels
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skimbal import WeightedSequenceClassifier


# ----------------------------------------------------------------- weighting
def test_balanced_weights_from_fit_data(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(class_weight="balanced", **fast_params).fit(X, y)
    counts = np.bincount(y)
    expected = len(y) / (2 * counts)
    assert clf.class_weight_ == pytest.approx({0: expected[0], 1: expected[1]})


def test_weights_follow_each_fit(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(class_weight="balanced", **fast_params)
    w_full = clf.fit(X, y).class_weight_[1]
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:5]]
    w_sub = clf.fit(X[keep], y[keep]).class_weight_[1]
    assert w_sub > w_full  # fewer minority samples -> larger weight
    assert w_sub == pytest.approx(len(keep) / (2 * 5))


def test_dict_weights_normalized_to_mean_one(binary_data, fast_params):
    X, y = binary_data
    n0, n1 = np.bincount(y)
    clf = WeightedSequenceClassifier(
        class_weight={0: 1 / n0, 1: 1 / n1}, **fast_params
    ).fit(X, y)
    w = np.array([clf.class_weight_[0], clf.class_weight_[1]])
    assert (w[y]).mean() == pytest.approx(1.0, rel=1e-6)
    assert w[1] / w[0] == pytest.approx(n0 / n1, rel=1e-6)


def test_normalize_false_keeps_raw_weights(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(
        class_weight={1: 7.0}, normalize_weights=False, **fast_params
    ).fit(X, y)
    assert clf.class_weight_ == {0: 1.0, 1: 7.0}


def _capture_fit_weights(monkeypatch):
    return spy_keras_fit(monkeypatch)


def test_sample_weight_reaches_keras_multiplied(binary_data, fast_params, monkeypatch):
    X, y = binary_data
    seen = _capture_fit_weights(monkeypatch)
    user_sw = np.linspace(0.5, 1.5, len(y))
    user_copy = user_sw.copy()
    X_copy, y_copy = X.copy(), y.copy()
    clf = WeightedSequenceClassifier(class_weight={1: 4.0}, normalize_weights=False,
                                     **fast_params)
    clf.fit(X, y, sample_weight=user_sw)
    expected = np.where(y == 1, 4.0, 1.0) * user_sw
    np.testing.assert_allclose(seen["sample_weight"], expected, rtol=1e-6)
    # never mutate the caller's arrays
    np.testing.assert_array_equal(user_sw, user_copy)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_validation_split_is_stratified(fast_params, monkeypatch):
    # sorted by class: Keras' tail split would hold only class 1
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 6, 2)).astype(np.float32)
    y = np.r_[np.zeros(160, int), np.ones(40, int)]
    seen = _capture_fit_weights(monkeypatch)
    clf = WeightedSequenceClassifier(**{**fast_params, "validation_fraction": 0.25}).fit(X, y)
    _, y_val, _ = seen["validation_data"]
    y_val = np.asarray(y_val).ravel()
    assert len(y_val) == 50
    assert np.sum(y_val == 1) == 10 and np.sum(y_val == 0) == 40
    assert len(seen["y"]) == 150
    assert "val_loss" in clf.history_


def test_early_stopping_stops_and_restores():
    from skimbal.model_selection import stratified_validation_split

    # random labels: the validation loss soon rises, so training must stop
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5, 2)).astype(np.float32)
    y = rng.randint(0, 2, 120)
    clf = WeightedSequenceClassifier(
        units=16, epochs=60, learning_rate=0.05, early_stopping=True, patience=2,
        validation_fraction=0.25, random_state=0, architecture="rnn", lr_schedule=None,
    ).fit(X, y)
    val_loss = np.asarray(clf.history_["val_loss"])
    best = int(np.argmin(val_loss))
    assert len(val_loss) < 60
    assert len(val_loss) == best + 2 + 1  # stopped `patience` epochs after the best
    # the best weights were restored: evaluating on the same split gives the best loss
    _, val_idx = stratified_validation_split(y, 0.25, random_state=0)
    restored = clf.model_.evaluate(X[val_idx], y[val_idx, None].astype(np.float32),
                                   verbose=0)
    assert restored == pytest.approx(val_loss[best], rel=1e-4)


def test_balanced_improves_minority_recall():
    from sklearn.metrics import recall_score

    from skimbal.datasets import make_imbalanced_sequences

    X, y = make_imbalanced_sequences(400, n_timesteps=10, weights=(0.95, 0.05),
                                     class_sep=0.8, random_state=3)
    params = dict(units=8, epochs=5, learning_rate=0.01, random_state=0, architecture="rnn",
                  validation_fraction=0.0, early_stopping=False, lr_schedule=None)
    plain = WeightedSequenceClassifier(**params).fit(X, y)
    balanced = WeightedSequenceClassifier(class_weight="balanced", **params).fit(X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X))
    # the weighting moves probability mass to the minority class
    minority = y == 1
    assert (balanced.predict_proba(X)[minority, 1].mean()
            > plain.predict_proba(X)[minority, 1].mean())


# ------------------------------------------------------------------- targets
def test_string_labels_and_dict_by_string(binary_data, fast_params):
    X, y = binary_data
    ys = string_labels(y)  # "normal"/"fraud"
    clf = WeightedSequenceClassifier(class_weight={"fraud": 10.0},
                                     normalize_weights=False, **fast_params).fit(X, ys)
    assert clf.classes_.tolist() == ["fraud", "normal"]
    assert clf.class_weight_ == {"fraud": 10.0, "normal": 1.0}
    pred = clf.predict(X)
    assert pred.dtype.kind == "U"
    np.testing.assert_array_equal(pred, clf.classes_[clf.predict_proba(X).argmax(axis=1)])


def test_multiclass_proba_follows_classes(multiclass_data, fast_params):
    X, y = multiclass_data
    ys = string_labels(y)
    clf = WeightedSequenceClassifier(class_weight="balanced", **fast_params).fit(X, ys)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))


def test_onehot_in_onehot_out(multiclass_data, fast_params):
    X, y = multiclass_data
    Y = np.eye(3, dtype=np.float32)[y]
    clf = WeightedSequenceClassifier(class_weight={2: 5.0}, **fast_params).fit(X, Y)
    assert clf.target_type_ == "onehot"
    pred = clf.predict(X)
    assert pred.shape == Y.shape and pred.dtype == Y.dtype
    assert np.all(pred.sum(axis=1) == 1)
    assert clf.class_weight_[2] / clf.class_weight_[0] == pytest.approx(5.0)


def test_bool_binary(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y.astype(bool))
    assert clf.predict(X).dtype == bool
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_user_model_callable_still_weighted(binary_data, fast_params, monkeypatch):
    X, y = binary_data

    def build(meta, hidden=3):
        inp = keras.Input(shape=(None, meta["n_features_in_"]))
        h = keras.layers.GRU(hidden)(inp)
        out = keras.layers.Dense(meta["n_classes_"], activation="softmax")(h)
        return keras.Model(inp, out)

    seen = _capture_fit_weights(monkeypatch)
    clf = WeightedSequenceClassifier(
        model=build, model__hidden=5, class_weight="balanced", **fast_params
    ).fit(X, y)
    assert clf.model_.layers[1].units == 5
    w = len(y) / (2 * np.bincount(y))
    np.testing.assert_allclose(seen["sample_weight"], w[y], rtol=1e-6)
    assert clf.predict_proba(X).shape == (len(X), 2)


# ---------------------------------------------------------- sklearn contract
def test_get_set_params_and_clone():
    est = WeightedSequenceClassifier(cell="gru", units=(8, 4), fit__shuffle=False)
    params = est.get_params()
    assert params["cell"] == "gru" and params["units"] == (8, 4)
    assert params["fit__shuffle"] is False
    est.set_params(cell="rnn", optimizer__beta_1=0.8)
    assert est.cell == "rnn" and est.optimizer__beta_1 == 0.8
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    assert cloned is not est


def test_fitted_attributes(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    assert clf.n_features_in_ == 3
    assert clf.classes_.tolist() == [0, 1]
    assert isinstance(clf.model_, keras.Model)
    assert len(clf.history_["loss"]) == fast_params["epochs"]
    assert set(clf.class_weight_) == {0, 1}


def test_same_random_state_same_predictions(binary_data, fast_params):
    X, y = binary_data
    a = WeightedSequenceClassifier(dropout=0.2, **{**fast_params, "validation_fraction": 0.2})
    p1 = a.fit(X, y).predict_proba(X)
    p2 = a.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    other = clone(a).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.allclose(p1, other)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_round_trip(binary_data, fast_params, tmp_path, dump):
    X, y = binary_data
    clf = WeightedSequenceClassifier(class_weight="balanced", **fast_params).fit(X, y)
    if dump == "pickle":
        back = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "m.joblib")
        back = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.class_weight_ == clf.class_weight_
    unfitted = pickle.loads(pickle.dumps(WeightedSequenceClassifier(units=3)))
    assert unfitted.units == 3


def test_cross_val_score_is_stratified(binary_data, fast_params, monkeypatch):
    X, y = binary_data
    seen_counts = []
    original = WeightedSequenceClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen_counts.append(np.bincount(y))
        return original(self, X, y, sample_weight)

    monkeypatch.setattr(WeightedSequenceClassifier, "fit", spy)
    est = WeightedSequenceClassifier(class_weight="balanced", **fast_params)
    scores = cross_val_score(est, X, y, cv=5, scoring="balanced_accuracy")
    assert scores.shape == (5,)
    n1 = np.bincount(y)[1]
    # stratified: each training fold keeps ~4/5 of the minority class
    for counts in seen_counts:
        assert abs(counts[1] - n1 * 4 / 5) <= 1


def test_cross_validate_weights_per_fold(binary_data, fast_params):
    X, y = binary_data
    res = cross_validate(
        WeightedSequenceClassifier(class_weight="balanced", **fast_params), X, y,
        cv=StratifiedKFold(3), return_estimator=True,
    )
    for est, idx in zip(res["estimator"], StratifiedKFold(3).split(X, y), strict=True):
        counts = np.bincount(y[idx[0]])
        assert est.class_weight_[1] == pytest.approx(counts.sum() / (2 * counts[1]))


@pytest.mark.slow
def test_grid_search_over_weight_units_cell(binary_data, fast_params):
    X, y = binary_data
    params = {k: v for k, v in fast_params.items() if k != "units"}
    search = GridSearchCV(
        WeightedSequenceClassifier(epochs=1, **{k: v for k, v in params.items()
                                                if k != "epochs"}),
        {"class_weight": [None, "balanced"], "units": [2, 4], "cell": ["gru", "rnn"]},
        cv=2, scoring="balanced_accuracy",
    ).fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 8
    assert np.all(np.isfinite(res["mean_test_score"]))
    # the refitted best estimator is the top-ranked grid point, refitted on all of y
    best = int(np.argmax(res["mean_test_score"]))
    assert res["rank_test_score"][best] == 1
    assert search.best_params_ == res["params"][best]
    est = search.best_estimator_
    assert {k: getattr(est, k) for k in search.best_params_} == search.best_params_
    counts = np.bincount(y)  # balanced weights already have mean 1
    expected_w1 = counts.sum() / (2 * counts[1]) if est.class_weight == "balanced" else 1.0
    assert est.class_weight_[1] == pytest.approx(expected_w1)
    # its network is the one those parameters build (units and cell set its size)
    again = WeightedSequenceClassifier(**{**params, "epochs": 1, **search.best_params_})
    assert est.model_.count_params() == again.fit(X, y).model_.count_params()


def test_pipeline_with_preprocessing(binary_data, fast_params):
    X, y = binary_data
    pipe = make_pipeline(
        FunctionTransformer(lambda a: a * 2.0),
        WeightedSequenceClassifier(class_weight="balanced", **fast_params),
    )
    pipe.fit(X, y)
    assert isinstance(pipe, Pipeline)
    # the classifier inside sees the transformed X: same seed, same predictions
    direct = WeightedSequenceClassifier(class_weight="balanced", **fast_params).fit(X * 2.0, y)
    np.testing.assert_array_equal(pipe.predict(X), direct.predict(X * 2.0))
    np.testing.assert_allclose(pipe.predict_proba(X), direct.predict_proba(X * 2.0),
                               rtol=1e-5, atol=1e-6)
    search = GridSearchCV(
        pipe, {"weightedsequenceclassifier__class_weight": [None, "balanced"]}, cv=2
    ).fit(X, y)
    res = search.cv_results_
    best = int(np.argmax(res["mean_test_score"]))
    assert search.best_params_ == res["params"][best]
    chosen = search.best_estimator_[-1]
    assert chosen.class_weight == search.best_params_["weightedsequenceclassifier__class_weight"]
    # the refit computed the weights of that setting on all of y
    assert (chosen.class_weight_[1] > chosen.class_weight_[0]) == (
        chosen.class_weight == "balanced")


@pytest.mark.slow
def test_tuned_threshold_and_calibration(binary_data, fast_params):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import TunedThresholdClassifierCV

    X, y = binary_data
    base = WeightedSequenceClassifier(class_weight="balanced", **fast_params)
    tuned = TunedThresholdClassifierCV(base, cv=2, scoring="balanced_accuracy").fit(X, y)
    # predictions are the refitted classifier's positive-class probability cut at the
    # tuned threshold (so predict_proba's column 1 really is P(y == classes_[1]))
    p1 = tuned.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(tuned.predict(X), (p1 >= tuned.best_threshold_).astype(int))
    cal = CalibratedClassifierCV(base, cv=2).fit(X, y)
    proba = cal.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # one calibrated copy per fold, each fitted on its own fold (own class weights)
    assert len(cal.calibrated_classifiers_) == 2
    np.testing.assert_allclose(
        proba, np.mean([c.predict_proba(X) for c in cal.calibrated_classifiers_], axis=0),
        rtol=1e-6)


def test_precision_recall_display(binary_data, fast_params):
    import matplotlib

    matplotlib.use("Agg")
    from sklearn.metrics import PrecisionRecallDisplay, average_precision_score

    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    disp = PrecisionRecallDisplay.from_estimator(clf, X, y)
    expected = average_precision_score(y, clf.predict_proba(X)[:, 1])
    assert disp.average_precision == pytest.approx(expected)


def test_score_is_accuracy(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    assert clf.score(X, y) == pytest.approx(np.mean(clf.predict(X) == y))


# ------------------------------------------------------------------ bad input
X_OK = np.zeros((6, 4, 2), dtype=np.float32)
Y_OK = np.array([0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize(
    "X, y, err, match",
    [
        (np.zeros((6, 4)), Y_OK, ValueError, "must be 3-D.*got 2-D"),
        (np.zeros((6, 4, 2, 1)), Y_OK, ValueError, "must be 3-D.*got 4-D"),
        (np.where(np.arange(48).reshape(6, 4, 2) == 5, np.nan, 0.0), Y_OK,
         ValueError, "NaN or infinity"),
        (np.full((6, 4, 2), np.inf), Y_OK, ValueError, "NaN or infinity"),
        (X_OK, Y_OK[:5], ValueError, r"len\(X\)=6, len\(y\)=5"),
        (X_OK, np.zeros(6, int), ValueError, "single class"),
        (np.full((6, 4, 2), "a"), Y_OK, TypeError, "numeric"),
        (None, Y_OK, TypeError, "X is required"),
        (X_OK, Y_OK.astype(complex), ValueError, "y is complex-valued"),
        (np.full((6, 4, 2), 1e39), Y_OK, ValueError,
         "finite values beyond the float32 range.*overflow float32"),
        ([np.full((4, 2), 1e39)] * 6, Y_OK, ValueError, r"X\[0\] has finite values beyond"),
        (np.array([np.zeros((3, 2)), np.zeros((4, 2)), np.zeros((5, 2)),
                   np.zeros((3, 2)), np.zeros((4, 2)), np.zeros((5, 2))], dtype=object),
         Y_OK, TypeError, r"object array of 6 sequences.*list of \(T_i, n_features\)"),
    ],
)
def test_bad_X_y(no_keras, X, y, err, match):
    with pytest.raises(err, match=match):
        WeightedSequenceClassifier().fit(X, y)


@pytest.mark.parametrize(
    "params, err, match",
    [
        (dict(class_weight={0: 1.0, 7: 2.0}), ValueError, r"not classes of y: \[7\]"),
        (dict(class_weight={1: 0.0}), ValueError, "positive finite"),
        (dict(class_weight={1: -2.0}), ValueError, "positive finite"),
        (dict(class_weight={1: float("nan")}), ValueError, "positive finite"),
        (dict(class_weight={1: "ten"}), TypeError, "positive real number"),
        (dict(class_weight={True: 3.0}), ValueError, r"not classes of y: \[True\]"),
        (dict(class_weight="balance"), ValueError, "class_weight"),
        (dict(cell="transformer"), ValueError, "cell"),
        (dict(validation_fraction=1.0), ValueError, "validation_fraction"),
        (dict(validation_fraction=-0.1), ValueError, "validation_fraction"),
        (dict(units=(4, 0)), ValueError, "units"),
        (dict(units=0), ValueError, "units"),
        (dict(dropout=1.5), ValueError, "dropout"),
        (dict(length_buckets=0), ValueError, "'length_buckets' parameter"),
        (dict(length_buckets="on"), ValueError, "'length_buckets' parameter"),
        (dict(length_buckets=2.5), ValueError, "'length_buckets' parameter"),
        (dict(model=keras.Sequential()), TypeError, "model must be a function"),
        (dict(optimizer="nonexistent_opt"), ValueError,
         "optimizer='nonexistent_opt' is not a known Keras optimizer"),
        (dict(loss="nonexistent_loss"), ValueError,
         "loss='nonexistent_loss' is not a known Keras loss"),
        (dict(metrics=["accuracy", "nonexistent_metric"]), ValueError,
         r"metrics\[1\]='nonexistent_metric' is not a known Keras metric"),
        (dict(epochs=True), TypeError, "epochs must be a number.*not the bool True"),
        (dict(batch_size=False), TypeError, "batch_size must be a number"),
        (dict(units=True), TypeError, "units must be a number"),
    ],
)
def test_bad_params(no_keras, params, err, match):
    with pytest.raises(err, match=match):
        WeightedSequenceClassifier(**params).fit(X_OK, Y_OK)


def test_bad_sample_weight(no_keras):
    with pytest.raises(ValueError, match="sample_weight"):
        WeightedSequenceClassifier().fit(X_OK, Y_OK, sample_weight=[1, 2])


def test_validation_split_needs_two_per_class(monkeypatch):
    # documented fallback (see tests/test_architectures.py): warn, train on all samples
    seen = _capture_fit_weights(monkeypatch)
    y = np.array([0, 0, 0, 0, 0, 1])
    with pytest.warns(UserWarning, match="at least 2 samples per class"):
        WeightedSequenceClassifier(validation_fraction=0.3, units=2, epochs=1,
                                   architecture="rnn", random_state=0).fit(X_OK, y)
    assert seen["validation_data"] is None and len(seen["y"]) == 6


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        WeightedSequenceClassifier().predict(X_OK)
    with pytest.raises(NotFittedError):
        WeightedSequenceClassifier().predict_proba(X_OK)


def test_feature_count_at_predict(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    with pytest.raises(ValueError, match="2 features per timestep.*fitted with 3"):
        clf.predict(X[:, :, :2])
    # a different number of timesteps is fine
    assert clf.predict(X[:, :5]).shape == (len(X),)


# ------------------------------------------ a failed fit leaves no half-fitted state
class _Interrupt(keras.callbacks.Callback):
    """Raise KeyboardInterrupt in the middle of training (as Ctrl-C would)."""

    def on_train_batch_end(self, batch, logs=None):
        raise KeyboardInterrupt


def _wrong_size_model(meta):
    inp = keras.Input(shape=(None, meta["n_features_in_"]))
    h = keras.layers.GRU(2)(inp)
    return keras.Model(inp, keras.layers.Dense(5, activation="softmax")(h))


@pytest.fixture
def fitted_binary(binary_data, fast_params):
    X, y = binary_data
    clf = WeightedSequenceClassifier(**{**fast_params, "epochs": 1}).fit(X, y)
    return clf, X[:4], clf.predict(X[:4]), clf.predict_proba(X[:4])


def _three_class(binary_data):
    X, y = binary_data
    return X, np.arange(len(y)) % 3


@pytest.mark.parametrize(
    "params, err",
    [
        (dict(loss="nonexistent_loss"), ValueError),
        (dict(model=_wrong_size_model), ValueError),
        (dict(callbacks=[_Interrupt()]), KeyboardInterrupt),
    ],
    ids=["bad-loss", "wrong-output-size", "interrupted"],
)
def test_failed_refit_keeps_previous_fit(fitted_binary, binary_data, params, err):
    clf, X4, pred, proba = fitted_binary
    model, classes, state = clf.model_, clf.classes_, dict(vars(clf))
    clf.set_params(**params)
    with pytest.raises(err):
        clf.fit(*_three_class(binary_data))
    assert clf.model_ is model and clf.classes_ is classes
    assert {k: v for k, v in vars(clf).items() if k.endswith("_")} == {
        k: v for k, v in state.items() if k.endswith("_")}
    np.testing.assert_array_equal(clf.predict(X4), pred)  # 4 labels for 4 inputs
    np.testing.assert_array_equal(clf.predict_proba(X4), proba)


@pytest.mark.parametrize(
    "params, err",
    [
        (dict(model=_wrong_size_model), ValueError),
        (dict(callbacks=[_Interrupt()]), KeyboardInterrupt),
    ],
    ids=["wrong-output-size", "interrupted"],
)
def test_failed_first_fit_leaves_estimator_unfitted(binary_data, fast_params, params, err):
    from sklearn.utils.validation import check_is_fitted

    clf = WeightedSequenceClassifier(**{**fast_params, "epochs": 1, **params})
    before = dict(vars(clf))
    with pytest.raises(err):
        clf.fit(*_three_class(binary_data))
    assert vars(clf) == before
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    with pytest.raises(NotFittedError):
        clf.predict(binary_data[0][:4])


def test_sparse_X_refused(no_keras):
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="sparse input is not supported"):
        WeightedSequenceClassifier().fit(sp.csr_matrix(np.zeros((6, 4))), Y_OK)


def test_X_not_modified_by_overflow_check():
    X = np.full((6, 4, 2), 1e39)
    before = X.copy()
    with pytest.raises(ValueError, match="overflow"):
        WeightedSequenceClassifier().fit(X, Y_OK)
    np.testing.assert_array_equal(X, before)


def test_predict_shorter_than_frontend_stride(binary_data, fast_params):
    """The clear error fit gives, not TensorFlow's 'Negative dimension size'."""
    X, y = binary_data
    clf = WeightedSequenceClassifier(**{**fast_params, "epochs": 1,
                                        "frontend_strides": (2, 2)}).fit(X, y)
    with pytest.raises(ValueError, match=r"downsample by 4x.*shortest sequence of X "
                                         r"\(3 timesteps\).*at least 4 timesteps"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="at least 4 timesteps"):
        clf.predict_proba([x[:3] for x in X[:2]])
    assert clf.predict(X[:, :4]).shape == (len(X),)


def test_predict_proba_from_threads_equals_sequential(binary_data, fast_params):
    from concurrent.futures import ThreadPoolExecutor

    X, y = binary_data
    clf = WeightedSequenceClassifier(**{**fast_params, "epochs": 1}).fit(X, y)
    expected = clf.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: clf.predict_proba(X), range(8)))
    for got in results:
        np.testing.assert_array_equal(got, expected)


def test_predictions_do_not_depend_on_row_order(multiclass_data, fast_params):
    # A float32 kernel's result for a row can change in the last bit with the
    # row's position in the batch; skimbal runs rows in a canonical order, so
    # predict_proba(X)[idx] equals predict_proba(X[idx]) bit for bit, for arrays
    # and for variable-length lists (length buckets).
    X, y = multiclass_data
    X = X[:60]
    y = y[:60]
    rng = np.random.RandomState(0)
    ragged = [x[:n] for x, n in zip(X, rng.randint(3, 11, len(X)), strict=True)]
    for data in (X, ragged):
        clf = WeightedSequenceClassifier(**{**fast_params, "epochs": 1}).fit(data, y)
        proba = clf.predict_proba(data)
        for _ in range(10):
            idx = rng.permutation(len(y))
            shuffled = X[idx] if data is X else [ragged[i] for i in idx]
            np.testing.assert_array_equal(clf.predict_proba(shuffled), proba[idx])
