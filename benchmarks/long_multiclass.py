"""Long, variable-length, many-class data: does a fit fit its training data? (issue 28).

On a held-out real set (11 classes, 537 training sequences of 100-1,344 steps,
classes that differ in length) the default model fitted its training *batches*
but not its training *data*: training balanced accuracy 0.40. This script
reproduces that on :func:`skimbal.datasets.make_variable_length_sequences` and
measures, for the default pipeline (``SequenceScaler`` then
``WeightedSequenceClassifier(class_weight="balanced", random_state=seed)``, as
``benchmarks/real_suite.py::fit_skimbal``) and variants of it:

- ``last_loss``: the last training loss Keras reported (mean over the batches
  of the last pass, the batches the fit drew);
- ``train_ce_train_mode`` / ``train_ce_infer_mode``: the class-weighted
  cross-entropy of the *training* sequences re-batched (32 per batch, sorted by
  length, each batch cut to its longest sequence), through the network in
  training mode (batch statistics; the weights, BN moving statistics included,
  are restored afterwards) and in inference mode. Weighted as Keras weights the
  reported loss: ``sum(w_i * ce_i) / n`` with ``w_i`` the fitted
  ``class_weight_`` of sequence ``i``;
- ``train_ba`` / ``test_ba``: balanced accuracy of ``predict`` on the training
  and test split.

A fit that fits its data has ``last_loss`` ~ ``train_ce_*`` and a high
``train_ba``; a network that exploits something of the training batches that
re-batched data and prediction do not have shows ``last_loss`` well below the
re-batched losses.

Variants (``--configs``; everything else default):

- ``layer-norm``: ``conv_norm="layer"`` (per-step layer normalisation in the
  convolutional branch; what ``conv_norm="auto"`` gives list input);
- ``batch-norm``: ``conv_norm="batch"``, the default (batch normalisation);
- ``batch-norm-no-buckets``: ``conv_norm="batch", length_buckets=None`` (every
  batch padded to the longest sequence);
- ``batch-norm-buckets-2`` / ``-4``: ``conv_norm="batch"`` with 2 / 4 length
  buckets (fewer, wider buckets than ``"auto"``);
- ``batch-norm-steps-2x``: ``conv_norm="batch"`` and twice the default step
  budget (``epochs`` set to twice what ``"auto"`` gives);
- ``layer-norm-no-buckets``: ``conv_norm="layer", length_buckets=None``;
- ``rnn-only``: ``architecture="rnn"`` (no convolutional branch, no
  normalisation at all);
- ``MiniRocket``: MiniRocket + ridge as in ``benchmarks/real_suite.py`` (series
  zero-padded to the longest; no losses, only the balanced accuracies).

Run (each default fit is about 30-60 s on two cores with one thread)::

    SKIMBAL_NUM_THREADS=1 PYTHONPATH=. python benchmarks/long_multiclass.py \
        --seeds 0,1,2 --configs layer-norm,batch-norm,batch-norm-no-buckets \
        --out benchmarks/results/long_multiclass.jsonl
    python benchmarks/long_multiclass.py --report benchmarks/results/long_multiclass.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import balanced_accuracy_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from skimbal.datasets import make_variable_length_sequences

RESULTS = Path(__file__).resolve().parent / "results"

#: the synthetic set: 11 classes, 10:1 imbalance, lengths 100-1,000 whose
#: distribution differs by class (train and test drawn from one call, then split)
DATA = dict(n_classes=11, n_features=1, min_length=100, max_length=1000, imbalance=10.0,
            length_spread=0.1, amplitude_ratio=100.0, class_sep=1.0, noise=0.1)
N_TRAIN, N_TEST = 400, 400

CONFIGS: dict[str, dict] = {
    "layer-norm": dict(conv_norm="layer"),
    "batch-norm": dict(conv_norm="batch"),
    "batch-norm-no-buckets": dict(conv_norm="batch", length_buckets=None),
    "batch-norm-buckets-2": dict(conv_norm="batch", length_buckets=2),
    "batch-norm-buckets-4": dict(conv_norm="batch", length_buckets=4),
    "batch-norm-steps-2x": dict(conv_norm="batch", epochs="2x"),
    "layer-norm-no-buckets": dict(conv_norm="layer", length_buckets=None),
    "rnn-only": dict(architecture="rnn"),
    "MiniRocket": {},
}


def load(data_seed: int = 0):
    X, y = make_variable_length_sequences(N_TRAIN + N_TEST, random_state=data_seed, **DATA)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def resolve(params: dict, n_train: int) -> dict:
    """Turn the symbolic settings of CONFIGS into classifier parameters."""
    from skimbal._batch_plan import plan_training

    params = dict(params)
    plan = plan_training(n_train, "auto", "auto")
    if params.get("epochs") == "2x":
        params["epochs"] = 2 * plan.epochs
    return params


def rebatched_ce(clf, X_scaled, y, *, training: bool, batch: int = 32) -> float:
    """Class-weighted cross-entropy of ``(X_scaled, y)`` re-batched by sorted length."""
    from skimbal._validation import check_sequence_batch

    X, lengths = check_sequence_batch(X_scaled, n_features=clf.n_features_in_)
    codes = clf.target_encoder_.transform(np.asarray(y)) if hasattr(
        clf, "target_encoder_") else np.searchsorted(clf.classes_, y)
    codes = np.asarray(codes).reshape(len(y), -1)
    codes = codes.argmax(1) if codes.shape[1] > 1 else codes[:, 0]
    weights = np.array([clf.class_weight_[c] for c in clf.classes_])[codes]
    saved = clf.model_.get_weights() if training else None
    order = np.argsort(lengths, kind="stable")
    total = 0.0
    try:
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            xb = X[rows, : int(lengths[rows].max())]
            p = np.asarray(clf.model_(xb, training=training))
            p = p.reshape(len(rows), -1)
            ce = -np.log(np.clip(p[np.arange(len(rows)), codes[rows]], 1e-7, 1.0))
            total += float(np.sum(weights[rows] * ce))
    finally:
        if saved is not None:
            clf.model_.set_weights(saved)
    return total / len(y)


def minirocket_run(data, seed: int) -> dict:
    """MiniRocket + ridge (``benchmarks/real_suite.py``), on the same split."""
    from real_suite import MiniRocketRidge

    X_tr, y_tr, X_te, y_te = data
    t_max = max(len(x) for x in [*X_tr, *X_te])
    t0 = time.perf_counter()
    model = MiniRocketRidge(seed, t_max).fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t0
    return dict(
        config="MiniRocket", seed=seed, fit_s=round(fit_s, 1), params={}, epochs=None,
        last_loss=None, train_ce_train_mode=None, train_ce_infer_mode=None,
        train_ba=float(balanced_accuracy_score(y_tr, model.predict(X_tr))),
        test_ba=float(balanced_accuracy_score(y_te, model.predict(X_te))),
        n_train=len(X_tr), data=DATA,
    )


def one_run(data, config: str, seed: int) -> dict:
    from sklearn.pipeline import make_pipeline

    from skimbal import WeightedSequenceClassifier
    from skimbal.preprocessing import SequenceScaler

    if config == "MiniRocket":
        return minirocket_run(data, seed)
    X_tr, y_tr, X_te, y_te = data
    params = resolve(CONFIGS[config], len(X_tr))
    pipe = make_pipeline(SequenceScaler(), WeightedSequenceClassifier(
        class_weight="balanced", random_state=seed, **params))
    t0 = time.perf_counter()
    pipe.fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t0
    scaler, clf = pipe[0], pipe[-1]
    Xs = scaler.transform(X_tr)
    return dict(
        config=config, seed=seed, fit_s=round(fit_s, 1),
        params={k: v for k, v in params.items()},
        epochs=len(clf.history_["loss"]),
        last_loss=float(clf.history_["loss"][-1]),
        train_ce_train_mode=rebatched_ce(clf, Xs, y_tr, training=True),
        train_ce_infer_mode=rebatched_ce(clf, Xs, y_tr, training=False),
        train_ba=float(balanced_accuracy_score(y_tr, pipe.predict(X_tr))),
        test_ba=float(balanced_accuracy_score(y_te, pipe.predict(X_te))),
        n_train=len(X_tr), data=DATA,
    )


def report(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    keys = ("last_loss", "train_ce_train_mode", "train_ce_infer_mode", "train_ba", "test_ba",
            "fit_s")
    print("| config | seed | last reported loss | re-batched CE (train mode) | "
          "re-batched CE (inference) | train BA | test BA | fit s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['seed']} | "
              + " | ".join("-" if r[k] is None else f"{r[k]:.3f}" if k != "fit_s"
                           else f"{r[k]:.0f}" for k in keys)
              + " |")
    print("\n| config | runs | last loss | CE train mode | CE inference | train BA | test BA |")
    print("|---|---|---|---|---|---|---|")
    for config in dict.fromkeys(r["config"] for r in rows):
        mine = [r for r in rows if r["config"] == config]
        cells = ["-" if mine[0][k] is None else f"{statistics.median(r[k] for r in mine):.3f}"
                 for k in keys[:-1]]
        print(f"| {config} | {len(mine)} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--configs", default="layer-norm,batch-norm,batch-norm-no-buckets")
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--class-sep", type=float, default=DATA["class_sep"],
                        help="amplitude of the class patterns (DATA's by default)")
    parser.add_argument("--out", type=Path, default=RESULTS / "long_multiclass.jsonl",
                        help="append every run to this JSON-lines file")
    parser.add_argument("--report", type=Path, metavar="JSONL",
                        help="print the tables of a results file and exit")
    args = parser.parse_args()
    if args.report:
        report(args.report)
        return
    DATA["class_sep"] = args.class_sep
    data = load(args.data_seed)
    lengths = [len(x) for x in data[0]]
    print(json.dumps(dict(n_train=len(data[0]), counts=np.bincount(data[1]).tolist(),
                          length_min=min(lengths), length_max=max(lengths))), flush=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        for config in args.configs.split(","):
            row = one_run(data, config, seed)
            print(json.dumps(row), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            with args.out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
