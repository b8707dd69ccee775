"""ArrayBatches: the index-gathering input that replaces Keras' array adapter."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import tensorflow as tf
from conftest import spy_keras_fit

from skimbal import WeightedSequenceClassifier
from skimbal._training import ArrayBatches


def _epochs(batches, n):
    """``n`` passes over one tf.data pipeline of ``batches``, as NumPy tuples."""
    ds = batches.dataset()
    return [[tuple(t.numpy() for t in b) for b in ds] for _ in range(n)]


def test_batches_cover_the_indices_once_per_epoch_and_reshuffle():
    X = np.arange(50, dtype=np.float32).reshape(25, 2)
    y = np.arange(25)
    idx = np.array([0, 3, 4, 7, 8, 10, 11, 15, 20, 24])
    batches = ArrayBatches((X, y), idx, 4, shuffle=True, seed=0)
    assert len(batches) == 3
    orders = []
    for epoch in _epochs(batches, 3):
        assert [len(b[1]) for b in epoch] == [4, 4, 2]
        seen = np.concatenate([b[1] for b in epoch])
        assert sorted(seen) == list(idx)  # each index exactly once
        for xb, yb in epoch:
            np.testing.assert_array_equal(xb, X[yb])  # rows stay aligned
        orders.append(seen)
    assert not np.array_equal(orders[0], orders[1])
    again = ArrayBatches((X, y), idx, 4, shuffle=True, seed=0)
    again_orders = [np.concatenate([b[1] for b in e]) for e in _epochs(again, 3)]
    np.testing.assert_array_equal(np.array(again_orders), np.array(orders))  # seeded


def test_fixed_order_keeps_one_permutation_for_every_epoch():
    X = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20)
    batches = ArrayBatches((X, y), None, 6, shuffle=True, reshuffle=False, seed=3)
    first, second = (np.concatenate([b[1] for b in e]) for e in _epochs(batches, 2))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, y)  # permuted
    np.testing.assert_array_equal(first, batches.order)


def test_unshuffled_batches_keep_order_and_hold_the_caller_array():
    X = np.random.RandomState(0).normal(size=(10, 3, 2)).astype(np.float32)
    batches = ArrayBatches((X,), None, 3, shuffle=False)
    assert batches.arrays[0] is X  # held by reference: no copy of the data
    for epoch in _epochs(batches, 2):
        np.testing.assert_array_equal(np.concatenate([b[0] for b in epoch]), X)


def test_dataset_has_known_length_and_the_arrays_dtypes():
    X = np.zeros((11, 4, 2), dtype=np.float32)
    y = np.zeros(11, dtype=np.int32)
    ds = ArrayBatches((X, y), None, 4, shuffle=True, seed=0).dataset()
    assert int(ds.cardinality()) == 3  # Keras sizes the epoch from it
    x_spec, y_spec = ds.element_spec
    assert x_spec.shape.as_list() == [None, 4, 2] and x_spec.dtype == tf.float32
    assert y_spec.shape.as_list() == [None] and y_spec.dtype == tf.int32


def test_fit_releases_the_training_array(binary_data, fast_params):
    X, y = binary_data
    X = X.copy()
    ref = weakref.ref(X)
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    del X
    gc.collect()
    # neither the fitted model nor TensorFlow's py-function registry keeps it
    assert ref() is None
    assert clf.predict(binary_data[0]).shape == y.shape


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
    epochs = _epochs(seen["dataset"], 2)
    np.testing.assert_array_equal(epochs[0][0][1], epochs[1][0][1])
    WeightedSequenceClassifier(**{**fast_params, "random_state": None}).fit(X, y)
    orders = [np.concatenate([b[0][:, 0, 0] for b in e]) for e in _epochs(seen["dataset"], 2)]
    assert not np.array_equal(orders[0], orders[1])
    np.testing.assert_array_equal(np.sort(orders[0]), np.sort(orders[1]))


def test_dataset_refers_to_its_batches_weakly():
    X = np.zeros((6, 2, 1), dtype=np.float32)
    ds = ArrayBatches((X,), None, 3, shuffle=False).dataset()
    gc.collect()
    with pytest.raises(Exception, match="was released"):
        next(iter(ds))
