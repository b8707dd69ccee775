"""Test-only adapters that let scikit-learn's estimator checks reach 3-D estimators.

scikit-learn's ``parametrize_with_checks`` yields no check at all for an estimator
whose tags say it does not take 2-D input. Each adapter here is the estimator itself
with one change: a 2-D ``X`` of shape ``(n_samples, n_features)`` is read as
``n_samples`` sequences of one timestep, ``(n_samples, 1, n_features)`` (anything
else goes through unchanged, so 1-D, 4-D, NaN or string input still meets the
estimator's own validation), and multi-label samplers see a 1-D class ``y`` as its
two-label indicator. Outputs are reshaped back to 2-D where the input was 2-D.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skimbal import WeightedSequenceClassifier
from skimbal.preprocessing import SequenceScaler
from skimbal.sampling import MLROS, MLSMOTE, SequenceSampler


def _is_2d(X: Any) -> bool:
    if hasattr(X, "toarray"):  # sparse: let the estimator refuse it
        return False
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError):
        return False
    return arr.ndim == 2 and arr.dtype != object


def _to_3d(X: Any) -> Any:
    return np.asarray(X)[:, None, :] if _is_2d(X) else X


def _to_2d(X: Any, was_2d: bool) -> Any:
    return np.asarray(X)[:, 0, :] if was_2d else X


class _TwoDTags:
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        return tags


class ScalerAdapter(_TwoDTags, SequenceScaler):
    def fit(self, X, y=None):
        return super().fit(_to_3d(X), y)

    def transform(self, X):
        return _to_2d(super().transform(_to_3d(X)), _is_2d(X))

    def inverse_transform(self, X):
        return _to_2d(super().inverse_transform(_to_3d(X)), _is_2d(X))

    def fit_transform(self, X, y=None, **params):
        return self.fit(X, y).transform(X)


class _SamplerAdapter(_TwoDTags):
    def fit(self, X, y, **params):
        return super().fit(_to_3d(X), self._y(y), **params)

    def fit_resample(self, X, y, **params):
        out = super().fit_resample(_to_3d(X), self._y(y), **params)
        return (_to_2d(out[0], _is_2d(X)), *out[1:])

    @staticmethod
    def _y(y):
        return y


class SequenceSamplerAdapter(_SamplerAdapter, SequenceSampler):
    pass


class _MultilabelAdapter(_SamplerAdapter):
    @staticmethod
    def _y(y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim == 1 and y.dtype.kind in "biuf" and np.all(np.mod(y, 1) == 0):
            return np.column_stack([y == y.min(), y != y.min()]).astype(np.int64)
        return y


class MLROSAdapter(_MultilabelAdapter, MLROS):
    pass


class MLSMOTEAdapter(_MultilabelAdapter, MLSMOTE):
    pass


class ClassifierAdapter(_TwoDTags, WeightedSequenceClassifier):
    def fit(self, X, y, sample_weight=None):
        return super().fit(_to_3d(X), y, sample_weight=sample_weight)

    def predict(self, X):
        return super().predict(_to_3d(X))

    def predict_proba(self, X):
        return super().predict_proba(_to_3d(X))

    def score(self, X, y, sample_weight=None):
        return super().score(_to_3d(X), y, sample_weight=sample_weight)


# tiny and fast: one timestep, a few units, few epochs
CLASSIFIER_FAST = dict(units=2, epochs=2, batch_size=64, random_state=0,
                       architecture="rnn", validation_fraction=0.0, early_stopping=False,
                       lr_schedule=None)

ADAPTED = [
    ScalerAdapter(),
    SequenceSamplerAdapter(sampler=__import__("imblearn.over_sampling").over_sampling
                           .RandomOverSampler(random_state=0)),
    MLROSAdapter(random_state=0),
    MLSMOTEAdapter(random_state=0),
    ClassifierAdapter(**CLASSIFIER_FAST),
]
