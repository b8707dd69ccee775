"""ArrayBatches: the index-gathering input that replaces Keras' array adapter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import spy_keras_fit

from skimbal import WeightedSequenceClassifier
from skimbal._training import ArrayBatches


def _epoch(ds):
    return [ds[i] for i in range(len(ds))]


def test_batches_cover_the_indices_once_per_epoch_and_reshuffle():
    X = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25)
    idx = np.array([0, 3, 4, 7, 8, 10, 11, 15, 20, 24])
    ds = ArrayBatches((X, y), idx, 4, shuffle=True, seed=0)
    assert len(ds) == 3
    orders = []
    for _ in range(3):
        batches = _epoch(ds)
        assert [len(b[1]) for b in batches] == [4, 4, 2]
        seen = np.concatenate([b[1] for b in batches])
        assert sorted(seen) == list(idx)  # each index exactly once
        for xb, yb in batches:
            np.testing.assert_array_equal(xb, X[yb])  # rows stay aligned
        orders.append(seen)
        ds.on_epoch_end()
    assert not np.array_equal(orders[0], orders[1])
    again = ArrayBatches((X, y), idx, 4, shuffle=True, seed=0)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in _epoch(again)]), orders[0])


def test_unshuffled_batches_keep_order_and_hold_the_caller_array():
    X = np.random.RandomState(0).normal(size=(10, 3, 2)).astype(np.float32)
    ds = ArrayBatches((X,), None, 3, shuffle=False)
    assert ds.arrays[0] is X  # held by reference: no copy of the data
    np.testing.assert_array_equal(np.concatenate([b[0] for b in _epoch(ds)]), X)
    ds.on_epoch_end()
    np.testing.assert_array_equal(_epoch(ds)[0][0], X[:3])


def test_fit_feeds_keras_batches_of_the_callers_array(binary_data, fast_params, monkeypatch):
    X, y = binary_data
    assert X.dtype == np.float32
    seen = spy_keras_fit(monkeypatch)
    params = {**fast_params, "validation_fraction": 0.2, "batch_size": 16}
    WeightedSequenceClassifier(**params).fit(X, y)
    assert seen["batch_size"] is None and seen["shuffle"] is False
    # the split is by index into the caller's float32 array, not a copy of it
    assert np.shares_memory(seen["dataset"].arrays[0], X)
    train_idx = seen["dataset"].indices
    np.testing.assert_array_equal(seen["x"], X[train_idx])
    val_x = seen["validation_data"][0]
    assert len(train_idx) + len(val_x) == len(X) and len(val_x) == 40


@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_shuffle_param_is_honoured(binary_data, fast_params, monkeypatch, shuffle):
    from skimbal import _training

    made = []
    original = _training.ArrayBatches.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(_training.ArrayBatches, "__init__", record)
    X, y = binary_data
    WeightedSequenceClassifier(**fast_params, fit__shuffle=shuffle).fit(X, y)
    assert made[0].shuffle is shuffle


def test_seeded_fit_keeps_one_order_unseeded_reshuffles(binary_data, fast_params, monkeypatch):
    seen = spy_keras_fit(monkeypatch)
    X, y = binary_data
    WeightedSequenceClassifier(**fast_params).fit(X, y)  # random_state=0
    ds = seen["dataset"]
    first = ds[0][1].copy()
    ds.on_epoch_end()
    np.testing.assert_array_equal(ds[0][1], first)
    WeightedSequenceClassifier(**{**fast_params, "random_state": None}).fit(X, y)
    ds = seen["dataset"]
    orders = []
    for _ in range(2):
        orders.append(np.concatenate([ds[i][0][:, 0, 0] for i in range(len(ds))]))
        ds.on_epoch_end()
    assert not np.array_equal(orders[0], orders[1])
    np.testing.assert_array_equal(np.sort(orders[0]), np.sort(orders[1]))
