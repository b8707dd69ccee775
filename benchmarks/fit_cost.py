"""What one default fit costs, per set of the real suite, against its references.

Every set of the real suite (``benchmarks/_real_data.py``: the imbalanced
training split of seed ``s``, the official test split), fitted by:

``before``
    skimbal's default as it was before the cheaper training loop (issue 27):
    ``make_pipeline(SequenceScaler(), WeightedSequenceClassifier(
    class_weight="balanced", random_state=seed))`` imported from another
    checkout (``--before DIR``, e.g. a ``git worktree`` of the older commit).
``fcn-rnn``
    today's code with the network of ``before`` pinned as parameters
    (``architecture="fcn-rnn"``, filters 64-128-64, kernels 8-5-3): the
    training loop's gain alone.
``default``
    today's default (the same pipeline, every parameter at its default).
``keras floor``
    the network of ``default`` (``clf.model_``, cloned, same optimizer and
    loss) trained in one plain ``keras.Model.fit`` epoch for the same number
    of gradient steps and batch size: the framework's cost per step, the floor
    a wrapper can reach. Its accuracy is not reported (no class weights).
``aeon LITE`` / ``aeon FCN``
    aeon's ``IndividualLITEClassifier`` / ``FCNClassifier`` (the field's
    deep-learning references; aeon's own callbacks and defaults) at the same
    number of gradient steps as ``default``: ``batch_size`` as skimbal plans
    it, ``n_epochs`` = its passes. No class weights (aeon has none).
    Variable-length sets zero-padded to the longest series.
``MiniRocket``
    MiniRocket + ridge, as in ``real_suite.py``.

Each method runs in a long-lived worker process per source tree (TensorFlow
imported once); the jobs are interleaved (for each set and seed, every
method in turn), so machine noise hits all methods alike. Reported: fit
seconds (median over seeds), seconds per gradient step (fit seconds / the
optimizer's step count), balanced accuracy and minority recall (mean over
seeds), and ratios against ``before`` and MiniRocket.

Run::

    git worktree add /tmp/skimbal-before <older commit>
    python benchmarks/fit_cost.py --before /tmp/skimbal-before \\
        --out benchmarks/results/fit_cost.jsonl
    python benchmarks/fit_cost.py --report benchmarks/results/fit_cost.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _real_data as rd  # noqa: E402

METHODS = ("before", "fcn-rnn", "default", "keras floor", "aeon LITE", "aeon FCN",
           "MiniRocket")
OLD_NETWORK = {"architecture": "fcn-rnn", "conv_filters": (64, 128, 64),
               "conv_kernel_sizes": (8, 5, 3)}
SEEDS = (0, 1, 2)


# ------------------------------------------------------------------ worker side
def _steps(clf) -> int:
    import keras

    return int(keras.ops.convert_to_numpy(clf.model_.optimizer.iterations))


def _skimbal_row(data, X, y, seed, params):
    from real_suite import fit_skimbal

    t0 = time.perf_counter()
    pipe = fit_skimbal(X, y, seed, "balanced", params)
    fit_s = time.perf_counter() - t0
    clf = pipe[-1]
    steps = _steps(clf)
    row = dict(fit_s=fit_s, steps=steps, passes=len(clf.history_["loss"]),
               batch_size=_batch_size(len(y)), pred=pipe.predict(data["X_test"]))
    return row, pipe


def _batch_size(n: int) -> int:
    return int(min(32, max(4, n // 10)))


def _keras_floor(pipe, X, y, steps: int, batch_size: int) -> dict:
    """The fitted network, cloned, trained in one plain Keras epoch of ``steps`` steps."""
    import keras

    from real_suite import _padded

    clf = pipe[-1]
    Xs = pipe[0].transform(X)
    Xp, _ = _padded(Xs)
    Xp = np.nan_to_num(np.asarray(Xp, np.float32)) if isinstance(Xs, list) else np.asarray(
        Xp, np.float32)
    codes = np.searchsorted(clf.classes_, y)
    binary = clf.model_.output_shape[-1] == 1
    target = codes.astype(np.float32) if binary else codes
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    n = steps * batch_size
    rows = np.resize(np.arange(len(Xp)), n)
    model = keras.models.clone_model(clf.model_)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    t0 = time.perf_counter()
    model.fit(Xp[rows], target[rows], batch_size=batch_size, epochs=1, shuffle=False,
              verbose=0)
    return dict(fit_s=time.perf_counter() - t0, steps=steps, batch_size=batch_size)


def _aeon_row(kind: str, data, X, y, seed, steps: int, batch_size: int):
    from aeon.classification.deep_learning import FCNClassifier, IndividualLITEClassifier

    from real_suite import MiniRocketRidge

    t_max = (max(len(x) for x in [*data["X_train"], *data["X_test"]])
             if isinstance(data["X_train"], list) else None)
    to_aeon = MiniRocketRidge(seed, t_max)._aeon  # (n, channels, T), zero-padded
    passes = max(1, round(steps / math.ceil(len(y) / batch_size)))
    cls = IndividualLITEClassifier if kind == "aeon LITE" else FCNClassifier
    with tempfile.TemporaryDirectory() as tmp:
        est = cls(n_epochs=passes, batch_size=batch_size, random_state=seed,
                  file_path=tmp + os.sep)
        Xa = to_aeon(X)
        t0 = time.perf_counter()
        est.fit(Xa, y)
        fit_s = time.perf_counter() - t0
        pred = est.predict(to_aeon(data["X_test"]))
    return dict(fit_s=fit_s, steps=passes * math.ceil(len(y) / batch_size),
                batch_size=batch_size, pred=pred)


def _minirocket_row(data, X, y, seed):
    from real_suite import MiniRocketRidge, _warm_up_minirocket

    _warm_up_minirocket()
    t_max = (max(len(x) for x in [*data["X_train"], *data["X_test"]])
             if isinstance(data["X_train"], list) else None)
    est = MiniRocketRidge(seed, t_max)
    t0 = time.perf_counter()
    est.fit(X, y)
    return dict(fit_s=time.perf_counter() - t0, pred=est.predict(data["X_test"]))


def worker() -> None:
    """Read jobs (JSON lines) on stdin, answer ``RESULT <json>`` lines on stdout."""
    from real_suite import scores

    warnings.filterwarnings("ignore")
    cache: dict = {}
    last_default: dict = {}
    for line in sys.stdin:
        job = json.loads(line)
        name, seed, method = job["set"], job["seed"], job["method"]
        if name not in cache:
            cache[name] = rd.load(name)
        data = cache[name]
        idx, minority = rd.imbalanced_train_indices(data["y_train"], seed)
        X, y = rd.take(data["X_train"], idx), data["y_train"][idx]
        if method in ("before", "default", "fcn-rnn"):
            params = dict(OLD_NETWORK) if method == "fcn-rnn" else {}
            row, pipe = _skimbal_row(data, X, y, seed, params)
            if method == "default":
                last_default = dict(key=(name, seed), pipe=pipe, steps=row["steps"],
                                    bs=row["batch_size"])
        elif method == "keras floor":
            if last_default.get("key") != (name, seed):
                raise RuntimeError("'keras floor' runs right after 'default' of its set/seed")
            row = _keras_floor(last_default["pipe"], X, y, last_default["steps"],
                               last_default["bs"])
        elif method.startswith("aeon"):
            row = _aeon_row(method, data, X, y, seed, job["steps"], job["batch_size"])
        else:
            row = _minirocket_row(data, X, y, seed)
        pred = row.pop("pred", None)
        out = dict(set=name, seed=seed, method=method, n_train=len(y), **row)
        if pred is not None:
            out.update(scores(data["y_test"], pred, minority))
        print("RESULT " + json.dumps(out), flush=True)


# ------------------------------------------------------------- orchestrator
class _Worker:
    def __init__(self, src: str) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, HERE]),
                   TF_CPP_MIN_LOG_LEVEL="3")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker"], cwd=HERE, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, job: dict) -> dict:
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[7:])
        raise RuntimeError(f"worker died on {job}")


def report(rows: list[dict]) -> str:
    sets = [s for s in rd.SETS if any(r["set"] == s for r in rows)]
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    seeds = sorted({r["seed"] for r in rows})
    by = {(r["set"], r["method"], r["seed"]): r for r in rows}

    def values(s, m, key):
        return [by[(s, m, k)][key] for k in seeds if (s, m, k) in by and key in by[(s, m, k)]]

    out = [f"Seeds {seeds}. Fit seconds: median over seeds (min-max); balanced accuracy "
           "and minority recall: mean ± sd over seeds (per seed in the last table).", ""]
    for title, key, fmt in (
        ("fit seconds", "fit_s", "median"),
        ("milliseconds per gradient step", "ms_step", "median"),
        ("balanced accuracy", "balanced_accuracy", "mean"),
        ("minority recall", "minority_recall", "mean"),
    ):
        out += [f"**{title}**", "", "| set | " + " | ".join(methods) + " |",
                "|---|" + "---|" * len(methods)]
        for s in sets:
            cells = []
            for m in methods:
                if key == "ms_step":
                    v = [1000 * by[(s, m, k)]["fit_s"] / by[(s, m, k)]["steps"] for k in seeds
                         if (s, m, k) in by and by[(s, m, k)].get("steps")]
                else:
                    v = values(s, m, key)
                if not v:
                    cells.append("-")
                elif fmt == "median":
                    cells.append(f"{np.median(v):.2f} ({min(v):.2f}-{max(v):.2f})")
                else:
                    cells.append(rd.mean_sd(v))
            out.append(f"| {s} | " + " | ".join(cells) + " |")
        out.append("")
    out += ["**balanced accuracy per seed** (seed: value)", "",
            "| set | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for s in sets:
        cells = [rd.per_seed(by, s, m, seeds) if values(s, m, "balanced_accuracy") else "-"
                 for m in methods]
        out.append(f"| {s} | " + " | ".join(cells) + " |")
    out.append("")
    if {"before", "default"} <= set(methods):
        out += ["**ratios** (medians of per-seed ratios; accuracy: mean over seeds)", "",
                "| set | before / default fit s | default vs before BA | "
                "default s/step / keras floor | default / aeon LITE fit s | "
                "default / aeon FCN fit s | default / MiniRocket fit s |",
                "|---|---|---|---|---|---|---|"]

        def ratio(s, a, b, per_step=False):
            r = []
            for k in seeds:
                if (s, a, k) in by and (s, b, k) in by:
                    x, z = by[(s, a, k)], by[(s, b, k)]
                    r.append((x["fit_s"] / x["steps"]) / (z["fit_s"] / z["steps"]) if per_step
                             else x["fit_s"] / z["fit_s"])
            return f"{np.median(r):.2f}x" if r else "-"

        for s in sets:
            d_ba = (np.mean(values(s, "default", "balanced_accuracy"))
                    - np.mean(values(s, "before", "balanced_accuracy")))
            out.append(f"| {s} | {ratio(s, 'before', 'default')} | {d_ba:+.3f} | "
                       f"{ratio(s, 'default', 'keras floor', True)} | "
                       f"{ratio(s, 'default', 'aeon LITE')} | {ratio(s, 'default', 'aeon FCN')}"
                       f" | {ratio(s, 'default', 'MiniRocket')} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--before", metavar="DIR",
                        help="checkout of the older skimbal (for the 'before' method)")
    parser.add_argument("--sets", nargs="+", default=list(rd.SETS), choices=rd.SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--out", default="fit_cost.jsonl",
                        help="JSON lines, one per run; runs already there are skipped")
    parser.add_argument("--report", metavar="JSONL", help="print the tables of a results file")
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return
    if args.report:
        with open(args.report) as fh:
            print(report([json.loads(line) for line in fh if line.strip()]))
        return
    if "before" in args.methods and not args.before:
        parser.error("the 'before' method needs --before DIR")
    done = {}
    if os.path.exists(args.out):
        with open(args.out) as fh:
            done = {(r["set"], r["seed"], r["method"]): r for r in map(json.loads, fh)}
    here = os.path.dirname(HERE)
    workers = {"now": _Worker(here)}
    if "before" in args.methods:
        workers["before"] = _Worker(os.path.abspath(args.before))
    for name in args.sets:
        for seed in args.seeds:
            default = done.get((name, seed, "default"))
            for method in args.methods:
                if (name, seed, method) in done:
                    continue
                if method in ("aeon LITE", "aeon FCN") and default is None:
                    continue  # they need the default's step budget
                if method == "keras floor" and (name, seed, "default") in done:
                    continue  # it needs the default's network from this run
                job = dict(set=name, seed=seed, method=method)
                if default is not None:
                    job.update(steps=default["steps"], batch_size=default["batch_size"])
                row = workers["before" if method == "before" else "now"].run(job)
                if method == "default":
                    default = row
                print(json.dumps(row), flush=True)
                with open(args.out, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
    for w in workers.values():
        w.proc.stdin.close()
        w.proc.wait()


if __name__ == "__main__":
    main()
