import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from skimbal.weights import (
    check_sample_weight,
    class_sample_weight,
    normalization_factor,
    resolve_class_weight,
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
