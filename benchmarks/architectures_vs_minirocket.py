"""skimbal architectures vs MiniRocket + ridge on imbalanced UEA data.

Datasets: JapaneseVowels (9 classes, 12 channels, 7-29 steps) and BasicMotions
(4 classes, 6 channels, 100 steps), read from the ``.ts`` files shipped in the
``aeon`` wheel (benchmark-only; not a skimbal dependency).

Imbalance (reproducible): for seed ``s`` the class ``sorted(classes)[s %
n_classes]`` is the minority; in the **training split** it keeps
``max(1, round(n_other / 10))`` randomly chosen samples (``n_other``: the
median count of the other classes), i.e. 1:10. The **test split is unchanged**
(balanced for BasicMotions, as published for JapaneseVowels), so minority
recall is measured on every test sample of the minority class.

JapaneseVowels has variable lengths: MiniRocket gets the sequences
end-padded with zeros to a 3-D array (it needs equal lengths), skimbal gets
the true-length sequences as a list (end-padded and masked inside).
skimbal models run as ``Pipeline(SequenceScaler(),
WeightedSequenceClassifier(...))``; MiniRocket as ``MiniRocket ->
StandardScaler(with_mean=False) -> RidgeClassifierCV(class_weight="balanced")``.

MiniRocket runs in a separate virtual environment that has ``aeon`` (it also
loads the data), through a subprocess::

    python3 -m venv /work/venv-bench8 && /work/venv-bench8/bin/pip install aeon
    python benchmarks/architectures_vs_minirocket.py --aeon-python /work/venv-bench8/bin/python

Fit seconds are wall time on the machine that runs the script (inflated when
it is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

DATASETS = ("JapaneseVowels", "BasicMotions")
SEEDS = (0, 1, 2)


# --------------------------------------------------------------- shared parts
def imbalanced_train_indices(y: np.ndarray, seed: int) -> tuple[np.ndarray, object]:
    """Training indices with one class subsampled to 1:10, and that class."""
    classes, counts = np.unique(y, return_counts=True)
    minority = classes[seed % len(classes)]
    n_other = float(np.median(counts[classes != minority]))
    n_keep = max(1, round(n_other / 10))
    rng = np.random.RandomState(seed)
    minority_idx = np.flatnonzero(y == minority)
    keep = rng.choice(minority_idx, size=n_keep, replace=False)
    idx = np.sort(np.r_[np.flatnonzero(y != minority), keep])
    return idx, minority


def scores(y_true, y_pred, minority) -> dict[str, float]:
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "minority_recall": float(
            recall_score(y_true, y_pred, labels=[minority], average="macro")
        ),
    }


# --------------------------------------------------- aeon side (other venv)
def _pad(seqs: list[np.ndarray], t_max: int) -> np.ndarray:
    """(C, T_i) arrays -> zero end-padded (n, t_max, C) float32."""
    out = np.zeros((len(seqs), t_max, seqs[0].shape[0]), np.float32)
    for i, s in enumerate(seqs):
        out[i, : s.shape[1]] = s.T
    return out


def aeon_worker(out_dir: str) -> None:
    """Load the data, run MiniRocket + ridge; write data .npz and results .json."""
    import aeon.datasets
    from aeon.datasets import load_from_ts_file
    from aeon.transformations.collection.convolution_based import MiniRocket
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    base = os.path.join(os.path.dirname(aeon.datasets.__file__), "data")
    results = []
    for name in DATASETS:
        raw = {
            split: load_from_ts_file(os.path.join(base, name, f"{name}_{split}.ts"))
            for split in ("TRAIN", "TEST")
        }
        # one padded length for both splits (MiniRocket needs equal lengths)
        t_max = max(x.shape[-1] for X, _ in raw.values() for x in X)
        parts = {split: (_pad(list(X), t_max), np.asarray(y).astype(str))
                 for split, (X, y) in raw.items()}
        (X_tr, y_tr), (X_te, y_te) = parts["TRAIN"], parts["TEST"]
        lengths = {split: np.array([x.shape[-1] for x in X]) for split, (X, _) in raw.items()}
        np.savez(os.path.join(out_dir, f"{name}.npz"), X_train=X_tr, y_train=y_tr,
                 X_test=X_te, y_test=y_te, lengths_train=lengths["TRAIN"],
                 lengths_test=lengths["TEST"])
        for seed in SEEDS:
            idx, minority = imbalanced_train_indices(y_tr, seed)
            pipe = make_pipeline(
                MiniRocket(random_state=seed),
                StandardScaler(with_mean=False),
                RidgeClassifierCV(alphas=np.logspace(-3, 3, 10), class_weight="balanced"),
            )
            to_aeon = lambda a: np.ascontiguousarray(np.transpose(a, (0, 2, 1)))  # noqa: E731
            if seed == SEEDS[0]:  # numba JIT warm-up, not timed
                make_pipeline(MiniRocket(random_state=0)).fit(to_aeon(X_tr[:4]))
            t0 = time.perf_counter()
            pipe.fit(to_aeon(X_tr[idx]), y_tr[idx])
            fit_s = time.perf_counter() - t0
            pred = pipe.predict(to_aeon(X_te))
            results.append({"dataset": name, "seed": seed, "method": "MiniRocket + ridge",
                            "fit_s": fit_s, **scores(y_te, pred, minority)})
            print(f"{name} seed={seed} MiniRocket: {results[-1]}", flush=True)
    with open(os.path.join(out_dir, "minirocket.json"), "w") as fh:
        json.dump(results, fh)


# --------------------------------------------------------- skimbal side
CONFIGS = [
    dict(architecture=arch, cell=cell, class_weight=cw)
    for arch in ("rnn", "fcn-rnn")
    for cell in ("lstm", "gru")
    for cw in (None, "balanced")
]


def label(cfg: dict) -> str:
    return f"skimbal {cfg['architecture']} {cfg['cell']} cw={cfg['class_weight']}"


def _take(X, idx):
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


def run_skimbal(data_dir: str, configs: list[dict], extra: dict) -> list[dict]:
    import warnings

    from sklearn.pipeline import make_pipeline

    from skimbal import WeightedSequenceClassifier
    from skimbal.preprocessing import SequenceScaler

    results = []
    for name in DATASETS:
        d = np.load(os.path.join(data_dir, f"{name}.npz"))
        X_tr, y_tr, X_te, y_te = d["X_train"], d["y_train"], d["X_test"], d["y_test"]
        if len(set(d["lengths_train"])) > 1 or len(set(d["lengths_test"])) > 1:
            # variable length: skimbal gets the true-length sequences (masked)
            X_tr = [x[:n] for x, n in zip(X_tr, d["lengths_train"], strict=True)]
            X_te = [x[:n] for x, n in zip(X_te, d["lengths_test"], strict=True)]
        for seed in SEEDS:
            idx, minority = imbalanced_train_indices(y_tr, seed)
            for cfg in configs:
                pipe = make_pipeline(
                    SequenceScaler(),
                    WeightedSequenceClassifier(random_state=seed, **cfg, **extra),
                )
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    # BasicMotions keeps 1 minority sample: no stratified split
                    warnings.filterwarnings("ignore", message=".*samples per class.*")
                    pipe.fit(_take(X_tr, idx), y_tr[idx])
                fit_s = time.perf_counter() - t0
                pred = pipe.predict(X_te)
                n_epochs = len(pipe[-1].history_["loss"])
                results.append({"dataset": name, "seed": seed, "method": label(cfg),
                                "fit_s": fit_s, "epochs": n_epochs,
                                **scores(y_te, pred, minority)})
                print(f"{name} seed={seed} {label(cfg)} epochs={n_epochs}: "
                      f"bacc={results[-1]['balanced_accuracy']:.3f} "
                      f"minrec={results[-1]['minority_recall']:.3f} "
                      f"fit={fit_s:.1f}s", flush=True)
    return results


def table(results: list[dict]) -> str:
    keys = ("balanced_accuracy", "macro_f1", "minority_recall", "fit_s")
    lines = [
        "| dataset | method | balanced acc. | macro F1 | minority recall | fit s |",
        "|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        groups.setdefault((r["dataset"], r["method"]), []).append(r)
    for (ds, method), rows in groups.items():
        cells = []
        for k in keys:
            v = np.array([r[k] for r in rows])
            cells.append(f"{v.mean():.1f}" if k == "fit_s" else f"{v.mean():.3f} ± {v.std():.3f}")
        lines.append(f"| {ds} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aeon-python", default="/work/venv-bench8/bin/python",
                        help="Python of a virtual environment with aeon installed.")
    parser.add_argument("--aeon-worker", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="Write all per-seed results to this file.")
    parser.add_argument("--quick", action="store_true", help="Only the cw='balanced' configs.")
    args = parser.parse_args(argv)
    if args.aeon_worker:
        aeon_worker(args.aeon_worker)
        return

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([args.aeon_python, os.path.abspath(__file__), "--aeon-worker", tmp],
                       check=True)
        with open(os.path.join(tmp, "minirocket.json")) as fh:
            results = json.load(fh)
        configs = [c for c in CONFIGS if not args.quick or c["class_weight"] == "balanced"]
        results += run_skimbal(tmp, configs, extra={})
    print()
    print(table(results))
    print(f"\ntotal wall time: {time.perf_counter() - t_start:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
