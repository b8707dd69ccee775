"""Binary sequence classification with ``class_weight="balanced"``.

The common recipe computes ``compute_class_weight("balanced", y)`` on the full
dataset and passes it to ``Model.fit``; inside cross-validation that leaks the
label counts of the test folds into training. Here the weights are computed
inside ``fit``, from each training fold only.
"""

from sklearn.model_selection import StratifiedKFold, cross_validate

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

X, y = make_imbalanced_sequences(600, n_timesteps=20, weights=(0.95, 0.05),
                                 class_sep=1.5, random_state=0)
for class_weight in (None, "balanced"):
    clf = WeightedSequenceClassifier(units=16, epochs=6, learning_rate=0.01,
                                     class_weight=class_weight, random_state=0)
    res = cross_validate(clf, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                         scoring=("balanced_accuracy", "recall"), return_estimator=True)
    print(f"class_weight={class_weight!s:9}  "
          f"balanced accuracy {res['test_balanced_accuracy'].mean():.3f}  "
          f"minority recall {res['test_recall'].mean():.3f}  "
          f"fold-0 weights {res['estimator'][0].class_weight_}")
