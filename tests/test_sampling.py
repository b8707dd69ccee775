"""Samplers: SequenceSampler (imblearn on sequences), MLROS and MLSMOTE."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline, make_pipeline
from imblearn.under_sampling import EditedNearestNeighbours, RandomUnderSampler
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_validate
from sklearn.multioutput import MultiOutputClassifier
from sklearn.preprocessing import FunctionTransformer

from skimbal import SequenceSampler, WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.sampling import (
    MLROS,
    MLSMOTE,
    imbalance_ratio_per_label,
    mean_imbalance_ratio,
    minority_labels,
    rank_label_sets,
)


@pytest.fixture(scope="module")
def seq_data():
    # 80 / 20, 6 timesteps, 2 features
    return make_imbalanced_sequences(
        100, n_timesteps=6, n_features=2, weights=(0.8, 0.2), random_state=0
    )


@pytest.fixture(scope="module")
def ml_data():
    # label counts 60 / 12 / 6 out of 120
    return make_imbalanced_sequences(
        120, n_timesteps=5, n_features=3, weights=(0.5, 0.1, 0.05), target="multilabel",
        random_state=0,
    )


def _ragged(X: np.ndarray) -> list[np.ndarray]:
    return [X[i, : 3 + i % 3] for i in range(len(X))]


# ========================================================= SequenceSampler
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_smote_shape_dtype_counts(seq_data, dtype):
    X, y = seq_data
    X = X.astype(dtype)
    X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, y)
    assert X_res.shape == (160, 6, 2)
    assert X_res.dtype == dtype
    assert Counter(y_res.tolist()) == {0: 80, 1: 80}
    np.testing.assert_array_equal(X_res[:100], X)  # originals first, unchanged


def test_smote_interpolates_timestep_by_timestep():
    # feature 1 is the time index in every sequence: a correct flatten /
    # reshape keeps it exactly, a transposed one would not
    rng = np.random.RandomState(0)
    n, T = 40, 7
    X = np.empty((n, T, 2))
    X[:, :, 0] = rng.normal(size=(n, T))
    X[:, :, 1] = np.arange(T)
    y = np.r_[np.zeros(32, int), np.ones(8, int)]
    X_res, _ = SequenceSampler(SMOTE(k_neighbors=3, random_state=0)).fit_resample(X, y)
    synthetic = X_res[n:]
    assert len(synthetic) == 24
    np.testing.assert_allclose(synthetic[:, :, 1], np.broadcast_to(np.arange(T), (24, T)))
    # and each synthetic sequence lies between two minority sequences
    minority = X[y == 1, :, 0]
    lo, hi = minority.min(axis=0), minority.max(axis=0)
    assert np.all(synthetic[:, :, 0] >= lo - 1e-12) and np.all(synthetic[:, :, 0] <= hi + 1e-12)


def test_counts_follow_inner_strategy(seq_data):
    X, y = seq_data
    _, y_ros = SequenceSampler(
        RandomOverSampler(sampling_strategy=0.5, random_state=0)
    ).fit_resample(X, y)
    assert Counter(y_ros.tolist()) == {0: 80, 1: 40}
    ss = SequenceSampler(RandomUnderSampler(sampling_strategy={0: 30, 1: 20}, random_state=0))
    X_rus, y_rus = ss.fit_resample(X, y)
    assert Counter(y_rus.tolist()) == {0: 30, 1: 20}
    assert ss.sampling_strategy_ == {0: 30, 1: 20}
    np.testing.assert_array_equal(ss.sample_indices_, ss.sampler_.sample_indices_)
    np.testing.assert_array_equal(X_rus, X[ss.sample_indices_])
    np.testing.assert_array_equal(y_rus, y[ss.sample_indices_])


def test_inner_sampler_cloned_not_fitted(seq_data):
    X, y = seq_data
    inner = SMOTE(random_state=0)
    ss = SequenceSampler(inner)
    ss.fit_resample(X, y)
    assert ss.sampler_ is not inner
    assert hasattr(ss.sampler_, "sampling_strategy_")
    assert not hasattr(inner, "sampling_strategy_")
    assert not hasattr(ss, "sample_indices_")  # SMOTE has none


def test_repeatable_with_inner_random_state(seq_data):
    X, y = seq_data
    a, _ = SequenceSampler(SMOTE(random_state=3)).fit_resample(X, y)
    b, _ = SequenceSampler(SMOTE(random_state=3)).fit_resample(X, y)
    c, _ = SequenceSampler(SMOTE(random_state=4)).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_string_labels(seq_data):
    X, y = seq_data
    names = np.array(["normal", "fraud"])[y]
    X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, names)
    assert y_res.dtype.kind == "U"
    assert Counter(y_res.tolist()) == {"normal": 80, "fraud": 80}
    np.testing.assert_array_equal(y_res[:100], names)


def test_onehot_labels_keep_all_columns(seq_data):
    X, y = seq_data
    onehot = np.eye(2, dtype=int)[y]
    _, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, onehot)
    assert y_res.shape == (160, 2)  # imblearn alone returns 1 column here
    np.testing.assert_array_equal(y_res.sum(axis=0), [80, 80])
    np.testing.assert_array_equal(y_res.sum(axis=1), 1)


def test_fit_returns_self_and_tags(seq_data):
    from imblearn.base import is_sampler
    from sklearn.utils import get_tags

    X, y = seq_data
    ss = SequenceSampler(RandomOverSampler(random_state=0))
    assert ss.fit(X, y) is ss and ss.sampling_strategy_ == {1: 60}
    for est in (ss, MLROS(), MLSMOTE()):
        assert is_sampler(est)
        tags = get_tags(est).input_tags
        assert tags.three_d_array and not tags.two_d_array


def test_nested_params_and_clone():
    ss = SequenceSampler(SMOTE(k_neighbors=5))
    assert ss.get_params()["sampler__k_neighbors"] == 5
    ss.set_params(sampler__k_neighbors=2)
    assert ss.sampler.k_neighbors == 2
    assert clone(ss).sampler.k_neighbors == 2


@pytest.mark.parametrize("inner", [RandomOverSampler(random_state=0),
                                   RandomUnderSampler(random_state=0)])
def test_variable_length_list(seq_data, inner):
    X, y = seq_data
    seqs = _ragged(X)
    ss = SequenceSampler(inner)
    X_res, y_res = ss.fit_resample(seqs, y)
    assert isinstance(X_res, list)
    assert len(X_res) == len(y_res) == len(ss.sample_indices_)
    assert len(set(Counter(y_res.tolist()).values())) == 1  # balanced
    for out, i in zip(X_res, ss.sample_indices_, strict=True):
        assert out is seqs[i]
    np.testing.assert_array_equal(y_res, y[ss.sample_indices_])
    assert ss.n_timesteps_in_ is None and ss.n_features_in_ == 2


def test_equal_length_list_returns_list(seq_data):
    X, y = seq_data
    X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(list(X), y)
    assert isinstance(X_res, list) and len(X_res) == 160
    assert X_res[0].shape == (6, 2)


def test_sample_weight_follows_samples(seq_data):
    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    ss = SequenceSampler(RandomOverSampler(random_state=0))
    X_res, y_res, w_res = ss.fit_resample(X, y, sample_weight=w)
    np.testing.assert_array_equal(w_res, w[ss.sample_indices_])
    assert len(w_res) == len(y_res) == 160
    _, _, w_list = SequenceSampler(RandomUnderSampler(random_state=0)).fit_resample(
        _ragged(X), y, sample_weight=w
    )
    assert len(w_list) == 40


def test_synthetic_rows_take_the_weight_of_their_nearest_same_class_row(seq_data):
    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    X_res, y_res, w_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(
        X, y, sample_weight=w
    )
    assert len(w_res) == len(y_res) == 160
    np.testing.assert_array_equal(w_res[:100], w)  # SMOTE keeps the input rows first
    flat, flat_res = X.reshape(100, -1), X_res.reshape(160, -1)
    for i in range(100, 160):  # brute force: nearest input sequence of the same class
        same = np.flatnonzero(y == y_res[i])
        nearest = same[np.argmin(((flat[same] - flat_res[i]) ** 2).sum(axis=1))]
        assert w_res[i] == w[nearest]
    assert set(w_res[100:]) <= set(w[y == 1])  # only minority rows are synthesised


def test_integer_X_dtype(seq_data):
    X, y = seq_data
    Xi = np.round(X * 10).astype(np.int32)
    X_ros, _ = SequenceSampler(RandomOverSampler(random_state=0)).fit_resample(Xi, y)
    assert X_ros.dtype == np.int32
    X_smote, _ = SequenceSampler(SMOTE(random_state=0)).fit_resample(Xi, y)
    assert X_smote.dtype == np.float32  # interpolated values are not truncated
    assert not np.all(X_smote[100:] == np.round(X_smote[100:]))


def test_inputs_not_modified(seq_data):
    X, y = seq_data
    X_copy, y_copy = X.copy(), y.copy()
    SequenceSampler(SMOTE(random_state=0)).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize("inner", [SMOTE(), ADASYN(), EditedNearestNeighbours()])
def test_variable_length_with_feature_based_sampler_raises(seq_data, inner):
    X, y = seq_data
    with pytest.raises(ValueError, match="cannot resample variable-length.*RandomOverSampler"):
        SequenceSampler(inner).fit_resample(_ragged(X), y)


def test_2d_X_raises(seq_data):
    X, y = seq_data
    with pytest.raises(ValueError, match=r"X must be 3-D.*got 2-D.*np.newaxis"):
        SequenceSampler(SMOTE()).fit_resample(X[:, :, 0], y)


def test_multilabel_y_raises_pointing_to_mlsmote(seq_data):
    X, y = seq_data
    y_ml = np.c_[y, 1 - y, y]  # rows with two labels
    with pytest.raises(ValueError, match="multi-label.*MLSMOTE.*MLROS"):
        SequenceSampler(SMOTE()).fit_resample(X, y_ml)


def test_multilabel_y_in_pipeline_fails_before_keras(seq_data, monkeypatch):
    def boom(self):
        raise AssertionError("Keras work started before input validation")

    monkeypatch.setattr(WeightedSequenceClassifier, "_build_keras_model", boom)
    X, y = seq_data
    pipe = make_pipeline(SequenceSampler(SMOTE()), WeightedSequenceClassifier())
    with pytest.raises(ValueError, match="MLSMOTE"):
        pipe.fit(X, np.c_[y, y])


@pytest.mark.parametrize("bad", ["smote", object(), LogisticRegression()])
def test_not_a_sampler_raises_typeerror(seq_data, bad):
    X, y = seq_data
    with pytest.raises(TypeError, match="sampler.*fit_resample"):
        SequenceSampler(bad).fit_resample(X, y)


def test_skimbal_sampler_as_inner_raises(seq_data):
    X, y = seq_data
    with pytest.raises(TypeError, match="MLSMOTE already takes 3-D"):
        SequenceSampler(MLSMOTE()).fit_resample(X, y)


def test_nan_in_X_raises(seq_data):
    X, y = seq_data
    Xn = X.copy()
    Xn[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        SequenceSampler(SMOTE()).fit_resample(Xn, y)
    seqs = _ragged(Xn)
    with pytest.raises(ValueError, match=r"X\[3\] contains NaN"):
        SequenceSampler(RandomOverSampler()).fit_resample(seqs, y)


def test_length_mismatch_raises(seq_data):
    X, y = seq_data
    with pytest.raises(ValueError, match="different numbers of samples"):
        SequenceSampler(SMOTE()).fit_resample(X, y[:-1])


def test_list_with_different_feature_counts_raises(seq_data):
    X, y = seq_data
    seqs = _ragged(X)
    seqs[5] = np.zeros((4, 3))
    with pytest.raises(ValueError, match="same number of features"):
        SequenceSampler(RandomOverSampler()).fit_resample(seqs, y)


# ------------------------------------------------ pipelines / model selection
class _SizeSpy(ClassifierMixin, BaseEstimator):
    """Records what fit receives; predicts the majority class."""

    def fit(self, X, y):
        self.n_fit_ = len(X)
        self.fit_counts_ = Counter(np.asarray(y).tolist())
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_cross_validate_never_resamples_test_folds(seq_data):
    X, y = seq_data
    test_sizes, test_counts = [], []

    def scorer(estimator, X_test, y_test):
        test_sizes.append(len(X_test))
        test_counts.append(Counter(np.asarray(y_test).tolist()))
        return 0.0

    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    pipe = make_pipeline(SequenceSampler(RandomOverSampler(random_state=0)), _SizeSpy())
    res = cross_validate(pipe, X, y, cv=cv, scoring=scorer, return_estimator=True)
    assert test_sizes == [20] * 5  # 100 / 5, untouched
    assert all(c == {0: 16, 1: 4} for c in test_counts)
    for est in res["estimator"]:  # training folds of 80 (64 / 16) over-sampled to 64 / 64
        assert est[-1].n_fit_ == 128
        assert est[-1].fit_counts_ == {0: 64, 1: 64}


@pytest.mark.slow
def test_grid_search_sampler_param_and_class_weight(seq_data, monkeypatch):
    X, y = seq_data
    seen = []
    original_fit = WeightedSequenceClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen.append(Counter(np.asarray(y).tolist()))
        return original_fit(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(WeightedSequenceClassifier, "fit", spy)
    pipe = Pipeline([
        ("sequencesampler", SequenceSampler(SMOTE(random_state=0))),
        # a recurrent-only network: the test is about what reaches fit, not the network
        ("clf", WeightedSequenceClassifier(units=2, epochs=1, batch_size=64,
                                           architecture="rnn", random_state=0)),
    ])
    grid = {
        "sequencesampler__sampler__k_neighbors": [2, 3],
        "clf__class_weight": [None, "balanced"],
    }
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(2, shuffle=True, random_state=0),
                          scoring="balanced_accuracy")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    assert best.named_steps["sequencesampler"].sampler_.k_neighbors == \
        search.best_params_["sequencesampler__sampler__k_neighbors"]
    assert best.named_steps["clf"].class_weight == search.best_params_["clf__class_weight"]
    # 8 fold fits on SMOTE-balanced halves (40 / 10 -> 40 / 40), then the refit (80 / 80)
    assert seen[:8] == [{0: 40, 1: 40}] * 8
    assert seen[8:] == [{0: 80, 1: 80}]
    # "balanced" weights are computed from the resampled y the classifier receives
    if best.named_steps["clf"].class_weight == "balanced":
        assert best.named_steps["clf"].class_weight_ == pytest.approx({0: 1.0, 1: 1.0})


# ======================================================= imbalance measures
def test_irlbl_meanir_minority_hand_computed():
    # label counts 6, 3, 1, 2 over 6 samples
    y = np.array([
        [1, 1, 0, 0],
        [1, 1, 0, 1],
        [1, 1, 1, 0],
        [1, 0, 0, 1],
        [1, 0, 0, 0],
        [1, 0, 0, 0],
    ])
    np.testing.assert_allclose(imbalance_ratio_per_label(y), [1.0, 2.0, 6.0, 3.0])
    assert mean_imbalance_ratio(y) == pytest.approx(3.0)
    # IRLbl = 3 equals MeanIR: not a minority label (strictly greater)
    np.testing.assert_array_equal(minority_labels(y), [2])


def test_absent_label_is_infinite_and_excluded():
    y = np.array([[1, 0, 1], [1, 0, 0], [1, 0, 0], [1, 0, 0]])
    irlbl = imbalance_ratio_per_label(y)
    assert irlbl[1] == np.inf
    np.testing.assert_allclose(irlbl[[0, 2]], [1.0, 4.0])
    assert mean_imbalance_ratio(y) == pytest.approx(2.5)
    np.testing.assert_array_equal(minority_labels(y), [2])


@pytest.mark.parametrize("bad, match", [
    (np.array([0, 1, 1]), "multi-label indicator"),
    (np.array([[0, 2], [1, 0]]), "only 0 and 1"),
    (np.zeros((3, 2)), "no positive label"),
])
def test_imbalance_measures_bad_y(bad, match):
    with pytest.raises(ValueError, match=match):
        mean_imbalance_ratio(bad)


# ==================================================================== MLROS
def _mlros_case():
    # 20 samples; label 0 in all, label 1 in samples 0-1, label 2 in 2-5
    y = np.zeros((20, 3), dtype=int)
    y[:, 0] = 1
    y[[0, 1], 1] = 1
    y[2:6, 2] = 1
    X = np.arange(20 * 4 * 2, dtype=np.float32).reshape(20, 4, 2)
    return X, y


def test_mlros_hand_traced():
    X, y = _mlros_case()
    # IRLbl = [1, 10, 5], MeanIR = 16/3 -> minority label 1 only (bag {0, 1}).
    # After c clones of bag 1: IRLbl_1 = (20 + c) / (2 + c), with the majority
    # count growing too; <= 16/3 first at c = 3 (c = 2 gives 5.5).
    sampler = MLROS(percentage=100, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_allclose(sampler.imbalance_ratio_per_label_, [1, 10, 5])
    assert sampler.mean_imbalance_ratio_ == pytest.approx(16 / 3)
    np.testing.assert_array_equal(sampler.minority_labels_, [1])
    assert len(X_res) == 23
    clones = sampler.sample_indices_[20:]
    assert set(clones.tolist()) <= {0, 1}
    np.testing.assert_array_equal(sampler.sample_indices_[:20], np.arange(20))
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])
    assert imbalance_ratio_per_label(y_res)[1] <= 16 / 3 < imbalance_ratio_per_label(
        y_res[:-1])[1]


def test_mlros_percentage_limits_clones():
    X, y = _mlros_case()
    X_res, y_res = MLROS(percentage=10, random_state=0).fit_resample(X, y)
    assert len(X_res) == 22  # round(20 * 10 / 100) = 2 clones, bag 1 not yet retired
    assert y_res[20:, 1].tolist() == [1, 1]


def test_mlros_round_robin_over_bags():
    # counts [60, 2, 3]: IRLbl [1, 30, 20], MeanIR 17 -> minority labels 1 and 2
    y = np.zeros((60, 3), dtype=int)
    y[:, 0] = 1
    y[[0, 1], 1] = 1
    y[[2, 3, 4], 2] = 1
    X = np.zeros((60, 2, 1))
    sampler = MLROS(percentage=50, random_state=0)  # 30 clones allowed
    sampler.fit_resample(X, y)
    clones = sampler.sample_indices_[60:].tolist()
    # round 1: bag 1 -> [61, 3, 3], IRLbl_1 = 20.3 > 17 stays; bag 2 -> [62, 3, 4],
    # IRLbl_2 = 15.5 <= 17 retired. Round 2: bag 1 -> [63, 4, 4], 15.75: retired.
    assert len(clones) == 3
    assert clones[0] in {0, 1} and clones[1] in {2, 3, 4} and clones[2] in {0, 1}


def test_mlros_variable_length_list(ml_data):
    X, y = ml_data
    seqs = _ragged(X)
    sampler = MLROS(percentage=20, random_state=0)
    X_res, y_res = sampler.fit_resample(seqs, y)
    assert isinstance(X_res, list) and len(X_res) == len(y_res) > len(seqs)
    for out, i in zip(X_res, sampler.sample_indices_, strict=True):
        assert out is seqs[i]


def test_mlros_repeatable(ml_data):
    X, y = ml_data
    a = MLROS(random_state=1).fit(X, y).sample_indices_
    b = MLROS(random_state=1).fit(X, y).sample_indices_
    np.testing.assert_array_equal(a, b)


# ================================================================== MLSMOTE
def test_rank_label_sets_hand_computed():
    labels = np.array([
        [1, 0, 1, 0],
        [1, 1, 1, 0],
        [0, 1, 1, 1],
        [0, 0, 1, 1],
    ])
    neighbors = np.array([[1, 2], [0, 3]])  # seeds 0 and 1, k = 2
    # seed 0 + {1, 2}: votes [2, 2, 3, 1] > 1.5 -> [1, 1, 1, 0]
    # seed 1 + {0, 3}: votes [2, 1, 3, 1] -> [1, 0, 1, 0]
    np.testing.assert_array_equal(
        rank_label_sets(labels, neighbors), [[1, 1, 1, 0], [1, 0, 1, 0]]
    )


def _mlsmote_case():
    # label 3 is the only minority label; its bag is samples 0, 1, 2
    rng = np.random.RandomState(0)
    y = np.zeros((24, 4), dtype=int)
    y[:, 0] = 1
    y[:12, 1] = 1
    y[6:18, 2] = 1
    y[[0, 1, 2], 3] = 1
    y[[0, 1], 2] = 1
    y[2, 0] = 0
    X = rng.normal(size=(24, 5, 2)).astype(np.float32)
    return X, y


def test_mlsmote_against_definition():
    X, y = _mlsmote_case()
    # counts [23, 12, 14, 3]: IRLbl [1, 23/12, 23/14, 23/3]
    sampler = MLSMOTE(k_neighbors=5, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    irlbl = np.array([1, 23 / 12, 23 / 14, 23 / 3])
    np.testing.assert_allclose(sampler.imbalance_ratio_per_label_, irlbl)
    assert sampler.mean_imbalance_ratio_ == pytest.approx(irlbl.mean())
    np.testing.assert_array_equal(sampler.minority_labels_, [3])
    # one synthetic sample per bag member (bag of 3 -> k = 2, the other two)
    assert X_res.shape == (27, 5, 2) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:24], X)
    np.testing.assert_array_equal(y_res[:24], y)
    # ranking over the whole bag {0, 1, 2}: rows [1,1,1,1], [1,1,1,1], [0,1,0,1]
    # -> votes [2, 3, 2, 3] > 1.5 -> every synthetic sample gets [1, 1, 1, 1]
    np.testing.assert_array_equal(y_res[24:], np.ones((3, 4), dtype=int))
    # each synthetic sample lies on the segment from its seed to another bag member
    bag = X[[0, 1, 2]].reshape(3, -1)
    for s, seed in zip(X_res[24:].reshape(3, -1), range(3), strict=True):
        on_segment = False
        for other in set(range(3)) - {seed}:
            d = bag[other] - bag[seed]
            g = float(np.dot(s - bag[seed], d) / np.dot(d, d))
            if 0 <= g <= 1 and np.allclose(bag[seed] + g * d, s, atol=1e-5):
                on_segment = True
        assert on_segment


def test_mlsmote_count_matches_minority_bags(ml_data):
    X, y = ml_data
    sampler = MLSMOTE(k_neighbors=3, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    expected = sum(int(y[:, j].sum()) for j in sampler.minority_labels_)
    assert len(X_res) - len(X) == expected
    assert y_res.dtype == y.dtype
    # every synthetic sample carries at least one of the minority labels
    assert np.all(y_res[len(X):, sampler.minority_labels_].sum(axis=1) >= 1)


def test_mlsmote_repeatable(ml_data):
    X, y = ml_data
    a, _ = MLSMOTE(random_state=0).fit_resample(X, y)
    b, _ = MLSMOTE(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)


def test_mlsmote_single_member_bag_skipped():
    y = np.zeros((10, 2), dtype=int)
    y[:, 0] = 1
    y[0, 1] = 1
    X = np.random.RandomState(0).normal(size=(10, 3, 1))
    X_res, y_res = MLSMOTE().fit_resample(X, y)
    assert len(X_res) == 10  # nothing to interpolate with
    np.testing.assert_array_equal(X_res, X)


# ------------------------------------------------------ multi-label bad input
@pytest.mark.parametrize("cls", [MLROS, MLSMOTE])
def test_multilabel_samplers_reject_single_label_y(ml_data, cls):
    X, _ = ml_data
    with pytest.raises(ValueError, match="single-label.*SequenceSampler"):
        cls().fit_resample(X, np.arange(len(X)) % 2)


@pytest.mark.parametrize("cls", [MLROS, MLSMOTE])
def test_multilabel_samplers_reject_non_binary_y(ml_data, cls):
    X, y = ml_data
    with pytest.raises(ValueError, match="only 0 and 1"):
        cls().fit_resample(X, y * 2)


@pytest.mark.parametrize("cls", [MLROS, MLSMOTE])
def test_multilabel_samplers_reject_2d_X(ml_data, cls):
    X, y = ml_data
    with pytest.raises(ValueError, match="X must be 3-D"):
        cls().fit_resample(X[:, :, 0], y)


@pytest.mark.parametrize("cls", [MLROS, MLSMOTE])
def test_multilabel_samplers_reject_nan(ml_data, cls):
    X, y = ml_data
    Xn = X.copy()
    Xn[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        cls().fit_resample(Xn, y)


def test_mlsmote_rejects_variable_length(ml_data):
    X, y = ml_data
    with pytest.raises(ValueError, match="equal-length.*MLROS"):
        MLSMOTE().fit_resample(_ragged(X), y)


@pytest.mark.parametrize("cls, param", [(MLROS, {"percentage": 0}),
                                        (MLSMOTE, {"k_neighbors": 0})])
def test_multilabel_samplers_bad_params(ml_data, cls, param):
    X, y = ml_data
    with pytest.raises(ValueError, match=next(iter(param))):
        cls(**param).fit_resample(X, y)


# ---------------------------------------------------- multi-label pipelines
class _MLSizeSpy(MultiOutputClassifier):
    def fit(self, X, y, **kw):
        self.n_fit_ = len(X)
        return super().fit(X, y, **kw)


@pytest.mark.parametrize("sampler", [MLROS(percentage=25, random_state=0),
                                     MLSMOTE(k_neighbors=3, random_state=0)])
def test_multilabel_pipeline_resamples_training_folds_only(ml_data, sampler):
    X, y = ml_data
    test_sizes = []

    def scorer(estimator, X_test, y_test):
        test_sizes.append(len(X_test))
        return float(np.mean(estimator.predict(X_test) == y_test))

    pipe = make_pipeline(
        sampler,
        FunctionTransformer(lambda Z: Z.reshape(len(Z), -1)),
        _MLSizeSpy(LogisticRegression(max_iter=200)),
    )
    res = cross_validate(pipe, X, y, cv=KFold(4, shuffle=True, random_state=0),
                         scoring=scorer, return_estimator=True, return_indices=True)
    assert test_sizes == [30] * 4  # test folds untouched
    for est, train in zip(res["estimator"], res["indices"]["train"], strict=True):
        y_train = y[train]
        fitted = est[0]
        np.testing.assert_array_equal(fitted.minority_labels_, minority_labels(y_train))
        if isinstance(fitted, MLROS):
            expected = len(fitted.sample_indices_)
        else:  # one synthetic sample per member of each minority bag
            expected = 90 + int(y_train[:, fitted.minority_labels_].sum())
        assert est[-1].n_fit_ == expected > 90


def test_smote_k_neighbors_too_large_names_class_and_parameter():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(23, 5, 2))
    y = np.array(["normal"] * 20 + ["fraud"] * 3)
    with pytest.raises(ValueError, match=r"SMOTE\(k_neighbors=5\).*class 'fraud' has only 3"
                                         r".*Lower k_neighbors to at most 2"):
        SequenceSampler(SMOTE(k_neighbors=5)).fit_resample(X, y)


# ===================================================== metadata routing (sample_weight)
def _spy_classifier_fit(monkeypatch) -> list:
    """Record the ``(X, y, sample_weight)`` every WeightedSequenceClassifier.fit receives."""
    seen = []
    original_fit = WeightedSequenceClassifier.fit

    def fit(self, X, y, sample_weight=None):  # same signature: same metadata requests
        seen.append((np.asarray(X), np.asarray(y), sample_weight))
        return original_fit(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(WeightedSequenceClassifier, "fit", fit)
    return seen


def _tiny_classifier():
    return WeightedSequenceClassifier(units=2, epochs=1, batch_size=64, random_state=0,
                                      architecture="rnn", validation_fraction=0.0,
                                      early_stopping=False, lr_schedule=None)


def _assert_weights_follow_rows(X, w, X_seen, y_seen, w_seen):
    """Each row the classifier saw is a copy of an input row and carries its weight."""
    row_of = {x.tobytes(): i for i, x in enumerate(X)}
    rows = np.array([row_of[x.tobytes()] for x in X_seen])
    assert w_seen is not None and len(w_seen) == len(y_seen) == len(X_seen)
    np.testing.assert_array_equal(w_seen, w[rows])
    return rows


@pytest.mark.parametrize("routing", [True, False])
def test_pipeline_hands_resampled_weights_to_the_classifier(seq_data, monkeypatch, routing):
    from sklearn import config_context

    from skimbal import SequenceScaler
    from skimbal.pipeline import Pipeline as SkimbalPipeline

    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    seen = _spy_classifier_fit(monkeypatch)
    with config_context(enable_metadata_routing=routing):
        clf = _tiny_classifier()
        pipe = SkimbalPipeline([
            ("scale", SequenceScaler()),
            ("sampler", SequenceSampler(RandomOverSampler(random_state=0))),
            ("clf", clf.set_fit_request(sample_weight=True) if routing else clf),
        ])
        if routing:
            pipe.fit(X, y, sample_weight=w)
        else:
            pipe.fit(X, y, sampler__sample_weight=w, clf__sample_weight=w)
    (_, y_seen, w_seen), = seen
    idx = pipe.named_steps["sampler"].sample_indices_
    assert len(y_seen) == 160  # 80 / 20 over-sampled to 80 / 80
    np.testing.assert_array_equal(y_seen, y[idx])
    np.testing.assert_array_equal(w_seen, w[idx])  # the weight of the row each was drawn from
    assert isinstance(pipe, Pipeline)  # an imblearn Pipeline


def test_pipeline_refuses_weights_a_sampler_left_behind(seq_data, no_keras):
    from sklearn import config_context

    from skimbal.pipeline import make_pipeline as skimbal_make_pipeline

    X, y = seq_data
    w = np.ones(len(y))
    with config_context(enable_metadata_routing=True):
        sampler = SequenceSampler(RandomOverSampler(random_state=0))
        sampler.set_fit_request(sample_weight=False).set_fit_resample_request(
            sample_weight=False)
        pipe = skimbal_make_pipeline(
            sampler, WeightedSequenceClassifier().set_fit_request(sample_weight=True))
        with pytest.raises(ValueError, match="'weightedsequenceclassifier' was given a "
                           "sample_weight, but the sampler step 'sequencesampler'"):
            pipe.fit(X, y, sample_weight=w)
    pipe = skimbal_make_pipeline(SequenceSampler(RandomOverSampler()),
                                 WeightedSequenceClassifier())
    with pytest.raises(ValueError, match="sequencesampler__sample_weight=w"):
        pipe.fit(X, y, weightedsequenceclassifier__sample_weight=w)


@pytest.mark.slow
def test_cross_validate_and_grid_search_route_resampled_weights(seq_data, monkeypatch):
    from sklearn import config_context
    from sklearn.metrics import balanced_accuracy_score, make_scorer

    from skimbal.pipeline import make_pipeline as skimbal_make_pipeline

    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    seen = _spy_classifier_fit(monkeypatch)
    with config_context(enable_metadata_routing=True):
        scorer = make_scorer(balanced_accuracy_score).set_score_request(sample_weight=True)
        pipe = skimbal_make_pipeline(
            SequenceSampler(RandomOverSampler(random_state=0)),
            _tiny_classifier().set_fit_request(sample_weight=True))
        res = cross_validate(pipe, X, y, cv=cv, scoring=scorer,
                             params={"sample_weight": w}, return_indices=True)
        search = GridSearchCV(pipe, {"weightedsequenceclassifier__units": [2, 3]}, cv=cv,
                              scoring=scorer).fit(X, y, sample_weight=w)
    assert np.all(np.isfinite(res["test_score"]))
    assert len(seen) == 2 + 4 + 1  # 2 folds; 2 candidates x 2 folds and the refit
    for (X_seen, y_seen, w_seen), train in zip(seen[:2], res["indices"]["train"],
                                               strict=True):
        rows = _assert_weights_follow_rows(X, w, X_seen, y_seen, w_seen)
        assert set(rows) == set(train) and len(rows) == 2 * 40  # balanced 40 / 40
    for X_seen, y_seen, w_seen in seen[2:]:
        _assert_weights_follow_rows(X, w, X_seen, y_seen, w_seen)
    assert len(seen[-1][1]) == 160  # the refit on all 100 rows, over-sampled
    assert search.best_params_["weightedsequenceclassifier__units"] in (2, 3)


# ------------------------------------- imbalanced-learn's own Pipeline (issue 30)
def _count_inner_resamples(monkeypatch) -> list:
    calls = []
    original = RandomOverSampler.fit_resample

    def spy(self, X, y, **params):
        calls.append(len(y))
        return original(self, X, y, **params)

    monkeypatch.setattr(RandomOverSampler, "fit_resample", spy)
    return calls


def test_imblearn_pipeline_with_routed_weights_refused_before_resampling(
    seq_data, no_keras, monkeypatch
):
    """imblearn's Pipeline unpacks two outputs: a clear error, not 'too many values'."""
    from sklearn import config_context

    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    calls = _count_inner_resamples(monkeypatch)
    with config_context(enable_metadata_routing=True):
        pipe = make_pipeline(SequenceSampler(RandomOverSampler(random_state=0)),
                             WeightedSequenceClassifier().set_fit_request(sample_weight=True))
        with pytest.raises(ValueError, match=r"inside imbalanced-learn's Pipeline.*"
                           r"no longer matches the resampled rows.*"
                           r"skimbal.pipeline.make_pipeline") as info:
            pipe.fit(X, y, sample_weight=w)
    assert "too many values" not in str(info.value)
    assert calls == []  # nothing was resampled


def test_direct_fit_resample_still_returns_the_weights(seq_data):
    X, y = seq_data
    w = np.linspace(0.5, 2.0, len(y))
    sampler = SequenceSampler(RandomOverSampler(random_state=0))
    X_res, y_res, w_res = sampler.fit_resample(X, y, sample_weight=w)
    np.testing.assert_array_equal(w_res, w[sampler.sample_indices_])


def test_submodules_reachable_from_the_package_lazily():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, skimbal; "
        "before = [m in sys.modules for m in ('skimbal.pipeline', 'tensorflow', 'keras')]; "
        "f = skimbal.pipeline.make_pipeline; s = skimbal.sampling.MLROS; "
        "print(before, 'pipeline' in dir(skimbal), f.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[False,", "False,", "False]", "True", "skimbal.pipeline"]
