"""Imbalance methods side by side: re-weighting (balanced, effective-number, deferred),
focal loss, logit adjustment, balanced batches, prior correction and over-sampling, on
the real suite and two synthetic sets.

Every method is the README pipeline, ``make_pipeline(SequenceScaler(),
WeightedSequenceClassifier(random_state=seed, **params))`` with every other
parameter at its default; only the imbalance handling differs:

========================  ==============================================================
row                       what is fitted / how it predicts
========================  ==============================================================
unweighted                ``class_weight=None``
logit adj. post-hoc       the same fit, ``logit_adjustment="post-hoc"`` (``tau=1``):
                          ``predict`` is ``argmax(log p - log prior)``
balanced                  ``class_weight="balanced"``
balanced + prior corr.    the same fit, ``prior_correction=True``: ``predict`` unchanged,
                          ``predict_proba`` corrected to the training prior
logit adj. loss           ``logit_adjustment="loss"`` (``tau=1``)
balanced batches          ``balanced_batches=True``
over-sampling             ``SequenceSampler(RandomOverSampler())`` before an unweighted
                          classifier (imbalanced-learn pipeline)
effective (beta=0.999)    ``class_weight="effective"`` (Cui et al.; ``beta`` default)
deferred re-weighting     ``class_weight="balanced", class_weight_start=0.8`` (Cao et
                          al.: unweighted for the first 80 % of the planned epochs)
focal (gamma=2)           ``focal_gamma=2.0`` (Lin et al.), no class weights
========================  ==============================================================

Rows that share a fit (``unweighted`` / ``logit adj. post-hoc``; ``balanced`` /
``balanced + prior corr.``) are computed from one fitted estimator: the
post-hoc adjustment changes only ``predict`` and the prior correction only
``predict_proba``, so their fit seconds are the same number.

Data: the six real sets of ``benchmarks/real_suite.py`` (one class per seed cut
to 1:10 of the largest in the official training split; ``_real_data.py``) and
two synthetic sets from :func:`skimbal.datasets.make_imbalanced_sequences`
(``synthetic-binary``: 400 training sequences, 1:19; ``synthetic-tail``: 4
classes in proportions 0.6 / 0.25 / 0.1 / 0.05, 400 training sequences; both
``n_timesteps=40, n_features=3, class_sep=0.5``; 2,000 test sequences drawn
from the same distribution).

Metrics on the test split: balanced accuracy, macro F1 and the recall of the
minority class from ``predict``; **Brier score** (sum over classes of the
squared error, averaged over sequences) and **log-loss** from
``predict_proba``. The real sets' official test splits are not imbalanced like
the training split, so the probability scores are **importance-weighted**:
each test sequence weighs ``prior_train(y) / prior_test(y)``, which estimates
the score on test data distributed like the training data (the distribution
that calibrated probabilities refer to). Fit seconds: wall time of ``fit``.

Run::

    pip install -e ".[bench]"
    python benchmarks/imbalance_methods.py --out imbalance_methods.jsonl
    python benchmarks/imbalance_methods.py --report imbalance_methods.jsonl

Runs already in ``--out`` are skipped (an interrupted run resumes); ``--sets``,
``--seeds`` and ``--fits`` select a part.
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

SYNTHETIC = {
    "synthetic-binary": dict(weights=(0.95, 0.05)),
    "synthetic-tail": dict(weights=(0.6, 0.25, 0.1, 0.05)),
}
SETS = (*rd.SETS, *SYNTHETIC)
SEEDS = (0, 1, 2)

# fit name -> (classifier parameters, over-sample?, [(row name, predict how, proba how)])
# predict: "predict" (the estimator's decision) or "argmax" (argmax of the network's
# probabilities); proba: "proba" (predict_proba) or "raw" (the network's probabilities
# before prior correction).
FITS: dict[str, tuple[dict, bool, list[tuple[str, str, str]]]] = {
    "unweighted": ({"class_weight": None, "logit_adjustment": "post-hoc"}, False,
                   [("unweighted", "argmax", "proba"),
                    ("logit adj. post-hoc", "predict", "proba")]),
    "balanced": ({"class_weight": "balanced", "prior_correction": True}, False,
                 [("balanced", "predict", "raw"),
                  ("balanced + prior corr.", "predict", "proba")]),
    "logit adj. loss": ({"logit_adjustment": "loss"}, False,
                        [("logit adj. loss", "predict", "proba")]),
    "balanced batches": ({"balanced_batches": True}, False,
                         [("balanced batches", "predict", "proba")]),
    "over-sampling": ({}, True, [("over-sampling", "predict", "proba")]),
    "effective": ({"class_weight": "effective"}, False,
                  [("effective (beta=0.999)", "predict", "proba")]),
    "deferred": ({"class_weight": "balanced", "class_weight_start": 0.8}, False,
                 [("deferred re-weighting", "predict", "proba")]),
    "focal": ({"focal_gamma": 2.0}, False, [("focal (gamma=2)", "predict", "proba")]),
}
ROWS = [row for _, _, rows in FITS.values() for row, _, _ in rows]
REFERENCE = "balanced"


# ---------------------------------------------------------------------- data
def load(name: str, seed: int) -> tuple:
    """Training and test data of set ``name`` for ``seed``, and the minority class."""
    if name in SYNTHETIC:
        from skimbal.datasets import make_imbalanced_sequences

        kw = dict(n_timesteps=40, n_features=3, class_sep=0.5, **SYNTHETIC[name])
        X, y = make_imbalanced_sequences(400, random_state=seed, **kw)
        X_te, y_te = make_imbalanced_sequences(2000, random_state=1000 + seed, **kw)
        classes, counts = np.unique(y, return_counts=True)
        return X, y, X_te, y_te, classes[np.argmin(counts)]
    data = rd.load(name)
    idx, minority = rd.imbalanced_train_indices(data["y_train"], seed)
    return (rd.take(data["X_train"], idx), data["y_train"][idx], data["X_test"],
            data["y_test"], minority)


# ------------------------------------------------------------------- scoring
def _importance_weights(y_train, y_test, classes) -> np.ndarray:
    prior_train = np.array([np.mean(y_train == c) for c in classes])
    prior_test = np.array([np.mean(y_test == c) for c in classes])
    codes = np.searchsorted(classes, y_test)
    w = prior_train[codes] / prior_test[codes]
    return w / w.mean()


def scores(y_train, y_test, pred, proba, classes, minority) -> dict[str, float]:
    from sklearn.metrics import balanced_accuracy_score, f1_score, log_loss, recall_score

    w = _importance_weights(y_train, y_test, classes)
    onehot = (y_test[:, None] == classes[None, :]).astype(float)
    brier = float(np.average(np.sum((proba - onehot) ** 2, axis=1), weights=w))
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
        "macro_f1": float(f1_score(y_test, pred, average="macro", zero_division=0)),
        "minority_recall": float(recall_score(y_test, pred, labels=[minority],
                                              average="macro", zero_division=0)),
        "brier": brier,
        "log_loss": float(log_loss(y_test, np.clip(proba, 1e-7, 1), labels=classes,
                                   sample_weight=w)),
    }


def raw_proba(clf, proba: np.ndarray) -> np.ndarray:
    """The network's probabilities before ``prior_correction`` (undo ``p * pi / q``)."""
    if not getattr(clf, "prior_correction", False):
        return proba
    raw = proba * np.asarray(clf.training_prior_) / np.asarray(clf.class_prior_)
    return raw / raw.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------- runs
