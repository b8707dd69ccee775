"""Regression test of the defaults on a small real set (the bundled JapaneseVowels).

Before the "auto" training defaults, a default fit on a few dozen real
sequences stopped after ~20 epochs on a 3-sequence validation split and
returned a near-initial network that predicted one class (balanced accuracy
at chance). This test fails if that comes back.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, recall_score

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import load_japanese_vowels


def _small_imbalanced_split():
    """Speakers 1-3: 10, 10 and 3 training utterances; their whole test split."""
    d = load_japanese_vowels()
    keep = {1: 10, 2: 10, 3: 3}
    idx = np.concatenate([np.flatnonzero(d.y_train == c)[:k] for c, k in keep.items()])
    test = np.flatnonzero(np.isin(d.y_test, list(keep)))
    return ([d.X_train[i] for i in idx], d.y_train[idx],
            [d.X_test[i] for i in test], d.y_test[test])


@pytest.mark.slow
def test_default_fit_learns_a_small_real_set():
    X, y, X_test, y_test = _small_imbalanced_split()
    assert len(y) == 23
    clf = WeightedSequenceClassifier(class_weight="balanced", random_state=0).fit(X, y)
    pred = clf.predict(X_test)
    # not collapsed to one class, and far from chance (1/3)
    assert len(np.unique(pred)) == 3
    assert balanced_accuracy_score(y_test, pred) >= 0.8
    # the 3-utterance minority speaker is recognised
    assert recall_score(y_test, pred, labels=[3], average="macro") >= 0.5
