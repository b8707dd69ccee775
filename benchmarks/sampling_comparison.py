"""Evidence for the sampling issue: class weights vs SMOTE / random over-sampling.

Same data and model settings as ``benchmarks/core_weighting.py`` (synthetic
1:20 set from ``make_imbalanced_sequences``, LSTM with 16 units, 15 epochs),
stratified 5-fold cross-validation, so the figures are comparable. Four
set-ups, each an ``imblearn.pipeline.Pipeline`` so resampling only touches the
training folds:

- ``class_weight="balanced"`` alone;
- ``SequenceSampler(SMOTE())`` (no class weights);
- ``SequenceSampler(RandomOverSampler())`` (no class weights);
- ``SequenceSampler(SMOTE())`` + ``class_weight="balanced"``. SMOTE's default
  strategy balances the classes fully, so the "balanced" weights the
  classifier then computes are all 1 and this row equals the SMOTE row (same
  seeds): the classifier computes its weights from the resampled ``y``;
- ``SequenceSampler(SMOTE(sampling_strategy=0.25))`` + ``class_weight="balanced"``:
  SMOTE up to 1:4, weights for the rest (the combination that does differ).

Prints balanced accuracy and minority recall (mean ± std over folds per
seed, then the median over seeds) as a markdown table.

Run: ``python benchmarks/sampling_comparison.py [--seeds 1] [--class-sep 0.6]``
(one seed by default to stay within a few minutes; ``--seeds 3`` matches the
core benchmark's median over three seeds).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from imblearn.over_sampling import SMOTE, RandomOverSampler  # noqa: E402
from imblearn.pipeline import make_pipeline  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_validate  # noqa: E402

from skimbal import SequenceSampler, WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402

SETUPS = {
    'class_weight="balanced"': (None, "balanced"),
    "SequenceSampler(SMOTE())": ("smote", None),
    "SequenceSampler(RandomOverSampler())": ("ros", None),
    'SMOTE + class_weight="balanced"': ("smote", "balanced"),
    'SMOTE(sampling_strategy=0.25) + "balanced"': ("smote0.25", "balanced"),
}


def make_model(sampler: str | None, class_weight: str | None, seed: int, epochs: int):
    clf = WeightedSequenceClassifier(
        units=16, epochs=epochs, learning_rate=0.005, batch_size=32,
        class_weight=class_weight, random_state=seed,
    )
    if sampler is None:
        return make_pipeline(clf)
    if sampler == "ros":
        inner = RandomOverSampler(random_state=seed)
    else:
        ratio = 1.0 if sampler == "smote" else float(sampler.removeprefix("smote"))
        inner = SMOTE(sampling_strategy=ratio, random_state=seed)
    return make_pipeline(SequenceSampler(inner), clf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--n-samples", type=int, default=1050)
    parser.add_argument("--class-sep", type=float, default=0.6)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()

    start = time.perf_counter()
    rows: dict[str, list] = {name: [] for name in SETUPS}
    for seed in range(args.seeds):
        X, y = make_imbalanced_sequences(
            args.n_samples, n_timesteps=30, n_features=3, weights=(20 / 21, 1 / 21),
            class_sep=args.class_sep, random_state=seed,
        )
        for name, (sampler, cw) in SETUPS.items():
            res = cross_validate(
                make_model(sampler, cw, seed, args.epochs), X, y,
                cv=StratifiedKFold(5, shuffle=True, random_state=seed),
                scoring=("balanced_accuracy", "recall"),
            )
            ba, rec = res["test_balanced_accuracy"], res["test_recall"]
            rows[name].append((ba.mean(), rec.mean()))
            print(f"seed {seed} {name:42} balanced_accuracy {ba.mean():.3f} ± {ba.std():.3f}"
                  f"  minority_recall {rec.mean():.3f} ± {rec.std():.3f}"
                  f"  fit {res['fit_time'].mean():.1f} s/fold", flush=True)
    print(f"\n{args.seeds} seed(s), stratified 5-fold, n_samples={args.n_samples}, 1:20, "
          f"class_sep={args.class_sep}, {args.epochs} epochs; "
          f"wall time {time.perf_counter() - start:.0f} s\n")
    print("| set-up | balanced accuracy (median over seeds) | minority recall |")
    print("|---|---|---|")
    for name, vals in rows.items():
        arr = np.array(vals)
        print(f"| {name} | {np.median(arr[:, 0]):.3f} | {np.median(arr[:, 1]):.3f} |")


if __name__ == "__main__":
    main()
