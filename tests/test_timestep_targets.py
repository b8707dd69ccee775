"""Per-timestep targets: detection, encoding, presence, metrics, stratified folds."""

from __future__ import annotations

import numpy as np
import pytest

from skimbal.metrics import flatten_timesteps, make_timestep_scorer, timestep_score
from skimbal.model_selection import SequenceStratifiedKFold, sequence_strata
from skimbal.targets import TimestepTargetEncoder, is_timestep_target, timestep_presence


def test_detection_rules():
    y2 = np.zeros((4, 6), int)
    assert is_timestep_target(y2, n_timesteps=6, x_is_list=False)
    assert is_timestep_target(np.zeros((4, 6, 2)), n_timesteps=6, x_is_list=False)
    assert not is_timestep_target(np.zeros(4), n_timesteps=6, x_is_list=False)
    # one-hot with 3 columns on 6 timesteps: sequence-level
    assert not is_timestep_target(np.eye(3)[[0, 1, 2, 0]], n_timesteps=6, x_is_list=False)
    # ambiguous shape resolved by the parameter
    assert not is_timestep_target(y2, n_timesteps=6, x_is_list=False, per_timestep=False)
    assert is_timestep_target([np.zeros(3), np.zeros(2)], n_timesteps=3, x_is_list=True)
    assert not is_timestep_target([0, 1], n_timesteps=3, x_is_list=True)
    with pytest.raises(ValueError, match="per_timestep=True needs"):
        is_timestep_target(np.zeros(4), n_timesteps=6, x_is_list=False, per_timestep=True)


def test_encoder_counts_only_valid_steps_and_keeps_strings():
    y = [np.array(["a", "b", "a"]), np.array(["c"])]
    lengths = np.array([3, 1])
    enc = TimestepTargetEncoder().fit(y, lengths, 2, 3)
    assert enc.kind == "per_timestep_multiclass"
    assert enc.classes_.tolist() == ["a", "b", "c"]
    codes = enc.transform(y, lengths, 2, 3)
    np.testing.assert_array_equal(codes, [[0, 1, 0], [2, 0, 0]])
    labels = enc.inverse_transform(codes)
    assert labels.dtype.kind == "U" and labels[0].tolist() == ["a", "b", "a"]


def test_encoder_binary_and_multilabel():
    enc = TimestepTargetEncoder().fit(np.array([[0, 1], [0, 0]]), None, 2, 2)
    assert enc.kind == "per_timestep_binary"
    Y = np.zeros((2, 2, 3), int)
    Y[0, 1, 2] = 1
    enc = TimestepTargetEncoder().fit(Y, None, 2, 2)
    assert enc.kind == "per_timestep_multilabel" and enc.n_classes == 3
    with pytest.raises(ValueError, match="0/1 indicators"):
        TimestepTargetEncoder().fit(Y * 2, None, 2, 2)


def test_encoder_length_mismatch_names_the_sequence():
    with pytest.raises(ValueError, match=r"y\[1\] has 3 timesteps but X\[1\] has 2"):
        TimestepTargetEncoder().fit([np.zeros(3), np.ones(3)], np.array([3, 2]), 2, 3)
    with pytest.raises(ValueError, match=r"len\(X\)=2, len\(y\)=1"):
        TimestepTargetEncoder().fit([np.zeros(3)], np.array([3, 2]), 2, 3)
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_timesteps\)"):
        TimestepTargetEncoder().fit(np.zeros((2, 4)), None, 2, 3)


def test_presence_and_strata():
    y = [np.array([0, 0, 1]), np.array([0, 0]), np.array([2, 0]), np.array([0, 1, 2])]
    presence = timestep_presence(y)
    np.testing.assert_array_equal(
        presence, [[1, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1]]
    )
    # each pattern is unique; with min_count=1 every sequence has its own stratum
    assert len(set(sequence_strata(presence, 1))) == 4
    # 8 background-only, 2 with class 1 only, 1 with classes 1 and 2, 1 with class 2
    p = np.array([[1, 0, 0]] * 8 + [[1, 1, 0]] * 2 + [[1, 1, 1], [1, 0, 1]], bool)
    s = sequence_strata(p, min_count=2)
    # the two singleton patterns fall back to their rarest class (2) and merge
    assert s[10] == s[11] and s[8] == s[9] and s[0] != s[8] and s[8] != s[10]


def test_sequence_stratified_kfold_spreads_event_sequences():
    rng = np.random.RandomState(0)
    y = np.zeros((40, 6), int)
    events = rng.choice(40, 8, replace=False)
    y[events, 2] = 1
    folds = list(SequenceStratifiedKFold(4).split(np.zeros((40, 6, 1)), y))
    assert len(folds) == 4
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert np.isin(events, test).sum() == 2  # 8 event sequences over 4 folds
    # a plain KFold on the sorted order would not: sanity of the test itself
    y_sorted = np.zeros((40, 6), int)
    y_sorted[:8, 2] = 1
    for _, test in SequenceStratifiedKFold(4).split(np.zeros(40), y_sorted):
        assert (test < 8).sum() == 2


