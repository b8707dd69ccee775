"""Shared fixtures: tiny datasets and fast model settings."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skimbal.datasets import make_imbalanced_sequences  # noqa: E402

# Small and fast: a few units, few epochs; results still depend on the data.
# The training-loop defaults (early stopping on a 10% validation split, LR schedule,
# fcn-rnn) are switched off here so that these tests train exactly `epochs` epochs on
# all samples; tests/test_architectures.py tests the defaults themselves.
FAST = dict(units=4, epochs=2, batch_size=32, random_state=0, learning_rate=0.01,
            architecture="rnn", validation_fraction=0.0, early_stopping=False,
            lr_schedule=None)


@pytest.fixture(scope="session")
def binary_data():
    return make_imbalanced_sequences(
        200, n_timesteps=10, n_features=3, weights=(0.85, 0.15), class_sep=2.0,
        random_state=0,
    )


@pytest.fixture(scope="session")
def multiclass_data():
    return make_imbalanced_sequences(
        240, n_timesteps=10, n_features=3, weights=(0.6, 0.3, 0.1), class_sep=2.0,
        random_state=1,
    )


@pytest.fixture(scope="session")
def fast_params():
    return dict(FAST)


@pytest.fixture
def no_keras(monkeypatch):
    """Fail the test if any Keras model gets built (validation must come first)."""
    from skimbal import WeightedSequenceClassifier

    def boom(self):
        raise AssertionError("Keras work started before input validation")

    monkeypatch.setattr(WeightedSequenceClassifier, "_build_keras_model", boom)


def string_labels(y: np.ndarray) -> np.ndarray:
    names = np.array(["normal", "fraud", "other"])
    return names[y]


def _rows(dataset):
    """The arrays behind an ArrayBatches, rows in their index order (unshuffled)."""
    return tuple(a[dataset.indices] for a in dataset.arrays)


def spy_keras_fit(monkeypatch) -> dict:
    """Record what skimbal hands to ``keras.Model.fit``.

    skimbal feeds Keras the ``tf.data`` pipelines of
    :class:`skimbal._training.ArrayBatches`; the spy finds the ArrayBatches
    behind them and unpacks it (and the validation one) into ``x``, ``y``,
    ``sample_weight`` and ``validation_data`` arrays in index order, next to
    the raw kwargs (``dataset``: the training ArrayBatches).
    """
    import keras

    from skimbal._training import ArrayBatches

    seen: dict = {}
    behind: dict = {}
    original = keras.Model.fit
    original_dataset = ArrayBatches.dataset

    def dataset(self):
        ds = original_dataset(self)
        behind[id(ds)] = self
        return ds

    def spy(self, *args, **kwargs):
        seen.clear()
        seen.update(kwargs, loss=self.loss, class_weight=kwargs.get("class_weight"))
        x = kwargs.get("x", args[0] if args else None)
        if id(x) in behind:
            seen["dataset"] = behind[id(x)]
            seen["x"], seen["y"], seen["sample_weight"] = _rows(seen["dataset"])
        val = kwargs.get("validation_data")
        seen["validation_data"] = _rows(behind[id(val)]) if id(val) in behind else val
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ArrayBatches, "dataset", dataset)
    monkeypatch.setattr(keras.Model, "fit", spy)
    return seen
