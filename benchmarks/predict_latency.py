"""Predict latency: skimbal ``predict_proba`` vs scikeras ``KerasClassifier.predict_proba``.

Both run the *same* fitted Keras model (skimbal's, handed to a scikeras
wrapper that is marked fitted), so only the prediction path differs.
Medians over ``--repeats`` calls, ratios scikeras / skimbal.

Run: ``python benchmarks/predict_latency.py [--repeats 30]``
"""

from __future__ import annotations

import argparse

import numpy as np  # noqa: E402
from _timing import machine, median_seconds
from scikeras.wrappers import KerasClassifier  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    X, y = make_imbalanced_sequences(4000, n_timesteps=50, n_features=8, random_state=0)
    clf = WeightedSequenceClassifier(architecture="rnn", units=32, epochs=1,
                                     validation_fraction=0.0, early_stopping=False,
                                     lr_schedule=None, random_state=0).fit(X, y)
    ref = KerasClassifier(model=clf.model_, batch_size=32, verbose=0)
    ref.initialize(X[:64], y[:64])  # scikeras: use the given (already trained) model
    ref.model_ = clf.model_
    np.testing.assert_allclose(ref.predict_proba(X[:64]), clf.predict_proba(X[:64]),
                               rtol=1e-4, atol=1e-5)
    print(machine())
    print("\n| batch | skimbal ms | scikeras ms | speed-up |")
    print("|---|---|---|---|")
    for n in (1, 32, 1024, 4000):
        Xb = X[:n]
        reps = args.repeats if n <= 1024 else max(5, args.repeats // 6)
        t_s = median_seconds(lambda Xb=Xb: clf.predict_proba(Xb), reps)
        t_r = median_seconds(lambda Xb=Xb: ref.predict_proba(Xb), reps)
        print(f"| {n} | {t_s * 1e3:.2f} | {t_r * 1e3:.2f} | {t_r / t_s:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