def test_timestep_score_ignores_padding_by_construction():
    y_true = [np.array([0, 1, 1]), np.array([0])]
    y_pred = [np.array([0, 1, 0]), np.array([0])]
    # valid steps: t=[0,1,1,0], p=[0,1,0,0] -> recall 1 for 0, 1/2 for 1
    assert timestep_score(y_true, y_pred) == pytest.approx(0.75)
    assert timestep_score(y_true, y_pred, metric="accuracy") == pytest.approx(0.75)
    assert timestep_score(y_true, y_pred, metric="recall") == pytest.approx(0.5)
    # per-sequence weight 3 on the second sequence
    assert timestep_score(y_true, y_pred, metric="accuracy",
                          sample_weight=[1, 3]) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="different sequence lengths"):
        timestep_score(y_true, [np.array([0, 1]), np.array([0])])
    with pytest.raises(ValueError, match="metric must be one of"):
        make_timestep_scorer("auc")


def test_timestep_score_multilabel_macro_over_labels():
    t = np.array([[[1, 0], [0, 0], [0, 1], [1, 1]]])
    p = np.array([[[1, 0], [1, 0], [0, 0], [1, 1]]])
    # label 0: recall(1)=1, recall(0)=1/2 -> 0.75; label 1: 1/2 and 1 -> 0.75
    assert timestep_score(t, p) == pytest.approx(0.75)
    ft, fp = flatten_timesteps(t, p)
    assert ft.shape == (4, 2) and fp.shape == (4, 2)


def test_ragged_y_with_array_X_is_explained():
    with pytest.raises(ValueError, match="y is ragged"):
        is_timestep_target([[0, 1, 0], [1, 0]], n_timesteps=3, x_is_list=False)


# ------------------------------------------- per-step one-hot y (n, T, k) (issue 19)
def _onehot_steps(n=40, T=6, k=3, seed=0):
    codes = np.random.RandomState(seed).randint(0, k, (n, T))
    return np.eye(k, dtype=int)[codes], codes


def test_per_step_onehot_is_multiclass_like_2d_onehot():
    Y, codes = _onehot_steps()
    enc = TimestepTargetEncoder().fit(Y, None, 40, 6)
    assert enc.kind == "per_timestep_multiclass" and enc.n_classes == 3
    got = enc.transform(Y, None, 40, 6)
    np.testing.assert_array_equal(got, codes)
    np.testing.assert_array_equal(enc.inverse_transform(got), Y)  # one-hot back
    two, _ = _onehot_steps(k=2)
    assert TimestepTargetEncoder().fit(two, None, 40, 6).kind == "per_timestep_binary"


def test_per_step_target_type_forces_either_reading():
    Y, _ = _onehot_steps()
    forced = TimestepTargetEncoder("multilabel").fit(Y, None, 40, 6)
    assert forced.kind == "per_timestep_multilabel"
    Z = Y.copy()
    Z[0, 0] = 1  # three labels on at one step: not one-hot
    assert TimestepTargetEncoder().fit(Z, None, 40, 6).kind == "per_timestep_multilabel"
    with pytest.raises(ValueError, match="target_type='multiclass' reads a 3-D y"):
        TimestepTargetEncoder("multiclass").fit(Z, None, 40, 6)
    assert is_timestep_target(Y, n_timesteps=6, x_is_list=False, target_type="multiclass")
    # an explicit target_type still reads a 2-D y as sequence-level
    assert not is_timestep_target(np.eye(6, dtype=int)[[0, 1, 2, 3]], n_timesteps=6,
                                  x_is_list=False, target_type="multiclass")


@pytest.mark.parametrize("target_type, kind", [
    ("auto", "per_timestep_multiclass"),
    ("multiclass", "per_timestep_multiclass"),
    ("multilabel", "per_timestep_multilabel"),
])
def test_classifier_per_step_onehot(target_type, kind):
    from conftest import FAST

    from skimbal import WeightedSequenceClassifier

    Y, _ = _onehot_steps()
    X = np.random.RandomState(1).normal(size=(40, 6, 2))
    clf = WeightedSequenceClassifier(**{**FAST, "epochs": 1}, target_type=target_type)
    clf.fit(X, Y)
    assert clf.target_type_ == kind
    pred = clf.predict(X)
    assert pred.shape == Y.shape
    if kind == "per_timestep_multiclass":
        assert np.all(pred.sum(axis=-1) == 1)  # exactly one class on at every step
        assert clf.predict_proba(X).shape == (40, 6, 3)