def run_fit(name: str, seed: int, fit: str) -> list[dict]:
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline

    from skimbal import WeightedSequenceClassifier
    from skimbal.preprocessing import SequenceScaler
    from skimbal.sampling import SequenceSampler

    X, y, X_te, y_te, minority = load(name, seed)
    params, oversample, rows = FITS[fit]
    steps = [SequenceScaler()]
    if oversample:
        steps.append(SequenceSampler(RandomOverSampler(random_state=seed)))
    clf = WeightedSequenceClassifier(random_state=seed, **params)
    est = make_pipeline(*steps, clf)
    t0 = time.perf_counter()
    est.fit(X, y)
    fit_s = time.perf_counter() - t0
    clf = est[-1]
    proba = est.predict_proba(X_te)
    decision = est.predict(X_te)
    counts = np.unique(y, return_counts=True)[1]
    out = []
    for row, how_predict, how_proba in rows:
        pred = decision if how_predict == "predict" else clf.classes_[np.argmax(proba, axis=1)]
        p = raw_proba(clf, proba) if how_proba == "raw" else proba
        out.append(dict(set=name, seed=seed, method=row, fit=fit, n_train=len(y),
                        imbalance=f"{counts.min()}:{counts.max()}", minority=str(minority),
                        fit_s=fit_s, epochs=len(clf.history_["loss"]),
                        **scores(y, y_te, pred, p, clf.classes_, minority)))
    return out


