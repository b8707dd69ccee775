"""Per-timestep weight maths (pure numpy), against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from skimbal.targets import TargetSpec
from skimbal.weights import align_time_weights, fit_weights, time_weight_profile

STEP_CLASSES = TargetSpec("per_timestep_multiclass", 3, np.arange(3))
STEP_LABELS = TargetSpec("per_timestep_multilabel", 2, np.arange(2))


def test_linear_profile_default_and_range():
    np.testing.assert_allclose(time_weight_profile("linear", 5), [1, 1.25, 1.5, 1.75, 2])
    np.testing.assert_allclose(
        time_weight_profile("linear", 3, weight_range=(0.5, 3.5)), [0.5, 2.0, 3.5]
    )
    np.testing.assert_allclose(time_weight_profile("linear", 1), [1.0])


def test_exponential_profile_half_life():
    w = time_weight_profile("exponential", 5, half_life=2.0)
    np.testing.assert_allclose(w, [0.25, 2 ** -1.5, 0.5, 2 ** -0.5, 1.0])


def test_array_and_callable_profiles():
    np.testing.assert_allclose(time_weight_profile([0, 1, 2], 3), [0, 1, 2])
    np.testing.assert_allclose(time_weight_profile(lambda T: np.arange(1, T + 1), 4),
                               [1, 2, 3, 4])


@pytest.mark.parametrize(
    "tw, err, match",
    [
        ([1.0, 2.0], ValueError, r"length 3.*got shape \(2,\)"),
        ([[1.0, 2.0, 3.0]], ValueError, "1-D array of length 3"),
        ([1.0, -1.0, 2.0], ValueError, "negative"),
        ([1.0, np.nan, 2.0], ValueError, "NaN or infinity"),
        ([1.0, np.inf, 2.0], ValueError, "NaN or infinity"),
        ([0.0, 0.0, 0.0], ValueError, "zero at every timestep"),
        (["a", "b", "c"], TypeError, "numeric"),
        (lambda T: np.ones(T + 1), ValueError, "callable's output for T=3"),
        ("quadratic", ValueError, "not supported"),
    ],
)
def test_bad_time_weight(tw, err, match):
    with pytest.raises(err, match=match):
        time_weight_profile(tw, 3)


def test_bad_range_and_half_life():
    with pytest.raises(ValueError, match="time_weight_range"):
        time_weight_profile("linear", 3, weight_range=(1.0, -2.0))
    with pytest.raises(ValueError, match="time_weight_range"):
        time_weight_profile("linear", 3, weight_range=(1.0,))
    with pytest.raises(ValueError, match="half_life"):
        time_weight_profile("exponential", 3, half_life=0.0)


def test_alignment_to_each_sequence_end():
    profile = np.array([1.0, 2.0, 3.0, 4.0])
    w = align_time_weights(profile, np.array([4, 2, 1]), 3)
    np.testing.assert_allclose(w, [[1, 2, 3, 4], [3, 4, 0, 0], [4, 0, 0, 0]])
    np.testing.assert_allclose(align_time_weights(profile, None, 2), [profile, profile])


def test_counts_over_valid_steps_only():
    codes = np.array([[0, 1, 1, 0], [2, 0, 0, 0]])
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], dtype=bool)
    # valid counts [1, 2, 1] of 4 -> balanced 4 / (3 * count)
    w = fit_weights("balanced", STEP_CLASSES, codes, mask=mask, normalize=False)
    assert w.class_weight_ == pytest.approx({0: 4 / 3, 1: 2 / 3, 2: 4 / 3})
    np.testing.assert_allclose(w.sample_weight, [[4 / 3, 2 / 3, 2 / 3, 0], [4 / 3, 0, 0, 0]],
                               rtol=1e-6)
    assert w.loss_weights is None and w.sample_weight.dtype == np.float32


def test_multilabel_balanced_per_label():
    # 2 sequences x 3 steps, last step of seq 1 is padding; 5 valid steps
    Y = np.zeros((2, 3, 2))
    Y[0, 0, 0] = 1            # label 0: 1 positive of 5
    Y[:, :2, 1] = 1           # label 1: 4 positives of 5
    Y[1, 2, :] = 1            # padding: must not count
    mask = np.array([[1, 1, 1], [1, 1, 0]], dtype=bool)
    w = fit_weights("balanced", STEP_LABELS, Y, mask=mask, normalize=False)
    pos, neg = w.loss_weights
    np.testing.assert_allclose(pos, [5 / 2, 5 / 8])
    np.testing.assert_allclose(neg, [5 / 8, 5 / 2])
    assert w.class_weight_[1] == pytest.approx({0: 5 / 2, 1: 5 / 8})
    # the element weights live in the loss: Keras' weights are the mask only
    np.testing.assert_array_equal(w.sample_weight, mask)
    pos_d, neg_d = fit_weights({1: 3.0}, STEP_LABELS, Y, mask=mask).loss_weights
    # one rule set with sequence-level multi-label y: the mean weight over all
    # valid (step x label) elements is 1. Raw weights: label 0 (1, 1) over 1 pos +
    # 4 neg, label 1 (3, 1) over 4 pos + 1 neg -> sum 18 over 10 elements
    np.testing.assert_allclose(pos_d, [10 / 18, 30 / 18])
    np.testing.assert_allclose(neg_d, [10 / 18, 10 / 18])


def test_multilabel_constant_label_warns_and_balanced_leaves_it_unweighted():
    Y = np.zeros((1, 2, 2))
    Y[0, 0, 1] = 1
    with pytest.warns(UserWarning, match="Label 0 has no positive"):
        w = fit_weights("balanced", STEP_LABELS, Y, mask=np.ones((1, 2), bool),
                        normalize=False)
    np.testing.assert_allclose(w.loss_weights[0], [1.0, 1.0])
    np.testing.assert_allclose(w.loss_weights[1], [1.0, 1.0])
