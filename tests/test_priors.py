"""skimbal.priors: training frequencies, training prior, prior shift (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest

from skimbal.priors import PRIOR_EPS, class_prior, log_prior, shift_proba, training_prior
from skimbal.targets import TargetSpec

BINARY = TargetSpec("binary", 2, np.array([0, 1]))
MULTI = TargetSpec("multiclass", 3, np.array(["a", "b", "c"]))
LABELS = TargetSpec("multilabel", 2, np.array(["x", "y"]))
STEPS = TargetSpec("per_timestep_binary", 2, np.array([0, 1]))


def test_class_prior_counts_classes_and_labels():
    codes = np.array([0, 0, 0, 1, 2, 2, 0, 0])
    np.testing.assert_allclose(class_prior(MULTI, codes), [5 / 8, 1 / 8, 2 / 8])
    Y = np.array([[1, 0], [0, 0], [1, 1], [0, 0]], dtype=np.float32)
    np.testing.assert_allclose(class_prior(LABELS, Y), [0.5, 0.25])


def test_class_prior_of_per_timestep_targets_counts_valid_steps_only():
    codes = np.array([[0, 1, 0, 0], [1, 1, 0, 0]])  # padded steps hold code 0
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    # valid steps: 0 1 0 | 1 1 -> two 0s, three 1s
    np.testing.assert_allclose(class_prior(STEPS, codes, mask), [0.4, 0.6])


def test_log_prior_classes_and_log_odds_with_clipping():
    np.testing.assert_allclose(log_prior(np.array([0.25, 0.75]), per_label=False),
                               np.log([0.25, 0.75]))
    np.testing.assert_allclose(log_prior(np.array([0.2]), per_label=True), [np.log(0.25)])
    clipped = log_prior(np.array([0.0, 1.0]), per_label=True)
    expected = np.log(PRIOR_EPS) - np.log1p(-PRIOR_EPS)
    np.testing.assert_allclose(clipped, [expected, -expected])
    assert np.all(np.isfinite(log_prior(np.array([0.0, 1.0]), per_label=False)))


def test_shift_with_equal_priors_is_the_identity():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3), size=5)
    pi = np.array([0.7, 0.2, 0.1])
    ratio = log_prior(pi, per_label=False) - log_prior(pi, per_label=False)
    np.testing.assert_allclose(shift_proba(p, ratio, per_label=False), p, rtol=1e-12)
    q = rng.uniform(0.05, 0.95, size=(5, 2))
    np.testing.assert_allclose(shift_proba(q, np.zeros(2), per_label=True), q, rtol=1e-12)


def test_prior_correction_of_a_balanced_two_class_network():
    # trained under q = (0.5, 0.5) while pi = (0.9, 0.1): p = (0.4, 0.6) becomes
    # (0.4 * 0.9/0.5, 0.6 * 0.1/0.5) renormalised = (0.72, 0.12) / 0.84
    pi, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    ratio = log_prior(pi, per_label=False) - log_prior(q, per_label=False)
    got = shift_proba(np.array([[0.4, 0.6]]), ratio, per_label=False)
    np.testing.assert_allclose(got, [[0.72 / 0.84, 0.12 / 0.84]])
    # the same per label: odds 1.5 times odds(pi)/odds(q) = 1/9 -> 1/6 -> p = 1/7
    one = shift_proba(np.array([[0.6]]), log_prior(np.array([0.1]), per_label=True)
                      - log_prior(np.array([0.5]), per_label=True), per_label=True)
    np.testing.assert_allclose(one, [[1 / 7]])
    np.testing.assert_allclose(got[:, 1], one[:, 0])  # binary == its one label


def test_shift_keeps_dtype_and_leaves_zero_rows_zero():
    p = np.array([[[0.2, 0.8], [0.0, 0.0]]], dtype=np.float32)  # (n, T, k), step 2 padded
    out = shift_proba(p, np.log([2.0, 1.0]), per_label=False)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0], [0.4 / 1.2, 0.8 / 1.2], rtol=1e-6)
    np.testing.assert_array_equal(out[0, 1], [0.0, 0.0])


def test_training_prior_unweighted_weighted_and_balanced_batches():
    codes = np.array([0] * 8 + [1] * 2)
    ones = np.ones(10)
    np.testing.assert_allclose(training_prior(BINARY, codes, ones, None), [0.8, 0.2])
    w = np.where(codes == 1, 4.0, 1.0)  # q ~ (8 * 1, 2 * 4)
    np.testing.assert_allclose(training_prior(BINARY, codes, w, None), [0.5, 0.5])
    np.testing.assert_allclose(
        training_prior(BINARY, codes, ones, None, balanced_batches=True), [0.5, 0.5])
    # balanced batches and class weights compound: q ~ (1, 4)
    np.testing.assert_allclose(
        training_prior(BINARY, codes, w, None, balanced_batches=True), [0.2, 0.8])


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 2.0])
def test_training_prior_of_logit_adjusted_loss_is_pi_to_one_minus_tau(tau):
    codes = np.array([0] * 6 + [1] * 3 + [2])
    pi = np.array([0.6, 0.3, 0.1])
    expected = pi ** (1 - tau) / (pi ** (1 - tau)).sum()
    got = training_prior(MULTI, codes, np.ones(10), None, logit_adjustment="loss", tau=tau)
    np.testing.assert_allclose(got, expected)
    # post-hoc trains as usual
    np.testing.assert_allclose(
        training_prior(MULTI, codes, np.ones(10), None, logit_adjustment="post-hoc"), pi)


def test_training_prior_per_label_uses_the_element_weights():
    Y = np.array([[1, 0], [0, 0], [0, 1], [0, 0]], dtype=np.float32)
    sw = np.array([1.0, 1.0, 1.0, 2.0])
    pos, neg = np.array([3.0, 1.0]), np.array([1.0, 0.5])
    # label x: P = 1 * 3 = 3, N = (1 + 1 + 2) * 1 = 4 -> 3/7
    # label y: P = 1 * 1 = 1, N = (1 + 1 + 2) * 0.5 = 2 -> 1/3
    np.testing.assert_allclose(training_prior(LABELS, Y, sw, (pos, neg)), [3 / 7, 1 / 3])
    # logit adjustment, tau=1, unweighted: odds(q) = odds(pi) / odds(pi) = 1
    np.testing.assert_allclose(
        training_prior(LABELS, Y, np.ones(4), None, logit_adjustment="loss"), [0.5, 0.5])


def test_training_prior_of_per_timestep_targets_ignores_padding():
    codes = np.array([[0, 1, 0, 0], [1, 1, 0, 0]])
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    sw = np.where(mask, np.where(codes == 1, 2.0, 1.0), 0.0)
    # valid: two 0s (weight 1) and three 1s (weight 2) -> (2, 6) / 8
    np.testing.assert_allclose(training_prior(STEPS, codes, sw, None, mask=mask),
                               [0.25, 0.75])
