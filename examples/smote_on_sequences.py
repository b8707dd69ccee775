"""SMOTE on sequences, inside a cross-validated pipeline.

A common recipe for temporal data is::

    X2 = X.reshape(len(X), -1)                  # (n, T*F) for imbalanced-learn
    X2, y = SMOTE().fit_resample(X2, y)
    X = X2.reshape(-1, T, F)                    # back to sequences
    cross_validate(model, X, y, ...)            # ...then evaluate

It resamples *before* splitting: synthetic minority sequences made from test
samples end up in training folds, and the test folds are scored on synthetic
data, so the score is optimistic. ``SequenceSampler`` does the same reshape
(one row of ``T * F`` values per sequence, SMOTE interpolating whole sequences
timestep by timestep) as a step of an imbalanced-learn ``Pipeline``: every fit
resamples its own training data only, and test folds stay untouched.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from collections import Counter  # noqa: E402

from imblearn.over_sampling import SMOTE  # noqa: E402
from imblearn.pipeline import make_pipeline  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_validate  # noqa: E402

from skimbal import SequenceSampler, WeightedSequenceClassifier  # noqa: E402
from skimbal.datasets import make_imbalanced_sequences  # noqa: E402

X, y = make_imbalanced_sequences(300, n_timesteps=20, n_features=3, weights=(0.93, 0.07),
                                 class_sep=0.7, random_state=0)
print("data:", X.shape, dict(Counter(y.tolist())))
cv = StratifiedKFold(3, shuffle=True, random_state=0)
scoring = ("balanced_accuracy", "recall")


def classifier():
    return WeightedSequenceClassifier(units=8, epochs=6, batch_size=64, learning_rate=0.02,
                                      random_state=0)


# Wrong: resample everything, then cross-validate (test folds hold synthetic data).
n, T, F = X.shape
X2, y_leak = SMOTE(random_state=0).fit_resample(X.reshape(n, T * F), y)
X_leak = X2.reshape(-1, T, F)
leaky = cross_validate(classifier(), X_leak, y_leak, cv=cv, scoring=scoring)

# Right: the sampler is a pipeline step; 3-D in, 3-D out, training folds only.
X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, y)
print("one fit of SequenceSampler(SMOTE()):", X.shape, "->", X_res.shape, X_res.dtype)
pipe = make_pipeline(SequenceSampler(SMOTE(random_state=0)), classifier())
res = cross_validate(pipe, X, y, cv=cv, scoring=scoring, return_estimator=True)

for name, r in (("resample, then CV (leaky)", leaky), ("SequenceSampler in pipeline", res)):
    print(f"{name:28} balanced accuracy {r['test_balanced_accuracy'].mean():.3f}  "
          f"minority recall {r['test_recall'].mean():.3f}")
added = {int(k): int(v) for k, v in
         res["estimator"][0].named_steps["sequencesampler"].sampling_strategy_.items()}
print(f"fold 0: {added} synthetic sequences made from the 200 training sequences; "
      "the 100 test sequences were scored as they are")
