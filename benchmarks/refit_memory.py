"""Memory kept after ``fit``: does a finished fit keep its training array alive?

One process fits ``--fits`` times, each time on a fresh copy of a
50,000 x 50 x 8 float32 array (76 MiB, as ``GridSearchCV`` hands each fold a
copy), drops the copy and collects garbage. Reported: the resident set size
after each fit and its growth per fit over the array size. A ratio near 1
means every fit leaked its training data; near 0, none did.

Run: ``python benchmarks/refit_memory.py [--fits 4]``
"""

from __future__ import annotations

import argparse
import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from _timing import machine  # noqa: E402

from skimbal import WeightedSequenceClassifier  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fits", type=int, default=4)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    base = rng.standard_normal((50_000, 50, 8), dtype=np.float32)
    y = (rng.random(len(base)) < 0.1).astype(int)
    after = []
    for _ in range(args.fits):
        X = base.copy()
        WeightedSequenceClassifier(
            architecture="rnn", units=4, epochs=1, batch_size=1024, early_stopping=False,
            lr_schedule=None, validation_fraction=0, random_state=0,
        ).fit(X, y)
        del X
        gc.collect()
        after.append(rss_mib())
    array = base.nbytes / 2**20
    growth = np.diff(after)
    print(machine())
    print(f"RSS after each fit (MiB): {[round(v) for v in after]}; array {array:.0f} MiB")
    print(f"median growth per fit after the first: {np.median(growth):.1f} MiB "
          f"= {np.median(growth) / array:.2f} x the array")


if __name__ == "__main__":
    main()
