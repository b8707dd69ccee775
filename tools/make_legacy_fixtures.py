"""Write the saved-model fixtures of ``tests/data/legacy_models`` (run once, by hand).

They were written by the skimbal code *before* issue 18 (one fit path): a
sequence-level multi-label model (compiled with ``WeightedBinaryCrossentropy``), a
per-timestep multi-label model (compiled with the old
``TimestepWeightedBinaryCrossentropy``), a plain binary one and a variable-length
per-timestep one (its network starts with ``PaddingMask``, then in
``skimbal.masking``), each with the inputs and the predictions of the code that
wrote it. ``tests/test_persistence.py`` loads them and checks that the current
code predicts the same. Do not regenerate them
with newer code: their point is that they come from the old release.

Usage (``/tmp/base``: an export of the old release, ``git archive c61256d``):
``PYTHONPATH=/tmp/base python tools/make_legacy_fixtures.py tests/data/legacy_models``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from skimbal import WeightedSequenceClassifier
from skimbal.datasets import make_imbalanced_sequences

TINY = dict(units=3, epochs=2, architecture="rnn", validation_fraction=0.0,
            early_stopping=False, lr_schedule=None, learning_rate=0.01, random_state=0)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # sequence-level multi-label: WeightedBinaryCrossentropy
    X, Y = make_imbalanced_sequences(60, n_timesteps=6, n_features=2, target="multilabel",
                                     weights=(0.4, 0.2, 0.1), random_state=0)
    clf = WeightedSequenceClassifier(class_weight="balanced", threshold=[0.4, 0.5, 0.6],
                                     label_names=["a", "b", "c"], **TINY).fit(X, Y)
    clf.save(out / "multilabel.skimbal")
    np.savez(out / "multilabel.npz", X=X, proba=clf.predict_proba(X), pred=clf.predict(X))

    # per-timestep multi-label: TimestepWeightedBinaryCrossentropy, time weights
    X, y = make_imbalanced_sequences(40, n_timesteps=8, n_features=2, target="per_timestep",
                                     weights=(0.8, 0.2), random_state=0)
    Y = np.stack([y, 1 - y], axis=-1)
    clf = WeightedSequenceClassifier(class_weight="balanced", time_weight="linear",
                                     **TINY).fit(X, Y)
    clf.save(out / "timestep_multilabel.skimbal")
    np.savez(out / "timestep_multilabel.npz", X=X, proba=clf.predict_proba(X),
             pred=clf.predict(X))

    # plain binary, string labels
    X, y = make_imbalanced_sequences(60, n_timesteps=6, n_features=2, weights=(0.8, 0.2),
                                     random_state=0)
    y = np.array(["normal", "fraud"])[y]
    clf = WeightedSequenceClassifier(class_weight={"fraud": 4.0}, **TINY).fit(X, y)
    clf.save(out / "binary.skimbal")
    np.savez(out / "binary.npz", X=X, proba=clf.predict_proba(X), pred=clf.predict(X))

    # variable-length per-timestep binary: PaddingMask (skimbal.masking at the time)
    X, y = make_imbalanced_sequences(40, n_timesteps=8, n_features=2, target="per_timestep",
                                     weights=(0.8, 0.2), random_state=1)
    lengths = np.random.RandomState(0).randint(3, 9, size=len(X))
    X_list = [x[:n] for x, n in zip(X, lengths, strict=True)]
    y_list = [t[:n] for t, n in zip(y, lengths, strict=True)]
    clf = WeightedSequenceClassifier(class_weight="balanced", **TINY).fit(X_list, y_list)
    clf.save(out / "timestep_variable_length.skimbal")
    proba = clf.predict_proba(X_list)
    pred = clf.predict(X_list)
    padded = np.zeros((len(X), 8, 2))
    labels = np.zeros((len(X), 8), dtype=y.dtype)
    for i, n in enumerate(lengths):
        padded[i, :n] = proba[i]
        labels[i, :n] = pred[i]
    np.savez(out / "timestep_variable_length.npz", X=X, lengths=lengths, proba=padded,
             pred=labels)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
