"""Command-line entry point ``skimbal`` (``skimbal demo``, ``skimbal cv``).

Both commands run the same report: stratified k-fold cross-validation of one
:class:`~skimbal.WeightedSequenceClassifier` per ``--class-weight`` setting
(default: unweighted and ``"balanced"``), printing balanced accuracy, macro
F1, recall of the minority class and fit time (mean ± std over folds), or a
JSON document with ``--json``. ``--plot FILE.png`` also saves the
precision-recall curves of the minority class and the confusion matrices, from
the out-of-fold predictions.

All argument and data checks run before TensorFlow is imported; bad input
ends with exit status 2 and a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._architecture_rules import (
    CELL_NAMES,
    describe_network,
    resolve_conv_norm,
    resolve_conv_pool,
    resolve_frontend_strides,
)

__all__ = ["main"]

COMMANDS = ("demo", "cv")
# Per-fold scores of the report: from predict (the first three) and predict_proba.
METRICS = ("balanced_accuracy", "macro_f1", "minority_recall", "brier", "log_loss",
           "fit_seconds")

# Settings of the full and the --quick run; explicit options override them. The
# network and training settings are WeightedSequenceClassifier's defaults (the
# demo shows what a user gets; tests/test_cli.py checks they agree).
FULL = dict(cell="lstm", units=32, epochs="auto", folds=5, repeats=1, batch_size="auto",
            learning_rate=1e-3)
QUICK = dict(FULL, folds=3, repeats=1)

# In-fit imbalance methods beyond class weights (docs/class_weight.md): --method NAME
# adds a row with these WeightedSequenceClassifier parameters.
METHODS = {
    "logit-adjusted": ({"logit_adjustment": "loss"}, 'logit_adjustment="loss"'),
    "post-hoc": ({"logit_adjustment": "post-hoc"}, 'logit_adjustment="post-hoc"'),
    "balanced-batches": ({"balanced_batches": True}, "balanced_batches=True"),
    "effective": ({"class_weight": "effective"}, 'class_weight="effective"'),
    "deferred": ({"class_weight": "balanced", "class_weight_start": 0.8},
                 'class_weight="balanced", class_weight_start=0.8'),
    "focal": ({"focal_gamma": 2.0}, "focal_gamma=2.0"),
}
#: demo imbalance: 1:20 (2 of 30 training and 4 of 31 test utterances of the speaker).
#: At 1:10 the unweighted network already recognises every minority speaker tried
#: (1, 6, 7: minority recall 1.000), so no imbalance method can show a difference.
DEMO_IMBALANCE = 0.05
#: shown by default beside "balanced" and over-sampling: the suite's best method
#: (benchmarks/imbalance_methods.py, docs/class_weight.md): post-hoc logit adjustment
#: had the highest mean balanced accuracy and never lost to "balanced".
DEFAULT_METHODS = ("post-hoc",)


class CLIError(Exception):
    """Bad input: reported as one line on stderr with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise CLIError(f"{message} (see '{self.prog} --help')")


# ----------------------------------------------------------------- arguments
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _imbalance(text: str) -> float:
    value = _positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a ratio in (0, 1], got {text!r}")
    return value


def _class_weight(text: str) -> Any:
    """``none``, ``balanced`` or a JSON object ``{"label": weight}``."""
    if text.lower() == "none":
        return None
    if text == "balanced":
        return "balanced"
    try:
        spec = json.loads(text)
    except json.JSONDecodeError:
        spec = None
    if not isinstance(spec, dict) or not spec or not all(
        isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0
        for w in spec.values()
    ):
        raise argparse.ArgumentTypeError(
            f"expected 'none', 'balanced' or a JSON object of positive weights such as "
            f"'{{\"1\": 10}}', got {text!r}"
        )
    return spec


