"""The representative subset run against the dependency floors (``pytest -m floors``).

``.ci/floors`` installs the oldest versions ``pyproject.toml`` allows
(``.ci/floors-constraints.txt``, written by ``.ci/floors.py``) and runs every
test marked ``floors``: this module (fit / predict / clone / GridSearchCV /
save-load on each target kind, samplers in pipelines) and the marked tests of
other modules (the saved-model fixtures, the load-time allow-list). The main
suite runs them too, against the newest versions.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import skimbal
from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

pytestmark = pytest.mark.floors

TINY = {**FAST, "units": 3, "epochs": 1}


def _data(kind):
    rng = np.random.RandomState(0)
    if kind in ("binary", "multiclass", "strings", "onehot"):
        X, y = make_imbalanced_sequences(
            60, n_timesteps=6, n_features=2, random_state=0,
            weights=(0.7, 0.3) if kind == "binary" else (0.5, 0.3, 0.2))
        if kind == "strings":
            y = np.array(["a", "b", "c"])[y]
        if kind == "onehot":
            y = np.eye(3, dtype=int)[y]
        return X, y
    if kind == "multilabel":
        return make_imbalanced_sequences(60, n_timesteps=6, n_features=2, target="multilabel",
                                         weights=(0.5, 0.3), random_state=0)
    X, y_steps = make_imbalanced_sequences(60, n_timesteps=6, n_features=2,
                                           target="per_timestep", weights=(0.8, 0.2),
                                           random_state=0)
    if kind == "per_timestep":
        return X, y_steps
    lengths = rng.randint(3, 7, size=len(X))  # "variable_length": lists of (T_i, F)
    return ([x[:n] for x, n in zip(X, lengths, strict=True)],
            [t[:n] for t, n in zip(y_steps, lengths, strict=True)])


KINDS = ["binary", "multiclass", "strings", "onehot", "multilabel", "per_timestep",
         "variable_length"]


@pytest.mark.parametrize("kind", KINDS)
def test_fit_predict_clone_save_load(kind, tmp_path):
    X, y = _data(kind)
    clf = WeightedSequenceClassifier(class_weight="balanced", **TINY).fit(X, y)
    proba, pred = clf.predict_proba(X), clf.predict(X)
    assert len(pred) == len(X)
    params = clone(clf).get_params()
    assert params["class_weight"] == "balanced" and params["units"] == 3
    back = skimbal.load(clf.save(tmp_path / f"{kind}.skimbal"))
    if isinstance(proba, list):
        for a, b in zip(back.predict_proba(X), proba, strict=True):
            np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_array_equal(back.predict_proba(X), proba)
    assert type(back.predict(X)) is type(pred)


def test_grid_search():
    X, y = _data("binary")
    search = GridSearchCV(WeightedSequenceClassifier(**TINY), {"units": [2, 3]},
                          cv=StratifiedKFold(2), scoring="balanced_accuracy").fit(X, y)
    assert search.best_params_["units"] in (2, 3)


def test_samplers_in_pipelines_save_and_load(tmp_path):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline
    from sklearn import config_context

    from skimbal import SequenceSampler, SequenceScaler

    X, y = _data("binary")
    pipe = make_pipeline(SequenceScaler(), SequenceSampler(RandomOverSampler(random_state=0)),
                         WeightedSequenceClassifier(**TINY)).fit(X, y)
    back = skimbal.load(skimbal.save(pipe, tmp_path / "pipe.skimbal"))
    np.testing.assert_array_equal(back.predict_proba(X), pipe.predict_proba(X))
    w = np.linspace(0.5, 2.0, len(y))
    with config_context(enable_metadata_routing=True):
        weighted = skimbal.pipeline.make_pipeline(
            SequenceSampler(RandomOverSampler(random_state=0)),
            WeightedSequenceClassifier(**TINY).set_fit_request(sample_weight=True))
        weighted.fit(X, y, sample_weight=w)
    assert weighted.predict(X).shape == (len(X),)