# -------------------------------------------------------------------- report
METRICS = ("balanced_accuracy", "macro_f1", "minority_recall", "brier", "log_loss", "fit_s")
LOWER_IS_BETTER = {"brier", "log_loss", "fit_s"}
TIE = {"balanced_accuracy": 0.01, "macro_f1": 0.01, "brier": 0.005, "log_loss": 0.01}


def report(rows: list[dict]) -> str:
    sets = [s for s in SETS if any(r["set"] == s for r in rows)]
    methods = [m for m in ROWS if any(r["method"] == m for r in rows)]
    seeds = sorted({r["seed"] for r in rows})
    by = {(r["set"], r["method"], r["seed"]): r for r in rows}

    def values(s, m, metric):
        return [by[(s, m, k)][metric] for k in seeds if (s, m, k) in by]

    out = [f"Seeds {seeds}; mean ± standard deviation over seeds; 'not run' where a run "
           "is missing.", ""]
    for metric in METRICS:
        out += [f"**{metric}**", "", "| method | " + " | ".join(sets) + " |",
                "|---|" + "---|" * len(sets)]
        for m in methods:
            cells = []
            for s in sets:
                v = values(s, m, metric)
                cells.append(rd.mean_sd(v) if v else "not run")
            out.append(f"| {m} | " + " | ".join(cells) + " |")
        out.append("")
    full = [s for s in sets if all(values(s, m, "balanced_accuracy") for m in methods)]
    out += [f"**mean over the sets every method ran on** ({', '.join(full)}; per set the "
            "mean over seeds, then the mean of those)", "",
            "| method | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    for m in methods:
        cells = [f"{np.mean([np.mean(values(s, m, metric)) for s in full]):.3f}"
                 for metric in METRICS]
        out.append(f"| {m} | " + " | ".join(cells) + " |")
    out.append("")
    out += [f"**against {REFERENCE!r}** (per set, mean over seeds; a tie is a difference "
            f"within {TIE}): wins / ties / losses", "",
            "| method | " + " | ".join(TIE) + " |", "|---|" + "---|" * len(TIE)]
    for m in methods:
        if m == REFERENCE:
            continue
        cells = []
        for metric, tie in TIE.items():
            w = t = loss = 0
            for s in sets:
                a, b = values(s, m, metric), values(s, REFERENCE, metric)
                if not a or not b:
                    continue
                d = np.mean(a) - np.mean(b)
                if metric in LOWER_IS_BETTER:
                    d = -d
                w, t, loss = w + (d > tie), t + (abs(d) <= tie), loss + (d < -tie)
            cells.append(f"{w} / {t} / {loss}")
        out.append(f"| {m} | " + " | ".join(cells) + " |")
    out.append("")
    out += ["**balanced accuracy per seed** (seed: value)", "",
            "| method | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for m in methods:
        cells = [rd.per_seed(by, s, m, seeds) or "not run" for s in sets]
        out.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--fits", nargs="+", default=list(FITS), choices=list(FITS))
    parser.add_argument("--out", default="imbalance_methods.jsonl",
                        help="JSON lines, one per row and run; runs already there are skipped")
    parser.add_argument("--report", metavar="JSONL", help="print the tables of a results file")
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report) as fh:
            print(report([json.loads(line) for line in fh if line.strip()]))
        return
    warnings.filterwarnings("ignore")
    done = set()
    if os.path.exists(args.out):
        with open(args.out) as fh:
            done = {(r["set"], r["seed"], r["fit"]) for r in map(json.loads, fh)}
    for seed in args.seeds:  # seeds outermost: a partial run covers every set
        for name in args.sets:
            for fit in args.fits:
                if (name, seed, fit) in done:
                    continue
                for row in run_fit(name, seed, fit):
                    print(json.dumps(row), flush=True)
                    with open(args.out, "a") as fh:
                        fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
