"""String labels with a class-weight dict keyed by the strings themselves.

No label encoding by hand: ``class_weight={"fraud": 10.0}`` refers to the
original label, classes missing from the dict weigh 1, and ``predict`` returns
strings again.
"""

import numpy as np
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

X, y_int = make_imbalanced_sequences(800, n_timesteps=20, weights=(0.9, 0.07, 0.03),
                                     class_sep=1.5, random_state=1)
y = np.array(["normal", "fraud", "chargeback"])[y_int]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
clf = WeightedSequenceClassifier(units=16, epochs=10, learning_rate=0.01,
                                 class_weight={"fraud": 10.0, "chargeback": 20.0},
                                 random_state=0)
clf.fit(X_train, y_train)
print("classes:", clf.classes_.tolist())
print("weights used (normalised to mean 1):",
      {k: round(v, 3) for k, v in clf.class_weight_.items()})
print("first predictions:", clf.predict(X_test[:5]).tolist())
print(classification_report(y_test, clf.predict(X_test), digits=3))
