"""Evidence for issue 3: per-label weighting of multi-label sequence targets.

A synthetic multi-label temporal set (``make_imbalanced_sequences(
target="multilabel")``) with 5 labels whose positive rates are
30/20/15/10/2 %; labels 3 and 4 share input channels with labels 0 and 1
(3 channels), so the rare label 4 is told apart by its pattern's frequency.
For each data seed, a held-out test part (30 %, iterative stratification) is
scored for three models with the same architecture (LSTM, sigmoid output per
label, same optimiser, epochs and seed):

(a) ``WeightedSequenceClassifier(class_weight=None)`` (unweighted);
(b) a plain Keras model fitted with Keras' own ``class_weight`` dict
    ``{j: n / (2 * n_pos_j)}`` -- the common recipe. Keras 3 does not raise on
    a 2-D target: it takes ``argmax`` of each row, so each sample gets the
    weight of its *first* positive label (label 0's weight when the row is
    all zeros). The script checks this on the training data and prints it;
(c) ``WeightedSequenceClassifier(class_weight="balanced")``: per-label
    positive weights ``n / (2 n_pos_j)`` and negative weights
    ``n / (2 n_neg_j)``, applied per element.

(d) as (c), with ``threshold="tune"``: per-label thresholds that maximise F1
    on an internal 20 % validation split (so it trains on 80 % of the
    training part).

Metrics (threshold 0.5 for a-c): macro F1 over labels, recall and F1 of the rare
label, per-label F1; mean and std over seeds.

Run: ``python benchmarks/multilabel_weighting.py [--seeds 3] [--epochs 25]``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import f1_score, recall_score  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402
from skimbal.architectures import build_sequence_model  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402
from skimbal.model_selection import multilabel_validation_split  # noqa: E402

RATES = (0.30, 0.20, 0.15, 0.10, 0.02)
RARE = 4


def keras_class_weight_behaviour(Y: np.ndarray, class_weight: dict) -> str:
    """What per-sample weights Keras 3 derives from ``class_weight`` for 2-D y."""
    from keras.src.trainers.data_adapters.data_adapter_utils import (
        class_weight_to_sample_weights,
    )

    keras_sw = np.asarray(class_weight_to_sample_weights(Y.astype("float32"), class_weight))
    argmax_sw = np.array([class_weight[int(j)] for j in np.argmax(Y, axis=1)])
    all_zero = Y.sum(axis=1) == 0
    return (
        f"Keras {keras.__version__} class_weight on a {Y.shape} target: sample weight == "
        f"class_weight[argmax(row)]: {bool(np.allclose(keras_sw, argmax_sw))}; "
        f"{int(all_zero.sum())} all-zero rows get label 0's weight "
        f"{class_weight[0]:.2f}: {bool(np.allclose(keras_sw[all_zero], class_weight[0]))}"
    )


def fit_plain_keras(X, Y, class_weight, *, units, epochs, lr, batch_size, seed):
    keras.utils.set_random_seed(seed)
    model = build_sequence_model(
        n_features=X.shape[2], n_outputs=Y.shape[1], output_activation="sigmoid",
        architecture="rnn", units=units,
    )
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    model.fit(X, Y.astype("float32"), epochs=epochs, batch_size=batch_size,
              class_weight=class_weight, verbose=0)
    return lambda Z: np.asarray(model.predict(Z, batch_size=256, verbose=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--class-sep", type=float, default=0.8)
    parser.add_argument("--epochs", type=int, default=25)
    args = parser.parse_args()
    common = dict(units=16, epochs=args.epochs, lr=5e-3, batch_size=64)

    t0 = time.perf_counter()
    results: dict[str, list] = {"(a) unweighted": [], "(b) Keras class_weight dict": [],
                                "(c) skimbal per-label balanced": [],
                                "(d) = (c) + threshold='tune'": []}
    for seed in range(args.seeds):
        X, Y = make_imbalanced_sequences(
            args.n_samples, n_timesteps=30, n_features=3, weights=RATES, target="multilabel",
            class_sep=args.class_sep, random_state=seed,
        )
        tr, te = multilabel_validation_split(Y, 0.3, random_state=seed)
        X_tr, Y_tr, X_te, Y_te = X[tr], Y[tr], X[te], Y[te]
        n, n_pos = len(Y_tr), Y_tr.sum(axis=0)
        keras_cw = {j: float(n / (2 * n_pos[j])) for j in range(Y.shape[1])}
        if seed == 0:
            print(keras_class_weight_behaviour(Y_tr, keras_cw), flush=True)

        sk = dict(units=common["units"], epochs=common["epochs"],
                  learning_rate=common["lr"], batch_size=common["batch_size"],
                  random_state=seed)
        predictors = {
            "(a) unweighted": WeightedSequenceClassifier(**sk).fit(X_tr, Y_tr).predict_proba,
            "(b) Keras class_weight dict": fit_plain_keras(
                X_tr, Y_tr, keras_cw, seed=seed, **common),
            "(c) skimbal per-label balanced": WeightedSequenceClassifier(
                class_weight="balanced", **sk).fit(X_tr, Y_tr).predict_proba,
            "(d) = (c) + threshold='tune'": WeightedSequenceClassifier(
                class_weight="balanced", threshold="tune", validation_fraction=0.2,
                **sk).fit(X_tr, Y_tr).predict,
        }
        for name, predict in predictors.items():
            out = predict(X_te)
            pred = out if name.startswith("(d)") else (out >= 0.5).astype(int)
            per_label = f1_score(Y_te, pred, average=None, zero_division=0.0)
            rare_recall = recall_score(Y_te[:, RARE], pred[:, RARE], zero_division=0.0)
            results[name].append((per_label.mean(), rare_recall, per_label[RARE], per_label))
            print(f"seed {seed} {name:32} macro F1 {per_label.mean():.3f}  rare recall "
                  f"{rare_recall:.3f}  per-label F1 {np.round(per_label, 2)}", flush=True)

    print(f"\n{args.seeds} seeds, {args.n_samples} sequences (30 % held out, "
          f"{int(round(RATES[RARE] * args.n_samples * 0.3))} rare positives per test part), "
          f"rates {RATES}\n")
    print("| method | macro F1 | rare-label recall | rare-label F1 | per-label F1 (mean) |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        macro = np.array([r[0] for r in rows])
        rec = np.array([r[1] for r in rows])
        rf1 = np.array([r[2] for r in rows])
        per = np.mean([r[3] for r in rows], axis=0)
        print(f"| {name} | {macro.mean():.3f} ± {macro.std():.3f} | {rec.mean():.3f} ± "
              f"{rec.std():.3f} | {rf1.mean():.3f} ± {rf1.std():.3f} | "
              f"{' / '.join(f'{v:.2f}' for v in per)} |")
    print(f"\nwall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
