import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from skimbal.targets import TargetSpec
from skimbal.weights import (
    check_sample_weight,
    class_sample_weight,
    effective_number_ratio,
    fit_weights,
    label_normalization_factor,
    normalization_factor,
    resolve_class_weight,
    resolve_label_weights,
)


def test_balanced_matches_scikit_learn():
    y = np.array([0] * 90 + [1] * 8 + [2] * 2)
    classes, counts = np.unique(y, return_counts=True)
    ours = resolve_class_weight("balanced", classes, counts)
    np.testing.assert_allclose(ours, compute_class_weight("balanced", classes=classes, y=y))
    # hand-computed: 100 / (3 * count)
    np.testing.assert_allclose(ours, [100 / 270, 100 / 24, 100 / 6])


def test_none_is_ones():
    np.testing.assert_array_equal(resolve_class_weight(None, np.array([0, 1]), [5, 5]), [1, 1])


def test_dict_by_string_label_missing_classes_weigh_one():
    classes = np.array(["fraud", "normal", "other"])
    w = resolve_class_weight({"fraud": 10.0}, classes, [1, 8, 1])
    np.testing.assert_array_equal(w, [10.0, 1.0, 1.0])


def test_normalization_makes_mean_one():
    counts = np.array([900, 100])
    w = resolve_class_weight({0: 1 / 900, 1: 1 / 100}, np.array([0, 1]), counts)
    w = w * normalization_factor(w, counts)
    codes = np.repeat([0, 1], counts)
    assert class_sample_weight(w, codes).mean() == pytest.approx(1.0, rel=1e-6)
    # the ratio between classes is kept
    assert w[1] / w[0] == pytest.approx(9.0)


def test_unknown_keys_are_listed():
    with pytest.raises(ValueError, match=r"not classes of y: \['spam'\].*'fraud', 'normal'"):
        resolve_class_weight({"spam": 2.0}, np.array(["fraud", "normal"]), [1, 1])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_non_positive_or_non_finite_weights(bad):
    with pytest.raises(ValueError, match="positive finite"):
        resolve_class_weight({1: bad}, np.array([0, 1]), [5, 5])


@pytest.mark.parametrize("bad", ["heavy", None, True])
def test_non_numeric_weights(bad):
    with pytest.raises(TypeError, match="positive real number"):
        resolve_class_weight({1: bad}, np.array([0, 1]), [5, 5])


def test_unknown_string():
    with pytest.raises(ValueError, match="'balanced'"):
        resolve_class_weight("balance", np.array([0, 1]), [5, 5])


def test_sample_weight_checks_do_not_mutate():
    sw = np.array([1, 2, 3], dtype=np.float64)
    out = check_sample_weight(sw, 3)
    assert out.dtype == np.float32
    out2 = out * 2  # noqa: F841 (the caller's array stays untouched)
    np.testing.assert_array_equal(sw, [1, 2, 3])
    with pytest.raises(ValueError, match="shape \\(3,\\)"):
        check_sample_weight([1, 2], 3)
    with pytest.raises(ValueError, match="non-negative"):
        check_sample_weight([1, -2, 3], 3)
    with pytest.raises(ValueError, match="zero for every"):
        check_sample_weight([0, 0, 0], 3)


# ----------------------------------------------------------------- multi-label
Y_ML = np.array(
    [[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0]]
)  # n=8; positives per label: 2, 1, 6
NAMES = np.array([0, 1, 2])


def test_label_balanced_hand_computed():
    pos, neg = resolve_label_weights("balanced", NAMES, Y_ML)
    np.testing.assert_allclose(pos, [8 / 4, 8 / 2, 8 / 12])
    np.testing.assert_allclose(neg, [8 / 12, 8 / 14, 8 / 4])
    # balanced already has mean element weight 1
    w = Y_ML * pos + (1 - Y_ML) * neg
    assert w.mean() == pytest.approx(1.0)


def test_label_dict_by_index_and_by_name():
    pos, neg = resolve_label_weights({1: 5.0}, NAMES, Y_ML)
    np.testing.assert_array_equal(pos, [1, 5, 1])
    np.testing.assert_array_equal(neg, [1, 1, 1])
    names = np.array(["spike", "drift", "gap"])
    pos, _ = resolve_label_weights({"gap": 0.5, "spike": 3}, names, Y_ML)
    np.testing.assert_array_equal(pos, [3, 1, 0.5])


