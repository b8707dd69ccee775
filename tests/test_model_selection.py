import numpy as np
import pytest
from sklearn.model_selection import cross_validate

from skimbal.model_selection import (
    MultilabelStratifiedKFold,
    multilabel_validation_split,
    stratified_validation_split,
)


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


# ----------------------------------------------------------------- multi-label
def _ml_targets(n=200, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.uniform(size=(n, 4)) < [0.5, 0.2, 0.1, 0.05]).astype(int)


def test_multilabel_kfold_keeps_each_label_share():
    Y = _ml_targets()
    X = np.zeros((len(Y), 6, 2))  # 3-D X is fine
    cv = MultilabelStratifiedKFold(n_splits=5, random_state=0)
    assert cv.get_n_splits(X, Y) == 5
    seen = []
    for train, test in cv.split(X, Y):
        assert set(train).isdisjoint(test) and len(train) + len(test) == len(Y)
        seen.append(test)
        # every label's positives are spread evenly: at most 1 off the ideal
        np.testing.assert_array_less(np.abs(Y[test].sum(0) - Y.sum(0) / 5), 1.0 + 1e-9)
    assert sorted(np.concatenate(seen).tolist()) == list(range(len(Y)))


def test_multilabel_kfold_is_repeatable_and_seeded():
    Y = _ml_targets()
    X = np.zeros(len(Y))
    a = [t.tolist() for _, t in MultilabelStratifiedKFold(3, random_state=1).split(X, Y)]
    b = [t.tolist() for _, t in MultilabelStratifiedKFold(3, random_state=1).split(X, Y)]
    c = [t.tolist() for _, t in MultilabelStratifiedKFold(3, shuffle=True,
                                                          random_state=2).split(X, Y)]
    assert a == b and a != c


def test_multilabel_kfold_in_cross_validate():
    from sklearn.dummy import DummyClassifier

    Y = _ml_targets(60)
    X = np.zeros((60, 1))
    cv = MultilabelStratifiedKFold(3, random_state=0)
    res = cross_validate(DummyClassifier(strategy="prior"), X, Y, cv=cv,
                         return_indices=True)
    expected = [t.tolist() for _, t in cv.split(X, Y)]
    assert [t.tolist() for t in res["indices"]["test"]] == expected
    assert repr(cv) == "MultilabelStratifiedKFold(n_splits=3, random_state=0, shuffle=False)"


@pytest.mark.parametrize(
    "kwargs, y, match",
    [
        (dict(), np.array([0, 1, 0, 1]), "n_labels >= 2"),
        (dict(), np.array([[0, 2], [1, 0], [1, 1], [0, 0]]), "0/1"),
        (dict(n_splits=5), np.array([[0, 1], [1, 0], [1, 1], [0, 0]]), "greater than"),
    ],
)
def test_multilabel_kfold_bad_y(kwargs, y, match):
    with pytest.raises(ValueError, match=match):
        list(MultilabelStratifiedKFold(**kwargs).split(np.zeros(len(y)), y))


def test_multilabel_kfold_bad_params():
    with pytest.raises(ValueError, match="n_splits"):
        MultilabelStratifiedKFold(1)


def test_multilabel_validation_split_puts_rare_label_on_both_sides():
    Y = np.zeros((100, 3), dtype=int)
    Y[:50, 0] = 1
    Y[90:, 1] = 1  # sorted: a tail split would hold all of label 1
    Y[[3, 97], 2] = 1  # 2 positives
    tr, va = multilabel_validation_split(Y, 0.2, random_state=0)
    assert set(tr).isdisjoint(va) and len(tr) + len(va) == 100
    assert abs(len(va) - 20) <= 1
    assert Y[va, 1].sum() == 2 and Y[va, 0].sum() == 10
    assert Y[tr, 2].sum() >= 1
    np.testing.assert_array_equal(va, multilabel_validation_split(Y, 0.2, random_state=0)[1])
