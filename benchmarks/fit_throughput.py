"""Training throughput: skimbal ``fit`` vs the same network written by hand in Keras.

Data 4000 x 50 x 8 float32 (1:10), LSTM(32) -> Dense(1, sigmoid), binary
cross-entropy, Adam(1e-3), batch 32, ``--epochs`` epochs, no validation split.
Variants, all in one process, interleaved over ``--repeats`` rounds (medians):

- ``keras``: hand-written model, default ``compile`` / ``fit``;
- ``skimbal``: ``WeightedSequenceClassifier(architecture="rnn")`` with the
  training-loop defaults off (identical Keras settings): the wrapper overhead;
- ``skimbal+spe``: the same plus ``compile__steps_per_execution`` (fewer
  Python round trips per epoch);
- ``keras+xla``: the hand-written model with ``jit_compile=True``.

Also reported: final training loss and balanced accuracy on a held-out 1000.

Run: ``python benchmarks/fit_throughput.py [--repeats 5] [--epochs 3]``
"""

from __future__ import annotations

import argparse
import time

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import machine
from sklearn.metrics import balanced_accuracy_score  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402


def hand_keras(X, y, epochs, seed, **compile_kw):
    keras.utils.set_random_seed(seed)
    inp = keras.Input((X.shape[1], X.shape[2]))
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.LSTM(32)(inp))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", **compile_kw)
    hist = model.fit(X, y.astype("float32"), epochs=epochs, batch_size=32, verbose=0)
    return model, hist.history["loss"][-1]


def skimbal_fit(X, y, epochs, seed, **extra):
    clf = WeightedSequenceClassifier(
        architecture="rnn", units=32, epochs=epochs, batch_size=32, learning_rate=1e-3,
        validation_fraction=0.0, early_stopping=False, lr_schedule=None,
        random_state=seed, **extra,
    ).fit(X, y)
    return clf, clf.history_["loss"][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--spe", type=int, default=16)
    args = parser.parse_args()
    X, y = make_imbalanced_sequences(5000, n_timesteps=50, n_features=8, weights=(10, 1),
                                     class_sep=1.0, random_state=0)
    Xtr, ytr, Xte, yte = X[:4000], y[:4000], X[4000:], y[4000:]
    variants = {
        "keras": lambda s: hand_keras(Xtr, ytr, args.epochs, s),
        "skimbal": lambda s: skimbal_fit(Xtr, ytr, args.epochs, s),
        "skimbal+spe": lambda s: skimbal_fit(Xtr, ytr, args.epochs, s,
                                             compile__steps_per_execution=args.spe),
        "keras+xla": lambda s: hand_keras(Xtr, ytr, args.epochs, s, jit_compile=True),
    }
    times = {k: [] for k in variants}
    quality = {k: [] for k in variants}
    for r in range(args.repeats):
        for name, run in variants.items():
            t0 = time.perf_counter()
            model, loss = run(r)
            times[name].append(time.perf_counter() - t0)
            if isinstance(model, keras.Model):
                pred = (model.predict(Xte, verbose=0).ravel() >= 0.5).astype(int)
            else:
                pred = model.predict(Xte)
            quality[name].append((loss, balanced_accuracy_score(yte, pred)))
        print(f"round {r}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
              flush=True)
    base = np.median(times["keras"])
    print(machine())
    print("\n| variant | median fit s | keras / variant | final loss | test bal. acc. |")
    print("|---|---|---|---|---|")
    for name in variants:
        t = np.median(times[name])
        q = np.array(quality[name])
        print(f"| {name} | {t:.2f} | {base / t:.2f}x | {np.median(q[:, 0]):.4f} | "
              f"{np.median(q[:, 1]):.3f} |")
    print(f"\nwrapper overhead (skimbal / keras, identical settings): "
          f"{np.median(times['skimbal']) / base:.3f}")


if __name__ == "__main__":
    main()
