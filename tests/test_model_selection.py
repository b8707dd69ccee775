import numpy as np
import pytest

from skimbal.model_selection import stratified_validation_split


def test_split_keeps_class_proportions_on_sorted_data():
    codes = np.r_[np.zeros(90, int), np.ones(10, int)]
    tr, va = stratified_validation_split(codes, 0.2, random_state=0)
    assert len(va) == 20 and len(tr) == 80
    assert np.sum(codes[va] == 1) == 2
    assert set(tr).isdisjoint(va) and len(set(tr) | set(va)) == 100


def test_split_is_reproducible():
    codes = np.tile([0, 0, 0, 1], 25)
    a = stratified_validation_split(codes, 0.2, random_state=4)
    b = stratified_validation_split(codes, 0.2, random_state=4)
    np.testing.assert_array_equal(a[1], b[1])


def test_split_too_small():
    with pytest.raises(ValueError, match="at least one sample of each"):
        stratified_validation_split(np.array([0, 0, 1, 1, 2, 2]), 0.1)
