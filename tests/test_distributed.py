"""Hyper-parameter search on a Dask cluster through joblib's dask backend."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences


def _data():
    return make_imbalanced_sequences(200, n_timesteps=10, n_features=3, weights=(0.85, 0.15),
                                     class_sep=2.0, random_state=0)


def _search():
    return GridSearchCV(
        WeightedSequenceClassifier(units=3, epochs=1, learning_rate=0.01, random_state=0,
                                   batch_size=32),
        {"class_weight": [None, "balanced"], "cell": ["gru", "lstm"]},
        cv=StratifiedKFold(2), scoring="balanced_accuracy",
    )


def test_unfitted_and_fitted_estimators_pickle(binary_data, fast_params):
    X, y = binary_data
    est = WeightedSequenceClassifier(**fast_params)
    assert pickle.loads(pickle.dumps(est)).get_params() == est.get_params()
    est.fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


_LOCAL_SEARCH = """
import json, sys
sys.path.insert(0, {tests!r})
from test_distributed import _data, _search
X, y = _data()
search = _search().fit(X, y)
print(json.dumps(dict(scores=search.cv_results_["mean_test_score"].tolist(),
                      best=search.best_params_, proba=search.predict_proba(X).tolist())))
"""


def _local_search_with_one_thread() -> dict:
    """The same search in a fresh process whose TensorFlow runs one thread, as a Dask
    worker's does (results agree bitwise only at equal thread counts: see
    docs/performance.md, "Reproducibility in threads and workers")."""
    tests = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "SKIMBAL_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", _LOCAL_SEARCH.format(tests=tests)], env=env,
                         capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_grid_search_on_dask_cluster_matches_local():
    X, y = _data()
    local = _local_search_with_one_thread()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with joblib.parallel_backend("dask"):
            remote = _search().fit(X, y)
    # the cross-validation fits ran with one thread in both: equal scores
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local["scores"],
                               rtol=0, atol=1e-12)
    assert remote.best_params_ == local["best"]
    # the refit ran in this process (two threads) and in the other (one): the same
    # predictions, probabilities equal up to the round-off of differently threaded kernels
    proba = remote.predict_proba(X)
    np.testing.assert_allclose(proba, local["proba"], rtol=0, atol=1e-3)
    np.testing.assert_array_equal(proba.argmax(1), np.asarray(local["proba"]).argmax(1))
