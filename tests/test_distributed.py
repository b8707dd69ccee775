"""Hyper-parameter search on a Dask cluster through joblib's dask backend."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skimbal import WeightedSequenceClassifier


def _search():
    # batch_size=32: the workers run TensorFlow with 1 thread, this process with 2;
    # results agree to float round-off only, which with batch_size="auto" (10 here,
    # more steps) flipped one test prediction (docs/performance.md)
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


@pytest.mark.slow
def test_grid_search_on_dask_cluster_matches_local(binary_data):
    X, y = binary_data
    local = _search().fit(X, y)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with joblib.parallel_backend("dask"):
            remote = _search().fit(X, y)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], atol=1e-12)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.predict_proba(X), local.predict_proba(X),
                               rtol=1e-5, atol=1e-6)
