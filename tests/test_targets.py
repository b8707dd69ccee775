import numpy as np
import pytest

from skimbal.targets import TargetEncoder


@pytest.mark.parametrize(
    "y, kind, classes",
    [
        ([0, 1, 1, 0], "binary", [0, 1]),
        ([True, False, True], "binary", [False, True]),
        (["b", "a", "b"], "binary", ["a", "b"]),
        ([2, 0, 1, 2], "multiclass", [0, 1, 2]),
        (["cat", "dog", "eel", "dog"], "multiclass", ["cat", "dog", "eel"]),
        ([[0, 1, 0], [1, 0, 0], [0, 0, 1]], "onehot", [0, 1, 2]),
        ([[1], [0], [1]], "binary", [0, 1]),
    ],
)
def test_kind_and_classes(y, kind, classes):
    enc = TargetEncoder().fit(y)
    assert enc.kind == kind
    assert enc.classes_.tolist() == classes


def test_round_trip_preserves_form():
    for y in (np.array(["x", "y", "x"]), np.array([True, False, True]),
              np.array([[0, 1], [1, 0], [0, 1]], dtype=np.int8)):
        enc = TargetEncoder().fit(y)
        back = enc.inverse_transform(enc.transform(y))
        np.testing.assert_array_equal(back, y)
        assert back.dtype == y.dtype


def test_codes_follow_sorted_classes():
    enc = TargetEncoder().fit(["b", "c", "a"])
    assert enc.transform(["a", "b", "c"]).tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "y, match",
    [
        ([1, 1, 1], "single class"),
        ([0.5, 1.0, 2.0], "continuous"),
        ([0.0, np.nan, 1.0], "NaN"),
        ([[1, 1, 0], [0, 1, 0]], "one-hot"),
        ([[1, 0], [1, 0]], "single class"),
        (np.zeros((3, 2, 2)), "3-D"),
    ],
)
def test_bad_targets(y, match):
    with pytest.raises(ValueError, match=match):
        TargetEncoder().fit(y)


def test_unknown_label_at_transform():
    enc = TargetEncoder().fit([0, 1])
    with pytest.raises(ValueError, match="not seen in fit: \\[5\\]"):
        enc.transform([0, 5])


def test_none_and_scalar_y():
    with pytest.raises(TypeError, match="y is required"):
        TargetEncoder().fit(None)
    with pytest.raises(TypeError, match="scalar"):
        TargetEncoder().fit(3)
