"""Multi-class with a hand-made inverse-frequency dict, normalised to mean 1.

Raw inverse counts such as ``{0: 1/600, 1: 1/300, 2: 1/100}`` make every
sample weight tiny, which silently shrinks the effective learning rate. With
``normalize_weights=True`` (the default) skimbal rescales them so the mean
per-sample weight over the training data is 1; the ratios are kept.
"""

import numpy as np
from sklearn.metrics import balanced_accuracy_score, classification_report
from sklearn.model_selection import train_test_split

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

X, y = make_imbalanced_sequences(1000, n_timesteps=20, weights=(0.6, 0.3, 0.1),
                                 class_sep=1.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
counts = np.bincount(y_train)
inverse_frequency = {c: 1.0 / n for c, n in enumerate(counts)}  # training part only

clf = WeightedSequenceClassifier(cell="gru", units=16, epochs=10, learning_rate=0.01,
                                 class_weight=inverse_frequency, random_state=0)
clf.fit(X_train, y_train)
w = np.array([clf.class_weight_[c] for c in clf.classes_])
print("weights used:", {c: round(v, 3) for c, v in clf.class_weight_.items()})
print("mean per-sample weight on the training data:", round(float(w[y_train].mean()), 6))
print("balanced accuracy:", round(balanced_accuracy_score(y_test, clf.predict(X_test)), 3))
print(classification_report(y_test, clf.predict(X_test), digits=3))