def _build_parser() -> _Parser:
    model = _Parser(add_help=False)
    g = model.add_argument_group("model and cross-validation")
    g.add_argument("--cell", choices=CELL_NAMES, help="recurrent cell (default: lstm)")
    g.add_argument("--units", type=_positive_int, help="recurrent units (default: 32)")
    g.add_argument("--epochs", type=_positive_int,
                   help="passes over the training data (default: auto, about 750 "
                        "gradient steps)")
    g.add_argument("--batch-size", type=_positive_int,
                   help="mini-batch size (default: auto, n_train // 10 in [4, 32])")
    g.add_argument("--learning-rate", type=_positive_float,
                   help="Adam learning rate (default: 1e-3)")
    g.add_argument("--folds", type=_positive_int,
                   help="stratified CV folds, >= 2 (default: 5; quick: 3)")
    g.add_argument("--repeats", type=_positive_int,
                   help="repetitions of the k-fold split, each shuffled anew "
                        "(default: 1)")
    g.add_argument("--class-weight", type=_class_weight, nargs="+", metavar="SPEC",
                   help="one report row per SPEC: none, balanced or a JSON object such as "
                        "'{\"1\": 10}' (keys are labels; default: none balanced)")
    g.add_argument("--method", nargs="*", choices=list(METHODS), metavar="NAME",
                   help="one report row per in-fit imbalance method NAME: "
                        f"{', '.join(METHODS)} (docs/class_weight.md; default: "
                        f"{' '.join(DEFAULT_METHODS)}; "
                        "none for no such row)")
    g.add_argument("--resample", action=argparse.BooleanOptionalAction, default=True,
                   help="add a row with random over-sampling of the training folds "
                        "(SequenceSampler(RandomOverSampler()), unweighted; default: on)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    g.add_argument("--quick", action="store_true",
                   help="smaller, faster run (3 folds, once)")
    out = model.add_argument_group("output")
    out.add_argument("--json", action="store_true",
                     help="print the report as JSON on stdout instead of a table")
    out.add_argument("--plot", type=Path, metavar="FILE.png",
                     help="save precision-recall curves and confusion matrices (matplotlib)")

    parser = _Parser(
        prog="skimbal",
        description="Imbalance-aware recurrent sequence classifiers: cross-validated report "
                    "of unweighted vs class-weighted models.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"skimbal {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{demo,cv}")
    demo = sub.add_parser(
        "demo", parents=[model], help="run the report on the embedded JapaneseVowels data",
        description="Cross-validate on the embedded JapaneseVowels speaker data (the standard "
                    "train and test splits pooled), with one speaker made a minority.",
    )
    demo.add_argument("--imbalance", type=_imbalance, default=DEMO_IMBALANCE,
                      help="keep the minority speaker at this ratio to the most frequent one, "
                           "in each split (default: 0.05, i.e. 1:20, where the unweighted "
                           "network misses the minority; at 1:10 it does not)")
    demo.add_argument("--minority-class", type=int, default=1, choices=range(1, 10),
                      metavar="{1..9}", help="speaker made the minority (default: 1)")
    cv = sub.add_parser(
        "cv", parents=[model], help="run the report on your arrays (--data FILE.npz)",
        description="Cross-validate on arrays saved with numpy.savez: X of shape (n_samples, "
                    "n_timesteps, n_features), y of shape (n_samples,) and optionally lengths "
                    "(true length of each end-padded sequence).",
    )
    cv.add_argument("--data", type=Path, required=True, metavar="FILE.npz",
                    help="numpy .npz file with arrays X, y and optionally lengths")
    return parser


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    base = QUICK if args.quick else FULL
    s = {k: (getattr(args, k) if getattr(args, k) is not None else v) for k, v in base.items()}
    if s["folds"] < 2:
        raise CLIError(f"--folds must be at least 2; got {s['folds']}")
    s["class_weight"] = args.class_weight if args.class_weight else [None, "balanced"]
    s["method"] = list(DEFAULT_METHODS if args.method is None else args.method)
    s["seed"] = args.seed
    s["resample"] = args.resample
    return s


def _check_plot_path(path: Path | None) -> None:
    if path is None:
        return
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError(
            "--plot needs matplotlib, which is not installed: pip install 'skimbal[plot]'"
        ) from None
    suffix = path.suffix.lower().lstrip(".")
    supported = Figure().canvas.get_supported_filetypes()
    if suffix not in supported:
        raise CLIError(
            f"--plot {path}: unsupported file type {path.suffix!r}; use one of "
            f"{', '.join('.' + k for k in sorted(supported))}"
        )
    if not path.resolve().parent.is_dir():
        raise CLIError(f"--plot {path}: folder {path.resolve().parent} does not exist")


# ---------------------------------------------------------------------- data
@dataclass
class Dataset:
    """What the report runs on: end-padded 3-D ``X``, true ``lengths``, 1-D labels."""

    name: str
    X: np.ndarray
    y: np.ndarray
    lengths: np.ndarray
    minority: Any
    notes: list[str] = field(default_factory=list)


def _demo_data(args: argparse.Namespace) -> Dataset:
    from .datasets import load_japanese_vowels

    d = load_japanese_vowels(
        imbalance=args.imbalance, minority_class=args.minority_class, padded=True,
        random_state=args.seed,
    )
    return Dataset(
        name="JapaneseVowels",
        X=np.concatenate([d.X_train, d.X_test]),
        y=np.concatenate([d.y_train, d.y_test]),
        lengths=np.concatenate([d.lengths_train, d.lengths_test]),
        minority=args.minority_class,
        notes=[
            f"speaker {args.minority_class} kept at {args.imbalance:g} x the most frequent "
            "speaker, in the train and the test split; the two splits pooled"
        ],
    )


def _user_data(path: Path) -> Dataset:
    from ._validation import check_sequences
    from .targets import TargetEncoder

    if path.is_dir():
        raise CLIError(f"--data {path}: is a directory; expected a .npz file written by "
                       "numpy.savez(path, X=X, y=y[, lengths=lengths])")
    if not path.exists():
        raise CLIError(f"--data {path}: no such file")
    if not path.is_file():
        raise CLIError(f"--data {path}: not a regular file; expected a .npz file")
    if not zipfile.is_zipfile(path):
        raise CLIError(
            f"--data {path}: not a readable .npz file (expected an archive written by "
            "numpy.savez(path, X=X, y=y[, lengths=lengths]))"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = list(npz.files)
            missing = [k for k in ("X", "y") if k not in names]
            if missing:
                raise CLIError(
                    f"--data {path}: no array {' or '.join(map(repr, missing))} "
                    f"(found: {', '.join(names) or 'nothing'}); save with "
                    "numpy.savez(path, X=X, y=y[, lengths=lengths])"
                )
            arrays = {k: npz[k] for k in ("X", "y", "lengths") if k in names}
    except CLIError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise CLIError(
                f"--data {path}: holds Python objects, which skimbal does not unpickle; "
                "save numeric arrays (pad variable-length sequences and pass lengths) and "
                "string labels as fixed-width strings (y.astype(str))"
            ) from None
        raise CLIError(f"--data {path}: not a readable .npz file ({exc})") from None
    except Exception as exc:  # zipfile.BadZipFile, OSError, EOFError on damaged files
        raise CLIError(f"--data {path}: not a readable .npz file ({exc})") from None

    try:
        X = check_sequences(arrays["X"])
        y = np.asarray(arrays["y"])
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(
                f"y has shape {y.shape}; expected one label per sequence ({len(X)},)"
            )
        encoder = TargetEncoder().fit(y)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"--data {path}: {exc}") from None
    if encoder.kind == "onehot":
        y = np.argmax(y, axis=1)
    elif y.ndim == 2:
        y = y[:, 0]

    T = X.shape[1]
    if "lengths" in arrays:
        lengths = arrays["lengths"]
        if (
            lengths.shape != (len(X),)
            or lengths.dtype.kind not in "iu"
            or lengths.min() < 1
            or lengths.max() > T
        ):
            raise CLIError(
                f"--data {path}: lengths must be {len(X)} integers in 1..{T} (the true "
                f"length of each end-padded sequence); got dtype {lengths.dtype}, shape "
                f"{lengths.shape}"
            )
        lengths = lengths.astype(np.int64)
    else:
        lengths = np.full(len(X), T, dtype=np.int64)
    classes, counts = np.unique(y, return_counts=True)
    return Dataset(name=path.name, X=X, y=y, lengths=lengths,
                   minority=classes[np.argmin(counts)].item())


def _as_model_input(X: np.ndarray, lengths: np.ndarray) -> Any:
    """The classifier's input: the variable-length sequences as a list (masked)."""
    return [x[:n] for x, n in zip(X, lengths, strict=True)]


def _take(X: Any, idx: np.ndarray) -> Any:
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


def _resolve_class_weight(spec: Any, classes: np.ndarray) -> Any:
    """Map the JSON keys of a dict spec to labels (``"1"`` -> ``1``)."""
    if not isinstance(spec, dict):
        return spec
    by_name = {str(c): c for c in classes.tolist()}
    unknown = [k for k in spec if k not in by_name]
    if unknown:
        raise CLIError(
            f"--class-weight: unknown label(s) {', '.join(unknown)}; the labels are "
            f"{', '.join(by_name)}"
        )
    return {by_name[k]: float(w) for k, w in spec.items()}


def _row_name(spec: Any) -> str:
    if spec is None:
        return "unweighted"
    if spec == "balanced":
        return 'class_weight="balanced"'
    return "class_weight=" + json.dumps({str(k): v for k, v in spec.items()})


# ----------------------------------------------------------------- the report
class _Progress:
    """A dependency-free progress bar on stderr (one line per step when not a tty)."""

    def __init__(self, total: int, stream: Any = None, width: int = 24) -> None:
        self.total, self.done, self.width = total, 0, width
        self.stream = sys.stderr if stream is None else stream
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()

    def step(self, label: str) -> None:
        self.done += 1
        filled = self.width * self.done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        text = (f"[{bar}] {self.done}/{self.total} {label} "
                f"({time.perf_counter() - self.start:.0f}s)")
        if self.tty:
            self.stream.write("\r" + text.ljust(79))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _candidates(s: dict[str, Any], weights: list[Any]) -> list[tuple[str, Callable[[], Any]]]:
    """The report's rows: (name, factory of a fresh estimator)."""
    from .classifier import WeightedSequenceClassifier

    def make(class_weight: Any, params: dict[str, Any] | None = None) -> Callable[[], Any]:
        return lambda: WeightedSequenceClassifier(
            cell=s["cell"], units=s["units"], epochs=s["epochs"],
            batch_size=s["batch_size"], learning_rate=s["learning_rate"],
            random_state=s["seed"], **{"class_weight": class_weight, **(params or {})},
        )

    rows = [(_row_name(spec), make(cw)) for spec, cw in zip(s["class_weight"], weights,
                                                             strict=True)]
    for name in s["method"]:
        params, row = METHODS[name]
        rows.append((row, make(None, params)))
    # --- resampling row: random over-sampling of the training folds only -----
    if s["resample"]:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.pipeline import make_pipeline

        from .sampling import SequenceSampler

        rows.append(("RandomOverSampler + unweighted", lambda: make_pipeline(
            SequenceSampler(RandomOverSampler(random_state=s["seed"])), make(None)())))
    return rows


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow and initialise its devices with file descriptor 2 muted.

    TensorFlow's C++ start-up lines (oneDNN notes, "failed call to cuInit" on a
    machine without a GPU) are written before ``TF_CPP_MIN_LOG_LEVEL`` is read,
    straight to the process's stderr; only muting the descriptor hides them.
    Python errors raised by the import still surface once it is restored.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.constant(0.0).numpy()  # device initialisation logs here, not at import
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _cross_validate(data: Dataset, s: dict[str, Any]) -> dict[str, Any]:
    classes, counts = np.unique(data.y, return_counts=True)
    if counts.min() < s["folds"]:
        raise CLIError(
            f"class {classes[np.argmin(counts)].item()!r} has only {counts.min()} samples; "
            f"--folds {s['folds']} needs at least {s['folds']} per class"
        )
    weights = [_resolve_class_weight(spec, classes) for spec in s["class_weight"]]

    # input checked: TensorFlow and the estimators are imported from here on
    _import_tensorflow_quietly()
    from sklearn.metrics import balanced_accuracy_score, f1_score, log_loss, recall_score
    from sklearn.model_selection import RepeatedStratifiedKFold

    rows = _candidates(s, weights)
    network = _network(rows[0][1](), data.lengths)
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # tf.function retracing notes
    X = _as_model_input(data.X, data.lengths)
    splits = list(RepeatedStratifiedKFold(
        n_splits=s["folds"], n_repeats=s["repeats"], random_state=s["seed"],
    ).split(data.X, data.y))
    progress = _Progress(len(rows) * len(splits))
    results = []
    for name, factory in rows:
        folds: dict[str, list[float]] = {m: [] for m in METRICS}
        oof = np.zeros((len(data.y), len(classes)))
        for k, (tr, te) in enumerate(splits, start=1):
            est = factory()
            t0 = time.perf_counter()
            est.fit(_take(X, tr), data.y[tr])
            fit_s = time.perf_counter() - t0
            X_te, y_te = _take(X, te), data.y[te]
            proba = est.predict_proba(X_te)
            oof[te] += proba / s["repeats"]  # every training fold holds every class
            pred = est.predict(X_te)
            onehot = y_te[:, None] == classes[None, :]
            folds["balanced_accuracy"].append(float(balanced_accuracy_score(y_te, pred)))
            folds["macro_f1"].append(float(f1_score(y_te, pred, average="macro", zero_division=0)))
            folds["minority_recall"].append(
                float(recall_score(y_te, pred, labels=[data.minority], average="macro"))
            )
            folds["brier"].append(float(np.mean(np.sum((proba - onehot) ** 2, axis=1))))
            folds["log_loss"].append(float(log_loss(y_te, proba, labels=classes)))
            folds["fit_seconds"].append(fit_s)
            progress.step(f"{name} fold {k}/{len(splits)}")
        results.append({
            "model": name,
            "metrics": {m: {"mean": float(np.mean(v)), "std": float(np.std(v)), "folds": v}
                        for m, v in folds.items()},
            "oof_proba": oof,
        })
    return {"classes": classes, "network": network, "results": results}


def _network(estimator: Any, lengths: np.ndarray) -> str:
    """The network the report trains, in words (the last step of a pipeline)."""
    clf = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    params = clf.get_params()
    strides = params.get("frontend_strides", "auto")
    if isinstance(strides, str):
        longest, shortest = int(lengths.max()), int(lengths.min())
        params["frontend_strides"] = resolve_frontend_strides(strides, longest, shortest)
        params["conv_pool"] = resolve_conv_pool(strides, longest)
    # the report passes the sequences as a list: variable-length input
    params["conv_norm"] = resolve_conv_norm(params.get("conv_norm", "auto"), True)
    return describe_network(**params)


def _summary(data: Dataset, s: dict[str, Any]) -> dict[str, Any]:
    classes, counts = np.unique(data.y, return_counts=True)
    return {
        "dataset": data.name,
        "n_samples": int(len(data.y)),
        "n_timesteps": int(data.X.shape[1]),
        "n_features": int(data.X.shape[2]),
        "lengths": [int(data.lengths.min()), int(data.lengths.max())],
        "class_counts": {str(c): int(n) for c, n in zip(classes.tolist(), counts, strict=True)},
        "minority_class": data.minority,
        "notes": data.notes,
        "settings": {k: (v if k != "class_weight" else [_row_name(c) for c in v])
                     for k, v in s.items()},
    }


def _table(summary: dict[str, Any], report: dict[str, Any]) -> str:
    s = summary["settings"]
    counts = ", ".join(f"{c}: {n}" for c, n in summary["class_counts"].items())
    cv = f"{s['folds']}-fold stratified CV"
    if s["repeats"] > 1:
        cv += f", repeated {s['repeats']} times with new shuffles"
    low, high = summary["lengths"]
    lengths = (f"length {low}" if low == high
               else f"lengths {low}-{high} (passed unpadded, as a list)")
    lines = [
        f"{summary['dataset']}: {summary['n_samples']} sequences, {summary['n_features']} "
        f"features, {lengths}; class counts {{{counts}}}",
        *summary["notes"],
        f"network: {report['network']}",
        f"{cv}; epochs {s['epochs']}, batch {s['batch_size']}, "
        f"Adam lr {s['learning_rate']:g}, seed {s['seed']}; "
        f"minority class: {summary['minority_class']}",
        "",
    ]
    cols = [("balanced_accuracy", "balanced acc"), ("macro_f1", "macro F1"),
            ("minority_recall", "minority recall"), ("brier", "Brier"),
            ("log_loss", "log-loss"), ("fit_seconds", "fit s")]
    width = max(len("model"), *(len(r["model"]) for r in report["results"]))
    header = f"{'model':<{width}}  " + "  ".join(f"{t:>15}" for _, t in cols)
    lines += [header, "-" * len(header)]
    for r in report["results"]:
        cells = []
        for key, _ in cols:
            m = r["metrics"][key]
            fmt = ".1f" if key == "fit_seconds" else ".3f"
            cells.append(f"{format(m['mean'], fmt)} ± {format(m['std'], fmt)}".rjust(15))
        lines.append(f"{r['model']:<{width}}  " + "  ".join(cells))
    lines.append("(mean ± std over the folds of every repeat; Brier and log-loss from "
                 "predict_proba: lower is better)")
    return "\n".join(lines)


def _plot(path: Path, data: Dataset, report: dict[str, Any]) -> Any:
    """Precision-recall of the minority class and per-class recall matrices (out-of-fold).

    The confusion matrices are normalised per true class (each row is the
    recall of that class), on one colour scale from 0 to 1, so that a
    12-sequence minority row reads as clearly as a 90-sequence one. The
    precision-recall panel is square, with the chance line at the minority
    prevalence.
    """
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay

    classes = report["classes"]
    col = int(np.flatnonzero(classes == data.minority)[0])
    n = len(report["results"])
    fig = Figure(figsize=(4.6 * (n + 1) + 0.8, 4.8), layout="constrained")
    axes = fig.subplots(1, n + 1, squeeze=False)[0]
    positive = data.y == data.minority
    prevalence = float(np.mean(positive))
    for r in report["results"]:
        PrecisionRecallDisplay.from_predictions(
            positive, r["oof_proba"][:, col], name=r["model"], ax=axes[0]
        )
    axes[0].axhline(prevalence, color="grey", linestyle="--", linewidth=1,
                    label=f"chance (prevalence {prevalence:.3f})")
    axes[0].set(xlim=(0, 1.01), ylim=(0, 1.01), box_aspect=1)
    axes[0].legend(loc="lower left", fontsize="small")
    axes[0].set_title(f"minority class {data.minority}: precision-recall", fontsize="medium")
    image = None
    for ax, r in zip(axes[1:], report["results"], strict=True):
        pred = classes[np.argmax(r["oof_proba"], axis=1)]
        disp = ConfusionMatrixDisplay.from_predictions(
            data.y, pred, labels=classes, normalize="true", ax=ax, colorbar=False,
            values_format=".2f", cmap="Blues", im_kw={"vmin": 0.0, "vmax": 1.0},
            text_kw={"fontsize": "x-small"},
        )
        image = disp.im_
        ax.set_title(r["model"], fontsize="medium")
        ax.set_ylabel("true class")
    if image is not None:
        fig.colorbar(image, ax=axes[1:].tolist(), shrink=0.8,
                     label="share of the true class (recall on the diagonal)")
    fig.suptitle(f"{data.name}: out-of-fold predictions")
    fig.savefig(path, dpi=110)
    return fig


def _run(args: argparse.Namespace) -> int:
    s = _settings(args)
    _check_plot_path(args.plot)
    data = _demo_data(args) if args.command == "demo" else _user_data(args.data)
    summary = _summary(data, s)
    report = _cross_validate(data, s)
    if args.json:
        results = [{k: v for k, v in r.items() if k != "oof_proba"} for r in report["results"]]
        print(json.dumps({**summary, "network": report["network"], "results": results},
                         indent=2))
    else:
        print(_table(summary, report))
    if args.plot is not None:
        _plot(args.plot, data, report)
        print(f"saved {args.plot}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skimbal`` command line and return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 2 on bad input (after a one-line message on stderr).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
            raise CLIError(f"unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}")
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        return _run(args)
    except CLIError as exc:
        print(f"skimbal: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
