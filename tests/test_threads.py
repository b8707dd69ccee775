"""TensorFlow thread-pool knob (skimbal._threads) and the fast predict path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import skimbal
from skimbal import WeightedSequenceClassifier

_CHILD = textwrap.dedent(
    """
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import skimbal
    from skimbal import WeightedSequenceClassifier
    if sys.argv[1] == "explicit":
        assert skimbal.set_num_threads(2)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4, 2)).astype("float32")
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    WeightedSequenceClassifier(units=2, epochs=1, random_state=0).fit(X, y)
    import tensorflow as tf
    print(json.dumps([tf.config.threading.get_intra_op_parallelism_threads(),
                      tf.config.threading.get_inter_op_parallelism_threads()]))
    """
)


def _children_threads(*cases: tuple[str, dict[str, str]]) -> list[list[int]]:
    """The pool sizes each ``(mode, env)`` child reports; the children (each a
    fresh process, as TensorFlow fixes its pools at start) run at the same time."""
    procs = []
    for mode, env in cases:
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("OMP_NUM_THREADS", "SKIMBAL_NUM_THREADS")}
        full_env.update(env)
        procs.append(subprocess.Popen([sys.executable, "-c", _CHILD, mode], env=full_env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.slow
def test_environment_sizes_tensorflow_pools():
    env_omp, env_both, explicit, nothing = _children_threads(
        ("env", {"OMP_NUM_THREADS": "1"}),
        ("env", {"OMP_NUM_THREADS": "1", "SKIMBAL_NUM_THREADS": "3"}),
        ("explicit", {"OMP_NUM_THREADS": "1"}),
        ("env", {}),
    )
    # joblib's loky workers get OMP_NUM_THREADS=cpu_count // n_jobs
    assert env_omp == [1, 1]
    # SKIMBAL_NUM_THREADS takes precedence over OMP_NUM_THREADS
    assert env_both == [3, 1]
    # an explicit call wins over the environment
    assert explicit == [2, 1]
    # nothing set: TensorFlow's default (0 = all cores) is left alone
    assert nothing == [0, 0]


def test_set_num_threads_after_start_warns(binary_data, fast_params):
    WeightedSequenceClassifier(**fast_params).fit(*binary_data)  # runtime started
    import tensorflow as tf

    current = tf.config.threading.get_intra_op_parallelism_threads()
    with pytest.warns(UserWarning, match="already started"):
        assert skimbal.set_num_threads(current + 5) is False


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="n_threads must be a positive int"):
        skimbal.set_num_threads(bad)


def test_fast_predict_matches_keras_predict(binary_data, fast_params, monkeypatch):
    import skimbal.classifier as clf_module

    X, y = binary_data
    clf = WeightedSequenceClassifier(**fast_params).fit(X, y)
    reference = clf.model_.predict(X, batch_size=32, verbose=0).ravel()
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], reference, rtol=1e-5, atol=1e-6)
    # chunked path (inputs larger than one chunk) gives the same result
    monkeypatch.setattr(clf_module, "_PREDICT_CHUNK", 7)
    clf.set_params(batch_size=7)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], reference, rtol=1e-5, atol=1e-6)
    assert clf.predict_proba(X[:1]).shape == (1, 2)
