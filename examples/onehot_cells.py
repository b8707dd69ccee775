"""One-hot targets with LSTM, GRU and SimpleRNN, boosting the minority class 5x.

Done right: a stratified train/test split first, weights computed inside
``fit`` from the training part only, the dict keyed by one-hot column index,
and predictions returned one-hot like the targets.
"""

import numpy as np
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

X, y = make_imbalanced_sequences(900, n_timesteps=20, weights=(0.7, 0.2, 0.1),
                                 class_sep=1.5, random_state=2)
Y = np.eye(3, dtype=np.float32)[y]  # one-hot, as Keras recipes use
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, stratify=y,
                                                    random_state=0)
minority = int(np.argmin(Y_train.sum(axis=0)))

for cell in ("lstm", "gru", "rnn"):
    clf = WeightedSequenceClassifier(cell=cell, units=16, epochs=8, learning_rate=0.01,
                                     class_weight={minority: 5.0}, random_state=0)
    clf.fit(X_train, Y_train)
    pred = clf.predict(X_test)  # one-hot, same shape and dtype as Y_test
    y_true, y_pred = Y_test.argmax(axis=1), pred.argmax(axis=1)
    print(f"{cell:5} pred shape {pred.shape}  "
          f"balanced accuracy {balanced_accuracy_score(y_true, y_pred):.3f}  "
          f"minority recall {recall_score(y_true, y_pred, labels=[minority], average='macro'):.3f}")
