"""Peak memory of ``fit`` on 200,000 x 50 x 8 float32 (320 MB).

Each measurement is a fresh process (``ru_maxrss``): the *baseline* process
imports skimbal, builds the same network and fits it on 64 sequences; the
*measured* process also allocates the 320 MB array and fits on all of it
(1 epoch, batch 1024). Reported: (peak - baseline) / array size. Medians
over ``--repeats`` runs. ``--validation-fraction`` exercises the held-out split.

Run: ``python benchmarks/fit_memory.py [--repeats 5] [--validation-fraction 0]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from skimbal import WeightedSequenceClassifier
n = int(sys.argv[1]); vf = float(sys.argv[2])
rng = np.random.default_rng(0)
X = rng.standard_normal((n, 50, 8), dtype=np.float32)
y = (rng.random(n) < 0.1).astype(np.int64)
clf = WeightedSequenceClassifier(architecture="rnn", units=16, epochs=1, batch_size=1024,
                                 validation_fraction=vf, early_stopping=False,
                                 lr_schedule=None, class_weight="balanced", random_state=0)
clf.fit(X, y)
print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "array_mb": X.nbytes / 2**20}))
"""


def measure(n: int, vf: float) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(vf)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import statistics

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--validation-fraction", type=float, default=0.0)
    args = parser.parse_args()
    ratios = []
    for r in range(args.repeats):
        base = measure(64, 0.0)
        big = measure(args.n, args.validation_fraction)
        ratio = (big["maxrss_mb"] - base["maxrss_mb"]) / big["array_mb"]
        ratios.append(ratio)
        print(f"run {r}: baseline {base['maxrss_mb']:.0f} MB, fit {big['maxrss_mb']:.0f} MB, "
              f"array {big['array_mb']:.0f} MB, ratio {ratio:.2f}", flush=True)
    print(f"\nmedian (peak - baseline) / array size: {statistics.median(ratios):.2f} "
          f"(validation_fraction={args.validation_fraction})")


if __name__ == "__main__":
    main()
