"""Evidence for the core issue: class_weight=None vs "balanced" on a 1:20 set.

Stratified 5-fold cross-validation on a synthetic imbalanced set (1:20,
``make_imbalanced_sequences``), for several data seeds. Prints balanced
accuracy and minority recall (mean ± std over folds, then the median over
seeds).

Run: ``python benchmarks/core_weighting.py [--seeds 3] [--class-sep 0.6]``
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_validate  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=1050)
    parser.add_argument("--class-sep", type=float, default=0.6)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()

    rows = {None: [], "balanced": []}
    for seed in range(args.seeds):
        X, y = make_imbalanced_sequences(
            args.n_samples, n_timesteps=30, n_features=3, weights=(20 / 21, 1 / 21),
            class_sep=args.class_sep, random_state=seed,
        )
        for cw in rows:
            clf = WeightedSequenceClassifier(
                units=16, epochs=args.epochs, learning_rate=0.005, batch_size=32,
                class_weight=cw, random_state=seed,
            )
            res = cross_validate(
                clf, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                scoring=("balanced_accuracy", "recall"),
            )
            ba, rec = res["test_balanced_accuracy"], res["test_recall"]
            rows[cw].append((ba.mean(), rec.mean()))
            print(f"seed {seed} class_weight={cw!s:9} balanced_accuracy "
                  f"{ba.mean():.3f} ± {ba.std():.3f}  minority_recall "
                  f"{rec.mean():.3f} ± {rec.std():.3f}", flush=True)
    print("\n| class_weight | balanced accuracy (median over seeds) | minority recall |")
    print("|---|---|---|")
    for cw, vals in rows.items():
        arr = np.array(vals)
        print(f"| {cw!s} | {np.median(arr[:, 0]):.3f} | {np.median(arr[:, 1]):.3f} |")


if __name__ == "__main__":
    main()