def test_label_array_of_positive_weights():
    pos, neg = resolve_label_weights(np.array([2.0, 4.0, 1.5]), NAMES, Y_ML)
    np.testing.assert_array_equal(pos, [2.0, 4.0, 1.5])
    np.testing.assert_array_equal(neg, [1, 1, 1])
    pos, _ = resolve_label_weights([1, 2, 3], NAMES, Y_ML)
    np.testing.assert_array_equal(pos, [1, 2, 3])


def test_label_normalization_mean_element_weight_one():
    pos, neg = resolve_label_weights([1 / 2, 1 / 1, 1 / 6], NAMES, Y_ML)
    f = label_normalization_factor(pos, neg, Y_ML)
    w = Y_ML * pos * f + (1 - Y_ML) * neg * f
    assert w.mean() == pytest.approx(1.0)
    # hand: sum of element weights = 2*(1/2) + 1*1 + 6*(1/6) + 8*3 - 9 = 18 over 24
    assert f == pytest.approx(24 / 18)


def test_label_without_positives_warns_and_stays_finite():
    Y = Y_ML.copy()
    Y[:, 1] = 0
    names = np.array(["spike", "drift", "gap"])
    with pytest.warns(UserWarning, match="'drift' has no positive samples"):
        pos, neg = resolve_label_weights("balanced", names, Y)
    assert np.all(np.isfinite(pos)) and np.all(np.isfinite(neg))
    assert pos[1] == 1.0 and neg[1] == 1.0
    np.testing.assert_allclose(pos[[0, 2]], [8 / 4, 8 / 12])
    Y[:, 1] = Y_ML[:, 1]
    Y[:, 2] = 1
    with pytest.warns(UserWarning, match="'gap' has no negative samples"):
        resolve_label_weights({"spike": 2.0}, names, Y)


@pytest.mark.parametrize(
    "spec, err, match",
    [
        ([1.0, 2.0], ValueError, r"expected shape \(3,\); got shape \(2,\)"),
        (np.ones((3, 1)), ValueError, r"expected shape \(3,\)"),
        ([1.0, 0.0, 2.0], ValueError, "positive finite"),
        ([1.0, -1.0, 2.0], ValueError, "positive finite"),
        ({2: -3.0}, ValueError, "positive finite"),
        ({0: 0}, ValueError, "positive finite"),
        ({"spike": 2.0}, ValueError, r"not labels of y: \['spike'\].*\[0, 1, 2\]"),
        ({5: 2.0}, ValueError, r"not labels of y: \[5\]"),
        ("balance", ValueError, "'balanced'"),
        (3.0, TypeError, "multi-label"),
    ],
)
def test_label_weights_bad_input(spec, err, match):
    with pytest.raises(err, match=match):
        resolve_label_weights(spec, NAMES, Y_ML)


# ------------------------------------------------ effective number (Cui et al.)
COUNTS = np.array([90, 8, 2])


def test_effective_hand_computed():
    w = resolve_class_weight("effective", np.array([0, 1, 2]), COUNTS, beta=0.9)
    # E(m) = (1 - 0.9**m) / 0.1; weight E(100 / 3) / E(n_c)
    e = lambda m: (1 - 0.9**m) / 0.1  # noqa: E731
    np.testing.assert_allclose(w, [e(100 / 3) / e(90), e(100 / 3) / e(8), e(100 / 3) / e(2)],
                               rtol=1e-12)
    # spelled out for class 2: (1 - 0.9**(100/3)) / (1 - 0.81)
    assert w[2] == pytest.approx((1 - 0.9 ** (100 / 3)) / 0.19, rel=1e-12)
    # proportional to Cui et al.'s (1 - beta) / (1 - beta**n_c)
    cui = (1 - 0.9) / (1 - 0.9**COUNTS)
    np.testing.assert_allclose(w / cui, np.full(3, w[0] / cui[0]), rtol=1e-12)


def test_effective_limits():
    classes = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(resolve_class_weight("effective", classes, COUNTS, beta=0.0),
                                  [1.0, 1.0, 1.0])
    near_one = resolve_class_weight("effective", classes, COUNTS, beta=1 - 1e-9)
    np.testing.assert_allclose(near_one, resolve_class_weight("balanced", classes, COUNTS),
                               rtol=1e-6)
    # in between: tempered, the ratio lies between 1 (beta=0) and 45 (balanced)
    mid = resolve_class_weight("effective", classes, COUNTS, beta=0.99)
    assert 1.0 < mid[2] / mid[0] < 90 / 2


