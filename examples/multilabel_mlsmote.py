"""Multi-label over-sampling of sequences with MLSMOTE (and MLROS).

imbalanced-learn samplers reject multi-label targets ``y`` of shape
``(n_samples, n_labels)``. ``skimbal.sampling.MLSMOTE`` (Charte et al., 2015)
finds the *minority labels* (imbalance ratio IRLbl above the mean, MeanIR) and
adds one synthetic sequence per sample of each minority label, interpolated
towards one of its nearest neighbours that share the label; the label set of
a synthetic sample is voted by the sample and its neighbours. ``MLROS`` clones
samples of the minority labels instead.

Both are samplers for an imbalanced-learn ``Pipeline``, so in cross-validation
only the training folds are over-sampled. The folds are split by iterative
stratification (``MultilabelStratifiedKFold``), so every fold holds the rare
label. First a plain scikit-learn multi-output model on flattened sequences,
then ``WeightedSequenceClassifier`` (per-label weights) with and without
MLSMOTE.
"""

import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import cross_validate
from sklearn.multioutput import MultiOutputClassifier
from sklearn.preprocessing import FunctionTransformer

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.model_selection import MultilabelStratifiedKFold
from skimbal.sampling import MLROS, MLSMOTE, imbalance_ratio_per_label, mean_imbalance_ratio

X, y = make_imbalanced_sequences(400, n_timesteps=20, n_features=3,
                                 weights=(0.5, 0.2, 0.04), target="multilabel",
                                 class_sep=0.5, random_state=0)
print("label counts", y.sum(axis=0).tolist(),
      "IRLbl", np.round(imbalance_ratio_per_label(y), 2).tolist(),
      "MeanIR", round(mean_imbalance_ratio(y), 2))

for sampler in (MLSMOTE(k_neighbors=5, random_state=0), MLROS(percentage=25, random_state=0)):
    X_res, y_res = sampler.fit_resample(X, y)
    print(f"{type(sampler).__name__}: {X.shape} -> {X_res.shape}, minority labels "
          f"{sampler.minority_labels_.tolist()}, label counts {y_res.sum(axis=0).tolist()}, "
          f"IRLbl {np.round(imbalance_ratio_per_label(y_res), 2).tolist()}")

macro_f1 = make_scorer(f1_score, average="macro", zero_division=0)
cv = MultilabelStratifiedKFold(4, shuffle=True, random_state=0)
flatten = FunctionTransformer(lambda Z: Z.reshape(len(Z), -1))
for sampler in (None, MLSMOTE(k_neighbors=5, random_state=0),
                MLROS(percentage=25, random_state=0)):
    steps = [flatten, MultiOutputClassifier(LogisticRegression(C=0.1, max_iter=500))]
    pipe = make_pipeline(*([sampler] if sampler is not None else []), *steps)
    res = cross_validate(pipe, X, y, cv=cv, scoring=macro_f1)
    print(f"logistic regression, {type(sampler).__name__ if sampler else 'no sampler':10} "
          f"macro F1 {res['test_score'].mean():.3f}")

net = dict(architecture="rnn", units=8, epochs=8, learning_rate=0.01, validation_fraction=0.0,
           early_stopping=False, lr_schedule=None, random_state=0)
for name, pipe in [
    ("per-label balanced weights", make_pipeline(
        WeightedSequenceClassifier(class_weight="balanced", **net))),
    ("MLSMOTE + unweighted", make_pipeline(
        MLSMOTE(k_neighbors=5, random_state=0), WeightedSequenceClassifier(**net))),
]:
    res = cross_validate(pipe, X, y, cv=cv, scoring=macro_f1)
    print(f"WeightedSequenceClassifier, {name:28} macro F1 {res['test_score'].mean():.3f}")
