import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from skimbal.weights import (
    check_sample_weight,
    class_sample_weight,
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