def test_effective_number_ratio_is_accurate_close_to_one():
    # 1 - beta**m in float64 would lose the digits; expm1 keeps them
    r = effective_number_ratio(1.0, np.array([1.0, 2.0]), 1 - 1e-15)
    np.testing.assert_allclose(r, [1.0, 0.5], rtol=1e-9)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5, float("nan"), True, "0.9"])
def test_effective_bad_beta_names_beta(beta):
    with pytest.raises(ValueError, match=r"beta must be a real number in \[0, 1\)"):
        resolve_class_weight("effective", np.array([0, 1]), [5, 5], beta=beta)


def test_effective_needs_every_class():
    with pytest.raises(ValueError, match=r"'effective' needs every class.*missing: \[1\]"):
        resolve_class_weight("effective", np.array([0, 1]), [5, 0])


def test_label_effective_hand_computed_and_limits():
    pos, neg = resolve_label_weights("effective", NAMES, Y_ML, beta=0.5)
    e = lambda m: (1 - 0.5**m) / 0.5  # noqa: E731
    # n=8: positives 2, 1, 6; negatives 6, 7, 2; weights E(n / 2) / E(count)
    np.testing.assert_allclose(pos, [e(4) / e(2), e(4) / e(1), e(4) / e(6)], rtol=1e-12)
    np.testing.assert_allclose(neg, [e(4) / e(6), e(4) / e(7), e(4) / e(2)], rtol=1e-12)
    assert pos[1] == pytest.approx((1 - 0.5**4) / (1 - 0.5))  # = 1.875
    ones = resolve_label_weights("effective", NAMES, Y_ML, beta=0.0)
    np.testing.assert_array_equal(ones, np.ones((2, 3)))
    near = resolve_label_weights("effective", NAMES, Y_ML, beta=1 - 1e-9)
    np.testing.assert_allclose(near, resolve_label_weights("balanced", NAMES, Y_ML), rtol=1e-6)


def test_label_effective_degenerate_label_stays_unweighted():
    Y = Y_ML.copy()
    Y[:, 1] = 0
    with pytest.warns(UserWarning, match="'effective' leaves it unweighted"):
        pos, neg = resolve_label_weights("effective", NAMES, Y, beta=0.9)
    assert pos[1] == 1.0 and neg[1] == 1.0


def test_fit_weights_effective_counts_valid_timesteps_only():
    # per-timestep codes (2 sequences x 4 steps), the last two steps of row 1 padding
    codes = np.array([[0, 0, 1, 0], [0, 1, 1, 1]])
    mask = np.array([[True] * 4, [True, True, False, False]])
    spec = TargetSpec("per_timestep_binary", 2, np.array([0, 1]))
    fw = fit_weights("effective", spec, codes, mask=mask, normalize=False, beta=0.9)
    # valid counts: class 0 -> 4, class 1 -> 2 (the padded 1s do not count)
    expected = resolve_class_weight("effective", np.array([0, 1]), [4, 2], beta=0.9)
    assert fw.class_weight_ == pytest.approx({0: expected[0], 1: expected[1]})
    np.testing.assert_allclose(fw.sample_weight, np.where(mask, expected[codes], 0.0),
                               rtol=1e-6)


def test_fit_weights_unweighted_sample_weight():
    codes = np.array([[0, 0, 1], [1, 1, 0]])
    mask = np.array([[True, True, True], [True, True, False]])
    time_w = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 0.0]])
    spec = TargetSpec("per_timestep_binary", 2, np.array([0, 1]))
    fw = fit_weights("balanced", spec, codes, mask=mask, sample_weight=[1.0, 0.5],
                     time_weights=time_w, unweighted=True)
    # no class weights: time weights times the user's weights, 0 on padding
    np.testing.assert_array_equal(fw.unweighted_sample_weight,
                                  [[1.0, 2.0, 3.0], [1.0, 1.5, 0.0]])
    cw = np.array([fw.class_weight_[0], fw.class_weight_[1]])
    np.testing.assert_allclose(fw.sample_weight, cw[codes] * fw.unweighted_sample_weight,
                               rtol=1e-6)
    assert fit_weights("balanced", spec, codes, mask=mask).unweighted_sample_weight is None
    # multi-label: the class weights live in the loss, Keras' weights are the same array
    ml = fit_weights("balanced", TargetSpec("multilabel", 3, NAMES), Y_ML, unweighted=True)
    assert ml.unweighted_sample_weight is ml.sample_weight
