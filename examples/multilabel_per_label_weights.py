"""Multi-label sequences: an LSTM with per-label inverse-frequency weights.

The common Keras recipe -- ``model.fit(X, Y, class_weight={j: 1 / freq_j})``
on a ``(n, 5)`` multi-label target -- silently takes ``argmax`` of each row, so
a sample is weighted by its first positive label only (label 0's weight when
it has none). Done right here:

- a held-out split made by iterative stratification (every label keeps its
  share of positives in both parts);
- per-label positive weights ``1 / freq_j`` computed from the training part
  inside ``fit``, applied per element (sample x label) by skimbal's weighted
  binary cross-entropy, and normalised so the mean element weight is 1;
- per-label F1 from ``predict`` (threshold 0.5) and per-label ROC-AUC from the
  ``predict_proba`` scores, on the held-out part.

Data: 100 sequences of 20 timesteps x 10 channels, 5 binary labels.
"""

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences
from skimbal.model_selection import multilabel_validation_split

X, Y = make_imbalanced_sequences(100, n_timesteps=20, n_features=10,
                                 weights=(0.5, 0.35, 0.25, 0.2, 0.1), target="multilabel",
                                 class_sep=1.5, random_state=0)
print("X", X.shape, "Y", Y.shape, "positives per label", Y.sum(axis=0).tolist())
train, test = multilabel_validation_split(Y, 0.3, random_state=0)
X_train, Y_train, X_test, Y_test = X[train], Y[train], X[test], Y[test]

inverse_frequency = 1.0 / Y_train.mean(axis=0)  # positive weight per label
clf = WeightedSequenceClassifier(cell="lstm", units=16, epochs=30, learning_rate=0.01,
                                 class_weight=inverse_frequency, normalize_weights=True,
                                 random_state=0)
clf.fit(X_train, Y_train)

pos = np.array(list(clf.class_weight_["positive"].values()))
neg = np.array(list(clf.class_weight_["negative"].values()))
element_weights = Y_train * pos + (1 - Y_train) * neg
print("positive weights", np.round(pos, 2), "negative weights", np.round(neg, 2))
print(f"mean element weight on the training part: {element_weights.mean():.3f}")

proba = clf.predict_proba(X_test)  # (n_test, 5) sigmoid probabilities
pred = clf.predict(X_test)  # (n_test, 5) 0/1, same dtype as Y
f1 = f1_score(Y_test, pred, average=None, zero_division=0.0)
auc = roc_auc_score(Y_test, proba, average=None)
print("\nlabel  test positives  F1     ROC-AUC")
for j in range(Y.shape[1]):
    print(f"{j:5d}  {int(Y_test[:, j].sum()):14d}  {f1[j]:.3f}  {auc[j]:.3f}")
print(f"macro  {'':14}  {f1.mean():.3f}  {auc.mean():.3f}   (clf.score = macro F1: "
      f"{clf.score(X_test, Y_test):.3f})")
