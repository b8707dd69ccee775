"""Training throughput: skimbal ``fit`` vs the same network written by hand in Keras.

Data 4000 x 50 x 8 float32 (1:10); a stratified 10 % of it is the validation
set, the same for every variant (skimbal's own split with the same seed).
Binary cross-entropy, Adam(1e-3), batch 32, ``--epochs`` epochs, no early
stopping. Variants, all in one process, interleaved over ``--repeats`` rounds
(medians):

- ``keras fcn-rnn``: skimbal's default network (LSTM(32) beside a 64/128/64
  Conv1D-BatchNorm-ReLU FCN, concatenated, sigmoid head) written by hand with
  ``keras.layers``, default ``compile`` / ``fit`` on NumPy arrays;
- ``skimbal default``: ``WeightedSequenceClassifier()`` with its defaults
  (fused CPU layers, index-gathering input, plateau LR schedule), only
  ``epochs`` fixed and early stopping off so every variant trains as long;
- ``skimbal, hand-written model``: the hand-written Keras network passed as
  ``model=``: the wrapper and its input pipeline, with the Keras layers;
- ``keras rnn`` / ``skimbal rnn``: LSTM(32) alone (``architecture="rnn"``).

Reported: median fit seconds and median epoch seconds (epochs after the
first, which includes tracing), speed-ups over the hand-written Keras network,
final training loss, balanced accuracy on the validation split and on 1000
held-out sequences.

Run: ``python benchmarks/fit_throughput.py [--repeats 5] [--epochs 8]``
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np
from _timing import machine
from sklearn.metrics import balanced_accuracy_score

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.model_selection import stratified_validation_split

L = keras.layers
EPOCH_TIMES: list[float] = []  # filled by EpochTimer (callbacks may be copied by scikeras)


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch (training steps plus the validation pass)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        EPOCH_TIMES.append(time.perf_counter() - self._t0)


def hand_model(n_timesteps: int, n_features: int, fcn: bool) -> keras.Model:
    inp = keras.Input((n_timesteps, n_features))
    feats = L.LSTM(32)(inp)
    if fcn:
        x = inp
        for filters, kernel in zip((64, 128, 64), (8, 5, 3), strict=True):
            x = L.Conv1D(filters, kernel, padding="same")(x)
            x = L.Activation("relu")(L.BatchNormalization()(x))
        feats = L.Concatenate()([feats, L.GlobalAveragePooling1D()(x)])
    return keras.Model(inp, L.Dense(1, activation="sigmoid")(feats))


def hand_keras(data, epochs, seed, fcn):
    Xtr, ytr, Xva, yva = data
    keras.utils.set_random_seed(seed)
    model = hand_model(Xtr.shape[1], Xtr.shape[2], fcn)
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    hist = model.fit(Xtr, ytr.astype("float32"), validation_data=(Xva, yva.astype("float32")),
                     epochs=epochs, batch_size=32, verbose=0, callbacks=[EpochTimer()])
    return lambda X: (model.predict(X, verbose=0).ravel() >= 0.5).astype(int), \
        hist.history["loss"][-1]


def skimbal_fit(X, y, epochs, seed, **params):
    clf = WeightedSequenceClassifier(
        epochs=epochs, early_stopping=False, random_state=seed, callbacks=[EpochTimer()],
        **params
    ).fit(X, y)
    return clf.predict, clf.history_["loss"][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    X, y = make_imbalanced_sequences(5000, n_timesteps=50, n_features=8, weights=(10 / 11, 1 / 11),
                                     class_sep=1.0, random_state=0)
    X, y, Xte, yte = X[:4000], y[:4000], X[4000:], y[4000:]
    e = args.epochs

    def split(seed):
        tr, va = stratified_validation_split(y, 0.1, random_state=seed)
        return (X[tr], y[tr], X[va], y[va]), va

    def hand_build(meta):  # scikeras model function
        return hand_model(X.shape[1], meta["n_features_in_"], fcn=True)

    variants = {
        "keras fcn-rnn": lambda s: hand_keras(split(s)[0], e, s, fcn=True),
        "skimbal default": lambda s: skimbal_fit(X, y, e, s),
        "skimbal, hand-written model": lambda s: skimbal_fit(X, y, e, s, model=hand_build,
                                                             lr_schedule=None),
        "keras rnn": lambda s: hand_keras(split(s)[0], e, s, fcn=False),
        "skimbal rnn": lambda s: skimbal_fit(X, y, e, s, architecture="rnn"),
    }
    times = {k: [] for k in variants}
    epoch_times = {k: [] for k in variants}
    quality = {k: [] for k in variants}
    for r in range(args.repeats):
        _, val_idx = split(r)
        for name, run in variants.items():
            EPOCH_TIMES.clear()
            t0 = time.perf_counter()
            predict, loss = run(r)
            times[name].append(time.perf_counter() - t0)
            epoch_times[name].append(np.median(EPOCH_TIMES[1:]))  # first epoch traces
            quality[name].append((
                loss,
                balanced_accuracy_score(y[val_idx], predict(X[val_idx])),
                balanced_accuracy_score(yte, predict(Xte)),
            ))
        print(f"round {r}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
              flush=True)
    print(machine())
    print("\n| variant | median fit s | speed-up | median epoch s | speed-up | final loss | "
          "val. bal. acc. | test bal. acc. |")
    print("|---|---|---|---|---|---|---|---|")
    for name in variants:
        ref = "keras rnn" if name.endswith("rnn") and "fcn" not in name else "keras fcn-rnn"
        t, base = np.median(times[name]), np.median(times[ref])
        et, ebase = np.median(epoch_times[name]), np.median(epoch_times[ref])
        q = np.median(np.array(quality[name]), axis=0)
        print(f"| {name} | {t:.2f} | {base / t:.2f}x | {et:.3f} | {ebase / et:.2f}x | "
              f"{q[0]:.4f} | {q[1]:.3f} | {q[2]:.3f} |")
    ratios = np.array(times["skimbal default"]) / np.array(times["keras fcn-rnn"])
    print(f"\nper-round skimbal default / keras fcn-rnn: {np.round(ratios, 3).tolist()}")
    wrapped = np.median(times["skimbal, hand-written model"])
    print(f"wrapper with the hand-written model / keras: "
          f"{wrapped / np.median(times['keras fcn-rnn']):.3f}")


if __name__ == "__main__":
    main()
