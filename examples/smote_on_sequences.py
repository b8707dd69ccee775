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

from collections import Counter

from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import StratifiedKFold, cross_validate

from skimbal import SequenceSampler, WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

X, y = make_imbalanced_sequences(400, n_timesteps=20, n_features=3, weights=(0.95, 0.05),
                                 class_sep=1.5, random_state=0)
print("data:", X.shape, dict(Counter(y.tolist())))

# What one training set looks like after the sampler: 3-D in, 3-D out.
X_res, y_res = SequenceSampler(SMOTE(random_state=0)).fit_resample(X, y)
print("after SequenceSampler(SMOTE()):", X_res.shape, X_res.dtype, dict(Counter(y_res.tolist())))

pipe = make_pipeline(
    SequenceSampler(SMOTE(k_neighbors=3, random_state=0)),
    WeightedSequenceClassifier(units=8, epochs=8, learning_rate=0.01, random_state=0),
)
res = cross_validate(pipe, X, y, cv=StratifiedKFold(4, shuffle=True, random_state=0),
                     scoring=("balanced_accuracy", "recall"), return_estimator=True)
fold0 = res["estimator"][0].named_steps["sequencesampler"]
print(f"balanced accuracy {res['test_balanced_accuracy'].mean():.3f}  "
      f"minority recall {res['test_recall'].mean():.3f}")
print("fold 0: the sampler saw the 300 training sequences and made",
      dict(fold0.sampling_strategy_), "synthetic ones; the 100 test sequences were not resampled")
