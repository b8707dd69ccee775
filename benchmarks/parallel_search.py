"""Parallel search: ``GridSearchCV(n_jobs=2)`` vs ``n_jobs=1`` on the same grid.

The joblib workers get ``OMP_NUM_THREADS = cpu_count // n_jobs`` from joblib,
which skimbal applies to TensorFlow's thread pools (docs/performance.md).
Each setting runs ``--repeats`` times (fresh worker pool each time); medians.

Run: ``python benchmarks/parallel_search.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np  # noqa: E402
from _timing import machine
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402


def run(n_jobs: int, X, y) -> tuple[float, np.ndarray]:
    search = GridSearchCV(
        WeightedSequenceClassifier(architecture="rnn", units=16, epochs=4, random_state=0,
                                   validation_fraction=0.0, early_stopping=False,
                                   lr_schedule=None),
        {"class_weight": [None, "balanced"], "cell": ["gru", "lstm"]},
        cv=StratifiedKFold(3), scoring="balanced_accuracy", n_jobs=n_jobs, refit=False,
    )
    t0 = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - t0, search.cv_results_["mean_test_score"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_imbalanced_sequences(1200, n_timesteps=40, n_features=6, weights=(10 / 11, 1 / 11),
                                     random_state=0)
    t1, t2 = [], []
    for r in range(args.repeats):
        a, s1 = run(1, X, y)
        b, s2 = run(2, X, y)
        t1.append(a)
        t2.append(b)
        print(f"round {r}: n_jobs=1 {a:.1f}s, n_jobs=2 {b:.1f}s, scores equal: "
              f"{np.allclose(s1, s2)}", flush=True)
    print(machine())
    print("\n| n_jobs | median s (12 fits) | speed-up |")
    print("|---|---|---|")
    print(f"| 1 | {np.median(t1):.1f} | 1.00x |")
    print(f"| 2 | {np.median(t2):.1f} | {np.median(t1) / np.median(t2):.2f}x |")


if __name__ == "__main__":
    main()
